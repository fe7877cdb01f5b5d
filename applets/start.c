/* start.c - sbc-start: start created or stopped containers. */
#include <stdio.h>

#include "applets.h"
#include "lib/container.h"
#include "lib/launch.h"
#include "lib/opt.h"
#include "lib/store.h"

const char start_usage[] =
    "Usage: sbc-start [-a] [-i] CONTAINER [CONTAINER...]\n"
    "\n"
    "Start one or more containers on their existing root file system.\n"
    "\n"
    "Options:\n"
    "  -a, --attach        attach stdout/stderr and wait; exit with its code\n"
    "  -i, --interactive   attach stdin too\n";

int start_main(int argc, char **argv)
{
    static const sbc_option opts[] = {
        {"attach", 'a', SBC_OPT_NOARG, 'a'}, {"interactive", 'i', SBC_OPT_NOARG, 'i'}, {0}};
    sbc_opts o;
    int c, attach = 0, inter = 0;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts)))
        if (c == 'a')
            attach = sbc_opt_bool(&o);
        else if (c == 'i')
            inter = sbc_opt_bool(&o);
    sbc_opt_operands(&o, 1, attach ? 1 : -1);
    sbc_err e = {0};
    sbc_store st;
    if (sbc_store_open(&st, &e) < 0)
        return sbc_err_print(&e);
    int rc = 0;
    for (int i = 0; i < o.nrest; i++) {
        sbc_container ct;
        int code = 0;
        if (sbc_container_open(st.root, o.rest[i], &ct, &e) < 0 ||
            sbc_launch_start(st.root, &ct, !attach, inter, &code, &e) < 0) {
            rc = sbc_err_print(&e);
            if (ct.dir)
                sbc_container_free(&ct);
            continue;
        }
        if (attach)
            rc = code;
        else
            printf("%s\n", o.rest[i]);
        sbc_container_free(&ct);
    }
    sbc_store_close(&st);
    return rc;
}
