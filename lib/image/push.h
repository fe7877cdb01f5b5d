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
 *
 * The push prints nothing: each blob's news reaches the caller through
 * sbc_push_opts.progress (applets/push.c draws it).
 */
#ifndef SBC_PUSH_H
#define SBC_PUSH_H
#include <stddef.h>

#include "base/digest.h"
#include "base/err.h"
#include "image/store.h"

/* Where one blob is. */
typedef enum sbc_push_state {
    SBC_PUSH_WAITING, /* not reached */
    SBC_PUSH_PUSHING, /* bytes going up (done of total) */
    SBC_PUSH_PUSHED,
    SBC_PUSH_EXISTS,  /* the registry has it: skipped */
    SBC_PUSH_MOUNTED, /* mounted from another repository (from) */
    SBC_PUSH_FAILED,
} sbc_push_state;

/* One blob's news: sent once for every blob when the registry has let us
 * in (all WAITING), then on each change of state and after each chunk. */
typedef struct sbc_push_event {
    const char *repo;     /* "host/path" pushed to */
    int job, njobs;       /* the blob's index (the layers, then the config), and how many */
    const char *digest;   /* its digest */
    sbc_push_state state;
    long long done, total; /* bytes sent, of the blob's size (0 until it is known) */
    const char *from;     /* SBC_PUSH_MOUNTED: the repository ("path") it came from */
} sbc_push_event;

typedef void sbc_push_progress_fn(void *arg, const sbc_push_event *ev);

typedef struct sbc_push_opts {
    long long chunk_size;   /* bytes; 0: default (monolithic up to 32 MiB, then 16 MiB chunks) */
    int force_chunked;      /* chunked even for small blobs */
    sbc_push_progress_fn *progress; /* NULL: no news */
    void *progress_arg;
} sbc_push_opts;

/* What was pushed. */
typedef struct sbc_push_result {
    char *ref;                       /* the full reference (malloc'd) */
    char tag[129];                   /* its tag, or "" when it names a digest */
    char digest[SBC_DIGEST_LEN + 1]; /* the manifest's */
    size_t size;                     /* the manifest's length in bytes */
} sbc_push_result;

/* Push image `name` (a reference or ID in the store) as `dest` (a reference;
 * NULL: the image's own name).  On success res (may be NULL) is filled; free
 * res->ref. */
int sbc_push(sbc_store *s, const char *name, const char *dest, const sbc_push_opts *o,
             sbc_push_result *res, sbc_err *e);

#endif
