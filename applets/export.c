/* export.c - sbc-export: the flattened root of a container or image as a tar. */
#include <string.h>
#include <unistd.h>

#include "applets.h"
#include "image/imgbuild.h"
#include "runtime/commit.h"
#include "opt.h"
#include "image/store.h"

const char export_usage[] =
    "Usage: sbc-export [OPTIONS] CONTAINER|IMAGE\n"
    "\n"
    "Write the root filesystem of a container (its image with its changes) or\n"
    "of an image, flattened (no whiteouts), as a plain tar to stdout.\n"
    "\n"
    "Options:\n"
    "  -o, --output string   write to a file instead of stdout\n"
    "      --compress string none (default), gzip or zstd\n";

int export_main(int argc, char **argv)
{
    enum { O_OUT = 'o', O_COMP = 256 };
    static const sbc_option opts[] = {
        {"output", 'o', SBC_OPT_ARG, O_OUT},
        {"compress", 0, SBC_OPT_ARG, O_COMP},
        {0},
    };
    const char *outp = NULL;
    sbc_tarw_opts to;
    sbc_tarw_opts_init(&to);
    to.compression = SBC_COMP_NONE;
    to.plain = 1;
    to.mtime = -1;
    sbc_opts o;
    int c;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        if (c == O_OUT)
            outp = o.arg;
        else if ((to.compression = sbc_comp_parse(o.arg, &to.level)) < 0)
            sbc_usage_error("--compress: expected gzip, zstd or none, got \"%s\"", o.arg);
    }
    sbc_opt_operands(&o, 1, 1);
    sbc_err e = {0};
    if (!outp && isatty(1))
        sbc_usage_error("refusing to write a tar to a terminal: use -o FILE or a redirection");
    sbc_store s;
    if (sbc_store_open(&s, &e) < 0)
        return sbc_err_print(&e);
    sbc_build_ctr ct;
    sbc_image img;
    memset(&img, 0, sizeof img);
    int rc = -1, isc = sbc_container_for_commit(&s, o.rest[0], &ct, &e);
    if (isc == 0 && sbc_image_lookup(&s, o.rest[0], &img, &e) < 0)
        sbc_err_set(&e, 0, "No such container or image: %s", o.rest[0]);
    else if (isc >= 0)
        rc = sbc_build_export(&s, isc ? &ct : NULL, &img, outp, &to, &e);
    if (isc > 0)
        sbc_build_ctr_free(&ct);
    sbc_image_free(&img);
    sbc_store_close(&s);
    if (rc < 0)
        return sbc_err_print(&e);
    return 0;
}
