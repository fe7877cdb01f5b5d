/* exec.c - sbc-exec: run a command in a running container. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include "applets.h"
#include "runtime/caps.h"
#include "runtime/container.h"
#include "runtime/health.h"
#include "base/io.h"
#include "base/json.h"
#include "runtime/monitor.h"
#include "opt.h"
#include "runtime/spawn.h"
#include "runtime/spec.h"
#include "runtime/user.h"

const char exec_usage[] =
    "Usage: sbc-exec [OPTIONS] CONTAINER COMMAND [ARG...]\n"
    "\n"
    "Run a command in a running container: every namespace and the cgroup\n"
    "of the container, its root, its environment, the same capabilities.\n"
    "\n"
    "Options:\n"
    "  -i, --interactive       pass stdin\n"
    "  -t, --tty               allocate a pseudo-terminal\n"
    "  -d, --detach            run in the background\n"
    "  -e, --env KEY=VALUE     set an environment variable\n"
    "  -w, --workdir DIR       working directory\n"
    "  -u, --user USER[:GROUP] user and group\n"
    "      --privileged        every capability for the command (the container's\n"
    "                          seccomp filter and devices stay)\n";

struct exec_opts {
    int inter, tty, detach, nenv, nargs, privileged;
    const char *wd, *user, **env;
    char **args; /* COMMAND [ARG...] */
};

static int exec_one(const char *root, const char *ref, sbc_container *ct, void *arg, sbc_err *e)
{
    const struct exec_opts *x = arg;
    if (sbc_container_refresh(ct) != 1)
        return sbc_err_set(e, 0, "container %s is not running", ct->id);
    cJSON *j = sbc_json_read_in(ct->dir, "spec.json", e);
    sbc_spec s;
    if (!j || sbc_spec_from_oci(j, &s, e) < 0)
        return -1;
    /* the container's env, then -e (replacing the same key) */
    const char **ne = sbc_xcalloc((size_t)(s.nenv + x->nenv) + 1, sizeof *ne);
    int n = 0;
    for (int i = 0; i < s.nenv; i++)
        ne[n++] = s.env[i];
    for (int i = 0; i < x->nenv; i++) {
        const char *kv = x->env[i];
        char *tmp = NULL;
        if (!strchr(kv, '=')) {
            if (!getenv(kv))
                continue;
            kv = tmp = sbc_xasprintf("%s=%s", kv, getenv(kv));
        }
        size_t kl = strcspn(kv, "=");
        int k;
        for (k = 0; k < n; k++)
            if (!strncmp(ne[k], kv, kl) && ne[k][kl] == '=')
                break;
        ne[k] = kv;
        if (k == n)
            n++;
    }
    s.env = ne;
    s.nenv = n;
    s.args = (const char **)x->args;
    s.nargs = x->nargs;
    if (x->wd)
        s.cwd = x->wd;
    if (x->user)
        s.user = x->user;
    s.terminal = x->tty;
    s.init = 0;
    if (x->privileged)
        s.caps = s.caps_eff = s.caps_prm = sbc_caps_all();
    s.stdio[0] = x->inter && !x->detach ? STDIN_FILENO : -1;
    s.stdio[1] = x->detach ? -1 : STDOUT_FILENO;
    s.stdio[2] = x->detach ? -1 : STDERR_FILENO;
    s.hook = NULL;
    sbc_proc p;
    int rc = sbc_spawn_join(ct->state.pid, *ct->cgroup ? ct->cgroup : NULL, &s, &p, e);
    s.args = NULL; /* not ours to free */
    free(ne);
    s.env = NULL;
    if (rc < 0)
        return -1;
    int code = 0;
    if (!x->detach)
        code = sbc_monitor_foreground(p.pid, p.pidfd, &(sbc_fg_io){p.ptmx, -1, -1, -1, 6, x->inter, 0}, NULL);
    sbc_spec_free(&s);
    return code;
}

int exec_main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--sbc-health")) /* a health check (runtime/health.h) */
        return sbc_health_probe_main(argc - 2, argv + 2);
    static const sbc_option opts[] = {
        {"interactive", 'i', SBC_OPT_NOARG, 'i'}, {"tty", 't', SBC_OPT_NOARG, 't'},
        {"detach", 'd', SBC_OPT_NOARG, 'd'}, {"env", 'e', SBC_OPT_ARG, 'e'},
        {"workdir", 'w', SBC_OPT_ARG, 'w'}, {"user", 'u', SBC_OPT_ARG, 'u'},
        {"privileged", 0, SBC_OPT_NOARG, 'P'}, {0}};
    sbc_opts o;
    int c;
    struct exec_opts x = {.env = sbc_xcalloc((size_t)argc + 1, sizeof *x.env)};
    sbc_opts_init(&o, argc, argv, 0);
    while ((c = sbc_opt_next(&o, opts))) {
        switch (c) {
        case 'i': x.inter = sbc_opt_bool(&o); break;
        case 't': x.tty = sbc_opt_bool(&o); break;
        case 'd': x.detach = sbc_opt_bool(&o); break;
        case 'e': x.env[x.nenv++] = o.arg; break;
        case 'w': x.wd = o.arg; break;
        case 'u': x.user = o.arg; break;
        case 'P': x.privileged = sbc_opt_bool(&o); break;
        }
    }
    sbc_opt_operands(&o, 2, -1);
    sbc_err e = {0};
    if (x.user && *x.user && sbc_user_check(x.user, "user", &e) < 0) {
        e.code = SBC_EXIT_NOEXEC; /* as docker exec: a process that cannot start */
        free(x.env);
        return sbc_err_print(&e);
    }
    x.args = o.rest + 1;
    x.nargs = o.nrest - 1;
    int code = sbc_container_each(o.rest, 1, exec_one, &x);
    free(x.env);
    return code;
}
