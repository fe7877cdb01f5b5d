/* buildcache.h - sbc-build's layer cache: an index over the store.
 *
 * Every build step ends as an image in the store (untagged unless it is the
 * tagged result); the cache maps a step's key to the image it made:
 *   build-cache/<keyhex>   "sha256:<image id hex>\n"
 * keyhex: 64 lowercase hex (the builder's sha256 of the parent image ID,
 * the instruction and its args, the sources' digests).  Entries appear by
 * temp + rename, so concurrent builds never see a part of one; a reader
 * takes anything else (garbage, an image since removed) for a miss.
 *
 * An untagged image the cache names is an intermediate image: sbc-images
 * hides it without -a, sbc-image prune leaves it, sbc-system df counts it
 * as Build Cache, sbc-builder prune and sbc-system prune remove it. */
#ifndef SBC_BUILDCACHE_H
#define SBC_BUILDCACHE_H
#include <stddef.h>
#include "base/digest.h"
#include "base/err.h"
#include "image/store.h"

/* 1 and id ("sha256:<hex>") when keyhex has a well-formed entry whose image
 * record exists; else 0 (a bad key, no entry; a stale or garbage entry is
 * removed quietly).  A prune may remove the image after a hit: a lookup of
 * id that fails is a miss too. */
int sbc_bcache_get(sbc_store *s, const char *keyhex, char id[SBC_DIGEST_SIZE]);
/* Record keyhex -> id (an image ID), atomically (build-cache/ made 0700).
 * 0, or -1 + e.  An untagged image is dangling (sbc-image prune takes it)
 * until its entry is there: hold the store lock (sbc_store_lock) from
 * before sbc_build_image until after the put. */
int sbc_bcache_put(sbc_store *s, const char *keyhex, const char *id, sbc_err *e);
/* The distinct image IDs the entries name whose records exist, sorted:
 * malloc'd strings (sbc_names_free).  No cache: none. */
int sbc_bcache_ids(sbc_store *s, char ***ids, size_t *n, sbc_err *e);
/* Remove the entries naming id, or with id NULL every entry: how many went. */
int sbc_bcache_drop(sbc_store *s, const char *id);

/* 1 when id is among ids (n of them, sorted as sbc_bcache_ids gives). */
int sbc_bcache_has(char *const *ids, size_t n, const char *id);

#endif
