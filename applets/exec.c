/* exec.c - sbc-exec: run a command in a running container. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include "applets.h"
#include "lib/container.h"
#include "lib/io.h"
#include "lib/json.h"
#include "lib/monitor.h"
#include "lib/opt.h"
#include "lib/spawn.h"
#include "lib/spec.h"
#include "lib/store.h"

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
    "  -u, --user USER[:GROUP] user and group\n";

int exec_main(int argc, char **argv)
{
    static const sbc_option opts[] = {
        {"interactive", 'i', SBC_OPT_NOARG, 'i'}, {"tty", 't', SBC_OPT_NOARG, 't'},
        {"detach", 'd', SBC_OPT_NOARG, 'd'}, {"env", 'e', SBC_OPT_ARG, 'e'},
        {"workdir", 'w', SBC_OPT_ARG, 'w'}, {"user", 'u', SBC_OPT_ARG, 'u'}, {0}};
    sbc_opts o;
    int c, inter = 0, tty = 0, detach = 0, nenv = 0;
    const char *wd = NULL, *user = NULL;
    const char **env = sbc_xcalloc((size_t)argc + 1, sizeof *env);
    sbc_opts_init(&o, argc, argv, 0);
    while ((c = sbc_opt_next(&o, opts))) {
        switch (c) {
        case 'i': inter = sbc_opt_bool(&o); break;
        case 't': tty = sbc_opt_bool(&o); break;
        case 'd': detach = sbc_opt_bool(&o); break;
        case 'e': env[nenv++] = o.arg; break;
        case 'w': wd = o.arg; break;
        case 'u': user = o.arg; break;
        }
    }
    sbc_opt_operands(&o, 2, -1);
    sbc_err e = {0};
    sbc_store st;
    if (sbc_store_open(&st, &e) < 0)
        return sbc_err_print(&e);
    sbc_container ct;
    if (sbc_container_open(st.root, o.rest[0], &ct, &e) < 0)
        return sbc_err_print(&e);
    if (!sbc_container_refresh(&ct)) {
        sbc_err_set(&e, 0, "container %s is not running", ct.id);
        return sbc_err_print(&e);
    }
    int dfd = open(ct.dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    cJSON *j = dfd >= 0 ? sbc_json_read(dfd, "spec.json", &e) : NULL;
    if (dfd >= 0)
        close(dfd);
    sbc_spec s;
    if (!j || sbc_spec_from_oci(j, &s, &e) < 0)
        return sbc_err_print(&e);
    /* the container's env, then -e (replacing the same key) */
    const char **ne = sbc_xcalloc((size_t)(s.nenv + nenv) + 1, sizeof *ne);
    int n = 0;
    for (int i = 0; i < s.nenv; i++)
        ne[n++] = s.env[i];
    for (int i = 0; i < nenv; i++) {
        const char *kv = env[i];
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
    s.args = (const char **)o.rest + 1;
    s.nargs = o.nrest - 1;
    if (wd)
        s.cwd = wd;
    if (user)
        s.user = user;
    s.terminal = tty;
    s.init = 0;
    s.stdio[0] = inter && !detach ? STDIN_FILENO : -1;
    s.stdio[1] = detach ? -1 : STDOUT_FILENO;
    s.stdio[2] = detach ? -1 : STDERR_FILENO;
    s.hook = NULL;
    sbc_proc p;
    const char *cg = sbc_json_str(sbc_json_obj(ct.config, "Resources"), "Cgroup");
    pid_t target = (pid_t)sbc_json_int(ct.state, "Pid", 0);
    int rc = sbc_spawn_join(target, cg, &s, &p, &e);
    s.args = NULL; /* not ours to free */
    free(ne);
    s.env = NULL;
    if (rc < 0)
        return sbc_err_print(&e);
    int code = 0;
    if (!detach)
        code = sbc_monitor_foreground(p.pid, p.pidfd, p.ptmx, inter);
    sbc_spec_free(&s);
    sbc_container_free(&ct);
    sbc_store_close(&st);
    free(env);
    return code;
}
