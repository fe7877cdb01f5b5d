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
        sbc_usage_error("unknown command \"%s\" (prune)", o.rest[0]);
    if (!sbc_prune_confirm(force, all ? "all build cache" : "all dangling build cache"))
        return 0;
    sbc_err e = {0};
    sbc_store s;
    if (sbc_store_open(&s, &e) < 0)
        return sbc_err_print(&e);
    long long freed = 0;
    sbc_prune_report rep = {0};
    int rc = sbc_prune_build_cache(&s, all, sbc_prune_print, &rep, &freed, &e) < 0 ? sbc_err_print(&e) : 0;
    sbc_prune_total(freed);
    sbc_store_close(&s);
    return rc;
}
