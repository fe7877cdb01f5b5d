/* stop.c - sbc-stop: stop signal, then SIGKILL after a grace period. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "applets.h"
#include "runtime/cgroup.h"
#include "runtime/container.h"
#include "base/json.h"
#include "runtime/launch.h"
#include "runtime/restart.h"
#include "opt.h"

const char stop_usage[] =
    "Usage: sbc-stop [-t SECONDS] CONTAINER [CONTAINER...]\n"
    "\n"
    "Send the stop signal (the image's StopSignal or --stop-signal, default\n"
    "SIGTERM), then SIGKILL after the grace period (default 10 s).\n"
    "\n"
    "Options:\n"
    "  -t, --timeout SECONDS  the grace period (fractions allowed; --time is\n"
    "                         Docker's older spelling)\n";

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wait until the container's pid is gone; 1 when it is, 0 on timeout. */
static int wait_gone(pid_t pid, unsigned long long ps, double secs)
{
    double end = now() + secs;
    while (sbc_proc_alive(pid, ps)) {
        if (now() >= end)
            return 0;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return 1;
}

static int stop_one(const char *root, const char *ref, sbc_container *ct, void *arg, sbc_err *e)
{
    /* a user's stop: no restart policy brings it back (nor ends a back-off) */
    if (sbc_restart_mark_stopped(ct, e) < 0)
        return -1;
    if (sbc_container_refresh(ct) == 1) {
        double secs = *(double *)arg;
        pid_t pid = ct->state.pid;
        unsigned long long ps = ct->state.pid_start;
        int sig = sbc_signal_from_name(sbc_json_str(sbc_json_obj(ct->config, "Config"), "StopSignal"));
        if (sig <= 0)
            sig = SIGTERM;
        kill(pid, sig);
        if (!wait_gone(pid, ps, secs)) {
            kill(pid, SIGKILL);
            if (*ct->cgroup)
                sbc_cgroup_signal_all(ct->cgroup, SIGKILL);
            wait_gone(pid, ps, 10);
        }
    }
    /* stopped means recorded: let the monitor write the exit first */
    sbc_container_settle(ct, SBC_SETTLE_SECS);
    printf("%s\n", ref);
    return 0;
}

int stop_main(int argc, char **argv)
{
    static const sbc_option opts[] = {{"time", 't', SBC_OPT_ARG, 't'}, {"timeout", 0, SBC_OPT_ARG, 't'}, {0}};
    sbc_opts o;
    int c;
    double secs = 10;
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
