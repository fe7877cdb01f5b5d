/* start.c - sbc-start: start created or stopped containers. */
#include <stdio.h>

#include "applets.h"
#include "runtime/container.h"
#include "runtime/launch.h"
#include "opt.h"

const char start_usage[] =
    "Usage: sbc-start [-a] [-i] CONTAINER [CONTAINER...]\n"
    "\n"
    "Start one or more containers on their existing root file system.\n"
    "\n"
    "Options:\n"
    "  -a, --attach        attach stdout/stderr and wait; exit with its code\n"
    "  -i, --interactive   attach stdin too\n";

struct start_opts {
    int attach, inter;
};

static int start_one(const char *root, const char *ref, sbc_container *ct, void *arg, sbc_err *e)
{
    const struct start_opts *so = arg;
    int code = 0;
    if (sbc_launch_start(root, ct, !so->attach, so->inter, &code, e) < 0)
        return -1;
    if (so->attach)
        return code;
    printf("%s\n", ref);
    return 0;
}

int start_main(int argc, char **argv)
{
    static const sbc_option opts[] = {
        {"attach", 'a', SBC_OPT_NOARG, 'a'}, {"interactive", 'i', SBC_OPT_NOARG, 'i'}, {0}};
    sbc_opts o;
    int c;
    struct start_opts so = {0, 0};
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts)))
        if (c == 'a')
            so.attach = sbc_opt_bool(&o);
        else if (c == 'i')
            so.inter = sbc_opt_bool(&o);
    sbc_opt_operands(&o, 1, so.attach ? 1 : -1);
    return sbc_container_each(o.rest, o.nrest, start_one, &so);
}
