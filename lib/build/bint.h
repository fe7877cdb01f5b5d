/* bint.h - what builder.c (context, stages, arguments, metadata steps) and
 * bstep.c (the steps that make layers, the cache) share.  Private to
 * lib/build. */
#ifndef SBC_BUILD_BINT_H
#define SBC_BUILD_BINT_H
#include <cjson/cJSON.h>

#include "build/builder.h"
#include "build/dockerfile.h"
#include "build/ignore.h"

/* Build arguments in a scope: names with a value or none (declared only). */
typedef struct bargs {
    char **k, **v; /* v[i] NULL: declared without a value */
    size_t n;
} bargs;

typedef struct bstage {
    char *name;          /* AS name, lower case, or NULL */
    size_t first, end;   /* its instructions [first, end): first is FROM */
    int state;           /* 0 not built, 1 building, 2 built */
    char id[SBC_DIGEST_SIZE];
} bstage;

typedef struct builder {
    sbc_store *s;
    const sbc_build_opts *o;
    sbc_dockerfile *df;
    bstage *stages;
    size_t nstages, target;
    bargs meta;          /* ARGs before the first FROM */
    char *used;          /* build_args[i] was consumed */
    int ctx;             /* the context's root dir fd */
    sbc_ignore *ign;
    char scratch[160];   /* a tmp/ dir of the store to remove at the end, or "" */
    int stepno;          /* the #N of the progress */
    int cached;          /* the step was CACHED (no DONE line then) */
} builder;

/* A stage while it is built. */
typedef struct bstate {
    builder *b;
    bstage *stage;
    cJSON *cfg;                  /* the image config so far */
    char base[SBC_DIGEST_SIZE];  /* the last image made (its layers are the state's), or "" */
    int dirty;                   /* cfg differs from base's */
    char chain[SBC_HEX_SIZE];    /* the cache key so far */
    bargs args;                  /* ARGs in scope */
    int index, count;            /* step i of n, for the progress */
    int nlayers;
    int cmd_set;                 /* a CMD of this stage (ENTRYPOINT keeps it) */
} bstate;

const char *bargs_get(const bargs *a, const char *k, int *declared);
void bargs_set(bargs *a, const char *k, const char *v);
void bargs_free(bargs *a);

/* The lookup of variables for an instruction: Env of the config first
 * (an ENV overrides an ARG), then the ARGs in scope. */
const char *bstate_lookup(const char *name, void *arg);
/* "K=V" of the ARGs in scope that have a value and no ENV of that name
 * (the first *nkey: what the cache key and history see), then the proxy
 * args given; NULL-terminated, free with sbc_names_free. */
char **bstate_run_env(const bstate *st, size_t *n, size_t *nkey);
/* A command as CMD, ENTRYPOINT, HEALTHCHECK CMD and RUN take it: the exec
 * form's strings (from argument from on), or the config's Shell (default
 * /bin/sh -c) and the text. */
cJSON *bstate_command(bstate *st, const sbc_df_instr *in, size_t from);

/* Progress: "#N ..." for the current step number. */
void bnote(builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The key after this step: sha256(chain, parts...) as hex. */
void bkey(const bstate *st, const char *const *parts, size_t n, char out[SBC_HEX_SIZE]);
/* Adopt a cached result: 1 when key names an image (the state becomes
 * it), 0 on a miss. */
int bstate_cached(bstate *st, const char *key);
/* Make sure st->base is an image with st->cfg (writing one when dirty). */
int bstate_image(bstate *st, sbc_err *e);
/* The state becomes the image id (its config loaded), chain = key. */
int bstate_adopt(bstate *st, const char *id, const char *key, sbc_err *e);
/* A history entry for a metadata step (empty_layer). */
void bstate_history(bstate *st, const char *created_by);

/* The steps that make layers (bstep.c). */
int bstep_run(bstate *st, const sbc_df_instr *in, sbc_err *e);
int bstep_copy(bstate *st, const sbc_df_instr *in, sbc_err *e);

/* A stage by name or index (for FROM and COPY --from), built when needed:
 * 1 and id filled when ref names an earlier stage, 0 when it does not. */
int builder_stage_ref(builder *b, size_t before, const char *ref, char id[SBC_DIGEST_SIZE], sbc_err *e);
/* An image by reference: looked up, or pulled when missing or --pull
 * (platform: FROM --platform, or NULL: --platform's or the host's). */
int builder_image(builder *b, const char *ref, const char *platform, char id[SBC_DIGEST_SIZE], sbc_err *e);

#endif
