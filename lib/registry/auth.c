/* auth.c - Docker config.json credentials. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "registry/auth.h"
#include "registry/http.h"
#include "base/cleanup.h"
#include "base/io.h"
#include "base/json.h"
#include "registry/ref.h"

#define DOCKER_INDEX_KEY "https://index.docker.io/v1/"

char *sbc_auth_config_path(void)
{
    const char *d = getenv("DOCKER_CONFIG");
    if (d && *d)
        return sbc_xasprintf("%s/config.json", d);
    const char *home = getenv("HOME");
    return sbc_xasprintf("%s/.docker/config.json", home && *home ? home : "/root");
}

const char *sbc_auth_key(const char *domain)
{
    if (!strcmp(domain, SBC_DOCKER_DOMAIN) || !strcmp(domain, "index.docker.io") ||
        !strcmp(domain, SBC_DOCKER_API_HOST))
        return DOCKER_INDEX_KEY;
    return domain;
}

/* "https://host:port/v1/" -> "host:port" (into out) */
static void key_host(const char *k, char *out, size_t n)
{
    const char *p = strstr(k, "://");
    p = p ? p + 3 : k;
    size_t l = strcspn(p, "/");
    if (l >= n)
        l = n - 1;
    memcpy(out, p, l);
    out[l] = 0;
}

/* The parsed file, or an empty object when missing; NULL on error. */
static cJSON *load(const char *path, sbc_err *e)
{
    size_t len;
    sbc_err e2 = {0};
    char *s = sbc_read_file(AT_FDCWD, path, 4 << 20, &len, &e2);
    if (!s) {
        if (e2.errnum == ENOENT)
            return cJSON_CreateObject();
        *e = e2;
        return NULL;
    }
    cJSON *j = sbc_json_parse(s, len, path, e);
    free(s);
    if (j && !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        sbc_err_set(e, 0, "%s: not a JSON object", path);
        return NULL;
    }
    return j;
}

/* The auths entry matching domain (exact key first, then by host). */
static cJSON *find(cJSON *auths, const char *domain)
{
    const char *key = sbc_auth_key(domain);
    cJSON *it = cJSON_GetObjectItemCaseSensitive(auths, key);
    if (it)
        return it;
    char want[300], have[300];
    key_host(key, want, sizeof want);
    cJSON_ArrayForEach(it, auths) {
        if (!it->string)
            continue;
        key_host(it->string, have, sizeof have);
        if (!strcasecmp(have, want))
            return it;
    }
    return NULL;
}

int sbc_auth_get(const char *domain, char **user, char **pass, sbc_err *e)
{
    *user = *pass = NULL;
    sbc_cleanup_free char *path = sbc_auth_config_path();
    sbc_cleanup_json cJSON *j = load(path, e);
    if (!j)
        return -1;
    cJSON *ent = find(sbc_json_obj(j, "auths"), domain);
    const char *a = ent ? sbc_json_str(ent, "auth") : NULL;
    if (ent && (!a || !*a)) {
        const char *u = sbc_json_str(ent, "username"), *p = sbc_json_str(ent, "password");
        if (!u || !p)
            return 1;
        *user = sbc_xstrdup(u);
        *pass = sbc_xstrdup(p);
        return 0;
    }
    if (!a)
        return 1;
    size_t n;
    sbc_cleanup_free char *dec = sbc_base64_decode(a, &n);
    char *colon = dec ? memchr(dec, ':', n) : NULL;
    if (!colon || strlen(dec) != n)
        return sbc_err_set(e, 0, "%s: invalid auth for %s", path, sbc_auth_key(domain));
    *colon = 0;
    *user = sbc_xstrdup(dec);
    *pass = sbc_xstrdup(colon + 1);
    return 0;
}

static int save(const char *path, cJSON *j, sbc_err *e)
{
    char *dir = sbc_xstrdup(path);
    char *slash = strrchr(dir, '/');
    int rc = 0;
    if (slash && slash != dir) {
        *slash = 0;
        rc = sbc_mkdir_p(dir, 0700, e);
    }
    free(dir);
    char *s = rc == 0 ? cJSON_Print(j) : NULL;
    if (rc == 0 && !s)
        rc = sbc_err_set(e, 0, "%s: out of memory", path);
    if (s) {
        size_t n = strlen(s);
        s = sbc_xrealloc(s, n + 2);
        s[n] = '\n';
        rc = sbc_write_atomic_durable(AT_FDCWD, path, s, n + 1, 0600, e);
        free(s);
    }
    return rc;
}

int sbc_auth_store(const char *domain, const char *user, const char *pass, sbc_err *e)
{
    char *path = sbc_auth_config_path();
    cJSON *j = load(path, e);
    int rc = -1;
    if (j) {
        cJSON *auths = sbc_json_obj(j, "auths");
        if (!auths) {
            cJSON_DeleteItemFromObjectCaseSensitive(j, "auths");
            auths = cJSON_AddObjectToObject(j, "auths");
        }
        cJSON *old;
        while ((old = find(auths, domain)))
            cJSON_Delete(cJSON_DetachItemViaPointer(auths, old));
        char *up = sbc_xasprintf("%s:%s", user, pass);
        char *b = sbc_base64_encode(up, strlen(up));
        cJSON *ent = cJSON_AddObjectToObject(auths, sbc_auth_key(domain));
        cJSON_AddStringToObject(ent, "auth", b);
        memset(up, 0, strlen(up));
        free(up);
        free(b);
        rc = save(path, j, e);
    }
    cJSON_Delete(j);
    free(path);
    return rc;
}

int sbc_auth_erase(const char *domain, sbc_err *e)
{
    char *path = sbc_auth_config_path();
    cJSON *j = load(path, e);
    int rc = -1;
    if (j) {
        cJSON *auths = sbc_json_obj(j, "auths"), *old;
        rc = 1;
        while (auths && (old = find(auths, domain))) {
            cJSON_Delete(cJSON_DetachItemViaPointer(auths, old));
            rc = 0;
        }
        if (rc == 0 && save(path, j, e) < 0)
            rc = -1;
    }
    cJSON_Delete(j);
    free(path);
    return rc;
}
