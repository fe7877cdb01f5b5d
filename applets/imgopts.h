/* imgopts.h - what init, import and commit share: the options -c, -m,
 * --compress and -q, the REPOSITORY[:TAG] operand checked before any work,
 * and the end: sbc_build_finish of the new layer, then the image ID. */
#ifndef SBC_APPLET_IMGOPTS_H
#define SBC_APPLET_IMGOPTS_H
#include <cjson/cJSON.h>
#include "base/err.h"
#include "opt.h"
#include "image/imgbuild.h"
#include "image/store.h"

enum { BUILD_O_CHANGE = 'c', BUILD_O_MSG = 'm', BUILD_O_QUIET = 'q', BUILD_O_COMP = 256, BUILD_O_NEXT };
/* The entries of the shared options, for an applet's sbc_option table. */
#define BUILD_OPTIONS                                                                          \
    {"change", 'c', SBC_OPT_ARG, BUILD_O_CHANGE}, {"message", 'm', SBC_OPT_ARG, BUILD_O_MSG}, \
        {"compress", 0, SBC_OPT_ARG, BUILD_O_COMP}, {"quiet", 'q', SBC_OPT_NOARG, BUILD_O_QUIET}

typedef struct build_cli {
    char **changes;      /* -c, in order */
    int nchanges;
    const char *message; /* -m, or NULL */
    int comp_set;        /* --compress was given */
    sbc_tarw_opts to;    /* sbc_tarw_opts_init, then --compress */
    const char *tag;     /* the REPOSITORY[:TAG] operand, or NULL */
} build_cli;

void build_cli_init(build_cli *b, int argc);
/* Take option c when it is one of BUILD_OPTIONS: 1, else 0. */
int build_cli_opt(build_cli *b, int c, const sbc_opts *o);
/* After the operands (the tag is operand tag_at, if given): check the tag,
 * open the store.  0, or the exit code (the error printed). */
int build_cli_begin(build_cli *b, const sbc_opts *o, int tag_at, sbc_store *s);
/* rc: what making the new layer nl returned.  When 0, sbc_build_finish it
 * (base, fields, created_by, comment and author as there); then close the
 * store and print the image ID or the error.  Returns the exit code. */
int build_cli_finish(build_cli *b, sbc_store *s, int rc, const sbc_newlayer *nl, const sbc_image *base,
                     const cJSON *fields, const char *created_by, const char *comment, const char *author,
                     sbc_err *e);

#endif
