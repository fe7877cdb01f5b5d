/* rootfs.h - the container's root file system, three drivers chosen
 * automatically per store:
 *   btrfs    the store is on btrfs: the image's layers are flattened once
 *            into a read-only subvolume (btrfs/<hex of the layer chain>),
 *            each container gets a writable snapshot of it as its rootfs
 *   overlay  the kernel has overlayfs: layers as lowerdirs, a per-container
 *            upper and work dir; mounted inside the container's mount
 *            namespace, so it disappears with the container
 *   copy     no overlayfs: the layers are flattened (sbc_layer_flatten) into
 *            the container's rootfs dir
 * SBC_STORAGE_DRIVER=overlay|btrfs|copy (vfs: copy) forces one; another value
 * is an error for the applets that make containers.
 */
#ifndef SBC_ROOTFS_H
#define SBC_ROOTFS_H
#include <stddef.h>

#include "base/err.h"

enum { SBC_ROOTFS_OVERLAY = 0, SBC_ROOTFS_BTRFS, SBC_ROOTFS_COPY };

/* The driver for a store (an unknown SBC_STORAGE_DRIVER counts as unset
 * here: callers check it first with sbc_rootfs_driver_check). */
int sbc_rootfs_driver(const char *store_root);
const char *sbc_rootfs_driver_str(int driver);
/* 0 when SBC_STORAGE_DRIVER is unset, empty or names a driver (overlay,
 * btrfs, copy or vfs); else -1 with e filled (one line naming the variable
 * and the values allowed, exit code 125).  For the applets that make
 * containers. */
int sbc_rootfs_driver_check(sbc_err *e);
/* The driver of the store at store_root as `sbc --version` and inspect show
 * it: "overlay", "btrfs", "copy", or "invalid (SBC_STORAGE_DRIVER=foo)",
 * written into buf (n bytes, SBC_ROOTFS_LABEL_MAX is enough); returns buf. */
#define SBC_ROOTFS_LABEL_MAX 128
const char *sbc_rootfs_driver_label(const char *store_root, char *buf, size_t n);
/* The same for the store (sbc_root_dir). */
const char *sbc_rootfs_driver_name(char *buf, size_t n);

/* Mount an overlay of lower[0..n-1] (bottom first) with upper/work on
 * target, with the new mount API (one "lowerdir+" per layer, no length
 * limit) or, on older kernels, the legacy option string. */
int sbc_rootfs_mount_overlay(const char *target, const char **lower, int n,
                             const char *upper, const char *work, sbc_err *e);
/* The same overlay as a detached mount (fd, close-on-exec), made with the
 * new mount API only; -1 with errno (ENOSYS, EINVAL: an older kernel,
 * which the mount above serves). */
int sbc_rootfs_overlay_detached(const char **lower, int n, const char *upper, const char *work);
/* The same overlay for a container in a user namespace, as a detached mount
 * (fd, close-on-exec) for the container to attach: each lower layer seen
 * through an idmapped mount of the namespace userns_fd (the store's shared
 * files owned, inside, as in the image), the upper and work dirs as they
 * are (owned by the namespace's host ids).  Made by the caller in the
 * host's namespace, so overlay keeps its trusted.* xattrs.  -1 with e. */
int sbc_rootfs_overlay_fd(const char **lower, int n, const char *upper, const char *work,
                          int userns_fd, sbc_err *e);
/* Fill the empty (or missing) dir dest from the layers: whiteouts and opaque
 * dirs applied, modes, owners, times, xattrs, symlinks, hard links kept;
 * dest itself becomes 0755 root:root. */
int sbc_rootfs_copy_layers(const char *dest, const char **lower, int n, sbc_err *e);
/* btrfs: snapshot the flattened image (made under store_root/btrfs on first
 * use) as the new subvolume dest, which must not exist. */
int sbc_rootfs_btrfs_snapshot(const char *store_root, const char *dest, const char **lower,
                              int n, sbc_err *e);
/* btrfs: the path of the flattened image of these layers (the read-only
 * subvolume store_root/btrfs/<hex>; it may not exist).  Caller frees. */
char *sbc_rootfs_btrfs_image(const char *store_root, const char **lower, int n);
/* btrfs: remove the flattened image of these layers (none: 0).  Containers
 * keep their snapshots; the next one made from the layers makes it again. */
int sbc_rootfs_btrfs_drop(const char *store_root, const char **lower, int n, sbc_err *e);
/* Remove a rootfs dir made by the copy or btrfs driver (missing: 0), never
 * following a symlink in it; subvolumes in it are destroyed. */
int sbc_rootfs_remove(const char *dir, sbc_err *e);

#endif
