/* kill.c - sbc-kill: send a signal to running containers. */
#include <signal.h>
#include <stdio.h>

#include "applets.h"
#include "runtime/container.h"
#include "base/json.h"
#include "runtime/launch.h"
#include "runtime/restart.h"
#include "runtime/lifecycle.h"
#include "opt.h"

const char kill_usage[] =
    "Usage: sbc-kill [-s SIGNAL] CONTAINER [CONTAINER...]\n"
    "\n"
    "Send a signal (default SIGKILL) to the main process of containers.\n"
    "\n"
    "Options:\n"
    "  -s, --signal SIGNAL  the signal: a name (KILL, SIGHUP) or a number\n";

static int kill_one(const char *root, const char *ref, sbc_container *ct, void *arg, sbc_err *e)
{
    if (sbc_container_refresh(ct) != 1)
        return sbc_err_set(e, 0, "cannot kill container: %s: container %s is not running", ref, ct->id);
    /* a user's kill to end it: no restart policy brings it back */
    int sig = *(int *)arg;
    if ((sig == SIGKILL || sig == SIGTERM) && sbc_restart_mark_stopped(ct, e) < 0)
        return -1;
    if (kill(ct->state.pid, sig) < 0)
        return sbc_err_sys(e, "cannot kill container %s", ref);
    if (*(int *)arg == SIGKILL)
        sbc_container_thaw(ct); /* (a paused one dies now; v1's freezer holds even SIGKILL) */
    printf("%s\n", ref);
    return 0;
}

int kill_main(int argc, char **argv)
{
    static const sbc_option opts[] = {{"signal", 's', SBC_OPT_ARG, 's'}, {0}};
    sbc_opts o;
    int c, sig = SIGKILL;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts)))
        if (c == 's' && (sig = sbc_signal_from_name(o.arg)) < 0)
            sbc_usage_error("invalid signal: %s", o.arg);
    sbc_opt_operands(&o, 1, -1);
    return sbc_container_each(o.rest, o.nrest, kill_one, &sig);
}
