/* http.h - a small HTTP/1.1 client (plain or TLS via lib/registry/tls.h).
 *
 * One sbc_http holds one keep-alive connection (reused while requests go to
 * the same origin) and the response being read: one request at a time per
 * sbc_http; use one per thread.  Bodies: Content-Length, chunked, or until
 * close; a body cut short is an error ("HOST: unexpected EOF").  Redirects
 * (301/302/303/307/308, relative or absolute Location) are followed when
 * asked, dropping Authorization when the origin changes.  Proxies from
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY (and lowercase) via CONNECT.
 * IPv4 and IPv6 (each address of the name is tried in turn).
 * Timeouts (milliseconds) for connect and for each wait on the socket:
 * defaults 30 s and 60 s, SBC_HTTP_TIMEOUT=SECONDS overrides both.
 */
#ifndef SBC_HTTP_H
#define SBC_HTTP_H
#include <stddef.h>
#include <sys/types.h>
#include "base/err.h"
#include "base/io.h"

typedef struct sbc_url {
    int https;
    char host[256];     /* name or IP literal, without [ ] */
    int port;
    char hostport[300]; /* "host" or "host:port" when not the scheme's default; [v6] */
    char *target;       /* path and query, starts with "/" (malloc'd) */
    char *userinfo;     /* "user:pass" before '@' (proxy URLs), or NULL */
} sbc_url;

/* Parse an absolute http(s) URL; allow_noscheme: "host:port" means http://
 * (proxy variables).  Errors name the URL. */
int sbc_url_parse(const char *s, sbc_url *u, int allow_noscheme, sbc_err *e);
void sbc_url_free(sbc_url *u);
/* Resolve a Location value against base (absolute, //host/, /path, rel). */
char *sbc_url_resolve(const char *base, const char *ref);
/* Percent-encode for a query component (unreserved characters kept). */
char *sbc_url_escape(const char *s);

/* Base64 (standard alphabet, padded). decode: NULL if invalid; *n = length
 * (the result is also NUL-terminated). */
char *sbc_base64_encode(const void *data, size_t n);
char *sbc_base64_decode(const char *s, size_t *n);

typedef struct sbc_http sbc_http;

typedef struct sbc_http_req {
    const char *method;         /* "GET", "HEAD", "PUT", "POST", "PATCH", "DELETE" */
    const char *url;
    const char *const *headers; /* "Name: value" strings, NULL-terminated; may be NULL */
    const void *body;           /* sent with Content-Length when non-NULL */
    size_t body_len;
    int max_redirects;          /* 0: return 3xx to the caller */
    int insecure;               /* skip certificate checks for the URL's host */
} sbc_http_req;

sbc_http *sbc_http_new(void);
void sbc_http_free(sbc_http *h);

/* Send the request and read the status line and headers (following
 * redirects if asked).  Returns the status code, or -1 on error.  The body
 * is then read with sbc_http_read/sbc_http_read_all; an unread body is
 * drained or the connection dropped on the next request. */
int sbc_http_request(sbc_http *h, const sbc_http_req *rq, sbc_err *e);
int sbc_http_status(const sbc_http *h);
/* The value of the first header with that name (case-insensitive), or NULL. */
const char *sbc_http_header(const sbc_http *h, const char *name);
/* The i-th header with that name (for repeated headers), or NULL. */
const char *sbc_http_header_n(const sbc_http *h, const char *name, int i);
/* The URL the response came from (after redirects). */
const char *sbc_http_url(const sbc_http *h);
/* Content-Length of the body, -1 if not known (chunked / until close). */
long long sbc_http_content_length(const sbc_http *h);
/* Body: >0 bytes, 0 at its end, -1 on error (incl. truncation). */
ssize_t sbc_http_read(sbc_http *h, void *buf, size_t n, sbc_err *e);
/* Whole body into out (appended); more than max bytes is an error
 * "URL: response too large". */
int sbc_http_read_all(sbc_http *h, sbc_buf *out, size_t max, sbc_err *e);
/* Drop the connection (e.g. after an error mid-body). */
void sbc_http_disconnect(sbc_http *h);

#endif
