/* launch.c - create and start containers (see launch.h). */
#include "runtime/launch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>

#include "runtime/caps.h"
#include "runtime/cgroup.h"
#include "base/io.h"
#include "net/ipam.h"
#include "base/json.h"
#include "base/time.h"
#include "runtime/monitor.h"
#include "net/net.h"
#include "image/rootfs.h"
#include "runtime/spawn.h"
#include "runtime/spec.h"

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
static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

/* The running container whose state dir is dir: its pid, else 0. */
static pid_t running_pid(const char *dir)
{
    sbc_err e2 = {0};
    cJSON *st = sbc_json_read_in(dir, "state.json", &e2);
    const char *s = sbc_json_str(st, "Status");
    pid_t pid = (pid_t)sbc_json_int(st, "Pid", 0);
    unsigned long long ps = (unsigned long long)sbc_json_int(st, "PidStart", 0);
    int alive = s && !strcmp(s, "running") && sbc_proc_alive(pid, ps);
    cJSON_Delete(st);
    return alive ? pid : 0;
}

/* The netopts of net.h from the options; *mode gets HostConfig.NetworkMode
 * and *nspath the netns of a container:NAME target when it runs. */
static cJSON *build_netopts(const char *root, const sbc_create_opts *o, const cJSON *icfg, char **mode,
                            char **nspath, sbc_err *e)
{
    const char *net = o->network && *o->network ? o->network : SBC_NET_DEFAULT;
    cJSON *j = cJSON_CreateObject();
    if (!strcmp(net, "bridge") || !strcmp(net, "default")) {
        cJSON_AddStringToObject(j, "mode", "bridge");
        *mode = sbc_xstrdup("bridge");
    } else if (!strcmp(net, "none") || !strcmp(net, "host")) {
        cJSON_AddStringToObject(j, "mode", net);
        *mode = sbc_xstrdup(net);
    } else if (!strncmp(net, "container:", 10)) {
        sbc_container t;
        if (sbc_container_open(root, net + 10, &t, e) < 0) {
            cJSON_Delete(j);
            return NULL;
        }
        cJSON_AddStringToObject(j, "mode", "container");
        cJSON_AddStringToObject(j, "container_state_dir", t.dir);
        *mode = sbc_xasprintf("container:%s", t.id);
        pid_t pid = running_pid(t.dir);
        if (pid > 0)
            *nspath = sbc_xasprintf("/proc/%d/ns/net", (int)pid);
        sbc_container_free(&t);
    } else {
        cJSON_Delete(j);
        sbc_err_set(e, SBC_EXIT_FAIL, "network %s not found (use bridge, none, host or container:NAME)", net);
        return NULL;
    }
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
        cJSON_ArrayForEach(it, sbc_json_obj(icfg, "ExposedPorts"))
            if (it->string)
                cJSON_AddItemToArray(ex, cJSON_CreateString(it->string));
    }
    if (o->ndns)
        cJSON_AddItemToObject(j, "dns", str_array(o->dns, o->ndns));
    if (o->ndns_search)
        cJSON_AddItemToObject(j, "dns_search", str_array(o->dns_search, o->ndns_search));
    if (o->ndns_options)
        cJSON_AddItemToObject(j, "dns_options", str_array(o->dns_options, o->ndns_options));
    if (o->nadd_hosts)
        cJSON_AddItemToObject(j, "add_hosts", str_array(o->add_hosts, o->nadd_hosts));
    return j;
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

int sbc_launch_create(sbc_store *st, const sbc_create_opts *o, sbc_container *c, sbc_err *e)
{
    sbc_image img;
    memset(&img, 0, sizeof img);
    memset(c, 0, sizeof *c);
    c->lockfd = -1;
    if (sbc_image_lookup(st, o->image, &img, e) < 0)
        return -1;
    const cJSON *icfg = sbc_json_obj(img.config, "config");
    /* the network, checked before anything is made */
    char *netmode = NULL, *target_pid_ns = NULL;
    cJSON *netopts = build_netopts(st->root, o, icfg, &netmode, &target_pid_ns, e);
    if (!netopts || sbc_net_validate(netopts, e) < 0) {
        cJSON_Delete(netopts);
        free(netmode);
        free(target_pid_ns);
        sbc_image_free(&img);
        return -1;
    }
    const char *net = sbc_json_str(netopts, "mode");
    int driver = sbc_rootfs_driver(st->root);
    int rc = -1;
    cJSON *spec = NULL;
    if (sbc_container_new(st->root, o->name, o->autoremove && driver == SBC_ROOTFS_OVERLAY, c, e) < 0)
        goto out;
    cJSON_DeleteItemFromObjectCaseSensitive(netopts, "name");
    cJSON_AddStringToObject(netopts, "name", sbc_container_name(c));
    char now[48];
    sbc_time_now(now, SBC_TIME_NSEC);
    /* the command: entrypoint + cmd, as Docker combines them */
    cJSON *args = cJSON_CreateArray(), *ep, *cmd;
    if (o->entrypoint_set)
        ep = *o->entrypoint ? str_array(&o->entrypoint, 1) : cJSON_CreateArray();
    else
        ep = sbc_json_arr(icfg, "Entrypoint") ? cJSON_Duplicate(sbc_json_arr(icfg, "Entrypoint"), 1) : cJSON_CreateArray();
    if (o->ncmd)
        cmd = str_array((const char *const *)o->cmd, o->ncmd);
    else if (!o->entrypoint_set && sbc_json_arr(icfg, "Cmd"))
        cmd = cJSON_Duplicate(sbc_json_arr(icfg, "Cmd"), 1);
    else
        cmd = cJSON_CreateArray();
    cJSON *it;
    cJSON_ArrayForEach(it, ep) cJSON_AddItemToArray(args, cJSON_Duplicate(it, 0));
    cJSON_ArrayForEach(it, cmd) cJSON_AddItemToArray(args, cJSON_Duplicate(it, 0));
    if (cJSON_GetArraySize(args) == 0) {
        cJSON_Delete(args);
        cJSON_Delete(ep);
        cJSON_Delete(cmd);
        sbc_err_set(e, SBC_EXIT_FAIL, "no command specified");
        goto fail;
    }
    /* environment */
    cJSON *env = sbc_json_arr(icfg, "Env") ? cJSON_Duplicate(sbc_json_arr(icfg, "Env"), 1) : cJSON_CreateArray();
    if (!env_has(env, "PATH"))
        env_set(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    char hn[128];
    if (o->hostname)
        snprintf(hn, sizeof hn, "%s", o->hostname);
    else if (!strcmp(net, "host") && gethostname(hn, sizeof hn) == 0)
        ;
    else
        snprintf(hn, sizeof hn, "%.12s", c->id);
    if (!o->hostname && strcmp(net, "host"))
        cJSON_AddStringToObject(netopts, "hostname", hn);
    char *hv = sbc_xasprintf("HOSTNAME=%s", hn);
    env_set(env, hv);
    free(hv);
    if (o->tty)
        env_set(env, "TERM=xterm");
    for (int i = 0; i < o->nenv_files; i++)
        if (env_file(env, o->env_files[i], e) < 0) {
            cJSON_Delete(env);
            cJSON_Delete(args);
            cJSON_Delete(ep);
            cJSON_Delete(cmd);
            goto fail;
        }
    for (int i = 0; i < o->nenv; i++)
        env_add_opt(env, o->env[i]);
    const char *wd = o->workdir ? o->workdir : sbc_json_str(icfg, "WorkingDir");
    if (!wd || !*wd)
        wd = "/";
    const char *user = o->user ? o->user : sbc_json_str(icfg, "User");
    if (user && !*user)
        user = NULL;
    const char *stopsig = o->stop_signal ? o->stop_signal : sbc_json_str(icfg, "StopSignal");
    if (stopsig && sbc_signal_from_name(stopsig) < 0) {
        sbc_err_set(e, 0, "invalid stop signal: %s", stopsig);
        cJSON_Delete(env);
        cJSON_Delete(args);
        cJSON_Delete(ep);
        cJSON_Delete(cmd);
        goto fail;
    }

    /* config.json: what the user asked for, and what the container owns */
    cJSON *cf = c->config;
    cJSON_AddStringToObject(cf, "Created", now);
    cJSON_AddStringToObject(cf, "Image", o->image);
    cJSON_AddStringToObject(cf, "ImageID", img.id);
    cJSON_AddStringToObject(cf, "Path", cJSON_GetArrayItem(args, 0)->valuestring);
    cJSON *rest = cJSON_Duplicate(args, 1);
    cJSON_DeleteItemFromArray(rest, 0);
    cJSON_AddItemToObject(cf, "Args", rest);
    cJSON *cc = cJSON_AddObjectToObject(cf, "Config");
    cJSON_AddStringToObject(cc, "Hostname", hn);
    sbc_json_add_str(cc, "User", user ? user : "");
    cJSON_AddBoolToObject(cc, "Tty", o->tty);
    cJSON_AddBoolToObject(cc, "OpenStdin", o->interactive);
    cJSON_AddItemToObject(cc, "Env", cJSON_Duplicate(env, 1));
    cJSON_AddItemToObject(cc, "Cmd", cmd);
    cJSON_AddItemToObject(cc, "Entrypoint", ep);
    cJSON_AddStringToObject(cc, "Image", o->image);
    cJSON_AddStringToObject(cc, "WorkingDir", wd);
    sbc_json_add_str(cc, "StopSignal", stopsig ? stopsig : "SIGTERM");
    cJSON *hc = cJSON_AddObjectToObject(cf, "HostConfig");
    cJSON_AddBoolToObject(hc, "AutoRemove", o->autoremove);
    cJSON_AddStringToObject(hc, "NetworkMode", netmode);
    cJSON_AddItemToObject(hc, "PortBindings", port_bindings(o));
    cJSON_AddBoolToObject(hc, "PublishAllPorts", o->publish_all);
    cJSON_AddItemToObject(hc, "Dns", str_array(o->dns, o->ndns));
    cJSON_AddItemToObject(hc, "DnsSearch", str_array(o->dns_search, o->ndns_search));
    cJSON_AddItemToObject(hc, "DnsOptions", str_array(o->dns_options, o->ndns_options));
    cJSON_AddItemToObject(hc, "ExtraHosts", str_array(o->add_hosts, o->nadd_hosts));
    /* what sbc_net_setup gets at every start */
    cJSON_AddItemToObject(cf, "NetOpts", cJSON_Duplicate(netopts, 1));
    cJSON_AddBoolToObject(hc, "ReadonlyRootfs", o->read_only);
    cJSON_AddBoolToObject(hc, "Init", o->init);
    cJSON_AddNumberToObject(hc, "Memory", (double)o->memory);
    cJSON_AddNumberToObject(hc, "NanoCpus", o->cpus * 1e9);
    cJSON_AddNumberToObject(hc, "PidsLimit", (double)o->pids);
    cJSON_AddItemToObject(hc, "Binds", str_array(o->volumes, o->nvolumes));
    cJSON_AddItemToObject(hc, "Tmpfs", str_array(o->tmpfs, o->ntmpfs));
    cJSON_AddStringToObject(cf, "Driver", sbc_rootfs_driver_str(driver));
    char *rootfs = sbc_xasprintf("%s/rootfs", c->dir), *upper = sbc_xasprintf("%s/upper", c->dir),
         *work = sbc_xasprintf("%s/work", c->dir);
    /* also without cgroups: then sbc_cgroup_create refuses limits */
    char *cg = sbc_xasprintf("sbc/%s", c->id);
    cJSON *res = cJSON_AddObjectToObject(cf, "Resources");
    sbc_json_add_str(res, "Cgroup", cg);
    cJSON_AddStringToObject(res, "Rootfs", rootfs);
    cJSON *gd = cJSON_AddObjectToObject(cf, "GraphDriver");
    cJSON_AddStringToObject(gd, "Name", sbc_rootfs_driver_str(driver));
    cJSON *gdd = cJSON_AddObjectToObject(gd, "Data");
    if (driver == SBC_ROOTFS_OVERLAY) {
        sbc_buf lb = {0};
        for (int i = img.nlayers - 1; i >= 0; i--)
            sbc_buf_printf(&lb, "%s%s", img.layer_dirs[i], i ? ":" : "");
        cJSON_AddStringToObject(gdd, "LowerDir", lb.data ? lb.data : "");
        sbc_buf_free(&lb);
        cJSON_AddStringToObject(gdd, "UpperDir", upper);
        cJSON_AddStringToObject(gdd, "WorkDir", work);
    }
    cJSON_AddStringToObject(gdd, "MergedDir", rootfs);

    /* spec.json: the OCI description the engine runs */
    spec = cJSON_CreateObject();
    cJSON_AddStringToObject(spec, "ociVersion", "1.0.2");
    cJSON *proc = cJSON_AddObjectToObject(spec, "process");
    cJSON_AddBoolToObject(proc, "terminal", o->tty);
    cJSON_AddItemToObject(proc, "args", args);
    cJSON_AddItemToObject(proc, "env", env);
    cJSON_AddStringToObject(proc, "cwd", wd);
    if (user)
        cJSON_AddStringToObject(proc, "sbc.user", user);
    if (o->init)
        cJSON_AddBoolToObject(proc, "sbc.init", 1);
    cJSON *caps = cJSON_AddObjectToObject(proc, "capabilities");
    cJSON *bnd = cJSON_AddArrayToObject(caps, "bounding");
    uint64_t dc = sbc_caps_default();
    for (int i = 0; i < 64; i++)
        if (dc & (1ULL << i)) {
            char *n = sbc_xasprintf("CAP_%s", sbc_cap_name(i));
            cJSON_AddItemToArray(bnd, cJSON_CreateString(n));
            free(n);
        }
    cJSON_AddItemToObject(caps, "effective", cJSON_Duplicate(bnd, 1));
    cJSON_AddItemToObject(caps, "permitted", cJSON_Duplicate(bnd, 1));
    cJSON *root = cJSON_AddObjectToObject(spec, "root");
    cJSON_AddStringToObject(root, "path", rootfs);
    cJSON_AddBoolToObject(root, "readonly", o->read_only);
    if (driver == SBC_ROOTFS_OVERLAY) {
        cJSON *ov = cJSON_AddObjectToObject(root, "sbc.overlay");
        cJSON_AddItemToObject(ov, "lower", str_array((const char *const *)img.layer_dirs, img.nlayers));
        cJSON_AddStringToObject(ov, "upper", upper);
        cJSON_AddStringToObject(ov, "work", work);
    }
    cJSON_AddStringToObject(spec, "hostname", hn);
    cJSON *ms = cJSON_AddArrayToObject(spec, "mounts");
    cJSON_AddItemToArray(ms, mount_obj("/proc", "proc", "proc", "nosuid,noexec,nodev"));
    cJSON_AddItemToArray(ms, mount_obj("/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"));
    cJSON_AddItemToArray(ms, mount_obj("/dev/pts", "devpts", "devpts", "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"));
    cJSON_AddItemToArray(ms, mount_obj("/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro"));
    cJSON_AddItemToArray(ms, mount_obj("/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev"));
    cJSON_AddItemToArray(ms, mount_obj("/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=65536k"));
    /* hosts and resolv.conf are written by sbc_net_setup at every start,
     * before the container goes on */
    static const char *const etc[] = {"resolv.conf", "hostname", "hosts"};
    for (int i = 0; i < 3; i++) {
        char *d = sbc_xasprintf("/etc/%s", etc[i]), *s = sbc_xasprintf("%s/%s", c->dir, etc[i]);
        cJSON_AddItemToArray(ms, mount_obj(d, "bind", s, "rbind,rprivate"));
        free(d);
        free(s);
    }
    cJSON *mj = cJSON_AddArrayToObject(cf, "Mounts");
    for (int i = 0; i < o->nvolumes; i++) {
        char *v = sbc_xstrdup(o->volumes[i]);
        char *src = v, *dst = strchr(v, ':'), *mo = NULL;
        if (dst) {
            *dst++ = 0;
            mo = strchr(dst, ':');
            if (mo)
                *mo++ = 0;
        }
        int ro = mo && !strcmp(mo, "ro");
        if (!dst || *src != '/' || *dst != '/' || (mo && strcmp(mo, "ro") && strcmp(mo, "rw"))) {
            sbc_err_set(e, 0, "invalid volume specification: '%s' (want /HOST:/CONTAINER[:ro])", o->volumes[i]);
            free(v);
            goto fail2;
        }
        if (access(src, F_OK) < 0 && sbc_mkdir_p(src, 0755, e) < 0) {
            free(v);
            goto fail2;
        }
        cJSON_AddItemToArray(ms, mount_obj(dst, "bind", src, ro ? "rbind,ro" : "rbind"));
        cJSON *mm = cJSON_CreateObject();
        cJSON_AddStringToObject(mm, "Type", "bind");
        cJSON_AddStringToObject(mm, "Source", src);
        cJSON_AddStringToObject(mm, "Destination", dst);
        cJSON_AddBoolToObject(mm, "RW", !ro);
        cJSON_AddItemToArray(mj, mm);
        free(v);
    }
    for (int i = 0; i < o->ntmpfs; i++) {
        char *v = sbc_xstrdup(o->tmpfs[i]);
        char *opt = strchr(v, ':');
        if (opt)
            *opt++ = 0;
        if (*v != '/') {
            sbc_err_set(e, 0, "invalid tmpfs mount: '%s'", o->tmpfs[i]);
            free(v);
            goto fail2;
        }
        char *oo = sbc_xasprintf("nosuid,nodev,noexec%s%s", opt ? "," : "", opt ? opt : "");
        cJSON_AddItemToArray(ms, mount_obj(v, "tmpfs", "tmpfs", oo));
        cJSON *mm = cJSON_CreateObject();
        cJSON_AddStringToObject(mm, "Type", "tmpfs");
        cJSON_AddStringToObject(mm, "Destination", v);
        cJSON_AddItemToArray(mj, mm);
        free(oo);
        free(v);
    }
    cJSON *lx = cJSON_AddObjectToObject(spec, "linux");
    cJSON *nss = cJSON_AddArrayToObject(lx, "namespaces");
    const char *nsn[] = {"pid", "ipc", "uts", "mount", "network", "cgroup"};
    for (int i = 0; i < 6; i++) {
        if (i == 4 && !strcmp(net, "host"))
            continue;
        if (i == 5 && access("/proc/self/ns/cgroup", F_OK) < 0)
            continue;
        cJSON *n = cJSON_CreateObject();
        cJSON_AddStringToObject(n, "type", nsn[i]);
        if (i == 4 && target_pid_ns) /* container:NAME; start re-resolves it */
            cJSON_AddStringToObject(n, "path", target_pid_ns);
        cJSON_AddItemToArray(nss, n);
    }
    cJSON_AddItemToObject(lx, "maskedPaths", str_array(masked_paths, sizeof masked_paths / sizeof *masked_paths));
    cJSON_AddItemToObject(lx, "readonlyPaths", str_array(readonly_paths, sizeof readonly_paths / sizeof *readonly_paths));
    if (cg)
        cJSON_AddStringToObject(lx, "cgroupsPath", cg);
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

    /* /etc/hostname (hosts and resolv.conf come from the network setup) */
    char *hostfile = sbc_xasprintf("%s\n", hn);
    int w = write_file(c->dir, "hostname", hostfile, e) < 0;
    free(hostfile);
    if (w)
        goto fail2;
    /* record first (config.json), then make */
    if (sbc_container_save_config(c, e) < 0 || sbc_container_save_state(c, e) < 0)
        goto fail2;
    if (driver != SBC_ROOTFS_BTRFS && mkdir(rootfs, 0755) < 0 && errno != EEXIST) {
        sbc_err_sys(e, "mkdir %s", rootfs);
        goto fail2;
    }
    if (driver == SBC_ROOTFS_OVERLAY) {
        if (mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0) {
            sbc_err_sys(e, "mkdir %s", upper);
            goto fail2;
        }
    } else if (driver == SBC_ROOTFS_COPY) {
        if (sbc_rootfs_copy_layers(rootfs, (const char **)img.layer_dirs, img.nlayers, e) < 0)
            goto fail2;
    } else if (sbc_rootfs_btrfs_snapshot(st->root, rootfs, (const char **)img.layer_dirs, img.nlayers, e) < 0) {
        goto fail2;
    }
    {
        char *p = sbc_xasprintf("%s/spec.json", c->dir);
        int bad = sbc_json_write_durable(AT_FDCWD, p, spec, e) < 0;
        free(p);
        if (bad)
            goto fail2;
        c->spec = spec; /* a run starts from it, not from the file again */
        spec = NULL;
    }
    rc = 0;
    goto done;
fail2:
    rc = -1;
done:
    free(rootfs);
    free(upper);
    free(work);
    free(cg);
    if (rc == 0)
        goto out;
fail:;
    sbc_err ce;
    sbc_container_remove(st->root, c, &ce);
    sbc_container_free(c);
    rc = -1;
out:
    cJSON_Delete(spec);
    cJSON_Delete(netopts);
    free(netmode);
    free(target_pid_ns);
    sbc_image_free(&img);
    return rc;
}

/* ---- start ------------------------------------------------------------ */

typedef struct net_ctx {
    const char *id, *dir;
    const cJSON *netopts;
} net_ctx;

/* The network hook: runs after the child exists in its namespaces, before
 * it goes on.  Whatever an earlier run left (a monitor killed with -9) is
 * undone first; sbc_net_setup undoes itself when it fails. */
static int net_hook(void *arg, pid_t pid, sbc_err *e)
{
    const net_ctx *n = arg;
    sbc_err e2 = {0};
    if (sbc_net_teardown(n->dir, &e2) < 0)
        SBC_DEBUG("network teardown before setup: %s", e2.msg);
    const char *mode = sbc_json_str(n->netopts, "mode");
    return sbc_net_setup(n->id, mode && !strcmp(mode, "host") ? 0 : pid, n->dir, n->netopts, e);
}

/* Release the network of a container that stopped (lease, ports; the
 * kernel deletes the veth with the netns). */
static void net_release(const char *dir)
{
    sbc_err e = {0};
    if (sbc_net_release(dir, &e) < 0)
        SBC_DEBUG("network teardown: %s", e.msg);
}

static void set_num(cJSON *o, const char *k, double v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, k);
    cJSON_AddNumberToObject(o, k, v);
}

static void set_str(cJSON *o, const char *k, const char *v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, k);
    if (v)
        cJSON_AddStringToObject(o, k, v);
}

static void state_running(sbc_container *c, const sbc_proc *p, const char *started)
{
    cJSON *s = c->state;
    set_str(s, "Status", "running");
    set_num(s, "Pid", p->pid);
    set_num(s, "PidStart", (double)sbc_proc_starttime(p->pid));
    set_num(s, "MonitorPid", getpid());
    set_num(s, "MonitorStart", (double)sbc_proc_starttime(getpid()));
    set_num(s, "ExitCode", 0);
    cJSON_DeleteItemFromObjectCaseSensitive(s, "OOMKilled");
    cJSON_AddBoolToObject(s, "OOMKilled", 0);
    set_str(s, "StartedAt", started);
    set_str(s, "FinishedAt", "0001-01-01T00:00:00Z");
    set_str(s, "Error", NULL);
}

static void state_failed(sbc_container *c, const sbc_err *err)
{
    set_str(c->state, "Error", err->msg);
    set_num(c->state, "ExitCode", err->code ? err->code : SBC_EXIT_FAIL);
    sbc_err e;
    sbc_container_save_state(c, &e);
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

int sbc_launch_start(const char *root, sbc_container *c, int detached, int interactive,
                     int *exit_code, sbc_err *e)
{
    sbc_spec s;
    /* a monitor still recording the last exit would write over this run */
    if (sbc_container_settle(c, SBC_SETTLE_SECS) == 2)
        return sbc_err_set(e, 0, "container %s is still exiting", sbc_container_name(c));
    if (sbc_container_lock(c, e) < 0)
        return -1;
    if (sbc_container_refresh(c))
        return sbc_err_set(e, 0, "container %s is already running", sbc_container_name(c));
    if (load_spec(c, &s, e) < 0)
        return -1;
    const cJSON *hc = sbc_json_obj(c->config, "HostConfig");
    cJSON *nopts = sbc_json_obj(c->config, "NetOpts");
    cJSON *legacy = NULL;
    if (!nopts) { /* made before the network was wired: its NetworkMode */
        const char *nm = sbc_json_str(hc, "NetworkMode");
        legacy = cJSON_CreateObject();
        cJSON_AddStringToObject(legacy, "mode", nm && !strcmp(nm, "host") ? "host" : "none");
        nopts = legacy;
    }
    net_ctx nc = {c->id, c->dir, nopts};
    char nsbuf[64];
    const char *tdir = sbc_json_str(nopts, "container_state_dir");
    if (tdir) { /* container:NAME: join its netns, as it is now */
        pid_t tp = running_pid(tdir);
        if (tp <= 0) {
            sbc_err e2 = {0};
            cJSON *tc = sbc_json_read_in(tdir, "config.json", &e2);
            const char *nm = sbc_json_str(tc, "Name");
            sbc_err_set(e, SBC_EXIT_FAIL, "cannot join network of a non running container: %s",
                        nm ? nm : strrchr(tdir, '/') + 1);
            cJSON_Delete(tc);
            cJSON_Delete(legacy);
            sbc_spec_free(&s);
            return -1;
        }
        snprintf(nsbuf, sizeof nsbuf, "/proc/%d/ns/net", (int)tp);
        s.netns_path = nsbuf;
    }
    int autoremove = sbc_json_bool(hc, "AutoRemove", 0);
    s.hook = net_hook;
    s.hook_arg = &nc;
    char started[48];
    sbc_proc p;
    int rc = -1;
    if (!detached) {
        s.stdio[0] = interactive ? STDIN_FILENO : -1;
        s.stdio[1] = STDOUT_FILENO;
        s.stdio[2] = STDERR_FILENO;
        /* signals arriving between spawn and the wait loop are forwarded */
        sigset_t set, old;
        sbc_monitor_sigset(&set);
        sigprocmask(SIG_BLOCK, &set, &old);
        if (sbc_spawn(&s, &p, e) < 0) {
            sigprocmask(SIG_SETMASK, &old, NULL);
            if (s.cgroup) {
                sbc_err ce;
                sbc_cgroup_destroy(s.cgroup, &ce);
            }
            net_release(c->dir);
            state_failed(c, e);
            goto out;
        }
        state_running(c, &p, sbc_time_now(started, SBC_TIME_NSEC));
        sbc_err se;
        sbc_container_save_state(c, &se);
        sbc_container_unlock(c);
        int code = sbc_monitor_foreground(p.pid, p.pidfd, p.ptmx, interactive);
        sigprocmask(SIG_SETMASK, &old, NULL);
        sbc_monitor_args ma = {root, c->id, sbc_container_name(c), c->dir, s.cgroup ? s.cgroup : "", started,
                               p.pid, (unsigned long long)sbc_json_int(c->state, "PidStart", 0), -1, -1, -1,
                               autoremove};
        sbc_monitor_finish(&ma, code);
        if (p.pidfd >= 0)
            close(p.pidfd);
        if (p.ptmx >= 0)
            close(p.ptmx);
        *exit_code = code;
        rc = 0;
        goto out;
    }
    /* detached: double fork; the grandchild spawns the container, reports
     * back over `ready`, then execs itself as the small monitor */
    int ready[2], out[2] = {-1, -1}, err[2] = {-1, -1};
    if (pipe2(ready, O_CLOEXEC) < 0 || (!s.terminal && (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0))) {
        sbc_err_sys(e, "pipe");
        goto out;
    }
    fflush(NULL);
    pid_t r1 = fork();
    if (r1 < 0) {
        sbc_err_sys(e, "fork");
        goto out;
    }
    if (r1 == 0) {
        close(ready[0]);
        setsid();
        pid_t r2 = fork();
        if (r2 != 0)
            _exit(r2 < 0);
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
        s.stdio[0] = -1;
        s.stdio[1] = out[1];
        s.stdio[2] = err[1];
        if (sbc_spawn(&s, &p, &me) < 0) {
            if (s.cgroup) {
                sbc_err ce;
                sbc_cgroup_destroy(s.cgroup, &ce);
            }
            net_release(c->dir);
            state_failed(c, &me);
            char msg[sizeof me.msg + 8];
            int n = snprintf(msg, sizeof msg, "%03d%s", me.code ? me.code : SBC_EXIT_FAIL, me.msg);
            sbc_write_full(ready[1], msg, (size_t)n);
            if (autoremove)
                sbc_container_remove(root, c, &me);
            _exit(1);
        }
        if (out[1] >= 0) {
            close(out[1]);
            close(err[1]);
        }
        state_running(c, &p, sbc_time_now(started, SBC_TIME_NSEC));
        sbc_container_save_state(c, &me);
        sbc_write_full(ready[1], "000", 3);
        /* exec a fresh image of sbc (host side: the container's namespaces
         * were never joined here) so the monitor carries none of run's heap */
        int ofd = s.terminal ? p.ptmx : out[0], efd = s.terminal ? -1 : err[0];
        if (ofd >= 0)
            fcntl(ofd, F_SETFD, 0);
        if (efd >= 0)
            fcntl(efd, F_SETFD, 0);
        if (p.pidfd >= 0)
            fcntl(p.pidfd, F_SETFD, 0);
        char a_pid[16], a_ps[24], a_out[16], a_err[16], a_pfd[16];
        snprintf(a_pid, sizeof a_pid, "%d", (int)p.pid);
        snprintf(a_ps, sizeof a_ps, "%lld", sbc_json_int(c->state, "PidStart", 0));
        snprintf(a_out, sizeof a_out, "%d", ofd);
        snprintf(a_err, sizeof a_err, "%d", efd);
        snprintf(a_pfd, sizeof a_pfd, "%d", p.pidfd);
        const char *cgs = s.cgroup ? s.cgroup : "";
        char *const argv[] = {"sbc-run", "--sbc-monitor", (char *)root, c->id,
                              (char *)sbc_container_name(c), c->dir, (char *)cgs, started,
                              a_pid, a_ps, a_out, a_err, a_pfd, autoremove ? "1" : "0", NULL};
        char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
        execve("/proc/self/exe", argv, envp);
        /* no exec: be the monitor in this image */
        sbc_monitor_args ma = {root, c->id, sbc_container_name(c), c->dir, cgs, started, p.pid,
                               (unsigned long long)sbc_json_int(c->state, "PidStart", 0), ofd, efd,
                               p.pidfd, autoremove};
        _exit(sbc_monitor_detached(&ma) ? 0 : 0);
    }
    close(ready[1]);
    if (out[1] >= 0) {
        close(out[0]);
        close(out[1]);
        close(err[0]);
        close(err[1]);
    }
    int st;
    waitpid(r1, &st, 0);
    char msg[sizeof e->msg + 8];
    ssize_t n = sbc_read_full(ready[0], msg, sizeof msg - 1);
    close(ready[0]);
    if (n < 3) {
        sbc_err_set(e, 0, "the container's monitor failed to start");
        goto out;
    }
    msg[n] = 0;
    int code = atoi((char[4]){msg[0], msg[1], msg[2], 0});
    if (code) {
        sbc_err_set(e, code, "%s", msg + 3);
        goto out;
    }
    *exit_code = 0;
    rc = 0;
out:
    cJSON_Delete(legacy);
    sbc_spec_free(&s);
    sbc_container_unlock(c);
    return rc;
}

int sbc_launch_monitor_main(int argc, char **argv)
{
    if (argc != 12)
        return SBC_EXIT_FAIL;
    sbc_monitor_args a = {
        .root = argv[0], .id = argv[1], .name = argv[2], .dir = argv[3], .cgroup = argv[4],
        .started = argv[5], .pid = (pid_t)atoi(argv[6]), .pidstart = strtoull(argv[7], NULL, 10),
        .out = atoi(argv[8]), .err = atoi(argv[9]), .pidfd = atoi(argv[10]),
        .autoremove = atoi(argv[11]),
    };
    for (int fd = 3; fd < 3 + 0; fd++)
        ;
    sbc_monitor_detached(&a);
    return 0;
}
