/* push.h - upload an image to a registry (distribution API v2).
 *
 * The blobs first (config and layers, exactly as stored: the digests of the
 * pulled / built image), each: HEAD (skip what the registry has), else a
 * cross-repository mount (POST ?mount=DIGEST&from=REPO) when an image record
 * says the blob is in another repository of the same registry (its
 * RepoDigests), else an upload: monolithic (POST, then one PUT ?digest=)
 * up to the chunk size, chunked (PATCH with Content-Range, then PUT) above.
 * The manifest (the stored one, byte for byte) last, so a failed push never
 * shows up as the tag.  Afterwards the record's RepoDigests gets
 * REPO@MANIFEST (where the blobs now are, for later mounts).
 */
#ifndef SBC_PUSH_H
#define SBC_PUSH_H
#include "base/err.h"
#include "image/store.h"

typedef struct sbc_push_opts {
    int quiet;              /* no progress */
    long long chunk_size;   /* bytes; 0: default (monolithic up to 32 MiB, then 16 MiB chunks) */
    int force_chunked;      /* chunked even for small blobs */
} sbc_push_opts;

/* Push image `name` (a reference or ID in the store) as `dest` (a reference;
 * NULL: the image's own name).  digest_out (72 bytes, may be NULL) gets
 * the manifest digest. */
int sbc_push(sbc_store *s, const char *name, const char *dest, const sbc_push_opts *o,
             char *digest_out, char **full_ref, sbc_err *e);

#endif
