/* Unit tests for lib/http: base64, URLs, and the client against a canned
 * plain-HTTP server thread on 127.0.0.1 (chunked bodies, truncation,
 * redirects dropping Authorization across hosts, keep-alive). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "registry/http.h"
#include "unit.h"

TEST(base64)
{
    char *s = sbc_base64_encode("reader:reader-pw", 16);
    CHECK_STR(s, "cmVhZGVyOnJlYWRlci1wdw==");
    free(s);
    const char *v[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *w[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        s = sbc_base64_encode(v[i], strlen(v[i]));
        CHECK_STR(s, w[i]);
        free(s);
        size_t n;
        s = sbc_base64_decode(w[i], &n);
        CHECK_STR(s, v[i]);
        CHECK_INT(n, strlen(v[i]));
        free(s);
    }
    CHECK(sbc_base64_decode("Zm9", NULL) == NULL);
    CHECK(sbc_base64_decode("Zm=v", NULL) == NULL);
    CHECK(sbc_base64_decode("Z!==", NULL) == NULL);
}

TEST(url_parse)
{
    sbc_url u;
    sbc_err e = {0};
    CHECK_INT(sbc_url_parse("https://registry-1.docker.io/v2/", &u, 0, &e), 0);
    CHECK(u.https);
    CHECK_STR(u.host, "registry-1.docker.io");
    CHECK_INT(u.port, 443);
    CHECK_STR(u.hostport, "registry-1.docker.io");
    CHECK_STR(u.target, "/v2/");
    sbc_url_free(&u);
    CHECK_INT(sbc_url_parse("http://127.0.0.1:5000?x=1#frag", &u, 0, &e), 0);
    CHECK(!u.https);
    CHECK_INT(u.port, 5000);
    CHECK_STR(u.hostport, "127.0.0.1:5000");
    CHECK_STR(u.target, "/?x=1");
    sbc_url_free(&u);
    CHECK_INT(sbc_url_parse("https://[::1]:8443/a", &u, 0, &e), 0);
    CHECK_STR(u.host, "::1");
    CHECK_STR(u.hostport, "[::1]:8443");
    sbc_url_free(&u);
    CHECK_INT(sbc_url_parse("user:pw@proxy:3128", &u, 1, &e), 0);
    CHECK_STR(u.userinfo, "user:pw");
    CHECK_STR(u.host, "proxy");
    CHECK_INT(u.port, 3128);
    sbc_url_free(&u);
    CHECK_INT(sbc_url_parse("ftp://x/", &u, 0, &e), -1);
    CHECK_INT(sbc_url_parse("https://x:99999/", &u, 0, &e), -1);
    CHECK_INT(sbc_url_parse("https://:80/", &u, 0, &e), -1);
    CHECK_INT(sbc_url_parse("https://a b/", &u, 0, &e), -1);
    CHECK_INT(sbc_url_parse("proxy:3128", &u, 0, &e), -1);

    char *r = sbc_url_resolve("https://a:1/v2/x/blobs/d", "https://cdn/b?sig=1");
    CHECK_STR(r, "https://cdn/b?sig=1");
    free(r);
    r = sbc_url_resolve("https://a:1/v2/x/blobs/d", "/other");
    CHECK_STR(r, "https://a:1/other");
    free(r);
    r = sbc_url_resolve("https://a:1/v2/x/blobs/d?q", "e");
    CHECK_STR(r, "https://a:1/v2/x/blobs/e");
    free(r);
    r = sbc_url_resolve("https://a:1/v2/", "//cdn:2/z");
    CHECK_STR(r, "https://cdn:2/z");
    free(r);
    r = sbc_url_escape("repository:a/b:pull,push");
    CHECK_STR(r, "repository%3Aa%2Fb%3Apull%2Cpush");
    free(r);
}

/* ---- canned server ---- */

static int srv_port, srv_accepts;

static void srv_reply(int fd, const char *req)
{
    char path[256] = "", auth[256] = "none", out[1024];
    sscanf(req, "%*s %255s", path);
    const char *a = strcasestr(req, "\r\nAuthorization: ");
    if (a)
        sscanf(a + 17, "%255[^\r]", auth);
    if (!strcmp(path, "/chunked")) {
        snprintf(out, sizeof out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n");
    } else if (!strcmp(path, "/trunc")) {
        snprintf(out, sizeof out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly10byte");
    } else if (!strcmp(path, "/truncchunk")) {
        snprintf(out, sizeof out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\nabc");
    } else if (!strcmp(path, "/badchunk")) {
        snprintf(out, sizeof out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    } else if (!strcmp(path, "/badcl")) {
        snprintf(out, sizeof out, "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n");
    } else if (!strcmp(path, "/eof")) {
        snprintf(out, sizeof out, "HTTP/1.0 200 OK\r\n\r\nuntil close");
    } else if (!strcmp(path, "/redir-other")) {
        snprintf(out, sizeof out, "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://localhost:%d/echo\r\n"
                                  "Content-Length: 3\r\n\r\nabc", srv_port);
    } else if (!strcmp(path, "/redir-same")) {
        snprintf(out, sizeof out, "HTTP/1.1 302 Found\r\nLocation: echo\r\nContent-Length: 0\r\n\r\n");
    } else if (!strcmp(path, "/loop")) {
        snprintf(out, sizeof out, "HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n");
    } else {
        snprintf(out, sizeof out, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nX-Path: %s\r\n\r\n%s",
                 strlen(auth), path, auth);
    }
    send(fd, out, strlen(out), MSG_NOSIGNAL);
}

static void *srv_main(void *arg)
{
    int ls = *(int *)arg;
    for (;;) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0)
            continue;
        __atomic_add_fetch(&srv_accepts, 1, __ATOMIC_SEQ_CST);
        char req[8192];
        size_t n = 0;
        for (;;) {
            ssize_t k = read(fd, req + n, sizeof req - 1 - n);
            if (k <= 0)
                break;
            n += (size_t)k;
            req[n] = 0;
            char *end;
            while ((end = strstr(req, "\r\n\r\n"))) {
                *end = 0;
                srv_reply(fd, req);
                int closes = strstr(req, " /trunc") || strstr(req, " /eof") || strstr(req, " /bad");
                size_t used = (size_t)(end + 4 - req);
                memmove(req, end + 4, n - used + 1);
                n -= used;
                if (closes)
                    goto next;
            }
        }
    next:
        close(fd);
    }
    return NULL;
}

static void srv_start(void)
{
    static int ls = -1;
    if (ls >= 0)
        return;
    ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    bind(ls, (struct sockaddr *)&a, sizeof a);
    listen(ls, 8);
    getsockname(ls, (struct sockaddr *)&a, &l);
    srv_port = ntohs(a.sin_port);
    pthread_t t;
    pthread_create(&t, NULL, srv_main, &ls);
    pthread_detach(t);
}

/* GET path; the body into out; returns status or -1 (e filled). */
static int get(sbc_http *h, const char *path, const char *hdr, sbc_buf *out, sbc_err *e)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", srv_port, path);
    const char *hd[] = {hdr, NULL};
    sbc_http_req rq = {.method = "GET", .url = url, .headers = hd, .max_redirects = 5};
    int st = sbc_http_request(h, &rq, e);
    if (st < 0)
        return -1;
    out->len = 0;
    if (sbc_http_read_all(h, out, 1 << 20, e) < 0)
        return -1;
    return st;
}

TEST(http_client)
{
    srv_start();
    unsetenv("HTTP_PROXY");
    unsetenv("http_proxy");
    sbc_http *h = sbc_http_new();
    sbc_buf b = {0};
    sbc_err e = {0};

    int before = __atomic_load_n(&srv_accepts, __ATOMIC_SEQ_CST);
    CHECK_INT(get(h, "/chunked", NULL, &b, &e), 200);
    CHECK_STR(b.data, "hello, world");
    CHECK_INT(get(h, "/plain", NULL, &b, &e), 200);
    CHECK_STR(b.data, "none");
    CHECK_STR(sbc_http_header(h, "x-path"), "/plain");
    CHECK_INT(sbc_http_content_length(h), 4);
    /* both requests on one kept-alive connection */
    CHECK_INT(__atomic_load_n(&srv_accepts, __ATOMIC_SEQ_CST) - before, 1);

    /* same-origin redirect keeps Authorization, another host drops it */
    CHECK_INT(get(h, "/redir-same", "Authorization: Bearer secret", &b, &e), 200);
    CHECK_STR(b.data, "Bearer secret");
    CHECK(strstr(sbc_http_url(h), "/echo") != NULL);
    CHECK_INT(get(h, "/redir-other", "Authorization: Bearer secret", &b, &e), 200);
    CHECK_STR(b.data, "none");
    CHECK(strncmp(sbc_http_url(h), "http://localhost:", 17) == 0);

    sbc_err_clear(&e);
    CHECK_INT(get(h, "/loop", NULL, &b, &e), -1);
    CHECK(strstr(e.msg, "too many redirects") != NULL);

    sbc_err_clear(&e);
    CHECK_INT(get(h, "/trunc", NULL, &b, &e), -1);
    CHECK(strstr(e.msg, "unexpected EOF") != NULL);
    sbc_err_clear(&e);
    CHECK_INT(get(h, "/truncchunk", NULL, &b, &e), -1);
    CHECK(strstr(e.msg, "unexpected EOF") != NULL);
    sbc_err_clear(&e);
    CHECK_INT(get(h, "/badchunk", NULL, &b, &e), -1);
    CHECK(strstr(e.msg, "malformed chunk") != NULL);
    sbc_err_clear(&e);
    CHECK_INT(get(h, "/badcl", NULL, &b, &e), -1);
    CHECK(strstr(e.msg, "Content-Length") != NULL);
    sbc_err_clear(&e);
    CHECK_INT(get(h, "/eof", NULL, &b, &e), 200);
    CHECK_STR(b.data, "until close");
    /* and the client recovers on a fresh connection */
    CHECK_INT(get(h, "/plain", NULL, &b, &e), 200);

    /* connection refused names the host */
    sbc_err_clear(&e);
    sbc_http_req bad = {.method = "GET", .url = "http://127.0.0.1:1/"};
    CHECK_INT(sbc_http_request(h, &bad, &e), -1);
    CHECK(strstr(e.msg, "127.0.0.1:1: connect") != NULL);
    sbc_buf_free(&b);
    sbc_http_free(h);
}
