/* test_unz.c - the streaming gzip (ISA-L) and zstd decoder: members and
 * frames, optional gzip header fields, every way a stream can be cut, and
 * what must fail (truncation, trailing garbage, a bad crc or size). */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "base/io.h"
#include "base/unz.h"
#include "unit.h"

static unsigned char *data(size_t n)
{
    unsigned char *d = sbc_xmalloc(n ? n : 1);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        d[i] = (i / 64) % 3 ? (unsigned char)"layer data "[i % 11] : (unsigned char)(x >> 24);
    }
    return d;
}

static void le32(unsigned char *o, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        o[i] = (unsigned char)(v >> (8 * i));
}

/* One gzip member of d[0..n) appended at out+*len, made with zlib's raw
 * deflate; hdr: the header bytes (10 or more, with optional fields). */
static void member(unsigned char *out, size_t *len, const unsigned char *hdr, size_t hl,
                   const unsigned char *d, size_t n, int level)
{
    memcpy(out + *len, hdr, hl);
    *len += hl;
    z_stream z;
    memset(&z, 0, sizeof z);
    deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (unsigned char *)d;
    z.avail_in = (uInt)n;
    z.next_out = out + *len;
    z.avail_out = (uInt)(n + n / 8 + 1024);
    deflate(&z, Z_FINISH);
    *len += z.total_out;
    deflateEnd(&z);
    le32(out + *len, sbc_crc32(0, d, n));
    le32(out + *len + 4, (uint32_t)n);
    *len += 8;
}

static const unsigned char plain_hdr[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};

/* Decode all of in[0..n) fed inchunk bytes at a time into outchunk-byte
 * buffers; the bytes out (malloc'd) and their count, or -1 with e set. */
static long long decode(int comp, const unsigned char *in, size_t n, size_t inchunk, size_t outchunk,
                        unsigned char **res, sbc_err *e)
{
    sbc_unz *u = sbc_unz_new(comp, e);
    if (!u)
        return -1;
    size_t cap = 1 << 16, got = 0, fed = 0;
    unsigned char *o = sbc_xmalloc(cap), *buf = sbc_xmalloc(outchunk);
    const unsigned char *ip = in;
    size_t il = 0;
    long long rc = -1;
    for (;;) {
        if (il == 0 && fed < n) {
            ip = in + fed;
            il = n - fed < inchunk ? n - fed : inchunk;
            fed += il;
        }
        int eof = fed == n;
        ssize_t k = sbc_unz_run(u, &ip, &il, eof, buf, outchunk, e);
        if (k < 0)
            goto out;
        if (k == 0) {
            if (eof && il == 0)
                break;
            continue;
        }
        while (got + (size_t)k > cap)
            o = sbc_xrealloc(o, cap *= 2);
        memcpy(o + got, buf, (size_t)k);
        got += (size_t)k;
    }
    rc = (long long)got;
out:
    sbc_unz_free(u);
    free(buf);
    if (rc < 0)
        free(o), o = NULL;
    *res = o;
    return rc;
}

TEST(unz_gzip_members_and_cuts)
{
    const size_t n1 = 300000, n2 = 70001;
    unsigned char *d = data(n1 + n2);
    unsigned char *gz = sbc_xmalloc(2 * (n1 + n2) + 4096);
    size_t gl = 0;
    member(gz, &gl, plain_hdr, sizeof plain_hdr, d, n1, 6);
    member(gz, &gl, plain_hdr, sizeof plain_hdr, d + n1, 0, 1); /* an empty member */
    /* FEXTRA, FNAME, FCOMMENT and FHCRC, as gzip -N and others write them */
    unsigned char h[64] = {0x1f, 0x8b, 8, 0x1e, 1, 2, 3, 4, 0, 3, 4, 0, 'a', 'b', 'c', 'd'};
    size_t hl = 16;
    memcpy(h + hl, "layer.tar", 10);
    hl += 10;
    memcpy(h + hl, "a comment", 10);
    hl += 10;
    uint32_t hc = sbc_crc32(0, h, hl);
    h[hl++] = (unsigned char)hc;
    h[hl++] = (unsigned char)(hc >> 8);
    member(gz, &gl, h, hl, d + n1, n2, 1);
    const size_t ins[] = {1, 7, 4096, 1 << 20}, outs[] = {1, 333, 1 << 17};
    for (size_t i = 0; i < sizeof ins / sizeof *ins; i++)
        for (size_t j = 0; j < sizeof outs / sizeof *outs; j++) {
            if (ins[i] == 1 && outs[j] == 1)
                continue; /* slow, and covered by the others */
            unsigned char *r;
            sbc_err e = {0};
            long long got = decode(SBC_COMP_GZIP, gz, gl, ins[i], outs[j], &r, &e);
            CHECK_INT(got, (long long)(n1 + n2));
            CHECK(got == (long long)(n1 + n2) && !memcmp(r, d, n1 + n2));
            if (got < 0)
                fprintf(stderr, "  in %zu out %zu: %s\n", ins[i], outs[j], e.msg);
            free(r);
        }
    free(d);
    free(gz);
}

static void expect_gz_fail(const unsigned char *gz, size_t gl, const char *why)
{
    unsigned char *r;
    sbc_err e = {0};
    CHECK_INT(decode(SBC_COMP_GZIP, gz, gl, 4096, 4096, &r, &e), -1);
    if (!strstr(e.msg, why))
        fprintf(stderr, "  got \"%s\", want \"%s\"\n", e.msg, why);
    CHECK(strstr(e.msg, why) != NULL);
}

TEST(unz_gzip_rejects)
{
    const size_t n = 100000;
    unsigned char *d = data(n), *gz = sbc_xmalloc(2 * n + 4096);
    size_t gl = 0;
    member(gz, &gl, plain_hdr, sizeof plain_hdr, d, n, 6);
    for (size_t cut = 1; cut < 20; cut += 3)
        expect_gz_fail(gz, gl - cut, "gzip: unexpected end");
    expect_gz_fail(gz, 5, "gzip: unexpected end");
    memcpy(gz + gl, "junk", 4);
    expect_gz_fail(gz, gl + 4, "gzip: trailing garbage");
    gz[gl] = 0x1f; /* the start of a member, and then the end */
    expect_gz_fail(gz, gl + 1, "gzip: unexpected end");
    gz[gl - 8] ^= 1; /* crc */
    expect_gz_fail(gz, gl, "gzip: incorrect data check");
    gz[gl - 8] ^= 1;
    gz[gl - 4] ^= 1; /* isize */
    expect_gz_fail(gz, gl, "gzip: incorrect data check");
    gz[gl - 4] ^= 1;
    /* a header crc that does not match, reserved flags */
    unsigned char bad[12] = {0x1f, 0x8b, 8, 0x02, 0, 0, 0, 0, 0, 3, 0x12, 0x34};
    expect_gz_fail(bad, sizeof bad, "gzip: header crc mismatch");
    bad[3] = 0x20;
    expect_gz_fail(bad, sizeof bad, "gzip: unknown header flags");
    gz[2] = 9; /* not deflate */
    expect_gz_fail(gz, gl, "gzip: ");
    gz[2] = 8;
    gz[10] = 0x07; /* BTYPE 11: reserved */
    expect_gz_fail(gz, gl, "gzip: ");
    unsigned char *r;
    sbc_err e = {0};
    free(d);
    free(gz);
    /* an empty input is an empty stream (the caller decides whether that is
     * an error) */
    CHECK_INT(decode(SBC_COMP_GZIP, (const unsigned char *)"", 0, 1, 16, &r, &e), 0);
    free(r);
}

TEST(unz_zstd_frames)
{
    const size_t n = 250000;
    unsigned char *d = data(n);
    size_t cap = ZSTD_compressBound(n) * 2;
    unsigned char *z = sbc_xmalloc(cap);
    size_t a = ZSTD_compress(z, cap, d, 100000, 3);
    size_t b = ZSTD_compress(z + a, cap - a, d + 100000, n - 100000, 1);
    CHECK(!ZSTD_isError(a) && !ZSTD_isError(b));
    unsigned char *r;
    sbc_err e = {0};
    CHECK_INT(decode(SBC_COMP_ZSTD, z, a + b, 1000, 777, &r, &e), (long long)n);
    CHECK(r && !memcmp(r, d, n));
    free(r);
    CHECK_INT(decode(SBC_COMP_ZSTD, z, a + b - 3, 1000, 4096, &r, &e), -1);
    CHECK(strstr(e.msg, "zstd: unexpected end") != NULL);
    memcpy(z + a + b, "junk", 4);
    CHECK_INT(decode(SBC_COMP_ZSTD, z, a + b + 4, 4096, 4096, &r, &e), -1);
    CHECK(!strncmp(e.msg, "zstd: ", 6));
    free(d);
    free(z);
}

TEST(unz_sniff_and_crc)
{
    CHECK_INT(sbc_comp_sniff((const unsigned char *)"\x1f\x8b\x08", 3), SBC_COMP_GZIP);
    CHECK_INT(sbc_comp_sniff((const unsigned char *)"\x28\xb5\x2f\xfd", 4), SBC_COMP_ZSTD);
    CHECK_INT(sbc_comp_sniff((const unsigned char *)"\x28\xb5\x2f", 3), SBC_COMP_NONE);
    CHECK_INT(sbc_comp_sniff((const unsigned char *)"ustar", 5), SBC_COMP_NONE);
    /* the check value of CRC-32 (RFC 1952's): "123456789" -> cbf43926 */
    CHECK_INT(sbc_crc32(0, "123456789", 9), 0xcbf43926u);
    CHECK_INT(sbc_crc32(sbc_crc32(0, "1234", 4), "56789", 5), 0xcbf43926u);
    unsigned char *d = data(1 << 20);
    CHECK_INT(sbc_crc32(0, d, 1 << 20), (uint32_t)crc32(0, d, 1 << 20));
    free(d);
}
