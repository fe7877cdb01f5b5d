/* rootfs.c - overlay, btrfs and copy drivers for the container root. */
#include "rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/btrfs.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/mount.h>

#include "io.h"

static int have_overlay(void)
{
    sbc_err e;
    char *s = sbc_read_file(AT_FDCWD, "/proc/filesystems", 1 << 16, NULL, &e);
    int ok = s && strstr(s, "\toverlay\n");
    free(s);
    return ok;
}

int sbc_rootfs_driver(const char *store_root)
{
    const char *f = getenv("SBC_STORAGE_DRIVER");
    if (f && *f) {
        if (!strcmp(f, "btrfs"))
            return SBC_ROOTFS_BTRFS;
        if (!strcmp(f, "copy") || !strcmp(f, "vfs"))
            return SBC_ROOTFS_COPY;
        return SBC_ROOTFS_OVERLAY;
    }
    struct statfs sf;
    if (store_root && statfs(store_root, &sf) == 0 && sf.f_type == BTRFS_SUPER_MAGIC)
        return SBC_ROOTFS_BTRFS;
    return have_overlay() ? SBC_ROOTFS_OVERLAY : SBC_ROOTFS_COPY;
}

const char *sbc_rootfs_driver_str(int d)
{
    return d == SBC_ROOTFS_BTRFS ? "btrfs" : d == SBC_ROOTFS_COPY ? "copy" : "overlay";
}

const char *sbc_rootfs_driver_name(void)
{
    const char *r = getenv("SBC_ROOT");
    return sbc_rootfs_driver_str(sbc_rootfs_driver(r && *r ? r : "/var/lib/sbc"));
}

static int overlay_new_api(const char *target, const char **lower, int n, const char *upper,
                           const char *work)
{
    int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
    if (fs < 0)
        return -1;
    int rc = -1, mnt = -1;
    /* lowerdir+ appends below the ones before it: topmost layer first */
    for (int i = n - 1; i >= 0; i--)
        if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir+", lower[i], 0) < 0)
            goto out;
    if (upper && (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
                  syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0))
        goto out;
    if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        goto out;
    mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
    if (mnt < 0)
        goto out;
    rc = (int)syscall(SYS_move_mount, mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH);
out:;
    int saved = errno;
    if (mnt >= 0)
        close(mnt);
    close(fs);
    errno = saved;
    return rc;
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

static int copy_file(int sfd, int dfd, const char *name, const struct stat *st, sbc_err *e)
{
    int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0)
        return sbc_err_sys(e, "copy: open %s", name);
    int out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0) {
        close(in);
        return sbc_err_sys(e, "copy: create %s", name);
    }
    int rc = 0;
    if (ioctl(out, FICLONE, in) < 0) { /* reflink when the fs can */
        char buf[65536];
        ssize_t r;
        while ((r = read(in, buf, sizeof buf)) > 0)
            if (sbc_write_full(out, buf, (size_t)r) < 0) {
                r = -1;
                break;
            }
        if (r < 0)
            rc = sbc_err_sys(e, "copy: %s", name);
    }
    if (rc == 0 && (fchown(out, st->st_uid, st->st_gid) < 0 || fchmod(out, st->st_mode & 07777) < 0))
        rc = sbc_err_sys(e, "copy: chmod %s", name);
    close(in);
    close(out);
    return rc;
}

static int copy_tree(int sfd, int dfd, sbc_err *e)
{
    int dup_fd = fcntl(sfd, F_DUPFD_CLOEXEC, 0);
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    if (!d)
        return sbc_err_sys(e, "copy: opendir");
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d))) {
        const char *n = de->d_name;
        if (!strcmp(n, ".") || !strcmp(n, ".."))
            continue;
        struct stat st, dst;
        if (fstatat(sfd, n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            rc = sbc_err_sys(e, "copy: stat %s", n);
            break;
        }
        int exists = fstatat(dfd, n, &dst, AT_SYMLINK_NOFOLLOW) == 0;
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) { /* whiteout */
            if (exists)
                rc = sbc_rm_rf(dfd, n, e);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            char v = 0;
            int sub = openat(sfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) {
                rc = sbc_err_sys(e, "copy: open %s", n);
                break;
            }
            int opaque = fgetxattr(sub, "trusted.overlay.opaque", &v, 1) == 1 && v == 'y';
            if (exists && (!S_ISDIR(dst.st_mode) || opaque)) {
                if (sbc_rm_rf(dfd, n, e) < 0) {
                    close(sub);
                    rc = -1;
                    break;
                }
                exists = 0;
            }
            if (!exists && mkdirat(dfd, n, 0700) < 0) {
                close(sub);
                rc = sbc_err_sys(e, "copy: mkdir %s", n);
                break;
            }
            int dsub = openat(dfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (dsub < 0) {
                close(sub);
                rc = sbc_err_sys(e, "copy: open %s", n);
                break;
            }
            rc = copy_tree(sub, dsub, e);
            if (rc == 0 && (fchown(dsub, st.st_uid, st.st_gid) < 0 || fchmod(dsub, st.st_mode & 07777) < 0))
                rc = sbc_err_sys(e, "copy: chmod %s", n);
            close(sub);
            close(dsub);
            continue;
        }
        if (exists && (S_ISDIR(dst.st_mode) ? sbc_rm_rf(dfd, n, e) : unlinkat(dfd, n, 0)) < 0) {
            rc = sbc_err_sys(e, "copy: replace %s", n);
            break;
        }
        if (S_ISREG(st.st_mode)) {
            rc = copy_file(sfd, dfd, n, &st, e);
        } else if (S_ISLNK(st.st_mode)) {
            char t[PATH_MAX];
            ssize_t l = readlinkat(sfd, n, t, sizeof t - 1);
            if (l < 0 || (t[l] = 0, symlinkat(t, dfd, n) < 0) ||
                fchownat(dfd, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                rc = sbc_err_sys(e, "copy: symlink %s", n);
        } else {
            if (mknodat(dfd, n, st.st_mode, st.st_rdev) < 0 ||
                fchownat(dfd, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                rc = sbc_err_sys(e, "copy: mknod %s", n);
        }
    }
    closedir(d);
    return rc;
}

int sbc_rootfs_copy_layers(const char *dest, const char **lower, int n, sbc_err *e)
{
    int dfd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return sbc_err_sys(e, "open %s", dest);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        int sfd = open(lower[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sfd < 0) {
            rc = sbc_err_sys(e, "open layer %s", lower[i]);
            break;
        }
        rc = copy_tree(sfd, dfd, e);
        close(sfd);
    }
    if (rc == 0 && fchmod(dfd, 0755) < 0)
        rc = sbc_err_sys(e, "chmod %s", dest);
    close(dfd);
    return rc;
}

/* ---- btrfs ------------------------------------------------------------- */

static int subvol_create(const char *path, sbc_err *e)
{
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", path);
    char *slash = strrchr(parent, '/');
    if (!slash)
        return sbc_err_set(e, 0, "btrfs: bad path %s", path);
    *slash = 0;
    int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pfd < 0)
        return sbc_err_sys(e, "open %s", parent);
    struct btrfs_ioctl_vol_args a;
    memset(&a, 0, sizeof a);
    snprintf(a.name, sizeof a.name, "%s", slash + 1);
    int rc = ioctl(pfd, BTRFS_IOC_SUBVOL_CREATE, &a);
    if (rc < 0)
        sbc_err_sys(e, "btrfs: create subvolume %s", path);
    close(pfd);
    return rc < 0 ? -1 : 0;
}

int sbc_rootfs_btrfs_snapshot(const char *store_root, const char *dest, const char **lower,
                              int n, sbc_err *e)
{
    const char *top = strrchr(lower[n - 1], '/');
    top = top ? top + 1 : lower[n - 1];
    char *dir = sbc_xasprintf("%s/btrfs", store_root);
    char *img = sbc_xasprintf("%s/%.64s-%d", dir, top, n);
    int rc = -1;
    if (sbc_mkdir_p(dir, 0700, e) < 0)
        goto out;
    if (access(img, F_OK) < 0) {
        char *tmp = sbc_xasprintf("%s/tmp-%d", dir, (int)getpid());
        sbc_rootfs_remove(tmp, e);
        if (subvol_create(tmp, e) < 0 || sbc_rootfs_copy_layers(tmp, lower, n, e) < 0 ||
            (rename(tmp, img) < 0 && errno != EEXIST && errno != ENOTEMPTY &&
             sbc_err_sys(e, "rename %s", tmp))) {
            sbc_rootfs_remove(tmp, e);
            free(tmp);
            goto out;
        }
        sbc_rootfs_remove(tmp, e);
        free(tmp);
    }
    int src = open(img, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", dest);
    char *slash = strrchr(parent, '/');
    *slash = 0;
    int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (src < 0 || pfd < 0) {
        sbc_err_sys(e, "btrfs: open %s", src < 0 ? img : parent);
    } else {
        struct btrfs_ioctl_vol_args_v2 a;
        memset(&a, 0, sizeof a);
        a.fd = src;
        snprintf(a.name, sizeof a.name, "%s", slash + 1);
        if (ioctl(pfd, BTRFS_IOC_SNAP_CREATE_V2, &a) < 0)
            sbc_err_sys(e, "btrfs: snapshot %s", img);
        else
            rc = 0;
    }
    if (src >= 0)
        close(src);
    if (pfd >= 0)
        close(pfd);
out:
    free(dir);
    free(img);
    return rc;
}

int sbc_rootfs_remove(const char *dir, sbc_err *e)
{
    struct statfs sf;
    if (statfs(dir, &sf) < 0)
        return errno == ENOENT ? 0 : sbc_err_sys(e, "statfs %s", dir);
    if (sf.f_type == BTRFS_SUPER_MAGIC) {
        struct stat st;
        if (stat(dir, &st) == 0 && st.st_ino == 256) { /* a subvolume's root */
            char parent[PATH_MAX];
            snprintf(parent, sizeof parent, "%s", dir);
            char *slash = strrchr(parent, '/');
            if (slash) {
                *slash = 0;
                int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (pfd >= 0) {
                    struct btrfs_ioctl_vol_args a;
                    memset(&a, 0, sizeof a);
                    snprintf(a.name, sizeof a.name, "%s", slash + 1);
                    int rc = ioctl(pfd, BTRFS_IOC_SNAP_DESTROY, &a);
                    close(pfd);
                    if (rc == 0)
                        return 0;
                }
            }
        }
    }
    return sbc_rm_rf(AT_FDCWD, dir, e);
}
