#include "image/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/config.h"
#include "base/io.h"
#include "base/subid.h"
#include "base/json.h"
#include "image/rootfs.h"
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
    /* the store holds image trees (setuid files) and container state: ours
     * and writable by no one else (CVE-2021-41091 class); sbc makes its
     * directories 0700, and takes a traversable one made by hand */
    struct stat st;
    uid_t me = geteuid();
    if (fstat(s->fd, &st) < 0 || st.st_uid != me || (st.st_mode & 022)) {
        sbc_err_set(e, 0, "refusing the store %s: owned by uid %u with mode %04o (must be uid %u, not group/world-writable)",
                    s->root, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), (unsigned)me);
        goto fail;
    }
    for (int i = 0; subdirs[i]; i++) {
        /* looked at first: a store in use has them all (one syscall each) */
        int there = fstatat(s->fd, subdirs[i], &st, AT_SYMLINK_NOFOLLOW) == 0;
        if (!there && errno == ENOENT) {
            if (mkdirat(s->fd, subdirs[i], 0700) == 0)
                continue;
            there = errno == EEXIST && fstatat(s->fd, subdirs[i], &st, AT_SYMLINK_NOFOLLOW) == 0;
        }
        if (!there) {
            sbc_err_sys(e, "store %s/%s", s->root, subdirs[i]);
            goto fail;
        }
        if (!S_ISDIR(st.st_mode) || st.st_uid != me || (st.st_mode & 022)) {
            sbc_err_set(e, 0, "refusing the store directory %s/%s: not a directory of uid %u writable by it alone",
                        s->root, subdirs[i], (unsigned)me);
            goto fail;
        }
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
    snprintf(rel, sizeof rel, "locks/layer-%.*s.lock", SBC_HEX_LEN, hex);
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

int sbc_store_blob_put(sbc_store *s, const char *digest, const void *data, size_t len, sbc_err *e)
{
    const char *hex = sbc_digest_hex(digest);
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
    const char *hex = sbc_digest_hex(digest);
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
    const char *hex = sbc_digest_hex(diff_id);
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
static int find_id(sbc_store *s, const char *name, char out[SBC_DIGEST_SIZE])
{
    const char *p = !strncmp(name, SBC_DIGEST_PREFIX, SBC_DIGEST_PREFIX_LEN) ? name + SBC_DIGEST_PREFIX_LEN : name;
    size_t n = strlen(p);
    char **ids;
    size_t nids;
    sbc_err ign = {0};
    if (n < 1 || n > SBC_HEX_LEN || !is_hex(p) || sbc_store_image_ids(s, &ids, &nids, &ign) < 0)
        return 0;
    int found = 0;
    for (size_t i = 0; i < nids && found >= 0; i++) {
        if (strncmp(ids[i] + SBC_DIGEST_PREFIX_LEN, p, n))
            continue;
        if (found++)
            found = -1;
        else
            snprintf(out, SBC_DIGEST_SIZE, "%s", ids[i]);
    }
    sbc_names_free(ids, nids);
    return found;
}

static int load_id(sbc_store *s, const char *id, sbc_image *img, sbc_err *e)
{
    img->record = sbc_store_record(s, id, e);
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
        const char *hex = sbc_digest_hex(diff);
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
    char id[SBC_DIGEST_SIZE];
    int rc = -1;
    /* A reference first (a tag may look like a hex prefix: "cafe"), then an ID. */
    cJSON *tags = NULL;
    sbc_ref r;
    sbc_err ign = {0};
    if (sbc_ref_parse(name, &r, &ign) == 0) {
        char *full = sbc_ref_string(&r);
        tags = sbc_store_tags(s, e);
        const char *hit = tags ? sbc_json_str(tags, full) : NULL;
        if (hit && sbc_digest_hex(hit)) {
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

int sbc_image_open(sbc_store *s, const char *name, sbc_image *img, sbc_err *e)
{
    memset(img, 0, sizeof *img);
    if (sbc_store_open(s, e) < 0)
        return -1;
    if (sbc_image_lookup(s, name, img, e) < 0) {
        sbc_store_close(s);
        return -1;
    }
    return 0;
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
    if (!sbc_digest_valid(id))
        return sbc_err_set(e, 0, "%s: invalid image id", id ? id : "(null)");
    cJSON *old = sbc_store_record(s, id, NULL);
    cJSON_DeleteItemFromObjectCaseSensitive(rec, "RepoDigests");
    cJSON *rds = cJSON_AddArrayToObject(rec, "RepoDigests");
    cJSON *it;
    cJSON_ArrayForEach(it, sbc_json_arr(old, "RepoDigests"))
        if (cJSON_IsString(it) && (!repo_digest || strcmp(it->valuestring, repo_digest)))
            cJSON_AddItemToArray(rds, cJSON_CreateString(it->valuestring));
    if (repo_digest)
        cJSON_AddItemToArray(rds, cJSON_CreateString(repo_digest));
    cJSON_Delete(old);
    return sbc_store_record_write(s, id, rec, e);
}

cJSON *sbc_store_names_of(const cJSON *tags, const char *id, int digests)
{
    cJSON *a = cJSON_CreateArray();
    const cJSON *it;
    cJSON_ArrayForEach(it, tags)
        if (cJSON_IsString(it) && !strcmp(it->valuestring, id) && (digests || !strchr(it->string, '@')))
            cJSON_AddItemToArray(a, cJSON_CreateString(it->string));
    return a;
}

/* images/<hex>.json */
#define RECORD_SUFFIX ".json"
#define RECORD_NAME_LEN (SBC_HEX_LEN + sizeof RECORD_SUFFIX - 1)

int sbc_store_image_ids(sbc_store *s, char ***ids, size_t *n, sbc_err *e)
{
    *ids = NULL;
    *n = 0;
    int fd = openat(s->fd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char **names;
    size_t nn;
    if (fd < 0 || sbc_dir_names(fd, &names, &nn) < 0) {
        sbc_err_sys(e, "%s/images", s->root);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    *ids = sbc_xcalloc(nn + 1, sizeof **ids);
    for (size_t i = 0; i < nn; i++) {
        char id[SBC_DIGEST_SIZE];
        if (strlen(names[i]) != RECORD_NAME_LEN || strcmp(names[i] + SBC_HEX_LEN, RECORD_SUFFIX))
            continue;
        snprintf(id, sizeof id, SBC_DIGEST_PREFIX "%.*s", SBC_HEX_LEN, names[i]);
        if (sbc_digest_valid(id))
            (*ids)[(*n)++] = sbc_xstrdup(id);
    }
    sbc_names_free(names, nn);
    return 0;
}

cJSON *sbc_store_record(sbc_store *s, const char *id, sbc_err *e)
{
    const char *hex = sbc_digest_hex(id);
    if (!hex) {
        sbc_err_set(e, 0, "%s: invalid image ID", id ? id : "(null)");
        return NULL;
    }
    char rel[sizeof "images/" + RECORD_NAME_LEN];
    snprintf(rel, sizeof rel, "images/%s" RECORD_SUFFIX, hex);
    return sbc_json_read(s->fd, rel, e);
}

int sbc_store_record_write(sbc_store *s, const char *id, const cJSON *rec, sbc_err *e)
{
    const char *hex = sbc_digest_hex(id);
    if (!hex)
        return sbc_err_set(e, 0, "%s: invalid image ID", id ? id : "(null)");
    char rel[sizeof "images/" + RECORD_NAME_LEN];
    snprintf(rel, sizeof rel, "images/%s" RECORD_SUFFIX, hex);
    return sbc_json_write_durable(s->fd, rel, rec, e);
}

/* ---- sbc-images ---- */

static int cmp_row(const void *a, const void *b)
{
    const sbc_image_row *x = a, *y = b;
    int c = strcmp(y->created, x->created); /* newest first */
    if (!c)
        c = strcmp(x->repo, y->repo);
    if (!c)
        c = strcmp(x->tag, y->tag);
    return c ? c : strcmp(x->id, y->id);
}

/* Does the name full ("docker.io/library/busybox:1") pass the filter
 * (a repository or "repo:tag")? */
static int name_matches(const char *full, const char *filter)
{
    size_t fl = strlen(filter);
    return !strcmp(full, filter) || (!strncmp(full, filter, fl) && full[fl] == ':');
}

/* The rows of one image record into *rows. */
static void image_rows(const cJSON *rec, const cJSON *tags, const char *filter, sbc_image_row **rows,
                       size_t *n, size_t *cap)
{
    const char *id = sbc_json_str(rec, "Id");
    if (!sbc_digest_valid(id))
        return;
    const cJSON *rd0 = cJSON_GetArrayItem(sbc_json_arr(rec, "RepoDigests"), 0);
    const char *rd = cJSON_IsString(rd0) ? rd0->valuestring : NULL;
    const char *dig = rd && strchr(rd, '@') ? strchr(rd, '@') + 1 : "<none>";
    const char *cr = sbc_json_str(rec, "Created");
    cJSON *mine = sbc_store_names_of(tags, id, 0);
    int ntags = cJSON_GetArraySize(mine);
    for (int i = 0; i < (ntags ? ntags : 1); i++) {
        const char *full = ntags ? cJSON_GetArrayItem(mine, i)->valuestring : NULL;
        if (filter && (!full || !name_matches(full, filter)))
            continue;
        char *repo, *tag;
        sbc_ref r;
        sbc_err ign = {0};
        if (full && sbc_ref_parse(full, &r, &ign) == 0) {
            repo = sbc_ref_familiar(&r);
            tag = sbc_xstrdup(r.tag ? r.tag : "<none>");
            sbc_ref_free(&r);
        } else {
            if (filter)
                continue;
            repo = sbc_xstrdup("<none>");
            tag = sbc_xstrdup("<none>");
        }
        if (*n == *cap)
            *rows = sbc_xrealloc(*rows, sizeof **rows * (*cap = *cap ? *cap * 2 : 16));
        sbc_image_row *row = &(*rows)[(*n)++];
        *row = (sbc_image_row){.repo = repo, .tag = tag, .digest = sbc_xstrdup(dig),
                               .created = sbc_xstrdup(cr ? cr : ""), .size = sbc_json_int(rec, "Size", 0)};
        snprintf(row->id, sizeof row->id, "%s", id);
    }
    cJSON_Delete(mine);
}

/* The filter sbc_image_list matches names against: the repository of name,
 * or with a tag (or digest) given, the whole normalized reference. */
static char *list_filter(const char *name, sbc_err *e)
{
    sbc_ref r;
    if (sbc_ref_parse(name, &r, e) < 0)
        return NULL;
    const char *colon = strrchr(name, ':'), *slash = strrchr(name, '/');
    char *f = colon && colon > slash ? sbc_ref_string(&r) : sbc_ref_repo(&r);
    sbc_ref_free(&r);
    return f;
}

int sbc_image_list(sbc_store *s, const char *filter, sbc_image_row **rows, size_t *n, sbc_err *e)
{
    *rows = NULL;
    *n = 0;
    char *f = NULL, **ids = NULL;
    size_t nids = 0, cap = 0;
    cJSON *tags = NULL;
    if ((filter && !(f = list_filter(filter, e))) || !(tags = sbc_store_tags(s, e)) ||
        sbc_store_image_ids(s, &ids, &nids, e) < 0) {
        free(f);
        cJSON_Delete(tags);
        return -1;
    }
    for (size_t i = 0; i < nids; i++) {
        cJSON *rec = sbc_store_record(s, ids[i], NULL);
        if (rec) /* else unreadable: not a complete image */
            image_rows(rec, tags, f, rows, n, &cap);
        cJSON_Delete(rec);
    }
    sbc_names_free(ids, nids);
    cJSON_Delete(tags);
    free(f);
    if (*n)
        qsort(*rows, *n, sizeof **rows, cmp_row);
    return 0;
}

void sbc_image_rows_free(sbc_image_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].repo);
        free(rows[i].tag);
        free(rows[i].digest);
        free(rows[i].created);
    }
    free(rows);
}

/* ---- sbc-rmi ---- */

static void keep_digest(cJSON *keep, const char *d)
{
    if (d && !cJSON_HasObjectItem(keep, d))
        cJSON_AddTrueToObject(keep, d);
}

/* The diff IDs, blob and manifest digests the images in the store use. */
static cJSON *digests_in_use(sbc_store *s, sbc_err *e)
{
    char **ids;
    size_t n;
    if (sbc_store_image_ids(s, &ids, &n, e) < 0)
        return NULL;
    cJSON *keep = cJSON_CreateObject(), *l;
    for (size_t i = 0; i < n; i++) {
        cJSON *rec = sbc_store_record(s, ids[i], NULL);
        cJSON_ArrayForEach(l, sbc_json_arr(rec, "Layers")) {
            keep_digest(keep, sbc_json_str(l, "DiffID"));
            keep_digest(keep, sbc_json_str(l, "Digest"));
        }
        keep_digest(keep, sbc_json_str(rec, "Manifest"));
        cJSON_Delete(rec);
    }
    sbc_names_free(ids, n);
    return keep;
}

/* blobs/sha256/<hex> of digest, unless it is kept. */
static void drop_blob(sbc_store *s, const char *digest, const cJSON *keep)
{
    const char *hex = sbc_digest_hex(digest);
    if (!hex || cJSON_HasObjectItem(keep, digest))
        return;
    char rel[sizeof "blobs/sha256/" + SBC_HEX_LEN];
    snprintf(rel, sizeof rel, "blobs/sha256/%s", hex);
    unlinkat(s->fd, rel, 0);
}

/* Remove a layer tree (rootless: as root of the user's namespace, for the
 * files owned by its subordinate ids). */
static void rm_layer(sbc_store *s, const char *rel)
{
    if (geteuid() == 0) {
        sbc_rm_rf(s->fd, rel, NULL);
        return;
    }
    char *p = sbc_xasprintf("%s/%s", s->root, rel);
    sbc_err e = {0};
    if (sbc_userns_rm_rf(p, &e) < 0)
        SBC_DEBUG("remove %s: %s", p, e.msg);
    free(p);
}

/* Delete what only this image used: its record, config, manifest, layers. */
static int delete_image(sbc_store *s, const sbc_image *img, sbc_err *e)
{
    char rel[sizeof "images/" + RECORD_NAME_LEN];
    snprintf(rel, sizeof rel, "images/%s" RECORD_SUFFIX, sbc_digest_hex(img->id));
    if (unlinkat(s->fd, rel, 0) < 0 && errno != ENOENT)
        return sbc_err_sys(e, "%s/%s", s->root, rel);
    cJSON *keep = digests_in_use(s, e), *l;
    if (!keep)
        return -1;
    cJSON_ArrayForEach(l, sbc_json_arr(img->record, "Layers")) {
        const char *di = sbc_json_str(l, "DiffID");
        if (!sbc_digest_valid(di) || cJSON_HasObjectItem(keep, di))
            continue;
        /* rename first so a crash never leaves a half-deleted layer in place */
        char layer[sizeof "layers/" + SBC_HEX_LEN], gone[sizeof "tmp/rm-" + SBC_HEX_LEN];
        snprintf(layer, sizeof layer, "layers/%s", sbc_digest_hex(di));
        snprintf(gone, sizeof gone, "tmp/rm-%s", sbc_digest_hex(di));
        if (renameat(s->fd, layer, s->fd, gone) == 0)
            rm_layer(s, gone);
    }
    cJSON_ArrayForEach(l, sbc_json_arr(img->record, "Layers"))
        drop_blob(s, sbc_json_str(l, "Digest"), keep);
    drop_blob(s, sbc_json_str(img->record, "Manifest"), keep);
    cJSON_Delete(keep);
    drop_blob(s, img->id, NULL); /* the config */
    return 0;
}

/* Untag every name (digest ones too) of the image id. */
static int untag_all(sbc_store *s, const cJSON *tags, const char *id, sbc_image_removal *r, sbc_err *e)
{
    cJSON *names = sbc_store_names_of(tags, id, 1), *it;
    int rc = 0;
    r->untagged = sbc_xcalloc((size_t)cJSON_GetArraySize(names) + 1, sizeof *r->untagged);
    cJSON_ArrayForEach(it, names) {
        if (sbc_store_tag_del(s, it->valuestring, e) < 0)
            rc = -1;
        else
            r->untagged[r->nuntagged++] = sbc_xstrdup(it->valuestring);
    }
    cJSON_Delete(names);
    return rc;
}

int sbc_image_remove(sbc_store *s, const char *name, const sbc_image *img, const char *used_by,
                     int force, sbc_image_removal *r, sbc_err *e)
{
    memset(r, 0, sizeof *r);
    cJSON *tags = sbc_store_tags(s, e);
    if (!tags)
        return -1;
    cJSON *names = sbc_store_names_of(tags, img->id, 0);
    int ntags = cJSON_GetArraySize(names), rc = 0;
    cJSON_Delete(names);
    if (img->ref && ntags > 1) { /* by name, and other names remain: only untag */
        r->untagged = sbc_xcalloc(2, sizeof *r->untagged);
        rc = sbc_store_tag_del(s, img->ref, e);
        if (rc == 0)
            r->untagged[r->nuntagged++] = sbc_xstrdup(img->ref);
    } else if (used_by && !force) {
        rc = sbc_err_set(e, 0, "conflict: unable to remove %s: image is being used by container %.12s",
                         name, used_by);
    } else {
        rc = untag_all(s, tags, img->id, r, e);
        if (rc == 0 && !used_by) {
            rc = delete_image(s, img, e);
            r->deleted = rc == 0;
            if (rc == 0) /* its flattened btrfs subvolume, if any */
                rc = sbc_rootfs_btrfs_drop(s->root, (const char **)img->layer_dirs, img->nlayers, e);
        }
    }
    cJSON_Delete(tags);
    return rc;
}

void sbc_image_removal_free(sbc_image_removal *r)
{
    for (size_t i = 0; i < r->nuntagged; i++)
        free(r->untagged[i]);
    free(r->untagged);
    memset(r, 0, sizeof *r);
}
