/* Unit tests for lib/ref, lib/digest and registry helpers. */
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "registry/ref.h"
#include "registry/registry.h"
#include "unit.h"

static void ref_ok(const char *in, const char *full, const char *fam)
{
    sbc_ref r;
    sbc_err e = {0};
    if (sbc_ref_parse(in, &r, &e) < 0) {
        unit_failed_checks++;
        fprintf(stderr, "  ref_ok(%s): %s\n", in, e.msg);
        return;
    }
    char *s = sbc_ref_string(&r), *f = sbc_ref_familiar_string(&r);
    CHECK_STR(s, full);
    CHECK_STR(f, fam);
    free(s);
    free(f);
    sbc_ref_free(&r);
}

static void ref_bad(const char *in)
{
    sbc_ref r;
    sbc_err e = {0};
    int rc = sbc_ref_parse(in, &r, &e);
    if (rc != -1 || e.code != 125 || !strstr(e.msg, "invalid reference format")) {
        unit_failed_checks++;
        fprintf(stderr, "  ref_bad(%s) accepted or bad message: %s\n", in, e.msg);
        if (rc == 0)
            sbc_ref_free(&r);
    }
}

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

TEST(ref_valid)
{
    ref_ok("alpine", "docker.io/library/alpine:latest", "alpine:latest");
    ref_ok("alpine:3.19", "docker.io/library/alpine:3.19", "alpine:3.19");
    ref_ok("library/alpine", "docker.io/library/alpine:latest", "alpine:latest");
    ref_ok("docker.io/alpine", "docker.io/library/alpine:latest", "alpine:latest");
    ref_ok("index.docker.io/library/alpine", "docker.io/library/alpine:latest", "alpine:latest");
    ref_ok("user/app:v1.0-rc_1", "docker.io/user/app:v1.0-rc_1", "user/app:v1.0-rc_1");
    ref_ok("127.0.0.1:5000/busybox", "127.0.0.1:5000/busybox:latest",
           "127.0.0.1:5000/busybox:latest");
    ref_ok("localhost/a/b/c:t", "localhost/a/b/c:t", "localhost/a/b/c:t");
    ref_ok("localhost:5000/x", "localhost:5000/x:latest", "localhost:5000/x:latest");
    ref_ok("quay.io/a.b/c__d-e--f", "quay.io/a.b/c__d-e--f:latest", "quay.io/a.b/c__d-e--f:latest");
    ref_ok("alpine@sha256:" D64, "docker.io/library/alpine@sha256:" D64, "alpine@sha256:" D64);
    ref_ok("alpine:3@sha256:" D64, "docker.io/library/alpine:3@sha256:" D64,
           "alpine:3@sha256:" D64);
    ref_ok("[::1]:5000/img", "[::1]:5000/img:latest", "[::1]:5000/img:latest");

    sbc_ref r;
    sbc_err e = {0};
    CHECK_INT(sbc_ref_parse("x@sha256:" D64, &r, &e), 0);
    CHECK(r.tag == NULL);
    CHECK_STR(r.digest, "sha256:" D64);
    CHECK_STR(sbc_ref_api_host(&r), "registry-1.docker.io");
    char *repo = sbc_ref_repo(&r);
    CHECK_STR(repo, "docker.io/library/x");
    free(repo);
    sbc_ref_free(&r);
    CHECK_INT(sbc_ref_parse("127.0.0.1:5000/ns/name:tag", &r, &e), 0);
    CHECK_STR(r.domain, "127.0.0.1:5000");
    CHECK_STR(r.path, "ns/name");
    CHECK_STR(r.tag, "tag");
    CHECK_STR(sbc_ref_api_host(&r), "127.0.0.1:5000");
    sbc_ref_free(&r);
}

TEST(ref_invalid)
{
    ref_bad("");
    ref_bad("Alpine");
    ref_bad("alpine:");
    ref_bad("alpine:-tag");
    ref_bad("alpine:.tag");
    ref_bad("alpine:tag!");
    ref_bad("alpine@sha256:abc");
    ref_bad("alpine@sha256:" D64 "0");
    ref_bad("alpine@md5:" D64);
    ref_bad("alpine@sha256:" "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef");
    ref_bad("a//b");
    ref_bad("/a");
    ref_bad("a/");
    ref_bad("a..b");
    ref_bad("a___b");
    ref_bad("-a");
    ref_bad("a-");
    ref_bad("foo bar");
    ref_bad("host:port/x");
    ref_bad("host:99999999/x");
    ref_bad(":5000/x");
    ref_bad("-bad.host/x");
    ref_bad("localhost:5000/UPPER");
    char tag[200];
    memset(tag, 'a', 129);
    tag[129] = 0;
    char *s = malloc(300);
    snprintf(s, 300, "x:%s", tag);
    ref_bad(s);
    tag[128] = 0;
    snprintf(s, 300, "x:%s", tag);
    sbc_ref r;
    sbc_err e = {0};
    CHECK_INT(sbc_ref_parse(s, &r, &e), 0); /* 128 is the maximum */
    sbc_ref_free(&r);
    free(s);
    CHECK_INT(sbc_ref_parse("Alpine", &r, &e), -1);
    CHECK(strstr(e.msg, "lowercase") != NULL);
}

TEST(sha256_vectors)
{
    char out[SBC_DIGEST_LEN + 1];
    sbc_sha256_digest("", 0, out);
    CHECK_STR(out, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sbc_sha256_digest("abc", 3, out);
    CHECK_STR(out, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* streaming in pieces gives the same as one shot */
    sbc_sha256 h;
    sbc_sha256_init(&h);
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    for (size_t i = 0; i < strlen(m); i += 5)
        sbc_sha256_update(&h, m + i, strlen(m + i) < 5 ? strlen(m + i) : 5);
    sbc_sha256_final(&h, out);
    CHECK_STR(out, "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(sbc_digest_valid(out));
    CHECK(!sbc_digest_valid("sha256:248d6a61"));
    CHECK(!sbc_digest_valid("sha512:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
    CHECK(!sbc_digest_valid(NULL));
    CHECK_STR(sbc_digest_hex(out), out + 7);
    sbc_err e = {0};
    CHECK_INT(sbc_digest_check("md5:abc", "blob", &e), -1);
    CHECK(strstr(e.msg, "unsupported digest algorithm") != NULL);
}

TEST(challenge_parse)
{
    sbc_challenge c;
    CHECK_INT(sbc_challenge_parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                                  "scope=\"repository:samalba/my-app:pull,push\"", &c), 0);
    CHECK_STR(c.scheme, "Bearer");
    CHECK_STR(c.realm, "https://auth.docker.io/token");
    CHECK_STR(c.service, "registry.docker.io");
    CHECK_STR(c.scope, "repository:samalba/my-app:pull,push");
    CHECK(c.error == NULL);
    sbc_challenge_free(&c);
    CHECK_INT(sbc_challenge_parse("Bearer realm=\"https://h:5001/t\", error=\"insufficient_scope\","
                                  " scope=\"repository:private/x:pull\"", &c), 0);
    CHECK_STR(c.error, "insufficient_scope");
    CHECK_STR(c.realm, "https://h:5001/t");
    sbc_challenge_free(&c);
    CHECK_INT(sbc_challenge_parse("Basic realm=\"Registry Realm\"", &c), 0);
    CHECK_STR(c.scheme, "Basic");
    CHECK_STR(c.realm, "Registry Realm");
    sbc_challenge_free(&c);
    CHECK_INT(sbc_challenge_parse("Bearer realm=tok,service=a\\b", &c), 0);
    CHECK_STR(c.realm, "tok");
    sbc_challenge_free(&c);
    CHECK_INT(sbc_challenge_parse("Bearer realm=\"unterminated", &c), -1);
    CHECK_INT(sbc_challenge_parse("", &c), -1);
    CHECK_INT(sbc_challenge_parse(NULL, &c), -1);
}

TEST(registry_error_text)
{
    char out[256];
    const char *b = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}";
    CHECK_INT(sbc_registry_error_text(b, strlen(b), out, sizeof out), 0);
    CHECK_STR(out, "manifest unknown");
    b = "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"You have reached your pull rate limit.\"}]}";
    CHECK_INT(sbc_registry_error_text(b, strlen(b), out, sizeof out), 0);
    CHECK_STR(out, "toomanyrequests: You have reached your pull rate limit.");
    b = "{\"details\":\"incorrect username or password\"}";
    CHECK_INT(sbc_registry_error_text(b, strlen(b), out, sizeof out), 0);
    CHECK_STR(out, "incorrect username or password");
    b = "<html>nope</html>";
    CHECK_INT(sbc_registry_error_text(b, strlen(b), out, sizeof out), -1);
    b = "{\"errors\":[]}";
    CHECK_INT(sbc_registry_error_text(b, strlen(b), out, sizeof out), -1);
    b = "{\"errors\":[{\"code\":5}]}";
    CHECK_INT(sbc_registry_error_text(b, strlen(b), out, sizeof out), -1);
}
