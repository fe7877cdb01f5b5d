/* pull.h - pull an image into the store: manifest (platform chosen),
 * config, then the layers, several at once, each streamed socket -> sha256 ->
 * decompress -> sha256 -> extract; a partly downloaded blob is kept and
 * resumed with Range by the next pull.  The image record and tag are written
 * last, so an interrupted pull leaves no half image.
 *
 * The pull prints nothing: how far each layer got reaches the caller through
 * sbc_pull_opts.progress (applets/pull.c draws it). */
#ifndef SBC_PULL_H
#define SBC_PULL_H
#include "base/err.h"
#include "image/store.h"

/* Where one layer is. */
typedef enum sbc_pull_state {
    SBC_PULL_WAITING,     /* not started */
    SBC_PULL_DOWNLOADING, /* bytes arriving (done of total) */
    SBC_PULL_COMPLETE,    /* downloaded, verified, unpacked */
    SBC_PULL_EXISTS,      /* the store had it already */
    SBC_PULL_FAILED,
} sbc_pull_state;

/* One layer's news: sent once for every layer when the layers are known
 * (WAITING, or EXISTS for those in the store), then on each change of state
 * and as bytes arrive. */
typedef struct sbc_pull_event {
    int job, njobs;       /* the layer's index in the manifest, and how many */
    const char *digest;   /* its blob digest */
    sbc_pull_state state;
    long long done;       /* bytes read so far */
    long long total;      /* the manifest's size, or -1 */
} sbc_pull_event;

/* Called from any of the pull's threads, but never two at once (under the
 * pull's lock: it must not call back into the pull). */
typedef void sbc_pull_progress_fn(void *arg, const sbc_pull_event *ev);

typedef struct sbc_pull_opts {
    const char *platform; /* "os/arch[/variant]" or NULL for the host's */
    int jobs;             /* parallel layer downloads (default 3) */
    sbc_pull_progress_fn *progress; /* NULL: no news */
    void *progress_arg;
} sbc_pull_opts;

/* Pull ref into s.  On success full_ref (if not NULL) gets the normalized
 * reference (malloc'd) and id (if not NULL, SBC_DIGEST_SIZE bytes) the image ID. */
int sbc_pull(sbc_store *s, const char *ref, const sbc_pull_opts *o, char **full_ref,
             char *id, sbc_err *e);

#endif
