/* ref.c - image reference parsing and normalisation (Docker's rules). */
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/digest.h"
#include "base/io.h"
#include "registry/ref.h"

static int is_lower_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* */
static int valid_component(const char *s, size_t n)
{
    size_t i = 0;
    if (n == 0 || !is_lower_alnum((unsigned char)s[0]))
        return 0;
    while (i < n) {
        if (is_lower_alnum((unsigned char)s[i])) {
            i++;
            continue;
        }
        /* a separator: ".", "_", "__" or "-+", followed by alnum */
        size_t j = i;
        if (s[i] == '.')
            j = i + 1;
        else if (s[i] == '_')
            j = (i + 1 < n && s[i + 1] == '_') ? i + 2 : i + 1;
        else if (s[i] == '-')
            for (j = i; j < n && s[j] == '-'; j++)
                ;
        else
            return 0;
        if (j >= n || !is_lower_alnum((unsigned char)s[j]))
            return 0;
        i = j;
    }
    return 1;
}

int sbc_ref_valid_path(const char *path)
{
    size_t len = strlen(path);
    if (len == 0 || len > 255)
        return 0;
    for (const char *p = path;;) {
        size_t n = strcspn(p, "/");
        if (!valid_component(p, n))
            return 0;
        if (!p[n])
            return 1;
        p += n + 1;
    }
}

int sbc_ref_valid_tag(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > 128)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || (i > 0 && (c == '.' || c == '-'));
        if (!ok)
            return 0;
    }
    return 1;
}

/* host[:port]: DNS labels ([A-Za-z0-9-], no leading/trailing '-'),
 * or an [IPv6] literal; port 1-5 digits. */
static int valid_domain(const char *d, size_t n)
{
    size_t i = 0, hostend = n;
    const char *colon = NULL;
    if (n == 0)
        return 0;
    if (d[0] == '[') {
        const char *rb = memchr(d, ']', n);
        if (!rb || rb == d + 1)
            return 0;
        for (const char *p = d + 1; p < rb; p++)
            if (!strchr("0123456789abcdefABCDEF:.", *p))
                return 0;
        i = (size_t)(rb - d) + 1;
        if (i < n && d[i] != ':')
            return 0;
        colon = i < n ? d + i : NULL;
    } else {
        colon = memchr(d, ':', n);
        hostend = colon ? (size_t)(colon - d) : n;
        if (hostend == 0)
            return 0;
        int lablen = 0;
        for (i = 0; i < hostend; i++) {
            char c = d[i];
            if (c == '.') {
                if (lablen == 0 || d[i - 1] == '-')
                    return 0;
                lablen = 0;
            } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') || (c == '-' && lablen > 0)) {
                lablen++;
            } else {
                return 0;
            }
        }
        if (lablen == 0 || d[hostend - 1] == '-')
            return 0;
    }
    if (colon) {
        size_t plen = n - (size_t)(colon - d) - 1;
        if (plen == 0 || plen > 5)
            return 0;
        for (size_t k = 0; k < plen; k++)
            if (colon[1 + k] < '0' || colon[1 + k] > '9')
                return 0;
    }
    return 1;
}

void sbc_ref_free(sbc_ref *r)
{
    free(r->domain);
    free(r->path);
    free(r->tag);
    free(r->digest);
    memset(r, 0, sizeof *r);
}

int sbc_ref_copy(sbc_ref *d, const sbc_ref *s)
{
    d->domain = s->domain ? sbc_xstrdup(s->domain) : NULL;
    d->path = s->path ? sbc_xstrdup(s->path) : NULL;
    d->tag = s->tag ? sbc_xstrdup(s->tag) : NULL;
    d->digest = s->digest ? sbc_xstrdup(s->digest) : NULL;
    return 0;
}

static char *xstrndup(const char *s, size_t n)
{
    char *p = sbc_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

int sbc_ref_parse(const char *s, sbc_ref *r, sbc_err *e)
{
    memset(r, 0, sizeof *r);
    size_t len = strlen(s);
    if (len == 0)
        return sbc_err_set(e, 0, "invalid reference format: empty reference");
    if (len > 4096)
        return sbc_err_set(e, 0, "invalid reference format: too long");
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
            return sbc_err_set(e, 0, "%.200s: invalid reference format", s);

    sbc_cleanup_free char *digest = NULL, *tag = NULL, *domain = NULL, *path = NULL;
    size_t end = len;
    const char *at = strchr(s, '@');
    if (at) {
        if (!sbc_digest_valid(at + 1))
            return sbc_err_set(e, 0, "%.200s: invalid reference format: bad digest", s);
        digest = sbc_xstrdup(at + 1);
        end = (size_t)(at - s);
    }
    /* the tag is after the last ':' that follows the last '/' */
    const char *lastslash = NULL;
    for (const char *p = s; p < s + end; p++)
        if (*p == '/')
            lastslash = p;
    const char *colon = NULL;
    for (const char *p = lastslash ? lastslash : s; p < s + end; p++)
        if (*p == ':')
            colon = p;
    if (colon) {
        tag = xstrndup(colon + 1, (size_t)(s + end - colon - 1));
        if (!sbc_ref_valid_tag(tag))
            return sbc_err_set(e, 0, "%.200s: invalid reference format: bad tag", s);
        end = (size_t)(colon - s);
    }
    /* name = [domain/]path */
    const char *slash = memchr(s, '/', end);
    if (slash) {
        size_t dl = (size_t)(slash - s);
        if (memchr(s, '.', dl) || memchr(s, ':', dl) || (dl == 9 && !memcmp(s, "localhost", 9))) {
            if (!valid_domain(s, dl))
                return sbc_err_set(e, 0, "%.200s: invalid reference format: bad registry host", s);
            domain = xstrndup(s, dl);
            path = xstrndup(slash + 1, end - dl - 1);
        }
    }
    if (!domain) {
        domain = sbc_xstrdup(SBC_DOCKER_DOMAIN);
        path = xstrndup(s, end);
    }
    if (!strcmp(domain, "index.docker.io")) {
        free(domain);
        domain = sbc_xstrdup(SBC_DOCKER_DOMAIN);
    }
    if (!strcmp(domain, SBC_DOCKER_DOMAIN) && !strchr(path, '/')) {
        char *p = sbc_xasprintf("library/%s", path);
        free(path);
        path = p;
    }
    if (!sbc_ref_valid_path(path)) {
        int upper = 0;
        for (const char *p = path; *p; p++)
            upper |= *p >= 'A' && *p <= 'Z';
        return sbc_err_set(e, 0, "%.200s: invalid reference format%s", s,
                           upper ? ": repository name must be lowercase" : "");
    }
    if (!tag && !digest)
        tag = sbc_xstrdup("latest");
    r->domain = sbc_take_ptr(&domain);
    r->path = sbc_take_ptr(&path);
    r->tag = sbc_take_ptr(&tag);
    r->digest = sbc_take_ptr(&digest);
    return 0;
}

static char *with_suffix(char *base, const sbc_ref *r)
{
    char *s = sbc_xasprintf("%s%s%s%s%s", base, r->tag ? ":" : "", r->tag ? r->tag : "",
                            r->digest ? "@" : "", r->digest ? r->digest : "");
    free(base);
    return s;
}

char *sbc_ref_repo(const sbc_ref *r)
{
    return sbc_xasprintf("%s/%s", r->domain, r->path);
}

char *sbc_ref_string(const sbc_ref *r)
{
    return with_suffix(sbc_ref_repo(r), r);
}

char *sbc_ref_familiar(const sbc_ref *r)
{
    if (strcmp(r->domain, SBC_DOCKER_DOMAIN) != 0)
        return sbc_ref_repo(r);
    const char *p = r->path;
    if (!strncmp(p, "library/", 8) && !strchr(p + 8, '/'))
        p += 8;
    /* "docker.io/a.b/c" must not print as "a.b/c", which names another registry */
    size_t first = strcspn(p, "/");
    if (p[first] == '/' && (memchr(p, '.', first) || memchr(p, ':', first) ||
                            (first == 9 && !strncmp(p, "localhost", 9))))
        return sbc_ref_repo(r);
    return sbc_xstrdup(p);
}

char *sbc_ref_familiar_string(const sbc_ref *r)
{
    return with_suffix(sbc_ref_familiar(r), r);
}

const char *sbc_ref_api_host(const sbc_ref *r)
{
    return strcmp(r->domain, SBC_DOCKER_DOMAIN) ? r->domain : SBC_DOCKER_API_HOST;
}
