/* save.c - sbc-save: images to a Docker or OCI archive. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applets.h"
#include "image/imgarchive.h"
#include "base/io.h"
#include "opt.h"
#include "image/store.h"

const char save_usage[] =
    "Usage: sbc-save [OPTIONS] IMAGE [IMAGE...]\n"
    "\n"
    "Write images as a tar archive to stdout: Docker's format (manifest.json,\n"
    "uncompressed layers, also a valid OCI layout; for `docker load`,\n"
    "`podman load`, skopeo docker-archive:) or an OCI image layout (--format\n"
    "oci; the stored blobs as they are, for skopeo oci-archive:).  Layers keep\n"
    "their digests: sbc-load of the archive gives the same image IDs.\n"
    "\n"
    "Options:\n"
    "  -o, --output string   write to a file instead of stdout\n"
    "      --format string   docker (default) or oci\n";

int save_main(int argc, char **argv)
{
    enum { O_OUT = 'o', O_FMT = 256 };
    static const sbc_option opts[] = {
        {"output", 'o', SBC_OPT_ARG, O_OUT},
        {"format", 0, SBC_OPT_ARG, O_FMT},
        {0},
    };
    const char *outp = NULL;
    int fmt = SBC_ARCHIVE_DOCKER;
    sbc_opts o;
    int c;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        if (c == O_OUT) {
            outp = o.arg;
        } else if (!strcmp(o.arg, "docker") || !strcmp(o.arg, "docker-archive")) {
            fmt = SBC_ARCHIVE_DOCKER;
        } else if (!strcmp(o.arg, "oci") || !strcmp(o.arg, "oci-archive")) {
            fmt = SBC_ARCHIVE_OCI;
        } else {
            sbc_usage_error("--format: expected docker or oci, got \"%s\"", o.arg);
        }
    }
    sbc_opt_operands(&o, 1, -1);
    if (!outp && isatty(1))
        sbc_usage_error("refusing to write an archive to a terminal: use -o FILE or a redirection");
    sbc_err e = {0};
    sbc_store s;
    if (sbc_store_open(&s, &e) < 0)
        return sbc_err_print(&e);
    int fd = 1;
    char *tmp = NULL;
    if (outp) {
        tmp = sbc_xasprintf("%s.sbc-tmp", outp);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
            sbc_err_sys(&e, "%s", outp);
            sbc_store_close(&s);
            free(tmp);
            return sbc_err_print(&e);
        }
    }
    int rc = sbc_save(&s, o.rest, o.nrest, fmt, fd, &e);
    if (outp) {
        if (rc == 0 && (fsync(fd) < 0 || rename(tmp, outp) < 0))
            rc = sbc_err_sys(&e, "%s", outp);
        close(fd);
        if (rc < 0)
            unlink(tmp);
        free(tmp);
    }
    sbc_store_close(&s);
    if (rc < 0)
        return sbc_err_print(&e);
    return 0;
}
