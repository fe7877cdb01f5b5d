/* fuzz_url.c - URL handling of lib/registry/http.c: sbc_url_parse (absolute URLs,
 * proxy variables), sbc_url_resolve (Location headers from a registry),
 * sbc_url_escape, and base64 (auth in Docker's config.json).
 *
 * Input: "BASE\nREF" (REF used as a Location against BASE); the whole input
 * is also fed to the single-string functions.
 */
#include "fuzz_common.h"
#include "registry/http.h"

static void check_url(const char *s, const sbc_url *u)
{
    FUZZ_ASSERT(u->host[0], "empty host accepted: \"%s\"", s);
    FUZZ_ASSERT(u->port >= 1 && u->port <= 65535, "port %d from \"%s\"", u->port, s);
    FUZZ_ASSERT(u->target && u->target[0] == '/', "target not starting with / from \"%s\"", s);
    FUZZ_ASSERT(!strpbrk(u->target, "\r\n ") && !strpbrk(u->hostport, "\r\n /"),
                "request-line injection from \"%s\": target \"%s\" hostport \"%s\"", s,
                u->target, u->hostport);
    FUZZ_ASSERT(!strchr(u->target, '#'), "fragment kept in \"%s\"", u->target);
}

static void one(const char *s)
{
    for (int ns = 0; ns < 2; ns++) {
        sbc_url u;
        sbc_err e = {0};
        if (sbc_url_parse(s, &u, ns, &e) == 0) {
            check_url(s, &u);
            sbc_url_free(&u);
        } else {
            FUZZ_ASSERT(e.msg[0], "no error message");
            FUZZ_ASSERT(!u.target && !u.userinfo, "url not freed on error");
        }
    }
    char *esc = sbc_url_escape(s);
    for (const char *p = esc; *p; p++)
        FUZZ_ASSERT((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                        (*p >= '0' && *p <= '9') || strchr("-._~%", *p),
                    "unescaped 0x%02x in \"%s\"", (unsigned char)*p, esc);
    free(esc);

    size_t n = 0;
    char *dec = sbc_base64_decode(s, &n);
    if (dec) {
        char *enc = sbc_base64_encode(dec, n);
        char *dec2 = NULL;
        size_t n2 = 0;
        dec2 = sbc_base64_decode(enc, &n2);
        FUZZ_ASSERT(dec2 && n2 == n && !memcmp(dec, dec2, n), "base64 round trip of \"%s\"", s);
        FUZZ_ASSERT(dec[n] == 0, "decoded base64 not NUL-terminated");
        free(enc);
        free(dec2);
        free(dec);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    char *s = fuzz_cstr(data, size);
    one(s);
    char *nl = strchr(s, '\n');
    if (nl) {
        *nl = 0;
        const char *base = s, *ref = nl + 1;
        one(ref);
        sbc_url bu;
        sbc_err e = {0};
        if (sbc_url_parse(base, &bu, 0, &e) == 0) {
            char *r = sbc_url_resolve(base, ref);
            FUZZ_ASSERT(r, "resolve returned NULL");
            sbc_url ru;
            /* a resolved relative reference stays on the base's origin */
            int absolute = strstr(ref, "://") && strcspn(ref, ":") < strcspn(ref, "/?");
            int netpath = ref[0] == '/' && ref[1] == '/';
            if (!absolute && !netpath && sbc_url_parse(r, &ru, 0, &e) == 0) {
                FUZZ_ASSERT(ru.https == bu.https && !strcmp(ru.hostport, bu.hostport),
                            "relative Location \"%s\" against \"%s\" left the origin: \"%s\"",
                            ref, base, r);
                sbc_url_free(&ru);
            }
            free(r);
            sbc_url_free(&bu);
        }
    }
    free(s);
    return 0;
}
