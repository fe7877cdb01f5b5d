/* config.c - $SBC_CONFIG_DIR/config.json: insecure registries, mirrors. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "base/io.h"
#include "base/json.h"

int sbc_rootless(void)
{
    static int v = -1; /* (the first answer stays: see applets/main.c) */
    if (v < 0)
        v = geteuid() != 0;
    return v;
}

/* $VAR/sub, or $HOME/fallback/sub (the XDG base directory rules), kept. */
static const char *xdg(const char *var, const char *fallback, char **keep)
{
    if (*keep)
        return *keep;
    const char *v = getenv(var), *home = getenv("HOME");
    if (v && *v == '/')
        *keep = sbc_xasprintf("%s/sbc", v);
    else if (home && *home == '/')
        *keep = sbc_xasprintf("%s/%s/sbc", home, fallback);
    else
        *keep = sbc_xasprintf("/tmp/sbc-%u/%s", (unsigned)geteuid(), fallback);
    return *keep;
}

const char *sbc_config_dir(void)
{
    static char *user;
    const char *d = getenv("SBC_CONFIG_DIR");
    return d && *d ? d : sbc_rootless() ? xdg("XDG_CONFIG_HOME", ".config", &user) : "/etc/sbc";
}

const char *sbc_root_dir(void)
{
    static char *user;
    const char *r = getenv("SBC_ROOT");
    return r && *r ? r : sbc_rootless() ? xdg("XDG_DATA_HOME", ".local/share", &user) : "/var/lib/sbc";
}

static int str_list(const cJSON *j, const char *key, char ***out, int *n, const char *path,
                    sbc_err *e)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, key), *it;
    if (!a)
        return 0;
    if (!cJSON_IsArray(a))
        return sbc_err_set(e, 0, "%s: \"%s\" must be a list of strings", path, key);
    cJSON_ArrayForEach(it, a) {
        if (!cJSON_IsString(it) || !*it->valuestring)
            return sbc_err_set(e, 0, "%s: \"%s\" must be a list of strings", path, key);
        *out = sbc_xrealloc(*out, (size_t)(*n + 1) * sizeof **out);
        char *s = sbc_xstrdup(it->valuestring);
        size_t l = strlen(s);
        while (l > 1 && s[l - 1] == '/')
            s[--l] = 0;
        (*out)[(*n)++] = s;
    }
    return 0;
}

int sbc_config_load(sbc_config *c, sbc_err *e)
{
    memset(c, 0, sizeof *c);
    char *path = sbc_xasprintf("%s/config.json", sbc_config_dir());
    size_t len;
    sbc_err e2 = {0};
    char *s = sbc_read_file(AT_FDCWD, path, 1 << 20, &len, &e2);
    if (!s) {
        if (e2.errnum == ENOENT || e2.errnum == ENOTDIR) {
            free(path);
            return 0;
        }
        *e = e2;
        free(path);
        return -1;
    }
    cJSON *j = sbc_json_parse(s, len, path, e);
    free(s);
    int rc = -1;
    if (j && !cJSON_IsObject(j)) {
        sbc_err_set(e, 0, "%s: not a JSON object", path);
    } else if (j && str_list(j, "insecure-registries", &c->insecure, &c->ninsecure, path, e) == 0 &&
               str_list(j, "registry-mirrors", &c->mirrors, &c->nmirrors, path, e) == 0) {
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(j, "userns-remap");
        if (u && (!cJSON_IsString(u) || strchr(u->valuestring, ':') || strchr(u->valuestring, '\n')))
            sbc_err_set(e, 0, "%s: \"userns-remap\" must be \"default\", \"\" or a user name", path);
        else
            rc = 0;
        if (rc == 0 && u && *u->valuestring)
            c->userns_remap = sbc_xstrdup(u->valuestring);
    }
    cJSON_Delete(j);
    free(path);
    if (rc < 0)
        sbc_config_free(c);
    return rc;
}

void sbc_config_free(sbc_config *c)
{
    free(c->userns_remap);
    c->userns_remap = NULL;
    for (int i = 0; i < c->ninsecure; i++)
        free(c->insecure[i]);
    for (int i = 0; i < c->nmirrors; i++)
        free(c->mirrors[i]);
    free(c->insecure);
    free(c->mirrors);
    memset(c, 0, sizeof *c);
}

/* host part of "host:port" / "[v6]:port" into out. */
static void host_only(const char *hp, char *out, size_t n)
{
    size_t l;
    if (hp[0] == '[') {
        const char *rb = strchr(hp, ']');
        l = rb ? (size_t)(rb - hp - 1) : strlen(hp);
        hp++;
    } else {
        const char *c = strchr(hp, ':');
        l = c && !strchr(c + 1, ':') ? (size_t)(c - hp) : strlen(hp);
    }
    if (l >= n)
        l = n - 1;
    memcpy(out, hp, l);
    out[l] = 0;
}

static int in_cidr(const char *ip, const char *cidr)
{
    char net[64];
    const char *slash = strchr(cidr, '/');
    if (!slash || (size_t)(slash - cidr) >= sizeof net)
        return 0;
    memcpy(net, cidr, (size_t)(slash - cidr));
    net[slash - cidr] = 0;
    char *end;
    long bits = strtol(slash + 1, &end, 10);
    unsigned char a[16], b[16];
    int len;
    if (inet_pton(AF_INET, ip, a) == 1 && inet_pton(AF_INET, net, b) == 1)
        len = 4;
    else if (inet_pton(AF_INET6, ip, a) == 1 && inet_pton(AF_INET6, net, b) == 1)
        len = 16;
    else
        return 0;
    if (*end || bits < 0 || bits > len * 8)
        return 0;
    for (int i = 0; i < len && bits > 0; i++, bits -= 8) {
        unsigned char m = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
        if ((a[i] & m) != (b[i] & m))
            return 0;
    }
    return 1;
}

int sbc_config_insecure(const sbc_config *c, const char *hostport)
{
    char host[256];
    host_only(hostport, host, sizeof host);
    for (int i = 0; i < c->ninsecure; i++) {
        const char *s = c->insecure[i];
        if (!strncmp(s, "http://", 7))
            s += 7;
        else if (!strncmp(s, "https://", 8))
            s += 8;
        if (!strcasecmp(s, hostport) || !strcasecmp(s, host) || in_cidr(host, s))
            return 1;
    }
    return 0;
}
