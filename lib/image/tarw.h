/* tarw.h - writing layer tars: a reproducible pax tar of a directory, and
 * the compressing, hashing writer behind it (also used by import, save and
 * load to store blobs).
 *
 * The tar of a directory: entries sorted by name (bytewise) at every level,
 * names relative without "./" (dirs end in "/"), numeric owners only (no
 * user/group names), mtimes in whole seconds (clamped to opts->mtime when it
 * is >= 0, e.g. SOURCE_DATE_EPOCH), no atime/ctime, xattrs sorted (by name,
 * descending: libarchive's order, kept for the digests; user.*,
 * trusted.* and security.capability & co; never trusted.overlay.* /
 * user.overlay.* nor security.selinux), hardlinks detected by (dev, inode),
 * sockets skipped.  Unless opts->plain, overlay whiteouts become Docker's:
 * a 0/0 char device NAME -> an empty file ".wh.NAME"; a dir with
 * trusted.overlay.opaque=y (or user.overlay.opaque=y) -> the dir, then
 * "DIR/.wh..wh..opq".  The same tree gives the same bytes.
 */
#ifndef SBC_TARW_H
#define SBC_TARW_H
#include <stdint.h>
#include <stddef.h>
#include "base/err.h"
#include "image/layer.h"

/* ---- the compressing, hashing writer ---- */
typedef struct sbc_zw sbc_zw;

/* Writes to fd (may be -1: hash only), compressed with compression
 * (SBC_COMP_*), level 0 = default (gzip 6, zstd 3).  tee_fd >= 0 also gets
 * the uncompressed bytes.
 * gzip: one independent gzip member per SBC_ZW_GZIP_BLOCK bytes of input
 * (pigz --independent), compressed on up to 4 threads (online CPUs) and
 * written in order; incompressible blocks are stored.  The output depends on
 * the bytes and the level only: reproducible.  Memory: about 2 MiB per
 * block in flight, threads + 2 blocks (< 16 MiB). */
#define SBC_ZW_GZIP_BLOCK (1024 * 1024)
sbc_zw *sbc_zw_new(int fd, int compression, int level, int tee_fd);
int sbc_zw_write(sbc_zw *z, const void *p, size_t n, sbc_err *e);
/* Flush the compressor; out gets digest (compressed), diff_id (plain) and
 * sizes.  Then free with sbc_zw_free. */
int sbc_zw_finish(sbc_zw *z, sbc_layer_info *out, sbc_err *e);
void sbc_zw_free(sbc_zw *z);

/* ---- tar of a directory ---- */
typedef struct sbc_tarw_opts {
    int compression;   /* SBC_COMP_* */
    int level;         /* 0: default */
    long long mtime;   /* >= 0: clamp mtimes to it; < 0: keep (whole seconds) */
    int tee_fd;        /* >= 0: the uncompressed tar also goes there; -1 none */
    int plain;         /* 1: a plain tree: no whiteout conversion */
    int with_root;     /* 1: include "./" for the root dir itself */
    const char *const *exclude; /* NULL-terminated relative paths to leave out */
    /* a remapped container's files: owners shift_uid + n (n < shift_size)
     * are written as n, the others as they are (0: no shift) */
    uint32_t shift_uid, shift_gid, shift_size;
    /* rootless with subordinate ids: sub_uid + n is written as 1 + n */
    uint32_t sub_uid, sub_gid, sub_size;
    const char *top_name; /* (set by sbc_tarw_entry) */
} sbc_tarw_opts;

/* Defaults: gzip, default level, mtime -1 (or $SOURCE_DATE_EPOCH), tee -1. */
void sbc_tarw_opts_init(sbc_tarw_opts *o);

int sbc_tarw_dir(const char *dir, int out_fd, const sbc_tarw_opts *o, sbc_layer_info *out,
                 sbc_err *e);

/* The one entry name in dfd (a file, a symlink - never followed - or a
 * dir with all below it; "." for dfd itself) as a tar whose first entry is
 * named as (the names below it "as/..."), with o's options.  Every open is
 * one name relative to an open dir fd, O_NOFOLLOW: a tree changed while it
 * is read never leads out of dfd.  sbc-cp's. */
int sbc_tarw_entry(int dfd, const char *name, const char *as, int out_fd, const sbc_tarw_opts *o,
                   sbc_err *e);

/* Parse "gzip" / "zstd" / "none" (also "uncompressed", "zstd:19", "gzip:1");
 * -1 if unknown.  *level gets an explicit ":N" level or 0. */
int sbc_comp_parse(const char *s, int *level);
/* OCI layer media type for a compression. */
const char *sbc_comp_media_type(int compression);

#endif
