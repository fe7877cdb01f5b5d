/* lifecycle.c - stop, pause and unpause of a container (see lifecycle.h). */
#include "runtime/lifecycle.h"

#include <signal.h>
#include <time.h>

#include "base/json.h"
#include "runtime/cgroup.h"
#include "runtime/launch.h"

int sbc_container_paused(const sbc_container *c)
{
    return c->state.status == SBC_CTR_RUNNING && *c->cgroup && sbc_cgroup_frozen(c->cgroup) == 1;
}

int sbc_container_pause(sbc_container *c, int on, sbc_err *e)
{
    if (sbc_container_refresh(c) != 1)
        return sbc_err_set(e, 1, "Container %s is not running", c->id);
    if (!*c->cgroup)
        return sbc_err_set(e, 1, "Container %s has no cgroup: it cannot be %s", c->id, on ? "paused" : "unpaused");
    int paused = sbc_container_paused(c);
    if (on && paused)
        return sbc_err_set(e, 1, "Container %s is already paused", c->id);
    if (!on && !paused)
        return sbc_err_set(e, 1, "Container %s is not paused", c->id);
    if (sbc_cgroup_freeze(c->cgroup, on, e) < 0) {
        e->code = 1;
        return -1;
    }
    return 0;
}

void sbc_container_thaw(sbc_container *c)
{
    sbc_err ig = {0};
    if (*c->cgroup && sbc_cgroup_frozen(c->cgroup) == 1)
        sbc_cgroup_freeze(c->cgroup, 0, &ig);
}

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

void sbc_container_stop(sbc_container *c, double secs)
{
    if (sbc_container_refresh(c) == 1) {
        pid_t pid = c->state.pid;
        unsigned long long ps = c->state.pid_start;
        int sig = sbc_signal_from_name(sbc_json_str(sbc_json_obj(c->config, "Config"), "StopSignal"));
        if (sig <= 0)
            sig = SIGTERM;
        kill(pid, sig);
        sbc_container_thaw(c); /* (a paused one gets it now) */
        if (!wait_gone(pid, ps, secs)) {
            kill(pid, SIGKILL);
            if (*c->cgroup)
                sbc_cgroup_signal_all(c->cgroup, SIGKILL);
            wait_gone(pid, ps, 10);
        }
    }
    /* stopped means recorded: let the monitor write the exit first */
    sbc_container_settle(c, SBC_SETTLE_SECS);
}
