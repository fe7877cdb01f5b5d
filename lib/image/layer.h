/* layer.h - image layers: streaming unpack (digest + decompress + secure
 * extraction in one pass), flattening of unpacked layers, tar writing.
 *
 * Unpacked layers are in overlayfs format, ready to be used as lowerdirs:
 * a whiteout ".wh.NAME" becomes a character device 0/0 named NAME, an opaque
 * marker ".wh..wh..opq" becomes the xattr trusted.overlay.opaque=y on its
 * directory.
 *
 * Security: nothing is ever written outside dest_dir.  Every parent path is
 * resolved with openat2(RESOLVE_BENEATH) below the layer directory, entries
 * are created with *at() syscalls and O_NOFOLLOW; "..", absolute names
 * (a leading "/" is taken as relative to the layer root, like Docker), writes
 * through symlinks, hardlinks out of the layer or to directories and "."
 * non-directory entries are rejected with "entry NAME: why".  Absolute
 * symlink targets are kept as they are (they are resolved in the container).
 */
#ifndef SBC_LAYER_H
#define SBC_LAYER_H
#include <sys/types.h>
#include "base/digest.h"
#include "base/err.h"
#include "base/unz.h" /* SBC_COMP_*: the compression of a layer */

/* Read callback for the raw (compressed) blob: read up to n bytes into buf;
 * returns the byte count, 0 at EOF, or -1 with e filled. */
typedef ssize_t (*sbc_read_fn)(void *ctx, void *buf, size_t n, sbc_err *e);
/* The sbc_read_fn of an fd (ctx: an int *), retrying on EINTR. */
ssize_t sbc_read_fd(void *ctx, void *buf, size_t n, sbc_err *e);


typedef struct sbc_layer_info {
    char digest[SBC_DIGEST_SIZE];  /* "sha256:<hex>" of the bytes read (compressed blob) */
    char diff_id[SBC_DIGEST_SIZE]; /* "sha256:<hex>" of the uncompressed tar */
    long long size;     /* bytes read from rd */
    long long diff_size;/* bytes of the uncompressed tar */
    int compression;    /* SBC_COMP_* */
} sbc_layer_info;

/* Flags for sbc_layer_unpack. */
#define SBC_LAYER_NO_DEVICES 0x1 /* reject block/char device entries (fifos ok) */
#define SBC_LAYER_NO_CHOWN   0x2 /* do not chown (not root); ownership is kept as is */
#define SBC_LAYER_NO_XATTRS  0x4 /* ignore pax SCHILY.xattr records */
/* the caller hashes the bytes rd hands over: out->digest is left empty for
 * a compressed layer (an uncompressed one's is its diff ID, made anyway) */
#define SBC_LAYER_CALLER_HASHES 0x8

/* Read a layer blob from rd (gzip, zstd or plain tar, auto-detected), and
 * extract it into dest_dir, which must exist and be empty.  The whole stream
 * is read (also past the tar's end-of-archive) so that out->digest and
 * out->diff_id cover every byte.  On error returns -1 with e filled ("entry
 * NAME: why" for a bad entry); dest_dir may hold partial content, and the
 * caller removes it. */
int sbc_layer_unpack(sbc_read_fn rd, void *ctx, const char *dest_dir, unsigned flags,
                     sbc_layer_info *out, sbc_err *e);

/* Convenience: unpack from an open fd (file or pipe). */
int sbc_layer_unpack_fd(int fd, const char *dest_dir, unsigned flags,
                        sbc_layer_info *out, sbc_err *e);

/* Rootless, with subordinate ids: give the files of the layer tree dir
 * the owners extraction could only record (user.sbc.owner), as root of a
 * user namespace with the map of the user's containers (owners.c).  No-op
 * as root or without subordinate ids.  0 or -1. */
int sbc_layer_apply_owners(const char *dir, sbc_err *e);

/* Apply n unpacked layer dirs (overlay format, bottom layer first) onto dest
 * (created if missing; normally empty): copies files with all metadata
 * (hardlinks within a layer are preserved), a 0/0 char device deletes the
 * path, an opaque dir drops what earlier layers had below it.  The result
 * holds no whiteout devices and no opaque xattrs. */
int sbc_layer_flatten(const char *const *layer_dirs, int n, const char *dest, sbc_err *e);

/* Write dir (an overlay-format layer or a plain tree) as a reproducible pax
 * tar (sorted names, no atime/ctime) to out_fd, compressed with compression
 * (SBC_COMP_*).  Overlay whiteouts (0/0 char devices, opaque xattrs) become
 * ".wh." entries.  out (may be NULL) gets digests and sizes of what was
 * written (lib/image/tarw.h has the details and more options). */
int sbc_layer_tar_dir(const char *dir, int out_fd, int compression,
                      sbc_layer_info *out, sbc_err *e);

#endif
