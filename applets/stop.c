/* stop.c - sbc-stop: stop signal, then SIGKILL after a grace period. */
#include <stdio.h>
#include <stdlib.h>

#include "applets.h"
#include "runtime/container.h"
#include "runtime/restart.h"
#include "runtime/lifecycle.h"
#include "opt.h"

const char stop_usage[] =
    "Usage: sbc-stop [-t SECONDS] CONTAINER [CONTAINER...]\n"
    "\n"
    "Send the stop signal (the image's StopSignal or --stop-signal, default\n"
    "SIGTERM), then SIGKILL after the grace period (default: the container's\n"
    "--stop-timeout, else 10 s).\n"
    "\n"
    "Options:\n"
    "  -t, --timeout SECONDS  the grace period (fractions allowed; --time is\n"
    "                         Docker's older spelling)\n";

static int stop_one(const char *root, const char *ref, sbc_container *ct, void *arg, sbc_err *e)
{
    (void)root;
    /* a user's stop: no restart policy brings it back (nor ends a back-off) */
    if (sbc_restart_mark_stopped(ct, e) < 0)
        return -1;
    sbc_container_stop(ct, *(double *)arg);
    printf("%s\n", ref);
    return 0;
}

int stop_main(int argc, char **argv)
{
    static const sbc_option opts[] = {{"time", 't', SBC_OPT_ARG, 't'}, {"timeout", 0, SBC_OPT_ARG, 't'}, {0}};
    sbc_opts o;
    int c;
    double secs = -1; /* the container's */
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts)))
        if (c == 't') {
            char *end;
            secs = strtod(o.arg, &end);
            if (*end || secs < 0)
                sbc_usage_error("invalid --time: %s", o.arg);
        }
    sbc_opt_operands(&o, 1, -1);
    return sbc_container_each(o.rest, o.nrest, stop_one, &secs);
}
