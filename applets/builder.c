/* builder.c - sbc-builder: Docker's management command for the build cache
 * (prune; image/buildcache.h). */
#include <stdio.h>
#include <string.h>

#include "applets.h"
#include "opt.h"
#include "prunecli.h"
#include "runtime/prune.h"

const char builder_usage[] =
    "Usage: sbc-builder COMMAND [OPTIONS]\n"
    "\n"
    "Manage sbc-build's cache: its entries and the intermediate images they\n"
    "name (untagged; sbc-images -a lists them, sbc-system df counts them).\n"
    "\n"
    "Commands:\n"
    "  prune              remove the unused build cache: the intermediate images\n"
    "                     no container uses, the entries naming them and the\n"
    "                     directories of RUN --mount=type=cache\n"
    "\n"
    "Options:\n"
    "  -a, --all          prune: every entry, also those naming tagged images\n"
    "  -f, --force        prune: do not ask for confirmation\n";

int builder_main(int argc, char **argv)
{
    return sbc_prune_cmd(argc, argv, "prune", "all dangling build cache", "all build cache", sbc_prune_build_cache);
}
