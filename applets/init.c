/* init.c - sbc-init: an image from a directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets.h"
#include "base/digest.h"
#include "image/imgbuild.h"
#include "base/io.h"
#include "opt.h"
#include "image/store.h"

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
    enum { O_CHANGE = 'c', O_MSG = 'm', O_COMP = 256, O_MTIME, O_QUIET = 'q' };
    static const sbc_option opts[] = {
        {"change", 'c', SBC_OPT_ARG, O_CHANGE},
        {"message", 'm', SBC_OPT_ARG, O_MSG},
        {"compress", 0, SBC_OPT_ARG, O_COMP},
        {"mtime", 0, SBC_OPT_ARG, O_MTIME},
        {"quiet", 'q', SBC_OPT_NOARG, O_QUIET},
        {0},
    };
    sbc_tarw_opts to;
    sbc_tarw_opts_init(&to);
    char **changes = sbc_xcalloc((size_t)argc + 1, sizeof *changes);
    int nch = 0;
    const char *msg = NULL;
    sbc_opts o;
    int c;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        switch (c) {
        case O_CHANGE: changes[nch++] = (char *)o.arg; break;
        case O_MSG: msg = o.arg; break;
        case O_COMP:
            if ((to.compression = sbc_comp_parse(o.arg, &to.level)) < 0)
                sbc_usage_error("--compress: expected gzip, zstd or none, got \"%s\"", o.arg);
            break;
        case O_MTIME: {
            char *end;
            to.mtime = strtoll(o.arg, &end, 10);
            if (*end || to.mtime < 0)
                sbc_usage_error("--mtime: expected seconds since the epoch, got \"%s\"", o.arg);
            break;
        }
        case O_QUIET: break;
        }
    }
    sbc_opt_operands(&o, 1, 2);
    sbc_err te = {0};
    if (o.nrest > 1 && sbc_build_tagname_ok(o.rest[1], &te) < 0) /* before any work */
        return sbc_err_print(&te);
    sbc_err e = {0};
    sbc_store s;
    if (sbc_store_open(&s, &e) < 0)
        return sbc_err_print(&e);
    sbc_newlayer nl;
    char id[SBC_DIGEST_SIZE];
    char *by = sbc_xasprintf("sbc-init %s", o.rest[0]);
    int rc = sbc_build_layer_dir(&s, o.rest[0], &to, &nl, &e);
    if (rc == 0)
        rc = sbc_build_finish(&s, NULL, NULL, &nl, 1, changes, nch, by, msg, NULL,
                              o.nrest > 1 ? o.rest[1] : NULL, id, &e);
    free(by);
    free(changes);
    sbc_store_close(&s);
    if (rc < 0)
        return sbc_err_print(&e);
    printf("%s\n", id);
    return 0;
}
