/* pull.h - pull an image into the store: manifest (platform chosen),
 * config, then the layers, several at once, each streamed socket -> sha256 ->
 * decompress -> sha256 -> extract; a partly downloaded blob is kept and
 * resumed with Range by the next pull.  The image record and tag are written
 * last, so an interrupted pull leaves no half image. */
#ifndef SBC_PULL_H
#define SBC_PULL_H
#include "base/err.h"
#include "image/store.h"

typedef struct sbc_pull_opts {
    const char *platform; /* "os/arch[/variant]" or NULL for the host's */
    int quiet;            /* no progress output at all */
    int jobs;             /* parallel layer downloads (default 3) */
} sbc_pull_opts;

/* Pull ref into s.  On success full_ref (if not NULL) gets the normalized
 * reference (malloc'd) and id (if not NULL, 72 bytes) the image ID. */
int sbc_pull(sbc_store *s, const char *ref, const sbc_pull_opts *o, char **full_ref,
             char *id, sbc_err *e);

#endif
