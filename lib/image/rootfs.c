/* rootfs.c - overlay, btrfs and copy drivers for the container root. */
#include "image/rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <linux/magic.h>
#include <linux/mount.h>

#include "base/cleanup.h"
#include "base/digest.h"
#include "base/config.h"
#include "base/io.h"
#include "image/layer.h"

static int kernel_at_least(int major, int minor)
{
    struct utsname u;
    int a = 0, b = 0;
    return uname(&u) == 0 && sscanf(u.release, "%d.%d", &a, &b) == 2 && (a > major || (a == major && b >= minor));
}

static int have_overlay(void)
{
    sbc_err e;
    char *s = sbc_read_file(AT_FDCWD, "/proc/filesystems", 1 << 16, NULL, &e);
    int ok = s && strstr(s, "\toverlay\n");
    free(s);
    return ok;
}

/* The driver SBC_STORAGE_DRIVER forces: -1 none (unset or empty), -2 an
 * unknown value (*val gets it). */
static int forced_driver(const char **val)
{
    const char *f = getenv("SBC_STORAGE_DRIVER");
    *val = f;
    if (!f || !*f)
        return -1;
    if (!strcmp(f, "overlay"))
        return SBC_ROOTFS_OVERLAY;
    if (!strcmp(f, "btrfs"))
        return SBC_ROOTFS_BTRFS;
    if (!strcmp(f, "copy") || !strcmp(f, "vfs"))
        return SBC_ROOTFS_COPY;
    return -2;
}

int sbc_rootfs_driver_check(sbc_err *e)
{
    const char *v;
    if (forced_driver(&v) == -2)
        return sbc_err_set(e, SBC_EXIT_FAIL,
                           "invalid SBC_STORAGE_DRIVER \"%.100s\": expected overlay, btrfs or copy (vfs)", v);
    return 0;
}

int sbc_rootfs_driver(const char *store_root)
{
    const char *v;
    int f = forced_driver(&v);
    if (f >= 0)
        return f;
    if (f == -2) /* refused by sbc_rootfs_driver_check before */
        return SBC_ROOTFS_OVERLAY;
    /* the store, or the nearest dir above it when it is not made yet */
    struct statfs sf;
    char p[PATH_MAX], *s;
    snprintf(p, sizeof p, "%s", store_root ? store_root : ".");
    int rc;
    while ((rc = statfs(p, &sf)) < 0 && errno == ENOENT && (s = strrchr(p, '/')) && (s > p || p[1]))
        s[s == p] = 0; /* "/a/b" -> "/a", "/a" -> "/" */
    if (rc == 0 && sf.f_type == BTRFS_SUPER_MAGIC)
        return SBC_ROOTFS_BTRFS;
    /* rootless, overlay is mounted in the container's user namespace with
     * userxattr, which Linux has since 5.11; before, the copy driver */
    return have_overlay() && (!sbc_rootless() || kernel_at_least(5, 11)) ? SBC_ROOTFS_OVERLAY : SBC_ROOTFS_COPY;
}

const char *sbc_rootfs_driver_str(int d)
{
    return d == SBC_ROOTFS_BTRFS ? "btrfs" : d == SBC_ROOTFS_COPY ? "copy" : "overlay";
}

const char *sbc_rootfs_driver_label(const char *store_root, char *buf, size_t n)
{
    const char *v;
    if (forced_driver(&v) == -2)
        snprintf(buf, n, "invalid (SBC_STORAGE_DRIVER=%.90s)", v);
    else
        snprintf(buf, n, "%s", sbc_rootfs_driver_str(sbc_rootfs_driver(store_root)));
    return buf;
}

const char *sbc_rootfs_driver_name(char *buf, size_t n)
{
    return sbc_rootfs_driver_label(sbc_root_dir(), buf, n);
}

/* The layers were made by an ordinary user (rootless pull). */
static int rootless_store(const char **lower, int n)
{
    struct stat st;
    return n > 0 && stat(lower[0], &st) == 0 && st.st_uid != 0;
}

int sbc_rootfs_overlay_detached(const char **lower, int n, const char *upper, const char *work)
{
    int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
    if (fs < 0)
        return -1;
    int mnt = -1;
    /* lowerdir+ appends below the ones before it: topmost layer first */
    for (int i = n - 1; i >= 0; i--)
        if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir+", lower[i], 0) < 0)
            goto out;
    if (upper && (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
                  syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0))
        goto out;
    /* rootless (a user namespace of the user's): no trusted.* xattrs, so
     * overlay keeps its metadata in user.overlay.* (the store has those) */
    if (rootless_store(lower, n) && syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
        goto out;
    if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        goto out;
    mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
out:;
    int saved = errno;
    close(fs);
    errno = saved;
    return mnt;
}

static int overlay_new_api(const char *target, const char **lower, int n, const char *upper,
                           const char *work)
{
    int mnt = sbc_rootfs_overlay_detached(lower, n, upper, work);
    if (mnt < 0)
        return -1;
    int rc = (int)syscall(SYS_move_mount, mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH);
    int saved = errno;
    close(mnt);
    errno = saved;
    return rc;
}

int sbc_rootfs_overlay_fd(const char **lower, int n, const char *upper, const char *work,
                          int userns_fd, sbc_err *e)
{
    if (n < 1 || !upper)
        return sbc_err_set(e, 0, "overlay: no layers");
    int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
    if (fs < 0)
        return sbc_err_sys(e, "overlay: fsopen");
    int rc = 0, mnt = -1;
    int *trees = sbc_xcalloc((size_t)n, sizeof *trees);
    for (int i = 0; i < n; i++)
        trees[i] = -1;
    /* lowerdir+ appends below the ones before it: topmost layer first; the
     * idmapped trees stay open until the overlay is made (it takes the
     * paths then) */
    for (int i = n - 1; i >= 0 && rc == 0; i--) {
        int t = trees[i] = (int)syscall(SYS_open_tree, AT_FDCWD, lower[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd};
        if (t < 0) {
            rc = sbc_err_sys(e, "idmapped mount of layer %s", lower[i]);
        } else if (syscall(SYS_mount_setattr, t, "", AT_EMPTY_PATH, &a, sizeof a) < 0) {
            /* EINVAL: the file system cannot (no FS_ALLOW_IDMAP, e.g. ramfs,
             * nfs), ENOSYS: the kernel has no mount_setattr (< 5.12) */
            struct statfs sf;
            if ((errno == EINVAL || errno == ENOSYS) && fstatfs(t, &sf) == 0)
                rc = sbc_err_set(e, 0, "remap: the store's file system (type 0x%lx at %s) has no idmapped mounts on "
                                 "this kernel; run with --userns host or keep the store on ext4, xfs, btrfs or tmpfs",
                                 (unsigned long)sf.f_type, lower[i]);
            else
                rc = sbc_err_sys(e, "idmapped mount of layer %s", lower[i]);
        } else {
            char p[40];
            snprintf(p, sizeof p, "/proc/self/fd/%d", t);
            if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir+", p, 0) < 0)
                rc = sbc_err_sys(e, "overlay: layer %s", lower[i]);
        }
    }
    if (rc == 0 && (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
                    syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0 ||
                    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ||
                    (mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0)) < 0)) {
        int err = errno;
        char log[300];
        ssize_t k = read(fs, log, sizeof log - 1);
        if (k > 0) {
            log[k] = 0;
            log[strcspn(log, "\n")] = 0;
        }
        errno = err;
        rc = k > 0 ? sbc_err_set(e, 0, "mount the overlay with idmapped layers: %s (%s)", strerror(err), log)
                   : sbc_err_sys(e, "mount the overlay with idmapped layers");
    }
    close(fs);
    for (int i = 0; i < n; i++)
        if (trees[i] >= 0)
            close(trees[i]);
    free(trees);
    return rc < 0 ? -1 : mnt;
}

int sbc_rootfs_mount_overlay(const char *target, const char **lower, int n,
                             const char *upper, const char *work, sbc_err *e)
{
    if (n < 1)
        return sbc_err_set(e, 0, "overlay: no layers");
    if (n == 1 && !upper) /* an overlay needs two layers without an upper: bind */
        return mount(lower[0], target, NULL, MS_BIND | MS_RDONLY, NULL) < 0 ? sbc_err_sys(e, "bind %s", lower[0]) : 0;
    if (overlay_new_api(target, lower, n, upper, work) == 0)
        return 0;
    if (errno != ENOSYS && errno != EINVAL)
        return sbc_err_sys(e, "mount overlay on %s", target);
    /* legacy: one option string, at most a page; with many layers use names
     * relative to their common parent, which we chdir into */
    sbc_buf o = {0};
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += strlen(lower[i]) + 1;
    int rel = total > 3000;
    char cwd[PATH_MAX];
    if (rel) {
        const char *slash = strrchr(lower[0], '/');
        char parent[PATH_MAX];
        snprintf(parent, sizeof parent, "%.*s", (int)(slash - lower[0]), lower[0]);
        if (!getcwd(cwd, sizeof cwd) || chdir(parent) < 0)
            return sbc_err_sys(e, "overlay: chdir %s", parent);
    }
    sbc_buf_adds(&o, "lowerdir=");
    for (int i = n - 1; i >= 0; i--) {
        const char *l = rel && strrchr(lower[i], '/') ? strrchr(lower[i], '/') + 1 : lower[i];
        sbc_buf_printf(&o, "%s%s", l, i ? ":" : "");
    }
    if (upper)
        sbc_buf_printf(&o, ",upperdir=%s,workdir=%s", upper, work);
    int rc = mount("overlay", target, "overlay", 0, o.data);
    if (rc < 0)
        sbc_err_sys(e, "mount overlay on %s", target);
    sbc_buf_free(&o);
    if (rel && chdir(cwd) < 0 && rc == 0)
        rc = sbc_err_sys(e, "chdir back");
    return rc < 0 ? -1 : 0;
}

/* ---- copy -------------------------------------------------------------- */

int sbc_rootfs_copy_layers(const char *dest, const char **lower, int n, sbc_err *e)
{
    /* the layer code's flatten: whiteouts and opaque dirs applied, modes,
     * owners, times, xattrs, symlinks, hard links and special files kept */
    if (sbc_layer_flatten(lower, n, dest, e) < 0)
        return -1;
    /* the root itself is the container's, like overlay's upper dir */
    if (chown(dest, 0, 0) < 0 || chmod(dest, 0755) < 0)
        return sbc_err_sys(e, "chmod %s", dest);
    return 0;
}

/* ---- btrfs ------------------------------------------------------------- */

/* The open parent dir of path, and its last component in *base; -1 with
 * errno set. */
static int open_parent(const char *path, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash || !slash[1]) {
        errno = EINVAL;
        return -1;
    }
    char *parent = slash == path ? sbc_xstrdup("/") : sbc_xasprintf("%.*s", (int)(slash - path), path);
    int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC), saved = errno;
    free(parent);
    errno = saved;
    *base = slash + 1;
    return fd;
}

/* Is fd (stat st) the root of a btrfs subvolume? */
static int is_subvol(int fd, const struct stat *st)
{
    struct statfs sf;
    return S_ISDIR(st->st_mode) && st->st_ino == BTRFS_FIRST_FREE_OBJECTID &&
           fstatfs(fd, &sf) == 0 && sf.f_type == BTRFS_SUPER_MAGIC;
}

/* Destroy the subvolume name (open as fd) below dfd, read-only or not.
 * Not inlined: its 4 KiB of arguments stay off the rm -rf walk's recursion. */
__attribute__((noinline)) static int subvol_destroy(int dfd, const char *name, int fd)
{
    uint64_t fl = 0;
    ioctl(fd, BTRFS_IOC_SUBVOL_SETFLAGS, &fl);
    struct btrfs_ioctl_vol_args a;
    memset(&a, 0, sizeof a);
    snprintf(a.name, sizeof a.name, "%s", name);
    return ioctl(dfd, BTRFS_IOC_SNAP_DESTROY, &a);
}

/* sbc_rm_rf's hook for rm_tree: a btrfs subvolume is destroyed (made
 * writable first); one that holds subvolumes of its own (ENOTEMPTY) and
 * any other directory are emptied and rmdir'ed by the walk. */
static int subvol_hook(int dfd, const char *name, int fd, void *arg)
{
    struct stat st;
    return fstat(fd, &st) == 0 && is_subvol(fd, &st) && subvol_destroy(dfd, name, fd) == 0;
}

/* rm -rf of name below dfd without following symlinks, subvolumes
 * destroyed rather than emptied.  ENOENT is success. */
static int rm_tree(int dfd, const char *name, sbc_err *e)
{
    return sbc_rm_rf_hook(dfd, name, subvol_hook, NULL, e);
}

int sbc_rootfs_remove(const char *dir, sbc_err *e)
{
    const char *base;
    int pfd = open_parent(dir, &base);
    if (pfd < 0)
        return errno == ENOENT ? 0 : sbc_err_sys(e, "remove %s", dir);
    int rc = rm_tree(pfd, base, e);
    close(pfd);
    return rc;
}

/* The name of an image's flattened subvolume: the sha256 of its layer chain
 * (the layer dirs' names, bottom first), so images with the same layers
 * share it. */
static void btrfs_key(const char **lower, int n, char key[SBC_DIGEST_LEN + 1])
{
    sbc_sha256 h;
    sbc_sha256_init(&h);
    for (int i = 0; i < n; i++) {
        const char *b = strrchr(lower[i], '/');
        b = b ? b + 1 : lower[i];
        sbc_sha256_update(&h, b, strlen(b) + 1);
    }
    sbc_sha256_final(&h, key);
}

char *sbc_rootfs_btrfs_image(const char *store_root, const char **lower, int n)
{
    char key[SBC_DIGEST_LEN + 1];
    btrfs_key(lower, n, key);
    return sbc_xasprintf("%s/btrfs/%s", store_root, key + SBC_DIGEST_PREFIX_LEN);
}

static int subvol_create(int dfd, const char *name, sbc_err *e)
{
    struct btrfs_ioctl_vol_args a;
    memset(&a, 0, sizeof a);
    snprintf(a.name, sizeof a.name, "%s", name);
    return ioctl(dfd, BTRFS_IOC_SUBVOL_CREATE, &a) < 0 ? sbc_err_sys(e, "btrfs: create subvolume %s", name) : 0;
}

/* Drop the tmp-<pid> subvolumes of builds whose sbc died (a crash, a kill
 * -9): a live pid's may be a build in progress and stays. */
static void sweep_stale_builds(int bfd)
{
    char **names;
    size_t n;
    if (sbc_dir_names(bfd, &names, &n) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        char *end;
        if (strncmp(names[i], "tmp-", 4))
            continue;
        long pid = strtol(names[i] + 4, &end, 10);
        if (*end || pid <= 0 || pid == (long)getpid() || pid > INT_MAX ||
            kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        sbc_err e2;
        rm_tree(bfd, names[i], &e2);
    }
    sbc_names_free(names, n);
}

/* Make btrfs/<key>: a new subvolume filled from the layers under a
 * temporary name, made read-only, then renamed into place (when another
 * sbc made it meanwhile, ours is dropped). */
static int btrfs_image(int bfd, const char *bdir, const char *key, const char **lower, int n, sbc_err *e)
{
    char tmp[32];
    sweep_stale_builds(bfd);
    snprintf(tmp, sizeof tmp, "tmp-%d", (int)getpid());
    char *path = sbc_xasprintf("%s/%s", bdir, tmp);
    uint64_t ro = BTRFS_SUBVOL_RDONLY;
    int rc = -1, fd = -1;
    if (rm_tree(bfd, tmp, e) < 0 || subvol_create(bfd, tmp, e) < 0 ||
        sbc_rootfs_copy_layers(path, lower, n, e) < 0)
        goto out;
    if ((fd = openat(bfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
        ioctl(fd, BTRFS_IOC_SUBVOL_SETFLAGS, &ro) < 0) {
        sbc_err_sys(e, "btrfs: make %s read-only", path);
        goto out;
    }
    if (renameat(bfd, tmp, bfd, key) < 0 && errno != EEXIST && errno != ENOTEMPTY) {
        sbc_err_sys(e, "rename %s", path);
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    sbc_err e2;
    rm_tree(bfd, tmp, &e2); /* gone after a rename; on failure, ours */
    free(path);
    return rc;
}

int sbc_rootfs_btrfs_snapshot(const char *store_root, const char *dest, const char **lower,
                              int n, sbc_err *e)
{
    if (n < 1)
        return sbc_err_set(e, 0, "btrfs: no layers");
    char key[SBC_DIGEST_LEN + 1];
    btrfs_key(lower, n, key);
    const char *hex = key + SBC_DIGEST_PREFIX_LEN, *base;
    sbc_cleanup_free char *bdir = sbc_xasprintf("%s/btrfs", store_root);
    sbc_cleanup_close int bfd = -1;
    sbc_cleanup_close int src = -1;
    sbc_cleanup_close int pfd = -1;
    if (sbc_mkdir_p(bdir, 0700, e) < 0)
        return -1;
    if ((bfd = open(bdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return sbc_err_sys(e, "open %s", bdir);
    struct statfs sf;
    if (fstatfs(bfd, &sf) < 0 || sf.f_type != BTRFS_SUPER_MAGIC)
        return sbc_err_set(e, 0, "storage driver btrfs: %s is not on btrfs", store_root);
    src = openat(bfd, hex, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (src < 0 && errno == ENOENT) {
        if (btrfs_image(bfd, bdir, hex, lower, n, e) < 0)
            return -1;
        src = openat(bfd, hex, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (src < 0)
        return sbc_err_sys(e, "open %s/%s", bdir, hex);
    if ((pfd = open_parent(dest, &base)) < 0)
        return sbc_err_sys(e, "btrfs: open the parent of %s", dest);
    struct btrfs_ioctl_vol_args_v2 a;
    memset(&a, 0, sizeof a);
    a.fd = src;
    snprintf(a.name, sizeof a.name, "%s", base);
    if (ioctl(pfd, BTRFS_IOC_SNAP_CREATE_V2, &a) < 0)
        return sbc_err_sys(e, "btrfs: snapshot %s/%s as %s", bdir, hex, dest);
    return 0;
}

int sbc_rootfs_btrfs_drop(const char *store_root, const char **lower, int n, sbc_err *e)
{
    if (n < 1)
        return 0;
    char key[SBC_DIGEST_LEN + 1];
    btrfs_key(lower, n, key);
    char *bdir = sbc_xasprintf("%s/btrfs", store_root);
    int bfd = open(bdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;
    if (bfd >= 0) {
        rc = rm_tree(bfd, key + SBC_DIGEST_PREFIX_LEN, e);
        close(bfd);
    } else if (errno != ENOENT) {
        rc = sbc_err_sys(e, "open %s", bdir);
    }
    free(bdir);
    return rc;
}
