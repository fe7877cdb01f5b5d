/* pull.c - sbc-pull: fetch an image from a registry into the store. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "applets.h"
#include "base/opt.h"
#include "image/pull.h"
#include "image/store.h"

const char pull_usage[] =
    "Usage: sbc-pull [OPTIONS] NAME[:TAG|@DIGEST]\n"
    "\n"
    "Download an image from a registry (Docker Hub by default) into the store\n"
    "($SBC_ROOT, default /var/lib/sbc).  Every manifest, config and layer is\n"
    "verified by sha256; an interrupted pull resumes where it stopped.\n"
    "\n"
    "Options:\n"
    "      --platform string   os/arch[/variant] (default: this host's)\n"
    "  -q, --quiet             print only the full image reference\n"
    "  -j, --jobs N            layers downloaded at once (default 3)\n";

int pull_main(int argc, char **argv)
{
    enum { O_PLATFORM = 256, O_QUIET = 'q', O_JOBS = 'j' };
    static const sbc_option opts[] = {
        {"platform", 0, SBC_OPT_ARG, O_PLATFORM},
        {"quiet", 'q', SBC_OPT_NOARG, O_QUIET},
        {"jobs", 'j', SBC_OPT_ARG, O_JOBS},
        {0},
    };
    sbc_pull_opts po = {0};
    sbc_opts o;
    int c;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        switch (c) {
        case O_PLATFORM: po.platform = o.arg; break;
        case O_QUIET: po.quiet = sbc_opt_bool(&o); break;
        case O_JOBS:
            po.jobs = atoi(o.arg);
            if (po.jobs < 1 || po.jobs > 16)
                sbc_usage_error("--jobs: expected 1..16, got \"%s\"", o.arg);
            break;
        }
    }
    sbc_opt_operands(&o, 1, 1);
    sbc_err e = {0};
    sbc_store s;
    if (sbc_store_open(&s, &e) < 0)
        return sbc_err_print(&e);
    char *full = NULL, id[72];
    int rc = sbc_pull(&s, o.rest[0], &po, &full, id, &e);
    sbc_store_close(&s);
    if (rc < 0)
        return sbc_err_print(&e);
    if (!po.quiet)
        fprintf(stderr, "Image ID: %s\nStatus: Downloaded %s\n", id, full);
    printf("%s\n", full);
    free(full);
    return 0;
}
