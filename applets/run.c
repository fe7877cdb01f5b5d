/* run.c - sbc-run: create a container from an image and start it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "applets.h"
#include "base/digest.h"
#include "base/time.h"
#include "run.h"
#include "runtime/cgroup.h"
#include "runtime/container.h"
#include "base/io.h"
#include "runtime/launch.h"
#include "runtime/restart.h"
#include "opt.h"
#include "image/pull.h"
#include "image/rootfs.h"
#include "image/store.h"
#include "runtime/procattr.h"
#include "runtime/seccomp.h"
#include "runtime/volume.h"

const char run_usage[] =
    "Usage: sbc-run [OPTIONS] IMAGE [COMMAND] [ARG...]\n"
    "\n"
    "Create and run a new container from an image.\n"
    "\n"
    "Options:\n"
    "  -d, --detach            run in the background, print the container ID\n"
    RUN_OPTIONS_HELP;

enum {
    O_DETACH = 'd', O_INTER = 'i', O_TTY = 't', O_ENV = 'e', O_WORKDIR = 'w', O_USER = 'u',
    O_HOST = 'h', O_VOL = 'v', O_MEM = 'm',
    O_RM = 256, O_NAME, O_ENVFILE, O_ENTRY, O_TMPFS, O_RO, O_CPUS, O_PIDS, O_NET, O_INIT,
    O_CIDFILE, O_STOPSIG, O_PULL, O_IP, O_DNS, O_DNSSEARCH, O_DNSOPT, O_ADDHOST, O_GROUPADD,
    O_PRIV, O_CAPADD, O_CAPDROP, O_SECOPT, O_DEVICE, O_SYSCTL, O_USERNS, O_RESTART,
    O_NETALIAS, O_MOUNT, O_ULIMIT, O_SHM, O_SIGPROXY, O_EXPOSE, O_STOPTIME, O_CGNS, O_PIDNS,
    O_IPCNS, O_UTSNS,
    O_LABEL = 'l', O_LABELFILE = 400, O_ATTACH = 'a',
    O_PUB = 'p', O_PUBALL = 'P',
    O_HEALTH = 320, O_HEALTH_END = O_HEALTH + 6, /* health_opt's */
};

static void add(const char ***v, int *n, const char *s)
{
    *v = sbc_xrealloc(*v, (size_t)(*n + 1) * sizeof **v);
    (*v)[(*n)++] = s;
}

/* -v /HOST:/CONTAINER[:ro|rw], NAME:/CONTAINER[:ro|rw] (a named volume) or
 * /CONTAINER (an anonymous one); dst points into src's allocation */
static int bind_parse(const char *spec, sbc_bind *b, sbc_err *e)
{
    char *src = sbc_xstrdup(spec), *dst = strchr(src, ':'), *mode = NULL;
    if (dst) {
        *dst++ = 0;
        mode = strchr(dst, ':');
        if (mode)
            *mode++ = 0;
    }
    int vol = *src != '/', anon = !dst && *src == '/';
    if ((!dst && !anon) || (vol && !sbc_volume_name_ok(src)) || (dst && *dst != '/') ||
        (mode && strcmp(mode, "ro") && strcmp(mode, "rw"))) {
        free(src);
        return sbc_err_set(e, 0, "invalid volume specification: '%s' (want /HOST:/CONTAINER[:ro], NAME:/CONTAINER[:ro] "
                           "with NAME [a-zA-Z0-9][a-zA-Z0-9_.-]*, or /CONTAINER)", spec);
    }
    *b = (sbc_bind){.spec = spec, .src = src, .dst = anon ? src : dst, .ro = mode && !strcmp(mode, "ro"),
                    .volume = vol ? src : NULL, .anon = anon};
    return 0;
}

/* --mount type=bind|volume|tmpfs,source=,target=[,readonly][,volume-nocopy]
 * [,tmpfs-size=][,tmpfs-mode=] (Docker's keys; src, dst, destination, ro
 * too).  Into a bind or a tmpfs of o. */
static int mount_parse(const char *spec, sbc_create_opts *o, sbc_err *e)
{
    char *s = sbc_xstrdup(spec), *tok, *save = NULL, *type = NULL, *src = NULL, *dst = NULL;
    int ro = 0, nocopy = 0;
    sbc_buf tm = {0};
    for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *v = strchr(tok, '=');
        if (v)
            *v++ = 0;
        int yes = !v || !strcmp(v, "true") || !strcmp(v, "1");
        if (!strcmp(tok, "type") && v)
            type = v;
        else if ((!strcmp(tok, "source") || !strcmp(tok, "src")) && v)
            src = v;
        else if ((!strcmp(tok, "target") || !strcmp(tok, "dst") || !strcmp(tok, "destination")) && v)
            dst = v;
        else if (!strcmp(tok, "readonly") || !strcmp(tok, "ro"))
            ro = yes;
        else if (!strcmp(tok, "volume-nocopy"))
            nocopy = yes;
        else if ((!strcmp(tok, "tmpfs-size") || !strcmp(tok, "tmpfs-mode")) && v && *v && !strpbrk(v, ",:"))
            sbc_buf_printf(&tm, "%s%s=%s", tm.data ? "," : "", tok + 6, v);
        else {
            sbc_err_set(e, 0, "invalid --mount '%s': unknown or malformed key '%s'", spec, tok);
            goto bad;
        }
    }
    const char *t = type ? type : "volume";
    if (!dst || *dst != '/' || (strcmp(t, "bind") && strcmp(t, "volume") && strcmp(t, "tmpfs"))) {
        sbc_err_set(e, 0, "invalid --mount '%s': want type=bind|volume|tmpfs and an absolute target", spec);
        goto bad;
    }
    if (!strcmp(t, "tmpfs")) {
        if (src || ro || nocopy)
            goto badkey;
        o->tmpfs = sbc_xrealloc(o->tmpfs, (size_t)(o->ntmpfs + 1) * sizeof *o->tmpfs);
        o->tmpfs[o->ntmpfs++] = (sbc_tmpfs){.spec = spec, .dst = dst, .opts = tm.data ? tm.data : ""};
        return 0;
    }
    if (tm.data || (!strcmp(t, "bind") && (nocopy || !src || *src != '/')) ||
        (!strcmp(t, "volume") && src && *src && !sbc_volume_name_ok(src)))
        goto badkey;
    if (!strcmp(t, "bind") && access(src, F_OK) < 0) {
        sbc_err_set(e, 0, "invalid --mount '%s': bind source path does not exist: %s", spec, src);
        goto bad;
    }
    o->binds = sbc_xrealloc(o->binds, (size_t)(o->nbinds + 1) * sizeof *o->binds);
    int vol = !strcmp(t, "volume"), anon = vol && (!src || !*src);
    o->binds[o->nbinds++] = (sbc_bind){.spec = spec, .src = src, .dst = dst, .ro = ro,
                                       .volume = vol && !anon ? src : NULL, .anon = anon, .nocopy = nocopy};
    return 0;
badkey:
    sbc_err_set(e, 0, "invalid --mount '%s': type=%s takes %s", spec, t,
                !strcmp(t, "tmpfs") ? "target, tmpfs-size and tmpfs-mode" : !strcmp(t, "bind") ?
                "an absolute source, target and readonly" : "source NAME ([a-zA-Z0-9][a-zA-Z0-9_.-]*), target, readonly and volume-nocopy");
bad:
    sbc_buf_free(&tm);
    free(s);
    return -1;
}

/* --security-opt no-new-privileges[=true|false] | seccomp=unconfined|FILE
 * (Docker also spells the separator ':'); the profile file is read here. */
static int secopt_parse(const char *s, sbc_create_opts *o, sbc_err *e)
{
    size_t kl = strcspn(s, "=:");
    const char *v = s[kl] ? s + kl + 1 : NULL;
    if (kl == 17 && !strncmp(s, "no-new-privileges", 17)) {
        if (!v || !strcmp(v, "true"))
            o->no_new_privs = 1;
        else if (!strcmp(v, "false"))
            o->no_new_privs = 0;
        else
            return sbc_err_set(e, 0, "invalid --security-opt: %s (no-new-privileges takes true or false)", s);
        return 0;
    }
    if (kl == 7 && !strncmp(s, "seccomp", 7) && v && *v) {
        o->seccomp_unconfined = !strcmp(v, "unconfined");
        o->seccomp_json = NULL;
        if (o->seccomp_unconfined)
            return 0;
        char *j = sbc_read_file(AT_FDCWD, v, SBC_SECCOMP_MAX_JSON, NULL, e);
        if (!j) {
            sbc_err_wrap(e, "--security-opt seccomp");
            return -1;
        }
        o->seccomp_json = j; /* the applet's, until it exits */
        return 0;
    }
    return sbc_err_set(e, 0, "invalid --security-opt: %s (no-new-privileges[=true|false] or seccomp=unconfined|PROFILE.json)", s);
}

/* --tmpfs /DIR[:OPTIONS] (opts points into dst's allocation, or is "") */
static int tmpfs_parse(const char *spec, sbc_tmpfs *t, sbc_err *e)
{
    char *dst = sbc_xstrdup(spec), *opts = strchr(dst, ':');
    if (opts)
        *opts++ = 0;
    if (*dst != '/') {
        free(dst);
        return sbc_err_set(e, 0, "invalid tmpfs mount: '%s'", spec);
    }
    *t = (sbc_tmpfs){.spec = spec, .dst = dst, .opts = opts ? opts : ""};
    return 0;
}

/* -a STDIN|STDOUT|STDERR (any case): its bit (1, 2, 4) */
static int attach_stream(const char *s)
{
    static const char *const names[] = {"stdin", "stdout", "stderr"};
    for (int i = 0; i < 3; i++)
        if (!strcasecmp(s, names[i]))
            return 1 << i;
    sbc_usage_error("invalid -a/--attach: %s (STDIN, STDOUT or STDERR)", s);
}

/* --expose PORT[-PORT][/tcp|udp]: each port as "PORT/PROTO" */
static void expose_parse(sbc_create_opts *o, const char *s)
{
    char *end, *end2;
    long a = strtol(s, &end, 10), b = a;
    if (*end == '-')
        b = strtol(end + 1, &end2, 10), end = end2;
    const char *proto = *end == '/' ? end + 1 : "tcp";
    if (end == s || (*end && *end != '/') || a < 1 || b < a || b > 65535 || (strcmp(proto, "tcp") && strcmp(proto, "udp")))
        sbc_usage_error("invalid --expose: %s (PORT[-PORT][/tcp|udp])", s);
    for (long port = a; port <= b; port++)
        add(&o->expose, &o->nexpose, sbc_xasprintf("%ld/%s", port, proto));
}

/* --health-*, --no-healthcheck (Docker's checks: durations >= 1ms, or 0
 * for the default; no --no-healthcheck with the others) */
static void health_opt(int c, sbc_opts *p, sbc_create_opts *o)
{
    static const char *const names[] = {"interval", "timeout", "start-period", "start-interval"};
    int i = c - O_HEALTH;
    if (c == 0) {
        int others = o->health_cmd || o->health_retries;
        for (int k = 0; k < 4; k++)
            others |= o->health_ns[k] != 0;
        if (o->no_healthcheck && others)
            sbc_usage_error("--no-healthcheck conflicts with --health-* options");
    } else if (c == O_HEALTH_END) {
        o->no_healthcheck = sbc_opt_bool(p);
    } else if (i == 4) {
        o->health_cmd = *p->arg ? p->arg : NULL;
    } else if (i == 5) {
        char *end;
        long v = strtol(p->arg, &end, 10);
        if (!*p->arg || *end || v < 0 || v > 0x7fffffff)
            sbc_usage_error("invalid --health-retries: %s (a number >= 0)", p->arg);
        o->health_retries = (int)v;
    } else if (c >= O_HEALTH && c < O_HEALTH + 4) {
        long long ns;
        if (*p->arg == '-')
            sbc_usage_error("--health-%s cannot be negative", names[i]);
        if (sbc_go_duration(p->arg, &ns) < 0 || (ns && ns < 1000000))
            sbc_usage_error("invalid --health-%s: %s (a duration of at least 1ms, e.g. 30s, 1m30s, 500ms)", names[i], p->arg);
        o->health_ns[i] = ns;
    }
}

/* --label-file FILE: a KEY=VALUE label a line (blank and # lines skipped);
 * as Docker, the files' labels come first, then --label's */
static void label_file(const char ***v, int *nv, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        sbc_die(SBC_EXIT_FAIL, "--label-file %s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        line[strcspn(line, "\r\n")] = 0;
        const char *l = line + strspn(line, " \t");
        if (*l && *l != '#')
            add(v, nv, sbc_xstrdup(l));
    }
    free(line);
    fclose(f);
}

/* The process and namespace options (--ulimit ... --uts); 0 when c is
 * none of them. */
static int parse_more(run_cli *r, int c, sbc_opts *op)
{
    sbc_create_opts *o = &r->o;
    const char *a = op->arg;
    sbc_err e = {0};
    switch (c) {
    case O_CPUS: {
        char *end;
        o->cpus = strtod(a, &end);
        if (*end || o->cpus < 0)
            sbc_usage_error("invalid --cpus: %s", a);
        break;
    }
    case O_PIDS: {
        char *end;
        o->pids = strtoll(a, &end, 10);
        if (*end)
            sbc_usage_error("invalid --pids-limit: %s", a);
        if (o->pids < 0)
            o->pids = 0;
        break;
    }
    case O_ULIMIT: {
        char t[24];
        unsigned long long sl, hl;
        if (sbc_ulimit_parse(a, t, &sl, &hl, &e) < 0)
            sbc_usage_error("%s", e.msg);
        add(&o->ulimits, &o->nulimits, a);
        break;
    }
    case O_SHM:
        if ((o->shm_size = sbc_parse_bytes(a)) <= 0)
            sbc_usage_error("invalid --shm-size: %s", a);
        break;
    case O_ATTACH: r->attach |= attach_stream(a); break;
    case O_SIGPROXY: r->sig_proxy = sbc_opt_bool(op); break;
    case O_EXPOSE: expose_parse(o, a); break;
    case O_STOPTIME: {
        char *end;
        long v = strtol(a, &end, 10);
        if (*end || end == a || v < -1 || v > 1000000)
            sbc_usage_error("invalid --stop-timeout: %s (seconds, -1: no limit)", a);
        o->stop_timeout = (int)v, o->stop_timeout_set = 1;
        break;
    }
    case O_CGNS: o->cgroupns = a; break;
    case O_PIDNS: o->pid_mode = a; break;
    case O_IPCNS: o->ipc_mode = a; break;
    case O_UTSNS: o->uts_mode = a; break;
    default: return 0;
    }
    return 1;
}

void sbc_run_parse(int argc, char **argv, run_cli *r)
{
    static const sbc_option opts[] = {
        {"detach", 'd', SBC_OPT_NOARG, O_DETACH}, {"interactive", 'i', SBC_OPT_NOARG, O_INTER},
        {"tty", 't', SBC_OPT_NOARG, O_TTY}, {"rm", 0, SBC_OPT_NOARG, O_RM},
        {"name", 0, SBC_OPT_ARG, O_NAME}, {"env", 'e', SBC_OPT_ARG, O_ENV},
        {"env-file", 0, SBC_OPT_ARG, O_ENVFILE}, {"workdir", 'w', SBC_OPT_ARG, O_WORKDIR},
        {"user", 'u', SBC_OPT_ARG, O_USER}, {"entrypoint", 0, SBC_OPT_ARG, O_ENTRY},
        {"hostname", 'h', SBC_OPT_ARG, O_HOST}, {"volume", 'v', SBC_OPT_ARG, O_VOL},
        {"tmpfs", 0, SBC_OPT_ARG, O_TMPFS}, {"read-only", 0, SBC_OPT_NOARG, O_RO},
        {"memory", 'm', SBC_OPT_ARG, O_MEM}, {"cpus", 0, SBC_OPT_ARG, O_CPUS},
        {"pids-limit", 0, SBC_OPT_ARG, O_PIDS}, {"network", 0, SBC_OPT_ARG, O_NET},
        {"net", 0, SBC_OPT_ARG | SBC_OPT_HIDDEN, O_NET}, {"network-alias", 0, SBC_OPT_ARG, O_NETALIAS}, {"init", 0, SBC_OPT_NOARG, O_INIT},
        {"cidfile", 0, SBC_OPT_ARG, O_CIDFILE}, {"stop-signal", 0, SBC_OPT_ARG, O_STOPSIG},
        {"pull", 0, SBC_OPT_ARG, O_PULL}, {"ip", 0, SBC_OPT_ARG, O_IP},
        {"restart", 0, SBC_OPT_ARG, O_RESTART},
        {"publish", 'p', SBC_OPT_ARG, O_PUB}, {"publish-all", 'P', SBC_OPT_NOARG, O_PUBALL},
        {"dns", 0, SBC_OPT_ARG, O_DNS}, {"dns-search", 0, SBC_OPT_ARG, O_DNSSEARCH},
        {"dns-option", 0, SBC_OPT_ARG, O_DNSOPT}, {"dns-opt", 0, SBC_OPT_ARG | SBC_OPT_HIDDEN, O_DNSOPT},
        {"add-host", 0, SBC_OPT_ARG, O_ADDHOST}, {"group-add", 0, SBC_OPT_ARG, O_GROUPADD},
        {"privileged", 0, SBC_OPT_NOARG, O_PRIV},
        {"cap-add", 0, SBC_OPT_ARG, O_CAPADD}, {"cap-drop", 0, SBC_OPT_ARG, O_CAPDROP},
        {"security-opt", 0, SBC_OPT_ARG, O_SECOPT}, {"device", 0, SBC_OPT_ARG, O_DEVICE},
        {"sysctl", 0, SBC_OPT_ARG, O_SYSCTL}, {"userns", 0, SBC_OPT_ARG, O_USERNS},
        {"mount", 0, SBC_OPT_ARG, O_MOUNT},
        {"label", 'l', SBC_OPT_ARG, O_LABEL}, {"label-file", 0, SBC_OPT_ARG, O_LABELFILE},
        {"ulimit", 0, SBC_OPT_ARG, O_ULIMIT}, {"shm-size", 0, SBC_OPT_ARG, O_SHM},
        {"attach", 'a', SBC_OPT_ARG, O_ATTACH}, {"sig-proxy", 0, SBC_OPT_NOARG, O_SIGPROXY},
        {"expose", 0, SBC_OPT_ARG, O_EXPOSE}, {"stop-timeout", 0, SBC_OPT_ARG, O_STOPTIME},
        {"cgroupns", 0, SBC_OPT_ARG, O_CGNS}, {"pid", 0, SBC_OPT_ARG, O_PIDNS},
        {"ipc", 0, SBC_OPT_ARG, O_IPCNS}, {"uts", 0, SBC_OPT_ARG, O_UTSNS},
        {"health-interval", 0, SBC_OPT_ARG, O_HEALTH}, {"health-timeout", 0, SBC_OPT_ARG, O_HEALTH + 1},
        {"health-start-period", 0, SBC_OPT_ARG, O_HEALTH + 2}, {"health-start-interval", 0, SBC_OPT_ARG, O_HEALTH + 3},
        {"health-cmd", 0, SBC_OPT_ARG, O_HEALTH + 4}, {"health-retries", 0, SBC_OPT_ARG, O_HEALTH + 5},
        {"no-healthcheck", 0, SBC_OPT_NOARG, O_HEALTH_END}, {0}};
    sbc_opts p;
    sbc_err e = {0};
    int c;
    memset(r, 0, sizeof *r);
    r->sig_proxy = 1;
    sbc_create_opts *o = &r->o;
    const char **lfiles = NULL, **labels = NULL;
    int nlfiles = 0, nlabels = 0;
    sbc_opts_init(&p, argc, argv, 0);
    while ((c = sbc_opt_next(&p, opts))) {
        switch (c) {
        case O_DETACH: r->detach = sbc_opt_bool(&p); break;
        case O_INTER: o->interactive = sbc_opt_bool(&p); break;
        case O_TTY: o->tty = sbc_opt_bool(&p); break;
        case O_RM: o->autoremove = sbc_opt_bool(&p); break;
        case O_NAME: o->name = p.arg; break;
        case O_ENV: add(&o->env, &o->nenv, p.arg); break;
        case O_ENVFILE: add(&o->env_files, &o->nenv_files, p.arg); break;
        case O_WORKDIR:
            if (p.arg[0] != '/')
                sbc_usage_error("the working directory '%s' is invalid, it needs to be an absolute path", p.arg);
            o->workdir = p.arg;
            break;
        case O_USER: o->user = p.arg; break;
        case O_GROUPADD: add(&o->group_add, &o->ngroup_add, p.arg); break;
        case O_ENTRY: o->entrypoint = p.arg, o->entrypoint_set = 1; break;
        case O_HOST: o->hostname = p.arg; break;
        case O_VOL:
            o->binds = sbc_xrealloc(o->binds, (size_t)(o->nbinds + 1) * sizeof *o->binds);
            if (bind_parse(p.arg, &o->binds[o->nbinds++], &e) < 0)
                exit(sbc_err_print(&e)); /* before anything is made */
            break;
        case O_TMPFS:
            o->tmpfs = sbc_xrealloc(o->tmpfs, (size_t)(o->ntmpfs + 1) * sizeof *o->tmpfs);
            if (tmpfs_parse(p.arg, &o->tmpfs[o->ntmpfs++], &e) < 0)
                exit(sbc_err_print(&e));
            break;
        case O_MOUNT:
            if (mount_parse(p.arg, o, &e) < 0)
                exit(sbc_err_print(&e));
            break;
        case O_RO: o->read_only = sbc_opt_bool(&p); break;
        case O_MEM:
            o->memory = sbc_parse_bytes(p.arg);
            if (o->memory < 0)
                sbc_usage_error("invalid --memory: %s", p.arg);
            break;
        case O_NET: o->network = p.arg; break;
        case O_IP: o->ip = p.arg; break;
        case O_NETALIAS: add(&o->net_aliases, &o->nnet_aliases, p.arg); break;
        case O_PUB: add(&o->publish, &o->npublish, p.arg); break;
        case O_PUBALL: o->publish_all = sbc_opt_bool(&p); break;
        case O_DNS: add(&o->dns, &o->ndns, p.arg); break;
        case O_DNSSEARCH: add(&o->dns_search, &o->ndns_search, p.arg); break;
        case O_DNSOPT: add(&o->dns_options, &o->ndns_options, p.arg); break;
        case O_ADDHOST: add(&o->add_hosts, &o->nadd_hosts, p.arg); break;
        case O_INIT: o->init = sbc_opt_bool(&p); break;
        case O_PRIV: o->privileged = sbc_opt_bool(&p); break;
        case O_CAPADD: add(&o->cap_add, &o->ncap_add, p.arg); break;
        case O_CAPDROP: add(&o->cap_drop, &o->ncap_drop, p.arg); break;
        case O_DEVICE: add(&o->devices, &o->ndevices, p.arg); break;
        case O_SYSCTL: add(&o->sysctls, &o->nsysctls, p.arg); break;
        case O_USERNS: o->userns = p.arg; break;
        case O_LABEL: add(&o->labels, &o->nlabels, p.arg); break;
        case O_LABELFILE: add(&lfiles, &nlfiles, p.arg); break;
        case O_SECOPT:
            add(&o->security_opts, &o->nsecurity_opts, p.arg);
            if (secopt_parse(p.arg, o, &e) < 0)
                exit(sbc_err_print(&e));
            break;
        case O_CIDFILE: r->cidfile = p.arg; break;
        case O_STOPSIG:
            if (sbc_signal_from_name(p.arg) < 0)
                sbc_usage_error("invalid --stop-signal: %s", p.arg);
            o->stop_signal = p.arg;
            break;
        case O_PULL:
            if (strcmp(p.arg, "missing") && strcmp(p.arg, "always") && strcmp(p.arg, "never"))
                sbc_usage_error("invalid --pull: %s (missing, always or never)", p.arg);
            r->pull = p.arg;
            break;
        case O_RESTART: {
            int pol, max;
            if (sbc_restart_parse(p.arg, &pol, &max) < 0)
                sbc_usage_error("invalid restart policy: %s (no, on-failure[:N], always or unless-stopped)", p.arg);
            o->restart = p.arg;
            break;
        }
        default:
            if (!parse_more(r, c, &p))
                health_opt(c, &p, o);
            break;
        }
    }
    for (int i = 0; i < nlfiles; i++)
        label_file(&labels, &nlabels, lfiles[i]);
    for (int i = 0; i < o->nlabels; i++)
        add(&labels, &nlabels, o->labels[i]);
    free(lfiles);
    free(o->labels);
    o->labels = labels, o->nlabels = nlabels;
    health_opt(0, &p, o);
    if (o->restart && strcmp(o->restart, "no") && o->autoremove)
        sbc_usage_error("Conflicting options: --restart and --rm");
    sbc_opt_operands(&p, 1, -1);
    o->image = p.rest[0];
    o->cmd = p.rest + 1;
    o->ncmd = p.nrest - 1;
}

/* Look the image up into img, pulling it per policy; or leave img zeroed
 * for sbc_launch_create to look it up after a pull. */
static int ensure_image(sbc_store *st, const char *image, const char *pull, sbc_image *img, sbc_err *e)
{
    if (!pull)
        pull = "missing";
    if (strcmp(pull, "always")) {
        if (sbc_image_lookup(st, image, img, e) == 0)
            return 0;
        if (e->errnum != ENOENT || !strcmp(pull, "never"))
            return -1;
        fprintf(stderr, "Unable to find image '%s' locally\n", image);
    }
    sbc_pull_opts po = {0}; /* no progress: sbc-run stays quiet */
    char id[SBC_DIGEST_SIZE];
    sbc_err_clear(e);
    if (sbc_pull(st, image, &po, NULL, id, e) < 0)
        return -1;
    return 0;
}

int sbc_run_create(run_cli *r, sbc_container *c, sbc_store *st, sbc_err *e)
{
    if (sbc_rootfs_driver_check(e) < 0) /* before any pull or container */
        return -1;
    sbc_image img;
    memset(&img, 0, sizeof img);
    if (ensure_image(st, r->o.image, r->pull, &img, e) < 0)
        return -1;
    if (r->cidfile) {
        int fd = open(r->cidfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
            int err = errno;
            sbc_image_free(&img);
            errno = err;
            return errno == EEXIST ? sbc_err_set(e, 0, "Container ID file found, make sure the other container isn't running or delete %s", r->cidfile)
                                   : sbc_err_sys(e, "--cidfile %s", r->cidfile);
        }
        close(fd);
    }
    r->o.found = img.config ? &img : NULL; /* (taken over by sbc_launch_create) */
    int rc = sbc_launch_create(st, &r->o, c, e);
    if (r->o.found)
        sbc_image_free(r->o.found); /* (nothing left when taken over) */
    r->o.found = NULL;
    if (rc < 0) {
        if (r->cidfile)
            unlink(r->cidfile);
        return -1;
    }
    if (r->cidfile) {
        int fd = open(r->cidfile, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0 || sbc_write_full(fd, c->id, strlen(c->id)) < 0)
            sbc_warn("--cidfile %s: %s", r->cidfile, strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    return 0;
}

int run_main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--sbc-monitor"))
        return sbc_launch_monitor_main(argc - 2, argv + 2);
    run_cli r;
    sbc_run_parse(argc, argv, &r);
    if (r.o.restart && strcmp(r.o.restart, "no") && !r.detach) /* (its monitor is this process) */
        sbc_usage_error("--restart needs -d: a foreground sbc-run is its container's monitor");
    if (r.attach && r.detach)
        sbc_usage_error("Conflicting options: -a and -d");
    /* --sig-proxy=false: the container runs under its own monitor (as
     * detached) and this process only shows its output: a signal here
     * ends the watching, not the container */
    int watch = !r.sig_proxy && !r.detach && !r.o.tty;
    if (watch && r.o.interactive)
        sbc_usage_error("--sig-proxy=false with -i: stdin cannot reach a container this process does not run (use -d and sbc-exec)");
    sbc_err e = {0};
    sbc_store st;
    if (sbc_store_open(&st, &e) < 0)
        return sbc_err_print(&e);
    sbc_container c;
    if (sbc_run_create(&r, &c, &st, &e) < 0) {
        sbc_store_close(&st);
        return sbc_err_print(&e);
    }
    int code = 0, fifo = -1, io = r.o.interactive && (!r.attach || (r.attach & 1)) ? SBC_START_STDIN : 0;
    if (r.attach && !(r.attach & 2))
        io |= SBC_START_NO_STDOUT;
    if (r.attach && !(r.attach & 4))
        io |= SBC_START_NO_STDERR;
    char fifo_path[PATH_MAX], *lp = sbc_container_log_path(&c);
    int logfd = watch ? open(lp, O_RDONLY | O_CREAT | O_CLOEXEC, 0640) : -1;
    free(lp);
    if (watch && (logfd < 0 || (r.o.autoremove && (fifo = sbc_wait_fifo(&c, fifo_path, sizeof fifo_path, &e)) < 0))) {
        if (logfd < 0)
            sbc_err_sys(&e, "the log of %s", c.name);
        sbc_err e2;
        sbc_container_remove(st.root, &c, &e2);
        return sbc_err_print(&e);
    }
    int rc = sbc_launch_start(st.root, &c, r.detach || watch, io, &code, &e);
    if (rc == 0 && watch)
        code = logs_attach(st.root, &c, logfd, r.attach & 6 ? r.attach : 6, fifo); /* (closes logfd) */
    if (fifo >= 0) {
        close(fifo);
        unlink(fifo_path);
    }
    if (rc < 0) {
        if (r.o.autoremove) {
            sbc_err e2;
            sbc_container_remove(st.root, &c, &e2);
        }
        sbc_container_free(&c);
        sbc_store_close(&st);
        return sbc_err_print(&e);
    }
    if (r.detach)
        printf("%s\n", c.id);
    sbc_container_free(&c);
    sbc_store_close(&st);
    return code;
}
