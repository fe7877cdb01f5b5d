/* store.h - the on-disk image store under $SBC_ROOT (default /var/lib/sbc).
 *
 * Layout (every file appears atomically: temp + fsync + rename):
 *   blobs/sha256/<hex>     manifests, image configs and the compressed layer
 *                          blobs as pulled (kept so save/push hand out the
 *                          original layers), verified by digest
 *   layers/<hex>/          an unpacked layer, by diff ID (shared by images); in
 *                          overlayfs format (whiteouts are 0/0 char devices,
 *                          opaque dirs carry trusted.overlay.opaque=y), so a
 *                          layer dir can be an overlay lowerdir as it is
 *   images/<hex>.json      the image record, by image ID (= config digest);
 *                          written last, so an image exists only when complete
 *   repositories.json      {"docker.io/library/busybox:latest": "sha256:<id>"}
 *   tmp/                   downloads and unpacks in progress (partial blobs kept
 *                          for resume: tmp/blob-<hex>.part)
 *   containers/<id>/       one dir per container (the run issue)
 *   locks/                 flock files: store.lock (tags), layer-<hex>.lock
 *
 * Image record (images/<hex>.json):
 *   {"Id":"sha256:..","Manifest":"sha256:..","ManifestMediaType":"..",
 *    "RepoDigests":["docker.io/library/busybox@sha256:.."],
 *    "Layers":[{"DiffID":"sha256:..","Digest":"sha256:..","Size":N,"MediaType":".."}],
 *    "Size":N (unpacked bytes), "Created":"<config created>", "Pulled":unix-time}
 */
#ifndef SBC_STORE_H
#define SBC_STORE_H
#include <cjson/cJSON.h>
#include "base/err.h"

typedef struct sbc_store {
    char *root;   /* absolute path */
    int fd;       /* O_PATH|O_DIRECTORY fd of root */
    int lockfd;   /* store.lock while held, else -1 */
} sbc_store;

/* Open (and create) the store at sbc_root_dir() ($SBC_ROOT or /var/lib/sbc). */
int sbc_store_open(sbc_store *s, sbc_err *e);
void sbc_store_close(sbc_store *s);
/* Exclusive lock on the store's metadata (tags, image records); blocks. */
int sbc_store_lock(sbc_store *s, sbc_err *e);
void sbc_store_unlock(sbc_store *s);
/* Exclusive lock on one layer (by the diff ID's hex) while it is made;
 * returns the fd to close to release it, or -1. */
int sbc_store_lock_layer(sbc_store *s, const char *hex, sbc_err *e);
/* "<root>/<rel>", malloc'd. */
char *sbc_store_path(const sbc_store *s, const char *rel);

typedef struct sbc_image {
    char id[72];         /* "sha256:<hex>" */
    char *ref;           /* the normalized reference it was found by, or NULL */
    cJSON *record;       /* images/<hex>.json */
    cJSON *config;       /* the image config blob (has "config", "rootfs", ...) */
    int nlayers;
    char **layer_dirs;   /* absolute paths of the layer dirs, bottom first */
} sbc_image;

/* Find an image by reference ("busybox", "host:5000/x:tag", "x@sha256:..")
 * or by ID / unique ID prefix.  Not found: -1 with e->errnum = ENOENT and
 * "No such image: NAME". */
int sbc_image_lookup(sbc_store *s, const char *name, sbc_image *img, sbc_err *e);
void sbc_image_free(sbc_image *img);

/* Tags: normalized "repo:tag" -> image id.  Caller holds the lock for set/del. */
cJSON *sbc_store_tags(sbc_store *s, sbc_err *e);            /* the whole map */
int sbc_store_tag_set(sbc_store *s, const char *ref, const char *id, sbc_err *e);
int sbc_store_tag_del(sbc_store *s, const char *ref, sbc_err *e);

/* Write rec as the record of image id (images/<hex>.json, durable), its
 * "RepoDigests" being the earlier record's (if any) with repo_digest
 * ("repo@sha256:..", may be NULL) added last.  Caller holds the lock. */
int sbc_store_image_put(sbc_store *s, const char *id, cJSON *rec, const char *repo_digest,
                        sbc_err *e);

/* Blobs (small: manifests, configs). */
int sbc_store_blob_put(sbc_store *s, const char *digest, const void *data, size_t len, sbc_err *e);
char *sbc_store_blob_get(sbc_store *s, const char *digest, size_t *len, sbc_err *e);

/* Does layers/<hex> of diff_id ("sha256:..") exist (complete)? */
int sbc_store_has_layer(sbc_store *s, const char *diff_id);

#endif
