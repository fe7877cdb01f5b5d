/* digest.c - streaming sha256 on BearSSL, "sha256:<hex>" digests. */
#include <string.h>

#include "digest.h"

void sbc_hex(const unsigned char *in, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[in[i] >> 4];
        out[2 * i + 1] = hx[in[i] & 15];
    }
    out[2 * n] = 0;
}

void sbc_sha256_init(sbc_sha256 *h)
{
    br_sha256_init(&h->ctx);
}

void sbc_sha256_update(sbc_sha256 *h, const void *data, size_t len)
{
    br_sha256_update(&h->ctx, data, len);
}

void sbc_sha256_raw(const sbc_sha256 *h, unsigned char out[32])
{
    br_sha256_out(&h->ctx, out);
}

void sbc_sha256_final(const sbc_sha256 *h, char out[SBC_DIGEST_LEN + 1])
{
    unsigned char raw[32];
    br_sha256_out(&h->ctx, raw);
    memcpy(out, "sha256:", 7);
    sbc_hex(raw, 32, out + 7);
}

void sbc_sha256_digest(const void *data, size_t len, char out[SBC_DIGEST_LEN + 1])
{
    sbc_sha256 h;
    sbc_sha256_init(&h);
    sbc_sha256_update(&h, data, len);
    sbc_sha256_final(&h, out);
}

int sbc_digest_valid(const char *s)
{
    if (!s || strncmp(s, "sha256:", 7) != 0)
        return 0;
    s += 7;
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[64] == 0;
}

int sbc_digest_check(const char *s, const char *what, sbc_err *e)
{
    if (sbc_digest_valid(s))
        return 0;
    if (s && strncmp(s, "sha256:", 7) != 0 && strchr(s, ':'))
        return sbc_err_set(e, 0, "%s: unsupported digest algorithm \"%.*s\"", what,
                           (int)strcspn(s, ":"), s);
    return sbc_err_set(e, 0, "%s: invalid digest \"%.80s\"", what, s ? s : "");
}

const char *sbc_digest_hex(const char *s)
{
    return sbc_digest_valid(s) ? s + 7 : NULL;
}
