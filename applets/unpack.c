/* unpack.c - sbc-unpack: write an image's flattened root filesystem into a
 * directory (rescue use: chroot into a pulled image; tests). */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "applets.h"
#include "base/io.h"
#include "image/layer.h"
#include "opt.h"
#include "image/store.h"

const char unpack_usage[] =
    "Usage: sbc-unpack IMAGE DIR\n"
    "\n"
    "Write the image's root filesystem (all layers applied, whiteouts\n"
    "resolved) into DIR, which must be missing or empty.\n";

static int empty_or_missing(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char **names;
    size_t n;
    if (fd < 0)
        return errno == ENOENT;
    int rc = sbc_dir_names(fd, &names, &n);
    close(fd);
    if (rc < 0)
        return 0;
    sbc_names_free(names, n);
    return n == 0;
}

int unpack_main(int argc, char **argv)
{
    sbc_opts o;
    sbc_opt_plain(&o, argc, argv, 2, 2);
    sbc_err e = {0};
    if (!empty_or_missing(o.rest[1])) {
        sbc_err_set(&e, 0, "%s: directory not empty", o.rest[1]);
        return sbc_err_print(&e);
    }
    sbc_store s;
    sbc_image img;
    if (sbc_image_open(&s, o.rest[0], &img, &e) < 0)
        return sbc_err_print(&e);
    int rc = 0;
    if (sbc_layer_flatten((const char *const *)img.layer_dirs, img.nlayers, o.rest[1], &e) < 0) {
        sbc_err_wrap(&e, "%s", o.rest[0]);
        rc = sbc_err_print(&e);
    }
    sbc_image_free(&img);
    sbc_store_close(&s);
    return rc;
}
