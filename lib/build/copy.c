/* copy.c - COPY and ADD (copy.h has the rules).
 *
 * Sources are resolved with openat2 RESOLVE_IN_ROOT in their root (the top
 * of a source follows symlinks, inside the root), then everything below is
 * read through fds one name at a time with O_NOFOLLOW: a swapped tree gives
 * at worst another file of the same root.  The destination is the same:
 * each dir resolved in the new image's root, each entry made in its dir's
 * fd, never through a symlink.  Hardlinks inside a source are copied as
 * separate files; devices, fifos and sockets of a source are skipped.  One
 * walker serves the copy and the digest, so both see the same files (the
 * .dockerignore rules applied the same way).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/io.h"
#include "base/tar.h"
#include "base/unz.h"
#include "build/copy.h"
#include "registry/http.h"
#include "runtime/ctrfs.h"
#include "runtime/user.h"

#define MAX_DEPTH 256 /* directory levels below a source */
#define NOT_FOUND "COPY failed: file not found in build context or excluded by .dockerignore: stat %s: file does not exist"

enum { K_PATH, K_URL, K_DOC };

typedef struct item {
    int kind;
    char *rel;      /* K_PATH: cleaned, relative to the root ("" the root); K_URL: the temp file */
    char *name;     /* the name it gets inside a destination dir */
    int dir;        /* K_PATH: a directory: its contents are copied */
    int archive;    /* ADD of a local tar: extracted */
    char *body;     /* K_DOC */
    char sum[SBC_DIGEST_SIZE]; /* K_URL: sha256 of the bytes fetched */
    struct timespec mtime;     /* K_URL: Last-Modified (tv_nsec UTIME_OMIT: none) */
} item;

struct sbc_copy_plan {
    int src_root;
    const sbc_ignore *ig;
    char *dest;     /* cleaned, relative to the destination root */
    int dest_dir;   /* the destination ended in '/' (or "."): a dir */
    char *chown;
    int chmod;      /* -1: modes kept */
    item *v;
    size_t n;
};

/* The state of one walk below a source: the copy (dfd >= 0) or the digest. */
typedef struct walk {
    const sbc_copy_plan *p;
    sbc_buf rel;     /* the path relative to the context root (for .dockerignore) */
    size_t top;      /* where the path relative to the source starts in rel */
    sbc_sha256 *h;   /* digest mode */
    uid_t uid;
    gid_t gid;
    sbc_err *e;
} walk;

/* ---- paths ---- */

/* s cleaned as Go's path.Clean("/" + s) without the leading '/': "..", "."
 * and empty parts dropped, ".." never above the root. */
static char *clean(const char *s)
{
    char *o = sbc_xmalloc(strlen(s) + 1);
    size_t n = 0;
    while (*s) {
        const char *end = strchrnul(s, '/');
        size_t l = (size_t)(end - s);
        if (l == 2 && s[0] == '.' && s[1] == '.') {
            while (n > 0 && o[n - 1] != '/')
                n--;
            if (n > 0)
                n--;
        } else if (l && !(l == 1 && s[0] == '.')) {
            if (n)
                o[n++] = '/';
            memcpy(o + n, s, l);
            n += l;
        }
        s = *end ? end + 1 : end;
    }
    o[n] = 0;
    return o;
}

static const char *base_of(const char *rel)
{
    const char *s = strrchr(rel, '/');
    return s ? s + 1 : rel;
}

static int has_meta(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strchr("*?[\\", s[i]))
            return 1;
    return 0;
}

static int excluded(const sbc_ignore *ig, const char *rel, int dir)
{
    if (!ig || !*rel || !sbc_ignore_match(ig, rel))
        return 0;
    return !(dir && sbc_ignore_may_descend(ig, rel));
}

/* ---- archives (ADD): a tar reader over a maybe compressed fd ---- */

typedef struct zsrc {
    int fd, comp, eof;
    sbc_unz *u;
    const unsigned char *ip;
    size_t il;
    unsigned char in[65536], out[65536];
} zsrc;

static ssize_t z_chunk(void *ctx, const void **p, sbc_err *e)
{
    zsrc *z = ctx;
    for (;;) {
        if (!z->il && !z->eof) {
            ssize_t n = sbc_read_full(z->fd, z->in, sizeof z->in);
            if (n < 0)
                return sbc_err_sys(e, "read");
            z->eof = (size_t)n < sizeof z->in;
            z->ip = z->in, z->il = (size_t)n;
        }
        if (z->comp == SBC_COMP_NONE) {
            *p = z->ip;
            size_t n = z->il;
            z->il = 0;
            return (ssize_t)n;
        }
        ssize_t o = sbc_unz_run(z->u, &z->ip, &z->il, z->eof, z->out, sizeof z->out, e);
        if (o != 0 || z->eof) {
            *p = z->out;
            return o;
        }
    }
}

/* A reader of the file fd (at its start): its compression sniffed. */
static sbc_tar_reader *z_open(zsrc *z, int fd, sbc_err *e)
{
    memset(z, 0, sizeof *z);
    z->fd = fd;
    ssize_t n = sbc_read_full(fd, z->in, sizeof z->in);
    if (n < 0)
        return sbc_err_sys(e, "read"), NULL;
    z->eof = (size_t)n < sizeof z->in;
    z->ip = z->in, z->il = (size_t)n;
    z->comp = sbc_comp_sniff(z->in, (size_t)n);
    if (z->comp != SBC_COMP_NONE && !(z->u = sbc_unz_new(z->comp, e)))
        return NULL;
    return sbc_tar_reader_new(z_chunk, z);
}

/* Docker's rule: an archive is a file whose (decompressed) start reads as a
 * tar entry. */
static int is_archive(int fd)
{
    zsrc *z = sbc_xmalloc(sizeof *z);
    sbc_err e = {0};
    sbc_tar_entry *en;
    sbc_tar_reader *a = z_open(z, fd, &e);
    int r = a && sbc_tar_next(a, &en, &e) == 1;
    sbc_tar_reader_free(a);
    sbc_unz_free(z->u);
    free(z);
    return r;
}

/* ---- the plan ---- */

static item *add_item(sbc_copy_plan *p, int kind, const char *rel, const char *name)
{
    p->v = sbc_xrealloc(p->v, (p->n + 1) * sizeof *p->v);
    item *it = memset(&p->v[p->n++], 0, sizeof *it);
    it->kind = kind;
    it->rel = sbc_xstrdup(rel);
    it->name = sbc_xstrdup(name);
    it->mtime.tv_nsec = UTIME_OMIT;
    return it;
}

/* rel as a source: 1 added, 0 not there (or excluded), -1 error. */
static int add_path(sbc_copy_plan *p, const char *rel, int add, sbc_err *e)
{
    int fd = sbc_in_root(p->src_root, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0)
            close(fd);
        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == EXDEV)
            return 0;
        return sbc_err_sys(e, "COPY: %s", *rel ? rel : ".");
    }
    int r = 0;
    if (!excluded(p->ig, rel, S_ISDIR(st.st_mode))) {
        item *it = add_item(p, K_PATH, rel, base_of(rel));
        it->dir = S_ISDIR(st.st_mode);
        it->archive = add && S_ISREG(st.st_mode) && is_archive(fd);
        r = 1;
    }
    close(fd);
    return r;
}

/* The matches of the pattern pat (the rest of a source after the dir
 * prefix), each element matched in turn against the names of the dir. */
static int glob_at(sbc_copy_plan *p, sbc_buf *pre, const char *pat, int add, int depth,
                   sbc_err *e)
{
    const char *end = strchrnul(pat, '/');
    size_t l = (size_t)(end - pat), at = pre->len;
    if (depth > MAX_DEPTH)
        return sbc_err_set(e, 1, "COPY: a source pattern of more than %d levels", MAX_DEPTH);
    int fd = sbc_in_root(p->src_root, pre->len ? pre->data : ".", O_RDONLY | O_DIRECTORY);
    char **names = NULL;
    size_t n = 0;
    if (fd < 0 || sbc_dir_names(fd, &names, &n) < 0)
        n = 0; /* not a dir: no match */
    if (fd >= 0)
        close(fd);
    char *el = sbc_xasprintf("%.*s", (int)l, pat);
    int rc = 0;
    for (size_t i = 0; i < n && rc >= 0; i++) {
        int m = sbc_glob_match(el, names[i]);
        if (m < 0)
            rc = sbc_err_set(e, 1, "COPY: bad pattern %s", el);
        if (m <= 0)
            continue;
        pre->len = at;
        sbc_buf_printf(pre, "%s%s", at ? "/" : "", names[i]);
        if (!*end)
            rc = add_path(p, pre->data, add, e);
        else if (!excluded(p->ig, pre->data, 1))
            rc = glob_at(p, pre, end + 1, add, depth + 1, e);
    }
    pre->len = at;
    if (pre->data)
        pre->data[at] = 0;
    free(el);
    sbc_names_free(names, n);
    return rc < 0 ? -1 : 0;
}

/* One source (not a URL nor a heredoc): a plain path or a glob. */
static int add_source(sbc_copy_plan *p, const char *src, int add, sbc_err *e)
{
    char *rel = clean(src);
    int rc;
    const char *m = rel;
    while (*m && !has_meta(m, strcspn(m, "/")))
        m += strcspn(m, "/") + (m[strcspn(m, "/")] == '/');
    if (!*m) {
        rc = add_path(p, rel, add, e);
        if (rc == 0)
            rc = sbc_err_set(e, 1, NOT_FOUND, rel);
    } else { /* the literal dirs before the first pattern element, then the walk */
        sbc_buf pre = {0};
        sbc_buf_add(&pre, rel, m > rel ? (size_t)(m - rel - 1) : 0);
        rc = glob_at(p, &pre, m, add, 0, e);
        sbc_buf_free(&pre);
    }
    free(rel);
    return rc < 0 ? -1 : 0;
}

/* An HTTP date (RFC 7231's IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"). */
static int http_date(const char *s, struct timespec *t)
{
    static const char mons[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char mon[4];
    struct tm tm = {0};
    if (!s || sscanf(s, "%*3s, %d %3s %d %d:%d:%d GMT", &tm.tm_mday, mon, &tm.tm_year, &tm.tm_hour,
                     &tm.tm_min, &tm.tm_sec) != 6)
        return -1;
    const char *f = strstr(mons, mon);
    if (!f || (f - mons) % 3)
        return -1;
    tm.tm_mon = (int)(f - mons) / 3;
    tm.tm_year -= 1900;
    t->tv_sec = timegm(&tm);
    t->tv_nsec = 0;
    return 0;
}

/* ADD URL: fetched into a file of tmpdir; its name is the URL path's last
 * element. */
static int add_url(sbc_copy_plan *p, const char *url, const char *tmpdir, sbc_err *e)
{
    sbc_url u;
    if (sbc_url_parse(url, &u, 0, e) < 0)
        return -1;
    u.target[strcspn(u.target, "?#")] = 0;
    char *name = sbc_xstrdup(base_of(u.target));
    sbc_url_free(&u);
    char *tmp = sbc_xasprintf("%s/add-%d-%zu", tmpdir, (int)getpid(), p->n);
    item *it = add_item(p, K_URL, tmp, name);
    free(tmp);
    free(name);
    if (!*it->name && p->dest_dir) /* (needed only to go into a dir) */
        return sbc_err_set(e, 1, "ADD %s: cannot determine a file name from the URL", url);
    sbc_http *h = sbc_http_new();
    sbc_http_req rq = {.method = "GET", .url = url, .max_redirects = 10};
    int st = sbc_http_request(h, &rq, e), fd = -1, rc = -1;
    if (st >= 0 && st != 200)
        sbc_err_set(e, 1, "ADD %s: HTTP status %d", url, st);
    else if (st == 200 && (fd = open(it->rel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
        sbc_err_sys(e, "ADD %s: create %s", url, it->rel);
    if (fd >= 0) {
        sbc_sha256 hs;
        sbc_sha256_init(&hs);
        char buf[65536];
        ssize_t n;
        while ((n = sbc_http_read(h, buf, sizeof buf, e)) > 0 && sbc_write_full(fd, buf, (size_t)n) == 0)
            sbc_sha256_update(&hs, buf, (size_t)n);
        if (n > 0)
            sbc_err_sys(e, "ADD %s: write", url);
        rc = n == 0 && close(fd) == 0 ? 0 : -1;
        if (n != 0)
            close(fd);
        sbc_sha256_final(&hs, it->sum);
        http_date(sbc_http_header(h, "Last-Modified"), &it->mtime);
    }
    sbc_http_free(h);
    return rc;
}

static int parse_chmod(sbc_copy_plan *p, const char *s, sbc_err *e)
{
    char *end;
    long m = s ? strtol(s, &end, 8) : -1;
    if (s && (!*s || *end || m < 0 || m > 07777 || strspn(s, "01234567") != strlen(s)))
        return sbc_err_set(e, 1, "invalid --chmod value %s: an octal mode is expected", s);
    p->chmod = (int)m;
    return 0;
}

/* The destination: relative ones are under WorkingDir. */
static void set_dest(sbc_copy_plan *p, const sbc_copy_req *r)
{
    const char *d = r->dest ? r->dest : "";
    size_t n = strlen(d);
    p->dest_dir = (n && d[n - 1] == '/') || !strcmp(d, ".") || (n >= 2 && !strcmp(d + n - 2, "/."));
    char *full = sbc_xasprintf("%s/%s", d[0] == '/' ? "" : (r->workdir ? r->workdir : ""), d);
    p->dest = clean(full);
    free(full);
    if (!*p->dest)
        p->dest_dir = 1; /* "/" */
}

static int add_heredoc(sbc_copy_plan *p, const sbc_copy_req *r, const char *name, sbc_err *e)
{
    for (size_t i = 0; i < r->nheredocs; i++)
        if (!strcmp(r->heredocs[i].name, name)) {
            item *it = add_item(p, K_DOC, "", name);
            it->body = sbc_xstrdup(r->heredocs[i].body ? r->heredocs[i].body : "");
            return 0;
        }
    return sbc_err_set(e, 1, "COPY: no heredoc named %s", name);
}

sbc_copy_plan *sbc_copy_plan_make(const sbc_copy_req *r, const char *tmpdir, sbc_err *e)
{
    sbc_copy_plan *p = sbc_xcalloc(1, sizeof *p);
    p->src_root = r->src_root;
    p->ig = r->ignore;
    p->chown = r->chown ? sbc_xstrdup(r->chown) : NULL;
    set_dest(p, r);
    int rc = parse_chmod(p, r->chmod, e);
    for (size_t i = 0; i < r->nsrcs && rc == 0; i++) {
        const char *s = r->srcs[i];
        if (!strncmp(s, "<<", 2) && s[2])
            rc = add_heredoc(p, r, s + 2 + (s[2] == '-'), e);
        else if (r->add && (!strncmp(s, "http://", 7) || !strncmp(s, "https://", 8)))
            rc = add_url(p, s, tmpdir ? tmpdir : "/tmp", e);
        else
            rc = add_source(p, s, r->add, e);
    }
    if (rc == 0 && strlen(p->dest) >= PATH_MAX)
        rc = sbc_err_set(e, 1, "COPY: destination too long (%zu bytes)", strlen(p->dest));
    if (rc == 0 && p->n == 0)
        rc = sbc_err_set(e, 1, "COPY failed: no source files were specified");
    if (rc == 0 && p->n > 1 && !p->dest_dir)
        rc = sbc_err_set(e, 1, "When using COPY with more than one source file, the destination must be a directory and end with a /");
    if (rc < 0) {
        sbc_copy_free(p);
        return NULL;
    }
    return p;
}

void sbc_copy_free(sbc_copy_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        if (p->v[i].kind == K_URL)
            unlink(p->v[i].rel);
        free(p->v[i].rel);
        free(p->v[i].name);
        free(p->v[i].body);
    }
    free(p->v);
    free(p->dest);
    free(p->chown);
    free(p);
}

/* ---- the walk below a source dir (copy or digest) ---- */

static int hash_fd(int fd, unsigned char out[32])
{
    sbc_sha256 h;
    sbc_sha256_init(&h);
    char buf[65536];
    ssize_t n;
    while ((n = sbc_read_full(fd, buf, sizeof buf)) > 0)
        sbc_sha256_update(&h, buf, (size_t)n);
    sbc_sha256_raw(&h, out);
    return n < 0 ? -1 : 0;
}

/* One record of the digest: the path relative to the source, then what
 * it is.  Lengths first, so no two sequences of records read alike. */
static int hash_entry(walk *w, int dfd, const char *name, const struct stat *st)
{
    const char *rel = w->rel.data + w->top;
    char rec[128], tgt[PATH_MAX];
    unsigned char sum[32] = {0};
    ssize_t tl = 0;
    if (S_ISLNK(st->st_mode) && (tl = readlinkat(dfd, name, tgt, sizeof tgt)) < 0)
        return sbc_err_sys(w->e, "COPY: %s", w->rel.data);
    if (S_ISREG(st->st_mode)) {
        int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        int rc = fd < 0 ? -1 : hash_fd(fd, sum);
        if (fd >= 0)
            close(fd);
        if (rc < 0)
            return sbc_err_sys(w->e, "COPY: read %s", w->rel.data);
    }
    int n = snprintf(rec, sizeof rec, "%zu:%o:%lld:%zd:", strlen(rel), (unsigned)st->st_mode,
                     S_ISREG(st->st_mode) ? (long long)st->st_size : 0LL, tl);
    sbc_sha256_update(w->h, rec, (size_t)n);
    sbc_sha256_update(w->h, rel, strlen(rel));
    sbc_sha256_update(w->h, tgt, (size_t)tl);
    sbc_sha256_update(w->h, sum, sizeof sum);
    return 0;
}

/* A failed chown is fine for an unprivileged caller (tests, a rootless
 * run: what sbc_cp does too); root must get the owners right. */
static int may_keep_owner(void)
{
    return errno == EPERM && geteuid() != 0;
}

/* Owner, mode and mtime of what was made (fd: a file or dir of it). */
static int set_meta(walk *w, int fd, const struct stat *st, mode_t mode)
{
    struct timespec ts[2] = {st->st_mtim, st->st_mtim};
    if ((fchown(fd, w->uid, w->gid) < 0 && !may_keep_owner()) || fchmod(fd, mode) < 0 || futimens(fd, ts) < 0)
        return -1;
    return 0;
}

/* Make room for name in dfd: whatever is there goes, but a dir (0: free
 * or a dir to merge into when dir is set). */
static int make_room(int dfd, const char *name, int dir)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -1;
    if (S_ISDIR(st.st_mode))
        return dir ? 1 : (errno = EISDIR, -1);
    return unlinkat(dfd, name, 0);
}

/* A regular file from the fd sfd (or data) to dfd/name. */
static int put_file(walk *w, int sfd, const char *data, int dfd, const char *name,
                    const struct stat *st, mode_t mode)
{
    if (make_room(dfd, name, 0) < 0)
        return -1;
    int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int rc = sfd >= 0 ? sbc_copy_data(sfd, fd) : sbc_write_full(fd, data, strlen(data));
    if (rc == 0)
        rc = set_meta(w, fd, st, mode);
    if (close(fd) < 0)
        rc = -1;
    return rc;
}

static int walk_dir(walk *w, int sfd, int dfd, int depth);

static int copy_entry(walk *w, int sfd, int dfd, const char *name, const struct stat *st, int depth)
{
    mode_t mode = w->p->chmod >= 0 ? (mode_t)w->p->chmod : st->st_mode & 07777;
    int rc = 0;
    if (S_ISREG(st->st_mode)) {
        int fd = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        struct stat fs;
        if (fd < 0 || fstat(fd, &fs) < 0 || !S_ISREG(fs.st_mode))
            rc = -1, errno = fd < 0 ? errno : EAGAIN;
        else
            rc = put_file(w, fd, NULL, dfd, name, &fs, mode);
        if (fd >= 0)
            close(fd);
    } else if (S_ISLNK(st->st_mode)) {
        char t[PATH_MAX];
        struct timespec ts[2] = {st->st_mtim, st->st_mtim};
        ssize_t n = readlinkat(sfd, name, t, sizeof t - 1);
        if (n < 0 || make_room(dfd, name, 0) < 0 || (t[n] = 0, symlinkat(t, dfd, name)) < 0 ||
            (fchownat(dfd, name, w->uid, w->gid, AT_SYMLINK_NOFOLLOW) < 0 && !may_keep_owner()) ||
            utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
            rc = -1;
    } else if (S_ISDIR(st->st_mode)) {
        int have = make_room(dfd, name, 1), s2 = -1, d2 = -1;
        if (have < 0 || (!have && mkdirat(dfd, name, 0700) < 0) ||
            (s2 = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
            (d2 = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
            rc = -1;
        else if ((rc = walk_dir(w, s2, d2, depth + 1)) == 0)
            rc = set_meta(w, d2, st, mode) < 0 ? -1 : 0;
        else
            rc = -2; /* e already says why */
        if (s2 >= 0)
            close(s2);
        if (d2 >= 0)
            close(d2);
    }
    if (rc == -1)
        sbc_err_sys(w->e, "COPY: %s", w->rel.data);
    return rc < 0 ? -1 : 0;
}

/* Every entry of the dir sfd (sorted), .dockerignore applied, copied into
 * dfd (or hashed when dfd < 0). */
static int walk_dir(walk *w, int sfd, int dfd, int depth)
{
    char **names;
    size_t n, at = w->rel.len;
    if (depth >= MAX_DEPTH)
        return sbc_err_set(w->e, 1, "COPY: %.200s: more than %d levels of directories", w->rel.data, MAX_DEPTH);
    if (sbc_dir_names(sfd, &names, &n) < 0)
        return sbc_err_sys(w->e, "COPY: %s", w->rel.len ? w->rel.data : ".");
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct stat st;
        w->rel.len = at;
        sbc_buf_printf(&w->rel, "%s%s", at ? "/" : "", names[i]);
        if (fstatat(sfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
            rc = sbc_err_sys(w->e, "COPY: %s", w->rel.data);
            break;
        }
        int t = st.st_mode & S_IFMT;
        if ((t != S_IFREG && t != S_IFDIR && t != S_IFLNK) || excluded(w->p->ig, w->rel.data, t == S_IFDIR))
            continue;
        if (w->h) {
            rc = hash_entry(w, sfd, names[i], &st);
            if (rc == 0 && t == S_IFDIR) {
                int s2 = openat(sfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                rc = s2 < 0 ? sbc_err_sys(w->e, "COPY: %s", w->rel.data) : walk_dir(w, s2, -1, depth + 1);
                if (s2 >= 0)
                    close(s2);
            }
        } else {
            rc = copy_entry(w, sfd, dfd, names[i], &st, depth);
        }
    }
    w->rel.len = at;
    w->rel.data[at] = 0;
    sbc_names_free(names, n);
    return rc;
}

/* ---- the digest ---- */

int sbc_copy_digest(const sbc_copy_plan *p, char out[SBC_DIGEST_SIZE], sbc_err *e)
{
    sbc_sha256 h;
    sbc_sha256_init(&h);
    int rc = 0;
    for (size_t i = 0; i < p->n && rc == 0; i++) {
        const item *it = &p->v[i];
        char rec[SBC_DIGEST_SIZE + 64];
        int n = snprintf(rec, sizeof rec, "%d:%d:%d:%zu:%s:", it->kind, it->dir, it->archive,
                         strlen(it->name), it->kind == K_URL ? it->sum : "");
        sbc_sha256_update(&h, rec, (size_t)n);
        sbc_sha256_update(&h, it->name, strlen(it->name));
        if (it->kind == K_DOC) {
            n = snprintf(rec, sizeof rec, ":%zu:", strlen(it->body));
            sbc_sha256_update(&h, rec, (size_t)n);
            sbc_sha256_update(&h, it->body, strlen(it->body));
        }
        if (it->kind != K_PATH)
            continue;
        /* the source itself (its top followed), then what is below it */
        walk w = {.p = p, .h = &h, .e = e};
        sbc_buf_printf(&w.rel, "%s", it->rel);
        w.top = w.rel.len;
        int fd = sbc_in_root(p->src_root, it->rel, O_RDONLY | O_NONBLOCK | O_NOCTTY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
            rc = sbc_err_set(e, 1, NOT_FOUND, it->rel);
        else if (S_ISDIR(st.st_mode))
            rc = walk_dir(&w, fd, -1, 0);
        else if (S_ISREG(st.st_mode)) {
            unsigned char sum[32];
            n = snprintf(rec, sizeof rec, "%o:%lld:", (unsigned)st.st_mode, (long long)st.st_size);
            sbc_sha256_update(&h, rec, (size_t)n);
            rc = hash_fd(fd, sum) < 0 ? sbc_err_sys(e, "COPY: read %s", it->rel) : 0;
            sbc_sha256_update(&h, sum, sizeof sum);
        }
        if (fd >= 0)
            close(fd);
        sbc_buf_free(&w.rel);
    }
    if (rc == 0)
        sbc_sha256_final(&h, out);
    return rc;
}

/* ---- --chown ---- */

/* The id of name in the file etc/FILE of root (field 3 of its line) and,
 * for passwd, the primary gid (field 4) into gid when not NULL. */
static int id_in(int root, const char *file, const char *name, uint32_t *id, uint32_t *gid, sbc_err *e)
{
    char path[32];
    snprintf(path, sizeof path, "etc/%s", file);
    int fd = sbc_in_root(root, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    char *text = fd < 0 ? NULL : sbc_read_whole_fd(fd, path, 16u << 20, NULL, e);
    if (fd >= 0)
        close(fd);
    int rc = -1;
    size_t nl = strlen(name);
    for (char *l = text, *nx; rc < 0 && l && *l; l = nx) {
        nx = strchrnul(l, '\n');
        nx += *nx == '\n';
        char *f = strchr(l, ':'), num[16];
        if (!f || (size_t)(f - l) != nl || strncmp(l, name, nl) || !(f = strchr(f + 1, ':')))
            continue;
        snprintf(num, sizeof num, "%.*s", (int)strcspn(f + 1, ":\n"), f + 1);
        rc = sbc_id_parse(num, id);
        f = strchr(f + 1, ':');
        if (rc == 0 && gid)
            snprintf(num, sizeof num, "%.*s", f ? (int)strcspn(f + 1, ":\n") : 0, f ? f + 1 : "");
        if (rc == 0 && gid)
            rc = sbc_id_parse(num, gid);
    }
    free(text);
    if (rc < 0)
        sbc_err_set(e, 1, "unable to find %s %s: no matching entries in %s file",
                    gid ? "user" : "group", name, file);
    return rc;
}

static int one_id(int root, const char *file, const char *s, uint32_t *id, uint32_t *gid, sbc_err *e)
{
    if (!sbc_id_numeric(s))
        return id_in(root, file, s, id, gid, e);
    if (sbc_id_parse(s, id) < 0)
        return sbc_err_set(e, 1, "invalid --chown value %s", s);
    if (gid)
        *gid = *id;
    return 0;
}

/* --chown USER[:GROUP]: without a group, a named user's primary group, a
 * numeric one's uid as the gid (buildah's and BuildKit's rule). */
static int chown_ids(const sbc_copy_plan *p, int root, walk *w, sbc_err *e)
{
    w->uid = 0, w->gid = 0;
    if (!p->chown || !*p->chown)
        return 0;
    char *u = sbc_xstrdup(p->chown), *g = strchr(u, ':');
    if (g)
        *g++ = 0;
    uint32_t uid = 0, gid = 0;
    int rc = one_id(root, "passwd", u, &uid, &gid, e);
    if (rc == 0 && g && *g)
        rc = one_id(root, "group", g, &gid, NULL, e);
    free(u);
    w->uid = uid, w->gid = gid;
    return rc;
}

/* ---- writing ---- */

/* The dir rel of the root, made (0755, owned as --chown says) where
 * missing, each part in its parent resolved in the root: an fd of it. */
static int mkdir_in(walk *w, int root, const char *rel)
{
    int fd = sbc_in_root(root, rel, O_RDONLY | O_DIRECTORY);
    if (fd >= 0 || errno != ENOENT)
        return fd;
    char *d = sbc_xstrdup(rel), *sl = strrchr(d, '/');
    const char *name = sl ? sl + 1 : d;
    if (sl)
        *sl = 0;
    int pfd = mkdir_in(w, root, sl ? d : "");
    if (pfd >= 0 && (mkdirat(pfd, name, 0755) == 0 || errno == EEXIST))
        fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0 && ((fchown(fd, w->uid, w->gid) < 0 && !may_keep_owner()) || fchmod(fd, 0755) < 0)) {
        close(fd);
        fd = -1;
    }
    if (pfd >= 0)
        close(pfd);
    free(d);
    return fd;
}

/* A file-like item (a file, a URL's, a heredoc): its dir and name. */
static int file_target(const sbc_copy_plan *p, walk *w, int root, const item *it, const char **name)
{
    if (!p->dest_dir) {
        int fd = sbc_in_root(root, p->dest, O_RDONLY | O_DIRECTORY);
        if (fd >= 0) {
            *name = it->name;
            return fd;
        }
        char *d = sbc_xstrdup(p->dest), *sl = strrchr(d, '/');
        if (sl)
            *sl = 0;
        fd = mkdir_in(w, root, sl ? d : "");
        free(d);
        *name = base_of(p->dest);
        return fd;
    }
    *name = it->name;
    return mkdir_in(w, root, p->dest);
}

static int apply_file(const sbc_copy_plan *p, walk *w, int root, const item *it)
{
    const char *name;
    int dfd = file_target(p, w, root, it, &name), sfd = -1, rc = -1;
    struct stat st = {0};
    mode_t mode = it->kind == K_DOC ? 0644 : 0600;
    if (dfd < 0)
        return sbc_err_sys(w->e, "COPY: destination /%s", p->dest);
    if (it->kind == K_PATH) {
        sfd = sbc_in_root(p->src_root, it->rel, O_RDONLY | O_NONBLOCK | O_NOCTTY);
        if (sfd < 0 || fstat(sfd, &st) < 0 || !S_ISREG(st.st_mode)) {
            close(dfd);
            if (sfd >= 0)
                close(sfd);
            return sbc_err_set(w->e, 1, NOT_FOUND, it->rel);
        }
        mode = st.st_mode & 07777;
    } else if (it->kind == K_URL) {
        sfd = open(it->rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        st.st_mtim = it->mtime;
    } else {
        st.st_mtim.tv_nsec = UTIME_OMIT;
    }
    if (it->kind != K_DOC && sfd < 0)
        sbc_err_sys(w->e, "ADD: %s", it->rel);
    else if ((rc = put_file(w, sfd, it->body, dfd, name, &st, p->chmod >= 0 ? (mode_t)p->chmod : mode)) < 0)
        sbc_err_sys(w->e, "COPY: /%s%s%s", p->dest, p->dest_dir ? "/" : "", p->dest_dir ? name : "");
    if (sfd >= 0)
        close(sfd);
    close(dfd);
    return rc;
}

/* A dir's contents, or a local archive's entries (ADD), into dest. */
static int apply_tree(const sbc_copy_plan *p, walk *w, int root, const item *it)
{
    int dfd = mkdir_in(w, root, p->dest), rc = -1;
    if (dfd < 0)
        return sbc_err_sys(w->e, "COPY: destination /%s", p->dest);
    int sfd = sbc_in_root(p->src_root, it->rel, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    struct stat st;
    if (sfd < 0 || fstat(sfd, &st) < 0 || (S_ISDIR(st.st_mode) != it->dir)) {
        rc = sbc_err_set(w->e, 1, NOT_FOUND, it->rel);
    } else if (it->dir) {
        sbc_buf_printf(&w->rel, "%s", it->rel);
        w->top = w->rel.len;
        rc = walk_dir(w, sfd, dfd, 0);
        sbc_buf_free(&w->rel);
    } else { /* ADD: the archive's owners kept even with --chown (buildah) */
        sbc_cp_opts o = {.archive = 1};
        zsrc *z = sbc_xmalloc(sizeof *z);
        sbc_tar_reader *a = z_open(z, sfd, w->e);
        rc = a ? sbc_cp_untar(dfd, a, &o, w->e) : -1;
        if (rc < 0)
            sbc_err_wrap(w->e, "ADD %s", it->rel);
        sbc_tar_reader_free(a);
        sbc_unz_free(z->u);
        free(z);
    }
    if (sfd >= 0)
        close(sfd);
    close(dfd);
    return rc;
}

int sbc_copy_apply(const sbc_copy_plan *p, int dst_root, sbc_err *e)
{
    walk w = {.p = p, .e = e};
    if (chown_ids(p, dst_root, &w, e) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < p->n && rc == 0; i++) {
        const item *it = &p->v[i];
        if (it->kind == K_PATH && (it->dir || it->archive))
            rc = apply_tree(p, &w, dst_root, it);
        else
            rc = apply_file(p, &w, dst_root, it);
    }
    return rc;
}
