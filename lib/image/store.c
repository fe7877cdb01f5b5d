#include "image/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/config.h"
#include "base/io.h"
#include "base/json.h"
#include "registry/ref.h"

static const char *const subdirs[] = {"blobs", "blobs/sha256", "layers", "images", "tmp",
                                      "containers", "locks", NULL};

int sbc_store_open(sbc_store *s, sbc_err *e)
{
    memset(s, 0, sizeof *s);
    s->fd = s->lockfd = -1;
    const char *root = sbc_root_dir();
    if (root[0] != '/') {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd))
            return sbc_err_sys(e, "getcwd");
        s->root = sbc_xasprintf("%s/%s", cwd, root);
    } else {
        s->root = sbc_xstrdup(root);
    }
    if (sbc_mkdir_p(s->root, 0700, e) < 0) {
        sbc_err_wrap(e, "store");
        goto fail;
    }
    s->fd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (s->fd < 0) {
        sbc_err_sys(e, "store %s", s->root);
        goto fail;
    }
    for (int i = 0; subdirs[i]; i++)
        if (mkdirat(s->fd, subdirs[i], 0700) < 0 && errno != EEXIST) {
            sbc_err_sys(e, "store %s/%s", s->root, subdirs[i]);
            goto fail;
        }
    return 0;
fail:
    sbc_store_close(s);
    return -1;
}

void sbc_store_close(sbc_store *s)
{
    sbc_store_unlock(s);
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    free(s->root);
    s->root = NULL;
}

int sbc_store_lock(sbc_store *s, sbc_err *e)
{
    if (s->lockfd >= 0)
        return 0;
    int fd = sbc_lock_path(s->fd, "locks/store.lock", e);
    if (fd < 0)
        return -1;
    s->lockfd = fd;
    return 0;
}

int sbc_store_lock_layer(sbc_store *s, const char *hex, sbc_err *e)
{
    char rel[128];
    snprintf(rel, sizeof rel, "locks/layer-%.64s.lock", hex);
    return sbc_lock_path(s->fd, rel, e);
}

void sbc_store_unlock(sbc_store *s)
{
    if (s->lockfd >= 0)
        close(s->lockfd); /* releases the flock */
    s->lockfd = -1;
}

char *sbc_store_path(const sbc_store *s, const char *rel)
{
    return sbc_xasprintf("%s/%s", s->root, rel);
}

/* "sha256:<64 hex>" -> pointer to the hex, or NULL. */
static const char *digest_hex(const char *d)
{
    if (!d || strncmp(d, "sha256:", 7))
        return NULL;
    const char *h = d + 7;
    size_t n = 0;
    for (; h[n]; n++)
        if (!((h[n] >= '0' && h[n] <= '9') || (h[n] >= 'a' && h[n] <= 'f')))
            return NULL;
    return n == 64 ? h : NULL;
}

int sbc_store_blob_put(sbc_store *s, const char *digest, const void *data, size_t len, sbc_err *e)
{
    const char *hex = digest_hex(digest);
    if (!hex)
        return sbc_err_set(e, 0, "%s: invalid digest", digest ? digest : "(null)");
    char rel[128];
    snprintf(rel, sizeof rel, "blobs/sha256/%s", hex);
    if (faccessat(s->fd, rel, F_OK, 0) == 0)
        return 0;
    return sbc_write_atomic_durable(s->fd, rel, data, len, 0644, e);
}

char *sbc_store_blob_get(sbc_store *s, const char *digest, size_t *len, sbc_err *e)
{
    const char *hex = digest_hex(digest);
    if (!hex) {
        sbc_err_set(e, 0, "%s: invalid digest", digest ? digest : "(null)");
        return NULL;
    }
    char rel[128];
    snprintf(rel, sizeof rel, "blobs/sha256/%s", hex);
    return sbc_read_file(s->fd, rel, 64u << 20, len, e);
}

int sbc_store_has_layer(sbc_store *s, const char *diff_id)
{
    const char *hex = digest_hex(diff_id);
    if (!hex)
        return 0;
    char rel[128];
    snprintf(rel, sizeof rel, "layers/%s", hex);
    struct stat st;
    return fstatat(s->fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

cJSON *sbc_store_tags(sbc_store *s, sbc_err *e)
{
    if (faccessat(s->fd, "repositories.json", F_OK, 0) < 0 && errno == ENOENT)
        return cJSON_CreateObject();
    cJSON *j = sbc_json_read(s->fd, "repositories.json", e);
    if (j && !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        sbc_err_set(e, 0, "%s/repositories.json: not a JSON object", s->root);
        return NULL;
    }
    return j;
}

int sbc_store_tag_set(sbc_store *s, const char *ref, const char *id, sbc_err *e)
{
    cJSON *t = sbc_store_tags(s, e);
    if (!t)
        return -1;
    cJSON_DeleteItemFromObjectCaseSensitive(t, ref);
    cJSON_AddStringToObject(t, ref, id);
    int rc = sbc_json_write_durable(s->fd, "repositories.json", t, e);
    cJSON_Delete(t);
    return rc;
}

int sbc_store_tag_del(sbc_store *s, const char *ref, sbc_err *e)
{
    cJSON *t = sbc_store_tags(s, e);
    if (!t)
        return -1;
    cJSON_DeleteItemFromObjectCaseSensitive(t, ref);
    int rc = sbc_json_write_durable(s->fd, "repositories.json", t, e);
    cJSON_Delete(t);
    return rc;
}

static int is_hex(const char *p)
{
    if (!*p)
        return 0;
    for (; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

/* Resolve an ID or unique ID prefix to "sha256:<hex>"; 1 found, 0 not, -1 ambiguous. */
static int find_id(sbc_store *s, const char *name, char out[72])
{
    const char *p = !strncmp(name, "sha256:", 7) ? name + 7 : name;
    size_t n = strlen(p);
    if (n < 1 || n > 64 || !is_hex(p))
        return 0;
    int fd = openat(s->fd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return 0;
    }
    int found = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l != 69 || strcmp(de->d_name + 64, ".json") || strncmp(de->d_name, p, n))
            continue;
        if (found++) {
            found = -1;
            break;
        }
        snprintf(out, 72, "sha256:%.64s", de->d_name);
    }
    closedir(d);
    return found;
}

static int load_id(sbc_store *s, const char *id, sbc_image *img, sbc_err *e)
{
    char rel[128];
    snprintf(rel, sizeof rel, "images/%s.json", id + 7);
    img->record = sbc_json_read(s->fd, rel, e);
    if (!img->record)
        return -1;
    size_t len;
    char *cfg = sbc_store_blob_get(s, id, &len, e);
    if (!cfg)
        return -1;
    img->config = sbc_json_parse(cfg, len, "image config", e);
    free(cfg);
    if (!img->config)
        return -1;
    snprintf(img->id, sizeof img->id, "%s", id);
    cJSON *layers = sbc_json_arr(img->record, "Layers");
    int n = cJSON_GetArraySize(layers);
    img->layer_dirs = sbc_xcalloc((size_t)n + 1, sizeof(char *));
    for (int i = 0; i < n; i++) {
        const char *diff = sbc_json_str(cJSON_GetArrayItem(layers, i), "DiffID");
        const char *hex = digest_hex(diff);
        if (!hex)
            return sbc_err_set(e, 0, "image %.19s: corrupt record (layer %d)", id, i);
        img->layer_dirs[i] = sbc_xasprintf("%s/layers/%s", s->root, hex);
        img->nlayers = i + 1;
    }
    return 0;
}

int sbc_image_lookup(sbc_store *s, const char *name, sbc_image *img, sbc_err *e)
{
    memset(img, 0, sizeof *img);
    char id[72];
    int rc = -1;
    /* A reference first (a tag may look like a hex prefix: "cafe"), then an ID. */
    cJSON *tags = NULL;
    sbc_ref r;
    sbc_err ign = {0};
    if (sbc_ref_parse(name, &r, &ign) == 0) {
        char *full = sbc_ref_string(&r);
        tags = sbc_store_tags(s, e);
        const char *hit = tags ? sbc_json_str(tags, full) : NULL;
        if (hit && digest_hex(hit)) {
            snprintf(id, sizeof id, "%s", hit);
            img->ref = full;
            full = NULL;
            rc = load_id(s, id, img, e);
            cJSON_Delete(tags);
            sbc_ref_free(&r);
            if (rc < 0)
                sbc_image_free(img);
            return rc;
        }
        /* name@digest: match the image whose manifest/repo digest is that */
        free(full);
        sbc_ref_free(&r);
    }
    cJSON_Delete(tags);
    int f = find_id(s, name, id);
    if (f < 0) {
        sbc_err_set(e, SBC_EXIT_FAIL, "%s: ambiguous image ID prefix", name);
        return -1;
    }
    if (f == 0) {
        sbc_err_set(e, SBC_EXIT_FAIL, "No such image: %s", name);
        e->errnum = ENOENT;
        return -1;
    }
    rc = load_id(s, id, img, e);
    if (rc < 0)
        sbc_image_free(img);
    return rc;
}

void sbc_image_free(sbc_image *img)
{
    free(img->ref);
    cJSON_Delete(img->record);
    cJSON_Delete(img->config);
    for (int i = 0; i < img->nlayers; i++)
        free(img->layer_dirs[i]);
    free(img->layer_dirs);
    memset(img, 0, sizeof *img);
}

int sbc_store_image_put(sbc_store *s, const char *id, cJSON *rec, const char *repo_digest,
                        sbc_err *e)
{
    const char *hex = digest_hex(id);
    if (!hex)
        return sbc_err_set(e, 0, "%s: invalid image id", id ? id : "(null)");
    char rel[128];
    snprintf(rel, sizeof rel, "images/%s.json", hex);
    cJSON *old = sbc_json_read(s->fd, rel, NULL);
    cJSON_DeleteItemFromObjectCaseSensitive(rec, "RepoDigests");
    cJSON *rds = cJSON_AddArrayToObject(rec, "RepoDigests");
    cJSON *it;
    cJSON_ArrayForEach(it, sbc_json_arr(old, "RepoDigests"))
        if (cJSON_IsString(it) && (!repo_digest || strcmp(it->valuestring, repo_digest)))
            cJSON_AddItemToArray(rds, cJSON_CreateString(it->valuestring));
    if (repo_digest)
        cJSON_AddItemToArray(rds, cJSON_CreateString(repo_digest));
    cJSON_Delete(old);
    return sbc_json_write_durable(s->fd, rel, rec, e);
}
