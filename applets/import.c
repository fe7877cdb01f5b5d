/* import.c - sbc-import: an image from a root filesystem tarball. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applets.h"
#include "base/digest.h"
#include "image/imgbuild.h"
#include "base/io.h"
#include "opt.h"
#include "image/store.h"

const char import_usage[] =
    "Usage: sbc-import [OPTIONS] FILE|- [REPOSITORY[:TAG]]\n"
    "\n"
    "Create an image from a root filesystem tarball (plain tar, gzip or zstd;\n"
    "\"-\" reads stdin), as `docker import`, and print its ID.  The tarball is\n"
    "the layer: a compressed one is kept as it is, a plain one is compressed\n"
    "(--compress).  Entries escaping the root are refused.\n"
    "\n"
    "Options:\n"
    "  -c, --change list      apply a Dockerfile instruction to the config\n"
    "                         (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME,\n"
    "                         WORKDIR, STOPSIGNAL)\n"
    "  -m, --message string   history comment\n"
    "      --compress string  for a plain tar: gzip (default), zstd or none\n"
    "  -q, --quiet            print nothing but the ID\n";

int import_main(int argc, char **argv)
{
    enum { O_CHANGE = 'c', O_MSG = 'm', O_COMP = 256, O_QUIET = 'q' };
    static const sbc_option opts[] = {
        {"change", 'c', SBC_OPT_ARG, O_CHANGE},
        {"message", 'm', SBC_OPT_ARG, O_MSG},
        {"compress", 0, SBC_OPT_ARG, O_COMP},
        {"quiet", 'q', SBC_OPT_NOARG, O_QUIET},
        {0},
    };
    char **changes = sbc_xcalloc((size_t)argc + 1, sizeof *changes);
    int nch = 0, comp = SBC_COMP_GZIP, level;
    const char *msg = NULL;
    sbc_opts o;
    int c;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        switch (c) {
        case O_CHANGE: changes[nch++] = (char *)o.arg; break;
        case O_MSG: msg = o.arg; break;
        case O_COMP:
            if ((comp = sbc_comp_parse(o.arg, &level)) < 0)
                sbc_usage_error("--compress: expected gzip, zstd or none, got \"%s\"", o.arg);
            break;
        case O_QUIET: break;
        }
    }
    sbc_opt_operands(&o, 1, 2);
    sbc_err te = {0};
    if (o.nrest > 1 && sbc_build_tagname_ok(o.rest[1], &te) < 0) /* before any work */
        return sbc_err_print(&te);
    const char *src = o.rest[0];
    sbc_err e = {0};
    int fd = 0;
    if (strcmp(src, "-")) {
        fd = open(src, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            sbc_err_sys(&e, "open %s", src);
            return sbc_err_print(&e);
        }
    } else if (isatty(0)) {
        sbc_usage_error("refusing to read a tarball from a terminal");
    }
    sbc_store s;
    if (sbc_store_open(&s, &e) < 0)
        return sbc_err_print(&e);
    sbc_newlayer nl;
    char id[SBC_DIGEST_SIZE];
    char *by = sbc_xasprintf("sbc-import %s", src);
    const char *comment = msg ? msg : "Imported from -";
    char *cm = NULL;
    if (!msg && strcmp(src, "-"))
        comment = cm = sbc_xasprintf("Imported from %s", src);
    int rc = sbc_build_layer_stream(sbc_read_fd, &fd, &s, comp, &nl, &e);
    if (rc < 0)
        sbc_err_wrap(&e, "import %s", src);
    if (rc == 0)
        rc = sbc_build_finish(&s, NULL, NULL, &nl, 1, changes, nch, by, comment, NULL,
                              o.nrest > 1 ? o.rest[1] : NULL, id, &e);
    free(by);
    free(cm);
    free(changes);
    sbc_store_close(&s);
    if (fd > 0)
        close(fd);
    if (rc < 0)
        return sbc_err_print(&e);
    printf("%s\n", id);
    return 0;
}
