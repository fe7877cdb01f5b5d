/* spawn.c - the spawn engine (see spawn.h).
 *
 * Parent and child talk over a SOCK_SEQPACKET pair: the parent sends one
 * byte when the child may go on; the child may send the pty master
 * (SCM_RIGHTS) and, on failure, one error message.  Its end is O_CLOEXEC,
 * so end-of-file means the command was exec'd.
 */
#include "runtime/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <linux/nsfs.h>

#include "runtime/caps.h"
#include "runtime/cgroup.h"
#include "runtime/confine.h"
#include "runtime/hooks.h"
#include "runtime/devices.h"
#include "runtime/exeseal.h"
#include "runtime/user.h"
#include "runtime/userns.h"
#include "base/config.h"
#include "base/io.h"
#include "image/rootfs.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

enum { MSG_PID = 1, MSG_ERR = 2, MSG_PTY = 3, MSG_USERNS = 4, MSG_PARKED = 5, MSG_ROOT = 6 };
struct msg {
    int kind, code, pid, errnum;
    char text[480];
};

/* ---- child side ------------------------------------------------------ */

static int recv_msg(int sock, struct msg *m, int *fd);

static void send_msg(int sock, const struct msg *m, int fd)
{
    struct iovec iov = {(void *)m, sizeof *m};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fd >= 0) {
        mh.msg_control = u.buf;
        mh.msg_controllen = sizeof u.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR)
        ;
}

static _Noreturn void child_fail(int sock, const sbc_err *e)
{
    struct msg m = {.kind = MSG_ERR, .code = e->code ? e->code : SBC_EXIT_FAIL, .errnum = e->errnum};
    snprintf(m.text, sizeof m.text, "%s", e->msg);
    send_msg(sock, &m, -1);
    _exit(m.code);
}

static int openat2_in(int rootfd, const char *rel, int flags)
{
    struct open_how how = {.flags = (unsigned)flags | O_CLOEXEC,
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    int fd;
    do
        fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
    while (fd < 0 && errno == EAGAIN);
    return fd;
}

/* Make name in the directory pfd: a file when like (a host path) is not a
 * directory, else a directory.  0 when made or already there. */
static int make_leaf(int pfd, const char *name, const char *like)
{
    struct stat st;
    int rc;
    if (like && stat(like, &st) == 0 && !S_ISDIR(st.st_mode)) {
        rc = openat(pfd, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (rc >= 0)
            rc = close(rc);
    } else {
        rc = mkdirat(pfd, name, 0755);
    }
    return rc < 0 && errno != EEXIST ? -1 : 0;
}

/* O_PATH fd of path inside rootfd, every symlink resolved as if rootfd were
 * "/"; missing components are made: directories, and the last one like the
 * host path like (see make_leaf; NULL: a directory). */
static int resolve_in_root(int rootfd, const char *path, const char *like, sbc_err *e)
{
    char rel[PATH_MAX];
    while (*path == '/')
        path++;
    snprintf(rel, sizeof rel, "%s", *path ? path : ".");
    int fd = openat2_in(rootfd, rel, O_PATH);
    if (fd >= 0 || errno != ENOENT)
        return fd >= 0 ? fd : sbc_err_sys(e, "resolve /%s in the container", rel);
    /* the common miss: only the last component is missing */
    char *last = strrchr(rel, '/');
    if (last) {
        *last = 0;
        int pfd = openat2_in(rootfd, rel, O_PATH | O_DIRECTORY);
        *last = '/';
        if (pfd >= 0) {
            int rc = make_leaf(pfd, last + 1, like);
            close(pfd);
            if (rc < 0)
                return sbc_err_sys(e, "create /%s in the container", rel);
            fd = openat2_in(rootfd, rel, O_PATH);
            return fd >= 0 ? fd : sbc_err_sys(e, "resolve /%s in the container", rel);
        }
    }
    size_t len = strlen(rel);
    for (size_t i = 0; i <= len; i++) {
        if (rel[i] != '/' && rel[i] != 0)
            continue;
        char save = rel[i];
        rel[i] = 0;
        fd = openat2_in(rootfd, rel, O_PATH);
        if (fd < 0 && errno == ENOENT) {
            char *slash = strrchr(rel, '/');
            const char *name = slash ? slash + 1 : rel;
            int pfd = rootfd;
            if (slash) {
                *slash = 0;
                pfd = openat2_in(rootfd, rel, O_PATH | O_DIRECTORY);
                *slash = '/';
                if (pfd < 0) {
                    rel[i] = save;
                    return sbc_err_sys(e, "resolve /%s in the container", rel);
                }
            }
            int rc = make_leaf(pfd, name, save == 0 ? like : NULL);
            if (pfd != rootfd)
                close(pfd);
            if (rc < 0) {
                rel[i] = save;
                return sbc_err_sys(e, "create /%s in the container", rel);
            }
            fd = openat2_in(rootfd, rel, O_PATH);
        }
        rel[i] = save;
        if (fd < 0)
            return sbc_err_sys(e, "resolve /%s in the container", rel);
        if (save)
            close(fd);
    }
    return fd;
}

static char *fdpath(int fd, char *buf, size_t n)
{
    snprintf(buf, n, "/proc/self/fd/%d", fd);
    return buf;
}

static unsigned long vfs_flags(const char *path)
{
    struct statvfs sv;
    unsigned long f = 0;
    if (statvfs(path, &sv) == 0) {
        if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
        if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
        if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
    }
    return f;
}

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#define SYS_move_mount 429
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
struct sbc_mount_attr {
    uint64_t attr_set, attr_clr, propagation, userns_fd;
};

/* A bind's flags as mount_setattr takes them. */
static struct sbc_mount_attr bind_attr(const sbc_mount *m)
{
    struct sbc_mount_attr a = {0};
    if (m->ro)
        a.attr_set |= MOUNT_ATTR_RDONLY;
    if (m->flags & MS_NOSUID)
        a.attr_set |= MOUNT_ATTR_NOSUID;
    if (m->flags & MS_NODEV)
        a.attr_set |= MOUNT_ATTR_NODEV;
    if (m->flags & MS_NOEXEC)
        a.attr_set |= MOUNT_ATTR_NOEXEC;
    return a;
}

/* Attach the detached mount tree tree on the O_PATH fd dest (no path is
 * resolved again); closes tree. */
static int attach_tree(int tree, int dest)
{
    int rc = (int)syscall(SYS_move_mount, tree, "", dest, "",
                          MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
    int err = errno;
    close(tree);
    errno = err;
    return rc;
}

/* A bind mount made atomic: the source tree is cloned detached
 * (open_tree), made read-only / nosuid / nodev / noexec as a whole,
 * submounts included (mount_setattr AT_RECURSIVE), and only then attached
 * onto the destination's fd.  So no window where it is writable, no
 * second lookup of the destination, and a :ro volume's submounts are
 * read-only too.  1: the kernel lacks the calls (the caller falls back),
 * 0 done, -1 error (errno). */
static int bind_by_fd(const sbc_mount *m, int dest)
{
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | ((m->flags & MS_REC) ? AT_RECURSIVE : 0);
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, m->source, flags);
    if (tree < 0)
        return errno == ENOSYS ? 1 : -1;
    struct sbc_mount_attr a = bind_attr(m);
    if (a.attr_set &&
        syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0) {
        int err = errno;
        close(tree);
        errno = err;
        return err == ENOSYS ? 1 : -1;
    }
    return attach_tree(tree, dest);
}

/* The bind trees of a container in a user namespace: made by the parent
 * (host paths are not the container root's to walk), attached here. */
static int *bind_trees;
static const sbc_mount *bind_mounts_base;

static int is_cgroup(const sbc_mount *m)
{
    return !m->bind && m->type && !strcmp(m->type, "cgroup");
}

/* OCI's "cgroup" mount: the container's own cgroups, after its cgroup
 * namespace exists (then each hierarchy's root is the container's cgroup).
 * v2: a cgroup2 mount; v1 and hybrid: a tmpfs with a mount of each
 * hierarchy of /proc/self/cgroup (co-mounted ones once, with links), as
 * runc does; read-only when the mount says ro. */
static int resolve_in_root(int rootfd, const char *path, const char *like, sbc_err *e);
static int mount_cgroup(int rootfd, int fd, const sbc_mount *m, sbc_err *e)
{
    char p[64], d[PATH_MAX];
    unsigned long fl = (m->flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME)) | (m->flags & MS_RDONLY);
    fdpath(fd, p, sizeof p);
    if (sbc_cgroup_mode() == SBC_CG_V2)
        return mount("cgroup2", p, "cgroup2", fl, NULL) < 0 ? sbc_err_sys(e, "mount cgroup2 on %s", m->dest) : 0;
    if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
        return sbc_err_sys(e, "mount a tmpfs on %s", m->dest);
    int tfd = resolve_in_root(rootfd, m->dest, NULL, e); /* the tmpfs */
    if (tfd < 0)
        return -1;
    fdpath(tfd, p, sizeof p);
    char *self = sbc_read_file(AT_FDCWD, "/proc/self/cgroup", 1 << 16, NULL, e);
    if (!self)
        return -1;
    int rc = 0;
    for (char *l = strtok(self, "\n"); l && rc == 0; l = strtok(NULL, "\n")) {
        char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = 0;
        const char *ctrls = c1 + 1, *type = *ctrls ? "cgroup" : "cgroup2";
        char name[128], data[160];
        snprintf(name, sizeof name, "%s", !*ctrls ? "unified" : !strncmp(ctrls, "name=", 5) ? ctrls + 5 : ctrls);
        snprintf(data, sizeof data, "%s%s", !strncmp(ctrls, "name=", 5) ? "none," : "", ctrls);
        snprintf(d, sizeof d, "%s/%s", p, name);
        if (mkdir(d, 0755) < 0 && errno != EEXIST) {
            rc = sbc_err_sys(e, "mkdir %s/%s", m->dest, name);
            break;
        }
        if (mount("cgroup", d, type, fl & ~MS_RDONLY, *ctrls ? data : NULL) < 0) {
            rc = sbc_err_sys(e, "mount the %s cgroup on %s/%s", name, m->dest, name);
            break;
        }
        /* without a cgroup namespace the mount shows the whole hierarchy:
         * the container's own cgroup goes on top, as runc binds it */
        const char *own = c2 + 1;
        if (strcmp(own, "/")) {
            char sub[PATH_MAX];
            snprintf(sub, sizeof sub, "%s%s", d, own);
            if (mount(sub, d, NULL, MS_BIND, NULL) < 0) {
                rc = sbc_err_sys(e, "bind the container's %s cgroup on %s/%s", name, m->dest, name);
                break;
            }
        }
        if (fl & MS_RDONLY)
            mount(NULL, d, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | (fl & ~MS_RDONLY), NULL);
        if (strchr(name, ',')) /* cpu,cpuacct: cpu -> cpu,cpuacct */
            for (char *t = name, *c; t; t = c ? c + 1 : NULL) {
                char ln[PATH_MAX];
                if ((c = strchr(t, ',')))
                    *c = 0;
                snprintf(ln, sizeof ln, "%s/%s", p, t);
                if (symlink(strrchr(d, '/') + 1, ln) < 0 && errno != EEXIST)
                    rc = sbc_err_sys(e, "link %s/%s", m->dest, t);
            }
    }
    free(self);
    if (rc == 0 && (fl & MS_RDONLY) && mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        rc = sbc_err_sys(e, "make %s read-only", m->dest);
    close(tfd);
    return rc;
}

static int do_mount1(int rootfd, const sbc_mount *m, sbc_err *e);

/* A mount, then its propagation when it has one (a separate mount(2)). */
static int do_mount(int rootfd, const sbc_mount *m, sbc_err *e)
{
    if (do_mount1(rootfd, m, e) < 0)
        return -1;
    if (!m->prop)
        return 0;
    char p[64];
    int fd = resolve_in_root(rootfd, m->dest, NULL, e);
    if (fd < 0)
        return -1;
    int rc = mount(NULL, fdpath(fd, p, sizeof p), NULL, m->prop, NULL);
    close(fd);
    return rc < 0 ? sbc_err_sys(e, "set the propagation of %s", m->dest) : 0;
}

static int do_mount1(int rootfd, const sbc_mount *m, sbc_err *e)
{
    char p[64];
    int tree = bind_trees && m->bind ? bind_trees[m - bind_mounts_base] : -1;
    char like[40];
    if (tree >= 0)
        snprintf(like, sizeof like, "/proc/self/fd/%d", tree);
    int fd = resolve_in_root(rootfd, m->dest, m->bind ? (tree >= 0 ? like : m->source) : NULL, e);
    if (fd < 0)
        return -1;
    int rc;
    if (tree >= 0) {
        bind_trees[m - bind_mounts_base] = -1;
        rc = attach_tree(tree, fd); /* closes tree */
        close(fd);
        return rc < 0 ? sbc_err_sys(e, "bind %s on %s", m->source, m->dest) : 0;
    }
    if (is_cgroup(m)) {
        rc = mount_cgroup(rootfd, fd, m, e);
        close(fd);
        return rc;
    }
    if (m->bind) {
        int r = bind_by_fd(m, fd);
        if (r >= 0) {
            close(fd);
            return r == 0 ? 0 : sbc_err_sys(e, "bind %s on %s", m->source, m->dest);
        }
        rc = mount(m->source, fdpath(fd, p, sizeof p), NULL, MS_BIND | (m->flags & MS_REC), NULL);
    } else {
        rc = mount(m->source ? m->source : m->type, fdpath(fd, p, sizeof p), m->type,
                   m->flags, m->data);
        if (rc < 0 && errno == EPERM && !strcmp(m->type, "sysfs")) {
            /* a sysfs of the host's netns cannot be mounted again: bind it */
            rc = mount("/sys", p, NULL, MS_BIND | MS_REC, NULL);
            if (rc == 0) {
                close(fd);
                fd = resolve_in_root(rootfd, m->dest, NULL, e);
                if (fd < 0)
                    return -1;
                rc = mount(NULL, fdpath(fd, p, sizeof p), NULL,
                           MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
            }
        }
        if (rc < 0 && !strcmp(m->type, "mqueue")) /* optional */
            rc = 0;
    }
    close(fd);
    if (rc < 0)
        return sbc_err_sys(e, "mount %s on %s", m->source ? m->source : m->type, m->dest);
    if (m->bind && (m->ro || (m->flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC)))) {
        /* the flags apply to the new mount: open it again */
        fd = resolve_in_root(rootfd, m->dest, NULL, e);
        if (fd < 0)
            return -1;
        unsigned long f = MS_BIND | MS_REMOUNT | (m->flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC));
        if (m->ro)
            f |= MS_RDONLY;
        f |= vfs_flags(fdpath(fd, p, sizeof p));
        rc = mount(NULL, p, NULL, f, NULL);
        close(fd);
        if (rc < 0)
            return sbc_err_sys(e, "remount %s read-only", m->dest);
    }
    return 0;
}

static int is_dev_tmpfs(const sbc_mount *m)
{
    return !m->bind && m->type && !strcmp(m->type, "tmpfs") && !strcmp(m->dest, "/dev");
}

/* Right after the tmpfs on /dev: its nodes, links, and the mount points of
 * pts, mqueue and shm (so their mounts find them at the first lookup). */
static int make_dev(int rootfd, int userns, sbc_err *e)
{
    static const struct { const char *name; int maj, min; } devs[] = {
        {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7},
        {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
    };
    static const struct { const char *name, *target; } links[] = {
        {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
        {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"}, {"core", "/proc/kcore"},
    };
    int dfd = openat2_in(rootfd, "dev", O_DIRECTORY | O_RDONLY);
    if (dfd < 0)
        return sbc_err_sys(e, "open /dev of the container");
    static const char *const dirs[] = {"pts", "mqueue", "shm"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        if (mkdirat(dfd, dirs[i], 0755) < 0 && errno != EEXIST) {
            close(dfd);
            return sbc_err_sys(e, "mkdir /dev/%s", dirs[i]);
        }
    mode_t old = umask(0);
    for (size_t i = 0; i < sizeof devs / sizeof devs[0] && userns; i++) {
        /* no mknod in a user namespace: the host's nodes, bound (podman's way) */
        char host[32];
        snprintf(host, sizeof host, "/dev/%s", devs[i].name);
        int f = openat(dfd, devs[i].name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0666);
        int t = f < 0 ? -1 : (int)syscall(SYS_open_tree, AT_FDCWD, host, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (t < 0 || attach_tree(t, f) < 0) {
            umask(old);
            close(dfd);
            return sbc_err_sys(e, "bind /dev/%s", devs[i].name);
        }
        close(f);
    }
    for (size_t i = 0; i < sizeof devs / sizeof devs[0] && !userns; i++)
        if (mknodat(dfd, devs[i].name, S_IFCHR | 0666, makedev(devs[i].maj, devs[i].min)) < 0 &&
            errno != EEXIST) {
            umask(old);
            close(dfd);
            return sbc_err_sys(e, "mknod /dev/%s", devs[i].name);
        }
    umask(old);
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
        if (symlinkat(links[i].target, dfd, links[i].name) < 0 && errno != EEXIST) {
            close(dfd);
            return sbc_err_sys(e, "symlink /dev/%s", links[i].name);
        }
    close(dfd);
    return 0;
}

/* Where a masked or read-only path is handled.  Paths in the container's
 * own /proc and /sys are done before pivot_root, while the parent still
 * works (through the mount's fd: the walk below it stays in the kernel file
 * system, no symlink of the image is followed); any other path after it. */
typedef struct kfs {
    int fd[2]; /* the container's /proc and /sys mounts, or -1 */
} kfs;

static int kfs_fd(kfs *k, int rootfd, const char *p, const char **rest)
{
    static const char *const top[] = {"proc", "sys"};
    static const long magic[] = {PROC_SUPER_MAGIC, SYSFS_MAGIC};
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(top[i]);
        if (p[0] != '/' || strncmp(p + 1, top[i], n) || p[n + 1] != '/')
            continue;
        if (k->fd[i] == -1) {
            struct statfs sf;
            k->fd[i] = openat2_in(rootfd, top[i], O_PATH | O_DIRECTORY);
            if (k->fd[i] >= 0 && (fstatfs(k->fd[i], &sf) < 0 || (long)sf.f_type != magic[i])) {
                close(k->fd[i]);
                k->fd[i] = -2; /* not the kernel's: after pivot_root */
            }
        }
        *rest = p + n + 2;
        return k->fd[i];
    }
    return -1;
}

/* Hide one path: a tmpfs on a directory, /dev/null on anything else; tried
 * as what it most likely is (a directory when the spec's path ends in '/'),
 * then as the other on ENOTDIR.  0 when done or absent (ENOENT). */
static int mask_one(const char *t, int dir, const char *null, sbc_err *e)
{
    int rc = -1;
    for (int k = 0; k < 2 && rc < 0; k++, dir = !dir) {
        rc = dir ? mount("tmpfs", t, "tmpfs", MS_RDONLY, "size=0k,mode=000")
                 : mount(null, t, NULL, MS_BIND, NULL);
        if (rc < 0 && errno != ENOTDIR)
            break;
    }
    return rc < 0 && errno != ENOENT ? sbc_err_sys(e, "mask %s", t) : 0;
}

static int ro_one(const char *t, unsigned long keep, sbc_err *e)
{
    if (mount(t, t, NULL, MS_BIND | MS_REC, NULL) < 0)
        return errno == ENOENT ? 0 : sbc_err_sys(e, "bind %s", t);
    if (mount(NULL, t, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | keep, NULL) < 0)
        return sbc_err_sys(e, "make %s read-only", t);
    return 0;
}

/* Hide and protect the paths Docker hides and protects.  Before pivot_root
 * (rootfd: the new root), the paths in the container's own /proc and /sys,
 * marking them in done; after it (rootfd -1), the rest, each checked with
 * lstat first (the former need none: no syscall per path on every start). */
static int mask_paths(const sbc_spec *s, int rootfd, unsigned char *done, sbc_err *e)
{
    kfs k = {{-1, -1}};
    char t[PATH_MAX], null[64] = "/dev/null";
    struct stat st;
    int rc = 0, nullfd = -1;
    /* before pivot_root, "/dev/null" would be the host's: the container's own */
    if (rootfd >= 0 && (nullfd = openat2_in(rootfd, "dev/null", O_PATH)) >= 0) {
        if (fstat(nullfd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
            snprintf(null, sizeof null, "/proc/self/fd/%d", nullfd);
    }
    for (int i = 0; rc == 0 && i < s->nmasked + s->nro; i++) {
        int ro = i >= s->nmasked;
        const char *p = ro ? s->ropaths[i - s->nmasked] : s->masked[i], *rest;
        int n = (int)strlen(p), dir = n > 1 && p[n - 1] == '/';
        if (rootfd >= 0) {
            int fd = kfs_fd(&k, rootfd, p, &rest);
            if (fd < 0)
                continue;
            snprintf(t, sizeof t, "/proc/self/fd/%d/%.*s", fd, (int)strlen(rest) - dir, rest);
            rc = ro ? ro_one(t, MS_NOSUID | MS_NODEV | MS_NOEXEC, e) : mask_one(t, dir, null, e);
            done[i] = 1;
            continue;
        }
        if (done[i])
            continue;
        snprintf(t, sizeof t, "%.*s", n - dir, p);
        if (lstat(t, &st) < 0 || S_ISLNK(st.st_mode))
            continue;
        rc = ro ? ro_one(t, vfs_flags(t), e) : mask_one(t, S_ISDIR(st.st_mode), null, e);
    }
    for (int i = 0; i < 2; i++)
        if (k.fd[i] >= 0)
            close(k.fd[i]);
    if (nullfd >= 0)
        close(nullfd);
    return rc;
}

/* ---- users ----------------------------------------------------------- */

typedef struct user_info {
    uid_t uid;
    gid_t gid;
    gid_t groups[64];
    int ngroups;
    char home[256];
} user_info;

/* Split a passwd/group line on ':' into at most n fields. */
static int fields(char *line, char **f, int n)
{
    int i = 0;
    f[i++] = line;
    for (char *p = line; *p && i < n; p++)
        if (*p == ':') {
            *p = 0;
            f[i++] = p + 1;
        }
    return i;
}

#ifndef SBC_READ_ETC
#define SBC_READ_ETC read_etc
/* The container's /etc/passwd or /etc/group, read by a process already in
 * the container's root: no magic link followed, opened O_NONBLOCK (a FIFO
 * there must not hang sbc-exec; CVE-2024-9676 class) and read only when it
 * is a regular file.  A missing file reads as empty. */
static char *read_etc(const char *path, sbc_err *e)
{
    struct open_how how = {.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
                           .resolve = RESOLVE_NO_MAGICLINKS};
    int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
    if (fd < 0 && errno == ENOSYS)
        fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return sbc_xstrdup("");
        sbc_err_sys(e, "open %s in the container", path);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        sbc_err_set(e, SBC_EXIT_FAIL, "%s in the container is not a regular file", path);
        return NULL;
    }
    char *r = sbc_read_whole_fd(fd, path, 1 << 20, NULL, e);
    close(fd);
    return r;
}
#endif

/* spec: "user[:group]" (names or ids, checked by sbc_user_check: an id
 * outside 0..2^31-1 is an error, never a wrapped uid 0); extra: the
 * --group-add groups.  A passwd or group line whose ids are not valid is
 * skipped as malformed. */
static int resolve_user(const char *spec, const char *const *extra, int nextra, user_info *u,
                        sbc_err *e)
{
    char buf[256], unamebuf[64] = "", *name = buf, *group;
    uint32_t id, id2;
    memset(u, 0, sizeof *u);
    snprintf(u->home, sizeof u->home, "/");
    if (!spec || !*spec)
        spec = "0";
    if (sbc_user_check(spec, "user", e) < 0)
        return -1;
    for (int i = 0; i < nextra; i++)
        if (sbc_user_check(extra[i], "group", e) < 0)
            return -1;
    if (nextra > 32)
        return sbc_err_set(e, SBC_EXIT_FAIL, "too many additional groups (%d, at most 32)", nextra);
    if (strlen(spec) >= sizeof buf) /* never a truncated name */
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid user \"%.64s...\": too long", spec);
    snprintf(buf, sizeof buf, "%s", spec);
    group = strchr(buf, ':');
    if (group)
        *group++ = 0;
    int numeric = sbc_id_numeric(name), found = 0;
    if (numeric && sbc_id_parse(name, &id) < 0) /* sbc_user_check said so: not reached */
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid user \"%s\"", spec);
    char *pw = SBC_READ_ETC("/etc/passwd", e);
    if (!pw)
        return -1;
    for (char *l = pw, *next; *l; l = next) {
        next = strchr(l, '\n');
        if (next)
            *next++ = 0;
        else
            next = l + strlen(l);
        char *f[7];
        if (fields(l, f, 7) < 7 || sbc_id_parse(f[2], &id2) < 0)
            continue;
        uint32_t g;
        if (numeric ? id2 == id : !strcmp(f[0], name)) {
            if (sbc_id_parse(f[3], &g) < 0)
                continue;
            u->uid = (uid_t)id2;
            u->gid = (gid_t)g;
            snprintf(u->home, sizeof u->home, "%s", f[5]);
            snprintf(unamebuf, sizeof unamebuf, "%s", f[0]); /* user's name for groups */
            found = 1;
            break;
        }
    }
    free(pw);
    if (!found) {
        if (!numeric)
            return sbc_err_set(e, SBC_EXIT_FAIL, "unable to find user %s: no matching entries in passwd file", name);
        u->uid = (uid_t)id;
        u->gid = 0;
    }
    const char *uname = unamebuf;
    int gnumeric = group && sbc_id_numeric(group), gfound = !group;
    uint32_t gid_want = 0;
    if (gnumeric && sbc_id_parse(group, &gid_want) < 0)
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid user \"%s\"", spec);
    unsigned char xfound[32] = {0};
    gid_t xgid[32];
    char *gr = SBC_READ_ETC("/etc/group", e);
    if (!gr)
        return -1;
    int maxmember = 63 - nextra;
    for (char *l = gr, *next; *l; l = next) {
        next = strchr(l, '\n');
        if (next)
            *next++ = 0;
        else
            next = l + strlen(l);
        char *f[4];
        uint32_t g;
        if (fields(l, f, 4) < 4 || sbc_id_parse(f[2], &g) < 0)
            continue;
        gid_t gid = (gid_t)g;
        if (group && !gfound && (gnumeric ? g == gid_want : !strcmp(f[0], group))) {
            u->gid = gid;
            gfound = 1;
        }
        for (int i = 0; i < nextra; i++)
            if (!xfound[i] && !sbc_id_numeric(extra[i]) && !strcmp(f[0], extra[i])) {
                xgid[i] = gid;
                xfound[i] = 1;
            }
        if (*uname && !group) {
            for (char *m = strtok(f[3], ","); m; m = strtok(NULL, ","))
                if (!strcmp(m, uname) && u->ngroups < maxmember)
                    u->groups[u->ngroups++] = gid;
        }
    }
    free(gr);
    if (!gfound) {
        if (!gnumeric)
            return sbc_err_set(e, SBC_EXIT_FAIL, "unable to find group %s: no matching entries in group file", group);
        u->gid = (gid_t)gid_want;
    }
    for (int i = 0; i < nextra; i++) {
        if (!xfound[i]) {
            if (!sbc_id_numeric(extra[i]) || sbc_id_parse(extra[i], &id2) < 0)
                return sbc_err_set(e, SBC_EXIT_FAIL, "unable to find group %s: no matching entries in group file", extra[i]);
            xgid[i] = (gid_t)id2;
        }
        u->groups[u->ngroups++] = xgid[i];
    }
    u->groups[u->ngroups++] = u->gid;
    sbc_err_clear(e);
    return 0;
}

/* ---- the process tail: pty, user, capabilities, cwd, exec ------------ */

static const char *env_get(const sbc_spec *s, const char *key)
{
    size_t kl = strlen(key);
    for (int i = 0; i < s->nenv; i++)
        if (!strncmp(s->env[i], key, kl) && s->env[i][kl] == '=')
            return s->env[i] + kl + 1;
    return NULL;
}

/* /dev/console becomes the pty slave, bound from the slave's own fd (no
 * path under /dev/pts is looked up) onto /dev/console opened without
 * following any symlink (a swapped /dev/console or /dev/pts/N cannot
 * redirect the bind; runc CVE-2025-52565 class). */
static int bind_console(int slave)
{
    int fd = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0)
        close(fd);
    struct open_how how = {.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
                           .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
    int dest = (int)syscall(SYS_openat2, AT_FDCWD, "/dev/console", &how, sizeof how);
    if (dest < 0)
        return -1;
    int tree = (int)syscall(SYS_open_tree, slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    if (tree < 0) {
        int err = errno;
        close(dest);
        errno = err;
        return -1;
    }
    int rc = attach_tree(tree, dest);
    int err = errno;
    close(dest);
    errno = err;
    return rc;
}

static int setup_stdio(const sbc_spec *s, int sock, int console, sbc_err *e)
{
    if (s->terminal) {
        int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
            master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
            return sbc_err_sys(e, "open the container's /dev/pts/ptmx");
        int unlock = 0;
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
            return sbc_err_sys(e, "unlockpt");
        int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
            return sbc_err_sys(e, "open the pty slave");
        if (s->rows || s->cols) {
            struct winsize ws = {.ws_row = s->rows, .ws_col = s->cols};
            ioctl(slave, TIOCSWINSZ, &ws);
        }
        if (console) {
            int n;
            char pts[64];
            if (ioctl(master, TIOCGPTN, &n) == 0) {
                snprintf(pts, sizeof pts, "/dev/pts/%d", n);
                if (bind_console(slave) < 0)
                    return sbc_err_sys(e, "bind %s on /dev/console", pts);
            }
        }
        struct msg m = {.kind = MSG_PTY};
        send_msg(sock, &m, master);
        close(master);
        if (setsid() < 0 && errno != EPERM)
            return sbc_err_sys(e, "setsid");
        if (ioctl(slave, TIOCSCTTY, 0) < 0)
            return sbc_err_sys(e, "set the controlling terminal");
        for (int i = 0; i < 3; i++)
            if (dup2(slave, i) < 0)
                return sbc_err_sys(e, "dup2");
        if (slave > 2)
            close(slave);
        return 0;
    }
    setsid();
    /* the common case: each of 0-2 is itself, /dev/null, or an fd above 2 */
    int simple = 1;
    for (int i = 0; i < 3; i++)
        if (s->stdio[i] >= 0 && s->stdio[i] <= 2 && s->stdio[i] != i)
            simple = 0;
    if (simple) {
        for (int i = 0; i < 3; i++) {
            int fd = s->stdio[i];
            if (fd == i) {
                if (fcntl(i, F_SETFD, 0) < 0)
                    return sbc_err_sys(e, "set up fd %d", i);
                continue;
            }
            int own = fd < 0;
            if (own && (fd = open("/dev/null", (i ? O_WRONLY : O_RDONLY) | O_CLOEXEC)) < 0)
                return sbc_err_sys(e, "open /dev/null");
            if (fd != i && dup2(fd, i) < 0)
                return sbc_err_sys(e, "dup2");
            if (fd == i)
                fcntl(i, F_SETFD, 0);
            else if (own)
                close(fd);
        }
        return 0;
    }
    int tmp[3];
    for (int i = 0; i < 3; i++) {
        if (s->stdio[i] < 0)
            tmp[i] = open("/dev/null", (i ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
        else
            tmp[i] = fcntl(s->stdio[i], F_DUPFD_CLOEXEC, 10);
        if (tmp[i] < 0)
            return sbc_err_sys(e, "set up fd %d", i);
    }
    for (int i = 0; i < 3; i++) {
        if (dup2(tmp[i], i) < 0)
            return sbc_err_sys(e, "dup2");
        close(tmp[i]);
    }
    return 0;
}

static _Noreturn void init_loop(pid_t child)
{
    sigset_t all;
    sigfillset(&all);
    int code = 0;
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&all, &si);
        if (sig < 0)
            continue;
        if (sig != SIGCHLD) {
            kill(child, sig);
            continue;
        }
        int st;
        pid_t w;
        while ((w = waitpid(-1, &st, WNOHANG)) > 0)
            if (w == child)
                code = sbc_status_code(st), child = -1;
        if (child < 0)
            _exit(code);
    }
}

/* Rootless: a user namespace an ordinary user made has setgroups denied
 * (the one way it may map its own gid); the groups are the user's own. */
static int setgroups_denied(void)
{
    char b[8] = "";
    int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, b, sizeof b - 1);
        b[n > 0 ? n : 0] = 0;
        close(fd);
    }
    return !strncmp(b, "deny", 4);
}

/* The command of s can be found (PATH from its env) and run: checked by a
 * parked init when it is released, so start (not the exec, which cannot
 * report) says so. */
static int cmd_check(const sbc_spec *s, sbc_err *e)
{
    const char *cmd = s->args[0];
    struct stat st;
    if (strchr(cmd, '/')) {
        if (stat(cmd, &st) == 0 && S_ISREG(st.st_mode) && access(cmd, X_OK) == 0)
            return 0;
        if (errno == ENOENT || errno == ENOTDIR)
            return sbc_err_set(e, SBC_EXIT_NOTFOUND, "exec: \"%s\": no such file or directory", cmd);
        return sbc_err_set(e, SBC_EXIT_NOEXEC, "exec: \"%s\": permission denied", cmd);
    }
    const char *path = env_get(s, "PATH");
    if (!path)
        path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    while (*path) {
        const char *end = strchrnul(path, ':');
        char full[PATH_MAX];
        snprintf(full, sizeof full, "%.*s/%s", (int)(end - path), path, cmd);
        if (end > path && stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0)
            return 0;
        path = *end ? end + 1 : end;
    }
    return sbc_err_set(e, SBC_EXIT_NOTFOUND, "exec: \"%s\": executable file not found in $PATH", cmd);
}

/* The create/start split (spec.h's park): tell the parent, wait for
 * sbc_spawn_release, read the state it hands over, run the
 * startContainer hooks, look for the command.  Returns the connection:
 * the channel for what is left to report (EOF at the exec). */
static int park(const sbc_spec *s, int sock, sbc_err *e)
{
    struct msg m = {.kind = MSG_PARKED};
    send_msg(sock, &m, -1);
    close(sock);
    int c;
    while ((c = accept4(s->park_fd, NULL, NULL, SOCK_CLOEXEC)) < 0)
        if (errno != EINTR && errno != ECONNABORTED)
            _exit(SBC_EXIT_FAIL);
    close(s->park_fd);
    sbc_buf state = {0};
    for (;;) {
        char b[4096];
        ssize_t n = recv(c, b, sizeof b, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            _exit(SBC_EXIT_FAIL);
        sbc_buf_add(&state, b, (size_t)n);
        if (n < (ssize_t)sizeof b)
            break;
    }
    sbc_buf_add(&state, "", 1);
    if (s->hooks && sbc_hooks_run(s->hooks, "startContainer", state.data, -1, 0, e) < 0)
        child_fail(c, e);
    /* the command is looked for now, not at create: process.args belong to
     * the start.  Not found is the process's end, not start's failure, as
     * with crun: its message on the container's stderr and exit 127 (126:
     * not executable), which podman, containerd and Docker report as such */
    if (cmd_check(s, e) < 0) {
        close(c);
        char line[sizeof e->msg + 8];
        int n = snprintf(line, sizeof line, "%s\n", e->msg);
        sbc_write_full(2, line, (size_t)n);
        _exit(e->code);
    }
    free(state.data);
    return c;
}

/* user_code: the exit code of a user that cannot be resolved: 125 for a
 * container's start (Docker's CLI maps such a start error to 125), 126 for
 * sbc-exec (dockerd records 126 for an exec that failed to start). */
/* The init and its parent on two CPUs while both work (spread_out); the
 * command gets the CPUs sbc was given back before its exec. */
static cpu_set_t spread_cpus;
static int spread;

/* Before the clone: the CPUs this process may use (set spread when two or
 * more).  After it, in the parent: the new init is moved off the CPU this
 * process runs on.  The scheduler puts a new task beside its parent, where
 * it preempts it within a tick while the other CPU idles, so the parent's
 * cgroup and network work and the init's mounts, meant to overlap, took
 * turns (ftrace: ~1 ms of a 9 ms start with one CPU idle). */
static void spread_prepare(void)
{
    spread = sched_getaffinity(0, sizeof spread_cpus, &spread_cpus) == 0 && CPU_COUNT(&spread_cpus) > 1;
}

static void spread_out(pid_t child)
{
    int here = sched_getcpu();
    if (!spread || here < 0)
        return;
    cpu_set_t other = spread_cpus;
    CPU_CLR(here, &other);
    if (CPU_COUNT(&other) > 0)
        sched_setaffinity(child, sizeof other, &other);
}

static _Noreturn void exec_cmd(const sbc_spec *s, const sbc_confine *cf, int sock, int user_code,
                               sbc_err *e)
{
    const char *cmd = s->args[0];
    char **argv = (char **)s->args, **envp;
    user_info u;
    if (s->nargs < 1) {
        sbc_err_set(e, SBC_EXIT_FAIL, "no command specified");
        child_fail(sock, e);
    }
    if (resolve_user(s->user, s->groups, s->ngroups, &u, e) < 0) {
        e->code = user_code;
        child_fail(sock, e);
    }
    /* env: the spec's, plus HOME when missing */
    envp = calloc((size_t)s->nenv + 2, sizeof *envp);
    if (!envp)
        _exit(SBC_EXIT_FAIL);
    memcpy(envp, s->env, (size_t)s->nenv * sizeof *envp);
    if (!env_get(s, "HOME"))
        envp[s->nenv] = sbc_xasprintf("HOME=%s", u.home);
    /* cwd: made when missing (as Docker does), entered as root */
    const char *cwd = s->cwd && *s->cwd ? s->cwd : "/";
    if (chdir(cwd) < 0) {
        if (errno != ENOENT || sbc_mkdir_p(cwd, 0755, e) < 0 || chdir(cwd) < 0) {
            sbc_err_sys(e, "chdir to working directory %s", cwd);
            e->code = SBC_EXIT_NOEXEC;
            child_fail(sock, e);
        }
    }
    char here[PATH_MAX];
    if (!getcwd(here, sizeof here) || here[0] != '/') {
        sbc_err_set(e, SBC_EXIT_FAIL, "working directory %s is outside the container", cwd);
        child_fail(sock, e);
    }
    if (sbc_procattr_apply(&s->attr, e) < 0)
        child_fail(sock, e);
    if (s->park)
        sock = park(s, sock, e);
    if (sbc_caps_drop_bounding(s->caps, e) < 0)
        child_fail(sock, e);
    /* the session keyring and the seccomp filter, while CAP_SYS_ADMIN is
     * still there and before the --init fork (PID 1 is confined too) */
    if (sbc_confine_enter(cf, e) < 0)
        child_fail(sock, e);
    if (s->init) {
        /* sbc (forked, never exec'd) serves as PID 1: block every signal,
         * fork the command, then reap and forward in init_loop */
        sigset_t all, old;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, &old);
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        pid_t c = fork();
        if (c < 0) {
            sbc_err_sys(e, "fork the command under --init");
            child_fail(sock, e);
        }
        if (c > 0) {
            /* PID 1 keeps only the container's capabilities (it needs
             * CAP_KILL at most, to forward signals to another uid) */
            if (sbc_caps_set(s->caps, e) < 0) {
                kill(c, SIGKILL);
                child_fail(sock, e);
            }
            close(sock);
            syscall(SYS_close_range, 3U, ~0U, 0U);
            /* rootless: sbc-exec (an ordinary user, no CAP_SYS_PTRACE)
             * joins through this PID 1, which the kernel allows only when
             * it is dumpable; it holds no fd and no more than the
             * container's capabilities by now */
            if (sbc_rootless())
                prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
            init_loop(c);
        }
        sigprocmask(SIG_SETMASK, &old, NULL);
        setpgid(0, 0);
    }
    /* (an OCI spec may name capabilities this host withholds from root,
     * e.g. SYS_RESOURCE in some VMs: one that cannot be granted is an
     * error, as config.md says; the bounding set keeps what there is) */
    uint64_t have = s->caps_oci ? sbc_caps_all() : 0;
    /* raw syscalls: this process has one thread, so musl's broadcast of
     * set*id to every thread (three signal-mask changes each) is not needed */
    if ((u.uid != 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) ||
        (syscall(SYS_setgroups, (long)u.ngroups, u.groups) < 0 && !(errno == EPERM && setgroups_denied())) ||
        syscall(SYS_setresgid, (long)u.gid, (long)u.gid, (long)u.gid) < 0 ||
        syscall(SYS_setresuid, (long)u.uid, (long)u.uid, (long)u.uid) < 0) {
        sbc_err_sys(e, "switch to user %s", s->user ? s->user : "0");
        child_fail(sock, e);
    }
    uint64_t want = s->caps_eff | s->caps_prm | s->caps_inh;
    if (s->caps_oci && (want & ~have)) {
        int c = __builtin_ctzll(want & ~have);
        sbc_err_set(e, 0, "capability CAP_%s cannot be granted: this runtime does not hold it (operation not permitted)",
                    sbc_cap_name(c));
        child_fail(sock, e);
    }
    if (s->caps_oci ? sbc_caps_set3(s->caps_eff, s->caps_prm, s->caps_inh, s->caps_amb, e) < 0
                    : sbc_caps_set(u.uid == 0 ? s->caps_eff : 0, e) < 0)
        child_fail(sock, e);
    if (u.uid != 0)
        prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    if (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        sbc_err_sys(e, "no_new_privs");
        child_fail(sock, e);
    }
    /* no fd of sbc reaches the command, but those it is to have */
    sbc_fds_cloexec(3);
    for (int fd = 3; fd < 3 + s->preserve_fds; fd++)
        fcntl(fd, F_SETFD, 0);
    signal(SIGPIPE, SIG_DFL);
    int err = ENOENT;
    if (strchr(cmd, '/')) {
        execve(cmd, argv, envp);
        err = errno;
    } else {
        const char *path = env_get(s, "PATH");
        if (!path)
            path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        int seen_eacces = 0;
        while (*path) {
            const char *end = strchrnul(path, ':');
            char full[PATH_MAX];
            snprintf(full, sizeof full, "%.*s/%s", (int)(end - path), path, cmd);
            if (end > path) {
                execve(full, argv, envp);
                if (errno == EACCES)
                    seen_eacces = 1;
                else if (errno != ENOENT && errno != ENOTDIR) {
                    err = errno;
                    break;
                }
            }
            path = *end ? end + 1 : end;
        }
        if (err == ENOENT && seen_eacces)
            err = EACCES;
        if (err == ENOENT) {
            sbc_err_set(e, SBC_EXIT_NOTFOUND, "exec: \"%s\": executable file not found in $PATH", cmd);
            child_fail(sock, e);
        }
    }
    /* the texts callers match (podman: 127 and 126), lower case as runc's */
    if (err == ENOENT || err == EACCES)
        sbc_err_set(e, 0, "exec: \"%s\": %s", cmd, err == ENOENT ? "no such file or directory" : "permission denied");
    else {
        errno = err;
        sbc_err_sys(e, "exec: \"%s\"", cmd);
    }
    e->code = err == ENOENT ? SBC_EXIT_NOTFOUND : SBC_EXIT_NOEXEC;
    child_fail(sock, e);
}

/* The caller may block, ignore or catch signals; the container starts
 * clean.  Only signals that are ignored or caught need resetting (the rest
 * are at their default already): read which from /proc rather than paying
 * a sigaction for each of the 64 on every start. */
static void reset_signals(void)
{
    sigset_t none;
    sigemptyset(&none);
    uint64_t mask = ~(uint64_t)0;
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char b[4096];
        ssize_t n = read(fd, b, sizeof b - 1);
        close(fd);
        if (n > 0) {
            b[n] = 0;
            const char *ig = strstr(b, "\nSigIgn:"), *cg = strstr(b, "\nSigCgt:");
            if (ig && cg)
                mask = strtoull(ig + 9, NULL, 16) | strtoull(cg + 9, NULL, 16);
        }
    }
    for (int i = 1; i < 65; i++)
        if (i != SIGKILL && i != SIGSTOP && (mask & (1ULL << (i - 1))))
            signal(i, SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* In a network namespace of its own, the container's lo is up (as with
 * Docker's --network none).  The child does it itself, in parallel with the
 * parent's cgroup work, with two ioctls rather than a netlink round trip. */
static int lo_up(sbc_err *e)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sbc_err_sys(e, "set lo up: socket");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
    if (rc == 0 && !(ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags |= IFF_UP;
        rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    int err = errno;
    close(fd);
    errno = err;
    return rc < 0 ? sbc_err_sys(e, "set lo up") : 0;
}

/* linux.sysctl goes through the container's own /proc/sys: an O_PATH fd of
 * the sys directory of the procfs mounted at <root>/proc, taken before the
 * read-only bind covers it and before the container can run anything; the
 * writes walk below that fd without symlinks or mount crossings, so no path
 * the container controls is followed (CVE-2025-52881). */
static int sysctl_dir(int rootfd, sbc_err *e)
{
    struct statfs sf;
    int pfd = openat2_in(rootfd, "proc", O_PATH | O_DIRECTORY);
    if (pfd < 0 || fstatfs(pfd, &sf) < 0 || (long)sf.f_type != PROC_SUPER_MAGIC) {
        if (pfd >= 0)
            close(pfd);
        return sbc_err_set(e, SBC_EXIT_FAIL, "sysctl: the container has no /proc of its own");
    }
    struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS};
    int fd = (int)syscall(SYS_openat2, pfd, "sys", &how, sizeof how);
    int err = errno;
    close(pfd);
    errno = err;
    return fd < 0 ? sbc_err_sys(e, "sysctl: open /proc/sys") : fd;
}

static int sysctl_write(int dfd, const char *key, const char *val, sbc_err *e)
{
    char rel[256];
    size_t n = strlen(key);
    if (n == 0 || n >= sizeof rel)
        return sbc_err_set(e, SBC_EXIT_FAIL, "sysctl %s: invalid name", key);
    for (size_t i = 0; i <= n; i++)
        rel[i] = key[i] == '.' ? '/' : key[i];
    struct open_how how = {.flags = O_WRONLY | O_CLOEXEC | O_NOFOLLOW,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS};
    int fd = (int)syscall(SYS_openat2, dfd, rel, &how, sizeof how);
    if (fd < 0)
        return sbc_err_sys(e, "sysctl %s", key);
    size_t vl = strlen(val);
    ssize_t w = write(fd, val, vl);
    int err = errno;
    close(fd);
    if (w != (ssize_t)vl) {
        errno = w < 0 ? err : EIO;
        return sbc_err_sys(e, "sysctl %s=%s", key, val);
    }
    return 0;
}

/* The fds of spec->nsjoin (opened by the parent before the clone). */
static int nsjoin_fd[6] = {-1, -1, -1, -1, -1, -1};

/* pivot_root into the container's root (rootfd, closed), the old root
 * detached; then linux.rootfsPropagation on the new one. */
static void pivot(const sbc_spec *s, int rootfd, int sock)
{
    sbc_err e = {0};
    if (fchdir(rootfd) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
        umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
        sbc_err_sys(&e, "pivot_root to %s", s->root);
        child_fail(sock, &e);
    }
    close(rootfd);
    if (s->root_prop && mount(NULL, "/", NULL, s->root_prop, NULL) < 0) {
        sbc_err_sys(&e, "set the root's propagation");
        child_fail(sock, &e);
    }
}

/* The child's first step: the namespaces the spec joins by path. */
static void join_paths(const sbc_spec *s, int sock)
{
    sbc_err e = {0};
    for (int k = 0; k < s->nnsjoin; k++) {
        if (s->nsjoin[k].type != CLONE_NEWPID && setns(nsjoin_fd[k], s->nsjoin[k].type) < 0) {
            sbc_err_sys(&e, "join the namespace %s", s->nsjoin[k].path);
            child_fail(sock, &e);
        }
        close(nsjoin_fd[k]);
    }
}

/* Outside a user namespace, the parent makes the overlay root as a
 * detached mount right after the clone and sends it (MSG_ROOT): the init's
 * setup is a start's longest path, and the parent's cgroup and network
 * work leaves it time to spare. */
static int root_from_parent(const sbc_spec *s)
{
    return !(s->ns & CLONE_NEWUSER) && s->nlower > 0 && s->upper;
}

/* Outside a user namespace: the root on s->root (the overlay the parent
 * made, or made here; a bind of the dir), opened O_PATH; -1 with e. */
static int mount_root(const sbc_spec *s, int sock, sbc_err *e)
{
    int rc;
    if (root_from_parent(s)) {
        struct msg rm = {0};
        int ov = -1;
        if (recv_msg(sock, &rm, &ov) <= 0 || rm.kind != MSG_ROOT)
            _exit(SBC_EXIT_FAIL);
        if (ov >= 0) {
            rc = (int)syscall(SYS_move_mount, ov, "", AT_FDCWD, s->root, MOVE_MOUNT_F_EMPTY_PATH);
            if (rc < 0)
                sbc_err_sys(e, "attach the root on %s", s->root);
            close(ov);
        } else { /* (an older kernel: the legacy mount here) */
            rc = sbc_rootfs_mount_overlay(s->root, s->lower, s->nlower, s->upper, s->work, e);
        }
    } else if (s->nlower > 0) {
        rc = sbc_rootfs_mount_overlay(s->root, s->lower, s->nlower, s->upper, s->work, e);
    } else {
        rc = mount(s->root, s->root, NULL, MS_BIND | MS_REC, NULL) < 0 ? sbc_err_sys(e, "bind the root %s", s->root) : 0;
    }
    if (rc < 0)
        child_fail(sock, e);
    return open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* The parent's half of root_from_parent, first thing after the clone. */
static void send_root(const sbc_spec *s, int sock)
{
    if (!root_from_parent(s))
        return;
    struct msg rm = {.kind = MSG_ROOT};
    int ov = sbc_rootfs_overlay_detached(s->lower, s->nlower, s->upper, s->work);
    send_msg(sock, &rm, ov); /* (-1: the child mounts it, and says why not) */
    if (ov >= 0)
        close(ov);
}

static _Noreturn void child_main(const sbc_spec *s, const sbc_confine *cf, int sock, int netns_fd)
{
    sbc_err e = {0};
    char go;
    reset_signals();
    join_paths(s, sock);
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    /* the sealed sbc, before anything else (exeseal.h) */
    if (sbc_exe_seal_child(&e) < 0)
        child_fail(sock, &e);
    /* What needs nothing from the parent runs while it moves us into the
     * cgroup and sets the network up: the root and the kernel file systems.
     * Bind mounts wait for "go" (their sources, e.g. hosts and resolv.conf,
     * are written by the parent's network hook). */
    if (s->hostname && (s->ns & CLONE_NEWUTS) && sethostname(s->hostname, strlen(s->hostname)) < 0) {
        sbc_err_sys(&e, "sethostname");
        child_fail(sock, &e);
    }
    /* in a user namespace: its maps (and the overlay, made outside) from
     * the parent first, then become its root */
    int userns = !!(s->ns & CLONE_NEWUSER), ovfd = -1, rootdir = -1;
    if (userns) {
        /* the root's dir while still the host's root (the container's may
         * not walk the store), then become the container's */
        rootdir = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct msg um = {0};
        if (recv_msg(sock, &um, &ovfd) <= 0 || um.kind != MSG_USERNS)
            _exit(SBC_EXIT_FAIL);
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (rootdir < 0) {
            sbc_err_sys(&e, "open the root %s", s->root);
            child_fail(sock, &e);
        }
        if (setresgid(0, 0, 0) < 0 || (setgroups(0, NULL) < 0 && errno != EPERM) || setresuid(0, 0, 0) < 0) {
            sbc_err_sys(&e, "become root of the user namespace");
            child_fail(sock, &e);
        }
        bind_mounts_base = s->mounts;
        bind_trees = malloc(((size_t)s->nmounts + 1) * sizeof *bind_trees);
        for (int k = 0; bind_trees && k < s->nmounts; k++)
            bind_trees[k] = -1;
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        sbc_err_sys(&e, "make / private");
        child_fail(sock, &e);
    }
    if ((s->ns & CLONE_NEWNET) && netns_fd < 0 && lo_up(&e) < 0)
        child_fail(sock, &e);
    int rc, rootfd = -1;
    if (userns) {
        /* the overlay the parent made, or the root dir bound on itself;
         * rootless, the overlay is ours to mount (the store is ours) */
        int t = ovfd >= 0 || (s->nlower > 0 && s->upper) ? ovfd
                          : (int)syscall(SYS_open_tree, rootdir, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
        rc = t < 0 ? -1 : (int)syscall(SYS_move_mount, t, "", rootdir, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
        if (rc == 0)
            rootfd = openat(t, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rc < 0 || rootfd < 0)
            sbc_err_sys(&e, "attach the root on %s", s->root);
        if (t >= 0)
            close(t);
        close(rootdir);
        if (ovfd < 0 && s->nlower > 0 && s->upper) {
            rc = sbc_rootfs_mount_overlay(s->root, s->lower, s->nlower, s->upper, s->work, &e);
            if (rc < 0)
                child_fail(sock, &e);
            rootfd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        }
        if (rootfd < 0)
            child_fail(sock, &e);
    } else {
        rootfd = mount_root(s, sock, &e);
    }
    if (rootfd < 0) {
        sbc_err_sys(&e, "open the root %s", s->root);
        child_fail(sock, &e);
    }
    int i = 0;
    for (; i < s->nmounts && !s->mounts[i].bind && !is_cgroup(&s->mounts[i]); i++)
        if (do_mount(rootfd, &s->mounts[i], &e) < 0 ||
            (is_dev_tmpfs(&s->mounts[i]) && make_dev(rootfd, !!(s->ns & CLONE_NEWUSER), &e) < 0))
            child_fail(sock, &e);
    /* linux.devices (--device, --privileged): on the fresh /dev, before "go" */
    for (int k = 0; k < s->ndevnodes; k++)
        if (sbc_dev_node_make(rootfd, &s->devnodes[k], !!(s->ns & CLONE_NEWUSER), &e) < 0)
            child_fail(sock, &e);
    int sysfd = -1;
    if (s->nsysctl > 0 && (sysfd = sysctl_dir(rootfd, &e)) < 0)
        child_fail(sock, &e);
    unsigned char *masked = calloc((size_t)(s->nmasked + s->nro) + 1, 1);
    if (!masked || mask_paths(s, rootfd, masked, &e) < 0)
        child_fail(sock, &e);
    for (;;) { /* in a user namespace the bind trees come first, then "go" */
        struct msg bm;
        memset(&bm, 0, sizeof bm);
        int tfd = -1;
        ssize_t n = userns ? recv_msg(sock, &bm, &tfd) : read(sock, &go, 1);
        if (n <= 0)
            _exit(SBC_EXIT_FAIL);
        if (!userns || bm.kind != MSG_USERNS) {
            if (tfd >= 0)
                close(tfd);
            break; /* "g" */
        }
        if (bind_trees && bm.code >= 0 && bm.code < s->nmounts)
            bind_trees[bm.code] = tfd;
        else if (tfd >= 0)
            close(tfd);
    }
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    if (netns_fd >= 0) {
        if (setns(netns_fd, CLONE_NEWNET) < 0) {
            sbc_err_sys(&e, "join the network namespace %s", s->netns_path);
            child_fail(sock, &e);
        }
        close(netns_fd);
    }
    /* sysctls after "go": the network hook has made the interfaces */
    for (int k = 0; k < s->nsysctl; k++)
        if (sysctl_write(sysfd, s->sysctl_keys[k], s->sysctl_vals[k], &e) < 0)
            child_fail(sock, &e);
    if (sysfd >= 0)
        close(sysfd);
    /* after the cgroup move: the namespace's root is the container's cgroup */
    if ((s->ns & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) {
        sbc_err_sys(&e, "unshare the cgroup namespace");
        child_fail(sock, &e);
    }
    for (; i < s->nmounts; i++)
        if (do_mount(rootfd, &s->mounts[i], &e) < 0 ||
            (is_dev_tmpfs(&s->mounts[i]) && make_dev(rootfd, !!(s->ns & CLONE_NEWUSER), &e) < 0))
            child_fail(sock, &e);
    pivot(s, rootfd, sock);
    if (setup_stdio(s, sock, 1, &e) < 0 || mask_paths(s, -1, masked, &e) < 0)
        child_fail(sock, &e);
    if (s->readonly && mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | vfs_flags("/"), NULL) < 0) {
        sbc_err_sys(&e, "make the root read-only");
        child_fail(sock, &e);
    }
    if (spread) /* (before procattr's execCPUAffinity) */
        sched_setaffinity(0, sizeof spread_cpus, &spread_cpus);
    exec_cmd(s, cf, sock, SBC_EXIT_FAIL, &e);
}

/* ---- parent side ----------------------------------------------------- */

/* Receive one message (and an fd); 0 at EOF, -1 on error. */
static int recv_msg(int sock, struct msg *m, int *fd)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = {m, sizeof *m};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof u.buf};
    ssize_t n;
    do
        n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return (int)n;
    if (fd) {
        *fd = -1;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                memcpy(fd, CMSG_DATA(c), sizeof *fd);
    }
    return 1;
}

/* Read the child's messages until EOF: the command was exec'd unless an
 * error message came (reading on to EOF collects the pid of a joiner). */
static int await_exec(int sock, int terminal, sbc_proc *p, sbc_err *e)
{
    struct msg m;
    int failed = 0;
    for (;;) {
        int fd = -1;
        memset(&m, 0, sizeof m);
        int n = recv_msg(sock, &m, &fd);
        if (n == 0)
            return failed ? -1 : 0;
        if (n < 0)
            return failed ? -1 : sbc_err_sys(e, "read from the container's init");
        if (m.kind == MSG_PTY && terminal && p->ptmx < 0) {
            p->ptmx = fd;
            continue;
        }
        if (fd >= 0)
            close(fd);
        if (m.kind == MSG_PID) {
            p->pid = m.pid;
            continue;
        }
        if (m.kind == MSG_PARKED) {
            p->parked = 1;
            continue;
        }
        if (!failed) {
            m.text[sizeof m.text - 1] = 0;
            sbc_err_set(e, m.code ? m.code : SBC_EXIT_FAIL, "%s", m.text);
            e->errnum = m.errnum;
            failed = 1;
        }
    }
}

/* The spec's keyring and seccomp program, prepared before the clone so an
 * error (a custom profile libseccomp refuses) reaches the caller. */
static int confine_of(const sbc_spec *s, sbc_confine *cf, sbc_err *e)
{
    int unconfined = !s->seccomp_default && !s->seccomp;
    if (sbc_confine_prepare(cf, s->keyring, s->seccomp, unconfined, s->seccomp_caps, e) < 0) {
        sbc_confine_free(cf);
        return -1;
    }
    return 0;
}

static int spawn_confined(const sbc_spec *s, const sbc_confine *cf, sbc_proc *p, sbc_err *e);

int sbc_spawn(const sbc_spec *s, sbc_proc *p, sbc_err *e)
{
    sbc_confine cf;
    p->pid = -1;
    p->pidfd = -1;
    p->ptmx = -1;
    p->parked = 0;
    if (confine_of(s, &cf, e) < 0)
        return -1;
    int rc = spawn_confined(s, &cf, p, e);
    sbc_confine_free(&cf);
    return rc;
}

/* An ordinary user's map of more than its own id: the set-uid helper
 * (newuidmap / newgidmap) checks /etc/subuid and writes it. */
static int helper_map(pid_t pid, const char *which, const sbc_idmap *m, int n, sbc_err *e)
{
    const char *name = !strcmp(which, "uid_map") ? "newuidmap" : "newgidmap";
    uint32_t lines[SBC_IDMAP_MAX][3];
    for (int i = 0; i < n; i++)
        lines[i][0] = m[i].ctr, lines[i][1] = m[i].host, lines[i][2] = m[i].size;
    int rc = sbc_userns_run_helper(name, (int)pid, (const uint32_t (*)[3])lines, n);
    if (rc < 0)
        return sbc_err_sys(e, "fork %s", name);
    if (rc == 127 && !sbc_userns_helper(name))
        return sbc_err_set(e, 0, "%s is not installed", name);
    if (rc)
        return sbc_err_set(e, 0, "%s refused the container's map (exit %d; see /etc/sub%cid)", name, rc, which[0]);
    return 0;
}

/* One of /proc/PID/{uid,gid}_map from the spec's lines. */
static int write_map(pid_t pid, const char *which, const sbc_idmap *m, int n, sbc_err *e)
{
    if (geteuid() != 0 && n > 1)
        return helper_map(pid, which, m, n, e);
    char path[64], buf[SBC_IDMAP_MAX * 36] = "";
    size_t len = 0;
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%u %u %u\n", m[i].ctr, m[i].host, m[i].size);
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, which);
    if (geteuid() != 0 && !strcmp(which, "gid_map")) {
        /* an ordinary user may map its own gid only with setgroups denied */
        char sg[64];
        snprintf(sg, sizeof sg, "/proc/%d/setgroups", (int)pid);
        int f = open(sg, O_WRONLY | O_CLOEXEC);
        if (f < 0 || write(f, "deny", 4) != 4) {
            if (f >= 0)
                close(f);
            return sbc_err_sys(e, "write the container's setgroups");
        }
        close(f);
    }
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, buf, len) != (ssize_t)len) {
        sbc_err_sys(e, "write the container's %s", which);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* Clone the container's init into the user's holder namespace (a
 * short-lived spawner joins it; CLONE_PARENT makes the init our child):
 * the user namespace of the user's rootless containers is that one, as
 * podman's are its pause process's, with the map they all have (its 0 the
 * user, 1.. the subordinate ids) and no set-uid helper per container.  The
 * pid, or -1 with errno. */
static long clone_in_holder(const sbc_spec *s, const sbc_confine *cf, int nsflags, int holder, const int sv[2],
                            int netns_fd)
{
    int rp[2];
    if (pipe2(rp, O_CLOEXEC) < 0)
        return -1;
    struct { long pid; int err; } r = {-1, 0};
    pid_t sp = fork();
    if (sp == 0) {
        close(rp[0]);
        long pid = setns(holder, CLONE_NEWUSER) < 0
                       ? -1
                       : syscall(SYS_clone, (unsigned long)(nsflags & ~CLONE_NEWUSER) | CLONE_PARENT | SIGCHLD, 0,
                                 NULL, NULL, 0);
        if (pid == 0) {
            close(sv[0]);
            child_main(s, cf, sv[1], netns_fd);
        }
        r.pid = pid;
        r.err = pid < 0 ? errno : 0;
        _exit(write(rp[1], &r, sizeof r) == (ssize_t)sizeof r ? 0 : 1);
    }
    close(rp[1]);
    ssize_t n = sp > 0 ? read(rp[0], &r, sizeof r) : -1;
    int err = sp < 0 ? errno : n != (ssize_t)sizeof r ? EIO : r.err;
    close(rp[0]);
    if (sp > 0)
        while (waitpid(sp, NULL, 0) < 0 && errno == EINTR) {}
    if (r.pid > 0 && err) /* (our child: CLONE_PARENT) */
        waitpid((pid_t)r.pid, NULL, 0);
    if (err) {
        errno = err;
        return -1;
    }
    return r.pid;
}

/* The parent's part of a user namespace: the maps, then (overlay) the
 * root with idmapped layers, sent to the child with its go-ahead. */
static int userns_setup(const sbc_spec *s, pid_t pid, int mapped, int sock, sbc_err *e)
{
    if (!mapped && (write_map(pid, "uid_map", s->uidmap, s->nuidmap, e) < 0 ||
                    write_map(pid, "gid_map", s->gidmap, s->ngidmap, e) < 0))
        return -1;
    struct msg m = {.kind = MSG_USERNS};
    int ov = -1;
    if (s->nlower > 0 && s->upper && geteuid() == 0) { /* (rootless: the child mounts it) */
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
        int us = open(path, O_RDONLY | O_CLOEXEC);
        if (us < 0)
            return sbc_err_sys(e, "open the container's user namespace");
        ov = sbc_rootfs_overlay_fd(s->lower, s->nlower, s->upper, s->work, us, e);
        close(us);
        if (ov < 0)
            return -1;
    }
    send_msg(sock, &m, ov);
    if (ov >= 0)
        close(ov);
    return 0;
}

/* The child's user and network namespaces, where it has its own. */
static void hook_nsfds(const sbc_spec *s, pid_t pid, int nsfd[2])
{
    static const char *const kind[] = {"user", "net"};
    const int flag[] = {CLONE_NEWUSER, CLONE_NEWNET};
    for (int i = 0; i < 2; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, kind[i]);
        nsfd[i] = (s->ns & flag[i]) ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    }
}

/* The bind mounts of a container in a user namespace, made here as detached
 * trees with their flags (its root may not walk to the sources, nor change
 * a mount the host's root made) and sent for the child to attach. */
static int userns_binds(const sbc_spec *s, int sock, sbc_err *e)
{
    for (int i = 0; i < s->nmounts; i++) {
        const sbc_mount *m = &s->mounts[i];
        if (!m->bind)
            continue;
        unsigned fl = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | ((m->flags & MS_REC) ? AT_RECURSIVE : 0);
        int t = (int)syscall(SYS_open_tree, AT_FDCWD, m->source, fl);
        struct sbc_mount_attr a = bind_attr(m);
        if (t < 0 || (a.attr_set && syscall(SYS_mount_setattr, t, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) < 0)) {
            sbc_err_sys(e, "bind %s on %s", m->source, m->dest);
            if (t >= 0)
                close(t);
            return -1;
        }
        struct msg bm = {.kind = MSG_USERNS, .code = i};
        send_msg(sock, &bm, t);
        close(t);
    }
    return 0;
}

static void close_all(const int *fds, int n)
{
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

/* The namespaces spec joins by path, opened (and checked to be of their
 * type) into nsjoin_fd before the clone; pid is joined here, for the
 * child.  -1 with e, nothing left open. */
static int open_paths(const sbc_spec *s, sbc_err *e)
{
    static const struct { int f; const char *n; } kinds[] = {
        {CLONE_NEWPID, "pid"}, {CLONE_NEWIPC, "ipc"}, {CLONE_NEWUTS, "uts"}, {CLONE_NEWCGROUP, "cgroup"},
        {CLONE_NEWNS, "mount"}};
    for (int k = 0; k < s->nnsjoin; k++) {
        int fd = open(s->nsjoin[k].path, O_RDONLY | O_CLOEXEC), ok = 0;
        for (size_t i = 0; fd >= 0 && i < sizeof kinds / sizeof *kinds; i++)
            if (kinds[i].f == s->nsjoin[k].type)
                ok = ioctl(fd, NS_GET_NSTYPE) == kinds[i].f;
        if (fd < 0 || !ok || (s->nsjoin[k].type == CLONE_NEWPID && setns(fd, CLONE_NEWPID) < 0)) {
            if (fd >= 0 && !ok)
                sbc_err_set(e, 0, "%s is not a namespace of the type asked for", s->nsjoin[k].path);
            else
                sbc_err_sys(e, "join the namespace %s", s->nsjoin[k].path);
            if (fd >= 0)
                close(fd);
            for (int j = 0; j < k; j++)
                close(nsjoin_fd[j]);
            return -1;
        }
        nsjoin_fd[k] = fd;
    }
    return 0;
}

/* An init others see from birth cannot switch to the sealed sbc itself in
 * time: this process does, before the clone (exeseal.h). */
static int seal_if_seen(const sbc_spec *s, sbc_err *e)
{
    int seen = !(s->ns & CLONE_NEWPID);
    for (int k = 0; k < s->nnsjoin; k++)
        seen |= s->nsjoin[k].type == CLONE_NEWPID;
    return seen ? sbc_exe_seal_here(e) : 0;
}

static int spawn_confined(const sbc_spec *s, const sbc_confine *cf, sbc_proc *p, sbc_err *e)
{
    int sv[2];
    p->pid = -1;
    p->pidfd = -1;
    p->ptmx = -1;
    /* Pure v2: the cgroup is made first and the child is born in it
     * (CLONE_INTO_CGROUP: no move).  Elsewhere it is made and entered after
     * the clone, while the child mounts its root. */
    int cgfd = -1;
    if (s->cgroup && sbc_cgroup_mode() == SBC_CG_V2) {
        if (sbc_cgroup_create(s->cgroup, &s->limits, e) < 0)
            return -1;
        cgfd = sbc_cgroup_v2_fd(s->cgroup);
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        if (cgfd >= 0)
            close(cgfd);
        return sbc_err_sys(e, "socketpair");
    }
    int netns_fd = -1;
    if (s->netns_path && (netns_fd = open(s->netns_path, O_RDONLY | O_CLOEXEC)) < 0) {
        sbc_err_sys(e, "join the network namespace %s", s->netns_path);
        close_all((int[]){sv[0], sv[1], cgfd}, 3);
        return -1;
    }
    if (open_paths(s, e) < 0) {
        close_all((int[]){sv[0], sv[1], netns_fd, cgfd}, 4);
        return -1;
    }
    if (seal_if_seen(s, e) < 0) {
        close_all((int[]){sv[0], sv[1], netns_fd, cgfd}, 4);
        close_all(nsjoin_fd, s->nnsjoin);
        return -1;
    }
    int nsflags = s->ns & ~CLONE_NEWCGROUP; /* joined after the cgroup move */
    if (netns_fd >= 0)
        nsflags &= ~CLONE_NEWNET;
    int pidfd = -1;
    struct clone_args ca = {.flags = (unsigned)nsflags | CLONE_PIDFD,
                            .pidfd = (uint64_t)(uintptr_t)&pidfd, .exit_signal = SIGCHLD};
    if (cgfd >= 0) {
        ca.flags |= CLONE_INTO_CGROUP;
        ca.cgroup = (uint64_t)cgfd;
    }
    /* rootless with subordinate ids: born in the user's holder namespace,
     * which writes the maps (no set-uid helper per container) */
    int holder = -1;
    if ((nsflags & CLONE_NEWUSER) && geteuid() != 0 && s->nuidmap > 1 && (holder = sbc_userns_holder(e)) < 0) {
        close_all((int[]){sv[0], sv[1], netns_fd, cgfd}, 4);
        close_all(nsjoin_fd, s->nnsjoin);
        return -1;
    }
    if (holder >= 0 && cgfd >= 0) { /* (moved into its cgroup after the clone) */
        close(cgfd);
        cgfd = -1;
        ca.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
        ca.cgroup = 0;
    }
    if (holder < 0)
        spread_prepare();
    long pid = holder >= 0 ? clone_in_holder(s, cf, nsflags, holder, sv, netns_fd) : syscall(SYS_clone3, &ca, sizeof ca);
    if (pid > 0 && holder < 0)
        spread_out((pid_t)pid);
    if (holder >= 0)
        close(holder);
    if (pid < 0 && cgfd >= 0 && errno != ENOMEM && errno != EAGAIN) {
        /* an older kernel: clone, then move */
        close(cgfd);
        cgfd = -1;
        ca.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
        ca.cgroup = 0;
        pid = syscall(SYS_clone3, &ca, sizeof ca);
    }
    if (cgfd >= 0)
        close(cgfd);
    int placed = pid > 0 && (ca.flags & CLONE_INTO_CGROUP);
    if (pid < 0 && holder < 0 && (errno == ENOSYS || errno == EINVAL)) {
        pid = syscall(SYS_clone, (unsigned long)nsflags | SIGCHLD, 0, NULL, NULL, 0);
        pidfd = -1;
    }
    if (pid < 0) {
        sbc_err_sys(e, "clone the container's init");
        close_all((int[]){sv[0], sv[1], netns_fd}, 3);
        close_all(nsjoin_fd, s->nnsjoin);
        return -1;
    }
    if (pid == 0) {
        close(sv[0]);
        /* (in a user namespace, after the parent wrote the maps: an
         * ordinary user cannot open a non-dumpable child's uid_map) */
        if (!(s->ns & CLONE_NEWUSER))
            prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        child_main(s, cf, sv[1], netns_fd);
    }
    close(sv[1]);
    if (netns_fd >= 0)
        close(netns_fd);
    for (int k = 0; k < s->nnsjoin; k++)
        close(nsjoin_fd[k]);
    p->pid = (pid_t)pid;
    if (pidfd < 0)
        pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
    if (pidfd >= 0)
        fcntl(pidfd, F_SETFD, FD_CLOEXEC);
    p->pidfd = pidfd;
    send_root(s, sv[0]);
    /* the namespaces for the hook, before the child turns non-dumpable
     * (in a user namespace, when it has its maps; an ordinary user could
     * not open them then) */
    int nsfd[2] = {-1, -1};
    if (s->hook)
        hook_nsfds(s, p->pid, nsfd);
    int hr = ((s->ns & CLONE_NEWUSER) && userns_setup(s, p->pid, holder >= 0, sv[0], e) < 0) ||
             (s->cgroup && !placed &&
              ((sbc_cgroup_mode() != SBC_CG_V2 && sbc_cgroup_create(s->cgroup, &s->limits, e) < 0) ||
               sbc_cgroup_enter(s->cgroup, p->pid, e) < 0)) ||
             (s->hook && s->hook(s->hook_arg, p->pid, nsfd, e) < 0) ? -1 : 0;
    for (int i = 0; i < 2; i++)
        if (nsfd[i] >= 0)
            close(nsfd[i]);
    if (hr < 0)
        goto fail;
    /* the child may already have failed in its early setup: then its
     * message waits in the socket (MSG_NOSIGNAL: no SIGPIPE on a dead peer) */
    if ((s->ns & CLONE_NEWUSER) && geteuid() == 0 && userns_binds(s, sv[0], e) < 0)
        goto fail;
    if (send(sv[0], "g", 1, MSG_NOSIGNAL) != 1 && errno != EPIPE && errno != ECONNRESET) {
        sbc_err_sys(e, "start the container's init");
        goto fail;
    }
    if (await_exec(sv[0], s->terminal, p, e) < 0) {
        int st;
        waitpid(p->pid, &st, 0);
        goto out;
    }
    close(sv[0]);
    return 0;
fail:
    kill(p->pid, SIGKILL);
    waitpid(p->pid, NULL, 0);
out:
    close(sv[0]);
    if (p->pidfd >= 0)
        close(p->pidfd);
    if (p->ptmx >= 0)
        close(p->ptmx);
    p->pidfd = p->ptmx = -1;
    return -1;
}

static int join_confined(pid_t target, const char *cgroup, const sbc_spec *s, const sbc_confine *cf,
                         sbc_proc *p, sbc_err *e);

int sbc_spawn_join(pid_t target, const char *cgroup, const sbc_spec *s, sbc_proc *p, sbc_err *e)
{
    sbc_confine cf;
    p->pid = -1;
    p->pidfd = -1;
    p->ptmx = -1;
    if (confine_of(s, &cf, e) < 0)
        return -1;
    int rc = join_confined(target, cgroup, s, &cf, p, e);
    sbc_confine_free(&cf);
    return rc;
}

static int join_confined(pid_t target, const char *cgroup, const sbc_spec *s, const sbc_confine *cf,
                         sbc_proc *p, sbc_err *e)
{
    int sv[2];
    int tfd = (int)syscall(SYS_pidfd_open, target, 0);
    if (tfd < 0)
        return sbc_err_sys(e, "open the container's process %d", (int)target);
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        close(tfd);
        return sbc_err_sys(e, "socketpair");
    }
    pid_t c1 = fork();
    if (c1 < 0) {
        close(tfd);
        close(sv[0]);
        close(sv[1]);
        return sbc_err_sys(e, "fork");
    }
    if (c1 == 0) {
        sbc_err ce = {0};
        close(sv[0]);
        reset_signals();
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (cgroup && sbc_cgroup_enter(cgroup, getpid(), &ce) < 0)
            child_fail(sv[1], &ce);
        int flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWCGROUP |
                    (s->ns & CLONE_NEWUSER);
        if (setns(tfd, flags) < 0 && setns(tfd, flags & ~CLONE_NEWCGROUP) < 0) {
            sbc_err_sys(&ce, "join the container's namespaces");
            child_fail(sv[1], &ce);
        }
        close(tfd);
        /* the pid namespace applies to children: fork the process as a
         * sibling, so the caller can wait for it directly */
        long c2 = syscall(SYS_clone, (unsigned long)CLONE_PARENT, 0, NULL, NULL, 0);
        if (c2 < 0) {
            sbc_err_sys(&ce, "clone into the container");
            child_fail(sv[1], &ce);
        }
        if (c2 > 0) {
            struct msg m = {.kind = MSG_PID, .pid = (int)c2};
            send_msg(sv[1], &m, -1);
            _exit(0);
        }
        if (setup_stdio(s, sv[1], 0, &ce) < 0)
            child_fail(sv[1], &ce);
        exec_cmd(s, cf, sv[1], SBC_EXIT_NOEXEC, &ce);
    }
    close(tfd);
    close(sv[1]);
    int st;
    int rc = await_exec(sv[0], s->terminal, p, e);
    while (waitpid(c1, &st, 0) < 0 && errno == EINTR)
        ;
    close(sv[0]);
    if (rc < 0) {
        if (p->pid > 0)
            waitpid(p->pid, &st, 0);
        if (p->ptmx >= 0)
            close(p->ptmx);
        p->ptmx = -1;
        return -1;
    }
    if (p->pid <= 0)
        return sbc_err_set(e, SBC_EXIT_FAIL, "exec: the process did not start");
    p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
    return 0;
}

int sbc_spawn_release(const char *path, const char *state, sbc_err *e)
{
    struct sockaddr_un a;
    int dfd, fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sbc_err_sys(e, "socket");
    if (sbc_unix_addr(path, &a, &dfd) < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        int err = errno;
        if (dfd >= 0)
            close(dfd);
        close(fd);
        errno = err;
        return sbc_err_sys(e, "reach the container's init at %s", path);
    }
    if (dfd >= 0)
        close(dfd);
    size_t len = strlen(state), off = 0;
    for (;;) {
        size_t n = len - off > 4096 ? 4096 : len - off;
        if (send(fd, state + off, n, MSG_NOSIGNAL) < 0 && errno != EPIPE && errno != ECONNRESET) {
            close(fd);
            return sbc_err_sys(e, "start the container's init");
        }
        off += n;
        if (n < 4096)
            break;
    }
    sbc_proc p = {.pid = -1, .pidfd = -1, .ptmx = -1};
    int rc = await_exec(fd, 0, &p, e);
    close(fd);
    return rc;
}

int sbc_status_code(int st)
{
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return SBC_EXIT_FAIL;
}

int sbc_proc_wait(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return SBC_EXIT_FAIL;
    return sbc_status_code(st);
}
