/* prune.c - disk usage of the store and the prunes (prune.h). */
#include "runtime/prune.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/digest.h"
#include "base/json.h"
#include "image/buildcache.h"
#include "runtime/container.h"
#include "runtime/volume.h"

/* ---- du ---------------------------------------------------------------- */

/* files: the sizes of the files (not dirs), as Docker's SizeRw; else blocks */
static long long du_fd(int fd, dev_t dev, int depth, int files)
{
    long long n = 0;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return 0;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
            continue;
        n += !files ? (long long)st.st_blocks * 512 : S_ISDIR(st.st_mode) ? 0 : (long long)st.st_size;
        if (S_ISDIR(st.st_mode) && depth < 256) {
            int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0)
                n += du_fd(sub, dev, depth + 1, files);
        }
    }
    closedir(d);
    return n;
}

static long long du_at(int dirfd, const char *path, int files)
{
    int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    return (files ? 0 : (long long)st.st_blocks * 512) + du_fd(fd, st.st_dev, 0, files);
}

long long sbc_du(int dirfd, const char *path)
{
    return du_at(dirfd, path, 0);
}

void sbc_container_sizes(sbc_store *s, const sbc_container *c, long long *rw, long long *virt)
{
    char *up = sbc_xasprintf("%s/upper", c->dir);
    *rw = du_at(AT_FDCWD, up, 1);
    free(up);
    sbc_err e = {0};
    const char *iid = sbc_json_str(c->config, "ImageID");
    cJSON *rec = iid ? sbc_store_record(s, iid, &e) : NULL;
    const cJSON *sz = cJSON_GetObjectItemCaseSensitive(rec, "Size");
    *virt = *rw + (cJSON_IsNumber(sz) ? (long long)sz->valuedouble : 0);
    cJSON_Delete(rec);
}

/* ---- images -------------------------------------------------------------- */

/* The images and how many use each layer: ids[i], used[i] (a container
 * uses it), dangling[i] (untagged), inter[i] (untagged and named by the
 * build cache: an intermediate image), and per layer (diff ID hex) the
 * images using it, those of them not intermediate (top), those in use
 * (busy), and its size. */
typedef struct layer_use {
    char hex[SBC_HEX_SIZE];
    int images, top, busy;
    long long size;
} layer_use;

typedef struct image_set {
    char **ids;
    size_t n;
    int *used;
    int *dangling;
    int *inter;
    layer_use *layers;
    size_t nlayers;
} image_set;

static void image_set_free(image_set *is)
{
    for (size_t i = 0; i < is->n; i++)
        free(is->ids[i]);
    free(is->ids);
    free(is->used);
    free(is->dangling);
    free(is->inter);
    free(is->layers);
    memset(is, 0, sizeof *is);
}

static layer_use *layer_of(image_set *is, const char *hex)
{
    for (size_t i = 0; i < is->nlayers; i++)
        if (!strcmp(is->layers[i].hex, hex))
            return &is->layers[i];
    is->layers = sbc_xrealloc(is->layers, (is->nlayers + 1) * sizeof *is->layers);
    layer_use *l = &is->layers[is->nlayers++];
    memset(l, 0, sizeof *l);
    snprintf(l->hex, sizeof l->hex, "%s", hex);
    l->size = -1;
    return l;
}

static int image_set_load(sbc_store *s, image_set *is, sbc_err *e)
{
    memset(is, 0, sizeof *is);
    if (sbc_store_image_ids(s, &is->ids, &is->n, e) < 0)
        return -1;
    is->used = sbc_xcalloc(is->n + 1, sizeof *is->used);
    is->dangling = sbc_xcalloc(is->n + 1, sizeof *is->dangling);
    is->inter = sbc_xcalloc(is->n + 1, sizeof *is->inter);
    sbc_image_row *rows = NULL;
    size_t nrows = 0, ncache = 0;
    char **cache = NULL;
    if (sbc_image_list(s, NULL, &rows, &nrows, e) < 0 || sbc_bcache_ids(s, &cache, &ncache, e) < 0) {
        sbc_image_rows_free(rows, nrows);
        return -1;
    }
    for (size_t i = 0; i < is->n; i++) {
        char who[SBC_HEX_SIZE];
        sbc_err ue = {0};
        is->used[i] = sbc_container_using_image(s->root, is->ids[i], who, sizeof who, &ue) == 1;
        is->dangling[i] = 1;
        for (size_t r = 0; r < nrows; r++)
            if (!strcmp(rows[r].id, is->ids[i]) && strcmp(rows[r].repo, "<none>"))
                is->dangling[i] = 0;
        is->inter[i] = is->dangling[i] && sbc_bcache_has(cache, ncache, is->ids[i]);
        sbc_image img;
        sbc_err le = {0};
        if (sbc_image_lookup(s, is->ids[i], &img, &le) < 0)
            continue;
        const cJSON *l;
        cJSON_ArrayForEach(l, sbc_json_arr(img.record, "Layers")) {
            const char *d = sbc_json_str(l, "DiffID");
            if (!d || !sbc_digest_valid(d))
                continue;
            layer_use *u = layer_of(is, sbc_digest_hex(d));
            u->images++;
            u->top += !is->inter[i];
            u->busy += is->used[i];
            if (u->size < 0) {
                char rel[128];
                snprintf(rel, sizeof rel, "layers/%s", u->hex);
                u->size = sbc_du(s->fd, rel);
            }
        }
        sbc_image_free(&img);
    }
    sbc_image_rows_free(rows, nrows);
    sbc_names_free(cache, ncache);
    return 0;
}

/* The bytes of layers only image i (of the set) uses. */
static long long own_bytes(sbc_store *s, image_set *is, size_t i)
{
    sbc_image img;
    sbc_err e = {0};
    long long n = 0;
    if (sbc_image_lookup(s, is->ids[i], &img, &e) < 0)
        return 0;
    const cJSON *l;
    cJSON_ArrayForEach(l, sbc_json_arr(img.record, "Layers")) {
        const char *d = sbc_json_str(l, "DiffID");
        if (d && sbc_digest_valid(d)) {
            layer_use *u = layer_of(is, sbc_digest_hex(d));
            if (u->images == 1 && u->size > 0)
                n += u->size;
        }
    }
    sbc_image_free(&img);
    return n;
}

/* Remove the unused images of the set that pick (0 dangling, 1 every one,
 * 2 intermediate) takes; an intermediate image only with 2. */
static int prune_set(sbc_store *s, image_set *is, int pick, sbc_prune_fn fn, void *arg, long long *freed,
                     sbc_err *e)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < is->n; i++) {
        if (is->used[i] || (pick == 2) != is->inter[i] || (!pick && !is->dangling[i]))
            continue;
        long long own = own_bytes(s, is, i);
        sbc_image img;
        if (sbc_image_lookup(s, is->ids[i], &img, e) < 0)
            return -1;
        /* every name of it goes: remove by ID with force (nothing uses it) */
        sbc_image_removal r = {0};
        rc = sbc_image_remove(s, is->ids[i], &img, NULL, 1, &r, e);
        for (size_t k = 0; k < r.nuntagged; k++)
            fn(arg, "untagged", r.untagged[k]);
        if (r.deleted) {
            fn(arg, pick == 2 ? "cache" : "deleted", img.id);
            *freed += own;
            /* its layers now have one image fewer */
            const cJSON *l;
            cJSON_ArrayForEach(l, sbc_json_arr(img.record, "Layers")) {
                const char *d = sbc_json_str(l, "DiffID");
                if (d && sbc_digest_valid(d))
                    layer_of(is, sbc_digest_hex(d))->images--;
            }
        }
        sbc_image_removal_free(&r);
        sbc_image_free(&img);
    }
    return rc;
}

static int prune_locked(sbc_store *s, int all, int cache, sbc_prune_fn fn, void *arg, long long *freed,
                        sbc_err *e)
{
    *freed = 0;
    if (sbc_store_lock(s, e) < 0)
        return -1;
    image_set is;
    int rc = image_set_load(s, &is, e);
    if (rc == 0 && cache) {
        /* the entries first, so none ever names a half-removed image */
        if (all)
            sbc_bcache_drop(s, NULL);
        for (size_t i = 0; !all && i < is.n; i++)
            if (is.inter[i] && !is.used[i])
                sbc_bcache_drop(s, is.ids[i]);
    }
    if (rc == 0)
        rc = prune_set(s, &is, cache ? 2 : all, fn, arg, freed, e);
    if (rc == 0 && cache) { /* and RUN --mount=type=cache's directories */
        long long b = sbc_du(s->fd, "build-mounts");
        sbc_err e2 = {0};
        if (b > 0 && sbc_rm_rf(s->fd, "build-mounts", &e2) == 0)
            *freed += b;
    }
    image_set_free(&is);
    sbc_store_unlock(s);
    return rc;
}

int sbc_prune_images(sbc_store *s, int all, sbc_prune_fn fn, void *arg, long long *freed, sbc_err *e)
{
    return prune_locked(s, all, 0, fn, arg, freed, e);
}

int sbc_prune_build_cache(sbc_store *s, int all, sbc_prune_fn fn, void *arg, long long *freed, sbc_err *e)
{
    return prune_locked(s, all, 1, fn, arg, freed, e);
}

/* ---- containers ----------------------------------------------------------- */

int sbc_prune_containers(sbc_store *s, sbc_prune_fn fn, void *arg, long long *freed, sbc_err *e)
{
    *freed = 0;
    sbc_container *cs = NULL;
    int n = 0, rc = 0;
    if (sbc_container_list_all(s->root, 1, NULL, &cs, &n, e) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        sbc_container *c = &cs[i];
        if (sbc_container_refresh(c) != 0)
            continue; /* running, or its exit is being recorded */
        if (sbc_container_lock(c, e) < 0 || sbc_container_refresh(c) != 0) {
            sbc_container_unlock(c);
            sbc_err_clear(e);
            continue; /* started meanwhile */
        }
        char rel[600];
        snprintf(rel, sizeof rel, "%s/upper", c->dir);
        long long bytes = sbc_du(AT_FDCWD, rel);
        char id[SBC_HEX_SIZE];
        snprintf(id, sizeof id, "%s", c->id);
        if (sbc_container_remove(s->root, c, e) < 0) {
            rc = -1;
            break;
        }
        fn(arg, "container", id);
        *freed += bytes;
    }
    sbc_containers_free(cs, n);
    return rc;
}

/* ---- df --------------------------------------------------------------------- */

int sbc_df(sbc_store *s, sbc_df_row rows[4], sbc_err *e)
{
    rows[0] = (sbc_df_row){.type = "Images"};
    rows[1] = (sbc_df_row){.type = "Containers"};
    rows[2] = (sbc_df_row){.type = "Local Volumes"};
    rows[3] = (sbc_df_row){.type = "Build Cache"};
    image_set is;
    if (image_set_load(s, &is, e) < 0) {
        image_set_free(&is);
        return -1;
    }
    /* the images, and as build cache the intermediate ones: a layer
     * counts as an image's when one not intermediate uses it, else as
     * build cache (reclaimable unless a container uses one of its images) */
    for (size_t i = 0; i < is.nlayers; i++) {
        const layer_use *u = &is.layers[i];
        long long b = u->size > 0 ? u->size : 0;
        sbc_df_row *r = &rows[u->top ? 0 : 3];
        r->size += b;
        r->reclaimable += !u->top && !u->busy ? b : 0;
        rows[0].shared += u->top > 1 ? b : 0;
    }
    long long mounts = sbc_du(s->fd, "build-mounts"); /* RUN --mount=type=cache */
    rows[3].size += mounts > 0 ? mounts : 0;
    rows[3].reclaimable += mounts > 0 ? mounts : 0;
    for (size_t i = 0; i < is.n; i++) {
        sbc_df_row *r = &rows[is.inter[i] ? 3 : 0];
        r->total++;
        r->active += is.used[i];
        if (!is.used[i] && !is.inter[i])
            rows[0].reclaimable += own_bytes(s, &is, i);
    }
    image_set_free(&is);
    sbc_container *cs = NULL;
    int n = 0;
    if (sbc_container_list_all(s->root, 1, NULL, &cs, &n, e) < 0)
        return -1;
    rows[1].total = n;
    for (int i = 0; i < n; i++) {
        char rel[600];
        snprintf(rel, sizeof rel, "%s/upper", cs[i].dir);
        long long b = sbc_du(AT_FDCWD, rel);
        rows[1].size += b;
        if (cs[i].state.status == SBC_CTR_RUNNING)
            rows[1].active++;
        else
            rows[1].reclaimable += b;
    }
    sbc_containers_free(cs, n);
    /* volumes (volume.h): in use when a container's Mounts name one */
    char **names = NULL;
    size_t nv = 0;
    sbc_err ve = {0};
    if (sbc_volume_list(s->root, &names, &nv, &ve) == 0) {
        for (size_t i = 0; i < nv; i++) {
            char rel[300], who[SBC_HEX_SIZE];
            snprintf(rel, sizeof rel, "volumes/%s", names[i]);
            long long b = sbc_du(s->fd, rel);
            int used = sbc_volume_users(s->root, names[i], who, sizeof who, &ve) == 1;
            rows[2].total++;
            rows[2].size += b;
            rows[2].active += used;
            rows[2].reclaimable += used ? 0 : b;
            free(names[i]);
        }
        free(names);
    }
    return 0;
}

int sbc_prune_volumes(sbc_store *s, int all, sbc_prune_fn fn, void *arg, long long *freed, sbc_err *e)
{
    *freed = 0;
    char **names = NULL;
    size_t n = 0;
    if (sbc_volume_list(s->root, &names, &n, e) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char who[SBC_HEX_SIZE];
        sbc_err ve = {0};
        cJSON *v = all ? NULL : sbc_volume_inspect(s->root, names[i], &ve);
        int take = (all || sbc_volume_anonymous(v)) && sbc_volume_users(s->root, names[i], who, sizeof who, &ve) == 0;
        cJSON_Delete(v);
        unsigned long long bytes = 0;
        if (take && sbc_volume_remove(s->root, names[i], &bytes, e) == 0) {
            fn(arg, "volume", names[i]);
            *freed += (long long)bytes;
        } else if (take) {
            rc = -1;
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}
