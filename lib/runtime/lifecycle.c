/* lifecycle.c - stop, pause and unpause of a container (see lifecycle.h). */
#include "runtime/lifecycle.h"

#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "base/io.h"
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
        const cJSON *cc = sbc_json_obj(c->config, "Config"), *st = cJSON_GetObjectItemCaseSensitive(cc, "StopTimeout");
        if (secs < 0)
            secs = !cJSON_IsNumber(st) ? 10 : st->valuedouble < 0 ? 1e9 : st->valuedouble;
        int sig = sbc_signal_from_name(sbc_json_str(cc, "StopSignal"));
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

/* The pid namespace of pid ("pid:[4026...]"), "" when unknown. */
static void pidns_of(pid_t pid, char *ns, size_t n)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/ns/pid", (int)pid);
    ssize_t r = readlink(p, ns, n - 1);
    ns[r > 0 ? r : 0] = 0;
}

int sbc_container_pids(sbc_container *c, pid_t **pids, int *n, sbc_err *e)
{
    *pids = NULL;
    *n = 0;
    if (sbc_container_refresh(c) != 1)
        return sbc_err_set(e, 1, "Container %s is not running", c->id);
    if (*c->cgroup && sbc_cgroup_procs(c->cgroup, pids, n) == 0 && *n > 0)
        return 0;
    free(*pids);
    *pids = NULL;
    *n = 0;
    char want[64], ns[64];
    pidns_of(c->state.pid, want, sizeof want);
    DIR *d = opendir("/proc");
    if (!d || !*want) {
        if (d)
            closedir(d);
        return sbc_err_sys(e, "Container %s: its processes", c->id);
    }
    struct dirent *de;
    int cap = 0;
    while ((de = readdir(d))) {
        pid_t pid = (pid_t)atoi(de->d_name);
        if (pid <= 0)
            continue;
        pidns_of(pid, ns, sizeof ns);
        if (strcmp(ns, want))
            continue;
        if (*n == cap)
            *pids = sbc_xrealloc(*pids, (size_t)(cap = cap ? cap * 2 : 16) * sizeof **pids);
        (*pids)[(*n)++] = pid;
    }
    closedir(d);
    return 0;
}
