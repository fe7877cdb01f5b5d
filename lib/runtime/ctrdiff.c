/* ctrdiff.c - a container's changes against its image (see ctrdiff.h). */
#include "runtime/ctrdiff.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/io.h"
#include "image/fsdiff.h"
#include "image/imgbuild.h"
#include "runtime/commit.h"

static const char *const skip[] = {"etc/hostname", "etc/hosts", "etc/resolv.conf", NULL};

struct walk {
    const sbc_image *img;
    sbc_change *v;
    int n, cap;
};

static int whiteout(const struct stat *st)
{
    return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

/* Does the image have rel ("etc/x")?  Top layer first: a whiteout there
 * means it is gone. */
static int in_image(const sbc_image *img, const char *rel)
{
    struct stat st;
    for (int i = img->nlayers - 1; i >= 0; i--) {
        int dfd = open(img->layer_dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
        int r = dfd >= 0 ? fstatat(dfd, rel, &st, AT_SYMLINK_NOFOLLOW) : -1;
        if (dfd >= 0)
            close(dfd);
        if (r == 0)
            return !whiteout(&st);
    }
    return 0;
}

static void add(struct walk *w, char kind, const char *rel)
{
    if (w->n == w->cap)
        w->v = sbc_xrealloc(w->v, (size_t)(w->cap = w->cap ? w->cap * 2 : 64) * sizeof *w->v);
    w->v[w->n].kind = kind;
    w->v[w->n++].path = sbc_xasprintf("/%s", rel);
}

/* The entries of the dir dfd (rel below the root; "" for it); added: every
 * one is new. */
static int walk_dir(struct walk *w, int dfd, const char *rel, int added, int depth, sbc_err *e)
{
    if (depth > 512)
        return sbc_err_set(e, 0, "diff: %s: too deep", rel);
    char **names;
    size_t nn;
    if (sbc_dir_names(dfd, &names, &nn) < 0)
        return sbc_err_sys(e, "diff: read /%s", rel);
    int rc = 0;
    for (size_t i = 0; i < nn && rc == 0; i++) {
        char *r = *rel ? sbc_xasprintf("%s/%s", rel, names[i]) : sbc_xstrdup(names[i]);
        struct stat st;
        int keep = 1;
        for (int k = 0; skip[k]; k++)
            keep &= strcmp(r, skip[k]) != 0;
        if (keep && fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) == 0) {
            int isnew = added || !in_image(w->img, r);
            add(w, whiteout(&st) ? 'D' : isnew ? 'A' : 'C', r);
            int sub = S_ISDIR(st.st_mode) ? openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
            if (sub >= 0) {
                rc = walk_dir(w, sub, r, isnew, depth + 1, e);
                close(sub);
            }
        }
        free(r);
    }
    sbc_names_free(names, nn);
    return rc;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const sbc_change *)a)->path, ((const sbc_change *)b)->path);
}

/* btrfs, copy: the naive diff staged into a tmp dir (*stage, malloc'd) */
static int stage(sbc_store *s, const sbc_build_ctr *c, char **dir, sbc_err *e)
{
    *dir = sbc_xasprintf("%s/tmp/diff-XXXXXX", s->root);
    char *t = sbc_xasprintf("%s/tmp", s->root);
    int ok = sbc_mkdir_p(t, 0700, e) == 0;
    free(t);
    if (!ok)
        return -1;
    if (!mkdtemp(*dir))
        return sbc_err_sys(e, "mkdtemp %s", *dir);
    return sbc_fsdiff_stage_shifted(c->rootfs, (const char *const *)c->img.layer_dirs, c->img.nlayers, *dir, skip,
                                    c->shift_uid, c->shift_gid, c->shift_size, NULL, e);
}

int sbc_container_diff(sbc_store *s, const char *ref, sbc_change **out, int *n, sbc_err *e)
{
    *out = NULL;
    *n = 0;
    sbc_build_ctr c;
    int f = sbc_container_for_commit(s, ref, &c, e);
    if (f <= 0) {
        if (f == 0) {
            sbc_err_set(e, 0, "No such container: %s", ref);
            e->errnum = ENOENT;
        }
        return -1;
    }
    struct walk w = {.img = &c.img};
    char *tmp = NULL;
    int rc = strcmp(c.driver, "overlay") ? stage(s, &c, &tmp, e) : 0;
    int dfd = rc < 0 ? -1 : open(tmp ? tmp : c.upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        rc = walk_dir(&w, dfd, "", 0, 0, e);
        close(dfd);
    } else if (rc == 0 && errno != ENOENT) { /* (no upper dir: never started) */
        rc = sbc_err_sys(e, "diff: open %s", tmp ? tmp : c.upper);
    }
    if (tmp) {
        sbc_err ig = {0};
        sbc_rm_rf(AT_FDCWD, tmp, &ig);
        free(tmp);
    }
    sbc_build_ctr_free(&c);
    if (rc < 0) {
        sbc_changes_free(w.v, w.n);
        return -1;
    }
    if (w.n) /* (qsort wants an array, even of none) */
        qsort(w.v, (size_t)w.n, sizeof *w.v, by_path);
    *out = w.v;
    *n = w.n;
    return 0;
}

void sbc_changes_free(sbc_change *c, int n)
{
    for (int i = 0; i < n; i++)
        free(c[i].path);
    free(c);
}
