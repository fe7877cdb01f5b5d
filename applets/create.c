/* create.c - sbc-create: create a container without starting it. */
#include <stdio.h>

#include "applets.h"
#include "opt.h"
#include "run.h"
#include "runtime/container.h"
#include "runtime/launch.h"
#include "image/store.h"

const char create_usage[] =
    "Usage: sbc-create [OPTIONS] IMAGE [COMMAND] [ARG...]\n"
    "\n"
    "Create a new container (start it with sbc-start).\n"
    "\n"
    "Options:\n"
    "  -d, --detach            accepted and ignored (a created container is not started)\n"
    RUN_OPTIONS_HELP;

int create_main(int argc, char **argv)
{
    run_cli r;
    sbc_run_parse(argc, argv, &r);
    if (r.attach || !r.sig_proxy) /* (Docker's create takes -a for a later start -a: sbc-start -a attaches all) */
        sbc_usage_error("-a and --sig-proxy are sbc-run's (sbc-start -a attaches the created container)");
    sbc_err e = {0};
    sbc_store st;
    if (sbc_store_open(&st, &e) < 0)
        return sbc_err_print(&e);
    sbc_container c;
    int rc = sbc_run_create(&r, &c, &st, &e);
    sbc_store_close(&st);
    if (rc < 0)
        return sbc_err_print(&e);
    printf("%s\n", c.id);
    sbc_container_free(&c);
    return 0;
}
