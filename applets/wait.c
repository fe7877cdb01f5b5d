/* wait.c - sbc-wait: block until containers stop, print their exit codes. */
#include <stdio.h>
#include <time.h>

#include "applets.h"
#include "lib/container.h"
#include "lib/json.h"
#include "lib/opt.h"
#include "lib/store.h"

const char wait_usage[] =
    "Usage: sbc-wait CONTAINER [CONTAINER...]\n"
    "\n"
    "Block until the containers stop, then print their exit codes.\n";

int wait_main(int argc, char **argv)
{
    static const sbc_option opts[] = {{0}};
    sbc_opts o;
    sbc_opts_init(&o, argc, argv, 1);
    while (sbc_opt_next(&o, opts))
        ;
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
        char id[65];
        snprintf(id, sizeof id, "%s", ct.id);
        long long code = -1;
        for (;;) {
            if (!sbc_container_refresh(&ct)) {
                code = sbc_json_int(ct.state, "ExitCode", 0);
                break;
            }
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
            sbc_container_free(&ct);
            if (sbc_container_load(st.root, id, &ct, &e) < 0) {
                code = -2; /* removed (--rm): the code is gone with it */
                break;
            }
        }
        if (code == -2) {
            sbc_err_set(&e, 0, "No such container: %s", o.rest[i]);
            rc = sbc_err_print(&e);
            continue;
        }
        printf("%lld\n", code);
        sbc_container_free(&ct);
    }
    sbc_store_close(&st);
    return rc;
}
