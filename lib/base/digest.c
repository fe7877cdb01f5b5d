/* digest.c - streaming sha256 on BearSSL, "sha256:<hex>" digests. */
#include <string.h>

#include "base/digest.h"

void sbc_hex(const unsigned char *in, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[in[i] >> 4];
        out[2 * i + 1] = hx[in[i] & 15];
    }
    out[2 * n] = 0;
}

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void compress_c(uint32_t st[8], const unsigned char *p, size_t blocks)
{
    uint32_t w[64];
    for (; blocks--; p += 64) {
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
                   (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
        for (int i = 16; i < 64; i++) {
            uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6],
                 h = st[7];
        for (int i = 0; i < 64; i++) {
            uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) +
                          K256[i] + w[i];
            uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        st[0] += a;
        st[1] += b;
        st[2] += c;
        st[3] += d;
        st[4] += e;
        st[5] += f;
        st[6] += g;
        st[7] += h;
    }
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

/* The SHA-NI round structure: state kept as ABEF/CDGH, two rounds per
 * sha256rnds2, the schedule with sha256msg1/msg2. */
__attribute__((target("sha,sse4.1,ssse3")))
static void compress_ni(uint32_t st[8], const unsigned char *p, size_t blocks)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i tmp = _mm_loadu_si128((const __m128i *)&st[0]);
    __m128i s1 = _mm_loadu_si128((const __m128i *)&st[4]);
    tmp = _mm_shuffle_epi32(tmp, 0xB1);          /* CDAB */
    s1 = _mm_shuffle_epi32(s1, 0x1B);            /* EFGH */
    __m128i s0 = _mm_alignr_epi8(tmp, s1, 8);    /* ABEF */
    s1 = _mm_blend_epi16(s1, tmp, 0xF0);         /* CDGH */
    for (; blocks--; p += 64) {
        __m128i abef = s0, cdgh = s1, m[4];
        for (int i = 0; i < 4; i++)
            m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
        for (int i = 0; i < 16; i++) {
            __m128i w = m[i & 3];
            __m128i msg = _mm_add_epi32(w, _mm_loadu_si128((const __m128i *)&K256[4 * i]));
            s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
            s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(msg, 0x0E));
            if (i < 12) {
                /* words of group i+4 from groups i..i+3 */
                __m128i x = _mm_sha256msg1_epu32(m[i & 3], m[(i + 1) & 3]);
                x = _mm_add_epi32(x, _mm_alignr_epi8(m[(i + 3) & 3], m[(i + 2) & 3], 4));
                m[i & 3] = _mm_sha256msg2_epu32(x, m[(i + 3) & 3]);
            }
        }
        s0 = _mm_add_epi32(s0, abef);
        s1 = _mm_add_epi32(s1, cdgh);
    }
    tmp = _mm_shuffle_epi32(s0, 0x1B);           /* FEBA */
    s1 = _mm_shuffle_epi32(s1, 0xB1);            /* DCHG */
    s0 = _mm_blend_epi16(tmp, s1, 0xF0);         /* DCBA */
    s1 = _mm_alignr_epi8(s1, tmp, 8);            /* HGFE */
    _mm_storeu_si128((__m128i *)&st[0], s0);
    _mm_storeu_si128((__m128i *)&st[4], s1);
}

static int have_sha_ni(void)
{
    static int cached = -1;
    if (cached < 0) {
        unsigned a, b, c, d;
        int ok = 0;
        if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29))) {
            __get_cpuid(1, &a, &b, &c, &d);
            ok = (c & (1u << 19)) && (c & (1u << 9)); /* SSE4.1, SSSE3 */
        }
        cached = ok;
    }
    return cached;
}
#endif

static void compress(uint32_t st[8], const unsigned char *p, size_t blocks)
{
#if defined(__x86_64__)
    if (have_sha_ni()) {
        compress_ni(st, p, blocks);
        return;
    }
#endif
    compress_c(st, p, blocks);
}

void sbc_sha256_init(sbc_sha256 *h)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(h->h, iv, sizeof iv);
    h->count = 0;
}

void sbc_sha256_update(sbc_sha256 *h, const void *data, size_t len)
{
    const unsigned char *p = data;
    size_t have = (size_t)(h->count & 63);
    h->count += len;
    if (have) {
        size_t take = 64 - have < len ? 64 - have : len;
        memcpy(h->buf + have, p, take);
        p += take;
        len -= take;
        if (have + take < 64)
            return;
        compress(h->h, h->buf, 1);
    }
    if (len >= 64) {
        compress(h->h, p, len / 64);
        p += len & ~(size_t)63;
        len &= 63;
    }
    if (len)
        memcpy(h->buf, p, len);
}

void sbc_sha256_raw(const sbc_sha256 *h, unsigned char out[32])
{
    sbc_sha256 t = *h; /* the context may go on being updated */
    unsigned char pad[72] = {0x80};
    size_t have = (size_t)(t.count & 63);
    size_t padlen = (have < 56 ? 56 : 120) - have;
    uint64_t bits = t.count * 8;
    for (int i = 0; i < 8; i++)
        pad[padlen + i] = (unsigned char)(bits >> (56 - 8 * i));
    sbc_sha256_update(&t, pad, padlen + 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(t.h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(t.h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(t.h[i] >> 8);
        out[4 * i + 3] = (unsigned char)t.h[i];
    }
}

void sbc_sha256_final(const sbc_sha256 *h, char out[SBC_DIGEST_SIZE])
{
    unsigned char raw[32];
    sbc_sha256_raw(h, raw);
    memcpy(out, SBC_DIGEST_PREFIX, SBC_DIGEST_PREFIX_LEN);
    sbc_hex(raw, 32, out + SBC_DIGEST_PREFIX_LEN);
}

/* For tests: force the portable code (0) or the default choice (1). */
void sbc_sha256_selftest_portable(const void *data, size_t len, unsigned char out[32]);
void sbc_sha256_selftest_portable(const void *data, size_t len, unsigned char out[32])
{
    /* hash with compress_c only, to compare the two implementations */
    uint32_t st[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    const unsigned char *p = data;
    size_t full = len / 64;
    compress_c(st, p, full);
    unsigned char last[128] = {0};
    size_t rem = len - full * 64;
    memcpy(last, p + full * 64, rem);
    last[rem] = 0x80;
    size_t tot = rem < 56 ? 64 : 128;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        last[tot - 8 + i] = (unsigned char)(bits >> (56 - 8 * i));
    compress_c(st, last, tot / 64);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(st[i] >> 24);
        out[4 * i + 1] = (unsigned char)(st[i] >> 16);
        out[4 * i + 2] = (unsigned char)(st[i] >> 8);
        out[4 * i + 3] = (unsigned char)st[i];
    }
}

void sbc_sha256_digest(const void *data, size_t len, char out[SBC_DIGEST_SIZE])
{
    sbc_sha256 h;
    sbc_sha256_init(&h);
    sbc_sha256_update(&h, data, len);
    sbc_sha256_final(&h, out);
}

int sbc_digest_valid(const char *s)
{
    if (!s || strncmp(s, SBC_DIGEST_PREFIX, SBC_DIGEST_PREFIX_LEN) != 0)
        return 0;
    s += SBC_DIGEST_PREFIX_LEN;
    for (int i = 0; i < SBC_HEX_LEN; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[SBC_HEX_LEN] == 0;
}

int sbc_digest_check(const char *s, const char *what, sbc_err *e)
{
    if (sbc_digest_valid(s))
        return 0;
    if (s && strncmp(s, SBC_DIGEST_PREFIX, SBC_DIGEST_PREFIX_LEN) != 0 && strchr(s, ':'))
        return sbc_err_set(e, 0, "%s: unsupported digest algorithm \"%.*s\"", what,
                           (int)strcspn(s, ":"), s);
    return sbc_err_set(e, 0, "%s: invalid digest \"%.80s\"", what, s ? s : "");
}

const char *sbc_digest_hex(const char *s)
{
    return sbc_digest_valid(s) ? s + SBC_DIGEST_PREFIX_LEN : NULL;
}
