/* fuzz_manifest.c - a lying registry: sbc_registry_get_manifest() against
 * fuzzed server bytes, through the whole client path: 401 challenges and
 * token responses (same host), redirects, Content-Type vs mediaType,
 * Docker-Content-Digest, index parsing with platform selection
 * (attestations, variants), the nested fetch of the chosen manifest with
 * its digest/size checks; then the blob path (Range / Content-Range) with
 * sbc_registry_blob_open and sbc_blob_read.
 *
 * lib/registry/http.c and lib/registry/registry.c are #included: sbc_http_new() is renamed
 * for registry.c so each new client connection is a socketpair preloaded
 * with the next fuzzed stream; getaddrinfo always fails (no network).
 *
 * Input: byte 0 flags, byte 1 platform/offset selector, then
 *   MANIFEST-STREAM [ "\n####\n" BLOB-STREAM ]
 * each stream split by "\n@@@@\n" into parts.  In a part, "@@D@@" becomes
 * the sha256 digest of the next part's body and "@@CL@@" the length of
 * its own body, so the fuzzer can build consistent indexes.
 *   flags bit 0: raw parts (whole HTTP responses) / assisted (parts are
 *                bodies; the harness adds "200 OK" + headers)
 *   bits 1-3: Content-Type of the first assisted response
 *   bit 4: Content-Type of the later assisted responses (OCI / none)
 *   bit 5: ask by digest (of the first body) instead of by tag
 *   bit 6: credentials in Docker's config.json
 *   bit 7: then open and read a blob from the blob stream
 */
#include "registry/http.c"

static sbc_http *fuzz_sbc_http_new(void);
#define sbc_http_new fuzz_sbc_http_new
#include "registry/registry.c"
#undef sbc_http_new

#include <sys/stat.h>

#include "fuzz_common.h"
#include "fuzz_net.h"

/* ---- prepared connections ------------------------------------------------- */

static int q_fd[4], q_n, q_next;

static sbc_http *fuzz_sbc_http_new(void)
{
    sbc_http *h = sbc_http_new();
    if (q_next < q_n)
        fuzz_http_attach(h, q_fd[q_next++], "https", "fuzz.test");
    return h;
}

/* ---- stream assembly ---------------------------------------------------------- */

static const char *const ctypes[] = {
    SBC_MT_OCI_INDEX, SBC_MT_DOCKER_LIST, SBC_MT_OCI_MANIFEST, SBC_MT_DOCKER_MANIFEST, NULL,
    "application/json", "application/vnd.docker.distribution.manifest.v1+prettyjws",
    SBC_MT_OCI_MANIFEST "; charset=utf-8",
};

#define MAXPARTS 8

static const uint8_t *memmem_(const uint8_t *h, size_t hn, const char *nd)
{
    return memmem(h, hn, nd, strlen(nd));
}

/* Replace every occurrence of pat in b by rep. */
static void buf_replace(sbc_buf *b, const char *pat, const char *rep)
{
    sbc_buf o = {0};
    size_t pl = strlen(pat);
    const char *p = b->data, *end = b->data + b->len;
    while (p < end) {
        const char *f = memmem(p, (size_t)(end - p), pat, pl);
        if (!f) {
            sbc_buf_add(&o, p, (size_t)(end - p));
            break;
        }
        sbc_buf_add(&o, p, (size_t)(f - p));
        sbc_buf_adds(&o, rep);
        p = f + pl;
    }
    sbc_buf_add(&o, "", 0);
    sbc_buf_free(b);
    *b = o;
}

static size_t body_off(const sbc_buf *b, int raw)
{
    if (!raw)
        return 0;
    const char *f = memmem(b->data, b->len, "\r\n\r\n", 4);
    return f ? (size_t)(f - b->data) + 4 : b->len;
}

/* Build the server bytes of one stream into out.  first_digest gets the
 * digest of the first part's body. */
static void build_stream(const uint8_t *p, size_t n, unsigned flags, sbc_buf *out,
                         char first_digest[SBC_DIGEST_LEN + 1])
{
    sbc_buf parts[MAXPARTS];
    int np = 0;
    memset(parts, 0, sizeof parts);
    while (np < MAXPARTS) {
        const uint8_t *sep = np + 1 < MAXPARTS ? memmem_(p, n, "\n@@@@\n") : NULL;
        size_t l = sep ? (size_t)(sep - p) : n;
        sbc_buf_add(&parts[np], p, l);
        sbc_buf_add(&parts[np], "", 0);
        np++;
        if (!sep)
            break;
        p = sep + 6;
        n -= l + 6;
    }
    int raw = flags & 1;
    char next_digest[SBC_DIGEST_LEN + 1] = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    for (int i = np - 1; i >= 0; i--) {
        sbc_buf *b = &parts[i];
        buf_replace(b, "@@D@@", next_digest);
        size_t off = body_off(b, raw);
        char cl[32];
        snprintf(cl, sizeof cl, "%zu", b->len - off);
        if (raw) {
            buf_replace(b, "@@CL@@", cl); /* in the head: the body length is unchanged */
            off = body_off(b, raw);
        }
        sbc_sha256_digest(b->data + off, b->len - off, next_digest);
    }
    memcpy(first_digest, next_digest, SBC_DIGEST_LEN + 1);
    for (int i = 0; i < np; i++) {
        sbc_buf *b = &parts[i];
        if (!raw) {
            const char *ct = i == 0 ? ctypes[(flags >> 1) & 7]
                                    : ((flags & 16) ? NULL : SBC_MT_OCI_MANIFEST);
            char dg[SBC_DIGEST_LEN + 1];
            sbc_sha256_digest(b->data, b->len, dg);
            sbc_buf_printf(out, "HTTP/1.1 200 OK\r\n");
            if (ct)
                sbc_buf_printf(out, "Content-Type: %s\r\n", ct);
            sbc_buf_printf(out, "Docker-Content-Digest: %s\r\nContent-Length: %zu\r\n\r\n", dg,
                           b->len);
        }
        sbc_buf_add(out, b->data, b->len);
        sbc_buf_free(b);
    }
}

/* ---- setup ---------------------------------------------------------------- */

static char g_dir[64], g_anon[96], g_creds[96];

static void rm_dir(void)
{
    sbc_err e = {0};
    if (g_dir[0])
        sbc_rm_rf(AT_FDCWD, g_dir, &e);
}

static void setup(void)
{
    if (g_dir[0])
        return;
    fuzz_net_init();
    snprintf(g_dir, sizeof g_dir, "/tmp/sbcfuzz-manifest.%d", (int)getpid());
    snprintf(g_anon, sizeof g_anon, "%s/anon", g_dir);
    snprintf(g_creds, sizeof g_creds, "%s/creds", g_dir);
    sbc_err e = {0};
    sbc_rm_rf(AT_FDCWD, g_dir, &e);
    if (sbc_mkdir_p(g_anon, 0700, &e) < 0 || sbc_mkdir_p(g_creds, 0700, &e) < 0) {
        fprintf(stderr, "%s\n", e.msg);
        abort();
    }
    char *p = sbc_xasprintf("%s/config.json", g_creds);
    const char *cj = "{\"auths\":{\"fuzz.test\":{\"auth\":\"dXNlcjpwYXNz\"}}}"; /* user:pass */
    if (sbc_write_atomic_scratch(AT_FDCWD, p, cj, strlen(cj), 0600, &e) < 0)
        abort();
    free(p);
    setenv("SBC_CONFIG_DIR", g_anon, 1); /* no config.json: no mirrors, nothing insecure */
    atexit(rm_dir);
}

static const char *const platforms[16] = {
    NULL, "linux/amd64", "linux/arm64", "linux/arm/v6", "linux/arm/v7", "linux/arm64/v8",
    "windows/amd64", "linux/386", "linux/arm/v5", "linux/riscv64", "unknown/unknown",
    "linux/armhf", "linux/aarch64", "linux/x86_64", "linux/arm/v8", "linux/ppc64le",
};

/* ---- the checks the pull does on a manifest ---------------------------------- */

static void pull_like_checks(const sbc_manifest_result *m)
{
    sbc_err e = {0};
    cJSON *man = sbc_json_parse(m->body.data, m->body.len, "manifest", &e);
    FUZZ_ASSERT(man && cJSON_IsObject(man), "accepted manifest does not parse as an object");
    FUZZ_ASSERT(sbc_json_int(man, "schemaVersion", 0) == 2, "accepted schemaVersion != 2");
    cJSON *cdesc = sbc_json_obj(man, "config");
    const char *cdig = sbc_json_str(cdesc, "digest");
    (void)(cdig && sbc_digest_valid(cdig));
    (void)sbc_json_int(cdesc, "size", -1);
    cJSON *layers = sbc_json_arr(man, "layers");
    int n = cJSON_GetArraySize(layers);
    for (int i = 0; i < n && i < 1000; i++) {
        cJSON *l = cJSON_GetArrayItem(layers, i);
        const char *d = sbc_json_str(l, "digest");
        if (d)
            (void)sbc_digest_hex(d);
        (void)sbc_json_str(l, "mediaType");
        (void)sbc_json_int(l, "size", -1);
    }
    cJSON_Delete(man);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > (1 << 20))
        return 0;
    setup();
    unsigned flags = data[0], sel = data[1];
    data += 2, size -= 2;
    const uint8_t *bsep = memmem_(data, size, "\n####\n");
    size_t mlen = bsep ? (size_t)(bsep - data) : size;

    sbc_buf ms = {0}, bs = {0};
    char first[SBC_DIGEST_LEN + 1], bfirst[SBC_DIGEST_LEN + 1];
    build_stream(data, mlen, flags, &ms, first);
    if (bsep)
        build_stream(bsep + 6, size - mlen - 6, flags | 1, &bs, bfirst); /* blobs: raw */

    int srv[2] = {-1, -1};
    q_n = q_next = 0;
    q_fd[q_n++] = fuzz_server_bytes(ms.data ? ms.data : "", ms.len, &srv[0]);
    if (bsep)
        q_fd[q_n++] = fuzz_server_bytes(bs.data ? bs.data : "", bs.len, &srv[1]);
    setenv("DOCKER_CONFIG", (flags & 64) ? g_creds : g_anon, 1);

    sbc_ref ref;
    sbc_err e = {0};
    if (sbc_ref_parse("fuzz.test/lib/img:tag", &ref, &e) < 0)
        abort();
    sbc_registry *g = sbc_registry_open(&ref, "pull", &e);
    FUZZ_ASSERT(g, "registry_open: %s", e.msg);
    const char *want = (flags & 32) ? first : "tag";
    const char *plat = platforms[sel & 15];
    sbc_manifest_result m;
    int rc = sbc_registry_get_manifest(g, want, plat, &m, &e);
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "get_manifest: %d %s [%s %s]\n", rc, e.msg, m.media_type, m.platform);
    if (rc == 0) {
        FUZZ_ASSERT(is_manifest_type(m.media_type), "result media type \"%s\"", m.media_type);
        char dg[SBC_DIGEST_LEN + 1];
        sbc_sha256_digest(m.body.data, m.body.len, dg);
        FUZZ_ASSERT(!strcmp(dg, m.digest), "body digest %s != reported %s", dg, m.digest);
        FUZZ_ASSERT(sbc_digest_valid(m.repo_digest), "repo digest \"%s\"", m.repo_digest);
        if (flags & 32)
            FUZZ_ASSERT(!strcmp(m.repo_digest, want), "asked for %s, repo digest %s", want,
                        m.repo_digest);
        if (!m.platform[0])
            FUZZ_ASSERT(!strcmp(m.digest, m.repo_digest), "no index but digests differ");
        pull_like_checks(&m);
        sbc_manifest_result_free(&m);
    } else {
        FUZZ_ASSERT(e.msg[0], "get_manifest failed without a message");
        FUZZ_ASSERT(!m.body.data, "result not freed on failure");
    }

    if ((flags & 128) && bsep) {
        sbc_err be = {0};
        long long total = -2;
        long long off = (sel >> 4) & 1 ? 100 : 0;
        sbc_blob *b = sbc_registry_blob_open(
            g, "sha256:1111111111111111111111111111111111111111111111111111111111111111", off,
            &total, &be);
        if (b) {
            long long got = 0;
            char buf[4096];
            ssize_t k;
            size_t chunk = (sel >> 5) & 1 ? 1 : sizeof buf;
            while ((k = sbc_blob_read(b, buf, chunk, &be)) > 0)
                got += k;
            long long start = sbc_blob_offset(b);
            FUZZ_ASSERT(start == 0 || start == off, "blob offset %lld (asked %lld)", start, off);
            if (k == 0 && total >= 0 && start == 0)
                FUZZ_ASSERT(got == total, "blob: read %lld bytes, size said %lld", got, total);
            sbc_blob_close(b);
        } else {
            FUZZ_ASSERT(be.msg[0], "blob_open failed without a message");
        }
    }
    sbc_registry_close(g);
    sbc_ref_free(&ref);
    /* connections the client never took */
    for (int i = q_next; i < q_n; i++)
        close(q_fd[i]);
    for (int i = 0; i < 2; i++)
        if (srv[i] >= 0)
            close(srv[i]);
    sbc_buf_free(&ms);
    sbc_buf_free(&bs);
    return 0;
}
