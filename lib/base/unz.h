/* unz.h - streaming decompression of gzip (ISA-L's inflate) and zstd, and
 * the gzip crc32 (PCLMUL when the CPU has it). */
#ifndef SBC_BASE_UNZ_H
#define SBC_BASE_UNZ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/err.h"

/* Compression of a stream (layers, archives: detected from magic bytes). */
enum {
    SBC_COMP_NONE = 0,
    SBC_COMP_GZIP = 1,
    SBC_COMP_ZSTD = 2,
};

/* SBC_COMP_GZIP or SBC_COMP_ZSTD from the first n bytes (n >= 4 to tell
 * zstd), else SBC_COMP_NONE. */
int sbc_comp_sniff(const unsigned char *p, size_t n);

typedef struct sbc_unz sbc_unz;

/* A decoder of comp (GZIP: one or more concatenated members, as RFC 1952
 * allows; ZSTD: one or more frames).  NULL with e set on failure. */
sbc_unz *sbc_unz_new(int comp, sbc_err *e);
void sbc_unz_free(sbc_unz *u);

/* Decode from *in (*inlen bytes; both advanced) into out[0..cap).  eof: no
 * input follows what is in *in.  Returns the bytes produced (> 0); 0 when
 * it needs more input (*inlen is then 0 and eof was not set) or, with eof,
 * at the clean end of the stream; -1 with e set ("gzip: ...", "zstd: ...")
 * on corrupt or truncated input or trailing garbage.  Call again with the
 * same input while it returns > 0: output may be pending. */
ssize_t sbc_unz_run(sbc_unz *u, const unsigned char **in, size_t *inlen, int eof,
                    unsigned char *out, size_t cap, sbc_err *e);

/* gzip's crc32 (RFC 1952) of p[0..n) continuing crc (0 to start). */
uint32_t sbc_crc32(uint32_t crc, const void *p, size_t n);

#endif
