/* fuzz_http_response.c - the HTTP/1.1 response side of lib/registry/http.c: status
 * line, headers (100 Continue, duplicates, Content-Length conflicts,
 * Transfer-Encoding), bodies (length, chunked with extensions and
 * trailers, until close), redirects on the same connection, keep-alive
 * reuse for a second request, and draining of an unread body.
 *
 * lib/registry/http.c is #included so the harness can hand the client a socketpair
 * (the connection struct is private); everything else is the public API.
 *
 * Input: byte 0 = flags, then the server's raw bytes.
 *   bit 0: HEAD instead of GET        bit 1: follow redirects (max 3)
 *   bit 2-3: read size (1, 7, 4096, read_all)
 *   bit 4: a second request on the same sbc_http, body left unread first
 *   bit 5: POST with a body
 */
#include "registry/http.c"

#include "fuzz_common.h"
#include "fuzz_net.h"

#define BODY_MAX (1 << 20)

static int one_request(sbc_http *h, unsigned flags, int round)
{
    sbc_err e = {0};
    const char *hdrs[] = {"Accept: */*", "Authorization: Bearer secret", NULL};
    sbc_http_req rq = {
        .method = (flags & 1) ? "HEAD" : (flags & 32) ? "POST" : "GET",
        .url = round ? "http://fuzz.test/second" : "http://fuzz.test/v2/x/manifests/latest",
        .headers = hdrs,
        .body = (flags & 32) ? "{}" : NULL,
        .body_len = (flags & 32) ? 2 : 0,
        .max_redirects = (flags & 2) ? 3 : 0,
    };
    int st = sbc_http_request(h, &rq, &e);
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "request %d: status %d %s\n", round, st, e.msg);
    if (st < 0) {
        FUZZ_ASSERT(e.msg[0], "request failed without a message");
        return -1;
    }
    FUZZ_ASSERT(st >= 100 && st <= 599, "status %d", st);
    FUZZ_ASSERT(st == sbc_http_status(h), "status mismatch");
    (void)sbc_http_url(h);
    for (int i = 0; sbc_http_header_n(h, "X-Any", i); i++)
        ;
    const char *loc = sbc_http_header(h, "Location");
    (void)loc;
    long long cl = sbc_http_content_length(h);
    FUZZ_ASSERT(cl >= -1, "content length %lld", cl);
    if (round == 0 && (flags & 16))
        return 0; /* leave the body for settle() to drain or drop */

    size_t rs[] = {1, 7, 4096, 0};
    size_t chunk = rs[(flags >> 2) & 3];
    sbc_buf body = {0};
    int rc = 0;
    if (!chunk) {
        rc = sbc_http_read_all(h, &body, BODY_MAX, &e);
    } else {
        char *buf = malloc(chunk);
        for (;;) {
            ssize_t k = sbc_http_read(h, buf, chunk, &e);
            if (k < 0) {
                rc = -1;
                break;
            }
            FUZZ_ASSERT((size_t)k <= chunk, "read %zd > %zu", k, chunk);
            if (k == 0)
                break;
            sbc_buf_add(&body, buf, (size_t)k);
            FUZZ_ASSERT(body.len <= BODY_MAX, "body keeps growing");
        }
        free(buf);
        /* once finished, reads keep returning 0 */
        if (rc == 0) {
            char x;
            FUZZ_ASSERT(sbc_http_read(h, &x, 1, &e) == 0, "read after the end");
        }
    }
    if (rc == 0 && cl >= 0 && !(flags & 1) && st != 204 && st != 304)
        FUZZ_ASSERT((long long)body.len == cl, "body %zu bytes, Content-Length %lld", body.len,
                    cl);
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "body: rc %d, %zu bytes %s\n", rc, body.len, e.msg);
    if (rc < 0)
        FUZZ_ASSERT(e.msg[0], "read failed without a message");
    sbc_buf_free(&body);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1 << 20))
        return 0;
    fuzz_net_init();
    unsigned flags = data[0];
    int srv;
    int fd = fuzz_server_bytes(data + 1, size - 1, &srv);
    sbc_http *h = sbc_http_new();
    fuzz_http_attach(h, fd, "http", "fuzz.test");
    one_request(h, flags, 0);
    if (flags & 16)
        one_request(h, flags & ~16u, 1);
    sbc_http_free(h);
    close(srv);
    return 0;
}
