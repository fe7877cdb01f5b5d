/* export.c - sbc-export: the flattened root of a container or image as a tar. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "applets.h"
#include "image/imgbuild.h"
#include "runtime/commit.h"
#include "base/io.h"
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
    int ofd = 1;
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
    char tmp[128] = "";
    char *tmpabs = NULL;
    const char **dirs = NULL;
    int n = 0;
    if (isc < 0)
        goto out;
    if (isc == 0) {
        if (sbc_image_lookup(&s, o.rest[0], &img, &e) < 0) {
            sbc_err_set(&e, 0, "No such container or image: %s", o.rest[0]);
            goto out;
        }
        dirs = sbc_xcalloc((size_t)img.nlayers + 1, sizeof *dirs);
        for (int i = 0; i < img.nlayers; i++)
            dirs[n++] = img.layer_dirs[i];
    } else if (!strcmp(ct.driver, "overlay")) {
        dirs = sbc_xcalloc((size_t)ct.img.nlayers + 2, sizeof *dirs);
        for (int i = 0; i < ct.img.nlayers; i++)
            dirs[n++] = ct.img.layer_dirs[i];
        struct stat st;
        if (stat(ct.upper, &st) == 0)
            dirs[n++] = ct.upper;
    }
    const char *src;
    if (dirs) {
        sbc_build_tmpname(tmp, sizeof tmp, "export");
        tmpabs = sbc_store_path(&s, tmp);
        if (sbc_layer_flatten(dirs, n, tmpabs, &e) < 0)
            goto out;
        src = tmpabs;
    } else {
        src = ct.rootfs; /* copy / btrfs: the rootfs dir is the whole root */
    }
    if (outp) {
        ofd = open(outp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (ofd < 0) {
            sbc_err_sys(&e, "%s", outp);
            goto out;
        }
    }
    rc = sbc_tarw_dir(src, ofd, &to, NULL, &e);
    if (outp && close(ofd) < 0 && rc == 0)
        rc = sbc_err_sys(&e, "%s", outp);
out:
    if (tmp[0]) {
        sbc_err ign = {0};
        sbc_rm_rf(s.fd, tmp, &ign);
    }
    free(tmpabs);
    free(dirs);
    if (isc > 0)
        sbc_build_ctr_free(&ct);
    sbc_image_free(&img);
    sbc_store_close(&s);
    if (rc < 0)
        return sbc_err_print(&e);
    return 0;
}
