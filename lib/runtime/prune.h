/* prune.h - what the store holds and what it can give back: sbc-system df,
 * sbc-system prune, sbc-container prune, sbc-image prune. */
#ifndef SBC_PRUNE_H
#define SBC_PRUNE_H
#include "base/err.h"
#include "image/store.h"

/* One line of `sbc-system df`. */
typedef struct sbc_df_row {
    const char *type;        /* "Images", "Containers", "Local Volumes", "Build Cache" */
    int total, active;
    long long size;          /* bytes on disk (layers counted once) */
    long long reclaimable;   /* what a prune of the unused would free */
    long long shared;        /* images: bytes of layers two images or more use */
} sbc_df_row;

/* The four rows (images, containers, volumes, build cache).  The
 * intermediate images (image/buildcache.h) are the build cache's, not the
 * images': a layer only they use is its size (reclaimable unless a
 * container uses one of them). */
int sbc_df(sbc_store *s, sbc_df_row rows[4], sbc_err *e);

/* Called once per thing removed: its kind ("container", "untagged",
 * "deleted", "volume", "cache": an intermediate image deleted) and its
 * name or ID. */
typedef void (*sbc_prune_fn)(void *arg, const char *kind, const char *what);

/* Remove every container that is not running (created, exited); *freed
 * gets the bytes their upper dirs held. */
int sbc_prune_containers(sbc_store *s, sbc_prune_fn fn, void *arg, long long *freed, sbc_err *e);
/* Remove the images no container uses: the dangling (untagged) ones, or
 * with all every one, never an intermediate one (untagged, named by the
 * build cache, image/buildcache.h); *freed gets the bytes of the layers
 * that went.  Takes the store lock. */
int sbc_prune_images(sbc_store *s, int all, sbc_prune_fn fn, void *arg, long long *freed, sbc_err *e);
/* The build cache: the entries naming the intermediate images no container
 * uses (with all every entry), then those images; *freed as above.  Takes
 * the store lock. */
int sbc_prune_build_cache(sbc_store *s, int all, sbc_prune_fn fn, void *arg, long long *freed, sbc_err *e);

/* Remove the volumes no container names: the anonymous ones, or with all
 * every one; *freed gets their bytes. */
int sbc_prune_volumes(sbc_store *s, int all, sbc_prune_fn fn, void *arg, long long *freed, sbc_err *e);

/* Bytes a tree uses on disk (st_blocks), not following symlinks nor
 * crossing mounts; 0 when it is missing. */
long long sbc_du(int dirfd, const char *path);

/* Docker's SizeRw and SizeRootFs of container c: the bytes of the files
 * (not dirs) of its upper dir (overlay; 0 for the other drivers), and
 * that plus its image's unpacked size. */
struct sbc_container;
void sbc_container_sizes(sbc_store *s, const struct sbc_container *c, long long *rw, long long *virt);

#endif
