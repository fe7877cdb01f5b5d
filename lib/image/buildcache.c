/* buildcache.c - sbc-build's cache index (buildcache.h). */
#include "image/buildcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/io.h"

#define DIR_ "build-cache"
/* build-cache/<a name readdir gave> */
#define REL_SIZE (sizeof DIR_ + 256)

static int key_ok(const char *k)
{
    size_t i = 0;
    for (; k && i < SBC_HEX_LEN; i++)
        if (!((k[i] >= '0' && k[i] <= '9') || (k[i] >= 'a' && k[i] <= 'f')))
            return 0;
    return k && !k[i];
}

/* The image ID build-cache/<name> holds into id: 1, or 0 (none, garbage). */
static int entry_read(sbc_store *s, const char *name, char id[SBC_DIGEST_SIZE])
{
    char rel[REL_SIZE], buf[SBC_DIGEST_SIZE + 1];
    snprintf(rel, sizeof rel, DIR_ "/%s", name);
    int fd = openat(s->fd, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = sbc_read_full(fd, buf, sizeof buf);
    close(fd);
    if (n == SBC_DIGEST_LEN + 1 && buf[SBC_DIGEST_LEN] == '\n')
        n--;
    if (n != SBC_DIGEST_LEN)
        return 0;
    memcpy(id, buf, SBC_DIGEST_LEN);
    id[SBC_DIGEST_LEN] = 0;
    return sbc_digest_valid(id);
}

static int record_exists(sbc_store *s, const char *id)
{
    char rel[sizeof "images/.json" + SBC_HEX_LEN];
    struct stat st;
    snprintf(rel, sizeof rel, "images/%s.json", sbc_digest_hex(id));
    return fstatat(s->fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

static void entry_drop(sbc_store *s, const char *name)
{
    char rel[REL_SIZE];
    snprintf(rel, sizeof rel, DIR_ "/%s", name);
    unlinkat(s->fd, rel, 0);
}

int sbc_bcache_get(sbc_store *s, const char *keyhex, char id[SBC_DIGEST_SIZE])
{
    if (!key_ok(keyhex))
        return 0;
    if (entry_read(s, keyhex, id) && record_exists(s, id))
        return 1;
    /* stale or garbage (a whole entry always, as it appears by rename) */
    entry_drop(s, keyhex);
    id[0] = 0;
    return 0;
}

int sbc_bcache_put(sbc_store *s, const char *keyhex, const char *id, sbc_err *e)
{
    if (!key_ok(keyhex))
        return sbc_err_set(e, 0, "build cache: invalid key \"%s\"", keyhex ? keyhex : "");
    if (sbc_digest_check(id, "build cache", e) < 0)
        return -1;
    if (mkdirat(s->fd, DIR_, 0700) < 0 && errno != EEXIST)
        return sbc_err_sys(e, "%s/" DIR_, s->root);
    char rel[sizeof DIR_ "/" + SBC_HEX_LEN], line[SBC_DIGEST_SIZE + 1];
    snprintf(rel, sizeof rel, DIR_ "/%s", keyhex);
    snprintf(line, sizeof line, "%s\n", id);
    /* a crash may leave an empty entry: a miss, no harm */
    return sbc_write_atomic_scratch(s->fd, rel, line, SBC_DIGEST_LEN + 1, 0600, e);
}

/* The entries' names (not temp files); 0 or -1 + e. */
static int entries(sbc_store *s, char ***names, size_t *n, sbc_err *e)
{
    char *dir = sbc_store_path(s, DIR_);
    int rc = sbc_dir_names_at(dir, names, n, e);
    free(dir);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int sbc_bcache_ids(sbc_store *s, char ***ids, size_t *n, sbc_err *e)
{
    char **names;
    size_t nn, k = 0;
    *ids = NULL;
    *n = 0;
    if (entries(s, &names, &nn, e) < 0)
        return -1;
    char **v = sbc_xcalloc(nn + 1, sizeof *v), id[SBC_DIGEST_SIZE];
    for (size_t i = 0; i < nn; i++)
        if (key_ok(names[i]) && entry_read(s, names[i], id) && record_exists(s, id))
            v[k++] = sbc_xstrdup(id);
    sbc_names_free(names, nn);
    qsort(v, k, sizeof *v, cmp_str);
    for (size_t i = 0; i < k; i++) /* distinct */
        if (*n && !strcmp(v[*n - 1], v[i]))
            free(v[i]);
        else
            v[(*n)++] = v[i];
    *ids = v;
    return 0;
}

int sbc_bcache_drop(sbc_store *s, const char *id)
{
    char **names, got[SBC_DIGEST_SIZE];
    size_t nn;
    int dropped = 0;
    sbc_err e = {0};
    if (entries(s, &names, &nn, &e) < 0)
        return 0;
    for (size_t i = 0; i < nn; i++) {
        if (names[i][0] == '.' || (id && !(key_ok(names[i]) && entry_read(s, names[i], got) && !strcmp(got, id))))
            continue; /* a put under way, or another image's */
        entry_drop(s, names[i]);
        dropped++;
    }
    sbc_names_free(names, nn);
    return dropped;
}

int sbc_bcache_has(char *const *ids, size_t n, const char *id)
{
    return id && bsearch(&id, ids, n, sizeof *ids, cmp_str) != NULL;
}
