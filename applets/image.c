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
    static const sbc_option opts[] = {{"all", 'a', SBC_OPT_NOARG, 'a'}, {"force", 'f', SBC_OPT_NOARG, 'f'}, {0}};
    int all = 0, force = 0, c;
    sbc_opts o;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        if (c == 'a')
            all = sbc_opt_bool(&o);
        else if (c == 'f')
            force = sbc_opt_bool(&o);
    }
    sbc_opt_operands(&o, 1, 1);
    if (strcmp(o.rest[0], "prune"))
        sbc_usage_error("unknown command \"%s\" (prune or ls)", o.rest[0]);
    if (!sbc_prune_confirm(force, all ? "all images without at least one container associated to them"
                                      : "all dangling images"))
        return 0;
    sbc_err e = {0};
    sbc_store s;
    if (sbc_store_open(&s, &e) < 0)
        return sbc_err_print(&e);
    long long freed = 0;
    sbc_prune_report rep = {0};
    int rc = sbc_prune_images(&s, all, sbc_prune_print, &rep, &freed, &e) < 0 ? sbc_err_print(&e) : 0;
    sbc_prune_total(freed);
    sbc_store_close(&s);
    return rc;
}
