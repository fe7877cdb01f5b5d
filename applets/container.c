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

/* (containers have no -a) */
static int prune_containers(sbc_store *s, int all, sbc_prune_fn fn, void *arg, long long *freed, sbc_err *e)
{
    (void)all;
    return sbc_prune_containers(s, fn, arg, freed, e);
}

int container_main(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "ls") || !strcmp(argv[1], "list") || !strcmp(argv[1], "ps")))
        return ps_main(argc - 1, argv + 1);
    return sbc_prune_cmd(argc, argv, "prune or ls", "all stopped containers", NULL, prune_containers);
}
