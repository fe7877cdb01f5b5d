/* Unit tests for lib/layer: streaming unpack (digests, gzip/zstd/plain),
 * metadata, hostile layers, whiteouts, flatten.  Run as root.  The tars are
 * made by tests/fixtures/unit/mklayers.py at run time. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <bearssl_hash.h>

#include "base/err.h"
#include "base/io.h"
#include "base/tar.h"
#include "image/layer.h"
#include "unit.h"

static char gen[PATH_MAX], sentinel[PATH_MAX];

/* Generate the fixtures once; 0 on success. */
static int setup(void)
{
    static int done = -1;
    if (done >= 0)
        return done;
    const char *top = unit_tmpdir();
    snprintf(gen, sizeof gen, "%s/layergen", top);
    snprintf(sentinel, sizeof sentinel, "%s/sentinel", top);
    mkdir(gen, 0700);
    mkdir(sentinel, 0700);
    const char *src = getenv("SBC_SRCDIR") ? getenv("SBC_SRCDIR") : ".";
    char cmd[3 * PATH_MAX];
    snprintf(cmd, sizeof cmd, "python3 %s/tests/fixtures/unit/mklayers.py %s %s", src, gen, sentinel);
    done = system(cmd) == 0 ? 0 : 1;
    if (done)
        fprintf(stderr, "  mklayers.py failed\n");
    /* A file just outside the destinations, for the hardlink case. */
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s/outside", top);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0)
        close(fd);
    return done;
}

static char *genpath(const char *name)
{
    static char p[PATH_MAX + 256];
    snprintf(p, sizeof p, "%s/%s", gen, name);
    return p;
}

static void list_dir(const char *dir, char *out, size_t n);

static char *read_all(const char *path, size_t *len)
{
    return sbc_read_file(AT_FDCWD, path, 64 << 20, len, NULL);
}

static void sha256_hex(const void *p, size_t n, char out[72])
{
    br_sha256_context h;
    unsigned char d[32];
    br_sha256_init(&h);
    br_sha256_update(&h, p, n);
    br_sha256_out(&h, d);
    strcpy(out, "sha256:");
    for (int i = 0; i < 32; i++)
        sprintf(out + 7 + 2 * i, "%02x", d[i]);
}

/* A fresh, empty destination directory below the test tmpdir. */
static const char *fresh(const char *name)
{
    static char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", unit_tmpdir(), name);
    sbc_rm_rf(AT_FDCWD, p, NULL);
    mkdir(p, 0700);
    return p;
}

/* Memory reader handing out at most `chunk` bytes per call, failing after
 * `fail_at` bytes if that is >= 0. */
struct mem {
    const char *p;
    size_t len, pos, chunk;
    long fail_at;
};

static ssize_t mem_read(void *ctx, void *buf, size_t n, sbc_err *e)
{
    struct mem *m = ctx;
    if (m->fail_at >= 0 && m->pos >= (size_t)m->fail_at)
        return sbc_err_set(e, 0, "connection reset");
    size_t k = m->len - m->pos;
    if (k > n)
        k = n;
    if (m->chunk && k > m->chunk)
        k = m->chunk;
    memcpy(buf, m->p + m->pos, k);
    m->pos += k;
    return (ssize_t)k;
}

static int count_fds(void)
{
    char names[8192];
    list_dir("/proc/self/fd", names, sizeof names);
    int n = 1;
    for (char *c = names; *c; c++)
        n += *c == ',';
    return n;
}

static int unpack_file(const char *file, const char *dest, unsigned flags, sbc_layer_info *info, sbc_err *e)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sbc_err_sys(e, "open %s", file);
    int r = sbc_layer_unpack_fd(fd, dest, flags, info, e);
    close(fd);
    return r;
}

static int at_stat(const char *dir, const char *rel, struct stat *st)
{
    char p[PATH_MAX * 2];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    return lstat(p, st);
}

static char *at_read(const char *dir, const char *rel)
{
    char p[PATH_MAX * 2];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    char *s = read_all(p, NULL);
    return s ? s : sbc_xstrdup("(missing)");
}

static void check_content(const char *dir, const char *rel, const char *want)
{
    char *s = at_read(dir, rel);
    CHECK_STR(s, want);
    free(s);
}

static void check_normal_tree(const char *d)
{
    struct stat st, st2;
    CHECK(at_stat(d, "etc/file", &st) == 0);
    CHECK_INT(st.st_mode, S_IFREG | 0640);
    CHECK_INT(st.st_uid, 1000);
    CHECK_INT(st.st_gid, 1001);
    CHECK_INT(st.st_mtime, 1234567890);
    CHECK_INT(st.st_nlink, 2);
    check_content(d, "etc/file", "hello\n");
    CHECK(at_stat(d, "etc/hard", &st2) == 0);
    CHECK_INT(st2.st_ino, st.st_ino);

    CHECK(at_stat(d, "bin/suid", &st) == 0);
    CHECK_INT(st.st_mode, S_IFREG | 04755);
    CHECK(at_stat(d, "bin/sgid", &st) == 0);
    CHECK_INT(st.st_mode, S_IFREG | 02711);
    CHECK_INT(st.st_uid, 7);
    CHECK_INT(st.st_gid, 50);
    CHECK(at_stat(d, "tmp", &st) == 0);
    CHECK_INT(st.st_mode, S_IFDIR | 01777);

    char p[PATH_MAX * 2], t[PATH_MAX];
    CHECK(at_stat(d, "link", &st) == 0);
    CHECK(S_ISLNK(st.st_mode));
    CHECK_INT(st.st_uid, 5);
    CHECK_INT(st.st_gid, 6);
    CHECK_INT(st.st_mtime, 1111111111);
    snprintf(p, sizeof p, "%s/link", d);
    ssize_t n = readlink(p, t, sizeof t - 1);
    t[n > 0 ? n : 0] = 0;
    CHECK_STR(t, "/etc/file");
    snprintf(p, sizeof p, "%s/lib64", d);
    n = readlink(p, t, sizeof t - 1);
    t[n > 0 ? n : 0] = 0;
    CHECK_STR(t, "/usr/lib");

    CHECK(at_stat(d, "dev/null", &st) == 0);
    CHECK(S_ISCHR(st.st_mode));
    CHECK_INT(st.st_mode & 07777, 0666);
    CHECK_INT(st.st_rdev, makedev(1, 3));
    CHECK(at_stat(d, "dev/fifo", &st) == 0);
    CHECK(S_ISFIFO(st.st_mode));

    /* xattrs: user.* and security.capability applied, trusted.* skipped */
    char v[64];
    snprintf(p, sizeof p, "%s/xattr", d);
    n = lgetxattr(p, "user.test", v, sizeof v);
    CHECK_INT(n, 5);
    CHECK(n == 5 && !memcmp(v, "value", 5));
    n = lgetxattr(p, "security.capability", v, sizeof v);
    CHECK_INT(n, 20);
    CHECK(n == 20 && v[0] == 1 && v[3] == 2 && v[4] == 0 && v[5] == 0x20);
    CHECK(lgetxattr(p, "trusted.evil", v, sizeof v) < 0 && errno == ENODATA);
    CHECK(lgetxattr(p, "trusted.overlay.opaque", v, sizeof v) < 0 && errno == ENODATA);
    CHECK(at_stat(d, "xattr", &st) == 0);
    CHECK_INT(st.st_mode, S_IFREG | 0755);

    char longname[400];
    snprintf(longname, sizeof longname, "long/%0120d/%0150d", 0, 0);
    for (char *c = longname + 5; c < longname + 125; c++)
        *c = 'd';
    for (char *c = longname + 126; *c; c++)
        *c = 'f';
    check_content(d, longname, "long");
    check_content(d, "utf8/gr\xc3\xbc\xc3\x9f" "e-\xe6\x97\xa5\xe6\x9c\xac", "utf8");

    size_t len = 0;
    snprintf(p, sizeof p, "%s/big", d);
    unsigned char *big = (unsigned char *)read_all(p, &len);
    CHECK_INT(len, 300 * 1024 + 17);
    int same = big != NULL;
    for (size_t i = 0; big && i < len; i++)
        if (big[i] != (unsigned char)((i * 7919 + (i >> 8)) & 0xff)) {
            same = 0;
            break;
        }
    CHECK(same);
    free(big);

    check_content(d, "dup", "two");
    CHECK(at_stat(d, "rdir", &st) == 0 && S_ISLNK(st.st_mode));
    check_content(d, "ok", "ok");
    CHECK(at_stat(d, "a", &st) < 0); /* "a/../ok" made no "a" */

    /* directory times are set last, after their children were written */
    CHECK(at_stat(d, "etc", &st) == 0);
    CHECK_INT(st.st_mode, S_IFDIR | 0750);
    CHECK_INT(st.st_uid, 3);
    CHECK_INT(st.st_gid, 4);
    CHECK_INT(st.st_mtime, 1000000000);
    CHECK(stat(d, &st) == 0);
    CHECK_INT(st.st_mtime, 1400000000);
    CHECK_INT(st.st_mode, S_IFDIR | 0755);
}

TEST(layer_unpack_plain_metadata)
{
    if (setup())
        { CHECK(!"fixtures"); return; }
    sbc_err e = {0};
    sbc_layer_info info;
    const char *d = fresh("plain");
    int fds = count_fds();
    int r = unpack_file(genpath("normal.tar"), d, 0, &info, &e);
    CHECK_INT(count_fds(), fds); /* no fd leaks */
    CHECK_INT(r, 0);
    if (r)
        fprintf(stderr, "  %s\n", e.msg);
    size_t len;
    char *tar = read_all(genpath("normal.tar"), &len);
    char want[72];
    sha256_hex(tar, len, want);
    CHECK_STR(info.digest, want);
    CHECK_STR(info.diff_id, want);
    CHECK_INT(info.size, len);
    CHECK_INT(info.diff_size, len);
    CHECK_INT(info.compression, SBC_COMP_NONE);
    free(tar);
    check_normal_tree(d);
}

static void check_compressed(const char *file, int comp, size_t chunk)
{
    sbc_err e = {0};
    sbc_layer_info info;
    size_t tlen, clen;
    char *tar = read_all(genpath("normal.tar"), &tlen);
    char *c = read_all(genpath(file), &clen);
    CHECK(tar && c);
    if (!tar || !c)
        return;
    char want_diff[72], want_dig[72];
    sha256_hex(tar, tlen, want_diff);
    sha256_hex(c, clen, want_dig);
    struct mem m = { c, clen, 0, chunk, -1 };
    const char *d = fresh("compressed");
    int r = sbc_layer_unpack(mem_read, &m, d, 0, &info, &e);
    CHECK_INT(r, 0);
    if (r)
        fprintf(stderr, "  %s: %s\n", file, e.msg);
    CHECK_STR(info.diff_id, want_diff);
    CHECK_STR(info.digest, want_dig);
    CHECK_INT(info.size, clen);
    CHECK_INT(info.diff_size, tlen);
    CHECK_INT(info.compression, comp);
    check_content(d, "etc/file", "hello\n");
    check_content(d, "dup", "two");
    struct stat st;
    CHECK(at_stat(d, "big", &st) == 0 && st.st_size == 300 * 1024 + 17);
    free(tar);
    free(c);
}

TEST(layer_unpack_gzip_zstd_same_diff_id)
{
    if (setup())
        { CHECK(!"fixtures"); return; }
    check_compressed("normal.tar.gz", SBC_COMP_GZIP, 0);
    check_compressed("normal.tar.gz", SBC_COMP_GZIP, 997); /* odd chunk boundaries */
    check_compressed("normal.tar.zst", SBC_COMP_ZSTD, 0);
    check_compressed("normal.tar.zst", SBC_COMP_ZSTD, 3);
}

static void expect_fail(const char *file, size_t cut, const char *want)
{
    sbc_err e = {0};
    sbc_layer_info info;
    size_t len;
    char *c = read_all(genpath(file), &len);
    CHECK(c != NULL);
    if (!c)
        return;
    struct mem m = { c, cut ? cut : len, 0, 0, -1 };
    const char *d = fresh("bad");
    CHECK_INT(sbc_layer_unpack(mem_read, &m, d, 0, &info, &e), -1);
    if (!strstr(e.msg, want)) {
        fprintf(stderr, "  %s: message \"%s\" lacks \"%s\"\n", file, e.msg, want);
        CHECK(0);
    }
    free(c);
}

TEST(layer_unpack_truncated_and_garbage)
{
    if (setup())
        { CHECK(!"fixtures"); return; }
    struct stat st;
    CHECK(stat(genpath("normal.tar.gz"), &st) == 0);
    expect_fail("normal.tar.gz", (size_t)st.st_size - 5, "gzip: unexpected end");
    expect_fail("normal.tar.gz", (size_t)st.st_size / 4, "gzip");
    CHECK(stat(genpath("normal.tar.zst"), &st) == 0);
    expect_fail("normal.tar.zst", (size_t)st.st_size - 5, "zstd");
    expect_fail("normal.tar.zst", (size_t)st.st_size / 4, "zstd");
    expect_fail("normal.tar", 5000, "truncated tar archive");           /* cut inside a member */

    /* garbage, and gzip with trailing garbage */
    char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)(i * 131 + 7);
    FILE *f = fopen(genpath("junk"), "we");
    CHECK(f != NULL);
    if (f) {
        fwrite(junk, 1, sizeof junk, f);
        fclose(f);
    }
    expect_fail("junk", 0, "bad tar");
    size_t glen;
    char *gz = read_all(genpath("normal.tar.gz"), &glen);
    f = fopen(genpath("trailing.gz"), "we");
    if (f && gz) {
        fwrite(gz, 1, glen, f);
        fwrite("XYZ", 1, 3, f);
        fclose(f);
    }
    free(gz);
    expect_fail("trailing.gz", 0, "trailing garbage");

    /* a failing reader: its own message comes through */
    sbc_err e = {0};
    size_t len;
    char *tar = read_all(genpath("normal.tar"), &len);
    struct mem m = { tar, len, 0, 4096, 8192 };
    CHECK_INT(sbc_layer_unpack(mem_read, &m, fresh("bad"), 0, NULL, &e), -1);
    CHECK(strstr(e.msg, "connection reset") != NULL);
    free(tar);
}

/* Names in dir (excluding . and ..), sorted, joined with ','. */
static void list_dir(const char *dir, char *out, size_t n)
{
    struct dirent **ents;
    out[0] = 0;
    int k = scandir(dir, &ents, NULL, alphasort);
    for (int i = 0; i < k; i++) {
        if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, "..")) {
            if (out[0])
                strncat(out, ",", n - strlen(out) - 1);
            strncat(out, ents[i]->d_name, n - strlen(out) - 1);
        }
        free(ents[i]);
    }
    if (k >= 0)
        free(ents);
}

TEST(layer_unpack_hostile)
{
    if (setup())
        { CHECK(!"fixtures"); return; }
    static const struct { const char *name, *msg; unsigned flags; } cases[] = {
        { "dotdot", "entry ../x: path escapes the layer", 0 },
        { "dotdot2", "entry a/../../x: path escapes the layer", 0 },
        { "symlink-abs", "entry link/x: path escapes the layer", 0 },
        { "symlink-etc", "entry link/sbc-layer-test-passwd: path escapes the layer", 0 },
        { "symlink-up", "entry up/sbc-layer-escape: path escapes the layer", 0 },
        { "symlink-rel", "entry sub/l/x: path escapes the layer", 0 },
        { "symlink-dir", "entry up/d", 0 },
        { "hardlink-up", "entry h: hardlink target ../outside escapes the layer", 0 },
        { "hardlink-etc", "entry h: hardlink target /etc/passwd is not in the layer", 0 },
        { "hardlink-dir", "entry h: hardlink target d is a directory", 0 },
        { "symlink-dot", "entry .: refusing to replace the layer root", 0 },
        { "symlink-root", "entry /: refusing to replace the layer root", 0 },
        { "file-dot", "entry .: refusing to replace the layer root", 0 },
        { "device", "entry dev/sda: device nodes are not allowed", SBC_LAYER_NO_DEVICES },
        { "whiteout-dot", "entry .wh..: bad whiteout", 0 },
        { "whiteout-dotdot", "entry a/.wh...: bad whiteout", 0 },
        { "whiteout-empty", "entry .wh.: bad whiteout", 0 },
    };
    char before[4096], after[4096], s[4096];
    fresh("hostile");
    list_dir(unit_tmpdir(), before, sizeof before);
    int fds = count_fds();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char file[128];
        snprintf(file, sizeof file, "hostile-%s.tar", cases[i].name);
        sbc_err e = {0};
        const char *d = fresh("hostile");
        int r = unpack_file(genpath(file), d, cases[i].flags, NULL, &e);
        CHECK_INT(r, -1);
        if (!strstr(e.msg, cases[i].msg)) {
            fprintf(stderr, "  %s: message \"%s\" lacks \"%s\"\n", cases[i].name, e.msg, cases[i].msg);
            CHECK(0);
        }
        list_dir(sentinel, s, sizeof s);
        CHECK_STR(s, "");
        list_dir(unit_tmpdir(), after, sizeof after);
        CHECK_STR(after, before);
    }
    CHECK_INT(count_fds(), fds); /* no fd leaks on the error paths */
    struct stat st;
    CHECK(lstat("/etc/sbc-layer-test-passwd", &st) < 0);
    char up[PATH_MAX + 64];
    snprintf(up, sizeof up, "%s/../sbc-layer-escape", unit_tmpdir());
    CHECK(lstat(up, &st) < 0);
    snprintf(up, sizeof up, "%s/sbc-layer-escape", unit_tmpdir());
    CHECK(lstat(up, &st) < 0);
    snprintf(up, sizeof up, "%s/outside", unit_tmpdir());
    CHECK(lstat(up, &st) == 0 && st.st_nlink == 1);

    /* a device node is fine without the flag */
    sbc_err e = {0};
    const char *d = fresh("devok");
    CHECK_INT(unpack_file(genpath("hostile-device.tar"), d, 0, NULL, &e), 0);
    CHECK(at_stat(d, "dev/sda", &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == makedev(8, 0));
}

TEST(layer_unpack_absolute_name_stays_inside)
{
    if (setup())
        { CHECK(!"fixtures"); return; }
    sbc_err e = {0};
    const char *d = fresh("abs");
    CHECK_INT(unpack_file(genpath("abs.tar"), d, 0, NULL, &e), 0);
    check_content(d, "etc/sbc-layer-test-abs", "abs");
    struct stat st;
    CHECK(lstat("/etc/sbc-layer-test-abs", &st) < 0);
}

TEST(layer_unpack_whiteouts)
{
    if (setup())
        { CHECK(!"fixtures"); return; }
    sbc_err e = {0};
    const char *d = fresh("wh");
    int r = unpack_file(genpath("whiteout.tar"), d, 0, NULL, &e);
    CHECK_INT(r, 0);
    if (r)
        fprintf(stderr, "  %s\n", e.msg);
    struct stat st;
    const char *wh[] = { "a/b", "c", "gone" };
    for (int i = 0; i < 3; i++) {
        CHECK(at_stat(d, wh[i], &st) == 0);
        CHECK(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
    }
    check_content(d, "a/keep", "k");
    char p[PATH_MAX + 8], v[8];
    snprintf(p, sizeof p, "%s/a", d);
    CHECK_INT(lgetxattr(p, "trusted.overlay.opaque", v, sizeof v), 1);
    CHECK(v[0] == 'y');
    char names[4096];
    list_dir(d, names, sizeof names);
    CHECK_STR(names, "a,c,gone");
    list_dir(p, names, sizeof names);
    CHECK_STR(names, "b,keep");
}

/* "path:type[:content]" lines of a tree, sorted, into b. */
static void tree(const char *root, const char *rel, sbc_buf *b)
{
    char dir[PATH_MAX * 2];
    snprintf(dir, sizeof dir, "%s%s%s", root, *rel ? "/" : "", rel);
    struct dirent **ents;
    int k = scandir(dir, &ents, NULL, alphasort);
    for (int i = 0; i < k; i++) {
        const char *n = ents[i]->d_name;
        if (strcmp(n, ".") && strcmp(n, "..")) {
            char r2[PATH_MAX], p[PATH_MAX * 3];
            snprintf(r2, sizeof r2, "%s%s%s", rel, *rel ? "/" : "", n);
            snprintf(p, sizeof p, "%s/%s", root, r2);
            struct stat st;
            lstat(p, &st);
            if (S_ISDIR(st.st_mode)) {
                char v[8];
                sbc_buf_printf(b, "%s:d%s\n", r2, lgetxattr(p, "trusted.overlay.opaque", v, sizeof v) >= 0 ? ":opaque" : "");
                tree(root, r2, b);
            } else if (S_ISREG(st.st_mode)) {
                char *c = read_all(p, NULL);
                sbc_buf_printf(b, "%s:f:%s:%o\n", r2, c ? c : "?", (unsigned)(st.st_mode & 07777));
                free(c);
            } else if (S_ISLNK(st.st_mode)) {
                char t[PATH_MAX];
                ssize_t l = readlink(p, t, sizeof t - 1);
                t[l > 0 ? l : 0] = 0;
                sbc_buf_printf(b, "%s:l:%s\n", r2, t);
            } else {
                sbc_buf_printf(b, "%s:other\n", r2);
            }
        }
        free(ents[i]);
    }
    if (k >= 0)
        free(ents);
}

TEST(layer_flatten_three_layers)
{
    if (setup())
        { CHECK(!"fixtures"); return; }
    sbc_err e = {0};
    char l[3][PATH_MAX];
    const char *ls[3];
    for (int i = 0; i < 3; i++) {
        char n[16], f[32];
        snprintf(n, sizeof n, "fl%d", i + 1);
        snprintf(f, sizeof f, "flat%d.tar", i + 1);
        snprintf(l[i], sizeof l[i], "%s", fresh(n));
        ls[i] = l[i];
        int r = unpack_file(genpath(f), l[i], 0, NULL, &e);
        CHECK_INT(r, 0);
        if (r)
            fprintf(stderr, "  %s: %s\n", f, e.msg);
    }
    char out[PATH_MAX];
    snprintf(out, sizeof out, "%s/flat-out", unit_tmpdir());
    sbc_rm_rf(AT_FDCWD, out, NULL);
    int fds = count_fds();
    int r = sbc_layer_flatten(ls, 3, out, &e);
    CHECK_INT(count_fds(), fds);
    CHECK_INT(r, 0);
    if (r)
        fprintf(stderr, "  %s\n", e.msg);
    sbc_buf b = {0};
    tree(out, "", &b);
    CHECK_STR(b.data,
              "etc:d\n"
              "etc/a:f:a2:600\n"
              "etc/b:f:b3:644\n"
              "gone:d\n"
              "gone/y:f:y:644\n"
              "h1:f:hard:600\n"
              "h2:f:hard:600\n"
              "opt:d\n"
              "opt/new:f:new:644\n"
              "todir:d\n"
              "todir/in:f:in:644\n");
    sbc_buf_free(&b);
    struct stat s1, s2;
    CHECK(at_stat(out, "h1", &s1) == 0 && at_stat(out, "h2", &s2) == 0);
    CHECK_INT(s1.st_ino, s2.st_ino);
    CHECK_INT(s1.st_uid, 9);

    /* The normal tree survives a flatten with all its metadata. */
    const char *one[1] = { fresh("fn") };
    CHECK_INT(unpack_file(genpath("normal.tar"), one[0], 0, NULL, &e), 0);
    snprintf(out, sizeof out, "%s/flat-normal", unit_tmpdir());
    sbc_rm_rf(AT_FDCWD, out, NULL);
    r = sbc_layer_flatten(one, 1, out, &e);
    CHECK_INT(r, 0);
    if (r)
        fprintf(stderr, "  %s\n", e.msg);
    check_normal_tree(out);
}

TEST(layer_unpack_empty_layers)
{
    /* The canonical empty layer: 1024 zero bytes, well-known diff ID. */
    static char zeros[1024];
    sbc_err e = {0};
    sbc_layer_info info;
    struct mem m = { zeros, sizeof zeros, 0, 0, -1 };
    CHECK_INT(sbc_layer_unpack(mem_read, &m, fresh("empty"), 0, &info, &e), 0);
    CHECK_STR(info.diff_id, "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef");
    CHECK_INT(info.diff_size, 1024);
    /* A zero-byte blob is an empty layer too (Docker accepts it). */
    struct mem m0 = { zeros, 0, 0, 0, -1 };
    const char *d = fresh("empty");
    CHECK_INT(sbc_layer_unpack(mem_read, &m0, d, 0, &info, &e), 0);
    CHECK_STR(info.digest, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK_INT(info.size, 0);
    char names[256];
    list_dir(d, names, sizeof names);
    CHECK_STR(names, "");
}

/* A sbc_tar_writer into a sbc_buf. */
static int buf_write(void *ctx, const void *p, size_t n, sbc_err *e)
{
    sbc_buf_add(ctx, p, n);
    return 0;
}

/* A layer nesting directories deeper than any real image is refused (it
 * could not be removed again), one just under the bound is fine. */
static void deep_tar(int levels, sbc_buf *out)
{
    out->len = 0;
    sbc_err e = {0};
    sbc_tar_writer *w = sbc_tar_writer_new(buf_write, out, SBC_TAR_PAD_BLOCK);
    char path[4096] = "";
    for (int i = 0; i < levels; i++) {
        strcat(path, i ? "/d" : "d");
        sbc_tar_entry en = {.path = path, .type = SBC_TAR_DIR, .mode = 0755};
        CHECK_INT(sbc_tar_write_header(w, &en, &e), 0);
    }
    CHECK_INT(sbc_tar_writer_close(w, &e), 0);
    sbc_tar_writer_free(w);
}

TEST(layer_unpack_depth_bound)
{
    sbc_buf b = {0};
    sbc_err e = {0};
    deep_tar(300, &b);
    struct mem m = {b.data, b.len, 0, 0, -1};
    const char *d = fresh("deep");
    CHECK(sbc_layer_unpack(mem_read, &m, d, 0, NULL, &e) < 0);
    CHECK(strstr(e.msg, "too deep") != NULL);
    CHECK_INT(sbc_rm_rf(AT_FDCWD, d, &e), 0);
    deep_tar(200, &b);
    struct mem m2 = {b.data, b.len, 0, 0, -1};
    d = fresh("deep-ok");
    sbc_err_clear(&e);
    CHECK_INT(sbc_layer_unpack(mem_read, &m2, d, 0, NULL, &e), 0);
    CHECK_INT(sbc_rm_rf(AT_FDCWD, d, &e), 0);
    sbc_buf_free(&b);
}

/* make_file leaves out the fchown and fchmod that would change nothing:
 * the owners and modes must come out exactly as the entries say anyway,
 * in a set-group-ID directory (new files take its group), for bits the
 * umask takes away, for set-ID bits and read-only files. */
static void add_entry(sbc_tar_writer *w, const char *path, int type, int perm, int uid, int gid)
{
    sbc_err e = {0};
    sbc_tar_entry en = {.path = (char *)path, .type = type, .mode = (unsigned)perm, .uid = uid, .gid = gid,
                        .size = type == SBC_TAR_REG ? 2 : 0};
    CHECK_INT(sbc_tar_write_header(w, &en, &e), 0);
    if (type == SBC_TAR_REG)
        CHECK_INT(sbc_tar_write_data(w, "x\n", 2, &e), 0);
}

TEST(layer_unpack_owner_mode_exact)
{
    if (geteuid() != 0)
        return; /* owners are the point */
    sbc_buf b = {0};
    sbc_err we = {0};
    sbc_tar_writer *a = sbc_tar_writer_new(buf_write, &b, SBC_TAR_PAD_BLOCK);
    add_entry(a, "mail", SBC_TAR_DIR, 02775, 0, 8);
    add_entry(a, "mail/root", SBC_TAR_REG, 0660, 0, 0);      /* the dir's group would stick */
    add_entry(a, "mail/user", SBC_TAR_REG, 0660, 0, 8);
    add_entry(a, "shared", SBC_TAR_REG, 0666, 0, 0);         /* the umask would take 022 */
    add_entry(a, "ro", SBC_TAR_REG, 0444, 0, 0);
    add_entry(a, "suid", SBC_TAR_REG, 04755, 0, 0);
    add_entry(a, "other", SBC_TAR_REG, 0644, 1000, 1000);
    add_entry(a, "plain", SBC_TAR_REG, 0755, 0, 0);
    CHECK_INT(sbc_tar_writer_close(a, &we), 0);
    sbc_tar_writer_free(a);
    size_t used = b.len;
    mode_t old = umask(022);
    struct mem m = {b.data, used, 0, 0, -1};
    sbc_err e = {0};
    const char *d = fresh("ownmode");
    CHECK_INT(sbc_layer_unpack(mem_read, &m, d, 0, NULL, &e), 0);
    umask(old);
    static const struct { const char *p; int mode, uid, gid; } want[] = {
        {"mail", S_IFDIR | 02775, 0, 8}, {"mail/root", S_IFREG | 0660, 0, 0}, {"mail/user", S_IFREG | 0660, 0, 8},
        {"shared", S_IFREG | 0666, 0, 0}, {"ro", S_IFREG | 0444, 0, 0}, {"suid", S_IFREG | 04755, 0, 0},
        {"other", S_IFREG | 0644, 1000, 1000}, {"plain", S_IFREG | 0755, 0, 0}};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        struct stat st;
        CHECK(at_stat(d, want[i].p, &st) == 0);
        if ((int)st.st_mode != want[i].mode || (int)st.st_uid != want[i].uid || (int)st.st_gid != want[i].gid)
            fprintf(stderr, "  %s: mode %o uid %d gid %d\n", want[i].p, st.st_mode, st.st_uid, st.st_gid);
        CHECK_INT(st.st_mode, want[i].mode);
        CHECK_INT(st.st_uid, want[i].uid);
        CHECK_INT(st.st_gid, want[i].gid);
    }
    free(b.data);
}
