/* push.c - sbc-push: upload an image to a registry. */
#include <stdio.h>
#include <stdlib.h>

#include "applets.h"
#include "base/opt.h"
#include "image/push.h"
#include "image/store.h"

const char push_usage[] =
    "Usage: sbc-push [OPTIONS] IMAGE [NAME[:TAG]]\n"
    "\n"
    "Upload an image to a registry, as IMAGE's name or as NAME[:TAG].  The\n"
    "blobs go first, exactly as stored (pulled images keep their digests):\n"
    "those the registry has are skipped, those in another repository of the\n"
    "same registry are mounted from it, the rest uploaded (monolithic, or in\n"
    "chunks above --chunk-size).  The manifest goes last, so a failed push\n"
    "never shows as the tag.  Credentials come from sbc-login.\n"
    "\n"
    "Options:\n"
    "  -q, --quiet             print only the manifest digest\n"
    "      --chunk-size BYTES  upload in chunks of this size (suffix k, M)\n"
    "                          (default: one PUT up to 32M, 16M chunks above)\n";

int push_main(int argc, char **argv)
{
    enum { O_QUIET = 'q', O_CHUNK = 256 };
    static const sbc_option opts[] = {
        {"quiet", 'q', SBC_OPT_NOARG, O_QUIET},
        {"chunk-size", 0, SBC_OPT_ARG, O_CHUNK},
        {0},
    };
    sbc_push_opts po = {0};
    sbc_opts o;
    int c;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        if (c == O_QUIET) {
            po.quiet = sbc_opt_bool(&o);
        } else {
            char *end;
            long long v = strtoll(o.arg, &end, 10);
            if (*end == 'k' || *end == 'K')
                v <<= 10, end++;
            else if (*end == 'M' || *end == 'm')
                v <<= 20, end++;
            if (*end || v < 1)
                sbc_usage_error("--chunk-size: expected a size in bytes, got \"%s\"", o.arg);
            po.chunk_size = v;
            po.force_chunked = 1;
        }
    }
    sbc_opt_operands(&o, 1, 2);
    sbc_err e = {0};
    sbc_store s;
    if (sbc_store_open(&s, &e) < 0)
        return sbc_err_print(&e);
    char dg[72];
    char *full = NULL;
    int rc = sbc_push(&s, o.rest[0], o.nrest > 1 ? o.rest[1] : NULL, &po, dg, &full, &e);
    sbc_store_close(&s);
    if (rc < 0)
        return sbc_err_print(&e);
    if (po.quiet)
        printf("%s\n", dg);
    else
        printf("%s@%s\n", full, dg);
    free(full);
    return 0;
}
