/* fuzz_ref.c - image references: sbc_ref_parse and the string forms.
 *
 * Invariants checked on every reference that parses:
 *  - the fields obey ref.h's grammar (valid path, tag, digest, a domain);
 *  - sbc_ref_string() parses back to the same reference (canonical form);
 *  - sbc_ref_familiar_string() parses back to the same reference (except
 *    the known host-like first component case, see below);
 *  - sbc_ref_copy() is a deep, equal copy; api_host is non-empty.
 */
#include "fuzz_common.h"
#include "base/digest.h"
#include "registry/ref.h"

static int str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return !strcmp(a, b);
}

static int ref_eq(const sbc_ref *a, const sbc_ref *b)
{
    return str_eq(a->domain, b->domain) && str_eq(a->path, b->path) && str_eq(a->tag, b->tag) &&
           str_eq(a->digest, b->digest);
}

static void roundtrip(const char *orig, const char *form, const char *s, const sbc_ref *r)
{
    sbc_ref r2;
    sbc_err e = {0};
    int rc = sbc_ref_parse(s, &r2, &e);
    FUZZ_ASSERT(rc == 0, "%s \"%s\" of \"%s\" does not parse: %s", form, s, orig, e.msg);
    FUZZ_ASSERT(ref_eq(r, &r2),
                "%s \"%s\" of \"%s\" parses differently: %s/%s:%s@%s vs %s/%s:%s@%s", form, s,
                orig, r->domain, r->path, r->tag ? r->tag : "-", r->digest ? r->digest : "-",
                r2.domain, r2.path, r2.tag ? r2.tag : "-", r2.digest ? r2.digest : "-");
    sbc_ref_free(&r2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    char *s = fuzz_cstr(data, size);
    (void)sbc_ref_valid_tag(s);
    (void)sbc_ref_valid_path(s);
    sbc_ref r;
    sbc_err e = {0};
    if (sbc_ref_parse(s, &r, &e) == 0) {
        FUZZ_ASSERT(r.domain && *r.domain, "no domain for \"%s\"", s);
        FUZZ_ASSERT(r.path && sbc_ref_valid_path(r.path), "bad path \"%s\" for \"%s\"",
                    r.path ? r.path : "(null)", s);
        FUZZ_ASSERT(r.tag || r.digest, "neither tag nor digest for \"%s\"", s);
        FUZZ_ASSERT(!r.tag || sbc_ref_valid_tag(r.tag), "bad tag \"%s\" for \"%s\"", r.tag, s);
        FUZZ_ASSERT(!r.digest || sbc_digest_valid(r.digest), "bad digest for \"%s\"", s);
        FUZZ_ASSERT(strcmp(r.domain, "index.docker.io"), "index.docker.io not folded: \"%s\"", s);

        char *canon = sbc_ref_string(&r);
        roundtrip(s, "sbc_ref_string", canon, &r);
        char *fam = sbc_ref_familiar_string(&r);
        /* Known, display-only ambiguity (as in Docker): docker.io/foo.bar/x
         * is shown as "foo.bar/x", which names registry foo.bar.  Checked
         * only when the familiar form's first component is not host-like,
         * or always with FUZZ_REF_STRICT=1. */
        size_t c0 = strcspn(fam, "/");
        int hostlike = fam[c0] == '/' && (memchr(fam, '.', c0) || memchr(fam, ':', c0) ||
                                          (c0 == 9 && !memcmp(fam, "localhost", 9)));
        if (!hostlike || getenv("FUZZ_REF_STRICT"))
            roundtrip(s, "sbc_ref_familiar_string", fam, &r);
        char *repo = sbc_ref_repo(&r), *famrepo = sbc_ref_familiar(&r);
        FUZZ_ASSERT(!strncmp(canon, repo, strlen(repo)), "repo \"%s\" not a prefix of \"%s\"",
                    repo, canon);
        const char *api = sbc_ref_api_host(&r);
        FUZZ_ASSERT(api && *api, "empty api host for \"%s\"", s);

        sbc_ref c;
        sbc_ref_copy(&c, &r);
        FUZZ_ASSERT(ref_eq(&c, &r), "copy differs for \"%s\"", s);
        FUZZ_ASSERT(c.domain != r.domain && c.path != r.path, "shallow copy");
        sbc_ref_free(&c);
        free(canon);
        free(fam);
        free(repo);
        free(famrepo);
        sbc_ref_free(&r);
    } else {
        FUZZ_ASSERT(e.msg[0], "error without a message for \"%s\"", s);
        FUZZ_ASSERT(!r.domain && !r.path && !r.tag && !r.digest, "ref not zeroed on error");
    }
    free(s);
    return 0;
}
