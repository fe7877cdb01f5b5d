/* launch.c - create and start containers (see launch.h). */
#include "runtime/launch.h"

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>

#include "runtime/caps.h"
#include "runtime/cgroup.h"
#include "runtime/devices.h"
#include "runtime/seccomp.h"
#include "base/cleanup.h"
#include "base/io.h"
#include "net/ipam.h"
#include "base/json.h"
#include "base/time.h"
#include "runtime/monitor.h"
#include "net/net.h"
#include "image/rootfs.h"
#include "runtime/spawn.h"
#include "runtime/spec.h"
#include "runtime/user.h"
#include "runtime/exeseal.h"
#include "runtime/health.h"
#include "runtime/restart.h"
#include "runtime/userns.h"
#include "runtime/volume.h"
#include "base/config.h"

int sbc_signal_from_name(const char *s)
{
    static const struct { const char *n; int s; } t[] = {
        {"HUP", SIGHUP}, {"INT", SIGINT}, {"QUIT", SIGQUIT}, {"ILL", SIGILL}, {"TRAP", SIGTRAP},
        {"ABRT", SIGABRT}, {"BUS", SIGBUS}, {"FPE", SIGFPE}, {"KILL", SIGKILL}, {"USR1", SIGUSR1},
        {"SEGV", SIGSEGV}, {"USR2", SIGUSR2}, {"PIPE", SIGPIPE}, {"ALRM", SIGALRM}, {"TERM", SIGTERM},
        {"CHLD", SIGCHLD}, {"CONT", SIGCONT}, {"STOP", SIGSTOP}, {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},
        {"TTOU", SIGTTOU}, {"URG", SIGURG}, {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
        {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO}, {"PWR", SIGPWR}, {"SYS", SIGSYS},
    };
    if (!s || !*s)
        return -1;
    if (*s >= '0' && *s <= '9') {
        int v = atoi(s);
        return v > 0 && v < 65 ? v : -1;
    }
    if (!strncasecmp(s, "SIG", 3))
        s += 3;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcasecmp(s, t[i].n))
            return t[i].s;
    return -1;
}

static cJSON *str_array(const char *const *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
    return a;
}

/* Set KEY=V in the env array (replacing KEY). */
static void env_set(cJSON *env, const char *kv)
{
    size_t kl = strcspn(kv, "=");
    cJSON *it;
    int i = 0;
    cJSON_ArrayForEach(it, env) {
        if (cJSON_IsString(it) && !strncmp(it->valuestring, kv, kl) && it->valuestring[kl] == '=') {
            cJSON_ReplaceItemInArray(env, i, cJSON_CreateString(kv));
            return;
        }
        i++;
    }
    cJSON_AddItemToArray(env, cJSON_CreateString(kv));
}

static int env_has(const cJSON *env, const char *key)
{
    size_t kl = strlen(key);
    const cJSON *it;
    cJSON_ArrayForEach(it, env)
        if (cJSON_IsString(it) && !strncmp(it->valuestring, key, kl) && it->valuestring[kl] == '=')
            return 1;
    return 0;
}

/* -e KEY=V, or -e KEY: the caller's value when set. */
static void env_add_opt(cJSON *env, const char *s)
{
    if (strchr(s, '=')) {
        env_set(env, s);
    } else if (*s && getenv(s)) {
        char *kv = sbc_xasprintf("%s=%s", s, getenv(s));
        env_set(env, kv);
        free(kv);
    }
}

static int env_file(cJSON *env, const char *path, sbc_err *e)
{
    char *s = sbc_read_file(AT_FDCWD, path, 1 << 20, NULL, e);
    if (!s) {
        sbc_err_wrap(e, "--env-file");
        return -1;
    }
    for (char *l = s, *next; l && *l; l = next) {
        next = strchr(l, '\n');
        if (next)
            *next++ = 0;
        size_t n = strlen(l);
        if (n && l[n - 1] == '\r')
            l[n - 1] = 0;
        while (*l == ' ' || *l == '\t')
            l++;
        if (!*l || *l == '#')
            continue;
        env_add_opt(env, l);
    }
    free(s);
    return 0;
}

static cJSON *mount_obj(const char *dest, const char *type, const char *src, const char *opts)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "destination", dest);
    cJSON_AddStringToObject(m, "type", type);
    cJSON_AddStringToObject(m, "source", src);
    cJSON *o = cJSON_AddArrayToObject(m, "options");
    char *dup = sbc_xstrdup(opts);
    for (char *t = strtok(dup, ","); t; t = strtok(NULL, ","))
        cJSON_AddItemToArray(o, cJSON_CreateString(t));
    free(dup);
    return m;
}

static int write_file(const char *dir, const char *name, const char *data, sbc_err *e)
{
    char *p = sbc_xasprintf("%s/%s", dir, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    int rc = fd < 0 || sbc_write_full(fd, data, strlen(data)) < 0 ? sbc_err_sys(e, "%s", p) : 0;
    if (fd >= 0)
        close(fd);
    free(p);
    return rc;
}

static const char *const masked_paths[] = {
    /* a trailing '/': a directory (masked with a tmpfs rather than /dev/null) */
    "/proc/asound/", "/proc/acpi/", "/proc/interrupts", "/proc/kcore", "/proc/keys",
    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
    "/proc/scsi/", "/sys/firmware/", "/sys/devices/virtual/powercap/",
};
/* Docker's per-CPU masks (moby GHSA-6fw5-f8r9-fgfm): each
 * /sys/devices/system/cpu/cpuN/thermal_throttle/ present on the host.
 * x86's therm_throt driver makes it for every CPU or none, so when cpu0 has
 * none (VMs, other architectures) one failed access() is the whole cost. */
static void add_thermal_masks(cJSON *a)
{
    static const char cpu[] = "/sys/devices/system/cpu";
    char p[96];
    if (access("/sys/devices/system/cpu/cpu0/thermal_throttle", F_OK) < 0)
        return;
    DIR *d = opendir(cpu);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        if (strncmp(n, "cpu", 3) || n[3] < '0' || n[3] > '9' || strspn(n + 3, "0123456789") != strlen(n + 3))
            continue;
        snprintf(p, sizeof p, "%s/%s/thermal_throttle", cpu, n);
        if (access(p, F_OK) == 0) {
            strcat(p, "/");
            cJSON_AddItemToArray(a, cJSON_CreateString(p));
        }
    }
    closedir(d);
}

static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

/* Namespace ns ("net", "pid", "ipc") of the running container whose state
 * dir is dir, as a path into buf ("/proc/PID/ns/net"), or NULL when it does
 * not run. */
static const char *ns_of(const char *dir, const char *ns, char buf[32])
{
    sbc_err e2 = {0};
    sbc_ctr_state st;
    if (sbc_ctr_state_read(dir, &st, &e2) < 0 || st.status != SBC_CTR_RUNNING ||
        !sbc_proc_alive(st.pid, st.pid_start))
        return NULL;
    snprintf(buf, 32, "/proc/%d/ns/%s", (int)st.pid, ns);
    return buf;
}

/* What create works out before it makes anything, and what the steps
 * below fill in; plan_free releases all of it, on every path. */
typedef struct plan {
    sbc_image img;
    const cJSON *icfg;       /* the image's "config" */
    int driver;              /* SBC_ROOTFS_* */
    cJSON *netopts;          /* config.json's NetOpts (net/options.h) */
    sbc_net_mode mode;       /* of the network */
    char *netmode;           /* HostConfig.NetworkMode */
    char netns_buf[32];
    const char *netns;       /* container:NAME's netns when it runs, else NULL */
    /* --pid/--ipc container:NAME: the target's state dir and id (the
     * namespace is looked up at every start) */
    char *pid_dir, *ipc_dir, *pid_mode, *ipc_mode;
    char *shm_src;           /* /dev/shm's: the host's or a shareable target's */
    cJSON *ep, *cmd, *args;  /* entrypoint, cmd, and the two together */
    cJSON *env;
    char hostname[128];
    const char *wd, *user, *stopsig;
    char *rootfs, *upper, *work, *cgroup;
    /* security (security_of) */
    uint64_t caps;           /* bounding = effective = permitted */
    sbc_dev_rule *rules;     /* linux.resources.devices */
    int nrules;
    sbc_dev_node *nodes;     /* linux.devices */
    int nnodes;
    int *devnode;            /* --device i's node in nodes */
    cJSON *seccomp;          /* a custom profile, parsed */
    int remap;               /* in a user namespace of the range ur */
    sbc_userns_range ur;
    uint32_t sub_uid, sub_gid, sub_count; /* rootless: the user's subordinate
                                           * ids as the container's 1.. */
    sbc_bind *binds;         /* -v, --mount and the image's Volumes (volumes_of) */
    char **vstr;             /* the volumes' names and _data paths */
    int nvstr;
    const char **made;       /* the anonymous volumes made (names in vstr), */
    int nmade;               /* removed again when create fails */
} plan;

static void plan_free(plan *p)
{
    sbc_image_free(&p->img);
    cJSON_Delete(p->netopts);
    free(p->netmode);
    free(p->pid_dir), free(p->ipc_dir), free(p->pid_mode), free(p->ipc_mode), free(p->shm_src);
    cJSON_Delete(p->ep);
    cJSON_Delete(p->cmd);
    cJSON_Delete(p->args);
    cJSON_Delete(p->env);
    free(p->rootfs);
    free(p->upper);
    free(p->work);
    free(p->cgroup);
    free(p->rules);
    for (int i = 0; i < p->nnodes; i++)
        sbc_dev_node_free(&p->nodes[i]);
    free(p->nodes);
    free(p->devnode);
    cJSON_Delete(p->seccomp);
    free(p->binds);
    for (int i = 0; i < p->nvstr; i++)
        free(p->vstr[i]);
    free(p->vstr);
    free(p->made);
}

/* The netopts of net.h from the options; p->netmode gets
 * HostConfig.NetworkMode and p->netns the netns of a container:NAME target
 * when it runs. */
static int netopts_of(const char *root, const sbc_create_opts *o, plan *p, sbc_err *e)
{
    const char *net = o->network && *o->network ? o->network : sbc_rootless() ? sbc_net_user_default() : SBC_NET_DEFAULT;
    cJSON *j = p->netopts = cJSON_CreateObject();
    if (sbc_rootless() && (!strcmp(net, "bridge") || !strcmp(net, "default")))
        return sbc_err_set(e, SBC_EXIT_FAIL, "--network %s needs root (rootless: pasta, slirp4netns, none, host or "
                           "container:NAME; the default is %s)", net, sbc_net_user_default());
    if (!strcmp(net, "bridge") || !strcmp(net, "default")) {
        cJSON_AddStringToObject(j, "mode", "bridge");
        p->netmode = sbc_xstrdup("bridge");
    } else if (!strcmp(net, "pasta") || !strcmp(net, "slirp4netns")) {
        if (!sbc_rootless())
            return sbc_err_set(e, SBC_EXIT_FAIL, "--network %s is for sbc without root (as root: the bridge network)", net);
        if (sbc_net_tool_check(net, e) < 0)
            return -1;
        cJSON_AddStringToObject(j, "mode", net);
        p->netmode = sbc_xstrdup(net);
    } else if (!strcmp(net, "none") || !strcmp(net, "host")) {
        cJSON_AddStringToObject(j, "mode", net);
        p->netmode = sbc_xstrdup(net);
    } else if (!strncmp(net, "container:", 10)) {
        sbc_container t;
        if (sbc_container_open(root, net + 10, &t, e) < 0)
            return -1;
        cJSON_AddStringToObject(j, "mode", "container");
        cJSON_AddStringToObject(j, "container_state_dir", t.dir);
        p->netmode = sbc_xasprintf("container:%s", t.id);
        p->netns = ns_of(t.dir, "net", p->netns_buf);
        sbc_container_free(&t);
    } else {
        sbc_netconf nc; /* a user network */
        int found = !sbc_rootless() && sbc_net_load(&nc, net, 0, e) == 0;
        sbc_net_config_free(&nc);
        if (!found)
            return sbc_err_set(e, SBC_EXIT_FAIL, "network %s not found (use bridge, none, host, container:NAME, pasta, "
                               "slirp4netns or a network of sbc-network create)", net);
        cJSON_AddStringToObject(j, "mode", "bridge");
        cJSON_AddStringToObject(j, "network", net);
        p->netmode = sbc_xstrdup(net);
    }
    if (o->nnet_aliases)
        cJSON_AddItemToObject(j, "aliases", str_array(o->net_aliases, o->nnet_aliases));
    if (o->name)
        cJSON_AddStringToObject(j, "name", o->name);
    if (o->hostname)
        cJSON_AddStringToObject(j, "hostname", o->hostname);
    if (o->ip)
        cJSON_AddStringToObject(j, "ip", o->ip);
    if (o->npublish)
        cJSON_AddItemToObject(j, "publish", str_array(o->publish, o->npublish));
    if (o->publish_all) {
        cJSON_AddBoolToObject(j, "publish_all", 1);
        cJSON *ex = cJSON_AddArrayToObject(j, "exposed");
        const cJSON *it;
        cJSON_ArrayForEach(it, sbc_json_obj(p->icfg, "ExposedPorts"))
            if (it->string)
                cJSON_AddItemToArray(ex, cJSON_CreateString(it->string));
        for (int i = 0; i < o->nexpose; i++)
            cJSON_AddItemToArray(ex, cJSON_CreateString(o->expose[i]));
    }
    if (o->ndns)
        cJSON_AddItemToObject(j, "dns", str_array(o->dns, o->ndns));
    if (o->ndns_search)
        cJSON_AddItemToObject(j, "dns_search", str_array(o->dns_search, o->ndns_search));
    if (o->ndns_options)
        cJSON_AddItemToObject(j, "dns_options", str_array(o->dns_options, o->ndns_options));
    if (o->nadd_hosts)
        cJSON_AddItemToObject(j, "add_hosts", str_array(o->add_hosts, o->nadd_hosts));
    /* checked as start will read it */
    sbc_netopts no;
    if (sbc_netopts_parse(j, &no, e) < 0)
        return -1;
    p->mode = no.mode;
    int r = sbc_net_validate(&no, e);
    sbc_netopts_free(&no);
    return r;
}

#define HOSTNS(m) ((m) && !strcmp((m), "host"))

/* One of the words of a --pid/--ipc/--uts/--cgroupns mode, or "container:"
 * where allowed (ctr); 1 when it is one. */
static int mode_ok(const char *v, const char *words, int ctr)
{
    if (ctr && !strncmp(v, "container:", 10) && v[10])
        return 1;
    for (const char *w = words; *w; w += strlen(w) + 1)
        if (!strcmp(v, w))
            return 1;
    return 0;
}

/* A container:NAME mode: the target's dir into *dir and "container:ID"
 * into *mode; --ipc needs a target that shares its own (Docker's rule). */
static int ns_target(const char *root, const char *flag, const char *v, char **dir, char **mode, plan *p, sbc_err *e)
{
    sbc_container t;
    if (sbc_container_open(root, v + 10, &t, e) < 0)
        return -1;
    const char *im = sbc_json_str(sbc_json_obj(t.config, "HostConfig"), "IpcMode");
    int rc = 0;
    if (!strcmp(flag, "ipc") && (!im || (strcmp(im, "shareable") && strcmp(im, "host"))))
        rc = sbc_err_set(e, SBC_EXIT_FAIL, "--ipc %s: container %s has a private IPC namespace (run it with --ipc shareable)", v, t.name);
    *dir = sbc_xstrdup(t.dir);
    *mode = sbc_xasprintf("container:%s", t.id);
    if (!strcmp(flag, "ipc"))
        p->shm_src = im && !strcmp(im, "host") ? sbc_xstrdup("/dev/shm") : sbc_xasprintf("%s/shm", t.dir);
    sbc_container_free(&t);
    return rc;
}

/* --pid, --ipc, --uts and --cgroupns, checked; container:NAME targets
 * looked up. */
static int nsmodes_of(const char *root, const sbc_create_opts *o, plan *p, sbc_err *e)
{
    if (o->pid_mode && !mode_ok(o->pid_mode, "host\0private\0", 1))
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid --pid: %s (host, private or container:NAME)", o->pid_mode);
    if (o->ipc_mode && !mode_ok(o->ipc_mode, "none\0private\0shareable\0host\0", 1))
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid --ipc: %s (none, private, shareable, host or container:NAME)", o->ipc_mode);
    if (o->uts_mode && !mode_ok(o->uts_mode, "host\0private\0", 0))
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid --uts: %s (host or private)", o->uts_mode);
    if (o->cgroupns && !mode_ok(o->cgroupns, "host\0private\0", 0))
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid --cgroupns: %s (host or private)", o->cgroupns);
    if (o->hostname && o->uts_mode && !strcmp(o->uts_mode, "host"))
        return sbc_err_set(e, SBC_EXIT_FAIL, "Conflicting options: hostname and the UTS mode");
    if (o->pid_mode && !strncmp(o->pid_mode, "container:", 10) &&
        ns_target(root, "pid", o->pid_mode, &p->pid_dir, &p->pid_mode, p, e) < 0)
        return -1;
    if (o->ipc_mode && !strncmp(o->ipc_mode, "container:", 10) &&
        ns_target(root, "ipc", o->ipc_mode, &p->ipc_dir, &p->ipc_mode, p, e) < 0)
        return -1;
    if (o->ipc_mode && !strcmp(o->ipc_mode, "shareable") && sbc_rootless())
        return sbc_err_set(e, SBC_EXIT_FAIL, "--ipc shareable needs root (its /dev/shm is mounted on the host side)");
    if (HOSTNS(o->ipc_mode))
        p->shm_src = sbc_xstrdup("/dev/shm");
    return 0;
}

/* --cap-add/--cap-drop over the default set (or all with --privileged), as
 * Docker does: ALL in add starts from every capability, ALL in drop from
 * none, then the named drops and adds. */
static int caps_of(const sbc_create_opts *o, uint64_t *out, sbc_err *e)
{
    uint64_t all = sbc_caps_all(), add = 0, drop = 0;
    int add_all = 0, drop_all = 0;
    for (int k = 0; k < 2; k++) {
        const char **v = k ? o->cap_drop : o->cap_add;
        int n = k ? o->ncap_drop : o->ncap_add;
        for (int i = 0; i < n; i++) {
            int c = sbc_cap_from_name(v[i]);
            if (c < 0)
                return sbc_err_set(e, SBC_EXIT_FAIL, "invalid capability: %s", v[i]);
            if (!k && c < 64 && !(all & (1ULL << c)))
                return sbc_err_set(e, SBC_EXIT_FAIL, "capability %s: sbc does not hold it here", v[i]);
            if (c == 64)
                *(k ? &drop_all : &add_all) = 1;
            else
                *(k ? &drop : &add) |= 1ULL << c;
        }
    }
    uint64_t m = o->privileged || add_all ? all : sbc_caps_default();
    if (drop_all)
        m = 0;
    m &= ~drop;
    m |= add;
    *out = m;
    return 0;
}

/* Only sysctls of the namespaces a container has of its own are allowed,
 * as Docker allows them: IPC (kernel.shm*, kernel.msg*, kernel.sem,
 * fs.mqueue.*) and network (net.*, not with the host's or another
 * container's network). */
static int sysctl_check(const char *kv, sbc_net_mode mode, sbc_err *e)
{
    const char *eq = strchr(kv, '=');
    size_t kl = eq ? (size_t)(eq - kv) : 0;
    if (!eq || !kl || kl > 200)
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid sysctl: '%s' (want KEY=VALUE)", kv);
    for (size_t i = 0; i < kl; i++) {
        char ch = kv[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '_' || ch == '-' || ch == '.';
        if (!ok || (ch == '.' && (i == 0 || i + 1 == kl || kv[i + 1] == '.')))
            return sbc_err_set(e, SBC_EXIT_FAIL, "invalid sysctl name: '%.*s'", (int)kl, kv);
    }
    if (strchr(eq + 1, '\n'))
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid sysctl value for %.*s", (int)kl, kv);
#define PFX(s) (kl > sizeof s - 1 && !strncmp(kv, s, sizeof s - 1))
    if (PFX("kernel.shm") || PFX("kernel.msg") || (kl == 10 && !strncmp(kv, "kernel.sem", 10)) ||
        PFX("fs.mqueue."))
        return 0;
    if (PFX("net.")) {
        if (mode == SBC_NET_HOST)
            return sbc_err_set(e, SBC_EXIT_FAIL, "sysctl '%.*s' is not allowed in the host's network namespace", (int)kl, kv);
        if (mode == SBC_NET_CONTAINER)
            return sbc_err_set(e, SBC_EXIT_FAIL, "sysctl '%.*s' is not allowed when sharing another container's network namespace", (int)kl, kv);
        return 0;
    }
#undef PFX
    return sbc_err_set(e, SBC_EXIT_FAIL, "sysctl '%.*s' is not allowed (not namespaced: only kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.* and net.*)", (int)kl, kv);
}

/* Capabilities, devices, sysctls and the seccomp profile, all checked
 * before anything is made. */
static int security_of(const sbc_create_opts *o, plan *p, sbc_err *e)
{
    if (caps_of(o, &p->caps, e) < 0)
        return -1;
    int nr = o->privileged ? 1 : sbc_dev_ndefault;
    p->rules = sbc_xcalloc((size_t)(nr + o->ndevices) + 1, sizeof *p->rules);
    if (o->privileged)
        p->rules[0] = sbc_dev_privileged;
    else
        memcpy(p->rules, sbc_dev_default, (size_t)nr * sizeof *p->rules);
    p->nrules = nr;
    if (o->privileged && sbc_dev_nodes_host("/dev", &p->nodes, &p->nnodes, e) < 0)
        return -1;
    p->nodes = sbc_xrealloc(p->nodes, (size_t)(p->nnodes + o->ndevices + 1) * sizeof *p->nodes);
    p->devnode = sbc_xcalloc((size_t)o->ndevices + 1, sizeof *p->devnode);
    for (int i = 0; i < o->ndevices; i++) {
        sbc_dev_node nd;
        if (sbc_device_parse(o->devices[i], &p->rules[p->nrules], &nd, e) < 0)
            return -1;
        p->nrules++;
        /* a --device replaces a host node of the same path (--privileged) */
        int k;
        for (k = 0; k < p->nnodes && strcmp(p->nodes[k].path, nd.path); k++)
            ;
        if (k < p->nnodes)
            sbc_dev_node_free(&p->nodes[k]);
        else
            p->nnodes++;
        p->nodes[k] = nd;
        p->devnode[i] = k;
    }
    for (int i = 0; i < o->nsysctls; i++)
        if (sysctl_check(o->sysctls[i], p->mode, e) < 0)
            return -1;
    if (o->seccomp_json && !o->privileged && !o->seccomp_unconfined) {
        sbc_seccomp_profile *sp;
        p->seccomp = cJSON_Parse(o->seccomp_json);
        if (!p->seccomp)
            return sbc_err_set(e, SBC_EXIT_FAIL, "seccomp profile: invalid JSON");
        if (sbc_seccomp_from_json(p->seccomp, &sp, e) < 0)
            return -1;
        /* compiled once now, so a profile libseccomp refuses fails here */
        sbc_seccomp_prog prog;
        int rc = sbc_seccomp_compile(sp, p->caps, sbc_seccomp_kernel_version(), &prog, e);
        sbc_seccomp_free(sp);
        if (rc < 0)
            return -1;
        sbc_seccomp_prog_free(&prog);
    }
    return 0;
}

/* The command: entrypoint + cmd, as Docker combines them. */
static int command_of(const sbc_create_opts *o, plan *p, sbc_err *e)
{
    const cJSON *iep = sbc_json_arr(p->icfg, "Entrypoint"), *icmd = sbc_json_arr(p->icfg, "Cmd");
    if (o->entrypoint_set)
        p->ep = *o->entrypoint ? str_array(&o->entrypoint, 1) : cJSON_CreateArray();
    else
        p->ep = iep ? cJSON_Duplicate(iep, 1) : cJSON_CreateArray();
    if (o->ncmd)
        p->cmd = str_array((const char *const *)o->cmd, o->ncmd);
    else if (!o->entrypoint_set && icmd)
        p->cmd = cJSON_Duplicate(icmd, 1);
    else
        p->cmd = cJSON_CreateArray();
    p->args = cJSON_CreateArray();
    const cJSON *it;
    cJSON_ArrayForEach(it, p->ep) cJSON_AddItemToArray(p->args, cJSON_Duplicate(it, 0));
    cJSON_ArrayForEach(it, p->cmd) cJSON_AddItemToArray(p->args, cJSON_Duplicate(it, 0));
    if (cJSON_GetArraySize(p->args) == 0)
        return sbc_err_set(e, SBC_EXIT_FAIL, "no command specified");
    p->wd = o->workdir ? o->workdir : sbc_json_str(p->icfg, "WorkingDir");
    if (!p->wd || !*p->wd)
        p->wd = "/";
    p->user = o->user ? o->user : sbc_json_str(p->icfg, "User");
    if (p->user && !*p->user)
        p->user = NULL;
    /* ids are checked before anything is made (-u 4294967296 is no uid 0) */
    if (p->user && sbc_user_check(p->user, "user", e) < 0)
        return -1;
    for (int i = 0; i < o->ngroup_add; i++)
        if (sbc_user_check(o->group_add[i], "group", e) < 0)
            return -1;
    if (o->ngroup_add > 32)
        return sbc_err_set(e, SBC_EXIT_FAIL, "too many --group-add (%d, at most 32)", o->ngroup_add);
    p->stopsig = o->stop_signal ? o->stop_signal : sbc_json_str(p->icfg, "StopSignal");
    if (p->stopsig && sbc_signal_from_name(p->stopsig) < 0)
        return sbc_err_set(e, 0, "invalid stop signal: %s", p->stopsig);
    return 0;
}

/* The environment and the hostname (which the environment carries). */
static int env_of(const sbc_create_opts *o, const sbc_container *c, plan *p, sbc_err *e)
{
    const cJSON *ienv = sbc_json_arr(p->icfg, "Env");
    cJSON *env = p->env = ienv ? cJSON_Duplicate(ienv, 1) : cJSON_CreateArray();
    if (!env_has(env, "PATH"))
        env_set(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    int host = p->mode == SBC_NET_HOST || HOSTNS(o->uts_mode);
    if (o->hostname)
        snprintf(p->hostname, sizeof p->hostname, "%s", o->hostname);
    else if (!host || gethostname(p->hostname, sizeof p->hostname) < 0)
        snprintf(p->hostname, sizeof p->hostname, "%.12s", c->id);
    if (!o->hostname && !host)
        cJSON_AddStringToObject(p->netopts, "hostname", p->hostname);
    char hv[sizeof p->hostname + 16];
    snprintf(hv, sizeof hv, "HOSTNAME=%s", p->hostname);
    env_set(env, hv);
    if (o->tty)
        env_set(env, "TERM=xterm");
    for (int i = 0; i < o->nenv_files; i++)
        if (env_file(env, o->env_files[i], e) < 0)
            return -1;
    for (int i = 0; i < o->nenv; i++)
        env_add_opt(env, o->env[i]);
    return 0;
}

/* Docker's HostConfig.PortBindings {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]} */
static cJSON *port_bindings(const sbc_create_opts *o)
{
    cJSON *pb = cJSON_CreateObject();
    for (int i = 0; i < o->npublish; i++) {
        sbc_port p;
        sbc_err e2 = {0};
        if (sbc_port_parse(o->publish[i], &p, &e2) < 0)
            continue;
        char key[16], ip[16], hp[8];
        snprintf(key, sizeof key, "%u/%s", p.port, p.proto == IPPROTO_UDP ? "udp" : "tcp");
        cJSON *a = cJSON_GetObjectItemCaseSensitive(pb, key);
        if (!a)
            a = cJSON_AddArrayToObject(pb, key);
        cJSON *b = cJSON_CreateObject();
        cJSON_AddStringToObject(b, "HostIp", p.host_ip ? sbc_ip_fmt(p.host_ip, ip) : "");
        snprintf(hp, sizeof hp, "%u", p.host_port);
        cJSON_AddStringToObject(b, "HostPort", p.host_port ? hp : "");
        cJSON_AddItemToArray(a, b);
    }
    return pb;
}

/* --sysctl KEY=VALUE (checked already) as {"KEY": "VALUE"} in o; the last
 * of a key wins. */
static void sysctls_into(const sbc_create_opts *o, cJSON *sc)
{
    for (int i = 0; i < o->nsysctls; i++) {
        const char *eq = strchr(o->sysctls[i], '=');
        char *k = sbc_xasprintf("%.*s", (int)(eq - o->sysctls[i]), o->sysctls[i]);
        cJSON_DeleteItemFromObjectCaseSensitive(sc, k);
        cJSON_AddStringToObject(sc, k, eq + 1);
        free(k);
    }
}

/* config.json's Config and HostConfig: what the user asked for (Cmd and
 * Entrypoint move there from p). */
static void config_user(const sbc_create_opts *o, plan *p, cJSON *cf)
{
    cJSON *cc = cJSON_AddObjectToObject(cf, "Config");
    cJSON_AddStringToObject(cc, "Hostname", p->hostname);
    cJSON_AddStringToObject(cc, "User", p->user ? p->user : "");
    cJSON_AddBoolToObject(cc, "Tty", o->tty);
    cJSON_AddBoolToObject(cc, "OpenStdin", o->interactive);
    cJSON_AddItemToObject(cc, "Env", cJSON_Duplicate(p->env, 1));
    cJSON_AddItemToObject(cc, "Cmd", p->cmd);
    cJSON_AddItemToObject(cc, "Entrypoint", p->ep);
    p->cmd = p->ep = NULL;
    cJSON_AddStringToObject(cc, "Image", o->image);
    cJSON_AddStringToObject(cc, "WorkingDir", p->wd);
    cJSON_AddStringToObject(cc, "StopSignal", p->stopsig ? p->stopsig : "SIGTERM");
    /* Labels: the image's, then --label-file's and --label's (KEY alone: "") */
    cJSON *lb = cJSON_Duplicate(sbc_json_obj(p->icfg, "Labels"), 1);
    lb = lb ? lb : cJSON_CreateObject();
    for (int i = 0; i < o->nlabels; i++) {
        size_t kl = strcspn(o->labels[i], "=");
        char *k = sbc_xasprintf("%.*s", (int)kl, o->labels[i]);
        cJSON_DeleteItemFromObjectCaseSensitive(lb, k);
        cJSON_AddStringToObject(lb, k, o->labels[i][kl] ? o->labels[i] + kl + 1 : "");
        free(k);
    }
    cJSON_AddItemToObject(cc, "Labels", lb);
    cJSON *hck = sbc_health_merge(o->no_healthcheck, o->health_cmd, o->health_ns, o->health_retries,
                                  sbc_json_obj(p->icfg, "Healthcheck"));
    if (hck)
        cJSON_AddItemToObject(cc, "Healthcheck", hck);
    cJSON *hc = cJSON_AddObjectToObject(cf, "HostConfig");
    cJSON_AddBoolToObject(hc, "AutoRemove", o->autoremove);
    int rpol = SBC_RESTART_NO, rmax = 0;
    sbc_restart_parse(o->restart, &rpol, &rmax);
    cJSON *rp = cJSON_AddObjectToObject(hc, "RestartPolicy");
    cJSON_AddStringToObject(rp, "Name", rpol == SBC_RESTART_NO ? "no" : sbc_restart_name(rpol));
    cJSON_AddNumberToObject(rp, "MaximumRetryCount", rmax);
    cJSON_AddStringToObject(hc, "NetworkMode", p->netmode);
    if (o->ngroup_add)
        cJSON_AddItemToObject(hc, "GroupAdd", str_array(o->group_add, o->ngroup_add));
    cJSON_AddItemToObject(hc, "PortBindings", port_bindings(o));
    cJSON_AddBoolToObject(hc, "PublishAllPorts", o->publish_all);
    cJSON_AddItemToObject(hc, "Dns", str_array(o->dns, o->ndns));
    cJSON_AddItemToObject(hc, "DnsSearch", str_array(o->dns_search, o->ndns_search));
    cJSON_AddItemToObject(hc, "DnsOptions", str_array(o->dns_options, o->ndns_options));
    cJSON_AddItemToObject(hc, "ExtraHosts", str_array(o->add_hosts, o->nadd_hosts));
    /* what sbc_net_setup gets at every start */
    cJSON_AddItemToObject(cf, "NetOpts", cJSON_Duplicate(p->netopts, 1));
    cJSON_AddBoolToObject(hc, "ReadonlyRootfs", o->read_only);
    cJSON_AddBoolToObject(hc, "Init", o->init);
    cJSON_AddNumberToObject(hc, "Memory", (double)o->memory);
    cJSON_AddNumberToObject(hc, "NanoCpus", o->cpus * 1e9);
    cJSON_AddNumberToObject(hc, "PidsLimit", (double)o->pids);
    cJSON *binds = cJSON_AddArrayToObject(hc, "Binds"), *tmpfs = cJSON_AddArrayToObject(hc, "Tmpfs");
    for (int i = 0; i < o->nbinds; i++)
        if (o->binds[i].spec)
            cJSON_AddItemToArray(binds, cJSON_CreateString(o->binds[i].spec));
    for (int i = 0; i < o->ntmpfs; i++)
        cJSON_AddItemToArray(tmpfs, cJSON_CreateString(o->tmpfs[i].spec));
    cJSON_AddBoolToObject(hc, "Privileged", o->privileged);
    cJSON_AddStringToObject(hc, "UsernsMode", p->remap ? "remap" : "host");
    cJSON_AddItemToObject(hc, "CapAdd", str_array(o->cap_add, o->ncap_add));
    cJSON_AddItemToObject(hc, "CapDrop", str_array(o->cap_drop, o->ncap_drop));
    cJSON_AddItemToObject(hc, "SecurityOpt", str_array(o->security_opts, o->nsecurity_opts));
    cJSON *dv = cJSON_AddArrayToObject(hc, "Devices");
    for (int i = 0; i < o->ndevices; i++) {
        /* HOST[:CONTAINER][:PERMS] as Docker splits it (checked already) */
        const sbc_dev_node *nd = &p->nodes[p->devnode[i]];
        const sbc_dev_rule *r = &p->rules[p->nrules - o->ndevices + i];
        char acc[4], *q = acc;
        size_t hl = strcspn(o->devices[i], ":");
        if (r->access & SBC_DEV_R)
            *q++ = 'r';
        if (r->access & SBC_DEV_W)
            *q++ = 'w';
        if (r->access & SBC_DEV_M)
            *q++ = 'm';
        *q = 0;
        cJSON *d = cJSON_CreateObject();
        char *host = sbc_xasprintf("%.*s", (int)hl, o->devices[i]);
        cJSON_AddStringToObject(d, "PathOnHost", host);
        free(host);
        cJSON_AddStringToObject(d, "PathInContainer", nd->path);
        cJSON_AddStringToObject(d, "CgroupPermissions", acc);
        cJSON_AddItemToArray(dv, d);
    }
    sysctls_into(o, cJSON_AddObjectToObject(hc, "Sysctls"));
}

/* The namespace modes, ulimits, /dev/shm size, exposed ports and stop
 * timeout into Config (cc) and HostConfig (hc), as Docker names them. */
static void config_modes(const sbc_create_opts *o, const plan *p, cJSON *cc, cJSON *hc)
{
    cJSON *ex = cJSON_Duplicate(sbc_json_obj(p->icfg, "ExposedPorts"), 1);
    ex = ex ? ex : cJSON_CreateObject();
    for (int i = 0; i < o->nexpose; i++)
        if (!cJSON_GetObjectItemCaseSensitive(ex, o->expose[i]))
            cJSON_AddObjectToObject(ex, o->expose[i]);
    cJSON_AddItemToObject(cc, "ExposedPorts", ex);
    if (o->stop_timeout_set)
        cJSON_AddNumberToObject(cc, "StopTimeout", o->stop_timeout);
    cJSON_AddStringToObject(hc, "PidMode", p->pid_mode ? p->pid_mode : o->pid_mode && !strcmp(o->pid_mode, "host") ? "host" : "");
    cJSON_AddStringToObject(hc, "IpcMode", p->ipc_mode ? p->ipc_mode : o->ipc_mode ? o->ipc_mode : "private");
    cJSON_AddStringToObject(hc, "UTSMode", HOSTNS(o->uts_mode) ? "host" : "");
    cJSON_AddStringToObject(hc, "CgroupnsMode", HOSTNS(o->cgroupns) ? "host" : "private");
    cJSON_AddNumberToObject(hc, "ShmSize", (double)(o->shm_size ? o->shm_size : 64LL << 20));
    cJSON *ul = cJSON_AddArrayToObject(hc, "Ulimits");
    for (int i = 0; i < o->nulimits; i++) {
        char t[24];
        unsigned long long sl, hl;
        sbc_err e;
        if (sbc_ulimit_parse(o->ulimits[i], t, &sl, &hl, &e) < 0)
            continue; /* (checked by the applet) */
        cJSON *u = cJSON_CreateObject();
        for (char *c = t + 7; *c; c++)
            *c = (char)(*c + 32);
        cJSON_AddStringToObject(u, "Name", t + 7);
        cJSON_AddNumberToObject(u, "Hard", hl == RLIM_INFINITY ? -1 : (double)hl);
        cJSON_AddNumberToObject(u, "Soft", sl == RLIM_INFINITY ? -1 : (double)sl);
        cJSON_AddItemToArray(ul, u);
    }
}

/* Docker's config.json: Created, Image, Path, Args, Config, HostConfig,
 * and what the container owns (Resources, GraphDriver, Mounts). */
static void config_json(const sbc_create_opts *o, plan *p, cJSON *cf)
{
    char now[48];
    cJSON_AddStringToObject(cf, "Created", sbc_time_now(now, SBC_TIME_NSEC));
    cJSON_AddStringToObject(cf, "Image", o->image);
    cJSON_AddStringToObject(cf, "ImageID", p->img.id);
    cJSON_AddStringToObject(cf, "Path", cJSON_GetArrayItem(p->args, 0)->valuestring);
    cJSON *rest = cJSON_Duplicate(p->args, 1);
    cJSON_DeleteItemFromArray(rest, 0);
    cJSON_AddItemToObject(cf, "Args", rest);
    config_user(o, p, cf);
    config_modes(o, p, sbc_json_obj(cf, "Config"), sbc_json_obj(cf, "HostConfig"));
    const char *drv = sbc_rootfs_driver_str(p->driver);
    cJSON_AddStringToObject(cf, "Driver", drv);
    cJSON *res = cJSON_AddObjectToObject(cf, "Resources");
    cJSON_AddStringToObject(res, "Cgroup", p->cgroup ? p->cgroup : "");
    cJSON_AddStringToObject(res, "Rootfs", p->rootfs);
    cJSON *gd = cJSON_AddObjectToObject(cf, "GraphDriver");
    cJSON_AddStringToObject(gd, "Name", drv);
    cJSON *gdd = cJSON_AddObjectToObject(gd, "Data");
    if (p->driver == SBC_ROOTFS_OVERLAY) {
        sbc_buf lb = {0};
        for (int i = p->img.nlayers - 1; i >= 0; i--)
            sbc_buf_printf(&lb, "%s%s", p->img.layer_dirs[i], i ? ":" : "");
        cJSON_AddStringToObject(gdd, "LowerDir", lb.data ? lb.data : "");
        sbc_buf_free(&lb);
        cJSON_AddStringToObject(gdd, "UpperDir", p->upper);
        cJSON_AddStringToObject(gdd, "WorkDir", p->work);
    }
    cJSON_AddStringToObject(gdd, "MergedDir", p->rootfs);
    if (p->remap) {
        /* the ids the container's 0..65535 are on the host, and how its
         * files get them: the shared layers through idmapped mounts, or a
         * private copy chowned into the range */
        cJSON *u = cJSON_AddObjectToObject(cf, "Userns");
        cJSON_AddNumberToObject(u, "UidBase", p->ur.uid);
        cJSON_AddNumberToObject(u, "GidBase", p->ur.gid);
        cJSON_AddNumberToObject(u, "Size", p->ur.size);
        if (p->sub_count) {
            cJSON_AddNumberToObject(u, "SubUidBase", p->sub_uid);
            cJSON_AddNumberToObject(u, "SubGidBase", p->sub_gid);
            cJSON_AddNumberToObject(u, "SubSize", p->sub_count);
        }
        cJSON_AddStringToObject(gdd, "Idmap", p->driver == SBC_ROOTFS_OVERLAY ? "idmapped lower layers, upper in the range"
                                                                             : "private copy chowned into the range");
    }
    cJSON *mj = cJSON_AddArrayToObject(cf, "Mounts");
    for (int i = 0; i < o->nbinds; i++) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "Type", o->binds[i].volume ? "volume" : "bind");
        if (o->binds[i].volume) {
            cJSON_AddStringToObject(m, "Name", o->binds[i].volume);
            cJSON_AddStringToObject(m, "Driver", "local");
        }
        cJSON_AddStringToObject(m, "Source", o->binds[i].src);
        cJSON_AddStringToObject(m, "Destination", o->binds[i].dst);
        cJSON_AddBoolToObject(m, "RW", !o->binds[i].ro);
        cJSON_AddItemToArray(mj, m);
    }
    for (int i = 0; i < o->ntmpfs; i++) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "Type", "tmpfs");
        cJSON_AddStringToObject(m, "Destination", o->tmpfs[i].dst);
        cJSON_AddItemToArray(mj, m);
    }
}

/* The spec's process: args, env (they move there from p), cwd, user, init,
 * capabilities. */
static void spec_process(const sbc_create_opts *o, plan *p, cJSON *spec)
{
    cJSON *proc = cJSON_AddObjectToObject(spec, "process");
    cJSON_AddBoolToObject(proc, "terminal", o->tty);
    cJSON_AddItemToObject(proc, "args", p->args);
    cJSON_AddItemToObject(proc, "env", p->env);
    p->args = p->env = NULL;
    cJSON_AddStringToObject(proc, "cwd", p->wd);
    if (p->user)
        cJSON_AddStringToObject(proc, "sbc.user", p->user);
    if (o->ngroup_add)
        cJSON_AddItemToObject(proc, "sbc.groups", str_array(o->group_add, o->ngroup_add));
    if (o->init)
        cJSON_AddBoolToObject(proc, "sbc.init", 1);
    if (o->no_new_privs)
        cJSON_AddBoolToObject(proc, "noNewPrivileges", 1);
    cJSON *caps = cJSON_AddObjectToObject(proc, "capabilities");
    cJSON *bnd = cJSON_AddArrayToObject(caps, "bounding");
    uint64_t dc = p->caps;
    for (int i = 0; i < 64; i++)
        if (dc & (1ULL << i)) {
            char n[48];
            snprintf(n, sizeof n, "CAP_%s", sbc_cap_name(i));
            cJSON_AddItemToArray(bnd, cJSON_CreateString(n));
        }
    cJSON_AddItemToObject(caps, "effective", cJSON_Duplicate(bnd, 1));
    cJSON_AddItemToObject(caps, "permitted", cJSON_Duplicate(bnd, 1));
    cJSON *rl = o->nulimits ? cJSON_AddArrayToObject(proc, "rlimits") : NULL;
    for (int i = 0; i < o->nulimits; i++) {
        char t[24];
        unsigned long long sl, hl;
        sbc_err e;
        if (sbc_ulimit_parse(o->ulimits[i], t, &sl, &hl, &e) < 0)
            continue;
        cJSON *u = cJSON_CreateObject(); /* (RLIM_INFINITY reads back as 2^64: procattr.c) */
        cJSON_AddStringToObject(u, "type", t);
        cJSON_AddNumberToObject(u, "soft", (double)sl);
        cJSON_AddNumberToObject(u, "hard", (double)hl);
        cJSON_AddItemToArray(rl, u);
    }
}

/* The spec's mounts: the standard ones, /etc's three files, -v, --tmpfs. */
static void spec_mounts(const sbc_create_opts *o, const plan *p, const sbc_container *c, cJSON *spec)
{
    cJSON *ms = cJSON_AddArrayToObject(spec, "mounts");
    cJSON_AddItemToArray(ms, mount_obj("/proc", "proc", "proc", "nosuid,noexec,nodev"));
    cJSON_AddItemToArray(ms, mount_obj("/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"));
    /* (rootless: only the user's own gid is mapped, so no tty group 5) */
    cJSON_AddItemToArray(ms, mount_obj("/dev/pts", "devpts", "devpts",
                                       sbc_rootless() ? "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620"
                                                      : "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"));
    /* --privileged: /sys read-write, as Docker */
    cJSON_AddItemToArray(ms, mount_obj("/sys", "sysfs", "sysfs", o->privileged ? "nosuid,noexec,nodev" : "nosuid,noexec,nodev,ro"));
    cJSON_AddItemToArray(ms, mount_obj("/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev"));
    /* /dev/shm: the host's (--ipc host), a shareable target's (--ipc
     * container:), a host-side one of its own (shareable: others may join),
     * none (--ipc none) or its own tmpfs */
    const char *ipc = o->ipc_mode ? o->ipc_mode : "private";
    sbc_cleanup_free char *own = !strcmp(ipc, "shareable") ? sbc_xasprintf("%s/shm", c->dir) : NULL;
    if (p->shm_src || own) {
        cJSON_AddItemToArray(ms, mount_obj("/dev/shm", "bind", own ? own : p->shm_src, "rbind,nosuid,noexec,nodev"));
    } else if (strcmp(ipc, "none")) {
        char so[80];
        snprintf(so, sizeof so, "nosuid,noexec,nodev,mode=1777,size=%lld", o->shm_size ? o->shm_size : 64LL << 20);
        cJSON_AddItemToArray(ms, mount_obj("/dev/shm", "tmpfs", "shm", so));
    }
    /* hosts and resolv.conf are written by sbc_net_setup at every start,
     * before the container goes on */
    static const char *const etc[] = {"resolv.conf", "hostname", "hosts"};
    for (int i = 0; i < 3; i++) {
        char d[32], s[PATH_MAX];
        snprintf(d, sizeof d, "/etc/%s", etc[i]);
        snprintf(s, sizeof s, "%s/%s", c->dir, etc[i]);
        cJSON_AddItemToArray(ms, mount_obj(d, "bind", s, "rbind,rprivate"));
    }
    for (int i = 0; i < o->nbinds; i++)
        cJSON_AddItemToArray(ms, mount_obj(o->binds[i].dst, "bind", o->binds[i].src, o->binds[i].ro ? "rbind,ro" : "rbind"));
    for (int i = 0; i < o->ntmpfs; i++) {
        sbc_cleanup_free char *opts = sbc_xasprintf("nosuid,nodev,noexec%s%s", *o->tmpfs[i].opts ? "," : "",
                                                    o->tmpfs[i].opts);
        cJSON_AddItemToArray(ms, mount_obj(o->tmpfs[i].dst, "tmpfs", "tmpfs", opts));
    }
}

/* The namespaces a container gets, in the spec's order. */
typedef enum ns_kind { NS_PID, NS_IPC, NS_UTS, NS_MOUNT, NS_NETWORK, NS_CGROUP, NS_COUNT } ns_kind;
static const char *const ns_names[NS_COUNT] = {
    [NS_PID] = "pid", [NS_IPC] = "ipc", [NS_UTS] = "uts", [NS_MOUNT] = "mount",
    [NS_NETWORK] = "network", [NS_CGROUP] = "cgroup",
};

/* The cgroup limits of the spec, with the device rules. */
static void resources(const sbc_create_opts *o, const plan *p, cJSON *lx)
{
    cJSON *rs = cJSON_AddObjectToObject(lx, "resources");
    if (o->memory)
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(rs, "memory"), "limit", (double)o->memory);
    if (o->cpus > 0) {
        cJSON *cpu = cJSON_AddObjectToObject(rs, "cpu");
        cJSON_AddNumberToObject(cpu, "quota", (double)(long long)(o->cpus * 100000));
        cJSON_AddNumberToObject(cpu, "period", 100000);
    }
    if (o->pids)
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(rs, "pids"), "limit", (double)o->pids);
    cJSON_AddItemToObject(rs, "devices", sbc_dev_rules_to_json(p->rules, p->nrules));
}

/* spec.json: the OCI description the engine runs (after config_json). */
static cJSON *spec_json(const sbc_create_opts *o, plan *p, const sbc_container *c)
{
    cJSON *spec = cJSON_CreateObject();
    cJSON_AddStringToObject(spec, "ociVersion", "1.0.2");
    spec_process(o, p, spec);
    cJSON *root = cJSON_AddObjectToObject(spec, "root");
    cJSON_AddStringToObject(root, "path", p->rootfs);
    cJSON_AddBoolToObject(root, "readonly", o->read_only);
    if (p->driver == SBC_ROOTFS_OVERLAY) {
        cJSON *ov = cJSON_AddObjectToObject(root, "sbc.overlay");
        cJSON_AddItemToObject(ov, "lower", str_array((const char *const *)p->img.layer_dirs, p->img.nlayers));
        cJSON_AddStringToObject(ov, "upper", p->upper);
        cJSON_AddStringToObject(ov, "work", p->work);
    }
    if (!HOSTNS(o->uts_mode))
        cJSON_AddStringToObject(spec, "hostname", p->hostname);
    spec_mounts(o, p, c, spec);
    cJSON *lx = cJSON_AddObjectToObject(spec, "linux");
    cJSON *nss = cJSON_AddArrayToObject(lx, "namespaces");
    for (ns_kind k = 0; k < NS_COUNT; k++) {
        if ((k == NS_NETWORK && p->mode == SBC_NET_HOST) || (k == NS_PID && HOSTNS(o->pid_mode)) ||
            (k == NS_IPC && HOSTNS(o->ipc_mode)) || (k == NS_UTS && HOSTNS(o->uts_mode)) ||
            (k == NS_CGROUP && (HOSTNS(o->cgroupns) || access("/proc/self/ns/cgroup", F_OK) < 0)))
            continue;
        cJSON *n = cJSON_CreateObject();
        cJSON_AddStringToObject(n, "type", ns_names[k]);
        if (k == NS_NETWORK && p->netns) /* container:NAME; start re-resolves it */
            cJSON_AddStringToObject(n, "path", p->netns);
        /* --pid/--ipc container:NAME: the path is found at each start */
        const char *tdir = k == NS_PID ? p->pid_dir : k == NS_IPC ? p->ipc_dir : NULL;
        if (tdir) {
            cJSON_AddStringToObject(n, "path", "");
            cJSON_AddStringToObject(n, "sbc.container", tdir);
        }
        cJSON_AddItemToArray(nss, n);
    }
    if (p->remap) {
        cJSON *n = cJSON_CreateObject();
        cJSON_AddStringToObject(n, "type", "user");
        cJSON_AddItemToArray(nss, n);
        for (int k = 0; k < 2; k++) {
            cJSON *m = cJSON_CreateObject();
            cJSON_AddNumberToObject(m, "containerID", 0);
            cJSON_AddNumberToObject(m, "hostID", k ? p->ur.gid : p->ur.uid);
            cJSON_AddNumberToObject(m, "size", p->ur.size);
            cJSON *a = cJSON_AddArrayToObject(lx, k ? "gidMappings" : "uidMappings");
            cJSON_AddItemToArray(a, m);
            if (p->sub_count) {
                m = cJSON_CreateObject();
                cJSON_AddNumberToObject(m, "containerID", 1);
                cJSON_AddNumberToObject(m, "hostID", k ? p->sub_gid : p->sub_uid);
                cJSON_AddNumberToObject(m, "size", p->sub_count);
                cJSON_AddItemToArray(a, m);
            }
        }
    }
    if (!o->privileged) { /* --privileged: nothing hidden or read-only */
        cJSON *mp = str_array(masked_paths, sizeof masked_paths / sizeof *masked_paths);
        add_thermal_masks(mp);
        cJSON_AddItemToObject(lx, "maskedPaths", mp);
        cJSON_AddItemToObject(lx, "readonlyPaths", str_array(readonly_paths, sizeof readonly_paths / sizeof *readonly_paths));
    }
    if (p->cgroup) /* (rootless: only in a delegated subtree) */
        cJSON_AddStringToObject(lx, "cgroupsPath", p->cgroup);
    resources(o, p, lx);
    if (p->nnodes)
        cJSON_AddItemToObject(lx, "devices", sbc_dev_nodes_to_json(p->nodes, p->nnodes));
    if (o->nsysctls)
        sysctls_into(o, cJSON_AddObjectToObject(lx, "sysctl"));
    /* seccomp: a custom profile, Docker's default (the build-time
     * program), or none; the session keyring "_ses.<id>" */
    if (p->seccomp) {
        cJSON_AddItemToObject(lx, "seccomp", p->seccomp);
        p->seccomp = NULL;
    } else {
        cJSON_AddStringToObject(lx, "sbc.seccomp", o->privileged || o->seccomp_unconfined ? "unconfined" : "default");
    }
    cJSON_AddStringToObject(lx, "sbc.keyring", c->id);
    return spec;
}

/* Rootless limits need a delegated v2 subtree with their controllers. */
static int rootless_limits(const sbc_create_opts *o, sbc_err *e)
{
    char ctrls[256], have[260];
    if (!sbc_cgroup_rootless_base(ctrls, sizeof ctrls))
        return sbc_err_set(e, SBC_EXIT_FAIL, "rootless: no cgroup to apply --memory, --cpus or --pids-limit to "
                           "(this host delegates no cgroup v2 subtree to uid %u)", (unsigned)geteuid());
    snprintf(have, sizeof have, " %s ", ctrls);
    const char *need[] = {o->memory ? "memory" : NULL, o->cpus > 0 ? "cpu" : NULL, o->pids ? "pids" : NULL};
    for (int i = 0; i < 3; i++) {
        char w[16];
        snprintf(w, sizeof w, " %s ", need[i] ? need[i] : "");
        if (need[i] && !strstr(have, w))
            return sbc_err_set(e, SBC_EXIT_FAIL, "rootless: cgroup controller %s not delegated to uid %u (delegated: %s)",
                               need[i], (unsigned)geteuid(), *ctrls ? ctrls : "none");
    }
    return 0;
}

/* --userns, or config.json's "userns-remap": the range and what cannot go
 * with it (Docker refuses the same: host namespaces and devices belong to
 * the host's root). */
static int userns_of(const char *store_root, const sbc_create_opts *o, plan *p, sbc_err *e)
{
    if (sbc_rootless()) {
        /* the user's own uid and gid are the container's root */
        if (o->userns && !strcmp(o->userns, "remap"))
            return sbc_err_set(e, SBC_EXIT_FAIL, "--userns remap needs root (rootless containers map the user's own ids)");
        if ((o->memory || o->pids || o->cpus > 0) && rootless_limits(o, e) < 0)
            return -1;
        p->remap = 1;
        p->ur = (sbc_userns_range){(uint32_t)getuid(), (uint32_t)getgid(), 1};
        /* the user's subordinate ranges through the set-uid helpers (crun's
         * order); without them one id only (files of other owners show as
         * nobody, no setgroups) */
        if (!sbc_userns_subranges(&p->sub_uid, &p->sub_gid, &p->sub_count))
            p->sub_count = 0;
        return 0;
    }
    sbc_config cfg;
    if (sbc_config_load(&cfg, e) < 0)
        return -1;
    int rc = 0;
    if (o->userns && strcmp(o->userns, "host") && strcmp(o->userns, "remap"))
        rc = sbc_err_set(e, SBC_EXIT_FAIL, "--userns %s: host or remap", o->userns);
    p->remap = rc == 0 && (o->userns ? !strcmp(o->userns, "remap") : cfg.userns_remap != NULL);
    if (p->remap) {
        const char *why = o->privileged ? "--privileged" : p->mode == SBC_NET_HOST ? "--network host" :
                          o->ndevices ? "--device" : HOSTNS(o->pid_mode) ? "--pid host" :
                          HOSTNS(o->ipc_mode) ? "--ipc host" : HOSTNS(o->uts_mode) ? "--uts host" : NULL;
        if (why)
            rc = sbc_err_set(e, SBC_EXIT_FAIL, "%s cannot be used in a remapped user namespace (add --userns=host)", why);
        else
            rc = sbc_userns_range_for(store_root, cfg.userns_remap, &p->ur, e);
    }
    sbc_config_free(&cfg);
    return rc;
}

struct copy_call {
    const char *rootfs;
    const char **layers;
    int n;
};

static int copy_in_ns(void *arg, sbc_err *e)
{
    const struct copy_call *c = arg;
    return sbc_rootfs_copy_layers(c->rootfs, c->layers, c->n, e);
}

static int make_rootfs(const char *store_root, const sbc_create_opts *o, const plan *p, sbc_err *e)
{
    /* a missing -v source is made; remapped, it is the range's root's (as
     * Docker does), so the container's root can use it */
    for (int i = 0; i < o->nbinds; i++)
        if (access(o->binds[i].src, F_OK) < 0 &&
            (sbc_mkdir_p(o->binds[i].src, 0755, e) < 0 ||
             (p->remap && !sbc_rootless() && chown(o->binds[i].src, p->ur.uid, p->ur.gid) < 0 &&
              sbc_err_sys(e, "chown %s", o->binds[i].src) < 0)))
            return -1;
    if (p->driver != SBC_ROOTFS_BTRFS && mkdir(p->rootfs, 0755) < 0 && errno != EEXIST)
        return sbc_err_sys(e, "mkdir %s", p->rootfs);
    const char **layers = (const char **)p->img.layer_dirs;
    switch (p->driver) {
    case SBC_ROOTFS_OVERLAY:
        if (mkdir(p->upper, 0755) < 0 || mkdir(p->work, 0700) < 0)
            return sbc_err_sys(e, "mkdir %s", p->upper);
        /* remapped: the layers are idmapped at start; the upper dir (the
         * root's owner) and what lands in it are the range's */
        if (p->remap && chown(p->upper, p->ur.uid, p->ur.gid) < 0)
            return sbc_err_sys(e, "chown %s", p->upper);
        return 0;
    case SBC_ROOTFS_COPY: {
        /* rootless: copied as root of a namespace of the user's ids, which
         * reads files of its subordinate ids and keeps every owner as is */
        struct copy_call cc = {p->rootfs, layers, p->img.nlayers};
        uint32_t su, sg, sn;
        if (sbc_rootless() && sbc_userns_subranges(&su, &sg, &sn))
            return sbc_userns_mapped(copy_in_ns, &cc, e);
        if (sbc_rootfs_copy_layers(p->rootfs, layers, p->img.nlayers, e) < 0)
            return -1;
        break;
    }
    default:
        if (sbc_rootfs_btrfs_snapshot(store_root, p->rootfs, layers, p->img.nlayers, e) < 0)
            return -1;
    }
    /* a private copy: its owners move into the range */
    return p->remap ? sbc_userns_shift_tree(p->rootfs, &p->ur, e) : 0;
}

/* dir/name owned by the container's root (a remapped one's range). */
static int chown_in(const char *dir, const char *name, const sbc_userns_range *r, sbc_err *e)
{
    char *path = sbc_xasprintf("%s/%s", dir, name);
    int rc = lchown(path, r->uid, r->gid) < 0 && errno != ENOENT ? sbc_err_sys(e, "chown %s", path) : 0;
    free(path);
    return rc;
}

/* --rm: its anonymous volumes, one a line in anon-volumes, for the monitor
 * to remove with it (it reads no config.json) */
static int anon_volumes(const sbc_create_opts *o, const sbc_container *c, sbc_err *e)
{
    sbc_buf b = {0};
    for (int i = 0; i < o->nbinds; i++)
        if (o->binds[i].anon)
            sbc_buf_printf(&b, "%s\n", o->binds[i].volume);
    int rc = b.data ? write_file(c->dir, "anon-volumes", b.data, e) : 0;
    sbc_buf_free(&b);
    return rc;
}

/* Everything create makes once the container (its dir and name) exists:
 * config.json and state.json first (they record what it owns), then
 * /etc/hostname, the root file system and spec.json. */
static int fill(sbc_store *st, const sbc_create_opts *o, plan *p, sbc_container *c, sbc_err *e)
{
    cJSON_DeleteItemFromObjectCaseSensitive(p->netopts, "name");
    cJSON_AddStringToObject(p->netopts, "name", c->name);
    if (env_of(o, c, p, e) < 0)
        return -1;
    p->rootfs = sbc_xasprintf("%s/rootfs", c->dir);
    p->upper = sbc_xasprintf("%s/upper", c->dir);
    p->work = sbc_xasprintf("%s/work", c->dir);
    /* also without cgroups: then sbc_cgroup_create refuses limits */
    const char *cgbase;
    if (!sbc_rootless())
        p->cgroup = sbc_xasprintf("sbc/%s", c->id);
    else if ((cgbase = sbc_cgroup_rootless_base(NULL, 0))) /* a delegated subtree */
        p->cgroup = sbc_xasprintf("%s/sbc/%s", cgbase, c->id);
    if (p->cgroup && strlen(p->cgroup) >= sizeof c->cgroup)
        return sbc_err_set(e, SBC_EXIT_FAIL, "rootless: the container's cgroup /%s is longer than %zu bytes "
                           "(the delegated subtree is too deep)", p->cgroup, sizeof c->cgroup - 1);
    config_json(o, p, c->config);
    snprintf(c->cgroup, sizeof c->cgroup, "%s", p->cgroup ? p->cgroup : "");
    c->autoremove = o->autoremove;
    /* /etc/hostname (hosts and resolv.conf come from the network setup) */
    char hostfile[sizeof p->hostname + 2];
    snprintf(hostfile, sizeof hostfile, "%s\n", p->hostname);
    if (write_file(c->dir, "hostname", hostfile, e) < 0)
        return -1;
    if (p->remap && chown_in(c->dir, "hostname", &p->ur, e) < 0)
        return -1;
    if (sbc_container_save_config(c, e) < 0 || sbc_container_save_state(c, e) < 0)
        return -1;
    if (o->autoremove && anon_volumes(o, c, e) < 0)
        return -1;
    if (make_rootfs(st->root, o, p, e) < 0)
        return -1;
    cJSON *spec = spec_json(o, p, c);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/spec.json", c->dir);
    if (sbc_json_write_durable(AT_FDCWD, path, spec, e) < 0) {
        cJSON_Delete(spec);
        return -1;
    }
    c->spec = spec; /* a run starts from it, not from the file again */
    return 0;
}

/* A volume of a container being made: created on first use (as Docker
 * does), an empty one filled from the image (unless nocopy) and, for a
 * remapped container, made its root's; b->src becomes its _data. */
static int volume_bind(const char *root, plan *p, sbc_bind *b, sbc_err *e)
{
    char nm[SBC_VOLUME_NAME_MAX + 1];
    int made = sbc_volume_create(root, b->anon ? NULL : b->volume, NULL, 0, nm, e);
    if (made < 0)
        return -1;
    p->vstr = sbc_xrealloc(p->vstr, (size_t)(p->nvstr + 2) * sizeof *p->vstr);
    b->volume = p->vstr[p->nvstr++] = sbc_xstrdup(nm);
    b->src = p->vstr[p->nvstr++] = sbc_volume_data(root, nm);
    if (b->anon && made) {
        p->made = sbc_xrealloc(p->made, (size_t)(p->nmade + 1) * sizeof *p->made);
        p->made[p->nmade++] = b->volume;
    }
    if (!made && !sbc_volume_empty(b->src))
        return 0;
    if (!b->nocopy && !sbc_rootless() &&
        sbc_volume_copy_up(b->src, (const char *const *)p->img.layer_dirs, p->img.nlayers, b->dst, e) < 0)
        return -1;
    if (p->remap && !sbc_rootless() && sbc_userns_shift_tree(b->src, &p->ur, e) < 0)
        return -1;
    return 0;
}

/* o's binds and the image's Volumes (an anonymous volume each, where no
 * -v, --mount or --tmpfs already is) into p->binds, the volumes made. */
static int volumes_of(const char *root, const sbc_create_opts *o, plan *p, sbc_err *e)
{
    const cJSON *iv = sbc_json_obj(p->icfg, "Volumes"), *v;
    p->binds = sbc_xrealloc(NULL, (size_t)(o->nbinds + cJSON_GetArraySize(iv) + 1) * sizeof *p->binds);
    if (o->nbinds)
        memcpy(p->binds, o->binds, (size_t)o->nbinds * sizeof *p->binds);
    int n = o->nbinds;
    cJSON_ArrayForEach(v, iv) {
        int taken = !v->string || *v->string != '/';
        for (int i = 0; i < n && !taken; i++)
            taken = !strcmp(p->binds[i].dst, v->string);
        for (int i = 0; i < o->ntmpfs && !taken; i++)
            taken = !strcmp(o->tmpfs[i].dst, v->string);
        if (!taken)
            p->binds[n++] = (sbc_bind){.dst = v->string, .anon = 1};
    }
    for (int i = 0; i < n; i++)
        if ((p->binds[i].volume || p->binds[i].anon) && volume_bind(root, p, &p->binds[i], e) < 0)
            return -1;
    return n;
}

int sbc_launch_create(sbc_store *st, const sbc_create_opts *o, sbc_container *c, sbc_err *e)
{
    __attribute__((cleanup(plan_free))) plan p;
    memset(&p, 0, sizeof p);
    memset(c, 0, sizeof *c);
    c->lockfd = -1;
    /* what can be checked is checked before anything is made */
    if (o->found) {
        p.img = *o->found;
        memset(o->found, 0, sizeof *o->found);
    } else if (sbc_image_lookup(st, o->image, &p.img, e) < 0) {
        return -1;
    }
    p.icfg = sbc_json_obj(p.img.config, "config");
    p.driver = sbc_rootfs_driver(st->root);
    if (netopts_of(st->root, o, &p, e) < 0 || nsmodes_of(st->root, o, &p, e) < 0 || command_of(o, &p, e) < 0 ||
        security_of(o, &p, e) < 0 || userns_of(st->root, o, &p, e) < 0)
        return -1;
    sbc_create_opts ov = *o; /* its binds with the volumes resolved */
    int nb = volumes_of(st->root, o, &p, e);
    ov.binds = p.binds, ov.nbinds = nb;
    int made = nb >= 0 && sbc_container_new(st->root, o->name, o->autoremove && p.driver == SBC_ROOTFS_OVERLAY, c, e) == 0;
    if (!made || fill(st, &ov, &p, c, e) < 0) {
        sbc_err ce;
        if (made) {
            sbc_container_remove(st->root, c, &ce);
            sbc_container_free(c);
        }
        for (int i = 0; i < p.nmade; i++)
            sbc_volume_remove(st->root, p.made[i], NULL, &ce);
        return -1;
    }
    return 0;
}

/* ---- start ------------------------------------------------------------ */

typedef struct net_ctx {
    const char *id, *dir;
    sbc_netopts opts;       /* config.json's NetOpts, parsed */
    char netns[32];         /* container:NAME's netns path */
    char nsbuf[6][32];      /* --pid/--ipc container:NAME's namespace paths */
    const sbc_userns_range *remap; /* remapped: hosts and resolv.conf are its root's */
    sbc_userns_range ur;
} net_ctx;

/* The network hook: runs after the child exists in its namespaces, before
 * it goes on.  Whatever an earlier run left (a monitor killed with -9) is
 * undone first; sbc_net_setup undoes itself when it fails. */
static int net_hook(void *arg, pid_t pid, const int nsfd[2], sbc_err *e)
{
    const net_ctx *n = arg;
    sbc_err e2 = {0};
    if (sbc_net_teardown(n->dir, &e2) < 0)
        SBC_DEBUG("network teardown before setup: %s", e2.msg);
    if (sbc_net_setup(n->id, n->opts.mode == SBC_NET_HOST ? 0 : pid, nsfd, n->dir, &n->opts, e) < 0)
        return -1;
    if (n->remap && (chown_in(n->dir, "hosts", n->remap, e) < 0 || chown_in(n->dir, "resolv.conf", n->remap, e) < 0))
        return -1;
    return 0;
}

/* Release the network of a container that stopped (lease, ports; the
 * kernel deletes the veth with the netns). */
static void net_release(const char *dir)
{
    sbc_err e = {0};
    if (sbc_net_release(dir, &e) < 0)
        SBC_DEBUG("network teardown: %s", e.msg);
}

static void state_running(sbc_container *c, const sbc_proc *p)
{
    sbc_ctr_state *s = &c->state;
    /* a restart policy's start keeps the count and the back-off; a user's
     * start begins again (and ends a stop's hold) */
    int again = getenv("SBC_RESTARTING") != NULL;
    *s = (sbc_ctr_state){
        .status = SBC_CTR_RUNNING, .pid = p->pid, .pid_start = sbc_proc_starttime(p->pid),
        .monitor_pid = getpid(), .monitor_start = sbc_proc_starttime(getpid()),
        .restart_count = again ? s->restart_count : 0, .backoff_ms = again ? s->backoff_ms : 0,
    };
    sbc_time_now(s->started, SBC_TIME_NSEC);
    snprintf(s->finished, sizeof s->finished, "0001-01-01T00:00:00Z");
}

/* A spawn that failed: its cgroup and network go, the state says why. */
static void spawn_failed(sbc_container *c, const sbc_spec *s, const sbc_err *err)
{
    sbc_err e2;
    if (s->cgroup)
        sbc_cgroup_destroy(s->cgroup, &e2);
    net_release(c->dir);
    snprintf(c->state.error, sizeof c->state.error, "%s", err->msg);
    c->state.exit_code = err->code ? err->code : SBC_EXIT_FAIL;
    sbc_container_save_state(c, &e2);
}

/* What the monitor needs of a started container; out and err are the
 * container's output pipes (-1: none, or a pty in out). */
static sbc_monitor_args monitor_args(const char *root, const sbc_container *c, const sbc_spec *s,
                                     const sbc_proc *p, int out, int err)
{
    int restart = SBC_RESTART_NO, rmax = 0;
    const cJSON *rp = sbc_json_obj(sbc_json_obj(c->config, "HostConfig"), "RestartPolicy");
    if (sbc_restart_parse(sbc_json_str(rp, "Name"), &restart, &rmax) == 0 && restart == SBC_RESTART_ON_FAILURE)
        rmax = (int)sbc_json_int(rp, "MaximumRetryCount", 0);
    int hms[3];
    sbc_health_times(c->config, hms);
    return (sbc_monitor_args){
        .health = {hms[0], hms[1], hms[2]},
        .root = root, .id = c->id, .name = c->name, .dir = c->dir,
        .cgroup = s->cgroup ? s->cgroup : "", .started = c->state.started,
        .pid = p->pid, .pidstart = c->state.pid_start,
        .out = out, .err = err, .pidfd = p->pidfd, .autoremove = c->autoremove,
        .restart = restart, .restart_max = rmax, .config = sbc_config_dir(),
    };
}

/* The monitor's command line: "--sbc-monitor", then one word per field of
 * sbc_monitor_args in this table's order (ROOT ID NAME ..., so ps shows
 * whose monitor it is); encoded and decoded by the table alone. */
enum mon_kind { MON_STR, MON_PID, MON_ULL, MON_INT };
static const struct mon_field {
    const char *what;
    enum mon_kind kind;
    size_t off;
} mon_fields[] = {
    {"root", MON_STR, offsetof(sbc_monitor_args, root)},
    {"id", MON_STR, offsetof(sbc_monitor_args, id)},
    {"name", MON_STR, offsetof(sbc_monitor_args, name)},
    {"dir", MON_STR, offsetof(sbc_monitor_args, dir)},
    {"cgroup", MON_STR, offsetof(sbc_monitor_args, cgroup)},
    {"started", MON_STR, offsetof(sbc_monitor_args, started)},
    {"pid", MON_PID, offsetof(sbc_monitor_args, pid)},
    {"pidstart", MON_ULL, offsetof(sbc_monitor_args, pidstart)},
    {"out", MON_INT, offsetof(sbc_monitor_args, out)},
    {"err", MON_INT, offsetof(sbc_monitor_args, err)},
    {"pidfd", MON_INT, offsetof(sbc_monitor_args, pidfd)},
    {"autoremove", MON_INT, offsetof(sbc_monitor_args, autoremove)},
    {"restart", MON_INT, offsetof(sbc_monitor_args, restart)},
    {"restartmax", MON_INT, offsetof(sbc_monitor_args, restart_max)},
    {"config", MON_STR, offsetof(sbc_monitor_args, config)},
    {"hcinterval", MON_INT, offsetof(sbc_monitor_args, health[0])},
    {"hcstartint", MON_INT, offsetof(sbc_monitor_args, health[1])},
    {"hcperiod", MON_INT, offsetof(sbc_monitor_args, health[2])},
};
#define MON_NFIELDS (sizeof mon_fields / sizeof *mon_fields)

/* argv (MON_NFIELDS + 3 slots) for a, its numbers in nums. */
static void monitor_argv(const sbc_monitor_args *a, char nums[MON_NFIELDS][24], char **argv)
{
    argv[0] = "sbc-run";
    argv[1] = "--sbc-monitor";
    for (size_t i = 0; i < MON_NFIELDS; i++) {
        const struct mon_field *f = &mon_fields[i];
        const char *v = (const char *)a + f->off;
        argv[2 + i] = nums[i];
        switch (f->kind) {
        case MON_STR: argv[2 + i] = (char *)*(const char *const *)v; break;
        case MON_PID: snprintf(nums[i], 24, "%d", (int)*(const pid_t *)v); break;
        case MON_ULL: snprintf(nums[i], 24, "%llu", *(const unsigned long long *)v); break;
        case MON_INT: snprintf(nums[i], 24, "%d", *(const int *)v); break;
        }
    }
    argv[2 + MON_NFIELDS] = NULL;
}

int sbc_launch_monitor_main(int argc, char **argv)
{
    if (argc != (int)MON_NFIELDS)
        return SBC_EXIT_FAIL;
    sbc_monitor_args a;
    for (size_t i = 0; i < MON_NFIELDS; i++) {
        char *v = (char *)&a + mon_fields[i].off;
        switch (mon_fields[i].kind) {
        case MON_STR: *(const char **)v = argv[i]; break;
        case MON_PID: *(pid_t *)v = (pid_t)atoi(argv[i]); break;
        case MON_ULL: *(unsigned long long *)v = strtoull(argv[i], NULL, 10); break;
        case MON_INT: *(int *)v = atoi(argv[i]); break;
        }
    }
    sbc_monitor_detached(&a);
    return 0;
}

static int load_spec(sbc_container *c, sbc_spec *s, sbc_err *e)
{
    if (c->spec) { /* just made by sbc_launch_create: the spec takes it over */
        cJSON *j = c->spec;
        c->spec = NULL;
        return sbc_spec_from_oci(j, s, e);
    }
    cJSON *j = sbc_json_read_in(c->dir, "spec.json", e);
    if (!j)
        return -1;
    return sbc_spec_from_oci(j, s, e);
}

/* --pid/--ipc container:NAME: the namespace the target has now; -1 when
 * it does not run. */
static int ns_targets(sbc_spec *s, net_ctx *nc, sbc_err *e)
{
    for (int k = 0; k < s->nnsjoin; k++) {
        const char *t = s->nsjoin[k].ctr, *kind = s->nsjoin[k].type == CLONE_NEWIPC ? "ipc" : "pid";
        if (!t)
            continue;
        if (!(s->nsjoin[k].path = ns_of(t, kind, nc->nsbuf[k]))) {
            sbc_err e2 = {0};
            sbc_cleanup_json cJSON *tc = sbc_json_read_in(t, "config.json", &e2);
            const char *nm = sbc_json_str(tc, "Name");
            return sbc_err_set(e, SBC_EXIT_FAIL, "cannot join the %s namespace of a non running container: %s", kind,
                               nm ? nm : strrchr(t, '/') + 1);
        }
    }
    return 0;
}

/* Start's first step: c is neither running nor exiting, is locked, its
 * spec is loaded with the network hook, and a container:NAME target's
 * netns is the one it has now. */
static int start_prepare(sbc_container *c, sbc_spec *s, net_ctx *nc, sbc_err *e)
{
    /* a monitor still recording the last exit would write over this run */
    if (sbc_container_settle(c, SBC_SETTLE_SECS) == 2)
        return sbc_err_set(e, 0, "container %s is still exiting", c->name);
    if (sbc_container_lock(c, e) < 0)
        return -1;
    if (sbc_container_refresh(c))
        return sbc_err_set(e, 0, "container %s is already running", c->name);
    if (load_spec(c, s, e) < 0)
        return -1;
    nc->id = c->id;
    nc->dir = c->dir;
    if (sbc_netopts_parse(sbc_json_obj(c->config, "NetOpts"), &nc->opts, e) < 0)
        return -1;
    s->hook = net_hook;
    s->hook_arg = nc;
    if (s->ns & CLONE_NEWUSER) {
        nc->ur = (sbc_userns_range){s->uidmap[0].host, s->gidmap[0].host, s->uidmap[0].size};
        nc->remap = &nc->ur;
    }
    const char *tdir = nc->opts.ctr_dir;
    if (tdir && !(s->netns_path = ns_of(tdir, "net", nc->netns))) {
        sbc_err e2 = {0};
        sbc_cleanup_json cJSON *tc = sbc_json_read_in(tdir, "config.json", &e2);
        const char *nm = sbc_json_str(tc, "Name");
        return sbc_err_set(e, SBC_EXIT_FAIL, "cannot join network of a non running container: %s",
                           nm ? nm : strrchr(tdir, '/') + 1);
    }
    if (ns_targets(s, nc, e) < 0)
        return -1;
    const cJSON *hc = sbc_json_obj(c->config, "HostConfig");
    const char *im = sbc_json_str(hc, "IpcMode");
    if (im && !strcmp(im, "shareable"))
        return sbc_container_shm_mount(c->dir, sbc_json_int(hc, "ShmSize", 64LL << 20), e);
    return 0;
}

static void close_pair(int p[2])
{
    for (int i = 0; i < 2; i++)
        if (p[i] >= 0)
            close(p[i]);
}

/* A foreground container's output is logged as a detached one's, as Docker
 * does (sbc-logs works after sbc-run): through pipes that sbc-run relays,
 * unless it is removed at its end (--rm: it writes to sbc-run's own fds). */
static void foreground_io(const sbc_container *c, sbc_spec *s, int flags, sbc_fg_io *io, int out[2], int err[2])
{
    *io = (sbc_fg_io){.ptmx = -1, .out = -1, .err = -1, .log = -1, .interactive = flags & SBC_START_STDIN,
                      .kill_on_stop = !!(flags & SBC_START_KILL_ON_STOP),
                      .show = (flags & SBC_START_NO_STDOUT ? 0 : 2) | (flags & SBC_START_NO_STDERR ? 0 : 4)};
    s->stdio[0] = flags & SBC_START_STDIN ? STDIN_FILENO : -1;
    s->stdio[1] = flags & SBC_START_NO_STDOUT ? -1 : STDOUT_FILENO;
    s->stdio[2] = flags & SBC_START_NO_STDERR ? -1 : STDERR_FILENO;
    if (c->autoremove)
        return;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/container.log", c->dir);
    io->log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (io->log < 0 || s->terminal)
        return;
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
        close_pair(out), close_pair(err);
        return;
    }
    s->stdio[1] = out[1], io->out = out[0];
    s->stdio[2] = err[1], io->err = err[0];
}

static int start_foreground(const char *root, sbc_container *c, sbc_spec *s, int interactive,
                            int *exit_code, sbc_err *e)
{
    sbc_fg_io io;
    int out[2] = {-1, -1}, err[2] = {-1, -1};
    foreground_io(c, s, interactive, &io, out, err);
    /* signals arriving between spawn and the wait loop are forwarded */
    sigset_t set, old;
    sbc_monitor_sigset(&set);
    sigprocmask(SIG_BLOCK, &set, &old);
    sbc_proc p;
    int rc = sbc_spawn(s, &p, e);
    if (out[1] >= 0)
        close(out[1]), close(err[1]);
    if (rc < 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        spawn_failed(c, s, e);
        if (io.log >= 0)
            close(io.log);
        close_pair((int[]){out[0], err[0]});
        return -1;
    }
    state_running(c, &p);
    sbc_err se;
    sbc_container_save_state(c, &se);
    sbc_container_unlock(c);
    io.ptmx = p.ptmx;
    int hms[3];
    sbc_health_sched hs;
    sbc_health_times(c->config, hms);
    sbc_health_init(&hs, root, c->id, sbc_config_dir(), hms);
    int code = sbc_monitor_foreground(p.pid, p.pidfd, &io, &hs); /* (closes io.out, io.err) */
    if (io.log >= 0)
        close(io.log);
    sigprocmask(SIG_SETMASK, &old, NULL);
    sbc_monitor_args ma = monitor_args(root, c, s, &p, -1, -1);
    sbc_monitor_finish(&ma, code);
    if (p.pidfd >= 0)
        close(p.pidfd);
    if (p.ptmx >= 0)
        close(p.ptmx);
    *exit_code = code;
    return 0;
}

/* Become the container's monitor: exec a fresh image of sbc (host side:
 * the container's namespaces were never joined here) so the monitor
 * carries none of run's heap; without exec, be it in this image. */
static _Noreturn void exec_monitor(const sbc_monitor_args *ma)
{
    int fds[] = {ma->out, ma->err, ma->pidfd};
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
        if (fds[i] >= 0)
            fcntl(fds[i], F_SETFD, 0);
    char nums[MON_NFIELDS][24], *argv[MON_NFIELDS + 3];
    char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
    monitor_argv(ma, nums, argv);
    /* the monitor stays on the host side: the on-disk binary (shared page
     * cache) rather than this process's sealed copy (runtime/exeseal.h) */
    if (sbc_exe_host_fd() >= 0)
        syscall(SYS_execveat, sbc_exe_host_fd(), "", argv, envp, AT_EMPTY_PATH);
    execve("/proc/self/exe", argv, envp);
    sbc_monitor_detached(ma);
    _exit(0);
}

/* The grandchild of a detached start: spawn the container, report on
 * `ready` ("000", or a 3-digit exit code and the message), then become
 * its monitor. */
static _Noreturn void detached_child(const char *root, sbc_container *c, sbc_spec *s, int ready,
                                     const int out[2], const int err[2])
{
    sbc_err me = {0};
    int dn = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (dn >= 0) {
        dup2(dn, 0);
        dup2(dn, 1);
        dup2(dn, 2);
        close(dn);
    }
    if (chdir("/") < 0)
        _exit(SBC_EXIT_FAIL);
    s->stdio[0] = -1;
    s->stdio[1] = out[1];
    s->stdio[2] = err[1];
    sbc_proc p;
    if (sbc_spawn(s, &p, &me) < 0) {
        spawn_failed(c, s, &me);
        char msg[sizeof me.msg + 8];
        int n = snprintf(msg, sizeof msg, "%03d%s", me.code ? me.code : SBC_EXIT_FAIL, me.msg);
        sbc_write_full(ready, msg, (size_t)n);
        if (c->autoremove)
            sbc_container_remove(root, c, &me);
        _exit(1);
    }
    if (out[1] >= 0) {
        close(out[1]);
        close(err[1]);
    }
    state_running(c, &p);
    sbc_container_save_state(c, &me);
    sbc_write_full(ready, "000", 3);
    sbc_monitor_args ma = monitor_args(root, c, s, &p, s->terminal ? p.ptmx : out[0], s->terminal ? -1 : err[0]);
    exec_monitor(&ma);
}

/* Detached: a double fork; the grandchild spawns the container and
 * becomes its monitor, and says over a pipe whether the spawn worked. */
static int start_detached(const char *root, sbc_container *c, sbc_spec *s, sbc_err *e)
{
    int ready[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    if (pipe2(ready, O_CLOEXEC) < 0 || (!s->terminal && (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0))) {
        sbc_err_sys(e, "pipe");
        close_pair(ready), close_pair(out), close_pair(err);
        return -1;
    }
    fflush(NULL);
    pid_t r1 = fork();
    if (r1 == 0) {
        close(ready[0]);
        setsid();
        pid_t r2 = fork();
        if (r2 != 0)
            _exit(r2 < 0);
        detached_child(root, c, s, ready[1], out, err);
    }
    int fork_errno = errno;
    close(ready[1]);
    close_pair(out);
    close_pair(err);
    if (r1 < 0) {
        close(ready[0]);
        errno = fork_errno;
        return sbc_err_sys(e, "fork");
    }
    waitpid(r1, NULL, 0);
    char msg[sizeof e->msg + 8];
    ssize_t n = sbc_read_full(ready[0], msg, sizeof msg - 1);
    close(ready[0]);
    if (n < 3)
        return sbc_err_set(e, 0, "the container's monitor failed to start");
    msg[n] = 0;
    int code = (msg[0] - '0') * 100 + (msg[1] - '0') * 10 + (msg[2] - '0');
    return code ? sbc_err_set(e, code, "%s", msg + 3) : 0;
}

int sbc_launch_start(const char *root, sbc_container *c, int detached, int interactive,
                     int *exit_code, sbc_err *e)
{
    __attribute__((cleanup(sbc_spec_free))) sbc_spec s;
    memset(&s, 0, sizeof s);
    net_ctx nc = {0};
    int rc = start_prepare(c, &s, &nc, e);
    if (rc == 0 && detached) {
        rc = start_detached(root, c, &s, e);
        *exit_code = 0;
    } else if (rc == 0) {
        rc = start_foreground(root, c, &s, interactive, exit_code, e);
    }
    sbc_netopts_free(&nc.opts);
    sbc_container_unlock(c);
    return rc;
}
