/* fsdiff.c - a container's changes against its image, staged as a layer
 * dir (see fsdiff.h). */
#include "image/fsdiff.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/io.h"
#include "base/links.h"

#ifndef FICLONE
#define FICLONE _IOW(0x94, 9, int)
#endif
#define OPAQUE_XATTR "trusted.overlay.opaque"
#define MAX_DEPTH 1000

/* ---- xattrs ---------------------------------------------------------------- */

struct xattr {
    char *key;
    char *val;
    size_t len;
};

struct xset {
    struct xattr *v;
    size_t n, cap;
};

/* Those a layer tar does not keep (lib/image/tarw.c): not compared, not staged
 * (an overlay xattr in the stage would even make a dir opaque). */
static int xattr_skip(const char *k)
{
    return !strncmp(k, "trusted.overlay.", 16) || !strncmp(k, "user.overlay.", 13) ||
           !strcmp(k, "security.selinux") || !strncmp(k, "system.", 7);
}

static void xset_put(struct xset *s, const char *k, const char *v, size_t len)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i].key, k)) {
            free(s->v[i].val);
            s->v[i].val = sbc_xmalloc(len);
            memcpy(s->v[i].val, v, len);
            s->v[i].len = len;
            return;
        }
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 4;
        s->v = sbc_xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n].key = sbc_xstrdup(k);
    s->v[s->n].val = sbc_xmalloc(len);
    memcpy(s->v[s->n].val, v, len);
    s->v[s->n].len = len;
    s->n++;
}

static void xset_free(struct xset *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].key);
        free(s->v[i].val);
    }
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int xattr_cmp(const void *a, const void *b)
{
    return strcmp(((const struct xattr *)a)->key, ((const struct xattr *)b)->key);
}

static int xset_equal(struct xset *a, struct xset *b)
{
    if (a->n != b->n)
        return 0;
    if (a->n) {
        qsort(a->v, a->n, sizeof *a->v, xattr_cmp);
        qsort(b->v, b->n, sizeof *b->v, xattr_cmp);
    }
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i].key, b->v[i].key) || a->v[i].len != b->v[i].len ||
            memcmp(a->v[i].val, b->v[i].val, a->v[i].len))
            return 0;
    return 1;
}

/* Add the (kept) xattrs of name below dfd, not following a symlink, to s
 * (a key already there is replaced); name NULL: of dfd itself.  0, or -1
 * with errno. */
static int xset_read(struct xset *s, int dfd, const char *name)
{
    char p[64 + NAME_MAX];
    snprintf(p, sizeof p, "/proc/self/fd/%d/%s", dfd, name ? name : "");
    char *list = NULL, *val = NULL;
    ssize_t n;
    for (;;) { /* sized, then read; again if it grew meanwhile */
        n = name ? llistxattr(p, NULL, 0) : flistxattr(dfd, NULL, 0);
        if (n <= 0)
            break;
        list = sbc_xrealloc(list, (size_t)n);
        n = name ? llistxattr(p, list, (size_t)n) : flistxattr(dfd, list, (size_t)n);
        if (n >= 0 || errno != ERANGE)
            break;
    }
    int rc = 0;
    if (n < 0) {
        if (errno != EOPNOTSUPP && errno != ENOTSUP)
            rc = -1;
        n = 0;
    }
    size_t cap = 0;
    for (char *k = list; rc == 0 && k < list + n; k += strlen(k) + 1) {
        if (xattr_skip(k))
            continue;
        ssize_t vl;
        for (;;) {
            vl = name ? lgetxattr(p, k, NULL, 0) : fgetxattr(dfd, k, NULL, 0);
            if (vl < 0)
                break;
            if ((size_t)vl + 1 > cap)
                val = sbc_xrealloc(val, cap = (size_t)vl + 1);
            vl = name ? lgetxattr(p, k, val, cap) : fgetxattr(dfd, k, val, cap);
            if (vl >= 0 || errno != ERANGE)
                break;
        }
        if (vl < 0) {
            if (errno != ENODATA) /* removed meanwhile: gone */
                rc = -1;
            continue;
        }
        xset_put(s, k, val, (size_t)vl);
    }
    int saved = errno;
    free(list);
    free(val);
    errno = saved;
    return rc;
}

/* ---- the walk -------------------------------------------------------------- */

struct dctx {
    sbc_err *e;
    const char *const *exclude;
    int stage_root;
    sbc_links links; /* recreated (not linked) files with more than one link: staged paths */
    long nchanges;
    char path[PATH_MAX]; /* the entry at work, relative ("a/b/c") */
    uint32_t su, sg, ss; /* a remapped copy's owners: su + n is n */
};

static uint32_t unshift(uint32_t id, uint32_t base, uint32_t size)
{
    return id - base < size ? id - base : id;
}

/* A directory of the container being compared. */
struct frame {
    struct frame *up;
    const char *name; /* in up */
    int curfd;        /* the container's dir */
    int stagefd;      /* its copy in the stage; -1 until made (ensure) */
    struct stat st;   /* the container's dir */
    size_t plen;      /* path[0..plen) is its prefix: "" or "a/b/" */
};

static int dsys(struct dctx *c, const char *what)
{
    return sbc_err_sys(c->e, "%s /%s", what, c->path);
}

/* The stage dir of f, made (with its parents) when missing. */
static int ensure(struct dctx *c, struct frame *f)
{
    if (f->stagefd >= 0)
        return 0;
    if (ensure(c, f->up) < 0)
        return -1;
    if (mkdirat(f->up->stagefd, f->name, 0700) < 0 && errno != EEXIST)
        return dsys(c, "stage the dir of");
    f->stagefd = openat(f->up->stagefd, f->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    return f->stagefd < 0 ? dsys(c, "open the staged dir of") : 0;
}

/* Owner, mode, xattrs and times of the container's sdfd/name (stat st) onto
 * the staged dfd/name: chown first (it clears setuid bits and file
 * capabilities), the times last. */
static int set_meta(struct dctx *c, int dfd, const char *name, const struct stat *st, int sdfd)
{
    if (fchownat(dfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
        return dsys(c, "chown the staged");
    if (!S_ISLNK(st->st_mode) && fchmodat(dfd, name, st->st_mode & 07777, 0) < 0)
        return dsys(c, "chmod the staged");
    struct xset x = {0};
    if (xset_read(&x, sdfd, name) < 0) {
        xset_free(&x);
        return dsys(c, "read the xattrs of");
    }
    char p[64 + NAME_MAX];
    snprintf(p, sizeof p, "/proc/self/fd/%d/%s", dfd, name);
    for (size_t i = 0; i < x.n; i++)
        if (lsetxattr(p, x.v[i].key, x.v[i].val, x.v[i].len, 0) < 0 && errno != EOPNOTSUPP) {
            xset_free(&x);
            return dsys(c, "set an xattr on the staged");
        }
    xset_free(&x);
    struct timespec t[2] = {st->st_atim, st->st_mtim};
    if (utimensat(dfd, name, t, AT_SYMLINK_NOFOLLOW) < 0)
        return dsys(c, "set the times of the staged");
    return 0;
}

static int copy_data(struct dctx *c, int in, int out)
{
    if (ioctl(out, FICLONE, in) == 0) /* btrfs, xfs: shares the extents */
        return 0;
    return sbc_copy_data(in, out) < 0 ? dsys(c, "copy") : 0;
}

/* Stage the container's non-directory f->curfd/name (stat st): a hard link
 * to it when the file system allows, else a new node with its content and
 * metadata (its other links staged before: a link to that). */
static int stage_node(struct dctx *c, struct frame *f, const char *name, const struct stat *st)
{
    if (ensure(c, f) < 0)
        return -1;
    const char *staged = st->st_nlink > 1 ? sbc_links_find(&c->links, st->st_dev, st->st_ino) : NULL;
    if (staged)
        return linkat(c->stage_root, staged, f->stagefd, name, 0) < 0 ? dsys(c, "link the staged") : 0;
    if (linkat(f->curfd, name, f->stagefd, name, 0) == 0)
        return 0;
    if (errno != EXDEV && errno != EPERM && errno != EMLINK && errno != EOPNOTSUPP)
        return dsys(c, "link");
    /* another file system or subvolume (btrfs): a copy */
    struct stat now = *st;
    if (S_ISREG(st->st_mode)) {
        int in = openat(f->curfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (in < 0)
            return dsys(c, "open");
        int bad = fstat(in, &now) < 0 ? errno : S_ISREG(now.st_mode) ? 0 : EAGAIN;
        if (bad) {
            close(in);
            errno = bad;
            return dsys(c, "stat (changed while committing?)");
        }
        int out = openat(f->stagefd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        int rc = out < 0 ? dsys(c, "create the staged") : copy_data(c, in, out);
        close(in);
        if (out >= 0)
            close(out);
        if (rc < 0)
            return -1;
    } else if (S_ISLNK(st->st_mode)) {
        char target[PATH_MAX];
        ssize_t n = readlinkat(f->curfd, name, target, sizeof target - 1);
        if (n < 0)
            return dsys(c, "readlink");
        target[n] = 0;
        if (symlinkat(target, f->stagefd, name) < 0)
            return dsys(c, "stage the symlink");
    } else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) || S_ISFIFO(st->st_mode)) {
        if (mknodat(f->stagefd, name, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0)
            return dsys(c, "stage the node");
    } else {
        return 0; /* a socket: no tar keeps it */
    }
    if (set_meta(c, f->stagefd, name, &now, f->curfd) < 0)
        return -1;
    if (now.st_nlink > 1)
        sbc_links_add(&c->links, now.st_dev, now.st_ino, c->path);
    return 0;
}

/* A deleted path: a whiteout (0/0 char device, as overlay makes) named
 * name in the stage dir of f, dated like the container's dir f (the time
 * of its last change: the same tree gives the same layer). */
static int stage_whiteout(struct dctx *c, struct frame *f, const char *name)
{
    if (ensure(c, f) < 0)
        return -1;
    if (mknodat(f->stagefd, name, S_IFCHR | 0, makedev(0, 0)) < 0)
        return dsys(c, "stage the whiteout of");
    struct timespec t[2] = {f->st.st_mtim, f->st.st_mtim};
    if (utimensat(f->stagefd, name, t, AT_SYMLINK_NOFOLLOW) < 0)
        return dsys(c, "date the whiteout of");
    return 0;
}


/* An entry of the image's merged dir: the top layer (index in the dir's
 * refs, top first) that has name, and its stat there. */
struct rent {
    char *name;
    int layer;
    struct stat st;
};

static int rent_cmp(const void *a, const void *b)
{
    const struct rent *x = a, *y = b;
    int r = strcmp(x->name, y->name);
    return r ? r : (x->layer > y->layer) - (x->layer < y->layer);
}

static void free_rents(struct rent *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
}

/* The merged listing of the image dir made of refs[0..nrefs) (top first):
 * each name from its top layer, whiteouts applied, sorted. */
static int list_ref(struct dctx *c, const int *refs, int nrefs, struct rent **out, size_t *nout)
{
    struct rent *v = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < nrefs; i++) {
        char **names;
        size_t k;
        if (sbc_dir_names(refs[i], &names, &k) < 0) {
            free_rents(v, n);
            return dsys(c, "list the image's");
        }
        for (size_t j = 0; j < k; j++) {
            if (n == cap) {
                cap = cap ? 2 * cap : 32;
                v = sbc_xrealloc(v, cap * sizeof *v);
            }
            v[n].name = names[j];
            v[n].layer = i;
            n++;
        }
        free(names);
    }
    if (n)
        qsort(v, n, sizeof *v, rent_cmp);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (w && !strcmp(v[w - 1].name, v[i].name)) { /* hidden by a higher layer */
            free(v[i].name);
            continue;
        }
        if (fstatat(refs[v[i].layer], v[i].name, &v[i].st, AT_SYMLINK_NOFOLLOW) < 0) {
            int saved = errno;
            free_rents(v, n);
            errno = saved;
            return dsys(c, "stat the image's entries in");
        }
        v[w++] = v[i];
    }
    /* whiteouts: kept above to hide lower layers' names, now dropped */
    size_t k = 0;
    for (size_t i = 0; i < w; i++) {
        if (S_ISCHR(v[i].st.st_mode) && v[i].st.st_rdev == makedev(0, 0))
            free(v[i].name);
        else
            v[k++] = v[i];
    }
    *out = v;
    *nout = k;
    return 0;
}

/* The image's dirs merged at name, whose top is refs[k] (a dir): that one
 * and, below, each layer's name while it is a dir, up to an opaque one (as
 * sbc_layer_flatten applies them).  Opened, top first, into *out. */
static int merged_refs(struct dctx *c, const int *refs, int nrefs, int k, const char *name,
                       int **out)
{
    int *v = sbc_xcalloc((size_t)(nrefs - k), sizeof *v), n = 0;
    for (int j = k; j < nrefs; j++) {
        struct stat st;
        if (fstatat(refs[j], name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT)
                continue;
            goto fail;
        }
        if (!S_ISDIR(st.st_mode)) /* a whiteout or a file hides what is below */
            break;
        int fd = openat(refs[j], name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            goto fail;
        v[n++] = fd;
        char o[4];
        if ((fgetxattr(fd, OPAQUE_XATTR, o, sizeof o) == 1 || fgetxattr(fd, "user.overlay.opaque", o, sizeof o) == 1) &&
            o[0] == 'y')
            break;
    }
    *out = v;
    return n;
fail:;
    int saved = errno;
    for (int i = 0; i < n; i++)
        close(v[i]);
    free(v);
    errno = saved;
    return dsys(c, "open the image's");
}

static void close_refs(int *v, int n)
{
    for (int i = 0; i < n; i++)
        close(v[i]);
    free(v);
}

/* Do the metadata of the container's entry (cs, f->curfd/name) and the
 * image's (rs, rdfd/name) differ?  rx: the image's xattrs (for a dir:
 * merged over its layers).  1, 0, or -1 (e filled). */
static int differs(struct dctx *c, struct frame *f, const char *name, const struct stat *cs,
                   int rdfd, const struct stat *rs, struct xset *rx)
{
    if ((cs->st_mode & S_IFMT) != (rs->st_mode & S_IFMT) ||
        (cs->st_mode & 07777) != (rs->st_mode & 07777) || unshift(cs->st_uid, c->su, c->ss) != rs->st_uid ||
        unshift(cs->st_gid, c->sg, c->ss) != rs->st_gid)
        return 1;
    if ((S_ISCHR(cs->st_mode) || S_ISBLK(cs->st_mode)) && cs->st_rdev != rs->st_rdev)
        return 1;
    /* like Docker, not the size or mtime of a dir: they change with any
     * entry made and removed again, the entries themselves are compared */
    if (!S_ISDIR(cs->st_mode) &&
        (cs->st_size != rs->st_size || cs->st_mtim.tv_sec != rs->st_mtim.tv_sec ||
         cs->st_mtim.tv_nsec != rs->st_mtim.tv_nsec))
        return 1;
    if (S_ISLNK(cs->st_mode)) {
        char a[PATH_MAX], b[PATH_MAX];
        ssize_t na = readlinkat(f->curfd, name, a, sizeof a), nb = readlinkat(rdfd, name, b, sizeof b);
        if (na < 0 || nb < 0)
            return dsys(c, "readlink");
        if (na != nb || memcmp(a, b, (size_t)na))
            return 1;
    }
    struct xset cx = {0};
    if (xset_read(&cx, f->curfd, name) < 0) {
        xset_free(&cx);
        return dsys(c, "read the xattrs of");
    }
    int eq = xset_equal(&cx, rx);
    xset_free(&cx);
    return !eq;
}

static int walk(struct dctx *c, struct frame *f, const int *refs, int nrefs, int depth);

/* Go into the container's dir f->curfd/name (cs), compared with the image
 * dir merged from refs (none: all in it is new); emit: stage it even when
 * nothing below changed. */
static int descend(struct dctx *c, struct frame *f, const char *name, const struct stat *cs,
                   const int *refs, int nrefs, int emit, int depth)
{
    size_t np = strlen(c->path);
    if (np + 2 > sizeof c->path) {
        errno = ENAMETOOLONG;
        return dsys(c, "path");
    }
    struct frame ch = {.up = f, .name = name, .stagefd = -1, .st = *cs, .plen = np + 1};
    ch.curfd = openat(f->curfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (ch.curfd < 0)
        return dsys(c, "open");
    int rc = emit ? ensure(c, &ch) : 0;
    if (rc == 0) {
        c->path[np] = '/';
        c->path[np + 1] = 0;
        rc = walk(c, &ch, refs, nrefs, depth + 1);
        c->path[np] = 0;
    }
    /* its metadata once its entries are made (they change its mtime) */
    if (rc == 0 && ch.stagefd >= 0)
        rc = set_meta(c, f->stagefd, name, &ch.st, f->curfd);
    close(ch.curfd);
    if (ch.stagefd >= 0)
        close(ch.stagefd);
    return rc;
}

static int excluded(struct dctx *c)
{
    for (const char *const *x = c->exclude; x && *x; x++)
        if (!strcmp(*x, c->path))
            return 1;
    return 0;
}

/* One name that is in the container and the image (top layer r->layer). */
static int compare_entry(struct dctx *c, struct frame *f, const char *name, const struct stat *cs,
                         const int *refs, int nrefs, const struct rent *r, int depth)
{
    int rdfd = refs[r->layer], rc;
    struct xset rx = {0};
    if (S_ISDIR(cs->st_mode) && S_ISDIR(r->st.st_mode)) {
        int *sub = NULL, nsub = merged_refs(c, refs, nrefs, r->layer, name, &sub);
        if (nsub < 0)
            return -1;
        /* the dir's xattrs as flatten leaves them: every layer's, the
         * higher one's value winning */
        rc = 0;
        for (int i = nsub - 1; i >= 0 && rc == 0; i--)
            if (xset_read(&rx, sub[i], NULL) < 0)
                rc = dsys(c, "read the xattrs of the image's");
        int d = rc < 0 ? -1 : differs(c, f, name, cs, rdfd, &r->st, &rx);
        if (d > 0)
            c->nchanges++;
        rc = d < 0 ? -1 : descend(c, f, name, cs, sub, nsub, d, depth);
        close_refs(sub, nsub);
        xset_free(&rx);
        return rc;
    }
    /* flatten copies the xattrs of files (and dirs), not of other nodes */
    if (S_ISREG(r->st.st_mode) && xset_read(&rx, rdfd, name) < 0) {
        xset_free(&rx);
        return dsys(c, "read the xattrs of the image's");
    }
    int d = differs(c, f, name, cs, rdfd, &r->st, &rx);
    xset_free(&rx);
    if (d <= 0)
        return d;
    c->nchanges++;
    /* a changed type: a new dir holds only new entries */
    return S_ISDIR(cs->st_mode) ? descend(c, f, name, cs, NULL, 0, 1, depth)
                                : stage_node(c, f, name, cs);
}

/* Compare the container's dir f with the image's dir merged from refs (top
 * first; none: f is new) and stage the differences. */
static int walk(struct dctx *c, struct frame *f, const int *refs, int nrefs, int depth)
{
    if (depth > MAX_DEPTH) {
        errno = ELOOP;
        return dsys(c, "too deep:");
    }
    char **cur = NULL;
    size_t ncur = 0, nref = 0;
    struct rent *ref = NULL;
    if (sbc_dir_names(f->curfd, &cur, &ncur) < 0)
        return dsys(c, "list");
    if (nrefs && list_ref(c, refs, nrefs, &ref, &nref) < 0) {
        sbc_names_free(cur, ncur);
        return -1;
    }
    size_t plen = f->plen, i = 0, j = 0;
    int rc = 0;
    while (rc == 0 && (i < ncur || j < nref)) {
        int cmp = i >= ncur ? 1 : j >= nref ? -1 : strcmp(cur[i], ref[j].name);
        const char *name = cmp <= 0 ? cur[i] : ref[j].name;
        const struct rent *r = cmp >= 0 ? &ref[j] : NULL;
        if (cmp <= 0)
            i++;
        if (cmp >= 0)
            j++;
        size_t nl = strlen(name);
        if (plen + nl + 2 > sizeof c->path) {
            errno = ENAMETOOLONG;
            rc = dsys(c, "path below");
            break;
        }
        memcpy(c->path + plen, name, nl + 1);
        if (excluded(c))
            continue;
        struct stat cs;
        int have = 0;
        if (cmp <= 0) {
            if (fstatat(f->curfd, name, &cs, AT_SYMLINK_NOFOLLOW) == 0)
                have = !S_ISSOCK(cs.st_mode); /* a socket is in no layer */
            else if (errno != ENOENT) /* ENOENT: removed meanwhile */
                rc = dsys(c, "stat");
        }
        if (rc < 0)
            break;
        if (!have && !r)
            continue;
        if (!have) { /* deleted */
            c->nchanges++;
            rc = stage_whiteout(c, f, name);
        } else if (!r) { /* added */
            c->nchanges++;
            rc = S_ISDIR(cs.st_mode) ? descend(c, f, name, &cs, NULL, 0, 1, depth)
                                     : stage_node(c, f, name, &cs);
        } else {
            rc = compare_entry(c, f, name, &cs, refs, nrefs, r, depth);
        }
    }
    c->path[plen] = 0;
    sbc_names_free(cur, ncur);
    free_rents(ref, nref);
    return rc;
}

int sbc_fsdiff_stage(const char *cur, const char *const *ref, int nref, const char *stage,
                     const char *const *exclude, long *nchanges, sbc_err *e)
{
    return sbc_fsdiff_stage_shifted(cur, ref, nref, stage, exclude, 0, 0, 0, nchanges, e);
}

int sbc_fsdiff_stage_shifted(const char *cur, const char *const *ref, int nref, const char *stage,
                             const char *const *exclude, uint32_t shift_uid, uint32_t shift_gid,
                             uint32_t shift_size, long *nchanges, sbc_err *e)
{
    struct dctx c;
    memset(&c, 0, sizeof c);
    c.e = e;
    c.su = shift_uid, c.sg = shift_gid, c.ss = shift_size;
    c.exclude = exclude;
    struct frame root = {.stagefd = -1, .curfd = -1};
    int *refs = sbc_xcalloc((size_t)nref + 1, sizeof *refs), nopen = 0, rc = -1;
    c.stage_root = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c.stage_root < 0) {
        sbc_err_sys(e, "open %s", stage);
        goto out;
    }
    root.curfd = open(cur, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root.curfd < 0 || fstat(root.curfd, &root.st) < 0) {
        sbc_err_sys(e, "open %s", cur);
        goto out;
    }
    root.stagefd = c.stage_root;
    /* the walk holds a few fds per level of depth and per image layer
     * there: allow what the hard limit allows */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    /* top first */
    for (int i = nref - 1; i >= 0; i--, nopen++)
        if ((refs[nopen] = open(ref[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
            sbc_err_sys(e, "open %s", ref[i]);
            goto out;
        }
    rc = walk(&c, &root, refs, nopen, 0);
    if (rc < 0)
        sbc_err_wrap(e, "changes of %s", cur);
    else if (nchanges)
        *nchanges = c.nchanges;
out:
    for (int i = 0; i < nopen; i++)
        if (refs[i] >= 0)
            close(refs[i]);
    free(refs);
    if (root.curfd >= 0)
        close(root.curfd);
    if (c.stage_root >= 0)
        close(c.stage_root);
    sbc_links_free(&c.links);
    return rc;
}
