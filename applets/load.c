/* load.c - sbc-load: images from a Docker or OCI archive. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applets.h"
#include "base/digest.h"
#include "image/imgarchive.h"
#include "opt.h"
#include "image/store.h"

const char load_usage[] =
    "Usage: sbc-load [OPTIONS]\n"
    "\n"
    "Load images from a tar archive on stdin: Docker's format (docker save,\n"
    "podman save, skopeo docker-archive:, also the pre-OCI layout) or an OCI\n"
    "image layout archive (skopeo oci-archive:), possibly gzip/zstd\n"
    "compressed.  Every layer is checked against its digest and the config's\n"
    "diff IDs before the image appears.  Prints \"Loaded image: NAME\" (or\n"
    "\"Loaded image ID: ID\").\n"
    "\n"
    "Options:\n"
    "  -i, --input string   read from a file instead of stdin\n"
    "  -q, --quiet          print only the names/IDs\n";

int load_main(int argc, char **argv)
{
    enum { O_IN = 'i', O_QUIET = 'q' };
    static const sbc_option opts[] = {
        {"input", 'i', SBC_OPT_ARG, O_IN},
        {"quiet", 'q', SBC_OPT_NOARG, O_QUIET},
        {0},
    };
    const char *inp = NULL;
    int quiet = 0;
    sbc_opts o;
    int c;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        if (c == O_IN)
            inp = o.arg;
        else
            quiet = sbc_opt_bool(&o);
    }
    sbc_opt_operands(&o, 0, 0);
    sbc_err e = {0};
    int fd = 0;
    if (inp) {
        fd = open(inp, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            sbc_err_sys(&e, "%s", inp);
            return sbc_err_print(&e);
        }
    } else if (isatty(0)) {
        sbc_usage_error("refusing to read an archive from a terminal: use -i FILE or a redirection");
    }
    sbc_store s;
    if (sbc_store_open(&s, &e) < 0)
        return sbc_err_print(&e);
    sbc_loaded l;
    int rc = sbc_load(&s, fd, &l, &e);
    sbc_store_close(&s);
    if (rc < 0)
        return sbc_err_print(&e);
    for (int i = 0; i < l.n; i++) {
        if (quiet)
            printf("%s\n", l.names[i]);
        else if (!strncmp(l.names[i], SBC_DIGEST_PREFIX, SBC_DIGEST_PREFIX_LEN))
            printf("Loaded image ID: %s\n", l.names[i]);
        else
            printf("Loaded image: %s\n", l.names[i]);
    }
    sbc_loaded_free(&l);
    return 0;
}
