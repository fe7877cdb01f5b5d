/* wait.c - sbc-wait: block until containers stop, print their exit codes. */
#include <stdio.h>
#include <time.h>

#include "applets.h"
#include "lib/container.h"
#include "lib/json.h"
#include "lib/opt.h"

const char wait_usage[] =
    "Usage: sbc-wait CONTAINER [CONTAINER...]\n"
    "\n"
    "Block until the containers stop, then print their exit codes.\n";

static int wait_one(const char *root, const char *ref, sbc_container *ct, void *arg, sbc_err *e)
{
    char id[65];
    snprintf(id, sizeof id, "%s", ct->id);
    for (;;) {
        if (!sbc_container_refresh(ct)) {
            printf("%lld\n", sbc_json_int(ct->state, "ExitCode", 0));
            return 0;
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        sbc_container_free(ct);
        if (sbc_container_load(root, id, ct, e) < 0) /* removed (--rm): the code is gone with it */
            return sbc_err_set(e, 0, "No such container: %s", ref);
    }
}

int wait_main(int argc, char **argv)
{
    static const sbc_option opts[] = {{0}};
    sbc_opts o;
    sbc_opts_init(&o, argc, argv, 1);
    while (sbc_opt_next(&o, opts))
        ;
    sbc_opt_operands(&o, 1, -1);
    return sbc_container_each(o.rest, o.nrest, wait_one, NULL);
}
