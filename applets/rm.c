/* rm.c - sbc-rm: remove containers (and everything recorded as theirs). */
#include <signal.h>
#include <stdio.h>
#include <time.h>

#include "applets.h"
#include "runtime/cgroup.h"
#include "runtime/container.h"
#include "runtime/volume.h"
#include "runtime/lifecycle.h"
#include "base/json.h"
#include "opt.h"

const char rm_usage[] =
    "Usage: sbc-rm [-f] [-v] CONTAINER [CONTAINER...]\n"
    "\n"
    "Remove containers: their cgroup, network, root file system and state.\n"
    "\n"
    "Options:\n"
    "  -f, --force     kill a running container first\n"
    "  -v, --volumes   remove the container's anonymous volumes (named volumes\n"
    "                  and bind mounts stay, as with Docker)\n";

typedef struct rm_cli {
    int force, volumes;
} rm_cli;

static int rm_one(const char *root, const char *ref, sbc_container *ct, void *arg, sbc_err *e)
{
    const rm_cli *r = arg;
    if (sbc_container_refresh(ct) == 1) {
        if (!r->force)
            return sbc_err_set(e, 0, "cannot remove container %s: container is running: stop the container before removing or force remove", ref);
        pid_t pid = ct->state.pid;
        unsigned long long ps = ct->state.pid_start;
        kill(pid, SIGKILL);
        if (*ct->cgroup)
            sbc_cgroup_signal_all(ct->cgroup, SIGKILL);
        sbc_container_thaw(ct); /* (a paused one dies now) */
        for (int t = 0; t < 1000 && sbc_proc_alive(pid, ps); t++) {
            struct timespec ts = {0, 5 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    /* the monitor records the exit under the lock: let it finish first */
    if (sbc_container_settle(ct, SBC_SETTLE_SECS) == 2 && !r->force)
        return sbc_err_set(e, 0, "cannot remove container %s: its monitor is still recording the exit", ref);
    sbc_container_lock(ct, e);
    if (sbc_container_remove(root, ct, e) < 0)
        return -1;
    if (r->volumes)
        sbc_volume_drop_anonymous(root, ct->config);
    printf("%s\n", ref);
    return 0;
}

int rm_main(int argc, char **argv)
{
    static const sbc_option opts[] = {{"force", 'f', SBC_OPT_NOARG, 'f'}, {"volumes", 'v', SBC_OPT_NOARG, 'v'}, {0}};
    sbc_opts o;
    int c;
    rm_cli r = {0};
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts)))
        *(c == 'f' ? &r.force : &r.volumes) = sbc_opt_bool(&o);
    sbc_opt_operands(&o, 1, -1);
    return sbc_container_each(o.rest, o.nrest, rm_one, &r);
}
