/* pause.c - sbc-pause: freeze the processes of containers. */
#include <stdio.h>

#include "applets.h"
#include "opt.h"
#include "runtime/container.h"
#include "runtime/lifecycle.h"

const char pause_usage[] =
    "Usage: sbc-pause CONTAINER [CONTAINER...]\n"
    "\n"
    "Suspend every process of containers: their cgroup is frozen (cgroup v2's\n"
    "cgroup.freeze, else the v1 freezer).  ps shows \"Up ... (Paused)\"; stop,\n"
    "kill and rm -f still work; sbc-unpause resumes them.\n";

static int pause_one(const char *root, const char *ref, sbc_container *ct, void *arg, sbc_err *e)
{
    (void)root, (void)arg;
    if (sbc_container_pause(ct, 1, e) < 0)
        return -1;
    printf("%s\n", ref);
    return 0;
}

int pause_main(int argc, char **argv)
{
    sbc_opts o;
    sbc_opt_plain(&o, argc, argv, 1, -1);
    return sbc_container_each(o.rest, o.nrest, pause_one, NULL);
}
