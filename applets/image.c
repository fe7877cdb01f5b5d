/* image.c - sbc-image: Docker's management command for images (prune here;
 * ls runs sbc-images). */
#include <stdio.h>
#include <string.h>

#include "applets.h"
#include "opt.h"
#include "prunecli.h"
#include "runtime/prune.h"

const char image_usage[] =
    "Usage: sbc-image COMMAND [OPTIONS]\n"
    "\n"
    "Manage images (the other commands are sbc-pull, sbc-images, sbc-rmi, ...).\n"
    "\n"
    "Commands:\n"
    "  prune              remove dangling images (untagged, unused), and with\n"
    "                     -a every image no container uses\n"
    "  ls [IMAGES OPTIONS]  list images (sbc-images)\n"
    "\n"
    "Options:\n"
    "  -a, --all          prune: every unused image, not only dangling ones\n"
    "  -f, --force        prune: do not ask for confirmation\n";

int image_main(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "ls") || !strcmp(argv[1], "list")))
        return images_main(argc - 1, argv + 1);
    return sbc_prune_cmd(argc, argv, "prune or ls", "all dangling images",
                         "all images without at least one container associated to them", sbc_prune_images);
}
