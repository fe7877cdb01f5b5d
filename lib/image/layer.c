/* layer.c - layer blobs: one streaming pass of sha256 (compressed) ->
 * gunzip/unzstd -> sha256 (diff ID) -> base/tar's reader -> our own
 * extraction with *at() syscalls below a directory fd; flattening of
 * unpacked layers.
 *
 * The extraction is ours: we need the overlay whiteout conversion, the
 * exact escape rules (openat2 RESOLVE_BENEATH on every parent) and no
 * helper logic that follows symlinks by path.  The diff ID is the sha256 of
 * the *uncompressed* tar, so we decompress ourselves and hash in between.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <signal.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "base/cleanup.h"
#include "base/digest.h"
#include "base/unz.h"

#include "image/layer.h"
#include "base/io.h"
#include "base/links.h"
#include "base/path.h"
#include "base/tar.h"
#include "image/tarw.h"

#define BUFSZ (128 * 1024)
#define NSLOT 4 /* 128 KiB buffers between the inflating thread and the extractor (16 measured no faster in an interleaved run and cost 1.5 MiB a layer) */
#define SBC_LAYER_MAX_DEPTH 256 /* directory levels in a layer (sbc_rm_rf goes to 512) */
#define SBC_STR_(x) #x
#define SBC_STR(x) SBC_STR_(x)
#define OPAQUE_XATTR "trusted.overlay.opaque"
/* rootless: overlay mounted with userxattr reads the user.* twin */
#define OPAQUE_XATTR_USER "user.overlay.opaque"
#define OWNER_XATTR "user.sbc.owner" /* rootless: the owner the image gave */

/* ---- the decompressing, hashing source ---------------------------------- */

struct src {
    sbc_read_fn rd;
    void *ctx;
    sbc_err *e;
    int failed;                 /* e holds the reason */
    unsigned char *raw, *out;   /* BUFSZ each */
    const unsigned char *ip;    /* unconsumed raw input */
    size_t il;
    int raw_eof;
    int comp;
    sbc_unz *u;
    sbc_sha256 hraw, htar;
    int hash_raw; /* 0: the caller does (SBC_LAYER_CALLER_HASHES) */
    long long nraw, ntar;
    /* Threaded mode (compressed layers): a second thread reads, hashes and
     * decompresses, so inflate runs beside the extraction (as gzip -dc |
     * tar -x does).  It decompresses straight into a ring of NSLOT buffers
     * the extractor reads in place (a pipe cost two copies of every tar
     * byte and a syscall each way).  Its errors go to terr and are copied
     * to the caller's error once it is joined. */
    int threaded, joined;
    pthread_t th;
    sbc_err terr, *ecaller;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned char *slot[NSLOT];
    size_t slen[NSLOT];
    int head, count, held, done, quit; /* ring state, under mu */
};

static int src_fail(struct src *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int src_fail(struct src *s, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s->failed = 1;
    return sbc_err_set(s->e, 0, "%s", msg);
}

/* Read more raw bytes (only when the previous ones are consumed):
 * 1 got some, 0 EOF, -1 error. */
static int raw_more(struct src *s)
{
    ssize_t n = s->rd(s->ctx, s->raw, BUFSZ, s->e);
    if (n < 0) {
        s->failed = 1;
        return -1;
    }
    if (n == 0) {
        s->raw_eof = 1;
        return 0;
    }
    if ((size_t)n > BUFSZ)
        return src_fail(s, "read callback returned too much");
    if (s->hash_raw)
        sbc_sha256_update(&s->hraw, s->raw, (size_t)n);
    s->nraw += n;
    s->ip = s->raw;
    s->il = (size_t)n;
    return 1;
}

/* Next chunk of tar bytes in *p: length, 0 at the end, -1 on error. */
static ssize_t src_produce(struct src *s, const void **p)
{
    if (s->failed)
        return -1;
    for (;;) {
        if (s->il == 0 && !s->raw_eof && raw_more(s) < 0)
            return -1;
        size_t got = 0;
        if (s->comp == SBC_COMP_NONE) {
            if (s->il == 0)
                return 0;
            *p = s->ip;
            got = s->il;
            s->ip += got;
            s->il = 0;
        } else {
            ssize_t n = sbc_unz_run(s->u, &s->ip, &s->il, s->raw_eof, s->out, BUFSZ, s->e);
            if (n < 0) {
                s->failed = 1;
                return -1;
            }
            if (n == 0) {
                if (s->raw_eof && s->il == 0)
                    return 0;
                continue; /* more input */
            }
            got = (size_t)n;
            *p = s->out;
        }
        if (got) {
            /* Uncompressed: the diff ID is the digest; hash once.  Here, in
             * the inflating thread: hashed in the extractor instead, that
             * thread became the longest (perf sched of a pull: 440 ms on
             * CPU against the inflater's 260). */
            if (s->comp != SBC_COMP_NONE)
                sbc_sha256_update(&s->htar, *p, got);
            s->ntar += (long long)got;
            return (ssize_t)got;
        }
    }
}

static void *decomp_main(void *arg)
{
    struct src *s = arg;
    unsigned char *own = s->out;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        while (s->count == NSLOT && !s->quit)
            pthread_cond_wait(&s->cv, &s->mu);
        int k = (s->head + s->count) % NSLOT, quit = s->quit;
        pthread_mutex_unlock(&s->mu);
        if (quit)
            break; /* the extractor gave up: it has its own error */
        s->out = s->slot[k]; /* the decoder writes into the slot itself */
        const void *p;
        ssize_t n = src_produce(s, &p);
        if (n <= 0)
            break;
        if (p != s->slot[k])
            memcpy(s->slot[k], p, (size_t)n);
        pthread_mutex_lock(&s->mu);
        s->slen[k] = (size_t)n;
        s->count++;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
    }
    s->out = own;
    pthread_mutex_lock(&s->mu);
    s->done = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Join the decompressing thread; its failure becomes the caller's error. */
static void src_join(struct src *s)
{
    if (!s->threaded || s->joined)
        return;
    pthread_mutex_lock(&s->mu);
    s->quit = 1; /* unblocks a producer waiting for a slot */
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->th, NULL);
    s->joined = 1;
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    if (s->failed)
        *s->ecaller = s->terr;
}

static int src_start_thread(struct src *s)
{
    for (int i = 0; i < NSLOT; i++)
        s->slot[i] = sbc_xmalloc(BUFSZ);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->ecaller = s->e;
    s->e = &s->terr;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, 256 << 10);
    int rc = pthread_create(&s->th, &at, decomp_main, s);
    pthread_attr_destroy(&at);
    if (rc) {
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
        s->e = s->ecaller;
        return -1; /* stay single-threaded */
    }
    s->threaded = 1;
    return 0;
}

/* Next tar bytes: the next slot of the ring (the one handed out before is
 * given back: the tar reader is done with it), or produced right here. */
static ssize_t src_next(struct src *s, const void **p)
{
    if (!s->threaded)
        return src_produce(s, p);
    if (s->joined)
        return s->failed ? -1 : 0;
    pthread_mutex_lock(&s->mu);
    if (s->held) {
        s->head = (s->head + 1) % NSLOT;
        s->count--;
        s->held = 0;
        pthread_cond_broadcast(&s->cv);
    }
    while (s->count == 0 && !s->done)
        pthread_cond_wait(&s->cv, &s->mu);
    ssize_t n = 0;
    if (s->count) {
        *p = s->slot[s->head];
        n = (ssize_t)s->slen[s->head];
        s->held = 1;
    }
    pthread_mutex_unlock(&s->mu);
    if (n)
        return n;
    src_join(s);
    return s->failed ? -1 : 0;
}

/* The tar reader's chunks (the source's error is in e already). */
static ssize_t ar_read(void *cd, const void **buf, sbc_err *e)
{
    return src_next(cd, buf);
}

/* ---- secure extraction ---------------------------------------------------- */

struct dtime {
    char *path;
    struct timespec t[2];
};

struct ex {
    sbc_tar_reader *a;
    int root;           /* O_RDONLY dir fd of dest_dir */
    unsigned flags;
    sbc_err *e;
    const char *ename;  /* the raw entry name, for messages */
    char *cpath;        /* cached parent: path and fd */
    int cfd;
    struct dtime *dt;
    size_t ndt, cap;
    size_t kept_owners; /* rootless: owners recorded in user.sbc.owner */
    /* What a file we create gets by itself, so make_file can spare the
     * fchown and fchmod that would change nothing (two of its six syscalls):
     * our euid, the gid of a new file in the root and in the cached parent
     * (egid, or the dir's own when it is set-group-ID; -1: unknown), the
     * umask (-1: unknown). */
    uid_t euid;
    gid_t egid, rgid, cgid;
    int umask;
};

static int ent_err(struct ex *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int ent_err(struct ex *x, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sbc_err_set(x->e, 0, "entry %s: %s", x->ename, msg);
}

static int ent_sys(struct ex *x, const char *what)
{
    int en = errno;
    sbc_err_set(x->e, 0, "entry %s: %s: %s", x->ename, what, strerror(en));
    x->e->errnum = en;
    return -1;
}

static int openat2_beneath(int dfd, const char *path, int flags)
{
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = (uint64_t)(flags | O_CLOEXEC);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    int fd;
    do
        fd = (int)syscall(SYS_openat2, dfd, path, &how, sizeof how);
    while (fd < 0 && (errno == EINTR || errno == EAGAIN));
    return fd;
}

static int resolve_err(struct ex *x, const char *path)
{
    if (errno == EXDEV)
        return ent_err(x, "path escapes the layer");
    if (errno == ELOOP)
        return ent_err(x, "too many levels of symbolic links");
    if (errno == ENOTDIR)
        return ent_err(x, "a parent of %s is not a directory", path);
    return ent_sys(x, "open parent directory");
}

/* Open directory `path` (normalized, non-empty) below the root, creating
 * missing components (mode 0755) when create is set.  New fd or -1. */
static int open_dir(struct ex *x, const char *path, int create)
{
    int fd = openat2_beneath(x->root, path, O_RDONLY | O_DIRECTORY);
    if (fd >= 0)
        return fd;
    if (errno != ENOENT || !create)
        return resolve_err(x, path), -1;
    /* Walk the prefixes from the root and create what is missing.  Each
     * prefix is resolved from the root again, so a symlink planted by an
     * earlier entry is judged by the same rules. */
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n >= sizeof buf) {
        errno = ENAMETOOLONG;
        return ent_sys(x, "open parent directory"), -1;
    }
    memcpy(buf, path, n + 1);
    int prev = x->root;
    for (size_t i = 0; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != 0)
            continue;
        buf[i] = 0;
        const char *comp = strrchr(buf, '/');
        comp = comp ? comp + 1 : buf;
        fd = openat2_beneath(x->root, buf, O_RDONLY | O_DIRECTORY);
        if (fd < 0 && errno == ENOENT) {
            if (mkdirat(prev, comp, 0755) < 0 && errno != EEXIST) {
                ent_sys(x, "create parent directory");
                goto fail;
            }
            fd = openat2_beneath(x->root, buf, O_RDONLY | O_DIRECTORY);
        }
        if (fd < 0) {
            resolve_err(x, buf);
            goto fail;
        }
        if (prev != x->root)
            close(prev);
        prev = fd;
        if (i < n)
            buf[i] = '/';
    }
    return prev;
fail:
    if (prev != x->root)
        close(prev);
    return -1;
}

static void drop_cache(struct ex *x)
{
    if (x->cfd >= 0)
        close(x->cfd);
    x->cfd = -1;
    x->cgid = (gid_t)-1;
    free(x->cpath);
    x->cpath = NULL;
}

/* The parent dir fd of an entry (not to be closed by the caller). */
/* The group a file created in dir fd gets (set-group-ID dirs pass theirs on). */
static gid_t new_file_gid(struct ex *x, int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return (gid_t)-1;
    return st.st_mode & S_ISGID ? st.st_gid : x->egid;
}

/* The process's umask, from /proc (umask(2) would change it for every
 * thread while it is read); -1 when it cannot be told. */
static int read_umask(void)
{
    sbc_err e = {0};
    char *st = sbc_read_file(AT_FDCWD, "/proc/self/status", 1 << 16, NULL, &e);
    char *u = st ? strstr(st, "\nUmask:\t") : NULL;
    int m = u ? (int)strtol(u + 8, NULL, 8) : -1;
    free(st);
    return m;
}

static int get_parent(struct ex *x, const char *ppath)
{
    if (!*ppath)
        return x->root;
    if (x->cpath && !strcmp(x->cpath, ppath))
        return x->cfd;
    drop_cache(x);
    int fd = open_dir(x, ppath, 1);
    if (fd < 0)
        return -1;
    x->cfd = fd;
    x->cpath = sbc_xstrdup(ppath);
    x->cgid = new_file_gid(x, fd);
    return fd;
}

/* Remove whatever is at pfd/name (any type); missing is fine. */
static int remove_at(struct ex *x, int pfd, const char *name)
{
    if (unlinkat(pfd, name, 0) == 0 || errno == ENOENT)
        return 0;
    if (errno != EISDIR)
        return ent_sys(x, "remove existing entry");
    /* A removed directory may be (an ancestor of) the cached parent. */
    if (x->cfd != pfd)
        drop_cache(x);
    sbc_err e2 = {0};
    if (sbc_rm_rf(pfd, name, &e2) < 0)
        return ent_err(x, "remove existing directory: %s", e2.msg);
    return 0;
}

static void entry_times(const sbc_tar_entry *en, struct timespec t[2])
{
    t[1].tv_sec = (time_t)en->mtime;
    t[1].tv_nsec = en->mtime_nsec;
    if (en->has_atime) {
        t[0].tv_sec = (time_t)en->atime;
        t[0].tv_nsec = en->atime_nsec;
    } else {
        t[0] = t[1];
    }
    if (t[0].tv_nsec < 0 || t[0].tv_nsec >= 1000000000)
        t[0].tv_nsec = 0;
    if (t[1].tv_nsec < 0 || t[1].tv_nsec >= 1000000000)
        t[1].tv_nsec = 0;
}

static int entry_owner(struct ex *x, const sbc_tar_entry *en, uid_t *u, gid_t *g)
{
    long long uid = en->uid, gid = en->gid;
    if (uid < 0 || uid >= 0xffffffffLL || gid < 0 || gid >= 0xffffffffLL)
        return ent_err(x, "bad owner %lld:%lld", (long long)uid, (long long)gid);
    *u = (uid_t)uid;
    *g = (gid_t)gid;
    return 0;
}

/* Owner, mode (after chown, which clears setuid), xattrs of an open fd.
 * fresh_gid: the fd is a file make_file just created with the entry's
 * permission bits (less umask), owned by euid and this group; else -1. */
static int meta_fd(struct ex *x, int fd, const sbc_tar_entry *en, gid_t fresh_gid)
{
    uid_t u = 0;
    gid_t g = 0;
    if (entry_owner(x, en, &u, &g) < 0)
        return -1;
    mode_t perm = en->mode & 07777;
    int fresh = fresh_gid != (gid_t)-1;
    if (!(x->flags & SBC_LAYER_NO_CHOWN)) {
        if (!(fresh && u == x->euid && g == fresh_gid) && fchown(fd, u, g) < 0)
            return ent_sys(x, "chown");
    } else if (u || g) {
        /* not ours to give: the image's owner is kept beside the file */
        char own[32];
        int n = snprintf(own, sizeof own, "%u:%u", (unsigned)u, (unsigned)g);
        if (fsetxattr(fd, OWNER_XATTR, own, (size_t)n, 0) < 0 && errno != EOPNOTSUPP)
            return ent_sys(x, "set xattr " OWNER_XATTR);
        x->kept_owners++;
    }
    int mode_set = fresh && !(perm & 07000) && x->umask >= 0 && !(perm & (mode_t)x->umask);
    if (!mode_set && fchmod(fd, perm) < 0)
        return ent_sys(x, "chmod");
    if (x->flags & SBC_LAYER_NO_XATTRS)
        return 0;
    for (size_t i = 0; i < en->nxattrs; i++) {
        const char *name = en->xattrs[i].name;
        /* trusted.* would forge overlay metadata (or needs privileges we
         * should not use for it); SELinux labels are the host's business. */
        if (!strncmp(name, "trusted.", 8) || !strncmp(name, "user.overlay.", 13) ||
            !strcmp(name, OWNER_XATTR) || !strcmp(name, "security.selinux"))
            continue;
        if (fsetxattr(fd, name, en->xattrs[i].value, en->xattrs[i].len, 0) < 0) {
            if (errno == EOPNOTSUPP)
                continue;
            char what[300];
            snprintf(what, sizeof what, "set xattr %s", name);
            return ent_sys(x, what);
        }
    }
    return 0;
}

/* Owner, mode, times of a non-openable entry (symlink, device, fifo). */
static int meta_at(struct ex *x, int pfd, const char *name, const sbc_tar_entry *en, int is_link)
{
    uid_t u = 0;
    gid_t g = 0;
    if (!(x->flags & SBC_LAYER_NO_CHOWN)) {
        if (entry_owner(x, en, &u, &g) < 0)
            return -1;
        if (fchownat(pfd, name, u, g, AT_SYMLINK_NOFOLLOW) < 0)
            return ent_sys(x, "chown");
    }
    /* fchmodat follows symlinks; the node was just made by us in a dir fd
     * nobody else writes to, and is not a symlink. */
    if (!is_link && fchmodat(pfd, name, en->mode & 07777, 0) < 0)
        return ent_sys(x, "chmod");
    struct timespec t[2];
    entry_times(en, t);
    if (utimensat(pfd, name, t, AT_SYMLINK_NOFOLLOW) < 0)
        return ent_sys(x, "set times");
    return 0;
}

static int write_all_at(int fd, const char *p, size_t n, off_t off)
{
    while (n > 0) {
        ssize_t w = pwrite(fd, p, n, off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
        off += w;
    }
    return 0;
}

/* The reader failed (its message, or the source's, in x->e). */
static int data_err(struct ex *x)
{
    sbc_err_wrap(x->e, "entry %s", x->ename);
    return -1;
}

static int make_file(struct ex *x, int pfd, const char *name, const sbc_tar_entry *en)
{
    /* Made with its permission bits (never the set-ID ones: those after the
     * chown), so that meta_fd needs no chmod for most files. */
    mode_t cmode = en->mode & 0777;
    int fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, cmode);
    if (fd < 0 && errno == EEXIST) {
        if (remove_at(x, pfd, name) < 0)
            return -1;
        fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, cmode);
    }
    if (fd < 0)
        return ent_sys(x, "create");
    int rc = -1;
    long long off = 0;
    for (;;) {
        const void *buf;
        ssize_t sz = sbc_tar_data(x->a, &buf, SIZE_MAX, x->e);
        if (sz == 0)
            break;
        if (sz < 0) {
            data_err(x);
            goto out;
        }
        if (write_all_at(fd, buf, (size_t)sz, (off_t)off) < 0) {
            ent_sys(x, "write");
            goto out;
        }
        off += sz;
    }
    if (meta_fd(x, fd, en, pfd == x->root ? x->rgid : pfd == x->cfd ? x->cgid : (gid_t)-1) < 0)
        goto out;
    struct timespec t[2];
    entry_times(en, t);
    if (futimens(fd, t) < 0) {
        ent_sys(x, "set times");
        goto out;
    }
    rc = 0;
out:
    close(fd);
    return rc;
}

static int defer_times(struct ex *x, const char *path, const sbc_tar_entry *en)
{
    if (x->ndt == x->cap) {
        x->cap = x->cap ? 2 * x->cap : 64;
        x->dt = sbc_xrealloc(x->dt, x->cap * sizeof *x->dt);
    }
    x->dt[x->ndt].path = sbc_xstrdup(path);
    entry_times(en, x->dt[x->ndt].t);
    x->ndt++;
    return 0;
}

static int make_dir(struct ex *x, int pfd, const char *name, const char *path, const sbc_tar_entry *en)
{
    int fd;
    if (!*path) {
        fd = x->root; /* "./": metadata of the layer root */
    } else {
        if (mkdirat(pfd, name, 0700) < 0) {
            if (errno != EEXIST)
                return ent_sys(x, "mkdir");
            struct stat st;
            if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return ent_sys(x, "stat existing entry");
            if (!S_ISDIR(st.st_mode)) {
                if (remove_at(x, pfd, name) < 0)
                    return -1;
                if (mkdirat(pfd, name, 0700) < 0)
                    return ent_sys(x, "mkdir");
            }
        }
        fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return ent_sys(x, "open directory");
    }
    int rc = meta_fd(x, fd, en, (gid_t)-1);
    if (fd != x->root)
        close(fd);
    if (rc < 0)
        return -1;
    return defer_times(x, path, en);
}

/* Create a non-directory node with fn, replacing what is there. */
static int make_node(struct ex *x, int pfd, const char *name, mode_t mode, dev_t dev, const char *target)
{
    for (int tries = 0;; tries++) {
        int r = target ? symlinkat(target, pfd, name) : mknodat(pfd, name, mode, dev);
        if (r == 0)
            return 0;
        if (errno != EEXIST || tries > 0)
            return ent_sys(x, target ? "symlink" : "mknod");
        if (remove_at(x, pfd, name) < 0)
            return -1;
    }
}

static int make_hardlink(struct ex *x, int pfd, const char *name, const char *path, const char *target)
{
    char tpath[PATH_MAX];
    if (sbc_path_norm(target, tpath, sizeof tpath) < 0) {
        if (errno == EXDEV)
            return ent_err(x, "hardlink target %s escapes the layer", target);
        return ent_sys(x, "hardlink target");
    }
    if (!*tpath)
        return ent_err(x, "hardlink to the layer root");
    if (!strcmp(tpath, path))
        return 0; /* a link to itself: nothing to do */
    char *slash = strrchr(tpath, '/');
    const char *tbase = slash ? slash + 1 : tpath;
    sbc_cleanup_close int tdir = -1; /* the target's dir, when not the root */
    int tfd = x->root;
    if (slash) {
        *slash = 0;
        tfd = tdir = open_dir(x, tpath, 0);
        if (tfd < 0) {
            if (x->e->errnum == ENOENT)
                return ent_err(x, "hardlink target %s is not in the layer", target);
            return -1;
        }
    }
    struct stat st;
    if (fstatat(tfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT)
            return ent_err(x, "hardlink target %s is not in the layer", target);
        return ent_sys(x, "stat hardlink target");
    }
    if (S_ISDIR(st.st_mode))
        return ent_err(x, "hardlink target %s is a directory", target);
    /* linkat without AT_SYMLINK_FOLLOW links a symlink itself, as tar means. */
    if (linkat(tfd, tbase, pfd, name, 0) < 0) {
        if (errno != EEXIST)
            return ent_sys(x, "link");
        if (remove_at(x, pfd, name) < 0)
            return -1;
        if (linkat(tfd, tbase, pfd, name, 0) < 0)
            return ent_sys(x, "link");
    }
    return 0;
}

static int whiteout(struct ex *x, int pfd, const char *name)
{
    if (!*name || !strcmp(name, ".") || !strcmp(name, "..") || strchr(name, '/'))
        return ent_err(x, "bad whiteout");
    if (remove_at(x, pfd, name) < 0)
        return -1;
    if (mknodat(pfd, name, S_IFCHR | 0, makedev(0, 0)) < 0)
        return ent_sys(x, "create whiteout");
    return 0;
}

static int extract_entry(struct ex *x, const sbc_tar_entry *en)
{
    char path[PATH_MAX];
    const char *raw = en->path;
    if (!*raw) {
        x->ename = "(unnamed)";
        return ent_err(x, "entry without a name");
    }
    x->ename = raw;
    if (sbc_path_norm(raw, path, sizeof path) < 0) {
        if (errno == EXDEV)
            return ent_err(x, "path escapes the layer");
        return ent_sys(x, "bad name");
    }
    /* No real image nests this deep; a layer that does could not be
     * removed again (sbc_rm_rf's bound) and is only good for exhausting
     * stacks and descriptors. */
    int depth = 0;
    for (const char *q = path; *q; q++)
        depth += *q == '/';
    if (depth >= SBC_LAYER_MAX_DEPTH)
        return ent_err(x, "path too deep (more than " SBC_STR(SBC_LAYER_MAX_DEPTH) " levels)");

    const char *hl = en->type == SBC_TAR_HARDLINK ? en->linkpath : NULL;
    int type = en->type;
    if (!*path && (hl || type != SBC_TAR_DIR))
        return ent_err(x, "refusing to replace the layer root");

    char ppath[PATH_MAX];
    const char *name = path;
    char *slash = strrchr(path, '/');
    if (slash) {
        memcpy(ppath, path, (size_t)(slash - path));
        ppath[slash - path] = 0;
        name = slash + 1;
    } else {
        ppath[0] = 0;
    }
    int pfd = x->root;
    if (*path) {
        pfd = get_parent(x, ppath);
        if (pfd < 0)
            return -1;
    }

    if (!strncmp(name, ".wh.", 4)) {
        if (!strcmp(name, ".wh..wh..opq")) {
            if (fsetxattr(pfd, (x->flags & SBC_LAYER_NO_CHOWN) ? OPAQUE_XATTR_USER : OPAQUE_XATTR, "y", 1, 0) < 0)
                return ent_sys(x, "set opaque xattr");
            return 0;
        }
        if (!strncmp(name, ".wh..wh.", 8))
            return 0; /* aufs metadata (.wh..wh.plnk, .wh..wh.aufs) */
        return whiteout(x, pfd, name + 4);
    }

    if (hl)
        return make_hardlink(x, pfd, name, path, hl);

    switch (type) {
    case SBC_TAR_REG:
        return make_file(x, pfd, name, en);
    case SBC_TAR_DIR:
        return make_dir(x, pfd, name, path, en);
    case SBC_TAR_SYMLINK: {
        const char *t = en->linkpath;
        if (!t || !*t)
            return ent_err(x, "symlink without a target");
        if (make_node(x, pfd, name, 0, 0, t) < 0)
            return -1;
        return meta_at(x, pfd, name, en, 1);
    }
    case SBC_TAR_CHR:
    case SBC_TAR_BLK:
        if (x->flags & SBC_LAYER_NO_DEVICES)
            return ent_err(x, "device nodes are not allowed");
        /* fallthrough */
    case SBC_TAR_FIFO: {
        if (type != SBC_TAR_FIFO && (x->flags & SBC_LAYER_NO_CHOWN) && geteuid() != 0)
            return 0; /* rootless: no device nodes (the container's /dev has the host's) */
        mode_t ft = type == SBC_TAR_CHR ? S_IFCHR : type == SBC_TAR_BLK ? S_IFBLK : S_IFIFO;
        if (make_node(x, pfd, name, ft | 0600, makedev(en->devmajor, en->devminor), NULL) < 0)
            return -1;
        return meta_at(x, pfd, name, en, 0);
    }
    default:
        return ent_err(x, "unknown entry type '%c'", type);
    }
}

static int apply_dir_times(struct ex *x)
{
    for (size_t i = 0; i < x->ndt; i++) {
        /* The last component must not be followed: a later entry may have
         * replaced the directory with a symlink to another one. */
        char *path = x->dt[i].path, *slash = strrchr(path, '/');
        int fd = x->root;
        if (*path) {
            int pfd = x->root;
            if (slash) {
                *slash = 0;
                pfd = openat2_beneath(x->root, path, O_RDONLY | O_DIRECTORY);
                *slash = '/';
            }
            fd = pfd < 0 ? -1 : openat(pfd, slash ? slash + 1 : path,
                                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (pfd >= 0 && pfd != x->root)
                close(pfd);
        }
        if (fd < 0)
            continue; /* replaced or removed by a later entry */
        int r = futimens(fd, x->dt[i].t);
        int en = errno;
        if (fd != x->root)
            close(fd);
        if (r < 0) {
            errno = en;
            return sbc_err_sys(x->e, "set times of %s", *x->dt[i].path ? x->dt[i].path : ".");
        }
    }
    return 0;
}

/* The end of an unpack's source (cleanup of sbc_layer_unpack's s): the
 * thread joined first, then what it uses freed. */
static void src_release(struct src *s)
{
    src_join(s);
    for (int i = 0; i < NSLOT; i++)
        free(s->slot[i]);
    sbc_unz_free(s->u);
    free(s->raw);
    free(s->out);
}

/* The end of an extraction (cleanup of sbc_layer_unpack's x). */
static void ex_release(struct ex *x)
{
    sbc_tar_reader_free(x->a);
    drop_cache(x);
    for (size_t i = 0; i < x->ndt; i++)
        free(x->dt[i].path);
    free(x->dt);
    if (x->root >= 0)
        close(x->root);
}

/* Sniff the compression from the first bytes and set up its decoder. */
static int src_open(struct src *s, unsigned flags)
{
    size_t have = 0;
    while (have < 4) {
        ssize_t n = s->rd(s->ctx, s->raw + have, BUFSZ - have, s->e);
        if (n < 0)
            return -1;
        if (n == 0) {
            s->raw_eof = 1;
            break;
        }
        sbc_sha256_update(&s->hraw, s->raw + have, (size_t)n);
        have += (size_t)n;
        s->nraw += n;
    }
    s->ip = s->raw;
    s->il = have;
    s->comp = sbc_comp_sniff(s->raw, have);
    /* the blob's digest by the caller (the pull's network thread, which
     * has time to spare: here it was ~35 ms of the inflating thread's 340) */
    s->hash_raw = !(flags & SBC_LAYER_CALLER_HASHES) || s->comp == SBC_COMP_NONE;
    if (s->comp != SBC_COMP_NONE && !(s->u = sbc_unz_new(s->comp, s->e)))
        return -1;
    return 0;
}

/* Every entry of the opened archive, then the rest of the stream drained
 * so both digests cover it all. */
static int extract_all(struct ex *x, struct src *s)
{
    for (;;) {
        sbc_tar_entry *en;
        int r = sbc_tar_next(x->a, &en, x->e);
        if (r == 0)
            break;
        if (r < 0) {
            if (!s->failed)
                sbc_err_wrap(x->e, "bad tar");
            return -1;
        }
        if (extract_entry(x, en) < 0)
            return -1;
    }
    const void *p;
    ssize_t n;
    while ((n = src_next(s, &p)) > 0)
        ;
    if (n < 0)
        return -1;
    src_join(s);
    return s->failed ? -1 : 0;
}

int sbc_layer_unpack(sbc_read_fn rd, void *ctx, const char *dest_dir, unsigned flags,
                     sbc_layer_info *out, sbc_err *e)
{
    /* (cleanups run in reverse: s, whose thread is joined first, then x) */
    __attribute__((cleanup(ex_release))) struct ex x;
    __attribute__((cleanup(src_release))) struct src s;
    memset(&x, 0, sizeof x);
    memset(&s, 0, sizeof s);
    s.rd = rd;
    s.ctx = ctx;
    s.e = e;
    x.e = e;
    x.flags = flags | (geteuid() != 0 ? SBC_LAYER_NO_CHOWN : 0); /* rootless: the user's own files */
    x.cfd = -1;
    x.root = open(dest_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (x.root < 0)
        return sbc_err_sys(e, "open %s", dest_dir);
    x.euid = geteuid();
    x.egid = getegid();
    x.umask = read_umask();
    x.rgid = new_file_gid(&x, x.root);
    x.cgid = (gid_t)-1;
    s.raw = sbc_xmalloc(BUFSZ);
    s.out = sbc_xmalloc(BUFSZ);
    sbc_sha256_init(&s.hraw);
    sbc_sha256_init(&s.htar);
    if (src_open(&s, flags) < 0)
        return -1;
    if (s.comp != SBC_COMP_NONE && !getenv("SBC_LAYER_NOTHREAD"))
        src_start_thread(&s); /* on failure: decompress in this thread */
    /* (an empty stream is an empty layer, as for Docker) */
    x.a = sbc_tar_reader_new(ar_read, &s);
    if (extract_all(&x, &s) < 0)
        return -1;
    if (apply_dir_times(&x) < 0)
        return -1;
    if (x.kept_owners && sbc_layer_apply_owners(dest_dir, e) < 0)
        return -1;
    if (out) {
        memset(out, 0, sizeof *out);
        if (s.hash_raw)
            sbc_sha256_final(&s.hraw, out->digest);
        sbc_sha256_final(s.comp == SBC_COMP_NONE ? &s.hraw : &s.htar, out->diff_id);
        out->size = s.nraw;
        out->diff_size = s.ntar;
        out->compression = s.comp;
    }
    return 0;
}

ssize_t sbc_read_fd(void *ctx, void *buf, size_t n, sbc_err *e)
{
    int fd = *(int *)ctx;
    for (;;) {
        ssize_t r = read(fd, buf, n);
        if (r >= 0)
            return r;
        if (errno != EINTR)
            return sbc_err_sys(e, "read");
    }
}

int sbc_layer_unpack_fd(int fd, const char *dest_dir, unsigned flags,
                        sbc_layer_info *out, sbc_err *e)
{
    return sbc_layer_unpack(sbc_read_fd, &fd, dest_dir, flags, out, e);
}

/* ---- flatten -------------------------------------------------------------- */

struct flat {
    int droot;
    sbc_err *e;
    sbc_links links; /* hardlinked files seen in the current layer (paths relative to droot) */
    char path[PATH_MAX]; /* relative path of the current entry */
};

static int flat_err(struct flat *f, const char *what)
{
    return sbc_err_sys(f->e, "%s %s", what, f->path);
}

/* Copy the xattrs of fd `from` to fd `to`, except overlay's own. */
static int copy_xattrs(struct flat *f, int from, int to)
{
    char list[16384], val[65536];
    ssize_t n = flistxattr(from, list, sizeof list);
    if (n < 0) {
        if (errno == EOPNOTSUPP)
            return 0;
        return flat_err(f, "list xattrs of");
    }
    for (char *k = list; k < list + n; k += strlen(k) + 1) {
        if (!strncmp(k, "trusted.overlay.", 16))
            continue;
        ssize_t vl = fgetxattr(from, k, val, sizeof val);
        if (vl < 0) {
            if (errno == ENODATA)
                continue;
            return flat_err(f, "get xattr of");
        }
        if (fsetxattr(to, k, val, (size_t)vl, 0) < 0 && errno != EOPNOTSUPP)
            return flat_err(f, "set xattr on");
    }
    return 0;
}

static int copy_meta_fd(struct flat *f, int from, int to, const struct stat *st)
{
    /* (rootless: others' ids are not ours to give; the file stays ours) */
    if (fchown(to, st->st_uid, st->st_gid) < 0 && !(errno == EPERM && geteuid() != 0))
        return flat_err(f, "chown");
    if (fchmod(to, st->st_mode & 07777) < 0)
        return flat_err(f, "chmod");
    return copy_xattrs(f, from, to);
}

static int copy_data(struct flat *f, int in, int out)
{
    return sbc_copy_data(in, out) < 0 ? flat_err(f, "copy") : 0;
}

static int copy_file(struct flat *f, int sfd, int dfd, const char *name, const struct stat *st)
{
    int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0)
        return flat_err(f, "open");
    int out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0) {
        close(in);
        return flat_err(f, "create");
    }
    int rc = -1;
    if (copy_data(f, in, out) < 0 || copy_meta_fd(f, in, out, st) < 0)
        goto done;
    struct timespec t[2] = { st->st_atim, st->st_mtim };
    if (futimens(out, t) < 0) {
        flat_err(f, "set times of");
        goto done;
    }
    rc = 0;
done:
    close(in);
    close(out);
    return rc;
}

static int copy_node(struct flat *f, int sfd, int dfd, const char *name, const struct stat *st)
{
    if (S_ISLNK(st->st_mode)) {
        char target[PATH_MAX];
        ssize_t n = readlinkat(sfd, name, target, sizeof target - 1);
        if (n < 0)
            return flat_err(f, "readlink");
        target[n] = 0;
        if (symlinkat(target, dfd, name) < 0)
            return flat_err(f, "symlink");
    } else if (mknodat(dfd, name, st->st_mode & S_IFMT, st->st_rdev) < 0) {
        return flat_err(f, "mknod");
    }
    if (fchownat(dfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 && !(errno == EPERM && geteuid() != 0))
        return flat_err(f, "chown");
    if (!S_ISLNK(st->st_mode) && fchmodat(dfd, name, st->st_mode & 07777, 0) < 0)
        return flat_err(f, "chmod");
    struct timespec t[2] = { st->st_atim, st->st_mtim };
    if (utimensat(dfd, name, t, AT_SYMLINK_NOFOLLOW) < 0)
        return flat_err(f, "set times of");
    return 0;
}

static int is_opaque(int fd)
{
    char v[4];
    ssize_t n = fgetxattr(fd, OPAQUE_XATTR, v, sizeof v);
    if (n != 1)
        n = fgetxattr(fd, OPAQUE_XATTR_USER, v, sizeof v);
    return n == 1 && v[0] == 'y';
}

static int flat_dir(struct flat *f, int sfd, int dfd, size_t plen, int depth)
{
    if (depth > 1000)
        return sbc_err_set(f->e, 0, "%s: too deep", f->path);
    int dup_fd = fcntl(sfd, F_DUPFD_CLOEXEC, 0);
    if (dup_fd < 0)
        return flat_err(f, "dup");
    DIR *d = fdopendir(dup_fd);
    if (!d) {
        close(dup_fd);
        return flat_err(f, "opendir");
    }
    int rc = -1;
    struct dirent *de;
    for (;;) {
        errno = 0;
        if (!(de = readdir(d))) {
            if (errno) {
                flat_err(f, "readdir");
                goto out;
            }
            break;
        }
        const char *name = de->d_name;
        if (!strcmp(name, ".") || !strcmp(name, ".."))
            continue;
        size_t nl = strlen(name);
        if (plen + 1 + nl + 1 > sizeof f->path) {
            errno = ENAMETOOLONG;
            flat_err(f, "path below");
            goto out;
        }
        size_t np = plen;
        if (np)
            f->path[np++] = '/';
        memcpy(f->path + np, name, nl + 1);
        np += nl;

        struct stat st, dst;
        if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            flat_err(f, "stat");
            goto out;
        }
        int exists = fstatat(dfd, name, &dst, AT_SYMLINK_NOFOLLOW) == 0;
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
            if (exists && sbc_rm_rf(dfd, name, f->e) < 0)
                goto out;
        } else if (S_ISDIR(st.st_mode)) {
            int cs = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (cs < 0) {
                flat_err(f, "open");
                goto out;
            }
            /* An opaque dir hides everything earlier layers had there. */
            if (exists && (!S_ISDIR(dst.st_mode) || is_opaque(cs))) {
                if (sbc_rm_rf(dfd, name, f->e) < 0) {
                    close(cs);
                    goto out;
                }
                exists = 0;
            }
            if (!exists && mkdirat(dfd, name, 0700) < 0) {
                flat_err(f, "mkdir");
                close(cs);
                goto out;
            }
            int cd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            int r = cd < 0 ? flat_err(f, "open") : copy_meta_fd(f, cs, cd, &st);
            if (r == 0)
                r = flat_dir(f, cs, cd, np, depth + 1);
            struct timespec t[2] = { st.st_atim, st.st_mtim };
            if (r == 0 && futimens(cd, t) < 0)
                r = flat_err(f, "set times of");
            close(cs);
            if (cd >= 0)
                close(cd);
            if (r < 0)
                goto out;
        } else if (!S_ISSOCK(st.st_mode)) {
            if (exists && sbc_rm_rf(dfd, name, f->e) < 0)
                goto out;
            const char *hl = NULL;
            if (!S_ISDIR(st.st_mode) && st.st_nlink > 1)
                hl = sbc_links_find(&f->links, st.st_dev, st.st_ino);
            if (hl) {
                if (linkat(f->droot, hl, dfd, name, 0) < 0) {
                    flat_err(f, "link");
                    goto out;
                }
            } else {
                int r = S_ISREG(st.st_mode) ? copy_file(f, sfd, dfd, name, &st)
                                            : copy_node(f, sfd, dfd, name, &st);
                if (r < 0)
                    goto out;
                if (st.st_nlink > 1)
                    sbc_links_add(&f->links, st.st_dev, st.st_ino, f->path);
            }
        }
        f->path[plen] = 0;
    }
    rc = 0;
out:
    closedir(d);
    return rc;
}

int sbc_layer_flatten(const char *const *layer_dirs, int n, const char *dest, sbc_err *e)
{
    struct flat f;
    memset(&f, 0, sizeof f);
    f.e = e;
    if (mkdir(dest, 0755) < 0 && errno != EEXIST)
        return sbc_err_sys(e, "mkdir %s", dest);
    f.droot = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (f.droot < 0)
        return sbc_err_sys(e, "open %s", dest);
    int rc = -1;
    for (int i = 0; i < n; i++) {
        int sfd = open(layer_dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sfd < 0) {
            sbc_err_sys(e, "open %s", layer_dirs[i]);
            goto out;
        }
        struct stat st;
        f.path[0] = 0;
        int r = fstat(sfd, &st) < 0 ? flat_err(&f, "stat") : copy_meta_fd(&f, sfd, f.droot, &st);
        if (r == 0)
            r = flat_dir(&f, sfd, f.droot, 0, 0);
        struct timespec t[2] = { st.st_atim, st.st_mtim };
        if (r == 0 && futimens(f.droot, t) < 0)
            r = sbc_err_sys(e, "set times of %s", dest);
        close(sfd);
        sbc_links_clear(&f.links);
        if (r < 0) {
            sbc_err_wrap(e, "layer %s", layer_dirs[i]);
            goto out;
        }
    }
    rc = 0;
out:
    sbc_links_free(&f.links);
    close(f.droot);
    return rc;
}

int sbc_layer_tar_dir(const char *dir, int out_fd, int compression,
                      sbc_layer_info *out, sbc_err *e)
{
    /* The writer lives in lib/image/tarw.c (options: mtime clamp, level, tee). */
    sbc_tarw_opts o;
    sbc_tarw_opts_init(&o);
    o.compression = compression;
    return sbc_tarw_dir(dir, out_fd, &o, out, e);
}
