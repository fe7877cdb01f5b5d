/* kill.c - sbc-kill: send a signal to running containers. */
#include <signal.h>
#include <stdio.h>

#include "applets.h"
#include "lib/container.h"
#include "lib/json.h"
#include "lib/launch.h"
#include "lib/opt.h"
#include "lib/store.h"

const char kill_usage[] =
    "Usage: sbc-kill [-s SIGNAL] CONTAINER [CONTAINER...]\n"
    "\n"
    "Send a signal (default SIGKILL) to the main process of containers.\n";

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
    sbc_err e = {0};
    sbc_store st;
    if (sbc_store_open(&st, &e) < 0)
        return sbc_err_print(&e);
    int rc = 0;
    for (int i = 0; i < o.nrest; i++) {
        sbc_container ct;
        if (sbc_container_open(st.root, o.rest[i], &ct, &e) < 0) {
            rc = sbc_err_print(&e);
            continue;
        }
        if (!sbc_container_refresh(&ct)) {
            sbc_err_set(&e, 0, "cannot kill container: %s: container %s is not running", o.rest[i], ct.id);
            rc = sbc_err_print(&e);
        } else if (kill((pid_t)sbc_json_int(ct.state, "Pid", 0), sig) < 0) {
            sbc_err_sys(&e, "cannot kill container %s", o.rest[i]);
            rc = sbc_err_print(&e);
        } else {
            printf("%s\n", o.rest[i]);
        }
        sbc_container_free(&ct);
    }
    sbc_store_close(&st);
    return rc;
}
