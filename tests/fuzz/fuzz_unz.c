/* fuzz_unz.c - the streaming gzip (ISA-L) and zstd decoder of base/unz
 * against hostile streams.
 *
 * Input: byte 0 selects gzip (even) or zstd (odd); bytes 1 and 2 give the
 * input and output chunk sizes (1..256, scaled); the rest is the stream.
 * Checked on every input:
 *  - the same stream cut into other chunks decodes to the same bytes or
 *    fails alike (the decoder keeps no state that depends on the cuts);
 *  - gzip: zlib, decoding member after member with the same rule for what
 *    may follow a member (nothing, or another member), agrees on success
 *    and on the bytes (a differential check of ISA-L and of our own header
 *    parse).
 */
#include "fuzz_common.h"
#include "base/unz.h"

#include <zlib.h>

/* Decode all of in[0..n) through sbc_unz; the bytes in *out (malloc'd), or
 * -1. */
static long long run(int comp, const uint8_t *in, size_t n, size_t ich, size_t och, uint8_t **out)
{
    sbc_err e = {0};
    sbc_unz *u = sbc_unz_new(comp, &e);
    FUZZ_ASSERT(u != NULL, "sbc_unz_new: %s", e.msg);
    size_t cap = 4096, got = 0, fed = 0, il = 0;
    uint8_t *o = malloc(cap), *buf = malloc(och);
    const unsigned char *ip = in;
    long long rc = -1;
    for (int rounds = 0; rounds < 1 << 22; rounds++) {
        if (il == 0 && fed < n) {
            ip = in + fed;
            il = n - fed < ich ? n - fed : ich;
            fed += il;
        }
        int eof = fed == n;
        ssize_t k = sbc_unz_run(u, &ip, &il, eof, buf, och, &e);
        if (k < 0) {
            FUZZ_ASSERT(e.msg[0] && (!strncmp(e.msg, "gzip: ", 6) || !strncmp(e.msg, "zstd: ", 6)),
                        "error without a gzip:/zstd: reason: \"%s\"", e.msg);
            goto out;
        }
        if (k == 0) {
            if (eof && il == 0) {
                rc = (long long)got;
                goto out;
            }
            FUZZ_ASSERT(il == 0, "0 bytes out with %zu bytes of input left", il);
            continue;
        }
        FUZZ_ASSERT((size_t)k <= och, "%zd bytes out of a %zu-byte buffer", k, och);
        if (got + (size_t)k > (64u << 20))
            goto out; /* a bomb: stop, not a finding */
        while (got + (size_t)k > cap)
            o = realloc(o, cap *= 2);
        memcpy(o + got, buf, (size_t)k);
        got += (size_t)k;
    }
    FUZZ_ASSERT(0, "no end after 4M rounds");
out:
    sbc_unz_free(u);
    free(buf);
    if (rc < 0)
        free(o), o = NULL;
    *out = o;
    return rc;
}

/* zlib's reading of the same gzip stream: members one after another, each
 * starting with 0x1f, nothing else after them. */
static long long zlib_gunzip(const uint8_t *in, size_t n, uint8_t **out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + 15) != Z_OK)
        abort();
    size_t cap = 4096, got = 0, pos = 0;
    uint8_t *o = malloc(cap);
    long long rc = -1;
    while (pos < n) {
        if (in[pos] != 0x1f)
            goto out;
        inflateReset(&z);
        z.next_in = (uint8_t *)in + pos;
        z.avail_in = (uInt)(n - pos);
        int r;
        do {
            if (cap - got < 65536)
                o = realloc(o, cap *= 2);
            z.next_out = o + got;
            z.avail_out = (uInt)(cap - got);
            r = inflate(&z, Z_NO_FLUSH);
            got = cap - z.avail_out;
            if (got > (64u << 20))
                goto out;
        } while (r == Z_OK);
        if (r != Z_STREAM_END)
            goto out;
        pos = n - z.avail_in;
    }
    rc = (long long)got;
out:
    inflateEnd(&z);
    if (rc < 0)
        free(o), o = NULL;
    *out = o;
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    int comp = data[0] & 1 ? SBC_COMP_ZSTD : SBC_COMP_GZIP;
    size_t ich = (size_t)data[1] + 1, och = (size_t)data[2] * 16 + 1;
    const uint8_t *s = data + 3;
    size_t n = size - 3;
    uint8_t *a, *b;
    long long ra = run(comp, s, n, ich, och, &a);
    long long rb = run(comp, s, n, 1 << 16, 1 << 16, &b);
    FUZZ_ASSERT((ra < 0) == (rb < 0), "chunks %zu/%zu: %lld, whole: %lld", ich, och, ra, rb);
    FUZZ_ASSERT(ra < 0 || (ra == rb && !memcmp(a, b, (size_t)ra)), "other bytes with other chunks");
    if (comp == SBC_COMP_GZIP && n) {
        uint8_t *z;
        long long rz = zlib_gunzip(s, n, &z);
        /* a bomb cut short on one side only is no disagreement */
        if (rz <= (long long)(64u << 20) - 65536 && rb <= (long long)(64u << 20) - 65536) {
            FUZZ_ASSERT((rz < 0) == (rb < 0), "zlib says %lld, sbc_unz %lld", rz, rb);
            FUZZ_ASSERT(rb < 0 || (rz == rb && !memcmp(z, b, (size_t)rb)), "zlib decodes other bytes");
        }
        free(z);
    }
    free(a);
    free(b);
    return 0;
}
