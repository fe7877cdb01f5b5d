/* digest.h - streaming sha256 (BearSSL) and "sha256:<hex>" digests. */
#ifndef SBC_DIGEST_H
#define SBC_DIGEST_H
#include <stddef.h>
#include <stdint.h>
#include <bearssl.h>
#include "base/err.h"

#define SBC_DIGEST_PREFIX "sha256:"
#define SBC_DIGEST_PREFIX_LEN 7 /* strlen(SBC_DIGEST_PREFIX) */
#define SBC_HEX_LEN 64          /* hex digits of a sha256; also of a container ID */
#define SBC_HEX_SIZE (SBC_HEX_LEN + 1)                        /* a buffer for them */
#define SBC_DIGEST_LEN (SBC_DIGEST_PREFIX_LEN + SBC_HEX_LEN) /* "sha256:<hex>": 71 */
#define SBC_DIGEST_SIZE (SBC_DIGEST_LEN + 1)                  /* a buffer for one */

/* sha256 with the x86 SHA extensions when the CPU has them (about 5x
 * BearSSL's portable code: every layer byte is hashed twice on a pull),
 * else portable C. */
typedef struct sbc_sha256 {
    uint32_t h[8];
    uint64_t count;          /* bytes hashed */
    unsigned char buf[64];   /* pending partial block */
} sbc_sha256;

void sbc_sha256_init(sbc_sha256 *h);
void sbc_sha256_update(sbc_sha256 *h, const void *data, size_t len);
/* Write "sha256:<64 lowercase hex>" + NUL into out (SBC_DIGEST_SIZE bytes).
 * The context may continue to be updated afterwards (BearSSL semantics). */
void sbc_sha256_final(const sbc_sha256 *h, char out[SBC_DIGEST_SIZE]);
/* Raw 32 bytes. */
void sbc_sha256_raw(const sbc_sha256 *h, unsigned char out[32]);
/* One shot: "sha256:<hex>" of data. */
void sbc_sha256_digest(const void *data, size_t len, char out[SBC_DIGEST_SIZE]);

/* 1 if s is exactly "sha256:" + 64 lowercase hex digits. */
int sbc_digest_valid(const char *s);
/* Same, but fills e ("WHAT: invalid digest "...""), returns 0/-1. */
int sbc_digest_check(const char *s, const char *what, sbc_err *e);
/* The 64 hex chars of a valid digest (pointer into s), or NULL. */
const char *sbc_digest_hex(const char *s);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void sbc_hex(const unsigned char *in, size_t n, char *out);

#endif
