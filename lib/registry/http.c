/* http.c - HTTP/1.1 client: URLs, connections (plain, TLS, CONNECT
 * proxies), request/response, chunked and length bodies, redirects. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "registry/http.h"
#include "registry/tls.h"

#define MAX_HEADERS 100
#define MAX_LINE 8192
#define DRAIN_MAX (64 * 1024)

/* ---- base64 ----------------------------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *sbc_base64_encode(const void *data, size_t n)
{
    const unsigned char *p = data;
    char *out = sbc_xmalloc((n + 2) / 3 * 4 + 1), *o = out;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        *o++ = b64[v >> 18 & 63];
        *o++ = b64[v >> 12 & 63];
        *o++ = i + 1 < n ? b64[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? b64[v & 63] : '=';
    }
    *o = 0;
    return out;
}

char *sbc_base64_decode(const char *s, size_t *n)
{
    size_t len = strlen(s);
    if (len % 4)
        return NULL;
    unsigned char *out = sbc_xmalloc(len / 4 * 3 + 1), *o = out;
    for (size_t i = 0; i < len; i += 4) {
        unsigned v = 0;
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            char c = s[i + k];
            const char *q = c ? strchr(b64, c) : NULL;
            if (c == '=' && i + 4 == len && k >= 2 && (k == 3 || s[i + 3] == '=')) {
                pad++;
                v <<= 6;
            } else if (q && !pad) {
                v = v << 6 | (unsigned)(q - b64);
            } else {
                free(out);
                return NULL;
            }
        }
        *o++ = (unsigned char)(v >> 16);
        if (pad < 2)
            *o++ = (unsigned char)(v >> 8);
        if (pad < 1)
            *o++ = (unsigned char)v;
    }
    *o = 0;
    if (n)
        *n = (size_t)(o - out);
    return (char *)out;
}

/* ---- URLs ------------------------------------------------------------- */

void sbc_url_free(sbc_url *u)
{
    free(u->target);
    free(u->userinfo);
    memset(u, 0, sizeof *u);
}

int sbc_url_parse(const char *s, sbc_url *u, int allow_noscheme, sbc_err *e)
{
    memset(u, 0, sizeof *u);
    const char *p;
    if (!strncasecmp(s, "https://", 8)) {
        u->https = 1, p = s + 8;
    } else if (!strncasecmp(s, "http://", 7)) {
        p = s + 7;
    } else if (allow_noscheme && !strstr(s, "://")) {
        p = s;
    } else {
        return sbc_err_set(e, 0, "%.200s: unsupported URL", s);
    }
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == 0x7f)
            return sbc_err_set(e, 0, "%.200s: invalid URL", s);
    size_t alen = strcspn(p, "/?#");
    const char *auth = p, *rest = p + alen;
    const char *at = memchr(auth, '@', alen);
    if (at) {
        u->userinfo = sbc_xmalloc((size_t)(at - auth) + 1);
        memcpy(u->userinfo, auth, (size_t)(at - auth));
        u->userinfo[at - auth] = 0;
        alen -= (size_t)(at - auth) + 1;
        auth = at + 1;
    }
    const char *hend, *portp = NULL;
    if (alen && auth[0] == '[') {
        const char *rb = memchr(auth, ']', alen);
        if (!rb)
            goto bad;
        hend = rb + 1;
        if (hend < auth + alen) {
            if (*hend != ':')
                goto bad;
            portp = hend + 1;
        }
        if ((size_t)(rb - auth - 1) >= sizeof u->host)
            goto bad;
        memcpy(u->host, auth + 1, (size_t)(rb - auth - 1));
        u->host[rb - auth - 1] = 0;
    } else {
        const char *colon = memchr(auth, ':', alen);
        hend = colon ? colon : auth + alen;
        if (colon)
            portp = colon + 1;
        if ((size_t)(hend - auth) >= sizeof u->host)
            goto bad;
        memcpy(u->host, auth, (size_t)(hend - auth));
        u->host[hend - auth] = 0;
    }
    if (!u->host[0])
        goto bad;
    u->port = u->https ? 443 : 80;
    if (portp) {
        long port = 0;
        const char *q = portp;
        if (q == auth + alen)
            goto bad;
        for (; q < auth + alen; q++) {
            if (*q < '0' || *q > '9' || port > 65535)
                goto bad;
            port = port * 10 + (*q - '0');
        }
        if (port < 1 || port > 65535)
            goto bad;
        u->port = (int)port;
    }
    int v6 = strchr(u->host, ':') != NULL;
    if (u->port == (u->https ? 443 : 80))
        snprintf(u->hostport, sizeof u->hostport, v6 ? "[%s]" : "%s", u->host);
    else
        snprintf(u->hostport, sizeof u->hostport, v6 ? "[%s]:%d" : "%s:%d", u->host, u->port);
    size_t tl = strcspn(rest, "#");
    u->target = sbc_xmalloc(tl + 2);
    if (rest[0] != '/') {
        u->target[0] = '/';
        memcpy(u->target + 1, rest, tl);
        u->target[tl + 1] = 0;
    } else {
        memcpy(u->target, rest, tl);
        u->target[tl] = 0;
    }
    return 0;
bad:
    sbc_url_free(u);
    return sbc_err_set(e, 0, "%.200s: invalid URL", s);
}

char *sbc_url_resolve(const char *base, const char *ref)
{
    if (strstr(ref, "://") && strcspn(ref, ":") < strcspn(ref, "/?"))
        return sbc_xstrdup(ref);
    const char *sch = strstr(base, "://");
    if (!sch)
        return sbc_xstrdup(ref);
    size_t slen = (size_t)(sch - base) + 1; /* "https:" */
    if (ref[0] == '/' && ref[1] == '/')
        return sbc_xasprintf("%.*s%s", (int)slen, base, ref);
    const char *auth = sch + 3;
    size_t olen = (size_t)(auth - base) + strcspn(auth, "/?#"); /* scheme://host:port */
    if (ref[0] == '/')
        return sbc_xasprintf("%.*s%s", (int)olen, base, ref);
    /* relative path: replace after the last '/' of the base path */
    const char *path = base + olen;
    size_t plen = strcspn(path, "?#");
    const char *slash = NULL;
    for (const char *q = path; q < path + plen; q++)
        if (*q == '/')
            slash = q;
    if (!slash)
        return sbc_xasprintf("%.*s/%s", (int)olen, base, ref);
    return sbc_xasprintf("%.*s%s", (int)(slash + 1 - base), base, ref);
}

char *sbc_url_escape(const char *s)
{
    sbc_buf b = {0};
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-._~", c))
            sbc_buf_add(&b, s, 1);
        else
            sbc_buf_printf(&b, "%%%02X", c);
    }
    sbc_buf_add(&b, "", 0);
    return b.data;
}

/* ---- connections ------------------------------------------------------ */

typedef struct conn {
    int fd; /* -1: none */
    sbc_tls *tls;
    char key[600]; /* origin (+ proxy) this connection talks to */
    char hostport[300];
    int timeout_ms;
    size_t rpos, rlen;
    char rbuf[16384];
} conn;

enum { BODY_NONE, BODY_LENGTH, BODY_CHUNKED, BODY_EOF };

struct sbc_http {
    conn c;
    int connect_ms, read_ms;
    /* the current response */
    int status;
    int keep;  /* connection reusable after the body */
    int mode;
    int done;  /* body fully read */
    long long remaining; /* LENGTH: bytes left; CHUNKED: left in chunk */
    long long content_length;
    int chunk_state; /* 0: need size line, 1: in data, 2: need CRLF, 3: done */
    char *url;
    char *hname[MAX_HEADERS], *hval[MAX_HEADERS];
    int nh;
};

static void conn_close(conn *c)
{
    if (c->tls)
        sbc_tls_close(c->tls);
    else if (c->fd >= 0)
        close(c->fd);
    c->tls = NULL;
    c->fd = -1;
    c->key[0] = 0;
    c->rpos = c->rlen = 0;
}

static ssize_t conn_raw_read(conn *c, void *buf, size_t n, sbc_err *e)
{
    if (c->tls)
        return sbc_tls_read(c->tls, buf, n, e);
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    for (;;) {
        int r = poll(&p, 1, c->timeout_ms > 0 ? c->timeout_ms : -1);
        if (r == 0)
            return sbc_err_set(e, 0, "%s: read timed out", c->hostport);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return sbc_err_sys(e, "%s: poll", c->hostport);
        }
        ssize_t k = read(c->fd, buf, n);
        if (k >= 0)
            return k;
        if (errno != EINTR && errno != EAGAIN)
            return sbc_err_sys(e, "%s: read", c->hostport);
    }
}

static int conn_write(conn *c, const void *buf, size_t n, sbc_err *e)
{
    if (c->tls)
        return sbc_tls_write(c->tls, buf, n, e);
    const char *p = buf;
    struct pollfd pf = {.fd = c->fd, .events = POLLOUT};
    while (n > 0) {
        int r = poll(&pf, 1, c->timeout_ms > 0 ? c->timeout_ms : -1);
        if (r == 0)
            return sbc_err_set(e, 0, "%s: write timed out", c->hostport);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return sbc_err_sys(e, "%s: poll", c->hostport);
        }
        ssize_t k = send(c->fd, p, n, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return sbc_err_sys(e, "%s: write", c->hostport);
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Buffered read: >0, 0 at EOF, -1 error. */
static ssize_t conn_read(conn *c, void *buf, size_t n, sbc_err *e)
{
    if (c->rpos < c->rlen) {
        size_t k = c->rlen - c->rpos;
        if (k > n)
            k = n;
        memcpy(buf, c->rbuf + c->rpos, k);
        c->rpos += k;
        return (ssize_t)k;
    }
    if (n >= sizeof c->rbuf)
        return conn_raw_read(c, buf, n, e);
    ssize_t k = conn_raw_read(c, c->rbuf, sizeof c->rbuf, e);
    if (k <= 0)
        return k;
    c->rpos = 0;
    c->rlen = (size_t)k;
    return conn_read(c, buf, n, e);
}

/* One line without CRLF into line[max].  Returns length, -1 error, -2 EOF
 * before any byte. */
static ssize_t conn_getline(conn *c, char *line, size_t max, sbc_err *e)
{
    size_t n = 0;
    for (;;) {
        if (c->rpos == c->rlen) {
            ssize_t k = conn_raw_read(c, c->rbuf, sizeof c->rbuf, e);
            if (k < 0)
                return -1;
            if (k == 0) {
                if (n == 0)
                    return -2;
                return sbc_err_set(e, 0, "%s: unexpected EOF", c->hostport);
            }
            c->rpos = 0;
            c->rlen = (size_t)k;
        }
        char ch = c->rbuf[c->rpos++];
        if (ch == '\n') {
            if (n && line[n - 1] == '\r')
                n--;
            line[n] = 0;
            return (ssize_t)n;
        }
        if (n + 1 >= max)
            return sbc_err_set(e, 0, "%s: response line too long", c->hostport);
        line[n++] = ch;
    }
}

static int tcp_connect(conn *c, const char *host, int port, int timeout_ms, sbc_err *e)
{
    struct addrinfo hints = {0}, *res, *ai;
    char ports[8];
    snprintf(ports, sizeof ports, "%d", port);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    int g = getaddrinfo(host, ports, &hints, &res);
    if (g == EAI_NONAME || g == EAI_ADDRFAMILY) {
        hints.ai_flags = 0; /* e.g. only loopback configured */
        g = getaddrinfo(host, ports, &hints, &res);
    }
    if (g)
        return sbc_err_set(e, 0, "%s: lookup %s: %s", c->hostport, host,
                           g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
    int fd = -1, timed_out = 0, lasterr = 0;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) {
            lasterr = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        if (errno == EINPROGRESS || errno == EINTR) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            int r;
            do
                r = poll(&p, 1, timeout_ms > 0 ? timeout_ms : -1);
            while (r < 0 && errno == EINTR);
            int soerr = 0;
            socklen_t sl = sizeof soerr;
            if (r > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
                break;
            if (r == 0)
                timed_out = 1;
            else
                lasterr = r < 0 ? errno : soerr;
        } else {
            lasterr = errno;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    /* TLS writes a handshake flight and an HTTP request as several small
     * records: with Nagle's algorithm the later ones wait for the ACK of the
     * first, which the peer delays (~40 ms), once per connection and
     * request.  curl and Go's net/http set it too. */
    if (fd >= 0)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
    if (fd < 0) {
        if (timed_out && !lasterr)
            return sbc_err_set(e, 0, "%s: connect timed out", c->hostport);
        errno = lasterr ? lasterr : ECONNREFUSED;
        return sbc_err_sys(e, "%s: connect", c->hostport);
    }
    c->fd = fd;
    return 0;
}

/* NO_PROXY: comma/space separated; "*", host, .domain / domain suffix,
 * host:port. */
static int no_proxy(const sbc_url *u)
{
    const char *np = getenv("NO_PROXY");
    if (!np || !*np)
        np = getenv("no_proxy");
    if (!np)
        return 0;
    char *list = sbc_xstrdup(np), *save = NULL;
    int hit = 0;
    for (char *t = strtok_r(list, ", ", &save); t && !hit; t = strtok_r(NULL, ", ", &save)) {
        if (!strcmp(t, "*")) {
            hit = 1;
            break;
        }
        char *colon = strrchr(t, ':');
        if (colon && t[0] != '[' && !strchr(t, ']') && strchr(colon + 1, '.') == NULL &&
            colon == strchr(t, ':')) {
            if (atoi(colon + 1) != u->port)
                continue;
            *colon = 0;
        }
        if (t[0] == '[') { /* [v6] */
            t++;
            char *rb = strchr(t, ']');
            if (rb)
                *rb = 0;
        }
        const char *d = t[0] == '.' ? t + 1 : t;
        size_t hl = strlen(u->host), dl = strlen(d);
        if (!strcasecmp(u->host, d) ||
            (hl > dl && !strcasecmp(u->host + hl - dl, d) && u->host[hl - dl - 1] == '.'))
            hit = 1;
    }
    free(list);
    return hit;
}

/* The proxy URL for u, or NULL. */
static const char *proxy_for(const sbc_url *u)
{
    const char *p = u->https ? getenv("HTTPS_PROXY") : getenv("HTTP_PROXY");
    if (!p || !*p)
        p = u->https ? getenv("https_proxy") : getenv("http_proxy");
    if (!p || !*p || no_proxy(u))
        return NULL;
    return p;
}

static int conn_open(sbc_http *h, const sbc_url *u, const char *proxy, int insecure, sbc_err *e)
{
    conn *c = &h->c;
    char key[sizeof c->key];
    snprintf(key, sizeof key, "%s://%s|%s|%d", u->https ? "https" : "http", u->hostport,
             proxy ? proxy : "", insecure);
    if (c->fd >= 0 && !strcmp(c->key, key))
        return 1; /* reuse */
    conn_close(c);
    c->timeout_ms = h->read_ms;
    snprintf(c->hostport, sizeof c->hostport, "%s", u->hostport);
    if (proxy) {
        sbc_url pu;
        if (sbc_url_parse(proxy, &pu, 1, e) < 0) {
            sbc_err_wrap(e, "proxy");
            return -1;
        }
        snprintf(c->hostport, sizeof c->hostport, "proxy %s", pu.hostport);
        int rc = tcp_connect(c, pu.host, pu.port, h->connect_ms, e);
        if (rc == 0 && u->https) {
            sbc_buf rq = {0};
            sbc_buf_printf(&rq, "CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n", u->host, u->port,
                           u->host, u->port);
            if (strchr(u->host, ':')) {
                rq.len = 0;
                sbc_buf_printf(&rq, "CONNECT [%s]:%d HTTP/1.1\r\nHost: [%s]:%d\r\n", u->host,
                               u->port, u->host, u->port);
            }
            if (pu.userinfo) {
                char *b = sbc_base64_encode(pu.userinfo, strlen(pu.userinfo));
                sbc_buf_printf(&rq, "Proxy-Authorization: Basic %s\r\n", b);
                free(b);
            }
            sbc_buf_adds(&rq, "\r\n");
            rc = conn_write(c, rq.data, rq.len, e);
            sbc_buf_free(&rq);
            char line[MAX_LINE];
            ssize_t n = rc == 0 ? conn_getline(c, line, sizeof line, e) : -1;
            if (n == -2)
                rc = sbc_err_set(e, 0, "%s: connection closed", c->hostport);
            else if (n < 0)
                rc = -1;
            else if (strncmp(line, "HTTP/1.", 7) || strncmp(line + 8, " 200", 4))
                rc = sbc_err_set(e, 0, "%s: CONNECT %s: %.100s", c->hostport, u->hostport,
                                 line + (n > 9 ? 9 : n));
            while (rc == 0 && (n = conn_getline(c, line, sizeof line, e)) > 0)
                ;
            if (rc == 0 && n < 0)
                rc = n == -2 ? sbc_err_set(e, 0, "%s: connection closed", c->hostport) : -1;
            if (rc == 0 && c->rpos != c->rlen)
                rc = sbc_err_set(e, 0, "%s: unexpected data after CONNECT", c->hostport);
        }
        sbc_url_free(&pu);
        if (rc < 0) {
            conn_close(c);
            return -1;
        }
        snprintf(c->hostport, sizeof c->hostport, "%s", u->hostport);
    } else if (tcp_connect(c, u->host, u->port, h->connect_ms, e) < 0) {
        return -1;
    }
    if (u->https) {
        int fd = c->fd;
        c->fd = -1;
        c->tls = sbc_tls_connect(fd, u->host, u->hostport, insecure, h->read_ms, e);
        if (!c->tls)
            return -1;
        c->fd = fd;
    }
    snprintf(c->key, sizeof c->key, "%s", key);
    return 0;
}

/* ---- requests --------------------------------------------------------- */

sbc_http *sbc_http_new(void)
{
    sbc_http *h = sbc_xcalloc(1, sizeof *h);
    h->c.fd = -1;
    h->connect_ms = 30000;
    h->read_ms = 60000;
    const char *t = getenv("SBC_HTTP_TIMEOUT");
    if (t && atoi(t) > 0)
        h->connect_ms = h->read_ms = atoi(t) * 1000;
    h->done = 1;
    return h;
}

static void resp_reset(sbc_http *h)
{
    for (int i = 0; i < h->nh; i++) {
        free(h->hname[i]);
        free(h->hval[i]);
    }
    h->nh = 0;
    h->status = 0;
    h->content_length = -1;
}

void sbc_http_disconnect(sbc_http *h)
{
    conn_close(&h->c);
    h->done = 1;
    h->keep = 0;
}

void sbc_http_free(sbc_http *h)
{
    if (!h)
        return;
    conn_close(&h->c);
    resp_reset(h);
    free(h->url);
    free(h);
}

int sbc_http_status(const sbc_http *h)
{
    return h->status;
}

const char *sbc_http_header_n(const sbc_http *h, const char *name, int i)
{
    for (int k = 0; k < h->nh; k++)
        if (!strcasecmp(h->hname[k], name) && i-- == 0)
            return h->hval[k];
    return NULL;
}

const char *sbc_http_header(const sbc_http *h, const char *name)
{
    return sbc_http_header_n(h, name, 0);
}

const char *sbc_http_url(const sbc_http *h)
{
    return h->url ? h->url : "";
}

long long sbc_http_content_length(const sbc_http *h)
{
    return h->mode == BODY_LENGTH ? h->content_length : h->mode == BODY_NONE ? 0 : -1;
}

static int has_token(const char *v, const char *tok)
{
    size_t tl = strlen(tok);
    while (v && *v) {
        v += strspn(v, " \t,");
        size_t n = strcspn(v, ",");
        size_t m = n;
        while (m && (v[m - 1] == ' ' || v[m - 1] == '\t'))
            m--;
        if (m == tl && !strncasecmp(v, tok, tl))
            return 1;
        v += n;
    }
    return 0;
}

/* Status line + headers.  Returns 0, -1 error, -2 EOF before anything. */
static int read_head(sbc_http *h, const char *method, sbc_err *e)
{
    char line[MAX_LINE];
    conn *c = &h->c;
    int minor;
    for (;;) {
        resp_reset(h);
        ssize_t n = conn_getline(c, line, sizeof line, e);
        if (n < 0)
            return (int)n;
        int st = 0;
        if (strncmp(line, "HTTP/1.", 7) || (line[7] != '0' && line[7] != '1') || line[8] != ' ' ||
            sscanf(line + 9, "%3d", &st) != 1 || st < 100 || st > 599)
            return sbc_err_set(e, 0, "%s: malformed HTTP status line \"%.60s\"", c->hostport, line);
        minor = line[7] - '0';
        h->status = st;
        for (;;) {
            n = conn_getline(c, line, sizeof line, e);
            if (n == -2)
                return sbc_err_set(e, 0, "%s: unexpected EOF", c->hostport);
            if (n < 0)
                return -1;
            if (n == 0)
                break;
            char *colon = strchr(line, ':');
            if (!colon || colon == line || line[0] == ' ' || line[0] == '\t')
                return sbc_err_set(e, 0, "%s: malformed HTTP header", c->hostport);
            if (h->nh == MAX_HEADERS)
                return sbc_err_set(e, 0, "%s: too many HTTP headers", c->hostport);
            *colon = 0;
            char *v = colon + 1;
            v += strspn(v, " \t");
            size_t vl = strlen(v);
            while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
                v[--vl] = 0;
            h->hname[h->nh] = sbc_xstrdup(line);
            h->hval[h->nh++] = sbc_xstrdup(v);
        }
        if (st >= 200 || st == 101)
            break; /* skip 100 Continue and other interim responses */
    }
    const char *te = sbc_http_header(h, "Transfer-Encoding");
    const char *cl = sbc_http_header(h, "Content-Length");
    const char *cn = sbc_http_header(h, "Connection");
    h->keep = minor == 1 && !has_token(cn, "close");
    h->done = 0;
    if (!strcmp(method, "HEAD") || h->status == 204 || h->status == 304) {
        h->mode = BODY_NONE;
        if (cl) {
            char *end;
            long long v = strtoll(cl, &end, 10);
            h->content_length = (*end || v < 0) ? -1 : v;
        }
        h->done = 1;
    } else if (te && strcasecmp(te, "identity")) {
        if (!has_token(te, "chunked"))
            return sbc_err_set(e, 0, "%s: unsupported Transfer-Encoding \"%.40s\"", c->hostport, te);
        h->mode = BODY_CHUNKED;
        h->chunk_state = 0;
    } else if (cl) {
        const char *p = cl;
        long long v = 0;
        if (!*p)
            return sbc_err_set(e, 0, "%s: bad Content-Length", c->hostport);
        for (; *p; p++) {
            if (*p < '0' || *p > '9' || v > (1LL << 50))
                return sbc_err_set(e, 0, "%s: bad Content-Length \"%.30s\"", c->hostport, cl);
            v = v * 10 + (*p - '0');
        }
        for (int i = 1; sbc_http_header_n(h, "Content-Length", i); i++)
            if (strcmp(sbc_http_header_n(h, "Content-Length", i), cl))
                return sbc_err_set(e, 0, "%s: conflicting Content-Length", c->hostport);
        h->mode = BODY_LENGTH;
        h->content_length = h->remaining = v;
        if (v == 0)
            h->done = 1;
    } else {
        h->mode = BODY_EOF;
        h->keep = 0;
    }
    return 0;
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

ssize_t sbc_http_read(sbc_http *h, void *buf, size_t n, sbc_err *e)
{
    conn *c = &h->c;
    char line[MAX_LINE];
    if (h->done || n == 0)
        return 0;
    if (c->fd < 0)
        return sbc_err_set(e, 0, "%s: connection closed", c->hostport);
    switch (h->mode) {
    case BODY_LENGTH: {
        if ((long long)n > h->remaining)
            n = (size_t)h->remaining;
        ssize_t k = conn_read(c, buf, n, e);
        if (k == 0)
            sbc_err_set(e, 0, "%s: unexpected EOF (%lld bytes of the body missing)", c->hostport,
                        h->remaining);
        if (k <= 0)
            goto fail;
        h->remaining -= k;
        if (h->remaining == 0) {
            h->done = 1;
            if (!h->keep)
                conn_close(c);
        }
        return k;
    }
    case BODY_EOF: {
        ssize_t k = conn_read(c, buf, n, e);
        if (k < 0)
            goto fail;
        if (k == 0)
            goto done;
        return k;
    }
    case BODY_CHUNKED:
        for (;;) {
            if (h->chunk_state == 1) {
                if ((long long)n > h->remaining)
                    n = (size_t)h->remaining;
                ssize_t k = conn_read(c, buf, n, e);
                if (k == 0)
                    sbc_err_set(e, 0, "%s: unexpected EOF in chunked body", c->hostport);
                if (k <= 0)
                    goto fail;
                h->remaining -= k;
                if (h->remaining == 0)
                    h->chunk_state = 2;
                return k;
            }
            ssize_t l = conn_getline(c, line, sizeof line, e);
            if (l == -2)
                sbc_err_set(e, 0, "%s: unexpected EOF in chunked body", c->hostport);
            if (l < 0)
                goto fail;
            if (h->chunk_state == 2) { /* CRLF after chunk data */
                if (l != 0) {
                    sbc_err_set(e, 0, "%s: malformed chunked body", c->hostport);
                    goto fail;
                }
                h->chunk_state = 0;
                continue;
            }
            if (h->chunk_state == 3) { /* trailers until an empty line */
                if (l == 0)
                    goto done;
                continue;
            }
            long long size = 0;
            int digits = 0, d;
            const char *p = line;
            for (; (d = hex_val(*p)) >= 0; p++, digits++) {
                if (size > (1LL << 50)) {
                    digits = 0;
                    break;
                }
                size = size * 16 + d;
            }
            if (!digits || (*p && *p != ';' && *p != ' ' && *p != '\t')) {
                sbc_err_set(e, 0, "%s: malformed chunk size", c->hostport);
                goto fail;
            }
            if (size == 0) {
                h->chunk_state = 3;
            } else {
                h->remaining = size;
                h->chunk_state = 1;
            }
        }
    }
    goto done;
fail:
    sbc_http_disconnect(h);
    return -1;
done:
    h->done = 1;
    if (!h->keep)
        conn_close(c);
    return 0;
}

int sbc_http_read_all(sbc_http *h, sbc_buf *out, size_t max, sbc_err *e)
{
    char tmp[16384];
    size_t start = out->len;
    for (;;) {
        ssize_t k = sbc_http_read(h, tmp, sizeof tmp, e);
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        if (out->len - start + (size_t)k > max) {
            sbc_http_disconnect(h);
            return sbc_err_set(e, 0, "%s: response too large (over %zu bytes)", sbc_http_url(h),
                               max);
        }
        sbc_buf_add(out, tmp, (size_t)k);
    }
    sbc_buf_add(out, "", 0);
    return 0;
}

/* Before a new request: finish or drop the previous body. */
static void settle(sbc_http *h)
{
    if (h->done)
        return;
    if (h->mode == BODY_LENGTH && h->remaining <= DRAIN_MAX) {
        char tmp[4096];
        sbc_err e = {0};
        while (!h->done)
            if (sbc_http_read(h, tmp, sizeof tmp, &e) < 0)
                break;
        return;
    }
    sbc_http_disconnect(h);
}

static int send_one(sbc_http *h, const char *method, const sbc_url *u, const char *proxy,
                    const char *const *headers, int drop_auth, const void *body, size_t blen,
                    int insecure, sbc_err *e)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        settle(h);
        int reused = conn_open(h, u, proxy, insecure, e);
        if (reused < 0)
            return -1;
        sbc_buf rq = {0};
        if (proxy && !u->https)
            sbc_buf_printf(&rq, "%s http://%s%s HTTP/1.1\r\n", method, u->hostport, u->target);
        else
            sbc_buf_printf(&rq, "%s %s HTTP/1.1\r\n", method, u->target);
        sbc_buf_printf(&rq, "Host: %s\r\n", u->hostport);
        int has_ua = 0;
        for (const char *const *p = headers; p && *p; p++) {
            if (drop_auth && !strncasecmp(*p, "Authorization:", 14))
                continue;
            if (strpbrk(*p, "\r\n"))
                continue; /* never let a value inject headers */
            has_ua |= !strncasecmp(*p, "User-Agent:", 11);
            sbc_buf_printf(&rq, "%s\r\n", *p);
        }
        if (!has_ua)
            sbc_buf_adds(&rq, "User-Agent: sbc\r\n");
        if (proxy && !u->https) {
            sbc_url pu;
            sbc_err pe = {0};
            if (sbc_url_parse(proxy, &pu, 1, &pe) == 0) {
                if (pu.userinfo) {
                    char *b = sbc_base64_encode(pu.userinfo, strlen(pu.userinfo));
                    sbc_buf_printf(&rq, "Proxy-Authorization: Basic %s\r\n", b);
                    free(b);
                }
                sbc_url_free(&pu);
            }
        }
        if (body || (strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "DELETE")))
            sbc_buf_printf(&rq, "Content-Length: %zu\r\n", body ? blen : 0);
        sbc_buf_adds(&rq, "\r\n");
        int rc = conn_write(&h->c, rq.data, rq.len, e);
        if (rc == 0 && body && blen)
            rc = conn_write(&h->c, body, blen, e);
        sbc_buf_free(&rq);
        if (rc == 0)
            rc = read_head(h, method, e);
        if (rc == 0)
            return 0;
        if (rc == -2)
            sbc_err_set(e, 0, "%s: connection closed by the server", u->hostport);
        sbc_http_disconnect(h);
        /* a kept-alive connection the server had closed: retry once fresh */
        if (!(reused == 1 && attempt == 0))
            break;
        SBC_DEBUG("http: %s: stale connection, reconnecting", u->hostport);
        sbc_err_clear(e);
    }
    if (!e->msg[0])
        sbc_err_set(e, 0, "%s: connection closed by the server", u->hostport);
    return -1;
}

int sbc_http_request(sbc_http *h, const sbc_http_req *rq, sbc_err *e)
{
    char *url = sbc_xstrdup(rq->url);
    const char *method = rq->method ? rq->method : "GET";
    const void *body = rq->body;
    size_t blen = rq->body_len;
    sbc_url orig, u;
    if (sbc_url_parse(url, &orig, 0, e) < 0) {
        free(url);
        return -1;
    }
    int drop_auth = 0;
    for (int hop = 0;; hop++) {
        if (sbc_url_parse(url, &u, 0, e) < 0)
            break;
        /* Authorization and the insecure exception belong to the origin the
         * caller asked for; a redirect elsewhere (a CDN) gets neither. */
        int same = u.https == orig.https && !strcmp(u.hostport, orig.hostport);
        if (!same)
            drop_auth = 1;
        SBC_DEBUG("http: %s %s%s", method, url, drop_auth ? " (no auth)" : "");
        int rc = send_one(h, method, &u, proxy_for(&u), rq->headers, drop_auth, body, blen,
                          rq->insecure && !strcmp(u.host, orig.host), e);
        sbc_url_free(&u);
        if (rc < 0)
            break;
        free(h->url);
        h->url = url;
        url = NULL;
        int st = h->status;
        const char *loc = sbc_http_header(h, "Location");
        if (!(st == 301 || st == 302 || st == 303 || st == 307 || st == 308) || !loc ||
            rq->max_redirects <= 0) {
            sbc_url_free(&orig);
            return st;
        }
        if (hop >= rq->max_redirects) {
            sbc_err_set(e, 0, "%s: too many redirects", orig.hostport);
            break;
        }
        url = sbc_url_resolve(h->url, loc);
        SBC_DEBUG("http: %d -> %s", st, url);
        if (st == 303 || ((st == 301 || st == 302) && strcmp(method, "GET") && strcmp(method, "HEAD"))) {
            method = "GET";
            body = NULL;
            blen = 0;
        }
    }
    free(url);
    sbc_url_free(&orig);
    sbc_http_disconnect(h);
    return -1;
}
