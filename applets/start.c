/* start.c - sbc-start: start created or stopped containers. */
#include <stdio.h>

#include "applets.h"
#include "runtime/container.h"
#include "runtime/launch.h"
#include "runtime/restart.h"
#include "base/config.h"
#include "base/json.h"
#include <stdlib.h>
#include "opt.h"

const char start_usage[] =
    "Usage: sbc-start [-a] [-i] CONTAINER [CONTAINER...]\n"
    "\n"
    "Start one or more containers on their existing root file system.\n"
    "\n"
    "Options:\n"
    "  -a, --attach        attach stdout/stderr and wait; exit with its code\n"
    "  -i, --interactive   attach stdin too\n"
    "      --all-restart   (no CONTAINER) start every stopped container its\n"
    "                      restart policy brings back after a reboot: always,\n"
    "                      unless-stopped ones no user stopped, on-failure ones\n"
    "                      that failed; the one line for boot (systemd:\n"
    "                      ExecStart=/usr/local/bin/sbc start --all-restart in a\n"
    "                      Type=oneshot unit after network-online.target; an init\n"
    "                      script or rc.local: sbc start --all-restart)\n";

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

/* --all-restart: the containers whose policy wants them up after a boot. */
static int all_restart(void)
{
    sbc_err e = {0};
    sbc_container *cs = NULL;
    int n = 0, rc = 0;
    sbc_container_sweep(sbc_root_dir());
    if (sbc_container_list_all(sbc_root_dir(), 1, NULL, &cs, &n, &e) < 0)
        return sbc_err_print(&e);
    char **refs = sbc_xcalloc((size_t)n + 1, sizeof *refs);
    int k = 0;
    for (int i = 0; i < n; i++) {
        int pol, max;
        const cJSON *rp = sbc_json_obj(sbc_json_obj(cs[i].config, "HostConfig"), "RestartPolicy");
        if (sbc_container_refresh(&cs[i]) != 0 || sbc_restart_parse(sbc_json_str(rp, "Name"), &pol, &max) < 0)
            continue;
        max = (int)sbc_json_int(rp, "MaximumRetryCount", 0);
        if (cs[i].state.status != SBC_CTR_CREATED &&
            sbc_restart_due(pol, max, cs[i].state.exit_code, &cs[i].state, 1))
            refs[k++] = sbc_xstrdup(cs[i].id);
    }
    sbc_containers_free(cs, n);
    struct start_opts so = {0, 0};
    if (k)
        rc = sbc_container_each(refs, k, start_one, &so);
    for (int i = 0; i < k; i++)
        free(refs[i]);
    free(refs);
    return rc;
}

int start_main(int argc, char **argv)
{
    enum { O_ALLRESTART = 256 };
    static const sbc_option opts[] = {{"attach", 'a', SBC_OPT_NOARG, 'a'},
                                      {"interactive", 'i', SBC_OPT_NOARG, 'i'},
                                      {"all-restart", 0, SBC_OPT_NOARG, O_ALLRESTART},
                                      {0}};
    sbc_opts o;
    int c, all = 0;
    struct start_opts so = {0, 0};
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts)))
        if (c == 'a')
            so.attach = sbc_opt_bool(&o);
        else if (c == 'i')
            so.inter = sbc_opt_bool(&o);
        else if (c == O_ALLRESTART)
            all = sbc_opt_bool(&o);
    if (all) {
        sbc_opt_operands(&o, 0, 0);
        return all_restart();
    }
    sbc_opt_operands(&o, 1, so.attach ? 1 : -1);
    return sbc_container_each(o.rest, o.nrest, start_one, &so);
}
