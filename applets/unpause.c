/* unpause.c - sbc-unpause: thaw the processes of paused containers. */
#include <stdio.h>

#include "applets.h"
#include "opt.h"
#include "runtime/container.h"
#include "runtime/lifecycle.h"

const char unpause_usage[] =
    "Usage: sbc-unpause CONTAINER [CONTAINER...]\n"
    "\n"
    "Resume every process of containers that sbc-pause suspended.\n";

static int unpause_one(const char *root, const char *ref, sbc_container *ct, void *arg, sbc_err *e)
{
    (void)root, (void)arg;
    if (sbc_container_pause(ct, 0, e) < 0)
        return -1;
    printf("%s\n", ref);
    return 0;
}

int unpause_main(int argc, char **argv)
{
    sbc_opts o;
    sbc_opt_plain(&o, argc, argv, 1, -1);
    return sbc_container_each(o.rest, o.nrest, unpause_one, NULL);
}
