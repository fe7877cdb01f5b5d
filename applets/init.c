/* init.c - sbc-init: an image from a directory. */
#include <stdlib.h>

#include "applets.h"
#include "imgopts.h"
#include "base/io.h"

const char init_usage[] =
    "Usage: sbc-init [OPTIONS] DIR [REPOSITORY[:TAG]]\n"
    "\n"
    "Create an image whose single layer is the tree DIR (owners, modes, xattrs,\n"
    "hardlinks kept) and print its ID.  The layer is reproducible: the same tree\n"
    "gives the same layer digest (entries sorted; with --mtime or\n"
    "SOURCE_DATE_EPOCH mtimes are clamped, so the config is reproducible too).\n"
    "\n"
    "Options:\n"
    "  -c, --change list      apply a Dockerfile instruction to the config\n"
    "                         (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME,\n"
    "                         WORKDIR, STOPSIGNAL)\n"
    "  -m, --message string   history comment\n"
    "      --compress string  gzip (default), zstd or none (also gzip:N, zstd:N)\n"
    "      --mtime N          clamp file mtimes to N (seconds since the epoch)\n"
    "  -q, --quiet            print nothing but the ID\n";

int init_main(int argc, char **argv)
{
    enum { O_MTIME = BUILD_O_NEXT };
    static const sbc_option opts[] = {BUILD_OPTIONS, {"mtime", 0, SBC_OPT_ARG, O_MTIME}, {0}};
    build_cli b;
    build_cli_init(&b, argc);
    sbc_opts o;
    int c;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        if (c == O_MTIME) {
            char *end;
            b.to.mtime = strtoll(o.arg, &end, 10);
            if (*end || b.to.mtime < 0)
                sbc_usage_error("--mtime: expected seconds since the epoch, got \"%s\"", o.arg);
        } else {
            build_cli_opt(&b, c, &o);
        }
    }
    sbc_opt_operands(&o, 1, 2);
    sbc_store s;
    int rc = build_cli_begin(&b, &o, 1, &s);
    if (rc)
        return rc;
    sbc_err e = {0};
    sbc_newlayer nl;
    char *by = sbc_xasprintf("sbc-init %s", o.rest[0]);
    rc = sbc_build_layer_dir(&s, o.rest[0], &b.to, &nl, &e);
    rc = build_cli_finish(&b, &s, rc, &nl, NULL, NULL, by, b.message, NULL, &e);
    free(by);
    return rc;
}
