/* Unit tests for COPY/ADD (build/copy): Docker's directory rules, globs,
 * .dockerignore, owners and modes, ADD's archives, containment in the
 * source and destination roots, the content digest. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/io.h"
#include "build/copy.h"
#include "unit.h"

static char T[512]; /* the test's dir: ctx/ (sources), dst/ (the new root), secret */
static int quiet;   /* a failing digest is expected */

static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = snprintf(cmd, sizeof cmd, "cd %s && ", T);
    vsnprintf(cmd + n, sizeof cmd - (size_t)n, fmt, ap);
    va_end(ap);
    return system(cmd);
}

static void setup(void)
{
    snprintf(T, sizeof T, "%s", unit_tmpdir());
    sh("rm -rf ctx dst && mkdir ctx dst && echo TOPSECRET > secret && printf hello > ctx/a.txt"
       " && printf bye > ctx/b.txt && mkdir -p ctx/d/sub && printf f > ctx/d/f && printf g > ctx/d/sub/g");
}

/* The bytes of T/path ("" when missing). */
static char *rd(const char *path)
{
    static char buf[4096];
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", T, path);
    int fd = open(p, O_RDONLY);
    ssize_t n = fd < 0 ? 0 : read(fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    if (fd >= 0)
        close(fd);
    return buf;
}

static struct stat st_of(const char *path)
{
    struct stat st = {0};
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", T, path);
    lstat(p, &st);
    return st;
}

typedef struct opt {
    const char *chown, *chmod, *workdir, *ignore;
    int add;
    const sbc_df_heredoc *docs;
    size_t ndocs;
} opt;

/* COPY (or ADD) srcs... dest from ctx into dst: 0 or -1 with the message in err. */
static int cp(const opt *o, char *err, const char *dest, int n, const char *const *srcs)
{
    sbc_err e = {0};
    char p[1024];
    snprintf(p, sizeof p, "%s/ctx", T);
    int src = open(p, O_PATH | O_DIRECTORY);
    snprintf(p, sizeof p, "%s/dst", T);
    int dst = open(p, O_PATH | O_DIRECTORY);
    sbc_ignore *ig = o && o->ignore ? sbc_ignore_parse(o->ignore, strlen(o->ignore), &e) : NULL;
    sbc_copy_req r = {.src_root = src, .ignore = ig, .srcs = srcs, .nsrcs = (size_t)n, .dest = dest,
                      .workdir = o ? o->workdir : NULL, .chown = o ? o->chown : NULL,
                      .chmod = o ? o->chmod : NULL, .add = o && o->add,
                      .heredocs = o ? o->docs : NULL, .nheredocs = o ? o->ndocs : 0};
    sbc_copy_plan *pl = sbc_copy_plan_make(&r, T, &e);
    int rc = pl ? sbc_copy_apply(pl, dst, &e) : -1;
    sbc_copy_free(pl);
    sbc_ignore_free(ig);
    close(src);
    close(dst);
    if (err)
        snprintf(err, 1024, "%s", rc < 0 ? e.msg : "");
    if (rc < 0 && !err)
        fprintf(stderr, "  copy failed: %s\n", e.msg);
    if (rc < 0)
        CHECK(e.code == 1 || e.code == SBC_EXIT_FAIL);
    return rc;
}

#define CP(o, dest, ...) cp(o, NULL, dest, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *)), (const char *const[]){__VA_ARGS__})
#define CPE(o, err, dest, ...) cp(o, err, dest, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *)), (const char *const[]){__VA_ARGS__})

/* The digest of COPY srcs (one source) with the ignore text ig. */
static void digest(const char *src1, const char *ig_text, char out[SBC_DIGEST_SIZE])
{
    sbc_err e = {0};
    char p[1024];
    snprintf(p, sizeof p, "%s/ctx", T);
    int src = open(p, O_PATH | O_DIRECTORY);
    sbc_ignore *ig = ig_text ? sbc_ignore_parse(ig_text, strlen(ig_text), &e) : NULL;
    const char *srcs[] = {src1};
    sbc_copy_req r = {.src_root = src, .ignore = ig, .srcs = srcs, .nsrcs = 1, .dest = "/x/"};
    sbc_copy_plan *pl = sbc_copy_plan_make(&r, T, &e);
    out[0] = 0;
    if ((!pl || sbc_copy_digest(pl, out, &e) < 0) && !quiet)
        fprintf(stderr, "  digest failed: %s\n", e.msg);
    sbc_copy_free(pl);
    sbc_ignore_free(ig);
    close(src);
}

TEST(copy_file_rules)
{
    setup();
    sh("touch -d 2020-02-03 ctx/a.txt && chmod 4751 ctx/a.txt");
    CHECK(CP(NULL, "/f1", "a.txt") == 0);
    CHECK_STR(rd("dst/f1"), "hello");
    struct stat st = st_of("dst/f1");
    CHECK_INT(st.st_mode & 07777, 04751);
    CHECK_INT(st.st_mtim.tv_sec, st_of("ctx/a.txt").st_mtim.tv_sec);
    CHECK(CP(NULL, "/in/deep/", "/a.txt") == 0); /* into a dir, parents made 0755 */
    CHECK_STR(rd("dst/in/deep/a.txt"), "hello");
    CHECK_INT(st_of("dst/in").st_mode & 07777, 0755);
    sh("mkdir dst/exist");
    CHECK(CP(NULL, "/exist", "a.txt") == 0); /* an existing dir: inside */
    CHECK_STR(rd("dst/exist/a.txt"), "hello");
    CHECK(CP(NULL, "/f1", "b.txt") == 0); /* overwritten */
    CHECK_STR(rd("dst/f1"), "bye");
    opt o = {.workdir = "/app"};
    CHECK(CP(&o, "rel.txt", "a.txt") == 0); /* relative to WorkingDir */
    CHECK_STR(rd("dst/app/rel.txt"), "hello");
    CHECK(CP(&o, ".", "b.txt") == 0);
    CHECK_STR(rd("dst/app/b.txt"), "bye");
}

TEST(copy_dir_contents_and_merge)
{
    setup();
    sh("ln -s a.txt ctx/d/lnk && mkdir -p dst/dd/old && echo o > dst/dd/keep");
    CHECK(CP(NULL, "/dd", "d") == 0);
    CHECK_STR(rd("dst/dd/f"), "f");
    CHECK_STR(rd("dst/dd/sub/g"), "g");
    CHECK_STR(rd("dst/dd/keep"), "o\n"); /* merged */
    CHECK(S_ISLNK(st_of("dst/dd/lnk").st_mode));
    char t[64] = {0};
    char p[600];
    snprintf(p, sizeof p, "%s/dst/dd/lnk", T);
    CHECK(readlink(p, t, sizeof t - 1) == 5 && !strcmp(t, "a.txt"));
    CHECK(CP(NULL, "/", ".") == 0); /* the whole context */
    CHECK_STR(rd("dst/d/sub/g"), "g");
    CHECK_STR(rd("dst/a.txt"), "hello");
}

TEST(copy_globs_and_errors)
{
    setup();
    char err[1024];
    CHECK(CP(NULL, "/g/", "*.txt") == 0);
    CHECK_STR(rd("dst/g/a.txt"), "hello");
    CHECK_STR(rd("dst/g/b.txt"), "bye");
    CHECK(CP(NULL, "/g2/", "d/s?b/[f-h]") == 0);
    CHECK_STR(rd("dst/g2/g"), "g");
    CHECK(CP(NULL, "/g3/", "*.nomatch", "a.txt") == 0); /* another source matched */
    CHECK_STR(rd("dst/g3/a.txt"), "hello");
    CHECK(CPE(NULL, err, "/g4/", "*.nomatch") < 0);
    CHECK_STR(err, "COPY failed: no source files were specified");
    CHECK(CPE(NULL, err, "/multi", "*.txt") < 0);
    CHECK_STR(err, "When using COPY with more than one source file, the destination must be a directory and end with a /");
    CHECK(CPE(NULL, err, "/multi", "a.txt", "b.txt") < 0);
    CHECK(CPE(NULL, err, "/x", "missing") < 0);
    CHECK_STR(err, "COPY failed: file not found in build context or excluded by .dockerignore: stat missing: file does not exist");
    opt o = {.chmod = "99"};
    CHECK(CPE(&o, err, "/x", "a.txt") < 0);
    CHECK_STR(err, "invalid --chmod value 99: an octal mode is expected");
    CHECK(CPE(NULL, err, "/x/", "[") < 0); /* Go's ErrBadPattern */
    CHECK_STR(err, "COPY: bad pattern [");
    CHECK(CPE(NULL, err, "/x/", "<<NOPE") < 0);
}

/* Nothing outside the source root is ever read: "../", absolute and ".."
 * symlinks are resolved inside it. */
TEST(copy_contained)
{
    setup();
    char err[1024];
    sh("ln -s %s/secret ctx/abs && ln -s ../../secret ctx/up && ln -s .. ctx/d/parent && ln -s / ctx/root", T);
    CHECK(CPE(NULL, err, "/s1", "../secret") < 0);
    CHECK(CPE(NULL, err, "/s2", "abs") < 0);
    CHECK(CPE(NULL, err, "/s3", "up") < 0);
    CHECK(CPE(NULL, err, "/s4/", "d/parent/../../secret") < 0);
    CHECK(CP(NULL, "/s5/", "root") == 0); /* "/" of the root is the context */
    CHECK(CP(NULL, "/s6/", "d/parent/*") == 0);
    CHECK(CP(NULL, "/s7/", "d") == 0);     /* parent copied as a symlink */
    CHECK(sh("! grep -r TOPSECRET dst") == 0);
    CHECK_STR(rd("dst/s5/a.txt"), "hello");
    /* the destination's symlinks stay in its root too */
    sh("ln -s %s dst/out && ln -s / dst/rootl", T);
    CHECK(CPE(NULL, err, "/out/x/", "a.txt") < 0); /* dangling in the root: refused */
    CHECK(CP(NULL, "/rootl/y/", "a.txt") == 0);
    CHECK_STR(rd("x/a.txt"), "");
    CHECK_STR(rd("dst/y/a.txt"), "hello");
}

TEST(copy_dockerignore)
{
    setup();
    char err[1024];
    sh("printf k > ctx/d/keep.md && printf x > ctx/d/x.md && mkdir ctx/e && printf e > ctx/e/in");
    opt o = {.ignore = "*.txt\nd/*.md\n!d/keep.md\ne\n!e/in\n"};
    CHECK(CP(&o, "/all/", ".") == 0);
    CHECK_STR(rd("dst/all/a.txt"), "");
    CHECK_STR(rd("dst/all/d/keep.md"), "k");
    CHECK_STR(rd("dst/all/d/x.md"), "");
    CHECK_STR(rd("dst/all/d/f"), "f");
    CHECK_STR(rd("dst/all/e/in"), "e");
    CHECK(CPE(&o, err, "/x", "a.txt") < 0); /* excluded: not found */
    CHECK(strstr(err, "not found") != NULL);
    CHECK(CP(&o, "/g/", "*") == 0); /* globs do not see excluded files */
    CHECK_STR(rd("dst/g/b.txt"), "");
    char d1[SBC_DIGEST_SIZE], d2[SBC_DIGEST_SIZE];
    digest(".", o.ignore, d1);
    sh("printf changed > ctx/a.txt && printf changed > ctx/d/x.md");
    digest(".", o.ignore, d2);
    CHECK(d1[0] && !strcmp(d1, d2)); /* ignored files do not count */
}

TEST(copy_chown_chmod)
{
    setup();
    if (geteuid() != 0)
        return; /* chown needs root */
    char err[1024];
    sh("mkdir dst/etc && printf 'root:x:0:0::/root:/bin/sh\\napp:x:1234:99::/:/bin/sh\\n' > dst/etc/passwd"
       " && printf 'root:x:0:\\nstaff:x:50:\\n' > dst/etc/group");
    opt o = {.chown = "1000:2000"};
    CHECK(CP(&o, "/n/p/", "a.txt") == 0);
    CHECK_INT(st_of("dst/n/p/a.txt").st_uid, 1000);
    CHECK_INT(st_of("dst/n/p/a.txt").st_gid, 2000);
    CHECK_INT(st_of("dst/n").st_uid, 1000); /* made parents as buildah */
    o.chown = "app:staff";
    CHECK(CP(&o, "/named/", "d") == 0);
    CHECK_INT(st_of("dst/named/sub/g").st_uid, 1234);
    CHECK_INT(st_of("dst/named/sub/g").st_gid, 50);
    o.chown = "app";
    CHECK(CP(&o, "/u1", "a.txt") == 0);
    CHECK_INT(st_of("dst/u1").st_gid, 99); /* the user's primary group */
    o.chown = "77";
    CHECK(CP(&o, "/u3", "a.txt") == 0);
    CHECK_INT(st_of("dst/u3").st_gid, 77); /* the uid */
    o.chown = "nobody";
    CHECK(CPE(&o, err, "/u2", "a.txt") < 0);
    CHECK_STR(err, "unable to find user nobody: no matching entries in passwd file");
    o.chown = "0:nogroup";
    CHECK(CPE(&o, err, "/u2", "a.txt") < 0);
    CHECK_STR(err, "unable to find group nogroup: no matching entries in group file");
    opt m = {.chmod = "0640"};
    CHECK(CP(&m, "/m/", "d") == 0);
    CHECK_INT(st_of("dst/m/f").st_mode & 07777, 0640);
    CHECK_INT(st_of("dst/m/sub").st_mode & 07777, 0640);
    CHECK_INT(st_of("dst/m/f").st_uid, 0);
}

TEST(copy_add_archives)
{
    setup();
    char err[1024];
    sh("mkdir -p t/top && printf in > t/top/x && tar czf ctx/a.tgz --owner=7 --group=8 -C t top"
       " && tar cf ctx/plain.tar -C t top && (zstd -q -o ctx/z.tar.zst ctx/plain.tar || cp ctx/a.tgz ctx/z.tar.zst)"
       " && printf notatar > ctx/n.gz && echo hi | gzip > ctx/hi.gz");
    opt o = {.add = 1};
    CHECK(CP(&o, "/x", "a.tgz") == 0); /* extracted into /x, owners kept */
    CHECK_STR(rd("dst/x/top/x"), "in");
    opt oc = {.add = 1, .chown = "5:6"};
    CHECK(CP(&oc, "/xc", "a.tgz") == 0); /* --chown: the dir made, not the entries */
    if (geteuid() == 0) {
        CHECK_INT(st_of("dst/x/top/x").st_uid, 7);
        CHECK_INT(st_of("dst/xc").st_uid, 5);
        CHECK_INT(st_of("dst/xc/top/x").st_uid, 7);
    }
    CHECK(CP(&o, "/y/", "plain.tar", "z.tar.zst") == 0);
    CHECK_STR(rd("dst/y/top/x"), "in");
    CHECK(CP(&o, "/n", "n.gz") == 0); /* not an archive: copied */
    CHECK_STR(rd("dst/n"), "notatar");
    CHECK(CP(&o, "/hi.gz", "hi.gz") == 0); /* gzip of a non-tar: copied */
    CHECK(S_ISREG(st_of("dst/hi.gz").st_mode));
    CHECK(CP(NULL, "/c", "a.tgz") == 0); /* COPY does not extract */
    CHECK(S_ISREG(st_of("dst/c").st_mode));
    /* hostile: a symlink to "/" then a file through it; a "../" entry */
    sh("python3 -c \"import tarfile,io\n"
       "d=b'PWNED'\n"
       "t=tarfile.open('ctx/evil1.tar','w')\n"
       "i=tarfile.TarInfo('l');i.type=tarfile.SYMTYPE;i.linkname='/';t.addfile(i)\n"
       "i=tarfile.TarInfo('l/pwned');i.size=len(d);t.addfile(i,io.BytesIO(d))\n"
       "t.close()\n"
       "t=tarfile.open('ctx/evil2.tar','w')\n"
       "i=tarfile.TarInfo('../../../escape');i.size=len(d);t.addfile(i,io.BytesIO(d))\n"
       "t.close()\"");
    CHECK(CP(&o, "/ev/", "evil1.tar") == 0);
    CHECK_STR(rd("dst/ev/pwned"), "PWNED"); /* "/" is the destination dir */
    CHECK_STR(rd("dst/pwned"), "");
    CHECK(CPE(&o, err, "/ev2/", "evil2.tar") < 0);
    CHECK(strstr(err, "leaves the destination") != NULL);
    CHECK(sh("test ! -e escape && test ! -e ../escape && test ! -e pwned") == 0);
}

TEST(copy_heredoc)
{
    setup();
    sbc_df_heredoc docs[] = {{.name = "EOF", .body = "line1\nline2\n"}, {.name = "B", .body = "b\n"}};
    opt o = {.docs = docs, .ndocs = 2};
    CHECK(CP(&o, "/h/", "<<EOF", "<<B") == 0);
    CHECK_STR(rd("dst/h/EOF"), "line1\nline2\n");
    CHECK_INT(st_of("dst/h/EOF").st_mode & 07777, 0644);
    CHECK_STR(rd("dst/h/B"), "b\n");
    CHECK(CP(&o, "/h2", "<<EOF") == 0);
    CHECK_STR(rd("dst/h2"), "line1\nline2\n");
}

TEST(copy_digest)
{
    setup();
    char d1[SBC_DIGEST_SIZE], d2[SBC_DIGEST_SIZE], d3[SBC_DIGEST_SIZE];
    digest(".", NULL, d1);
    digest(".", NULL, d2);
    CHECK(d1[0] && !strcmp(d1, d2));
    sh("touch -d 2001-01-01 ctx/a.txt; chown 5:5 ctx/d/f 2>/dev/null");
    digest(".", NULL, d2);
    CHECK_STR(d1, d2); /* mtimes and owners do not count */
    sh("printf hellp > ctx/a.txt");
    digest(".", NULL, d2);
    CHECK(strcmp(d1, d2) != 0);
    sh("printf hello > ctx/a.txt");
    digest(".", NULL, d2);
    CHECK_STR(d1, d2);
    sh("chmod 700 ctx/d/sub/g");
    digest(".", NULL, d3);
    CHECK(strcmp(d1, d3) != 0);
    sh("mv ctx/b.txt ctx/c.txt");
    digest(".", NULL, d2);
    CHECK(strcmp(d3, d2) != 0);
    digest("a.txt", NULL, d2);
    CHECK(d2[0] && strcmp(d1, d2) != 0);
}

/* ADD URL against a local python http.server (skipped without python3). */
TEST(copy_add_url)
{
    setup();
    if (sh("command -v python3 >/dev/null") != 0)
        return;
    int port = 20000 + (int)(getpid() % 20000);
    sh("mkdir web && printf payload > web/f.txt && touch -d '2015-06-07 08:09:10 UTC' web/f.txt"
       " && (python3 -m http.server --bind 127.0.0.1 %d -d web >/dev/null 2>&1 & echo $! > srv.pid)"
       " && for i in $(seq 50); do python3 -c 'import socket,sys; socket.create_connection((\"127.0.0.1\", %d))' 2>/dev/null && break; sleep 0.1; done",
       port, port);
    char url[128], err[1024];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/f.txt?q=1", port);
    opt o = {.add = 1};
    CHECK(CP(&o, "/dl/", url) == 0);
    CHECK_STR(rd("dst/dl/f.txt"), "payload");
    CHECK_INT(st_of("dst/dl/f.txt").st_mode & 07777, 0600);
    CHECK_INT(st_of("dst/dl/f.txt").st_mtim.tv_sec, 1433664550);
    CHECK(CP(&o, "/named", url) == 0);
    CHECK_STR(rd("dst/named"), "payload");
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    CHECK(CPE(&o, err, "/d2/", url) < 0); /* no name for the file */
    CHECK(strstr(err, "cannot determine a file name") != NULL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/missing", port);
    CHECK(CPE(&o, err, "/x", url) < 0);
    CHECK(strstr(err, "404") != NULL);
    sh("kill $(cat srv.pid)");
    CHECK(sh("ls %s | grep -q add-", T) != 0); /* the downloads are gone */
}

/* Deep trees end in a clear error, not a crash (walk and digest). */
TEST(copy_depth_bound)
{
    setup();
    sh("cd ctx && mkdir deep && cd deep && for i in $(seq 300); do mkdir a && cd a || exit 1; done");
    char err[1024], d[SBC_DIGEST_SIZE];
    CHECK(CPE(NULL, err, "/deep/", "deep") < 0);
    CHECK(strstr(err, "more than 256 levels") != NULL);
    quiet = 1;
    digest("deep", NULL, d);
    quiet = 0;
    CHECK(d[0] == 0);
}
