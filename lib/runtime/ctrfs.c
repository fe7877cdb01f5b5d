/* ctrfs.c - a container's root from the host, and copies confined to roots
 * (ctrfs.h has the rules). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/io.h"
#include "base/json.h"
#include "base/tar.h"
#include "image/rootfs.h"
#include "image/tarw.h"
#include "runtime/ctrfs.h"

/* ---- the root ---- */

static int root_stopped(sbc_ctrfs *f, sbc_err *e)
{
    const cJSON *cf = f->c.config;
    const char *drv = sbc_json_str(cf, "Driver");
    const cJSON *d = sbc_json_obj(sbc_json_obj(cf, "GraphDriver"), "Data");
    if (drv && !strcmp(drv, "overlay")) {
        const char *low = sbc_json_str(d, "LowerDir"), *up = sbc_json_str(d, "UpperDir"),
                   *wk = sbc_json_str(d, "WorkDir");
        if (!low || !up || !wk)
            return sbc_err_set(e, SBC_EXIT_FAIL, "container %s: no overlay dirs recorded", f->c.id);
        char *ls = sbc_xstrdup(low), *sv = NULL;
        const char *lower[128];
        int n = 0;
        for (char *p = strtok_r(ls, ":", &sv); p && n < 128; p = strtok_r(NULL, ":", &sv))
            lower[n++] = p;
        for (int i = 0; i < n / 2; i++) { /* recorded top first; the mount wants bottom first */
            const char *t = lower[i];
            lower[i] = lower[n - 1 - i];
            lower[n - 1 - i] = t;
        }
        f->root = sbc_rootfs_overlay_detached(lower, n, up, wk);
        free(ls);
        if (f->root < 0)
            return sbc_err_sys(e, "container %s: mount its overlay", f->c.id);
        return 0;
    }
    const char *rp = sbc_json_str(sbc_json_obj(cf, "Resources"), "Rootfs");
    if (!rp || (f->root = open(rp, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        return sbc_err_sys(e, "container %s: open its root", f->c.id);
    return 0;
}

int sbc_ctrfs_open(const char *store_root, const char *ref, sbc_ctrfs *f, sbc_err *e)
{
    memset(f, 0, sizeof *f);
    f->root = -1;
    f->c.lockfd = -1;
    if (sbc_container_open(store_root, ref, &f->c, e) < 0) {
        e->code = 1;
        return -1;
    }
    f->loaded = 1;
    const cJSON *un = sbc_json_obj(f->c.config, "Userns");
    if (un && !sbc_json_int(un, "SubSize", 0)) {
        f->uid = (uint32_t)sbc_json_int(un, "UidBase", 0);
        f->gid = (uint32_t)sbc_json_int(un, "GidBase", 0);
        f->size = (uint32_t)sbc_json_int(un, "Size", 0);
    } else if (un) {
        return sbc_err_set(e, SBC_EXIT_FAIL, "container %s: rootless with subordinate ids: not supported yet", ref);
    }
    if (sbc_container_refresh(&f->c) == 1) {
        char p[64];
        snprintf(p, sizeof p, "/proc/%d/root", (int)f->c.state.pid);
        f->root = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        /* (checked after the open: the root is that of the recorded init) */
        if (f->root >= 0 && sbc_proc_alive(f->c.state.pid, f->c.state.pid_start))
            return 0;
        if (f->root >= 0)
            close(f->root);
        f->root = -1;
        if (sbc_container_refresh(&f->c) == 1)
            return sbc_err_sys(e, "container %s: open /proc/%d/root", ref, (int)f->c.state.pid);
    }
    /* stopped: held under its lock, so that it does not start meanwhile */
    if (sbc_container_lock(&f->c, e) < 0)
        return -1;
    if (sbc_container_refresh(&f->c) == 1)
        return sbc_err_set(e, SBC_EXIT_FAIL, "container %s started meanwhile: try again", ref);
    return root_stopped(f, e);
}

void sbc_ctrfs_close(sbc_ctrfs *f)
{
    if (f->root >= 0)
        close(f->root);
    f->root = -1;
    if (f->loaded) {
        sbc_container_unlock(&f->c);
        sbc_container_free(&f->c);
    }
    f->loaded = 0;
}

/* ---- paths in a root ---- */

int sbc_in_root(int root, const char *path, int flags)
{
    struct open_how how = {.flags = (unsigned)flags | O_CLOEXEC,
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    int fd;
    do
        fd = (int)syscall(SYS_openat2, root, *path ? path : ".", &how, sizeof how);
    while (fd < 0 && errno == EAGAIN);
    return fd;
}

/* A path cut into its parent and last name; dot: it ended in "/." (the
 * contents of a dir), slash: in "/". */
struct cpath {
    char parent[PATH_MAX];
    char base[NAME_MAX + 1];
    int dot, slash;
};

static int split(const char *p, struct cpath *c, sbc_err *e)
{
    char b[PATH_MAX];
    size_t n = strlen(p);
    if (n >= sizeof b)
        return sbc_err_set(e, 1, "%.64s...: path too long", p);
    memcpy(b, p, n + 1);
    c->dot = c->slash = 0;
    if (!strcmp(b, ".") || (n >= 2 && !strcmp(b + n - 2, "/."))) {
        c->dot = 1;
        b[--n] = 0;
    }
    while (n > 0 && b[n - 1] == '/') {
        c->slash = 1;
        b[--n] = 0;
    }
    char *s = strrchr(b, '/');
    const char *base = s ? s + 1 : b;
    if (!*base)
        base = ".";
    if (strlen(base) > NAME_MAX || !strcmp(base, ".."))
        return sbc_err_set(e, 1, "%s: not a usable path (name too long or \"..\")", p);
    snprintf(c->base, sizeof c->base, "%s", base);
    if (s)
        *s = 0;
    snprintf(c->parent, sizeof c->parent, "%s", s ? (*b ? b : "/") : ".");
    if (!n)
        snprintf(c->parent, sizeof c->parent, "/");
    return 0;
}

/* " in container NAME" or " on the host" */
static const char *where(const sbc_cp_end *x, char *b, size_t n)
{
    snprintf(b, n, x->name ? " in container %s" : " on the host", x->name);
    return b;
}

static int no_path(sbc_err *e, const sbc_cp_end *x, const char *p)
{
    int en = errno;
    char w[160];
    sbc_err_set(e, 1, "Could not find the file %s%s: %s", p, where(x, w, sizeof w), strerror(en));
    e->errnum = en;
    return -1;
}

static int not_dir(sbc_err *e, const sbc_cp_end *x, const char *p)
{
    char w[160];
    return sbc_err_set(e, 1, "%s%s: not a directory", p, where(x, w, sizeof w));
}

/* The source: its parent dir (*pfd), name and stat; with follow (or a
 * trailing "/" or "/."), a symlink is followed in the root. */
static int src_open(const sbc_cp_end *s, int follow, struct cpath *c, int *pfd, struct stat *st,
                    sbc_err *e)
{
    if (split(s->path, c, e) < 0)
        return -1;
    int dot = c->dot, slash = c->slash;
    for (int hops = 0;; hops++) {
        if ((*pfd = sbc_in_root(s->root, c->parent, O_PATH | O_DIRECTORY)) < 0)
            return no_path(e, s, s->path);
        if (fstatat(*pfd, c->base, st, AT_SYMLINK_NOFOLLOW) < 0)
            break;
        if (!S_ISLNK(st->st_mode) || !(follow || dot || slash)) {
            if (!(dot || slash) || S_ISDIR(st->st_mode))
                return 0;
            close(*pfd);
            return not_dir(e, s, s->path);
        }
        char t[PATH_MAX], np[2 * PATH_MAX + 1];
        ssize_t n = hops < 40 ? readlinkat(*pfd, c->base, t, sizeof t - 1) : (errno = ELOOP, -1);
        if (n < 0)
            break;
        t[n] = 0;
        close(*pfd);
        snprintf(np, sizeof np, "%s%s%s%s", t[0] == '/' ? "" : c->parent, t[0] == '/' ? "" : "/", t,
                 dot ? "/." : "");
        if (split(np, c, e) < 0)
            return -1;
    }
    int en = errno;
    close(*pfd);
    errno = en;
    return no_path(e, s, s->path);
}

/* ---- writing a tar into a dir ---- */

struct ux {
    sbc_tar_reader *a;
    int dir;
    const sbc_cp_end *to; /* (its id map) */
    const sbc_cp_opts *o;
    sbc_err *e;
    /* the dirs made or updated, whose mtimes are set at the end (their
     * entries change them on the way, as tar does it) */
    char **dnames;
    long long *dtimes;
    size_t nd, dcap;
};

static void ux_dir_later(struct ux *u, const char *name, long long mtime)
{
    if (u->nd == u->dcap) {
        u->dcap = u->dcap ? u->dcap * 2 : 16;
        u->dnames = sbc_xrealloc(u->dnames, u->dcap * sizeof *u->dnames);
        u->dtimes = sbc_xrealloc(u->dtimes, u->dcap * sizeof *u->dtimes);
    }
    u->dnames[u->nd] = sbc_xstrdup(name);
    u->dtimes[u->nd++] = mtime;
}

/* The dirs' mtimes, each resolved in the root again (never followed out). */
static void ux_dir_times(struct ux *u)
{
    for (size_t i = 0; i < u->nd; i++) {
        int fd = sbc_in_root(u->dir, u->dnames[i], O_PATH | O_DIRECTORY);
        if (fd >= 0) {
            char p[64];
            snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
            struct timespec ts[2] = {{(time_t)u->dtimes[i], 0}, {(time_t)u->dtimes[i], 0}};
            utimensat(AT_FDCWD, p, ts, 0);
            close(fd);
        }
        free(u->dnames[i]);
    }
    free(u->dnames);
    free(u->dtimes);
}

/* A tar name made relative and clean: no "", "." or ".." parts. */
static int clean_name(const char *in, char *out, size_t n)
{
    size_t o = 0;
    while (*in) {
        while (*in == '/')
            in++;
        const char *end = strchrnul(in, '/');
        size_t l = (size_t)(end - in);
        if (l == 2 && !strncmp(in, "..", 2))
            return -1;
        if (l && !(l == 1 && *in == '.')) {
            if (o + l + 2 > n)
                return -1;
            if (o)
                out[o++] = '/';
            memcpy(out + o, in, l);
            o += l;
        }
        in = end;
    }
    out[o] = 0;
    return 0;
}

/* The dirs of the clean name (all of it) made 0755 where missing, each in
 * its parent resolved in the root dir: an archive may name a file before
 * (or without) its dirs, as tar and Docker accept. */
static int ux_mkparents(int dir, char *name)
{
    for (char *c = name;; c++) {
        char k = *c;
        if (k && k != '/')
            continue;
        *c = 0;
        char *sl = strrchr(name, '/');
        if (sl)
            *sl = 0;
        int pfd = sbc_in_root(dir, sl ? name : ".", O_PATH | O_DIRECTORY), rc = -1;
        if (sl)
            *sl = '/';
        if (pfd >= 0) {
            rc = mkdirat(pfd, sl ? sl + 1 : name, 0755) < 0 && errno != EEXIST ? -1 : 0;
            close(pfd);
        }
        *c = k;
        if (rc < 0 || !k)
            return rc;
    }
}

/* Parent dir fd (in the root u->dir) and last name of a clean name. */
static int ux_parent(struct ux *u, char *name, const char **base)
{
    char *s = strrchr(name, '/');
    if (!s) {
        *base = name;
        return fcntl(u->dir, F_DUPFD_CLOEXEC, 0);
    }
    *s = 0;
    *base = s + 1;
    int fd = sbc_in_root(u->dir, name, O_PATH | O_DIRECTORY);
    if (fd < 0 && errno == ENOENT && ux_mkparents(u->dir, name) == 0)
        fd = sbc_in_root(u->dir, name, O_PATH | O_DIRECTORY);
    *s = '/';
    return fd;
}

static int ux_file(struct ux *u, const sbc_tar_entry *en, int pfd, const char *base)
{
    const char *hl = en->type == SBC_TAR_HARDLINK ? en->linkpath : NULL;
    if (hl) {
        char tn[PATH_MAX];
        const char *tb;
        if (clean_name(hl, tn, sizeof tn) < 0 || !*tn)
            return errno = EINVAL, -1;
        int tp = ux_parent(u, tn, &tb);
        if (tp < 0)
            return -1;
        int rc = linkat(tp, tb, pfd, base, 0);
        close(tp);
        return rc;
    }
    int fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    ssize_t n;
    sbc_err re = {0};
    const void *p;
    while ((n = sbc_tar_data(u->a, &p, SIZE_MAX, &re)) > 0)
        if (sbc_write_full(fd, p, (size_t)n) < 0)
            break;
    int rc = n == 0 ? 0 : -1;
    if (n < 0)
        errno = re.errnum ? re.errnum : EIO;
    return close(fd) < 0 && rc == 0 ? -1 : rc;
}

/* Owner, mode and mtime of the entry just made (never through a symlink). */
static int ux_meta(struct ux *u, const sbc_tar_entry *en, int pfd, const char *base)
{
    uid_t uid = u->o->archive ? (uid_t)en->uid : u->o->uid;
    gid_t gid = u->o->archive ? (gid_t)en->gid : u->o->gid;
    if (uid < u->to->size)
        uid += u->to->uid;
    if (gid < u->to->size)
        gid += u->to->gid;
    if (fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && (errno != EPERM || geteuid() == 0))
        return -1;
    struct timespec ts[2] = {{(time_t)en->mtime, 0}, {(time_t)en->mtime, 0}};
    if (en->type == SBC_TAR_SYMLINK)
        return utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW);
    int fd = openat(pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    int rc = chmod(p, en->mode & (u->o->nosuid ? 01777 : 07777));
    if (rc == 0 && en->type != SBC_TAR_DIR)
        rc = utimensat(AT_FDCWD, p, ts, 0);
    close(fd);
    return rc;
}

static int ux_make(struct ux *u, const sbc_tar_entry *en, int pfd, const char *base)
{
    struct stat st;
    int have = fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
    int ft = en->type;
    if (have && S_ISDIR(st.st_mode) && ft != SBC_TAR_DIR)
        return errno = EISDIR, -1;
    if (have && !S_ISDIR(st.st_mode) && unlinkat(pfd, base, 0) < 0)
        return -1;
    switch (ft) {
    case SBC_TAR_DIR:
        return have && S_ISDIR(st.st_mode) ? 0 : mkdirat(pfd, base, 0700);
    case SBC_TAR_REG:
    case SBC_TAR_HARDLINK:
        return ux_file(u, en, pfd, base);
    case SBC_TAR_SYMLINK:
        return symlinkat(en->linkpath, pfd, base);
    case SBC_TAR_FIFO:
        return mkfifoat(pfd, base, 0600);
    }
    return 1; /* devices, sockets: not copied */
}

static int ux_entry(struct ux *u, const sbc_tar_entry *en)
{
    char name[PATH_MAX];
    const char *path = en->path, *base;
    if (clean_name(path, name, sizeof name) < 0)
        return sbc_err_set(u->e, 1, "entry %s: a name that leaves the destination", path);
    if (!*name)
        return 0; /* the destination itself */
    int pfd = ux_parent(u, name, &base);
    if (pfd < 0)
        return sbc_err_sys(u->e, "entry %s", name);
    int rc = ux_make(u, en, pfd, base);
    if (rc == 0 && en->type != SBC_TAR_HARDLINK)
        rc = ux_meta(u, en, pfd, base);
    if (rc == 0 && en->type == SBC_TAR_DIR)
        ux_dir_later(u, name, en->mtime);
    close(pfd);
    return rc < 0 ? sbc_err_sys(u->e, "entry %s", name) : 0;
}

static int untar_reader(int dir, const sbc_cp_end *to, sbc_tar_reader *a, const sbc_cp_opts *o,
                        sbc_err *e)
{
    struct ux *u = sbc_xcalloc(1, sizeof *u);
    u->dir = dir, u->to = to, u->o = o, u->e = e;
    u->a = a;
    int rc = 0, r;
    sbc_tar_entry *en;
    while (rc == 0 && (r = sbc_tar_next(u->a, &en, e)) != 0) {
        if (r < 0) {
            sbc_err_wrap(e, "tar");
            e->code = 1;
            rc = -1;
        } else {
            rc = ux_entry(u, en);
        }
    }
    ux_dir_times(u);
    free(u);
    return rc;
}

static int untar(int dir, const sbc_cp_end *to, int in_fd, const sbc_cp_opts *o, sbc_err *e)
{
    sbc_tar_reader *a = sbc_tar_reader_fd(in_fd);
    int rc = untar_reader(dir, to, a, o, e);
    sbc_tar_reader_free(a);
    return rc;
}

int sbc_cp_untar(int dir, sbc_tar_reader *a, const sbc_cp_opts *o, sbc_err *e)
{
    static const sbc_cp_end none = {.root = -1};
    return untar_reader(dir, &none, a, o, e);
}

/* ---- the copies ---- */

static void tar_opts(sbc_tarw_opts *t, const sbc_cp_end *from)
{
    sbc_tarw_opts_init(t);
    t->shift_uid = from->uid;
    t->shift_gid = from->gid;
    t->shift_size = from->size;
    t->compression = SBC_COMP_NONE;
    t->plain = 1;
    t->mtime = -1;
}

int sbc_cp_tar_out(const sbc_cp_end *src, const sbc_cp_opts *o, int out_fd, sbc_err *e)
{
    struct cpath c;
    struct stat st;
    int pfd;
    if (src_open(src, o->follow, &c, &pfd, &st, e) < 0)
        return -1;
    struct cpath orig;
    split(src->path, &orig, e);
    sbc_tarw_opts t;
    tar_opts(&t, src);
    int rc = sbc_tarw_entry(pfd, c.base, c.dot ? "." : orig.base, out_fd, &t, e);
    close(pfd);
    return rc;
}

int sbc_cp_tar_in(const sbc_cp_end *dst, const sbc_cp_opts *o, int in_fd, sbc_err *e)
{
    int d = sbc_in_root(dst->root, dst->path, O_PATH | O_DIRECTORY);
    if (d < 0)
        return errno == ENOTDIR ? not_dir(e, dst, dst->path) : no_path(e, dst, dst->path);
    int rc = untar(d, dst, in_fd, o, e);
    close(d);
    return rc;
}

/* Where a copy goes: the dir (*dfd) and the name the source gets in it. */
static int dst_plan(const sbc_cp_end *d, int src_dir, const char *as, int *dfd, char *name,
                    sbc_err *e)
{
    struct cpath c;
    char w[160];
    if (split(d->path, &c, e) < 0)
        return -1;
    struct stat st;
    int fd = sbc_in_root(d->root, d->path, O_PATH);
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        *dfd = fd;
        snprintf(name, NAME_MAX + 1, "%s", as);
        return 0;
    }
    if (fd >= 0) {
        close(fd);
        if (src_dir)
            return sbc_err_set(e, 1, "cannot copy a directory to a file: %s%s", d->path, where(d, w, sizeof w));
        if (c.slash || c.dot)
            return not_dir(e, d, d->path);
    } else if (errno != ENOENT) {
        return no_path(e, d, d->path);
    } else if ((c.slash || c.dot) && !src_dir) {
        return sbc_err_set(e, 1, "destination directory %s%s does not exist", d->path, where(d, w, sizeof w));
    }
    if ((*dfd = sbc_in_root(d->root, c.parent, O_PATH | O_DIRECTORY)) < 0)
        return no_path(e, d, c.parent);
    snprintf(name, NAME_MAX + 1, "%s", c.base);
    return 0;
}

int sbc_cp(const sbc_cp_end *src, const sbc_cp_end *dst, const sbc_cp_opts *o, sbc_err *e)
{
    struct cpath c, orig;
    struct stat st;
    int pfd, dfd = -1, p[2];
    char name[NAME_MAX + 1];
    if (src_open(src, o->follow, &c, &pfd, &st, e) < 0)
        return -1;
    split(src->path, &orig, e);
    if (dst_plan(dst, S_ISDIR(st.st_mode), c.dot ? "." : orig.base, &dfd, name, e) < 0)
        return close(pfd), -1;
    sbc_err *ce = mmap(NULL, sizeof *ce, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (ce == MAP_FAILED || pipe2(p, O_CLOEXEC) < 0)
        return close(pfd), close(dfd), sbc_err_sys(e, "pipe");
    memset(ce, 0, sizeof *ce);
    pid_t pid = fork();
    if (pid == 0) { /* the reader: the source as a tar into the pipe */
        close(p[0]);
        sbc_tarw_opts t;
        tar_opts(&t, src);
        _exit(sbc_tarw_entry(pfd, c.base, name, p[1], &t, ce) < 0);
    }
    close(p[1]);
    close(pfd);
    int rc = pid < 0 ? sbc_err_sys(e, "fork") : untar(dfd, dst, p[0], o, e), st2 = 0;
    close(p[0]);
    close(dfd);
    /* (the extraction's own error first: the reader's is then a broken pipe) */
    if (pid > 0 && (waitpid(pid, &st2, 0) < 0 || st2 != 0) && rc == 0) {
        if (ce->msg[0])
            *e = *ce;
        else
            sbc_err_set(e, SBC_EXIT_FAIL, "copy %s: the reader failed", src->path);
        rc = -1;
    }
    munmap(ce, sizeof *ce);
    return rc;
}
