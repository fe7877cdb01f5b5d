/* rm.c - sbc-rm: remove containers (and everything recorded as theirs). */
#include <signal.h>
#include <stdio.h>
#include <time.h>

#include "applets.h"
#include "lib/cgroup.h"
#include "lib/container.h"
#include "lib/json.h"
#include "lib/opt.h"
#include "lib/store.h"

const char rm_usage[] =
    "Usage: sbc-rm [-f] CONTAINER [CONTAINER...]\n"
    "\n"
    "Remove containers: their cgroup, network, root file system and state.\n"
    "\n"
    "Options:\n"
    "  -f, --force     kill a running container first\n";

int rm_main(int argc, char **argv)
{
    static const sbc_option opts[] = {{"force", 'f', SBC_OPT_NOARG, 'f'}, {"volumes", 'v', SBC_OPT_NOARG, 'v'}, {0}};
    sbc_opts o;
    int c, force = 0;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts)))
        if (c == 'f')
            force = sbc_opt_bool(&o);
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
        if (sbc_container_refresh(&ct)) {
            if (!force) {
                sbc_err_set(&e, 0, "cannot remove container %s: container is running: stop the container before removing or force remove", o.rest[i]);
                rc = sbc_err_print(&e);
                sbc_container_free(&ct);
                continue;
            }
            pid_t pid = (pid_t)sbc_json_int(ct.state, "Pid", 0);
            unsigned long long ps = (unsigned long long)sbc_json_int(ct.state, "PidStart", 0);
            const char *cg = sbc_json_str(sbc_json_obj(ct.config, "Resources"), "Cgroup");
            kill(pid, SIGKILL);
            if (cg)
                sbc_cgroup_signal_all(cg, SIGKILL);
            for (int t = 0; t < 1000 && sbc_proc_alive(pid, ps); t++) {
                struct timespec ts = {0, 5 * 1000 * 1000};
                nanosleep(&ts, NULL);
            }
        }
        sbc_container_lock(&ct, &e);
        if (sbc_container_remove(st.root, &ct, &e) < 0)
            rc = sbc_err_print(&e);
        else
            printf("%s\n", o.rest[i]);
        sbc_container_free(&ct);
    }
    sbc_store_close(&st);
    return rc;
}
