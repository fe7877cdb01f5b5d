/* fuzz_auth_challenge.c - WWW-Authenticate parsing (sbc_challenge_parse in
 * lib/registry/registry.c) and registry error bodies (sbc_registry_error_text).
 *
 * Input: the first byte picks the parser (even: challenge, odd: error
 * JSON); the rest is the header value / body.
 */
#include "fuzz_common.h"
#include "registry/registry.h"

static void check_param(const char *v, const char *what)
{
    if (v)
        (void)strlen(v); /* ASan: must be a valid C string */
    (void)what;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    unsigned mode = data[0];
    data++, size--;
    if (!(mode & 1)) {
        char *s = fuzz_cstr(data, size);
        sbc_challenge c;
        int rc = sbc_challenge_parse(s, &c);
        if (rc == 0) {
            size_t sl = strnlen(c.scheme, sizeof c.scheme);
            FUZZ_ASSERT(sl > 0 && sl < sizeof c.scheme, "scheme length %zu", sl);
            FUZZ_ASSERT(!strpbrk(c.scheme, " \t"), "whitespace in scheme \"%s\"", c.scheme);
            check_param(c.realm, "realm");
            check_param(c.service, "service");
            check_param(c.scope, "scope");
            check_param(c.error, "error");
            sbc_challenge_free(&c);
        } else {
            FUZZ_ASSERT(rc == -1, "rc %d", rc);
            FUZZ_ASSERT(!c.realm && !c.service && !c.scope && !c.error,
                        "params left allocated after a failed parse");
        }
        sbc_challenge_free(&c); /* idempotent after a free / failure */
        FUZZ_ASSERT(sbc_challenge_parse(NULL, &c) == -1, "NULL header accepted");
        free(s);
    } else {
        /* not NUL-terminated on purpose: the parser gets (body, len) */
        char *body = malloc(size ? size : 1);
        memcpy(body, data, size);
        size_t sizes[] = {512, 17, 1};
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            char out[512];
            memset(out, 'X', sizeof out);
            size_t n = sizes[i];
            if (sbc_registry_error_text(body, size, out, n) == 0) {
                size_t l = strnlen(out, n);
                FUZZ_ASSERT(l < n, "error text not terminated within %zu bytes", n);
                FUZZ_ASSERT(!memchr(out, '\n', l) && !memchr(out, '\r', l),
                            "error text is not one line: \"%s\"", out);
                for (size_t k = n; k < sizeof out; k++)
                    FUZZ_ASSERT(out[k] == 'X', "write past n=%zu at %zu", n, k);
            }
        }
        free(body);
    }
    return 0;
}
