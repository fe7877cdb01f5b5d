/* fuzz_ignore.c - .dockerignore patterns (build/ignore): parse, then match
 * paths.  Input: the .dockerignore text, then optionally a NUL and paths
 * to match, one a line (without them a fixed set of paths is used).
 *
 * Invariants:
 *  - parse succeeds or fails with a ".dockerignore:LINE: ..." message;
 *  - sbc_ignore_match answers 0 or 1, the same for "p", "p/" and (p
 *    relative) "./p";
 *  - sbc_ignore_may_descend is sound: when directory d is excluded and a
 *    path under it is kept, it answers 1 for d;
 *  - no blow-up: a 3000-byte path is matched too (-timeout catches a
 *    pattern like "*a*a*a*a*b" gone exponential).
 */
#include "fuzz_common.h"
#include "build/ignore.h"

static const char *const fixed[] = {"a", "a/b", "a/b/c", "docs/keep.md", "x.go", "d/e/f.md", "temp1",
                                    "README.md", ".git/config", "\xc3\xa9/[x]*", NULL};

/* p names itself: no "", "." or ".." element, so its prefixes are its parents */
static int is_clean(const char *p)
{
    for (const char *s = p;;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
            return 0;
        if (!e)
            return 1;
        s = e + 1;
    }
}

static void check_path(const sbc_ignore *ig, const char *p)
{
    int r = sbc_ignore_match(ig, p);
    FUZZ_ASSERT(r == 0 || r == 1, "match gave %d for \"%.200s\"", r, p);
    size_t n = strlen(p);
    char *q = malloc(n + 4);
    if (!q)
        abort();
    snprintf(q, n + 4, "./%s", p); /* ("./" before "/.." is not the same path) */
    FUZZ_ASSERT(p[0] == '/' || sbc_ignore_match(ig, q) == r, "\"./%.200s\" differs from \"%.200s\"", p, p);
    snprintf(q, n + 4, "%s/", p);
    FUZZ_ASSERT(sbc_ignore_match(ig, q) == r, "\"%.200s/\" differs", p);
    if (r == 0 && is_clean(p)) { /* kept: every excluded ancestor must let the walker descend */
        memcpy(q, p, n + 1);
        for (size_t i = n; i-- > 0;) {
            if (q[i] != '/' || i == 0)
                continue;
            q[i] = 0;
            if (sbc_ignore_match(ig, q) == 1)
                FUZZ_ASSERT(sbc_ignore_may_descend(ig, q) == 1,
                            "\"%.200s\" kept under excluded \"%.200s\" but no descent", p, q);
        }
    }
    free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
    if (size > 70000)
        return 0;
    const uint8_t *nul = memchr(buf, 0, size);
    size_t tlen = nul ? (size_t)(nul - buf) : size;
    sbc_err e = {0};
    sbc_ignore *ig = sbc_ignore_parse((const char *)buf, tlen, &e);
    if (!ig) {
        FUZZ_ASSERT(strncmp(e.msg, ".dockerignore:", 14) == 0, "error \"%s\"", e.msg);
        return 0;
    }
    if (nul) {
        char *paths = fuzz_cstr(nul + 1, size - tlen - 1);
        for (char *p = paths, *nl; p; p = nl) {
            nl = strchr(p, '\n');
            if (nl)
                *nl++ = 0;
            if (strlen(p) <= 4096)
                check_path(ig, p);
        }
        free(paths);
    } else {
        for (int i = 0; fixed[i]; i++)
            check_path(ig, fixed[i]);
    }
    static char longp[3001];
    if (!longp[0]) {
        for (int i = 0; i < 3000; i++)
            longp[i] = i % 100 == 99 ? '/' : 'a';
    }
    int r = sbc_ignore_match(ig, longp);
    FUZZ_ASSERT(r == 0 || r == 1, "long path");
    sbc_ignore_free(ig);
    return 0;
}
