/* unz.c - gzip on ISA-L's isal_inflate, zstd on libzstd, one streaming
 * interface for layers, image archives and the license texts.
 *
 * Why ISA-L: its inflate is 3-4x zlib's on layer data here (AVX2/AVX-512
 * Huffman decoding), and inflate is the critical CPU stage of a pull.  Only
 * the inflate half is linked: the deflate half gives other bytes on other
 * CPUs (its assembly paths do not match its C path), a commit must give the
 * same digest everywhere, and its C path is no faster than zlib's level 1
 * at the same ratio; compression stays with zlib (bench/RESULTS.md).  ISA-L's
 * crc32_gzip_refl dispatcher would drag every crc variant of the library in
 * (crc16, iscsi, ...); the two crc32 routines we need are chosen here.
 */
#include <cpuid.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l/igzip_lib.h>
#include <zstd.h>

#include "base/io.h"
#include "base/unz.h"

/* ---- the crc32 ISA-L's inflate calls (and sbc_crc32) ---------------------- */

uint32_t crc32_gzip_refl_base(uint32_t crc, const unsigned char *p, uint64_t n);
uint32_t crc32_gzip_refl_by8(uint32_t crc, const unsigned char *p, uint64_t n);
uint32_t crc32_gzip_refl(uint32_t crc, const unsigned char *p, uint64_t n);

uint32_t crc32_gzip_refl(uint32_t crc, const unsigned char *p, uint64_t n)
{
    static int clmul = -1; /* racing first callers compute the same answer */
    if (clmul < 0) {
        unsigned a, b, c, d;
        clmul = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_PCLMUL) && (c & bit_SSE4_1);
    }
    return clmul ? crc32_gzip_refl_by8(crc, p, n) : crc32_gzip_refl_base(crc, p, n);
}

/* ISA-L's inflate refers to this for zlib-wrapped streams, which we never
 * ask for; it lives in the file of its deflate (igzip.c), whose dispatch
 * table would bring every deflate variant of the library along (~45 KB).
 * The checksum is kept as B << 16 | (A - 1) so that 0 starts it, as crc32. */
uint32_t isal_adler32_bam1(uint32_t adler, const unsigned char *p, uint64_t n);
uint32_t isal_adler32_bam1(uint32_t adler, const unsigned char *p, uint64_t n)
{
    uint32_t a = ((adler & 0xffff) + 1) % 65521, b = (adler >> 16) % 65521;
    while (n) {
        uint64_t k = n < 5552 ? n : 5552; /* no overflow before the modulo */
        n -= k;
        while (k--) {
            a += *p++;
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    return b << 16 | ((a + 65520) % 65521);
}

/* Referred to by ISA-L's own gzip header parse, which we do not use (see
 * gz_header); defined here for the same reason as the adler32 above. */
void isal_gzip_header_init(struct isal_gzip_header *h)
{
    memset(h, 0, sizeof *h);
    h->os = 0xff;
}

uint32_t sbc_crc32(uint32_t crc, const void *p, size_t n)
{
    return crc32_gzip_refl(crc, p, n);
}

/* ---- decoders ------------------------------------------------------------- */

/* Where a gzip member's header parse is (RFC 1952 2.3: the fixed ten
 * bytes, then the optional fields in this order). */
enum { H_FIXED, H_XLEN, H_EXTRA, H_NAME, H_COMMENT, H_HCRC, H_BODY };

struct sbc_unz {
    int comp;
    int in_member; /* gzip: inside a member; zstd: inside a frame */
    struct inflate_state *st;
    ZSTD_DStream *zs;
    int hs, flags;      /* gzip header: state, FLG */
    unsigned char hb[10];
    size_t hn;          /* bytes in hb */
    uint32_t need, hcrc;
};

int sbc_comp_sniff(const unsigned char *p, size_t n)
{
    if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
        return SBC_COMP_GZIP;
    if (n >= 4 && !memcmp(p, "\x28\xb5\x2f\xfd", 4))
        return SBC_COMP_ZSTD;
    return SBC_COMP_NONE;
}

sbc_unz *sbc_unz_new(int comp, sbc_err *e)
{
    sbc_unz *u = sbc_xcalloc(1, sizeof *u);
    u->comp = comp;
    if (comp == SBC_COMP_GZIP) {
        u->st = sbc_xmalloc(sizeof *u->st);
        isal_inflate_init(u->st);
    } else if (comp == SBC_COMP_ZSTD) {
        u->zs = ZSTD_createDStream();
        if (!u->zs) {
            free(u);
            sbc_err_set(e, 0, "zstd: cannot initialize");
            return NULL;
        }
        ZSTD_initDStream(u->zs);
    } else {
        free(u);
        sbc_err_set(e, 0, "unknown compression %d", comp);
        return NULL;
    }
    return u;
}

void sbc_unz_free(sbc_unz *u)
{
    if (!u)
        return;
    free(u->st);
    if (u->zs)
        ZSTD_freeDStream(u->zs);
    free(u);
}

static const char *isal_why(int rc)
{
    switch (rc) {
    case ISAL_INVALID_BLOCK: return "invalid block type";
    case ISAL_INVALID_SYMBOL: return "invalid code";
    case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER: return "incorrect header";
    case ISAL_UNSUPPORTED_METHOD: return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM: return "incorrect data check";
    default: return "corrupt data";
    }
}

/* The state after the header part `after`, from the flags. */
static void hdr_next(sbc_unz *u, int after)
{
    static const struct { int state, flag; } order[] = {
        {H_XLEN, 0x04}, {H_NAME, 0x08}, {H_COMMENT, 0x10}, {H_HCRC, 0x02}};
    u->hn = 0;
    for (size_t i = 0; i < sizeof order / sizeof *order; i++)
        if (after < order[i].state && (u->flags & order[i].flag)) {
            u->hs = order[i].state;
            return;
        }
    u->hs = H_BODY;
}

/* Parse a member's header ourselves, across any cut of the input: ISA-L
 * 2.30 loses the header flags when its own parse resumes in a later call
 * (they live in a caller-side struct it re-creates on every call).
 * 1 at the end of the header, 0 when it needs more, -1 with e set. */
static int gz_header(sbc_unz *u, const unsigned char **in, size_t *inlen, sbc_err *e)
{
    while (*inlen && u->hs != H_BODY) {
        unsigned char c = *(*in)++;
        (*inlen)--;
        if (u->hs != H_HCRC)
            u->hcrc = crc32_gzip_refl(u->hcrc, &c, 1);
        switch (u->hs) {
        case H_FIXED:
            u->hb[u->hn++] = c;
            if (u->hn < 10)
                break;
            if (u->hb[0] != 0x1f || u->hb[1] != 0x8b)
                return sbc_err_set(e, 0, "gzip: incorrect header");
            if (u->hb[2] != 8)
                return sbc_err_set(e, 0, "gzip: unknown compression method");
            u->flags = u->hb[3];
            if (u->flags & 0xe0)
                return sbc_err_set(e, 0, "gzip: unknown header flags set");
            hdr_next(u, H_FIXED);
            break;
        case H_XLEN:
            u->hb[u->hn++] = c;
            if (u->hn < 2)
                break;
            u->need = (uint32_t)u->hb[0] | (uint32_t)u->hb[1] << 8;
            if (u->need)
                u->hs = H_EXTRA;
            else
                hdr_next(u, H_EXTRA);
            break;
        case H_EXTRA:
            if (--u->need == 0)
                hdr_next(u, H_EXTRA);
            break;
        case H_NAME:
        case H_COMMENT:
            if (c == 0)
                hdr_next(u, u->hs);
            break;
        case H_HCRC:
            u->hb[u->hn++] = c;
            if (u->hn < 2)
                break;
            if (((uint32_t)u->hb[0] | (uint32_t)u->hb[1] << 8) != (u->hcrc & 0xffff))
                return sbc_err_set(e, 0, "gzip: header crc mismatch");
            hdr_next(u, H_HCRC);
            break;
        }
    }
    if (u->hs != H_BODY)
        return 0;
    isal_inflate_reset(u->st);
    u->st->crc_flag = ISAL_GZIP_NO_HDR_VER; /* deflate data, then crc32 and size checked */
    return 1;
}

static ssize_t gz_run(sbc_unz *u, const unsigned char **in, size_t *inlen, int eof,
                      unsigned char *out, size_t cap, sbc_err *e)
{
    struct inflate_state *st = u->st;
    if (cap > UINT32_MAX)
        cap = UINT32_MAX;
    for (;;) {
        if (!u->in_member) {
            if (*inlen == 0)
                return 0; /* the end (eof) or more needed */
            if (**in != 0x1f)
                return sbc_err_set(e, 0, "gzip: trailing garbage after compressed data");
            u->in_member = 1;
            u->hs = H_FIXED;
            u->hn = 0;
            u->hcrc = 0;
        }
        if (u->hs != H_BODY) {
            int h = gz_header(u, in, inlen, e);
            if (h < 0)
                return -1;
            if (h == 0) {
                if (eof)
                    return sbc_err_set(e, 0, "gzip: unexpected end of compressed data");
                return 0;
            }
        }
        uint32_t avail = *inlen > UINT32_MAX ? UINT32_MAX : (uint32_t)*inlen;
        st->next_in = (uint8_t *)*in;
        st->avail_in = avail;
        st->next_out = out;
        st->avail_out = (uint32_t)cap;
        int rc = isal_inflate(st);
        size_t used = avail - st->avail_in;
        *in += used;
        *inlen -= used;
        if (rc < 0 || rc == ISAL_NEED_DICT)
            return sbc_err_set(e, 0, "gzip: %s", isal_why(rc));
        if (st->block_state == ISAL_BLOCK_FINISH)
            u->in_member = 0;
        size_t got = cap - st->avail_out;
        if (got)
            return (ssize_t)got;
        if (!u->in_member)
            continue; /* a member ended: the next one, or the end */
        if (*inlen == 0) {
            if (eof)
                return sbc_err_set(e, 0, "gzip: unexpected end of compressed data");
            return 0;
        }
        if (!used)
            return sbc_err_set(e, 0, "gzip: corrupt data"); /* no progress */
    }
}

static ssize_t zstd_run(sbc_unz *u, const unsigned char **in, size_t *inlen, int eof,
                        unsigned char *out, size_t cap, sbc_err *e)
{
    for (;;) {
        ZSTD_inBuffer zi = {*in, *inlen, 0};
        ZSTD_outBuffer zo = {out, cap, 0};
        if (*inlen == 0 && !u->in_member)
            return 0;
        size_t r = ZSTD_decompressStream(u->zs, &zo, &zi);
        if (ZSTD_isError(r))
            return sbc_err_set(e, 0, "zstd: %s", ZSTD_getErrorName(r));
        *in += zi.pos;
        *inlen -= zi.pos;
        u->in_member = r != 0; /* 0: a frame ended and all of it is out */
        if (zo.pos)
            return (ssize_t)zo.pos;
        if (*inlen == 0) {
            if (eof && u->in_member)
                return sbc_err_set(e, 0, "zstd: unexpected end of compressed data");
            return 0;
        }
        if (!zi.pos)
            return sbc_err_set(e, 0, "zstd: corrupt data");
    }
}

ssize_t sbc_unz_run(sbc_unz *u, const unsigned char **in, size_t *inlen, int eof,
                    unsigned char *out, size_t cap, sbc_err *e)
{
    if (u->comp == SBC_COMP_GZIP)
        return gz_run(u, in, inlen, eof, out, cap, e);
    return zstd_run(u, in, inlen, eof, out, cap, e);
}
