/* wait.c - sbc-wait: block until containers stop, print their exit codes. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "applets.h"
#include "base/digest.h"
#include "runtime/container.h"
#include "base/json.h"
#include "opt.h"

const char wait_usage[] =
    "Usage: sbc-wait CONTAINER [CONTAINER...]\n"
    "\n"
    "Block until the containers stop, then print their exit codes (also of\n"
    "--rm containers, which remove themselves when they exit).\n";

/* The code a --rm container's remover wrote into our FIFO: printed, 1. */
static int fifo_code(int fifo)
{
    char code[16];
    ssize_t n = fifo >= 0 ? read(fifo, code, sizeof code - 1) : -1;
    if (n <= 0)
        return 0;
    code[n] = 0;
    printf("%d\n", atoi(code));
    return 1;
}

static int wait_one(const char *root, const char *ref, sbc_container *ct, void *arg, sbc_err *e)
{
    (void)arg;
    char id[SBC_HEX_SIZE], fifo_path[PATH_MAX];
    snprintf(id, sizeof id, "%s", ct->id);
    /* a --rm container is gone once it exits: its remover tells the code */
    int fifo = -1, rc = 0;
    if (ct->autoremove &&
        (fifo = sbc_wait_fifo(ct, fifo_path, sizeof fifo_path, e)) < 0)
        return e->errnum == ENOENT ? sbc_err_set(e, 0, "No such container: %s", ref) : -1;
    for (;;) {
        if (fifo_code(fifo))
            break;
        /* (a --rm container that is only created yet is about to start:
         * sbc-run makes it, then starts it) */
        int running = sbc_container_refresh(ct);
        if (!running && !(fifo >= 0 && ct->state.status == SBC_CTR_CREATED)) {
            printf("%d\n", ct->state.exit_code);
            break;
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        sbc_container_free(ct);
        if (sbc_container_load(root, id, ct, e) < 0) {
            /* removed: the code came through the FIFO, or nobody told it */
            if (!fifo_code(fifo))
                rc = sbc_err_set(e, 0, "No such container: %s", ref);
            break;
        }
    }
    if (fifo >= 0) {
        close(fifo);
        unlink(fifo_path); /* (gone with the container, usually) */
    }
    return rc;
}

int wait_main(int argc, char **argv)
{
    sbc_opts o;
    sbc_opt_plain(&o, argc, argv, 1, -1);
    return sbc_container_each(o.rest, o.nrest, wait_one, NULL);
}
