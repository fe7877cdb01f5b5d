/* registry.c - OCI distribution client: token/basic auth, manifests with
 * platform selection and digest checks, streaming blobs. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/mediatype.h"
#include "registry/auth.h"
#include "base/config.h"
#include "registry/http.h"
#include "base/json.h"
#include "registry/registry.h"

#define MAX_REDIRECTS 10
#define TOKEN_MAX (1 << 20)
#define ERRBODY_MAX (64 * 1024)

static const char accept_manifests[] =
    "Accept: " SBC_MT_OCI_INDEX ", " SBC_MT_DOCKER_LIST ", " SBC_MT_OCI_MANIFEST ", "
    SBC_MT_DOCKER_MANIFEST;

struct sbc_registry {
    sbc_ref ref;
    char *name;    /* "domain/path" for messages */
    char *actions; /* "pull" */
    char *extra_scope; /* push: "repository:other:pull" for cross-repo mounts, or NULL */
    char *base;    /* "https://host[:port]" in use */
    char **bases;  /* mirrors first (docker.io), then the registry itself */
    int nbases;
    int insecure;  /* base host listed in insecure-registries */
    char *user, *pass;
    int creds_set;
    sbc_http *h;   /* for manifests (one thread) */
    pthread_mutex_t mu;
    char *authz;   /* "Bearer ..." / "Basic ..." or NULL */
    time_t authz_exp;
};

/* ---- challenges and error bodies ---------------------------------------- */

void sbc_challenge_free(sbc_challenge *c)
{
    free(c->realm);
    free(c->service);
    free(c->scope);
    free(c->error);
    memset(c, 0, sizeof *c);
}

int sbc_challenge_parse(const char *s, sbc_challenge *c)
{
    memset(c, 0, sizeof *c);
    if (!s)
        return -1;
    s += strspn(s, " \t");
    size_t n = strcspn(s, " \t");
    if (n == 0 || n >= sizeof c->scheme)
        return -1;
    memcpy(c->scheme, s, n);
    c->scheme[n] = 0;
    s += n;
    for (;;) {
        s += strspn(s, " \t,");
        if (!*s)
            break;
        const char *k = s;
        size_t kl = strcspn(s, "= \t,");
        s += kl;
        s += strspn(s, " \t");
        if (*s != '=') {
            /* a new challenge (e.g. ", Basic realm=") ends ours */
            break;
        }
        s++;
        s += strspn(s, " \t");
        sbc_buf v = {0};
        if (*s == '"') {
            for (s++; *s && *s != '"'; s++) {
                if (*s == '\\' && s[1])
                    s++;
                sbc_buf_add(&v, s, 1);
            }
            if (*s != '"') {
                sbc_buf_free(&v);
                sbc_challenge_free(c);
                return -1;
            }
            s++;
        } else {
            size_t vl = strcspn(s, " \t,");
            sbc_buf_add(&v, s, vl);
            s += vl;
        }
        sbc_buf_add(&v, "", 0);
        char **dst = NULL;
        if (kl == 5 && !strncasecmp(k, "realm", 5))
            dst = &c->realm;
        else if (kl == 7 && !strncasecmp(k, "service", 7))
            dst = &c->service;
        else if (kl == 5 && !strncasecmp(k, "scope", 5))
            dst = &c->scope;
        else if (kl == 5 && !strncasecmp(k, "error", 5))
            dst = &c->error;
        if (dst && !*dst)
            *dst = v.data;
        else
            free(v.data);
    }
    return 0;
}

int sbc_registry_error_text(const char *body, size_t len, char *out, size_t n)
{
    sbc_err e = {0};
    if (!body || !len)
        return -1;
    cJSON *j = sbc_json_parse(body, len, "error", &e);
    cJSON *errs = j ? sbc_json_arr(j, "errors") : NULL;
    cJSON *first = errs ? cJSON_GetArrayItem(errs, 0) : NULL;
    const char *code = first ? sbc_json_str(first, "code") : NULL;
    const char *msg = first ? sbc_json_str(first, "message") : NULL;
    if (!code && j) { /* token servers: {"details": "..."} or {"error": ".."} */
        msg = sbc_json_str(j, "details");
        if (!msg)
            msg = sbc_json_str(j, "error");
    }
    if (!code && !msg) {
        cJSON_Delete(j);
        return -1;
    }
    char c[64] = "";
    if (code) {
        size_t i = 0;
        for (; code[i] && i < sizeof c - 1; i++)
            c[i] = code[i] == '_' ? ' ' : (char)tolower((unsigned char)code[i]);
        c[i] = 0;
    }
    if (c[0] && msg && *msg && strcasecmp(c, msg))
        snprintf(out, n, "%s: %.300s", c, msg);
    else
        snprintf(out, n, "%.300s", c[0] ? c : msg);
    /* keep it one line */
    for (char *p = out; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    cJSON_Delete(j);
    return 0;
}

/* Read a (small) error body and fill e with "what: <text>". */
static int fail_status(sbc_http *h, const char *what, sbc_err *e)
{
    int st = sbc_http_status(h);
    sbc_buf b = {0};
    sbc_err e2 = {0};
    char text[512];
    if (sbc_http_read_all(h, &b, ERRBODY_MAX, &e2) < 0)
        b.len = 0;
    if (sbc_registry_error_text(b.data, b.len, text, sizeof text) == 0)
        sbc_err_set(e, 0, "%s: %s", what, text);
    else if (st == 404)
        sbc_err_set(e, 0, "%s: not found", what);
    else if (st == 429)
        sbc_err_set(e, 0, "%s: toomanyrequests: too many requests", what);
    else if (st == 401)
        sbc_err_set(e, 0, "%s: unauthorized: authentication required", what);
    else if (st == 403)
        sbc_err_set(e, 0, "%s: access denied", what);
    else
        sbc_err_set(e, 0, "%s: unexpected HTTP status %d", what, st);
    sbc_buf_free(&b);
    return -1;
}

/* ---- open/close ----------------------------------------------------------- */

sbc_registry *sbc_registry_open(const sbc_ref *r, const char *actions, sbc_err *e)
{
    sbc_config cfg;
    if (sbc_config_load(&cfg, e) < 0)
        return NULL;
    sbc_registry *g = sbc_xcalloc(1, sizeof *g);
    sbc_ref_copy(&g->ref, r);
    g->name = r->path && *r->path ? sbc_ref_repo(r) : sbc_xstrdup(r->domain);
    g->actions = sbc_xstrdup(actions && *actions ? actions : "pull");
    pthread_mutex_init(&g->mu, NULL);
    const char *host = sbc_ref_api_host(r);
    if (!strcmp(r->domain, SBC_DOCKER_DOMAIN)) {
        for (int i = 0; i < cfg.nmirrors; i++) {
            const char *m = cfg.mirrors[i];
            g->bases = sbc_xrealloc(g->bases, (size_t)(g->nbases + 1) * sizeof *g->bases);
            g->bases[g->nbases++] = strstr(m, "://") ? sbc_xstrdup(m) : sbc_xasprintf("https://%s", m);
        }
    }
    g->insecure = sbc_config_insecure(&cfg, host);
    g->bases = sbc_xrealloc(g->bases, (size_t)(g->nbases + 1) * sizeof *g->bases);
    g->bases[g->nbases++] = sbc_xasprintf("https://%s", host);
    g->base = sbc_xstrdup(g->bases[0]);
    sbc_config_free(&cfg);
    g->h = sbc_http_new();
    return g;
}

void sbc_registry_close(sbc_registry *g)
{
    if (!g)
        return;
    sbc_http_free(g->h);
    for (int i = 0; i < g->nbases; i++)
        free(g->bases[i]);
    free(g->bases);
    free(g->base);
    sbc_ref_free(&g->ref);
    free(g->name);
    free(g->actions);
    free(g->extra_scope);
    free(g->user);
    if (g->pass) {
        memset(g->pass, 0, strlen(g->pass));
        free(g->pass);
    }
    free(g->authz);
    pthread_mutex_destroy(&g->mu);
    free(g);
}

void sbc_registry_set_credentials(sbc_registry *g, const char *user, const char *pass)
{
    free(g->user);
    free(g->pass);
    g->user = user ? sbc_xstrdup(user) : NULL;
    g->pass = user && pass ? sbc_xstrdup(pass) : NULL;
    g->creds_set = 1;
}

/* Credentials from config.json, once. */
static int load_creds(sbc_registry *g, sbc_err *e)
{
    if (g->creds_set)
        return 0;
    g->creds_set = 1;
    int rc = sbc_auth_get(g->ref.domain, &g->user, &g->pass, e);
    return rc < 0 ? -1 : 0;
}

/* A copy of the current Authorization header, or NULL when there is none
 * or it has expired (the token is shared by the blob threads). */
static char *current_authz(sbc_registry *g)
{
    char *authz = NULL;
    pthread_mutex_lock(&g->mu);
    if (g->authz && time(NULL) < g->authz_exp)
        authz = sbc_xstrdup(g->authz);
    pthread_mutex_unlock(&g->mu);
    return authz;
}

static int is_insecure_url(const sbc_registry *g, const char *url)
{
    return g->insecure && !strncmp(url, g->base, strlen(g->base));
}

/* ---- auth ------------------------------------------------------------------- */

/* Fetch a token for the challenge into g->authz (mu held). */
static int get_token(sbc_registry *g, sbc_http *h, const sbc_challenge *c, sbc_err *e)
{
    if (!c->realm || (strncmp(c->realm, "https://", 8) && strncmp(c->realm, "http://", 7)))
        return sbc_err_set(e, 0, "%s: bad auth challenge (no realm)", g->ref.domain);
    if (load_creds(g, e) < 0)
        return -1;
    sbc_buf url = {0};
    sbc_buf_adds(&url, c->realm);
    char sep = strchr(c->realm, '?') ? '&' : '?';
    if (c->service) {
        char *s = sbc_url_escape(c->service);
        sbc_buf_printf(&url, "%cservice=%s", sep, s);
        free(s);
        sep = '&';
    }
    if (g->ref.path && *g->ref.path) {
        char *scope = sbc_xasprintf("repository:%s:%s", g->ref.path, g->actions);
        char *s = sbc_url_escape(scope);
        sbc_buf_printf(&url, "%cscope=%s", sep, s);
        free(s);
        free(scope);
        if (g->extra_scope) {
            s = sbc_url_escape(g->extra_scope);
            sbc_buf_printf(&url, "&scope=%s", s);
            free(s);
        }
    } else if (g->user) { /* login: no repository, just the account */
        char *s = sbc_url_escape(g->user);
        sbc_buf_printf(&url, "%caccount=%s", sep, s);
        free(s);
    }
    char *basic = NULL;
    const char *hdrs[3] = {NULL, NULL, NULL};
    int nh = 0;
    if (g->user) {
        if (!strncmp(c->realm, "http://", 7) && !g->insecure) {
            sbc_buf_free(&url);
            return sbc_err_set(e, 0, "%s: refusing to send credentials to %s over plain HTTP",
                               g->ref.domain, c->realm);
        }
        char *up = sbc_xasprintf("%s:%s", g->user, g->pass ? g->pass : "");
        char *b = sbc_base64_encode(up, strlen(up));
        basic = sbc_xasprintf("Authorization: Basic %s", b);
        free(b);
        free(up);
        hdrs[nh++] = basic;
    }
    hdrs[nh++] = "Accept: application/json";
    sbc_http_req rq = {.method = "GET", .url = url.data, .headers = hdrs,
                       .max_redirects = MAX_REDIRECTS,
                       /* as Docker: the token realm named by an insecure
                        * registry is reached with the same (unverified) TLS */
                       .insecure = g->insecure};
    SBC_DEBUG("registry: token from %s", url.data);
    int st = sbc_http_request(h, &rq, e);
    free(basic);
    sbc_buf_free(&url);
    if (st < 0)
        return -1;
    if (st == 401 || st == 403) {
        sbc_http_disconnect(h); /* drop the body */
        if (g->user)
            return sbc_err_set(e, 0, "%s: unauthorized: incorrect username or password",
                               g->ref.domain);
        return sbc_err_set(e, 0, "%s: access denied", g->name);
    }
    if (st != 200)
        return fail_status(h, g->ref.domain, e);
    sbc_buf b = {0};
    if (sbc_http_read_all(h, &b, TOKEN_MAX, e) < 0) {
        sbc_buf_free(&b);
        return -1;
    }
    cJSON *j = sbc_json_parse(b.data, b.len, "token response", e);
    sbc_buf_free(&b);
    if (!j)
        return -1;
    const char *tok = sbc_json_str(j, "token");
    if (!tok || !*tok)
        tok = sbc_json_str(j, "access_token");
    int rc = 0;
    if (!tok || !*tok || strpbrk(tok, "\r\n")) {
        rc = sbc_err_set(e, 0, "%s: token server returned no token", g->ref.domain);
    } else {
        long long exp = sbc_json_int(j, "expires_in", 60);
        if (exp < 60)
            exp = 60;
        free(g->authz);
        g->authz = sbc_xasprintf("Authorization: Bearer %s", tok);
        /* renew a little early */
        g->authz_exp = time(NULL) + (time_t)exp - 10;
    }
    cJSON_Delete(j);
    return rc;
}

/* Handle a 401 response in h: set up g->authz.  0 = retry, -1 = error.
 * used: the Authorization we sent (NULL: none) - if the current one is
 * newer (another thread renewed it), just retry. */
static int handle_401(sbc_registry *g, sbc_http *h, const char *used, int second, sbc_err *e)
{
    sbc_challenge c;
    const char *wa = NULL;
    for (int i = 0; (wa = sbc_http_header_n(h, "WWW-Authenticate", i)); i++) {
        sbc_challenge t;
        if (sbc_challenge_parse(wa, &t) == 0 && !strcasecmp(t.scheme, "Bearer")) {
            sbc_challenge_free(&t);
            break;
        }
        sbc_challenge_free(&t);
    }
    if (!wa)
        wa = sbc_http_header(h, "WWW-Authenticate");
    if (!wa || sbc_challenge_parse(wa, &c) < 0)
        return fail_status(h, g->name, e);
    if (c.error && !strcmp(c.error, "insufficient_scope")) {
        sbc_challenge_free(&c);
        sbc_http_disconnect(h);
        return sbc_err_set(e, 0, "%s: access denied", g->name);
    }
    if (second) {
        sbc_challenge_free(&c);
        return fail_status(h, g->name, e);
    }
    /* drain the small 401 body so the connection stays usable */
    sbc_buf b = {0};
    sbc_err ign = {0};
    sbc_http_read_all(h, &b, ERRBODY_MAX, &ign);
    sbc_buf_free(&b);
    int rc = 0;
    pthread_mutex_lock(&g->mu);
    if (g->authz && (!used || strcmp(used, g->authz)) && time(NULL) < g->authz_exp) {
        /* someone else got a fresh one meanwhile */
    } else if (!strcasecmp(c.scheme, "Bearer")) {
        rc = get_token(g, h, &c, e);
    } else if (!strcasecmp(c.scheme, "Basic")) {
        if (load_creds(g, e) < 0) {
            rc = -1;
        } else if (!g->user) {
            rc = sbc_err_set(e, 0, "%s: unauthorized: authentication required", g->name);
        } else {
            char *up = sbc_xasprintf("%s:%s", g->user, g->pass ? g->pass : "");
            char *b64 = sbc_base64_encode(up, strlen(up));
            free(g->authz);
            g->authz = sbc_xasprintf("Authorization: Basic %s", b64);
            g->authz_exp = (time_t)1 << 62;
            free(b64);
            free(up);
        }
    } else {
        rc = sbc_err_set(e, 0, "%s: unsupported authentication scheme \"%s\"", g->name, c.scheme);
    }
    pthread_mutex_unlock(&g->mu);
    sbc_challenge_free(&c);
    return rc;
}

/* Send *rq (method, body, redirects set) to url with the registry's
 * credentials and the extra headers, once more after a 401 (handle_401 gets
 * a token or says why not).  Credentials go only to the registry itself,
 * not to a storage redirect.  With path (a request of reg_request), an
 * insecure registry without TLS at all is retried over plain HTTP, like
 * Docker.  url is the caller's and may be replaced.  The status (body to be
 * read from h) or -1. */
static int auth_request(sbc_registry *g, sbc_http *h, sbc_http_req *rq, char **url,
                        const char *path, const char *const *extra, sbc_err *e)
{
    int st = -1;
    for (int attempt = 0; attempt < 2; attempt++) {
        const char *hdrs[10];
        int n = 0;
        char *authz = current_authz(g);
        if (authz && !strncmp(*url, g->base, strlen(g->base)))
            hdrs[n++] = authz;
        for (const char *const *p = extra; p && *p && n < 9; p++)
            hdrs[n++] = *p;
        hdrs[n] = NULL;
        rq->url = *url;
        rq->headers = hdrs;
        rq->insecure = is_insecure_url(g, *url);
        st = sbc_http_request(h, rq, e);
        if (st < 0 && path && g->insecure && !strncmp(g->base, "https://", 8) && attempt == 0) {
            SBC_DEBUG("registry: %s: %s; trying plain HTTP", g->base, e->msg);
            sbc_err_clear(e);
            pthread_mutex_lock(&g->mu);
            char *nb = sbc_xasprintf("http://%s", g->base + 8);
            free(g->base);
            g->base = nb;
            pthread_mutex_unlock(&g->mu);
            free(*url);
            *url = sbc_xasprintf("%s%s", g->base, path);
            rq->url = *url;
            rq->insecure = 1;
            st = sbc_http_request(h, rq, e);
        }
        if (st != 401) {
            free(authz);
            break;
        }
        int rc = handle_401(g, h, authz, attempt == 1, e);
        free(authz);
        if (rc < 0) {
            st = -1;
            break;
        }
    }
    return st;
}

/* A GET-like request to the registry with auth.  path: "/v2/...".  Returns
 * the status (body to be read from h) or -1. */
static int reg_request(sbc_registry *g, sbc_http *h, const char *method, const char *path,
                       const char *const *extra, sbc_err *e)
{
    char *url = sbc_xasprintf("%s%s", g->base, path);
    sbc_http_req rq = {.method = method, .max_redirects = MAX_REDIRECTS};
    int st = auth_request(g, h, &rq, &url, path, extra, e);
    free(url);
    return st;
}

int sbc_registry_ping(sbc_registry *g, sbc_err *e)
{
    int st = reg_request(g, g->h, "GET", "/v2/", NULL, e);
    if (st < 0)
        return -1;
    if (st != 200)
        return fail_status(g->h, g->ref.domain, e);
    sbc_buf b = {0};
    sbc_err ign = {0};
    sbc_http_read_all(g->h, &b, ERRBODY_MAX, &ign);
    sbc_buf_free(&b);
    return 0;
}

/* ---- manifests ------------------------------------------------------------- */

const char *sbc_host_platform(void)
{
#if defined(__x86_64__)
    return "linux/amd64";
#elif defined(__aarch64__)
    return "linux/arm64/v8";
#elif defined(__arm__)
    return "linux/arm/v7";
#elif defined(__i386__)
    return "linux/386";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return "linux/ppc64le";
#elif defined(__s390x__)
    return "linux/s390x";
#elif defined(__riscv) && __riscv_xlen == 64
    return "linux/riscv64";
#else
    return "linux/unknown";
#endif
}

typedef struct plat {
    char os[32], arch[32], variant[16];
} plat;

static void plat_norm(plat *p)
{
    if (!strcmp(p->arch, "x86_64") || !strcmp(p->arch, "x86-64"))
        strcpy(p->arch, "amd64");
    else if (!strcmp(p->arch, "aarch64"))
        strcpy(p->arch, "arm64");
    else if (!strcmp(p->arch, "armhf"))
        strcpy(p->arch, "arm"), strcpy(p->variant, "v7");
    else if (!strcmp(p->arch, "armel"))
        strcpy(p->arch, "arm"), strcpy(p->variant, "v6");
    if (!strcmp(p->arch, "arm64") && (!p->variant[0] || !strcmp(p->variant, "8")))
        strcpy(p->variant, "v8");
    if (!strcmp(p->arch, "arm") && !p->variant[0])
        strcpy(p->variant, "v7");
}

static int plat_parse(const char *s, plat *p)
{
    memset(p, 0, sizeof *p);
    int n = 0;
    const char *parts[3] = {0};
    size_t lens[3] = {0};
    for (const char *q = s;; q++) {
        if (n == 3)
            return -1;
        parts[n] = q;
        lens[n] = strcspn(q, "/");
        q += lens[n];
        n++;
        if (!*q)
            break;
    }
    if (n < 2 || !lens[0] || !lens[1] || lens[0] >= sizeof p->os || lens[1] >= sizeof p->arch ||
        (n == 3 && (!lens[2] || lens[2] >= sizeof p->variant)))
        return -1;
    memcpy(p->os, parts[0], lens[0]);
    memcpy(p->arch, parts[1], lens[1]);
    if (n == 3)
        memcpy(p->variant, parts[2], lens[2]);
    plat_norm(p);
    return 0;
}

static int is_manifest_type(const char *t)
{
    return !strcmp(t, SBC_MT_OCI_MANIFEST) || !strcmp(t, SBC_MT_DOCKER_MANIFEST);
}

static int is_index_type(const char *t)
{
    return !strcmp(t, SBC_MT_OCI_INDEX) || !strcmp(t, SBC_MT_DOCKER_LIST);
}

/* GET one manifest; verify digests; determine its media type. */
static int fetch_manifest(sbc_registry *g, const char *what, const char *ref, const char *expect,
                          sbc_buf *body, char *mt, size_t mtn, char *dg, cJSON **json, sbc_err *e)
{
    char *path = sbc_xasprintf("/v2/%s/manifests/%s", g->ref.path, ref);
    const char *hdrs[] = {accept_manifests, NULL};
    int st = reg_request(g, g->h, "GET", path, hdrs, e);
    free(path);
    if (st < 0)
        return -1;
    if (st != 200)
        return fail_status(g->h, what, e);
    long long cl = sbc_http_content_length(g->h);
    if (cl > SBC_MANIFEST_MAX) {
        sbc_http_disconnect(g->h);
        return sbc_err_set(e, 0, "%s: manifest too large (%lld bytes)", what, cl);
    }
    char ctype[128];
    const char *ct = sbc_http_header(g->h, "Content-Type");
    snprintf(ctype, sizeof ctype, "%.*s", ct ? (int)strcspn(ct, "; \t") : 0, ct ? ct : "");
    char hdrdigest[128];
    const char *hd = sbc_http_header(g->h, "Docker-Content-Digest");
    snprintf(hdrdigest, sizeof hdrdigest, "%s", hd ? hd : "");
    if (sbc_http_read_all(g->h, body, SBC_MANIFEST_MAX, e) < 0) {
        sbc_err_wrap(e, "%s", what);
        return -1;
    }
    sbc_sha256_digest(body->data, body->len, dg);
    if (hdrdigest[0] && !strncmp(hdrdigest, SBC_DIGEST_PREFIX, SBC_DIGEST_PREFIX_LEN) && strcmp(hdrdigest, dg))
        return sbc_err_set(e, 0, "%s: manifest digest mismatch: registry says %.80s, content is %s",
                           what, hdrdigest, dg);
    if (expect && strcmp(expect, dg))
        return sbc_err_set(e, 0, "%s: manifest digest mismatch: wanted %s, got %s", what, expect, dg);
    if (!strncmp(ctype, SBC_MT_DOCKER_SCHEMA1_PREFIX, sizeof SBC_MT_DOCKER_SCHEMA1_PREFIX - 1))
        return sbc_err_set(e, 0, "%s: schema 1 manifests are not supported (%s)", what, ctype);
    cJSON *j = sbc_json_parse(body->data, body->len, "manifest", e);
    if (!j) {
        sbc_err_wrap(e, "%s", what);
        return -1;
    }
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return sbc_err_set(e, 0, "%s: manifest is not a JSON object", what);
    }
    if (sbc_json_int(j, "schemaVersion", 0) == 1) {
        cJSON_Delete(j);
        return sbc_err_set(e, 0, "%s: schema 1 manifests are not supported", what);
    }
    if (sbc_json_int(j, "schemaVersion", 0) != 2) {
        cJSON_Delete(j);
        return sbc_err_set(e, 0, "%s: unsupported manifest schemaVersion", what);
    }
    const char *field = sbc_json_str(j, "mediaType");
    const char *type = NULL;
    if (is_manifest_type(ctype) || is_index_type(ctype)) {
        type = ctype;
        if (field && strcmp(field, ctype)) {
            sbc_err_set(e, 0, "%s: manifest mediaType %.100s does not match Content-Type %s",
                        what, field, ctype);
            cJSON_Delete(j); /* field points into j */
            return -1;
        }
    } else if (field && (is_manifest_type(field) || is_index_type(field))) {
        type = field;
    } else if (!field && sbc_json_arr(j, "manifests")) {
        type = SBC_MT_OCI_INDEX;
    } else if (!field && sbc_json_obj(j, "config") && sbc_json_arr(j, "layers")) {
        type = SBC_MT_OCI_MANIFEST;
    } else {
        sbc_err_set(e, 0, "%s: unsupported manifest type \"%.100s\"", what, field ? field : ctype);
        cJSON_Delete(j); /* field points into j */
        return -1;
    }
    snprintf(mt, mtn, "%s", type);
    *json = j;
    return 0;
}

static int is_attestation(const cJSON *m, const plat *p)
{
    const cJSON *ann = sbc_json_obj(m, "annotations");
    const char *rt = ann ? sbc_json_str(ann, "vnd.docker.reference.type") : NULL;
    if (rt && !strcmp(rt, "attestation-manifest"))
        return 1;
    return !strcmp(p->os, "unknown") && !strcmp(p->arch, "unknown");
}

/* Pick the entry for want from an index; returns its digest (in j) and
 * media type or NULL with e set. */
static const cJSON *choose(const cJSON *idx, const plat *want, const char *what, sbc_err *e)
{
    const cJSON *ms = sbc_json_arr(idx, "manifests"), *m, *best = NULL;
    int best_score = 0;
    cJSON_ArrayForEach(m, ms) {
        const cJSON *pj = sbc_json_obj(m, "platform");
        if (!cJSON_IsObject(m) || !pj)
            continue;
        plat p = {0};
        const char *os = sbc_json_str(pj, "os"), *arch = sbc_json_str(pj, "architecture"),
                   *var = sbc_json_str(pj, "variant");
        if (!os || !arch)
            continue;
        snprintf(p.os, sizeof p.os, "%s", os);
        snprintf(p.arch, sizeof p.arch, "%s", arch);
        snprintf(p.variant, sizeof p.variant, "%s", var ? var : "");
        plat_norm(&p);
        if (is_attestation(m, &p))
            continue;
        if (strcmp(p.os, want->os) || strcmp(p.arch, want->arch))
            continue;
        int score;
        if (!want->variant[0] || !strcmp(p.variant, want->variant))
            score = 3;
        else if (!strcmp(want->arch, "arm") && p.variant[0] == 'v' && want->variant[0] == 'v' &&
                 atoi(p.variant + 1) < atoi(want->variant + 1))
            score = 1 + (atoi(p.variant + 1) == atoi(want->variant + 1) - 1); /* v7 runs v6, v5 */
        else
            continue;
        if (score > best_score)
            best = m, best_score = score;
    }
    if (!best) {
        sbc_err_set(e, 0, "%s: no matching manifest for %s/%s%s%s in the manifest list entries",
                    what, want->os, want->arch, want->variant[0] ? "/" : "", want->variant);
        return NULL;
    }
    return best;
}

void sbc_manifest_result_free(sbc_manifest_result *m)
{
    sbc_buf_free(&m->body);
    memset(m, 0, sizeof *m);
}

static int manifest_from(sbc_registry *g, const char *what, const char *ref, const plat *want,
                         sbc_manifest_result *out, sbc_err *e)
{
    cJSON *j = NULL;
    const char *expect = sbc_digest_valid(ref) ? ref : NULL;
    if (fetch_manifest(g, what, ref, expect, &out->body, out->media_type, sizeof out->media_type,
                       out->repo_digest, &j, e) < 0)
        return -1;
    if (is_manifest_type(out->media_type)) {
        memcpy(out->digest, out->repo_digest, sizeof out->digest);
        cJSON_Delete(j);
        return 0;
    }
    const cJSON *m = choose(j, want, what, e);
    const char *dg = m ? sbc_json_str(m, "digest") : NULL;
    const char *mt = m ? sbc_json_str(m, "mediaType") : NULL;
    long long size = m ? sbc_json_int(m, "size", -1) : -1;
    int rc = -1;
    if (!m) {
        /* e set */
    } else if (sbc_digest_check(dg, what, e) < 0) {
        /* e set */
    } else if (mt && !is_manifest_type(mt)) {
        sbc_err_set(e, 0, "%s: unsupported manifest type \"%.100s\" in index", what, mt);
    } else if (size > SBC_MANIFEST_MAX) {
        sbc_err_set(e, 0, "%s: manifest too large (%lld bytes)", what, size);
    } else {
        snprintf(out->platform, sizeof out->platform, "%s/%s%s%s", want->os, want->arch,
                 want->variant[0] ? "/" : "", want->variant);
        char dgc[SBC_DIGEST_LEN + 1];
        snprintf(dgc, sizeof dgc, "%s", dg);
        cJSON *j2 = NULL;
        sbc_buf_free(&out->body);
        rc = fetch_manifest(g, what, dgc, dgc, &out->body, out->media_type,
                            sizeof out->media_type, out->digest, &j2, e);
        if (rc == 0 && !is_manifest_type(out->media_type))
            rc = sbc_err_set(e, 0, "%s: nested manifest index is not supported", what);
        if (rc == 0 && size >= 0 && (size_t)size != out->body.len)
            rc = sbc_err_set(e, 0, "%s: manifest size %zu does not match the index (%lld)", what,
                             out->body.len, size);
        cJSON_Delete(j2);
    }
    cJSON_Delete(j);
    return rc;
}

int sbc_registry_get_manifest(sbc_registry *g, const char *tag_or_digest, const char *platform,
                              sbc_manifest_result *out, sbc_err *e)
{
    memset(out, 0, sizeof *out);
    plat want;
    if (plat_parse(platform ? platform : sbc_host_platform(), &want) < 0)
        return sbc_err_set(e, 0, "invalid platform \"%.60s\" (want os/arch[/variant])", platform);
    if (!sbc_digest_valid(tag_or_digest) && !sbc_ref_valid_tag(tag_or_digest))
        return sbc_err_set(e, 0, "%s: invalid tag or digest \"%.80s\"", g->name, tag_or_digest);
    char *what = sbc_xasprintf("%s%s%s", g->name, sbc_digest_valid(tag_or_digest) ? "@" : ":",
                               tag_or_digest);
    int rc = -1;
    for (int i = 0; i < g->nbases; i++) {
        if (strcmp(g->base, g->bases[i])) {
            free(g->base);
            g->base = sbc_xstrdup(g->bases[i]);
            pthread_mutex_lock(&g->mu);
            free(g->authz);
            g->authz = NULL;
            pthread_mutex_unlock(&g->mu);
        }
        sbc_err_clear(e);
        rc = manifest_from(g, what, tag_or_digest, &want, out, e);
        if (rc == 0)
            break;
        if (i + 1 < g->nbases)
            SBC_DEBUG("registry: mirror %s failed: %s", g->base, e->msg);
        sbc_manifest_result_free(out);
    }
    free(what);
    return rc;
}

/* ---- blobs ------------------------------------------------------------------ */

struct sbc_blob {
    sbc_http *h;
    long long offset;
    char *what;
};

static void blob_closep(sbc_blob **b)
{
    if (*b)
        sbc_blob_close(*b);
}

sbc_blob *sbc_registry_blob_open(sbc_registry *g, const char *digest, long long offset,
                                 long long *total_size, sbc_err *e)
{
    if (sbc_digest_check(digest, g->name, e) < 0)
        return NULL;
    if (offset < 0)
        offset = 0;
    __attribute__((cleanup(blob_closep))) sbc_blob *b = sbc_xcalloc(1, sizeof *b);
    b->h = sbc_http_new();
    b->what = sbc_xasprintf("%s@%s", g->name, digest);
    sbc_cleanup_free char *path = sbc_xasprintf("/v2/%s/blobs/%s", g->ref.path, digest);
    char range[64];
    snprintf(range, sizeof range, "Range: bytes=%lld-", offset);
    const char *hdrs[] = {offset > 0 ? range : NULL, NULL};
    int st = reg_request(g, b->h, "GET", path, hdrs, e);
    if (st < 0)
        return NULL;
    long long total = -1;
    if (st == 200) {
        b->offset = 0;
        total = sbc_http_content_length(b->h);
    } else if (st == 206 && offset > 0) {
        const char *cr = sbc_http_header(b->h, "Content-Range");
        long long s0 = -1, s1 = -1, tot = -1;
        if (!cr || sscanf(cr, "bytes %lld-%lld/%lld", &s0, &s1, &tot) < 2 || s0 != offset) {
            sbc_err_set(e, 0, "%s: bad Content-Range \"%.60s\"", b->what, cr ? cr : "");
            return NULL;
        }
        b->offset = offset;
        total = tot;
    } else {
        fail_status(b->h, b->what, e);
        return NULL;
    }
    if (total_size)
        *total_size = total;
    return sbc_take_ptr(&b);
}

long long sbc_blob_offset(const sbc_blob *b)
{
    return b->offset;
}

ssize_t sbc_blob_read(sbc_blob *b, void *buf, size_t n, sbc_err *e)
{
    ssize_t k = sbc_http_read(b->h, buf, n, e);
    if (k < 0)
        sbc_err_wrap(e, "%s", b->what);
    return k;
}

void sbc_blob_close(sbc_blob *b)
{
    if (!b)
        return;
    sbc_http_free(b->h);
    free(b->what);
    free(b);
}

/* ---- for push (lib/image/push.c) ------------------------------------------------------ */

void sbc_registry_set_extra_scope(sbc_registry *g, const char *scope)
{
    pthread_mutex_lock(&g->mu);
    free(g->extra_scope);
    g->extra_scope = scope ? sbc_xstrdup(scope) : NULL;
    /* the next 401 fetches a token with the new scope */
    free(g->authz);
    g->authz = NULL;
    pthread_mutex_unlock(&g->mu);
}

int sbc_registry_request(sbc_registry *g, sbc_http *h, const char *method, const char *path,
                         const char *const *extra, const void *body, size_t len, sbc_err *e)
{
    char *url = !strncmp(path, "https://", 8) || !strncmp(path, "http://", 7)
                    ? sbc_xstrdup(path) : sbc_xasprintf("%s%s", g->base, path);
    sbc_http_req rq = {.method = method, .body = body, .body_len = len, .max_redirects = 0};
    if (!body && (!strcmp(method, "PUT") || !strcmp(method, "POST") || !strcmp(method, "PATCH")))
        rq.body = "";
    int st = auth_request(g, h, &rq, &url, NULL, extra, e);
    free(url);
    return st;
}

int sbc_registry_fail(sbc_http *h, const char *what, sbc_err *e)
{
    return fail_status(h, what, e);
}

const char *sbc_registry_base(sbc_registry *g)
{
    return g->base;
}
