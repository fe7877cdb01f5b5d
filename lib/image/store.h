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
#include <stddef.h>
#include <cjson/cJSON.h>
#include "base/digest.h"
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
    char id[SBC_DIGEST_SIZE]; /* "sha256:<hex>" */
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
/* sbc_store_open, then sbc_image_lookup of name; on failure the store is
 * closed again.  The applets that work on one image start with it. */
int sbc_image_open(sbc_store *s, const char *name, sbc_image *img, sbc_err *e);

/* Tags: normalized "repo:tag" -> image id.  Caller holds the lock for set/del. */
cJSON *sbc_store_tags(sbc_store *s, sbc_err *e);            /* the whole map */
int sbc_store_tag_set(sbc_store *s, const char *ref, const char *id, sbc_err *e);
int sbc_store_tag_del(sbc_store *s, const char *ref, sbc_err *e);
/* The names in tags pointing at id, as a JSON array of strings: the
 * "repo:tag" ones, and with digests also the "repo@sha256:.." ones. */
cJSON *sbc_store_names_of(const cJSON *tags, const char *id, int digests);

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

/* The IDs ("sha256:<hex>") of the complete images (those with a record),
 * sorted: a malloc'd array of malloc'd strings (sbc_names_free). */
int sbc_store_image_ids(sbc_store *s, char ***ids, size_t *n, sbc_err *e);
/* The record (images/<hex>.json) of the image id; NULL + e. */
cJSON *sbc_store_record(sbc_store *s, const char *id, sbc_err *e);
/* Write it (atomically; the caller holds the store lock). */
int sbc_store_record_write(sbc_store *s, const char *id, const cJSON *rec, sbc_err *e);

/* sbc-images: one row per name of an image (one row of "<none>" for an
 * image without), newest first, then by repository and tag. */
typedef struct sbc_image_row {
    char *repo;               /* familiar ("busybox", "host:5000/x") or "<none>" */
    char *tag;                /* or "<none>" */
    char id[SBC_DIGEST_SIZE];
    char *digest;             /* the first repo digest's "sha256:..", or "<none>" */
    char *created;            /* the config's RFC 3339 time, or "" */
    long long size;           /* unpacked bytes */
} sbc_image_row;
/* filter: NULL, a repository ("busybox": every tag of it) or "repo:tag";
 * -1 + e when it is no reference. */
int sbc_image_list(sbc_store *s, const char *filter, sbc_image_row **rows, size_t *n, sbc_err *e);
void sbc_image_rows_free(sbc_image_row *rows, size_t n);

/* What sbc_image_remove did, in order: the names it untagged, and whether
 * the image itself is gone. */
typedef struct sbc_image_removal {
    char **untagged;
    size_t nuntagged;
    int deleted;
} sbc_image_removal;
/* sbc-rmi NAME, img being what NAME found.  Found by a name the image has
 * others of: only that name is untagged.  Otherwise every name of it goes
 * and, unless a container uses it (used_by: its ID, else NULL), the image:
 * its record, config, manifest, the layers and blobs no other image needs
 * and its flattened btrfs subvolume.  used_by without force: nothing done,
 * "conflict: unable to remove NAME: image is being used by container WHO";
 * with force: untagged only.  Caller holds the store lock. */
int sbc_image_remove(sbc_store *s, const char *name, const sbc_image *img, const char *used_by,
                     int force, sbc_image_removal *r, sbc_err *e);
void sbc_image_removal_free(sbc_image_removal *r);

#endif
