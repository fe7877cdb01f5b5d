/* container.c - sbc-container: Docker's management command for containers
 * (prune here; ls runs sbc-ps). */
#include <stdio.h>
#include <string.h>

#include "applets.h"
#include "opt.h"
#include "prunecli.h"
#include "runtime/prune.h"

const char container_usage[] =
    "Usage: sbc-container COMMAND [OPTIONS]\n"
    "\n"
    "Manage containers (the other commands are sbc-run, sbc-ps, sbc-rm, ...).\n"
    "\n"
    "Commands:\n"
    "  prune              remove every stopped container\n"
    "  ls [PS OPTIONS]    list containers (sbc-ps)\n"
    "\n"
    "Options:\n"
    "  -f, --force        prune: do not ask for confirmation\n";

int container_main(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "ls") || !strcmp(argv[1], "list") || !strcmp(argv[1], "ps")))
        return ps_main(argc - 1, argv + 1);
    static const sbc_option opts[] = {{"force", 'f', SBC_OPT_NOARG, 'f'}, {0}};
    int force = 0, c;
    sbc_opts o;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts)))
        if (c == 'f')
            force = sbc_opt_bool(&o);
    sbc_opt_operands(&o, 1, 1);
    if (strcmp(o.rest[0], "prune"))
        sbc_usage_error("unknown command \"%s\" (prune or ls)", o.rest[0]);
    if (!sbc_prune_confirm(force, "all stopped containers"))
        return 0;
    sbc_err e = {0};
    sbc_store s;
    if (sbc_store_open(&s, &e) < 0)
        return sbc_err_print(&e);
    long long freed = 0;
    sbc_prune_report rep = {0};
    int rc = sbc_prune_containers(&s, sbc_prune_print, &rep, &freed, &e) < 0 ? sbc_err_print(&e) : 0;
    sbc_prune_total(freed);
    sbc_store_close(&s);
    return rc;
}
