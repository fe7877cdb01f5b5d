/* import.c - sbc-import: an image from a root filesystem tarball. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applets.h"
#include "imgopts.h"
#include "base/io.h"
#include "image/layer.h"

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
    static const sbc_option opts[] = {BUILD_OPTIONS, {0}};
    build_cli b;
    build_cli_init(&b, argc);
    sbc_opts o;
    int c;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts)))
        build_cli_opt(&b, c, &o);
    sbc_opt_operands(&o, 1, 2);
    const char *src = o.rest[0];
    sbc_store s;
    int rc = build_cli_begin(&b, &o, 1, &s);
    if (rc)
        return rc;
    if (!strcmp(src, "-") && isatty(0))
        sbc_usage_error("refusing to read a tarball from a terminal");
    sbc_err e = {0};
    int fd = strcmp(src, "-") ? open(src, O_RDONLY | O_CLOEXEC) : 0;
    sbc_newlayer nl;
    char *by = sbc_xasprintf("sbc-import %s", src);
    char *comment = b.message   ? sbc_xstrdup(b.message)
                    : strcmp(src, "-") ? sbc_xasprintf("Imported from %s", src)
                                       : sbc_xstrdup("Imported from -");
    if (fd < 0) {
        rc = sbc_err_sys(&e, "open %s", src);
    } else {
        /* a compressed tarball is the layer's blob as it is */
        rc = sbc_build_layer_stream(sbc_read_fd, &fd, &s, b.to.compression, &nl, &e);
        if (rc < 0)
            sbc_err_wrap(&e, "import %s", src);
    }
    rc = build_cli_finish(&b, &s, rc, &nl, NULL, NULL, by, comment, NULL, &e);
    free(by);
    free(comment);
    if (fd > 0)
        close(fd);
    return rc;
}
