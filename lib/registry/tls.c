/* tls.c - TLS 1.2 client on BearSSL: CA loading, IP-SAN checking x509
 * wrapper, socket I/O with timeouts, readable errors. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bearssl.h>

#include "base/config.h"
#include "base/digest.h"
#include "base/io.h"
#include "registry/tls.h"

/* ---- trust anchors ---------------------------------------------------- */

typedef struct ta_list {
    br_x509_trust_anchor *v;
    size_t n, cap;
    /* the sha256 of every certificate taken, so each is decoded once: with
     * SSL_CERT_DIR=/etc/ssl/certs (Debian's own environments set it) every
     * root is there three times (the bundle, its .pem, its hash link) and
     * decoding them all cost ~40 ms of a pull */
    unsigned char (*seen)[32];
    size_t nseen, capseen;
} ta_list;

static void *memdup(const void *p, size_t n)
{
    void *q = sbc_xmalloc(n ? n : 1);
    memcpy(q, p, n);
    return q;
}

static void buf_append(void *ctx, const void *data, size_t len)
{
    sbc_buf_add(ctx, data, len);
}

/* DER certificate -> trust anchor (subject DN + public key). */
static void add_der(ta_list *l, const unsigned char *der, size_t len)
{
    sbc_sha256 h;
    unsigned char md[32];
    sbc_sha256_init(&h);
    sbc_sha256_update(&h, der, len);
    sbc_sha256_raw(&h, md);
    for (size_t i = 0; i < l->nseen; i++)
        if (!memcmp(l->seen[i], md, sizeof md))
            return;
    if (l->nseen == l->capseen) {
        l->capseen = l->capseen ? 2 * l->capseen : 64;
        l->seen = sbc_xrealloc(l->seen, l->capseen * sizeof *l->seen);
    }
    memcpy(l->seen[l->nseen++], md, sizeof md);
    br_x509_decoder_context dc;
    sbc_buf dn = {0};
    br_x509_trust_anchor ta;

    br_x509_decoder_init(&dc, buf_append, &dn);
    br_x509_decoder_push(&dc, der, len);
    const br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
    if (!pk || !dn.data) {
        sbc_buf_free(&dn);
        return;
    }
    memset(&ta, 0, sizeof ta);
    ta.dn.data = (unsigned char *)dn.data;
    ta.dn.len = dn.len;
    ta.flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
    ta.pkey.key_type = pk->key_type;
    if (pk->key_type == BR_KEYTYPE_RSA) {
        ta.pkey.key.rsa.n = memdup(pk->key.rsa.n, pk->key.rsa.nlen);
        ta.pkey.key.rsa.nlen = pk->key.rsa.nlen;
        ta.pkey.key.rsa.e = memdup(pk->key.rsa.e, pk->key.rsa.elen);
        ta.pkey.key.rsa.elen = pk->key.rsa.elen;
    } else if (pk->key_type == BR_KEYTYPE_EC) {
        ta.pkey.key.ec.curve = pk->key.ec.curve;
        ta.pkey.key.ec.q = memdup(pk->key.ec.q, pk->key.ec.qlen);
        ta.pkey.key.ec.qlen = pk->key.ec.qlen;
    } else {
        sbc_buf_free(&dn);
        return;
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = sbc_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = ta;
}

static void ta_list_free(ta_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        br_x509_trust_anchor *t = &l->v[i];
        free(t->dn.data);
        if (t->pkey.key_type == BR_KEYTYPE_RSA) {
            free(t->pkey.key.rsa.n);
            free(t->pkey.key.rsa.e);
        } else {
            free(t->pkey.key.ec.q);
        }
    }
    free(l->v);
    free(l->seen);
    memset(l, 0, sizeof *l);
}

/* The value of a base64 (RFC 4648) character, -1 outside the alphabet. */
static int b64_val(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26
         : c >= '0' && c <= '9' ? c - '0' + 52 : c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Base64 of p[0..n) decoded and appended to out, skipping whitespace and
 * padding; -1 on any other character. */
static int b64_append(sbc_buf *out, const char *p, size_t n)
{
    unsigned acc = 0, bits = 0;
    unsigned char tmp[512];
    size_t t = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\n' || c == '\r' || c == ' ' || c == '\t' || c == '=')
            continue;
        int v = b64_val(c);
        if (v < 0)
            return -1;
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            tmp[t++] = (unsigned char)(acc >> bits);
            if (t == sizeof tmp) {
                sbc_buf_add(out, tmp, t);
                t = 0;
            }
        }
    }
    sbc_buf_add(out, tmp, t);
    return 0;
}

/* Add every CERTIFICATE of a PEM file; unreadable files and malformed
 * blocks are skipped (returns the number added).  Our own scan: BearSSL's
 * PEM decoder, an interpreted byte-at-a-time machine, took ~80 ms for the
 * system bundle, on every pull. */
static size_t load_pem(ta_list *l, int dirfd, const char *path)
{
    sbc_err e = {0};
    size_t len, before = l->n;
    char *pem = sbc_read_file(dirfd, path, 8 << 20, &len, &e);
    if (!pem)
        return 0;
    static const char *const labels[] = {"CERTIFICATE-----", "X509 CERTIFICATE-----",
                                         "TRUSTED CERTIFICATE-----"};
    sbc_buf der = {0};
    const char *p = pem, *end = pem + len;
    while ((p = memmem(p, (size_t)(end - p), "-----BEGIN ", 11))) {
        p += 11;
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            break;
        const char *label = NULL;
        for (size_t i = 0; i < sizeof labels / sizeof *labels; i++) {
            size_t ll = strlen(labels[i]);
            if ((size_t)(eol - p) >= ll && !memcmp(p, labels[i], ll) &&
                (eol - p == (ptrdiff_t)ll || (eol - p == (ptrdiff_t)ll + 1 && eol[-1] == '\r')))
                label = labels[i];
        }
        const char *body = eol + 1;
        const char *stop = memmem(body, (size_t)(end - body), "-----END ", 9);
        if (!stop)
            break;
        p = stop + 9;
        if (!label)
            continue;
        der.len = 0;
        if (b64_append(&der, body, (size_t)(stop - body)) == 0 && der.len)
            add_der(l, (unsigned char *)der.data, der.len);
    }
    sbc_buf_free(&der);
    free(pem);
    return l->n - before;
}

/* Every regular file in dir whose name ends in suffix (NULL: any). */
static size_t load_dir(ta_list *l, const char *dir, const char *suffix)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return 0;
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return 0;
    }
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t nl = strlen(de->d_name);
        if (de->d_name[0] == '.')
            continue;
        if (suffix && (nl < strlen(suffix) || strcmp(de->d_name + nl - strlen(suffix), suffix)))
            continue;
        n += load_pem(l, dirfd(d), de->d_name);
    }
    closedir(d);
    return n;
}

/* The system's anchors in two tiers, each loaded once on first need (see
 * x509_wrap): the bundle, then SSL_CERT_DIR's files (OpenSSL looks those
 * up by subject hash when it needs one; sbc reads them all, but only when
 * the bundle did not do: ~300 files, ~25 ms). */
static ta_list bundle_tas, dir_tas;
static pthread_once_t bundle_once = PTHREAD_ONCE_INIT, dir_once = PTHREAD_ONCE_INIT;

static void load_bundle(void)
{
    static const char *const bundles[] = {
        "/etc/ssl/certs/ca-certificates.crt",                /* Debian, Alpine */
        "/etc/pki/tls/certs/ca-bundle.crt",                  /* Fedora, RHEL */
        "/etc/ssl/ca-bundle.pem",                            /* openSUSE */
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* RHEL 7 */
        "/etc/ssl/cert.pem",                                 /* Alpine, BSD */
    };
    const char *f = getenv("SSL_CERT_FILE");
    if (f && *f) {
        load_pem(&bundle_tas, AT_FDCWD, f);
    } else {
        for (size_t i = 0; i < sizeof bundles / sizeof bundles[0]; i++)
            if (load_pem(&bundle_tas, AT_FDCWD, bundles[i]) > 0)
                break;
    }
    SBC_DEBUG("tls: %zu trust anchors in the system bundle", bundle_tas.n);
}

static void load_certdir(void)
{
    pthread_once(&bundle_once, load_bundle);
    const char *d = getenv("SSL_CERT_DIR");
    if (!d || !*d)
        return;
    /* what the bundle has is not taken twice */
    dir_tas.seen = sbc_xcalloc(bundle_tas.nseen ? bundle_tas.nseen : 1, sizeof *dir_tas.seen);
    if (bundle_tas.nseen)
        memcpy(dir_tas.seen, bundle_tas.seen, bundle_tas.nseen * sizeof *dir_tas.seen);
    dir_tas.nseen = dir_tas.capseen = bundle_tas.nseen;
    load_dir(&dir_tas, d, NULL);
    SBC_DEBUG("tls: %zu more trust anchors in SSL_CERT_DIR %s", dir_tas.n, d);
}

size_t sbc_tls_system_anchors(void)
{
    pthread_once(&bundle_once, load_bundle);
    pthread_once(&dir_once, load_certdir);
    return bundle_tas.n + dir_tas.n;
}

/* ---- x509 wrapper: IP SAN check and insecure mode ----------------------- */

typedef struct x509_wrap {
    const br_x509_class *vtable;
    br_x509_minimal_context minimal;
    br_x509_decoder_context dec; /* insecure mode: just take the EE key */
    int insecure;
    int want_ip;
    unsigned char ip[16];
    size_t iplen;
    int index; /* certificate number in the chain */
    unsigned char *ee;
    size_t ee_len, ee_size;
    /* The anchors come in tiers, the next one loaded only when the chain
     * is not trusted with those before (a chain one tier's anchors accept
     * all of them accept): the host's certs.d CAs, the system bundle,
     * SSL_CERT_DIR.  The chain is kept to be checked again. */
    int tier, ntiers;
    sbc_buf chain;      /* per certificate: 4-byte length, DER */
    size_t cert_at;     /* where the current one's length is */
    int chain_lost;     /* too big to keep: no second check */
    char server_name[256];
    int has_name;
    struct sbc_tls *owner;
} x509_wrap;

#define CHAIN_MAX (256 << 10)

#define WRAP(ctx) ((x509_wrap *)(void *)(ctx))
#define INNER(w) (&(w)->minimal.vtable)

static void nop_append(void *ctx, const void *data, size_t len)
{
    (void)ctx, (void)data, (void)len;
}

static void xw_start_chain(const br_x509_class **ctx, const char *server_name)
{
    x509_wrap *w = WRAP(ctx);
    w->index = 0;
    w->ee_len = 0;
    w->chain.len = 0;
    w->chain_lost = 0;
    w->has_name = server_name != NULL;
    snprintf(w->server_name, sizeof w->server_name, "%s", server_name ? server_name : "");
    if (w->insecure)
        br_x509_decoder_init(&w->dec, nop_append, NULL);
    else
        w->minimal.vtable->start_chain(INNER(w), server_name);
}

static void xw_start_cert(const br_x509_class **ctx, uint32_t length)
{
    x509_wrap *w = WRAP(ctx);
    if (w->index == 0 && length <= 65536) {
        free(w->ee);
        w->ee = malloc(length ? length : 1);
        w->ee_size = w->ee ? length : 0;
        w->ee_len = 0;
    }
    if (!w->insecure)
        w->minimal.vtable->start_cert(INNER(w), length);
    if (w->tier + 1 < w->ntiers && !w->chain_lost) {
        if (w->chain.len + 4 + length > CHAIN_MAX) {
            w->chain_lost = 1;
        } else {
            unsigned char l[4] = {(unsigned char)(length >> 24), (unsigned char)(length >> 16),
                                  (unsigned char)(length >> 8), (unsigned char)length};
            w->cert_at = w->chain.len;
            sbc_buf_add(&w->chain, l, 4);
        }
    }
}

static void xw_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
    x509_wrap *w = WRAP(ctx);
    if (w->index == 0) {
        if (w->ee && w->ee_len + len <= w->ee_size) {
            memcpy(w->ee + w->ee_len, buf, len);
            w->ee_len += len;
        }
        if (w->insecure)
            br_x509_decoder_push(&w->dec, buf, len);
    }
    if (!w->insecure)
        w->minimal.vtable->append(INNER(w), buf, len);
    if (w->tier + 1 < w->ntiers && !w->chain_lost) {
        if (w->chain.len + len > CHAIN_MAX)
            w->chain_lost = 1;
        else
            sbc_buf_add(&w->chain, buf, len);
    }
}

static void xw_end_cert(const br_x509_class **ctx)
{
    x509_wrap *w = WRAP(ctx);
    if (!w->insecure)
        w->minimal.vtable->end_cert(INNER(w));
    w->index++;
}

/* Minimal DER walking for the subjectAltName iPAddress entries. */
static int der_next(const unsigned char **p, const unsigned char *end, int *tag,
                    const unsigned char **val, size_t *len)
{
    const unsigned char *q = *p;
    if (end - q < 2)
        return -1;
    *tag = *q++;
    size_t l = *q++;
    if (l & 0x80) {
        int nb = (int)(l & 0x7f);
        if (nb < 1 || nb > 3 || end - q < nb)
            return -1;
        l = 0;
        while (nb--)
            l = (l << 8) | *q++;
    }
    if ((size_t)(end - q) < l)
        return -1;
    *val = q;
    *len = l;
    *p = q + l;
    return 0;
}

static int san_has_ip(const unsigned char *der, size_t derlen, const unsigned char *ip,
                      size_t iplen)
{
    static const unsigned char san_oid[] = {0x55, 0x1d, 0x11};
    const unsigned char *p = der, *end = der + derlen, *v;
    size_t l;
    int tag;
    if (der_next(&p, end, &tag, &v, &l) || tag != 0x30) /* Certificate */
        return 0;
    p = v, end = v + l;
    if (der_next(&p, end, &tag, &v, &l) || tag != 0x30) /* tbsCertificate */
        return 0;
    p = v, end = v + l;
    while (p < end) {
        if (der_next(&p, end, &tag, &v, &l))
            return 0;
        if (tag != 0xa3) /* [3] extensions */
            continue;
        const unsigned char *q = v, *qend = v + l;
        if (der_next(&q, qend, &tag, &v, &l) || tag != 0x30)
            return 0;
        q = v, qend = v + l;
        while (q < qend) {
            const unsigned char *x, *xend;
            if (der_next(&q, qend, &tag, &x, &l) || tag != 0x30)
                return 0;
            xend = x + l;
            if (der_next(&x, xend, &tag, &v, &l) || tag != 0x06)
                return 0;
            if (l != sizeof san_oid || memcmp(v, san_oid, l))
                continue;
            if (der_next(&x, xend, &tag, &v, &l))
                return 0;
            if (tag == 0x01 && der_next(&x, xend, &tag, &v, &l)) /* critical */
                return 0;
            if (tag != 0x04)
                return 0;
            const unsigned char *g = v, *gend = v + l;
            if (der_next(&g, gend, &tag, &v, &l) || tag != 0x30)
                return 0;
            g = v, gend = v + l;
            while (g < gend) {
                if (der_next(&g, gend, &tag, &v, &l))
                    return 0;
                if (tag == 0x87 && l == iplen && !memcmp(v, ip, iplen))
                    return 1;
            }
        }
    }
    return 0;
}

static int set_tier(struct sbc_tls *t, int tier);

static unsigned xw_end_chain(const br_x509_class **ctx)
{
    x509_wrap *w = WRAP(ctx);
    if (w->insecure)
        return br_x509_decoder_get_pkey(&w->dec) ? 0 : BR_ERR_X509_NOT_TRUSTED;
    unsigned err = w->minimal.vtable->end_chain(INNER(w));
    /* not trusted yet: the next tier's anchors too, the same chain again */
    while (err == BR_ERR_X509_NOT_TRUSTED && !w->chain_lost && w->tier + 1 < w->ntiers &&
           set_tier(w->owner, w->tier + 1) == 0) {
        const br_x509_class **in = INNER(w);
        (*in)->start_chain(in, w->has_name ? w->server_name : NULL);
        for (size_t at = 0; at + 4 <= w->chain.len;) {
            const unsigned char *c = (const unsigned char *)w->chain.data + at;
            size_t n = (size_t)c[0] << 24 | (size_t)c[1] << 16 | (size_t)c[2] << 8 | c[3];
            if (n > w->chain.len - at - 4)
                break;
            (*in)->start_cert(in, (uint32_t)n);
            (*in)->append(in, c + 4, n);
            (*in)->end_cert(in);
            at += 4 + n;
        }
        err = (*in)->end_chain(in);
    }
    if (err == 0 && w->want_ip &&
        !(w->ee && w->ee_len == w->ee_size && san_has_ip(w->ee, w->ee_len, w->ip, w->iplen)))
        err = BR_ERR_X509_BAD_SERVER_NAME;
    return err;
}

static const br_x509_pkey *xw_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
    x509_wrap *w = WRAP(ctx);
    if (w->insecure) {
        if (usages)
            *usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
        return br_x509_decoder_get_pkey(&w->dec);
    }
    return w->minimal.vtable->get_pkey((const br_x509_class *const *)INNER(w), usages);
}

static const br_x509_class xw_vtable = {
    sizeof(x509_wrap), xw_start_chain, xw_start_cert, xw_append,
    xw_end_cert,       xw_end_chain,   xw_get_pkey,
};

/* ---- connection ------------------------------------------------------- */

typedef struct io_ctx {
    int fd, timeout_ms;
    int timed_out, eof, err;
} io_ctx;

struct sbc_tls {
    br_ssl_client_context sc;
    x509_wrap xw;
    br_sslio_context ioc;
    io_ctx io;
    ta_list host_tas;
    br_x509_trust_anchor *tas;
    char hostport[300];
    char host[256];
    unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

static int wait_fd(io_ctx *io, short ev)
{
    struct pollfd p = {.fd = io->fd, .events = ev};
    for (;;) {
        int r = poll(&p, 1, io->timeout_ms > 0 ? io->timeout_ms : -1);
        if (r > 0)
            return 0;
        if (r == 0) {
            io->timed_out = 1;
            return -1;
        }
        if (errno != EINTR) {
            io->err = errno;
            return -1;
        }
    }
}

static int sock_read(void *ctx, unsigned char *buf, size_t len)
{
    io_ctx *io = ctx;
    for (;;) {
        if (wait_fd(io, POLLIN) < 0)
            return -1;
        ssize_t r = read(io->fd, buf, len);
        if (r > 0)
            return (int)r;
        if (r == 0) {
            io->eof = 1;
            return -1;
        }
        if (errno != EINTR && errno != EAGAIN) {
            io->err = errno;
            return -1;
        }
    }
}

static int sock_write(void *ctx, const unsigned char *buf, size_t len)
{
    io_ctx *io = ctx;
    for (;;) {
        if (wait_fd(io, POLLOUT) < 0)
            return -1;
        ssize_t r = send(io->fd, buf, len, MSG_NOSIGNAL);
        if (r > 0)
            return (int)r;
        if (r < 0 && errno != EINTR && errno != EAGAIN) {
            io->err = errno;
            return -1;
        }
    }
}

static const uint16_t suites[] = {
    BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,       BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,       BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};

static void minimal_init(br_x509_minimal_context *xc, const br_x509_trust_anchor *tas, size_t n)
{
    br_x509_minimal_init(xc, &br_sha256_vtable, tas, n);
    br_x509_minimal_set_hash(xc, br_sha256_ID, &br_sha256_vtable);
    br_x509_minimal_set_hash(xc, br_sha384_ID, &br_sha384_vtable);
    br_x509_minimal_set_hash(xc, br_sha512_ID, &br_sha512_vtable);
    br_x509_minimal_set_rsa(xc, br_rsa_pkcs1_vrfy_get_default());
    br_x509_minimal_set_ecdsa(xc, br_ec_get_default(), br_ecdsa_vrfy_asn1_get_default());
}

/* The anchors of tiers 0..tier (the host's, the bundle, SSL_CERT_DIR; the
 * host's tier is left out when it has none) into t->tas and the x509
 * context; -1 when there is no such tier. */
static int set_tier(sbc_tls *t, int tier)
{
    const ta_list *l[3];
    int k = 0;
    if (t->host_tas.n)
        l[k++] = &t->host_tas;
    if (tier >= k)
        pthread_once(&bundle_once, load_bundle);
    l[k++] = &bundle_tas;
    if (tier >= k)
        pthread_once(&dir_once, load_certdir);
    l[k++] = &dir_tas;
    if (tier >= k)
        return -1;
    size_t n = 0;
    for (int i = 0; i <= tier; i++)
        n += l[i]->n;
    free(t->tas);
    t->tas = sbc_xcalloc(n ? n : 1, sizeof *t->tas);
    n = 0;
    for (int i = 0; i <= tier; i++) {
        if (l[i]->n)
            memcpy(t->tas + n, l[i]->v, l[i]->n * sizeof *t->tas);
        n += l[i]->n;
    }
    t->xw.tier = tier;
    t->xw.ntiers = k;
    minimal_init(&t->xw.minimal, t->tas, n);
    return 0;
}

static void client_init(sbc_tls *t)
{
    br_ssl_client_context *cc = &t->sc;
    br_ssl_client_zero(cc);
    br_ssl_engine_set_versions(&cc->eng, BR_TLS12, BR_TLS12);
    br_ssl_engine_set_suites(&cc->eng, suites, sizeof suites / sizeof suites[0]);
    t->xw.owner = t;
    set_tier(t, 0);
    t->xw.vtable = &xw_vtable;
    br_ssl_engine_set_x509(&cc->eng, &t->xw.vtable);
    br_ssl_engine_set_hash(&cc->eng, br_sha256_ID, &br_sha256_vtable);
    br_ssl_engine_set_hash(&cc->eng, br_sha384_ID, &br_sha384_vtable);
    br_ssl_engine_set_hash(&cc->eng, br_sha512_ID, &br_sha512_vtable);
    br_ssl_engine_set_prf_sha256(&cc->eng, &br_tls12_sha256_prf);
    br_ssl_engine_set_prf_sha384(&cc->eng, &br_tls12_sha384_prf);
    br_ssl_engine_set_default_rsavrfy(&cc->eng);
    br_ssl_engine_set_default_ecdsa(&cc->eng);
    br_ssl_engine_set_default_aes_gcm(&cc->eng);
    br_ssl_engine_set_default_chapol(&cc->eng);
}

/* Translate the engine's sticky error into one readable clause. */
static int tls_fail(sbc_tls *t, const char *during, sbc_err *e)
{
    int err = br_ssl_engine_last_error(&t->sc.eng);
    const char *hp = t->hostport;
    if (t->io.timed_out)
        return sbc_err_set(e, 0, "%s: %s timed out", hp, during);
    if (err == BR_ERR_IO || err == 0) {
        if (t->io.err) {
            errno = t->io.err;
            return sbc_err_sys(e, "%s: %s", hp, during);
        }
        return sbc_err_set(e, 0, "%s: connection closed by the server during %s", hp, during);
    }
    switch (err) {
    case BR_ERR_X509_NOT_TRUSTED:
        return sbc_err_set(e, 0, "%s: x509: certificate signed by unknown authority", hp);
    case BR_ERR_X509_BAD_SERVER_NAME:
        return sbc_err_set(e, 0, "%s: x509: certificate is not valid for %s", hp, t->host);
    case BR_ERR_X509_EXPIRED:
        return sbc_err_set(e, 0, "%s: x509: certificate has expired or is not yet valid", hp);
    case BR_ERR_BAD_VERSION:
    case BR_ERR_RECV_FATAL_ALERT + 70:
        return sbc_err_set(e, 0, "%s: TLS handshake failed: server does not support TLS 1.2", hp);
    case BR_ERR_RECV_FATAL_ALERT + 40:
        return sbc_err_set(e, 0, "%s: TLS handshake failed: no cipher suite in common", hp);
    }
    if (err >= BR_ERR_X509_OK && err < BR_ERR_X509_OK + 64)
        return sbc_err_set(e, 0, "%s: x509: bad certificate (BearSSL error %d)", hp, err);
    if (err >= BR_ERR_RECV_FATAL_ALERT && err < BR_ERR_SEND_FATAL_ALERT)
        return sbc_err_set(e, 0, "%s: TLS alert %d from the server during %s", hp,
                           err - BR_ERR_RECV_FATAL_ALERT, during);
    return sbc_err_set(e, 0, "%s: TLS error %d during %s (not a TLS server?)", hp, err, during);
}

static void host_cas(ta_list *l, const char *hostport)
{
    char dir[4096];
    if (!strchr(hostport, '/') && strcmp(hostport, "..") && strcmp(hostport, ".")) {
        snprintf(dir, sizeof dir, "%s/certs.d/%s", sbc_config_dir(), hostport);
        load_dir(l, dir, ".crt");
        snprintf(dir, sizeof dir, "/etc/docker/certs.d/%s", hostport);
        load_dir(l, dir, ".crt");
    }
}

sbc_tls *sbc_tls_connect(int fd, const char *host, const char *hostport, int insecure,
                         int timeout_ms, sbc_err *e)
{
    sbc_tls *t = calloc(1, sizeof *t);
    if (!t) {
        close(fd);
        sbc_err_set(e, 0, "%s: out of memory", hostport);
        return NULL;
    }
    snprintf(t->host, sizeof t->host, "%s", host);
    snprintf(t->hostport, sizeof t->hostport, "%s", hostport);
    t->io.fd = fd;
    t->io.timeout_ms = timeout_ms;

    if (!insecure)
        host_cas(&t->host_tas, hostport);
    SBC_DEBUG("tls: %s: %zu host trust anchors%s", hostport, t->host_tas.n,
              insecure ? " (insecure: not verifying)" : "");

    client_init(t);
    t->xw.insecure = insecure;
    /* IP literal: no SNI (RFC 6066), BearSSL checks DNS names only, so the
     * IP SAN is checked by our wrapper. */
    const char *sni = host;
    if (inet_pton(AF_INET, host, t->xw.ip) == 1) {
        t->xw.want_ip = 1, t->xw.iplen = 4, sni = NULL;
    } else if (inet_pton(AF_INET6, host, t->xw.ip) == 1) {
        t->xw.want_ip = 1, t->xw.iplen = 16, sni = NULL;
    }
    br_ssl_engine_set_buffer(&t->sc.eng, t->iobuf, sizeof t->iobuf, 1);
    /* BearSSL seeds from /dev/urandom; add getentropy() so an empty chroot
     * without /dev works too. */
    unsigned char seed[32];
    if (getentropy(seed, sizeof seed) == 0)
        br_ssl_engine_inject_entropy(&t->sc.eng, seed, sizeof seed);
    if (!br_ssl_client_reset(&t->sc, sni, 0)) {
        sbc_err_set(e, 0, "%s: TLS setup failed (no entropy source?)", hostport);
        sbc_tls_close(t);
        return NULL;
    }
    br_sslio_init(&t->ioc, &t->sc.eng, sock_read, &t->io, sock_write, &t->io);
    if (br_sslio_flush(&t->ioc) < 0 || br_ssl_engine_current_state(&t->sc.eng) == BR_SSL_CLOSED) {
        tls_fail(t, "TLS handshake", e);
        sbc_tls_close(t);
        return NULL;
    }
    return t;
}

ssize_t sbc_tls_read(sbc_tls *t, void *buf, size_t n, sbc_err *e)
{
    if (n > 1 << 30)
        n = 1 << 30;
    int r = br_sslio_read(&t->ioc, buf, n);
    if (r > 0)
        return r;
    int err = br_ssl_engine_last_error(&t->sc.eng);
    /* close_notify, or a TCP close without it (many servers skip it): the
     * HTTP layer knows whether the body was complete. */
    if (err == 0 || (err == BR_ERR_IO && t->io.eof && !t->io.timed_out && !t->io.err))
        return 0;
    return tls_fail(t, "read", e);
}

int sbc_tls_write(sbc_tls *t, const void *buf, size_t n, sbc_err *e)
{
    if (br_sslio_write_all(&t->ioc, buf, n) < 0 || br_sslio_flush(&t->ioc) < 0)
        return tls_fail(t, "write", e);
    return 0;
}

void sbc_tls_close(sbc_tls *t)
{
    if (!t)
        return;
    close(t->io.fd);
    free(t->xw.ee);
    free(t->tas);
    sbc_buf_free(&t->xw.chain);
    ta_list_free(&t->host_tas);
    free(t);
}
