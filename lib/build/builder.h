/* builder.h - sbc-build: an image from a Dockerfile and a context.
 *
 * Like Docker's classic builder, every step that changes files ends as an
 * untagged intermediate image of the store (the layer cache, indexed by
 * image/buildcache.h): RUN runs in a container of the engine (same
 * security defaults) made from the image so far, COPY/ADD write into a
 * created container's root (build/copy.h), and each one's changes become a
 * layer through the commit path.  Metadata instructions only change the
 * config and add a history entry with empty_layer.  A step's cache key is
 * the sha256 of the key before it (an image ID after FROM), the
 * instruction as expanded, the build args it sees and, for COPY/ADD, the
 * content digest of its sources.  Only the stages the target needs (FROM
 * and COPY --from) are built.  SOURCE_DATE_EPOCH fixes created times and
 * layer mtimes, so a context builds to the same image ID again.
 */
#ifndef SBC_BUILD_BUILDER_H
#define SBC_BUILD_BUILDER_H
#include "base/digest.h"
#include "base/err.h"
#include "image/store.h"

/* One line of progress, Docker's --progress plain ("#3 [2/5] RUN make",
 * "#3 CACHED", "#3 DONE 1.2s"), without the newline. */
typedef void sbc_build_note_fn(void *arg, const char *line);

typedef struct sbc_build_opts {
    const char *context;     /* a directory, "-" (a tar, or a Dockerfile, on stdin) or a tarball */
    const char *dockerfile;  /* -f (a dir context: relative to the cwd; else in the context); NULL: Dockerfile */
    const char *const *build_args; /* "K=V", or "K" (its value from the environment) */
    int nbuild_args;
    const char *const *labels;     /* "K=V", set on the final image */
    int nlabels;
    const char *const *tags;       /* -t, as given (checked by sbc_build_tagname_ok) */
    int ntags;
    const char *target;      /* --target, or NULL: the last stage */
    const char *network;     /* RUN's network: bridge (NULL), none, host */
    const char *platform;    /* --platform for FROM's pulls, or NULL */
    int no_cache, pull;
    int compression, level;  /* the new layers' blobs: SBC_COMP_* and level (0: default) */
    int run_fd;              /* where RUN's stdout and stderr go */
    sbc_build_note_fn *note; /* progress (NULL: none) */
    void *note_arg;
} sbc_build_opts;

/* Set (by the applet's signal handler) to stop the build before its next
 * step; a RUN under way gets the signal itself and fails.  Either way
 * the step's container is removed. */
#include <signal.h>
extern volatile sig_atomic_t sbc_build_stop;

/* Build; id gets the final image's ID.  Errors name the Dockerfile line
 * ("Dockerfile:7: RUN exit 3: exit code 3"); the tags are set only at
 * the end of a build that succeeded. */
int sbc_build_dockerfile(sbc_store *s, const sbc_build_opts *o, char id[SBC_DIGEST_SIZE], sbc_err *e);

#endif
