/* sha256: the SHA-NI and portable paths against BearSSL, over many lengths
 * and split points. */
#include <bearssl.h>
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "unit.h"

void sbc_sha256_selftest_portable(const void *data, size_t len, unsigned char out[32]);

TEST(sha256_matches_bearssl)
{
    size_t n = 5000;
    unsigned char *buf = malloc(n);
    for (size_t i = 0; i < n; i++)
        buf[i] = (unsigned char)(i * 131 + (i >> 3));
    int bad = 0;
    for (size_t len = 0; len < n; len += (len < 200 ? 1 : 97)) {
        unsigned char ref[32], a[32], b[32];
        br_sha256_context c;
        br_sha256_init(&c);
        br_sha256_update(&c, buf, len);
        br_sha256_out(&c, ref);
        sbc_sha256 h;
        sbc_sha256_init(&h);
        size_t cut = len / 3;
        sbc_sha256_update(&h, buf, cut);
        sbc_sha256_update(&h, buf + cut, len - cut);
        sbc_sha256_raw(&h, a);
        sbc_sha256_selftest_portable(buf, len, b);
        if (memcmp(ref, a, 32) || memcmp(ref, b, 32))
            bad++;
    }
    CHECK_INT(bad, 0);
    char d[SBC_DIGEST_LEN + 1];
    sbc_sha256_digest("abc", 3, d);
    CHECK_STR(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    free(buf);
}
