/* fsdiff.h - the changes of a container's root file system against its
 * image, for the storage drivers without an upper dir (btrfs, copy): the
 * "naive diff" of Docker (moby daemon/graphdriver/fsdiff.go,
 * pkg/archive/changes.go ChangesDirs).
 *
 * Both trees are walked side by side, every name compared:
 *   only in the container          added: the entry (a dir with all below it)
 *   only in the image              deleted: a whiteout
 *   in both, differing in type, permission bits, owner, rdev, xattrs (those
 *   a layer tar keeps), symlink target, or (not for dirs, as Docker) size or
 *   mtime (seconds and nanoseconds)      modified: the entry
 * A dir in both is written only when its own metadata changed or something
 * below it did (then as it is in the container, like Docker's parent dirs).
 * The root itself is never compared.
 *
 * The change set is staged as a tree in the store's layer format (overlay:
 * a whiteout is a 0/0 char device), so lib/image/tarw.c writes the layer exactly
 * as it writes an overlay upper dir.  Staged non-directories are hard links
 * to the container's files when the file system allows (else reflinked or
 * copied, with their metadata); hard links between staged files are kept.
 * Everything is read with *at() calls below dir fds, without following the
 * container's symlinks.
 */
#ifndef SBC_FSDIFF_H
#define SBC_FSDIFF_H
#include <stdint.h>
#include "base/err.h"

/* Stage the changes of the tree cur against the reference ref[0..nref-1]:
 * dirs in the store's layer format (0/0 char device whiteouts, opaque dirs),
 * bottom first, the top one winning, read the way sbc_layer_flatten applies
 * them (a flattened tree is one such dir).  stage: an existing empty dir,
 * best on cur's file system.  exclude: relative paths ("etc/hosts") neither
 * compared nor staged (NULL-terminated; may be NULL).  *nchanges (may be
 * NULL) gets the number of added, deleted and modified paths. */
int sbc_fsdiff_stage(const char *cur, const char *const *ref, int nref, const char *stage,
                     const char *const *exclude, long *nchanges, sbc_err *e);
/* The same for a remapped container's private copy: its owners shift_uid
 * + n (n < shift_size) compare as the image's n. */
int sbc_fsdiff_stage_shifted(const char *cur, const char *const *ref, int nref, const char *stage,
                             const char *const *exclude, uint32_t shift_uid, uint32_t shift_gid,
                             uint32_t shift_size, long *nchanges, sbc_err *e);

#endif
