/* imgopts.c - the options and the end init, import and commit share (imgopts.h). */
#include "imgopts.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/digest.h"
#include "base/io.h"

void build_cli_init(build_cli *b, int argc)
{
    *b = (build_cli){.changes = sbc_xcalloc((size_t)argc + 1, sizeof *b->changes)};
    sbc_tarw_opts_init(&b->to);
}

int build_cli_opt(build_cli *b, int c, const sbc_opts *o)
{
    switch (c) {
    case BUILD_O_CHANGE: b->changes[b->nchanges++] = (char *)o->arg; return 1;
    case BUILD_O_MSG: b->message = o->arg; return 1;
    case BUILD_O_COMP:
        if ((b->to.compression = sbc_comp_parse(o->arg, &b->to.level)) < 0)
            sbc_usage_error("--compress: expected gzip, zstd or none, got \"%s\"", o->arg);
        b->comp_set = 1;
        return 1;
    case BUILD_O_QUIET: return 1; /* the ID is all they print */
    default: return 0;
    }
}

int build_cli_begin(build_cli *b, const sbc_opts *o, int tag_at, sbc_store *s)
{
    sbc_err e = {0};
    b->tag = o->nrest > tag_at ? o->rest[tag_at] : NULL;
    if ((b->tag && sbc_build_tagname_ok(b->tag, &e) < 0) || sbc_store_open(s, &e) < 0) {
        free(b->changes);
        return sbc_err_print(&e);
    }
    return 0;
}

int build_cli_finish(build_cli *b, sbc_store *s, int rc, const sbc_newlayer *nl, const sbc_image *base,
                     const cJSON *fields, const char *created_by, const char *comment, const char *author,
                     sbc_err *e)
{
    char id[SBC_DIGEST_SIZE];
    if (rc == 0)
        rc = sbc_build_finish(s, base, fields, nl, 1, b->changes, b->nchanges, created_by, comment, author,
                              b->tag, id, e);
    free(b->changes);
    sbc_store_close(s);
    if (rc < 0)
        return sbc_err_print(e);
    printf("%s\n", id);
    return 0;
}
