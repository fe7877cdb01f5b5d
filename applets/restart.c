/* restart.c - sbc-restart: stop (as sbc-stop) then start containers. */
#include <stdio.h>
#include <stdlib.h>

#include "applets.h"
#include "opt.h"
#include "runtime/container.h"
#include "runtime/launch.h"
#include "runtime/lifecycle.h"

const char restart_usage[] =
    "Usage: sbc-restart [-t SECONDS] CONTAINER [CONTAINER...]\n"
    "\n"
    "Stop containers as sbc-stop does (a paused one too), then start them\n"
    "again detached; a stopped or created container is just started.\n"
    "\n"
    "Options:\n"
    "  -t, --timeout SECONDS  the grace period before SIGKILL (default: the\n"
    "                         container's --stop-timeout, else 10; --time is\n"
    "                         Docker's older spelling)\n";

static int restart_one(const char *root, const char *ref, sbc_container *ct, void *arg, sbc_err *e)
{
    int code = 0;
    sbc_container_stop(ct, *(double *)arg);
    if (sbc_launch_start(root, ct, 1, 0, &code, e) < 0)
        return -1;
    printf("%s\n", ref);
    return 0;
}

int restart_main(int argc, char **argv)
{
    static const sbc_option opts[] = {{"time", 't', SBC_OPT_ARG, 't'}, {"timeout", 0, SBC_OPT_ARG, 't'}, {0}};
    sbc_opts o;
    double secs = -1; /* the container's */
    sbc_opts_init(&o, argc, argv, 1);
    while (sbc_opt_next(&o, opts)) {
        char *end;
        secs = strtod(o.arg, &end);
        if (*end || secs < 0)
            sbc_usage_error("invalid --time: %s", o.arg);
    }
    sbc_opt_operands(&o, 1, -1);
    return sbc_container_each(o.rest, o.nrest, restart_one, &secs);
}
