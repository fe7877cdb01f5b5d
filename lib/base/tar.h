/* tar.h - sbc's own tar reader and writer (what libarchive did for sbc).
 *
 * Reader: pull style over a chunk callback.  sbc_tar_next gives the next
 * entry (ustar with its prefix, POSIX pax 'x' records, GNU 'L'/'K' long
 * names, GNU base-256 numbers, old v7/GNU headers; 'g' global headers are
 * read and ignored, as libarchive does), then sbc_tar_data hands out its
 * bytes in place, chunk by chunk (whatever is not read is skipped by the
 * next sbc_tar_next).  Hostile input is the normal case: every header's
 * checksum is verified (unsigned, or signed as old tars summed), a pax
 * header is at most SBC_TAR_PAX_MAX bytes and a GNU long name at most
 * SBC_TAR_NAME_MAX, sizes are never negative, names never hold a NUL, a
 * short stream is "truncated tar archive", GNU sparse files and multi-volume
 * parts are refused.  The end is the first all-zero block (libarchive's
 * rule) or the stream's end at a block boundary.  Types libarchive read as
 * regular files are regular files: '0', NUL, '7', 'N' and the unknown ones,
 * and a '0' whose name ends in '/' is a directory.
 *
 * Writer: a ustar header per entry, preceded by a pax 'x' header when a
 * value does not fit, with the layout of libarchive's pax_restricted
 * writer (same bytes for the same entries: layer digests stay the same):
 * "DIR/PaxHeader/NAME" names, records in its order, SCHILY.xattr.* with
 * %-encoded names, octal numbers growing into their terminators and then
 * base-256.  Non-UTF-8 names get hdrcharset=BINARY (libarchive refused
 * them in sbc's C locale).
 */
#ifndef SBC_TAR_H
#define SBC_TAR_H
#include <stddef.h>
#include <sys/types.h>
#include "base/err.h"

#define SBC_TAR_PAX_MAX (1u << 20)   /* a pax header's body (libarchive's bound) */
#define SBC_TAR_NAME_MAX (64u << 10) /* a GNU 'L'/'K' name */

/* Entry types: the tar type flags sbc_tar_next reports. */
enum {
    SBC_TAR_REG = '0',
    SBC_TAR_HARDLINK = '1',
    SBC_TAR_SYMLINK = '2',
    SBC_TAR_CHR = '3',
    SBC_TAR_BLK = '4',
    SBC_TAR_DIR = '5',
    SBC_TAR_FIFO = '6',
};

typedef struct sbc_tar_xattr {
    char *name;
    void *value;
    size_t len;
} sbc_tar_xattr;

typedef struct sbc_tar_entry {
    char *path;     /* as in the archive (not normalised); never NULL */
    char *linkpath; /* hardlink/symlink target; NULL for other types */
    int type;       /* SBC_TAR_* */
    unsigned mode;  /* permission bits (& 07777) */
    long long uid, gid;
    char *uname, *gname; /* NULL when not given (reader only) */
    long long size;      /* data bytes */
    long long mtime;
    long mtime_nsec;
    int has_atime;       /* reader: atime given (pax atime, GNU header) */
    long long atime;
    long atime_nsec;
    unsigned devmajor, devminor; /* SBC_TAR_CHR, SBC_TAR_BLK */
    sbc_tar_xattr *xattrs;
    size_t nxattrs;
} sbc_tar_entry;

/* ---- reader ---- */

/* The stream's next bytes: *p and the length, valid until the next call;
 * 0 at the end; -1 with e filled (the reader leaves e as it is then). */
typedef ssize_t (*sbc_tar_chunk_fn)(void *ctx, const void **p, sbc_err *e);

typedef struct sbc_tar_reader sbc_tar_reader;
sbc_tar_reader *sbc_tar_reader_new(sbc_tar_chunk_fn fn, void *ctx);
/* A reader of an fd (read in 64 KiB chunks). */
sbc_tar_reader *sbc_tar_reader_fd(int fd);
void sbc_tar_reader_free(sbc_tar_reader *r);

/* The next entry in *en (the reader's, valid until the next call): 1; 0 at
 * the end of the archive; -1 with e filled. */
int sbc_tar_next(sbc_tar_reader *r, sbc_tar_entry **en, sbc_err *e);
/* The entry's next data bytes in place (*p, at most max): the count, 0 at
 * the end of its data, -1 with e filled (a short stream is an error). */
ssize_t sbc_tar_data(sbc_tar_reader *r, const void **p, size_t max, sbc_err *e);
/* The same, copied into buf. */
ssize_t sbc_tar_read(sbc_tar_reader *r, void *buf, size_t n, sbc_err *e);
/* Bytes of the stream consumed so far. */
long long sbc_tar_offset(const sbc_tar_reader *r);

/* ---- writer ---- */

/* Write all n bytes: 0, or -1 with e filled. */
typedef int (*sbc_tar_write_fn)(void *ctx, const void *p, size_t n, sbc_err *e);

/* Flags of sbc_tar_writer_new. */
#define SBC_TAR_PAD_BLOCK 0x1 /* pad the end to 10240 bytes (tar's default record) */

typedef struct sbc_tar_writer sbc_tar_writer;
sbc_tar_writer *sbc_tar_writer_new(sbc_tar_write_fn fn, void *ctx, unsigned flags);
/* The header(s) of en: path, linkpath (SBC_TAR_HARDLINK, SBC_TAR_SYMLINK),
 * type, mode, uid, gid, size (regular files only), mtime (+nsec),
 * devmajor/minor, xattrs (written in the order given).  uname, gname and
 * atime are not written.  Then exactly size bytes of sbc_tar_write_data
 * (what is missing is zero-filled at the next header or the close). */
int sbc_tar_write_header(sbc_tar_writer *w, const sbc_tar_entry *en, sbc_err *e);
int sbc_tar_write_data(sbc_tar_writer *w, const void *p, size_t n, sbc_err *e);
/* The end of the archive: two zero blocks (and the padding); then free. */
int sbc_tar_writer_close(sbc_tar_writer *w, sbc_err *e);
void sbc_tar_writer_free(sbc_tar_writer *w);

#endif
