/* oci.c - the OCI runtime CLI's containers (see oci.h). */
#include "runtime/oci.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/config.h"
#include "base/io.h"
#include "base/json.h"
#include "base/time.h"
#include "runtime/caps.h"
#include "runtime/cgroup.h"
#include "runtime/hooks.h"
#include "runtime/monitor.h"
#include "runtime/spawn.h"
#include "runtime/spec.h"

#define OCI_VERSION "1.0.2"

int sbc_oci_id_ok(const char *id, sbc_err *e)
{
    size_t n = strlen(id);
    if (!n || n > 1024 || !strcmp(id, ".") || !strcmp(id, ".."))
        return sbc_err_set(e, 0, "invalid id format: %s", id);
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("_+.-", *p)))
            return sbc_err_set(e, 0, "invalid id format: %s", id);
    return 0;
}

static char *path_in(const char *dir, const char *name)
{
    return sbc_xasprintf("%s/%s", dir, name);
}

/* ---- state ---------------------------------------------------------- */

void sbc_oci_free(sbc_oci *c)
{
    if (c->lock >= 0)
        close(c->lock);
    free(c->root);
    free(c->id);
    free(c->dir);
    cJSON_Delete(c->state);
    cJSON_Delete(c->config);
    memset(c, 0, sizeof *c);
    c->lock = -1;
}

int sbc_oci_load(const char *root, const char *id, int lock, sbc_oci *c, sbc_err *e)
{
    memset(c, 0, sizeof *c);
    c->lock = -1;
    if (sbc_oci_id_ok(id, e) < 0)
        return -1;
    c->root = sbc_xstrdup(root);
    c->id = sbc_xstrdup(id);
    c->dir = path_in(root, id);
    struct stat st;
    if (stat(c->dir, &st) < 0) {
        sbc_err_set(e, 0, "container %s does not exist", id);
        sbc_oci_free(c);
        return -1;
    }
    char lp[PATH_MAX];
    snprintf(lp, sizeof lp, "%s/lock", c->dir);
    if (lock && (c->lock = sbc_lock_path(AT_FDCWD, lp, e)) < 0) {
        sbc_oci_free(c);
        return -1;
    }
    c->state = sbc_json_read_in(c->dir, "state.json", e);
    if (!c->state) {
        /* a create that died half-way: delete --force cleans it up */
        sbc_err_set(e, 0, "container %s does not exist (no state in %s)", id, c->dir);
        return -1;
    }
    c->config = sbc_json_read_in(c->dir, "config.json", e);
    c->pid = (pid_t)sbc_json_int(c->state, "pid", 0);
    c->start = (unsigned long long)sbc_json_int(c->state, "start", 0);
    c->bundle = (char *)sbc_json_str(c->state, "bundle");
    c->created = (char *)sbc_json_str(c->state, "created");
    c->cgroup = (char *)sbc_json_str(c->state, "cgroup");
    if (!c->bundle)
        c->bundle = "";
    if (!c->created)
        c->created = "";
    if (!c->cgroup)
        c->cgroup = "";
    return 0;
}

static int alive(const sbc_oci *c)
{
    return c->pid > 0 && c->start && sbc_proc_starttime(c->pid) == c->start;
}

const char *sbc_oci_status(const sbc_oci *c)
{
    if (!alive(c))
        return "stopped";
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/start.sock", c->dir);
    if (access(p, F_OK) == 0)
        return "created";
    if (*c->cgroup && sbc_cgroup_frozen(c->cgroup) == 1)
        return "paused";
    return "running";
}

char *sbc_oci_state(const sbc_oci *c, const char *status)
{
    cJSON *j = cJSON_CreateObject();
    sbc_json_add_str(j, "ociVersion", OCI_VERSION);
    sbc_json_add_str(j, "id", c->id);
    cJSON_AddNumberToObject(j, "pid", strcmp(status, "stopped") ? c->pid : 0);
    sbc_json_add_str(j, "status", status);
    sbc_json_add_str(j, "bundle", c->bundle);
    const char *rootfs = sbc_json_str(c->state, "rootfs");
    sbc_json_add_str(j, "rootfs", rootfs ? rootfs : "");
    sbc_json_add_str(j, "created", c->created);
    sbc_json_add_str(j, "owner", "");
    const cJSON *a = sbc_json_obj(c->state, "annotations");
    if (a && cJSON_GetArraySize(a) > 0)
        cJSON_AddItemToObject(j, "annotations", cJSON_Duplicate(a, 1));
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

/* The state of a container that exists only in memory yet (create's hooks). */
static char *state_of(const char *id, pid_t pid, const char *bundle, const cJSON *ann, const char *status)
{
    sbc_oci c = {.id = (char *)id, .pid = pid, .bundle = (char *)bundle, .created = "", .lock = -1};
    c.state = cJSON_CreateObject();
    if (ann)
        cJSON_AddItemToObject(c.state, "annotations", cJSON_Duplicate(ann, 1));
    char *s = sbc_oci_state(&c, status);
    cJSON_Delete(c.state);
    return s;
}

/* ---- create ---------------------------------------------------------- */

/* cgroupsPath: absolute or relative to the cgroup root, or with
 * --systemd-cgroup "slice:prefix:name" (systemd's own layout, made by
 * hand: sbc-oci does not talk to systemd); none given: sbc-oci/ID. */
static char *cgroup_of(const cJSON *cfg, const char *id, const sbc_oci_create_opts *o, sbc_err *e)
{
    const char *p = sbc_json_str(sbc_json_obj(cfg, "linux"), "cgroupsPath");
    if (o->cgroups_off)
        return sbc_xstrdup("");
    if (o->systemd) {
        if (access("/run/systemd/system", F_OK) < 0) {
            sbc_err_set(e, 0, "--systemd-cgroup: this host does not run systemd (no /run/systemd/system)");
            return NULL;
        }
        char slice[256], prefix[256], name[256];
        if (!p || sscanf(p, "%255[^:]:%255[^:]:%255s", slice, prefix, name) != 3) {
            sbc_err_set(e, 0, "--systemd-cgroup: cgroupsPath %s is not slice:prefix:name", p ? p : "(none)");
            return NULL;
        }
        /* a-b-c.slice lives in a.slice/a-b.slice/a-b-c.slice */
        sbc_buf b = {0};
        if (strcmp(slice, "-.slice")) {
            const char *end = strstr(slice, ".slice");
            for (const char *d = slice; end && d && d < end; d = strchr(d + 1, '-')) {
                if (d != slice)
                    sbc_buf_printf(&b, "%.*s.slice/", (int)(d - slice), slice);
                if (!strchr(d + 1, '-') || strchr(d + 1, '-') >= end)
                    break;
            }
            sbc_buf_printf(&b, "%s/", slice);
        }
        sbc_buf_printf(&b, "%s-%s.scope", prefix, name);
        return b.data;
    }
    if (!p || !*p)
        return sbc_xasprintf("sbc-oci/%s", id);
    while (*p == '/')
        p++;
    if (!*p || strstr(p, "..")) {
        sbc_err_set(e, 0, "config.json: linux.cgroupsPath %s: not a cgroup below the root", p);
        return NULL;
    }
    return sbc_xstrdup(p);
}

typedef struct create_ctx {
    const char *id, *bundle;
    const cJSON *hooks, *ann;
    int nsflags;
} create_ctx;

/* Runs in sbc_spawn's parent once the init is in its namespaces and
 * cgroup, before it mounts its volumes and pivots: prestart and
 * createRuntime here, createContainer in the container's namespaces. */
static int create_hooks(void *arg, pid_t pid, const int nsfd[2], sbc_err *e)
{
    (void)nsfd;
    create_ctx *x = arg;
    if (!x->hooks)
        return 0;
    char *st = state_of(x->id, pid, x->bundle, x->ann, "created");
    int rc = sbc_hooks_run(x->hooks, "prestart", st, -1, 0, e);
    if (rc == 0)
        rc = sbc_hooks_run(x->hooks, "createRuntime", st, -1, 0, e);
    if (rc == 0 && sbc_json_arr(x->hooks, "createContainer")) {
        int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
        rc = pfd < 0 ? sbc_err_sys(e, "createContainer hooks: open the init")
                     : sbc_hooks_run(x->hooks, "createContainer", st, pfd, x->nsflags, e);
        if (pfd >= 0)
            close(pfd);
    }
    free(st);
    return rc;
}

/* Send the pty master over the caller's console socket: one message, one
 * fd (what conmon's and go-runc's receivers check). */
static int send_console(const char *path, int master, sbc_err *e)
{
    struct sockaddr_un a;
    int dfd, fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || sbc_unix_addr(path, &a, &dfd) < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        errno = err;
        return sbc_err_sys(e, "connect to the console socket %s", path);
    }
    if (dfd >= 0)
        close(dfd);
    char name[] = "/dev/ptmx";
    struct iovec iov = {name, sizeof name - 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &master, sizeof master);
    ssize_t n;
    while ((n = sendmsg(fd, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    int err = errno;
    close(fd);
    errno = err;
    return n < 0 ? sbc_err_sys(e, "send the pty over the console socket %s", path) : 0;
}

/* The pid file: digits, no newline, written to .NAME and renamed. */
static int write_pid_file(const char *path, pid_t pid, sbc_err *e)
{
    char tmp[PATH_MAX], num[24];
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(tmp, sizeof tmp, "%.*s/.%s", (int)(slash - path), path, slash + 1);
    else
        snprintf(tmp, sizeof tmp, ".%s", path);
    int n = snprintf(num, sizeof num, "%d", (int)pid);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || sbc_write_full(fd, num, (size_t)n) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
        int err = errno;
        unlink(tmp);
        errno = err;
        return sbc_err_sys(e, "write the pid file %s", path);
    }
    return 0;
}

static int ns_flags(const sbc_spec *s)
{
    return s->ns & (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID |
                    CLONE_NEWCGROUP | CLONE_NEWUSER);
}

/* With device rules, runc's and crun's defaults follow them: mknod of any,
 * the standard nodes (null, zero, full, random, urandom, tty, console,
 * ptmx, the pts) and the nodes of linux.devices usable (containerd's
 * default spec denies all and counts on it). */
static void default_devices(sbc_spec *s)
{
    static const struct { char t; long long ma, mi; unsigned acc; } d[] = {
        {'c', SBC_DEV_ANY, SBC_DEV_ANY, SBC_DEV_M}, {'b', SBC_DEV_ANY, SBC_DEV_ANY, SBC_DEV_M},
        {'c', 1, 3, SBC_DEV_RWM}, {'c', 1, 5, SBC_DEV_RWM}, {'c', 1, 7, SBC_DEV_RWM}, {'c', 1, 8, SBC_DEV_RWM},
        {'c', 1, 9, SBC_DEV_RWM}, {'c', 5, 0, SBC_DEV_RWM}, {'c', 5, 1, SBC_DEV_RWM}, {'c', 5, 2, SBC_DEV_RWM},
        {'c', 136, SBC_DEV_ANY, SBC_DEV_RWM},
    };
    if (!s->limits.devices)
        return;
    int n = s->limits.ndevices, add = (int)(sizeof d / sizeof *d) + s->ndevnodes;
    sbc_dev_rule *r = sbc_xrealloc((void *)s->limits.devices, (size_t)(n + add) * sizeof *r);
    for (size_t i = 0; i < sizeof d / sizeof *d; i++)
        r[n++] = (sbc_dev_rule){1, d[i].t, d[i].acc, d[i].ma, d[i].mi};
    for (int i = 0; i < s->ndevnodes; i++)
        if (s->devnodes[i].type != 'p')
            r[n++] = (sbc_dev_rule){1, s->devnodes[i].type, SBC_DEV_RWM, s->devnodes[i].major, s->devnodes[i].minor};
    s->limits.devices = r;
    s->limits.ndevices = n;
}

/* state.json and the config it was made from, in the state dir. */
static int write_state(const char *dir, pid_t pid, const char *bundle, const char *rootfs, const char *cg,
                       const cJSON *cfg, sbc_err *e)
{
    char now[SBC_TIME_MAX];
    cJSON *sj = cJSON_CreateObject();
    cJSON_AddNumberToObject(sj, "pid", pid);
    cJSON_AddNumberToObject(sj, "start", (double)sbc_proc_starttime(pid));
    sbc_json_add_str(sj, "bundle", bundle);
    sbc_json_add_str(sj, "rootfs", rootfs);
    sbc_json_add_str(sj, "created", sbc_time_now(now, SBC_TIME_NSEC));
    sbc_json_add_str(sj, "cgroup", cg);
    const cJSON *ann = sbc_json_obj(cfg, "annotations");
    if (ann)
        cJSON_AddItemToObject(sj, "annotations", cJSON_Duplicate(ann, 1));
    int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    int rc = dirfd < 0 || sbc_json_write_scratch(dirfd, "config.json", cfg, e) < 0 ||
             sbc_json_write_scratch(dirfd, "state.json", sj, e) < 0 ? -1 : 0;
    if (dirfd < 0)
        sbc_err_sys(e, "open %s", dir);
    else
        close(dirfd);
    cJSON_Delete(sj);
    return rc;
}

int sbc_oci_create(const char *root, const char *id, const sbc_oci_create_opts *o, sbc_err *e)
{
    if (sbc_oci_id_ok(id, e) < 0)
        return -1;
    char bundle[PATH_MAX];
    if (!realpath(o->bundle && *o->bundle ? o->bundle : ".", bundle))
        return sbc_err_sys(e, "bundle %s", o->bundle ? o->bundle : ".");
    char *cfgpath = path_in(bundle, "config.json");
    size_t len;
    char *text = sbc_read_file(AT_FDCWD, cfgpath, 16 << 20, &len, e);
    free(cfgpath);
    if (!text)
        return -1;
    cJSON *cfg = sbc_json_parse(text, len, "config.json", e);
    free(text);
    if (!cfg)
        return -1;
    cJSON *keep = cJSON_Duplicate(cfg, 1);
    sbc_spec s;
    memset(&s, 0, sizeof s);
    char rootfs[PATH_MAX], *cg = NULL, *dir = NULL;
    int rc = -1, made = 0, lfd = -1, lock = -1;
    if (sbc_hooks_check(sbc_json_obj(cfg, "hooks"), e) < 0 || sbc_spec_from_oci(cfg, &s, e) < 0) {
        cJSON_Delete(keep);
        if (!s.json) /* (sbc_spec_from_oci took it over) */
            cJSON_Delete(cfg);
        sbc_spec_free(&s);
        return -1;
    }
    default_devices(&s);
    s.limits.all_hierarchies = 1; /* (runc's: every hierarchy) */
    const char *rp = s.root;
    if (rp[0] == '/')
        snprintf(rootfs, sizeof rootfs, "%s", rp);
    else
        snprintf(rootfs, sizeof rootfs, "%s/%s", bundle, rp);
    struct stat st;
    if (stat(rootfs, &st) < 0 || !S_ISDIR(st.st_mode)) {
        sbc_err_sys(e, "root.path %s", rootfs);
        if (errno == 0)
            sbc_err_set(e, 0, "root.path %s: not a directory", rootfs);
        goto out;
    }
    s.root = rootfs;
    if (o->pty)
        *o->pty = -1;
    if (s.terminal && !o->console_socket && !o->pty) {
        sbc_err_set(e, 0, "cannot allocate tty if sbc-oci will detach without setting console socket");
        goto out;
    }
    if (!s.terminal && o->console_socket) {
        sbc_err_set(e, 0, "cannot use console socket if sbc-oci will not detach or allocate tty");
        goto out;
    }
    if (!(cg = cgroup_of(keep, id, o, e)))
        goto out;
    s.cgroup = *cg ? cg : NULL;
    if (sbc_mkdir_p(root, 0711, e) < 0)
        goto out;
    dir = path_in(root, id);
    if (mkdir(dir, 0700) < 0) {
        if (errno == EEXIST)
            sbc_err_set(e, 0, "container with id %s already exists", id);
        else
            sbc_err_sys(e, "make the state dir %s", dir);
        goto out;
    }
    made = 1;
    char lp[PATH_MAX];
    snprintf(lp, sizeof lp, "%s/lock", dir);
    if ((lock = sbc_lock_path(AT_FDCWD, lp, e)) < 0)
        goto out;
    /* the socket the parked init waits on */
    s.park = !o->run_now || sbc_json_arr(s.hooks, "startContainer");
    char sp[PATH_MAX];
    snprintf(sp, sizeof sp, "%s/start.sock", dir);
    struct sockaddr_un a;
    int dfd = -1;
    lfd = s.park ? socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0) : -1;
    if (s.park && (lfd < 0 || sbc_unix_addr(sp, &a, &dfd) < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 ||
                   listen(lfd, 4) < 0)) {
        sbc_err_sys(e, "make %s", sp);
        goto out;
    }
    if (dfd >= 0)
        close(dfd);
    s.park_fd = lfd;
    s.preserve_fds = o->preserve_fds;
    for (int i = 0; i < 3; i++)
        s.stdio[i] = i;
    if (!o->no_new_keyring && !s.keyring)
        s.keyring = id;
    create_ctx x = {.id = id, .bundle = bundle, .hooks = s.hooks,
                    .ann = sbc_json_obj(keep, "annotations"), .nsflags = ns_flags(&s)};
    s.hook = create_hooks;
    s.hook_arg = &x;
    sbc_proc p;
    if (sbc_spawn(&s, &p, e) < 0)
        goto out;
    close(lfd);
    lfd = -1;
    if (p.pidfd >= 0)
        close(p.pidfd);
    /* the state, then the pty, then the pid file */
    int w = write_state(dir, p.pid, bundle, rootfs, cg, keep, e) < 0;
    if (w || (s.terminal && o->console_socket && send_console(o->console_socket, p.ptmx, e) < 0) ||
        (o->pid_file && write_pid_file(o->pid_file, p.pid, e) < 0)) {
        kill(p.pid, SIGKILL);
        if (p.ptmx >= 0)
            close(p.ptmx);
        goto out;
    }
    if (p.ptmx >= 0 && o->pty && !o->console_socket)
        *o->pty = p.ptmx;
    else if (p.ptmx >= 0)
        close(p.ptmx);
    rc = 0;
out:
    if (lfd >= 0)
        close(lfd);
    if (rc < 0 && made) {
        sbc_err ig = {0};
        if (cg && *cg)
            sbc_cgroup_destroy(cg, &ig);
        sbc_rm_rf(AT_FDCWD, dir, &ig);
    }
    if (lock >= 0) {
        flock(lock, LOCK_UN); /* (the parked init holds a copy of the fd) */
        close(lock);
    }
    free(dir);
    free(cg);
    cJSON_Delete(keep);
    sbc_spec_free(&s);
    return rc;
}

/* ---- start, kill, delete, pause -------------------------------------- */

int sbc_oci_start(sbc_oci *c, sbc_err *w, sbc_err *e)
{
    const char *st = sbc_oci_status(c);
    if (!strcmp(st, "stopped"))
        return sbc_err_set(e, 0, "cannot start a container that has stopped");
    if (strcmp(st, "created"))
        return sbc_err_set(e, 0, "cannot start an already running container");
    char sp[PATH_MAX];
    snprintf(sp, sizeof sp, "%s/start.sock", c->dir);
    char *state = sbc_oci_state(c, "running");
    int rc = sbc_spawn_release(sp, state, e);
    unlink(sp);
    free(state);
    if (rc == 0)
        sbc_oci_poststart(c, w);
    return rc;
}

void sbc_oci_poststart(sbc_oci *c, sbc_err *w)
{
    const cJSON *hooks = sbc_json_obj(c->config, "hooks");
    if (!hooks)
        return;
    char *state = sbc_oci_state(c, "running");
    sbc_hooks_run_all(hooks, "poststart", state, w);
    free(state);
}

int sbc_oci_kill(sbc_oci *c, int sig, int all, sbc_err *e)
{
    if (!alive(c)) {
        if (all)
            return 0; /* (containerd's kill --all after the init's exit) */
        return sbc_err_set(e, 0, "container %s not running", c->id);
    }
    int pfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
    if (pfd < 0 || !alive(c)) {
        if (pfd >= 0)
            close(pfd);
        return all ? 0 : sbc_err_set(e, 0, "container %s not running", c->id);
    }
    if (all && *c->cgroup) {
        /* a frozen cgroup keeps signals pending: thaw it for a SIGKILL */
        sbc_cgroup_signal_all(c->cgroup, sig);
        if (sig == SIGKILL && sbc_cgroup_frozen(c->cgroup) == 1)
            sbc_cgroup_freeze(c->cgroup, 0, e);
    }
    int rc = (int)syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0);
    close(pfd);
    if (rc < 0 && errno != ESRCH)
        return sbc_err_sys(e, "kill container %s", c->id);
    return 0;
}

/* Wait (up to ms) for the init to be gone. */
static int wait_gone(const sbc_oci *c, int ms)
{
    for (int i = 0; i < ms / 10; i++) {
        if (!alive(c))
            return 0;
        struct timespec t = {0, 10 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
    return alive(c) ? -1 : 0;
}

int sbc_oci_delete(const char *root, const char *id, int force, sbc_err *w, sbc_err *e)
{
    sbc_oci c;
    if (sbc_oci_load(root, id, 1, &c, e) < 0) {
        /* a create that died half-way leaves a dir without state */
        char *dir = c.dir ? sbc_xstrdup(c.dir) : NULL;
        int here = dir && access(dir, F_OK) == 0;
        sbc_oci_free(&c);
        if (here && force) {
            sbc_err ig = {0};
            sbc_rm_rf(AT_FDCWD, dir, &ig);
        }
        free(dir);
        if (force && sbc_oci_id_ok(id, &(sbc_err){0}) == 0)
            return 0;
        return -1;
    }
    const char *st = sbc_oci_status(&c);
    if (!strcmp(st, "running") || !strcmp(st, "paused")) {
        if (!force) {
            sbc_err_set(e, 0, "cannot delete container %s that is not stopped: %s", id, st);
            sbc_oci_free(&c);
            return -1;
        }
    }
    if (strcmp(st, "stopped")) {
        /* created (runc deletes those without --force: containerd relies on
         * it), or forced: everything in it is killed */
        if (*c.cgroup) {
            sbc_cgroup_signal_all(c.cgroup, SIGKILL);
            if (sbc_cgroup_frozen(c.cgroup) == 1)
                sbc_cgroup_freeze(c.cgroup, 0, e);
        }
        kill(c.pid, SIGKILL);
        if (wait_gone(&c, 10000) < 0) {
            sbc_err_set(e, 0, "container %s: its init %d did not die", id, (int)c.pid);
            sbc_oci_free(&c);
            return -1;
        }
    }
    if (*c.cgroup)
        sbc_cgroup_destroy(c.cgroup, w);
    const cJSON *hooks = sbc_json_obj(c.config, "hooks");
    if (hooks) {
        char *state = sbc_oci_state(&c, "stopped");
        sbc_hooks_run_all(hooks, "poststop", state, w);
        free(state);
    }
    int rc = sbc_rm_rf(AT_FDCWD, c.dir, e);
    sbc_oci_free(&c);
    return rc;
}

int sbc_oci_pause(sbc_oci *c, int pause, sbc_err *e)
{
    const char *st = sbc_oci_status(c);
    if (pause && strcmp(st, "running"))
        return sbc_err_set(e, 0, "container %s is not running", c->id);
    if (!pause && strcmp(st, "paused"))
        return sbc_err_set(e, 0, "container %s is not paused", c->id);
    if (!*c->cgroup)
        return sbc_err_set(e, 0, "container %s has no cgroup (--cgroup-manager disabled): cannot %s it", c->id,
                           pause ? "pause" : "resume");
    return sbc_cgroup_freeze(c->cgroup, pause, e);
}

int sbc_oci_pids(const sbc_oci *c, pid_t **pids, int *n, sbc_err *e)
{
    *pids = NULL;
    *n = 0;
    if (*c->cgroup && sbc_cgroup_procs(c->cgroup, pids, n) == 0)
        return 0;
    if (!alive(c))
        return 0;
    *pids = sbc_xmalloc(sizeof **pids);
    (*pids)[0] = c->pid;
    *n = 1;
    (void)e;
    return 0;
}

int sbc_oci_update(sbc_oci *c, const cJSON *res, sbc_err *e)
{
    if (!*c->cgroup)
        return sbc_err_set(e, 0, "container %s has no cgroup: nothing to update", c->id);
    if (!cJSON_IsObject(res))
        return sbc_err_set(e, 0, "update: the resources must be a JSON object");
    /* parsed as a config's linux.resources, so the same rules apply */
    cJSON *doc = cJSON_Duplicate(c->config, 1);
    cJSON *lx = sbc_json_obj(doc, "linux");
    if (!lx)
        cJSON_AddItemToObject(doc, "linux", lx = cJSON_CreateObject());
    cJSON_DeleteItemFromObjectCaseSensitive(lx, "resources");
    cJSON_AddItemToObject(lx, "resources", cJSON_Duplicate(res, 1));
    sbc_spec s;
    int rc = sbc_spec_from_oci(doc, &s, e);
    s.limits.all_hierarchies = 1;
    if (rc == 0)
        rc = sbc_cgroup_create(c->cgroup, &s.limits, e);
    if (rc == 0) {
        /* recorded, so a later update or exec starts from it */
        cJSON_DeleteItemFromObjectCaseSensitive(sbc_json_obj(c->config, "linux"), "resources");
        cJSON *l2 = sbc_json_obj(c->config, "linux");
        if (l2)
            cJSON_AddItemToObject(l2, "resources", cJSON_Duplicate(res, 1));
        int dfd = open(c->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            sbc_json_write_scratch(dfd, "config.json", c->config, e);
            close(dfd);
        }
    }
    sbc_spec_free(&s);
    return rc;
}

/* ---- exec ------------------------------------------------------------- */

static cJSON *strarr(const char *const *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
    return a;
}

/* The process exec runs: --process's, or the container's with ARGS and
 * the flags on it. */
static cJSON *exec_process(const sbc_oci *c, const sbc_oci_exec_opts *o, sbc_err *e)
{
    if (o->process)
        return cJSON_Duplicate(o->process, 1);
    if (o->nargs < 1) {
        sbc_err_set(e, 0, "exec: no command (ARGS or --process)");
        return NULL;
    }
    cJSON *p = cJSON_Duplicate(sbc_json_obj(c->config, "process"), 1);
    if (!p)
        p = cJSON_CreateObject();
    cJSON_DeleteItemFromObjectCaseSensitive(p, "args");
    cJSON_AddItemToObject(p, "args", strarr((const char *const *)o->args, o->nargs));
    cJSON_DeleteItemFromObjectCaseSensitive(p, "terminal");
    cJSON_AddBoolToObject(p, "terminal", o->tty);
    cJSON_DeleteItemFromObjectCaseSensitive(p, "consoleSize");
    if (o->nenv) {
        cJSON *env = sbc_json_arr(p, "env");
        if (!env)
            cJSON_AddItemToObject(p, "env", env = cJSON_CreateArray());
        for (int i = 0; i < o->nenv; i++)
            cJSON_AddItemToArray(env, cJSON_CreateString(o->env[i]));
    }
    if (o->cwd) {
        cJSON_DeleteItemFromObjectCaseSensitive(p, "cwd");
        sbc_json_add_str(p, "cwd", o->cwd);
    }
    if (o->user) {
        unsigned long u, g = 0;
        char *end;
        u = strtoul(o->user, &end, 10);
        if (end == o->user || (*end && (*end != ':' || (g = strtoul(end + 1, &end, 10), *end)))) {
            cJSON_Delete(p);
            sbc_err_set(e, 0, "exec: --user %s: expected UID[:GID]", o->user);
            return NULL;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(p, "user");
        cJSON *uj = cJSON_AddObjectToObject(p, "user");
        cJSON_AddNumberToObject(uj, "uid", (double)u);
        cJSON_AddNumberToObject(uj, "gid", (double)g);
    }
    if (o->no_new_privs) {
        cJSON_DeleteItemFromObjectCaseSensitive(p, "noNewPrivileges");
        cJSON_AddBoolToObject(p, "noNewPrivileges", 1);
    }
    if (o->ncaps) {
        cJSON *caps = sbc_json_obj(p, "capabilities");
        if (!caps)
            cJSON_AddItemToObject(p, "capabilities", caps = cJSON_CreateObject());
        static const char *const sets[] = {"bounding", "effective", "permitted", "inheritable", "ambient"};
        for (size_t k = 0; k < sizeof sets / sizeof *sets; k++) {
            cJSON *a = sbc_json_arr(caps, sets[k]);
            if (!a)
                cJSON_AddItemToObject(caps, sets[k], a = cJSON_CreateArray());
            for (int i = 0; i < o->ncaps; i++)
                cJSON_AddItemToArray(a, cJSON_CreateString(o->caps[i]));
        }
    }
    return p;
}

int sbc_oci_exec(sbc_oci *c, const sbc_oci_exec_opts *o, int *code, sbc_err *e)
{
    const char *st = sbc_oci_status(c);
    if (!strcmp(st, "stopped"))
        return sbc_err_set(e, 0, "cannot exec in a stopped container");
    if (!strcmp(st, "paused") && !o->ignore_paused)
        return sbc_err_set(e, 0, "cannot exec in a paused container (use --ignore-paused)");
    cJSON *proc = exec_process(c, o, e);
    if (!proc)
        return -1;
    int tty = sbc_json_bool(proc, "terminal", 0);
    if (tty && o->detach && !o->console_socket) {
        cJSON_Delete(proc);
        return sbc_err_set(e, 0, "cannot allocate tty if sbc-oci will detach without setting console socket");
    }
    if (!tty && o->console_socket) {
        cJSON_Delete(proc);
        return sbc_err_set(e, 0, "cannot use console socket if sbc-oci will not detach or allocate tty");
    }
    cJSON *doc = cJSON_Duplicate(c->config, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "process");
    cJSON_AddItemToObject(doc, "process", proc);
    sbc_spec s;
    if (sbc_spec_from_oci(doc, &s, e) < 0) {
        sbc_spec_free(&s);
        return -1;
    }
    for (int i = 0; i < 3; i++)
        s.stdio[i] = i;
    s.preserve_fds = o->preserve_fds;
    sbc_proc p;
    sigset_t set, old;
    sbc_monitor_sigset(&set);
    if (!o->detach)
        sigprocmask(SIG_BLOCK, &set, &old);
    int rc = sbc_spawn_join(c->pid, *c->cgroup ? c->cgroup : NULL, &s, &p, e);
    sbc_spec_free(&s);
    if (rc < 0) {
        if (!o->detach)
            sigprocmask(SIG_SETMASK, &old, NULL);
        return -1;
    }
    if (o->detach) {
        rc = (p.ptmx >= 0 && send_console(o->console_socket, p.ptmx, e) < 0) ||
             (o->pid_file && write_pid_file(o->pid_file, p.pid, e) < 0) ? -1 : 0;
        if (rc < 0)
            kill(p.pid, SIGKILL);
    } else {
        if (o->pid_file && write_pid_file(o->pid_file, p.pid, e) < 0) {
            kill(p.pid, SIGKILL);
            rc = -1;
        }
        if (p.ptmx >= 0 && o->console_socket && send_console(o->console_socket, p.ptmx, e) < 0) {
            kill(p.pid, SIGKILL);
            rc = -1;
        }
        int ptmx = o->console_socket ? -1 : p.ptmx;
        *code = sbc_monitor_foreground(p.pid, p.pidfd, &(sbc_fg_io){ptmx, -1, -1, -1, 6, 1, 0}, NULL);
        sigprocmask(SIG_SETMASK, &old, NULL);
    }
    if (p.pidfd >= 0)
        close(p.pidfd);
    if (p.ptmx >= 0)
        close(p.ptmx);
    return rc;
}

int sbc_oci_ids(const char *root, char ***ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    int rc = sbc_dir_names(fd, ids, n);
    close(fd);
    return rc;
}

int sbc_oci_parked(const char *root, const char *id)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s/start.sock", root, id);
    return access(p, F_OK) == 0;
}

/* ---- features, spec -------------------------------------------------- */

cJSON *sbc_oci_features(void)
{
    static const char *const hooks[] = {"prestart", "createRuntime", "createContainer",
                                        "startContainer", "poststart", "poststop"};
    static const char *const mopts[] = {
        "bind", "rbind", "ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec", "sync", "dirsync",
        "mand", "nomand", "noatime", "diratime", "nodiratime", "relatime", "norelatime",
        "strictatime", "nostrictatime", "lazytime", "nolazytime", "silent", "loud", "iversion",
        "noiversion", "remount", "shared", "rshared", "slave", "rslave", "private", "rprivate",
        "unbindable", "runbindable"};
    static const char *const ns[] = {"cgroup", "ipc", "mount", "network", "pid", "user", "uts"};
    cJSON *f = cJSON_CreateObject();
    sbc_json_add_str(f, "ociVersionMin", "1.0.0");
    sbc_json_add_str(f, "ociVersionMax", "1.2.0");
    cJSON_AddItemToObject(f, "hooks", strarr(hooks, sizeof hooks / sizeof *hooks));
    cJSON_AddItemToObject(f, "mountOptions", strarr(mopts, sizeof mopts / sizeof *mopts));
    cJSON *lx = cJSON_AddObjectToObject(f, "linux");
    cJSON_AddItemToObject(lx, "namespaces", strarr(ns, sizeof ns / sizeof *ns));
    cJSON *caps = cJSON_AddArrayToObject(lx, "capabilities");
    for (int i = 0; i < 64 && sbc_cap_name(i); i++) {
        char n[64];
        snprintf(n, sizeof n, "CAP_%s", sbc_cap_name(i));
        cJSON_AddItemToArray(caps, cJSON_CreateString(n));
    }
    cJSON *cg = cJSON_AddObjectToObject(lx, "cgroup");
    int mode = sbc_cgroup_mode();
    cJSON_AddBoolToObject(cg, "v1", mode == SBC_CG_V1 || mode == SBC_CG_HYBRID);
    cJSON_AddBoolToObject(cg, "v2", mode == SBC_CG_V2 || mode == SBC_CG_HYBRID);
    cJSON_AddBoolToObject(cg, "systemd", 0);
    cJSON_AddBoolToObject(cg, "systemdUser", 0);
    cJSON_AddBoolToObject(cg, "rdma", 0);
    cJSON *sc = cJSON_AddObjectToObject(lx, "seccomp");
    cJSON_AddBoolToObject(sc, "enabled", 1);
    static const char *const acts[] = {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
                                       "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
                                       "SCMP_ACT_TRAP", "SCMP_ACT_TRACE"};
    static const char *const ops[] = {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
                                      "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
    static const char *const archs[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
    cJSON_AddItemToObject(sc, "actions", strarr(acts, sizeof acts / sizeof *acts));
    cJSON_AddItemToObject(sc, "operators", strarr(ops, sizeof ops / sizeof *ops));
    cJSON_AddItemToObject(sc, "archs", strarr(archs, sizeof archs / sizeof *archs));
    cJSON_AddBoolToObject(cJSON_AddObjectToObject(lx, "apparmor"), "enabled", 0);
    cJSON_AddBoolToObject(cJSON_AddObjectToObject(lx, "selinux"), "enabled", 0);
    cJSON_AddBoolToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(lx, "mountExtensions"), "idmap"),
                          "enabled", 0);
    cJSON *ann = cJSON_AddObjectToObject(f, "annotations");
    sbc_json_add_str(ann, "io.github.sbc.oci", "sbc-oci");
    return f;
}

cJSON *sbc_oci_default_spec(int rootless)
{
    static const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    static const char *const masked[] = {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                                         "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                                         "/proc/sched_debug", "/sys/firmware", "/proc/scsi"};
    static const char *const ro[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
    cJSON *j = cJSON_CreateObject();
    sbc_json_add_str(j, "ociVersion", OCI_VERSION);
    cJSON *p = cJSON_AddObjectToObject(j, "process");
    cJSON_AddBoolToObject(p, "terminal", 1);
    cJSON *u = cJSON_AddObjectToObject(p, "user");
    cJSON_AddNumberToObject(u, "uid", 0);
    cJSON_AddNumberToObject(u, "gid", 0);
    const char *args[] = {"sh"}, *env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                             "TERM=xterm"};
    cJSON_AddItemToObject(p, "args", strarr(args, 1));
    cJSON_AddItemToObject(p, "env", strarr(env, 2));
    sbc_json_add_str(p, "cwd", "/");
    cJSON *c = cJSON_AddObjectToObject(p, "capabilities");
    static const char *const sets[] = {"bounding", "effective", "permitted"};
    for (int i = 0; i < 3; i++)
        cJSON_AddItemToObject(c, sets[i], strarr(caps, 3));
    cJSON *rl = cJSON_AddArrayToObject(p, "rlimits");
    cJSON *r = cJSON_CreateObject();
    sbc_json_add_str(r, "type", "RLIMIT_NOFILE");
    cJSON_AddNumberToObject(r, "hard", 1024);
    cJSON_AddNumberToObject(r, "soft", 1024);
    cJSON_AddItemToArray(rl, r);
    cJSON_AddBoolToObject(p, "noNewPrivileges", 1);
    cJSON *root = cJSON_AddObjectToObject(j, "root");
    sbc_json_add_str(root, "path", "rootfs");
    cJSON_AddBoolToObject(root, "readonly", 1);
    sbc_json_add_str(j, "hostname", "sbc");
    cJSON *ms = cJSON_AddArrayToObject(j, "mounts");
    static const struct { const char *d, *t, *s, *o; } m[] = {
        {"/proc", "proc", "proc", ""},
        {"/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"},
        {"/dev/pts", "devpts", "devpts", "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620"},
        {"/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=65536k"},
        {"/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev"},
        {"/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro"},
        {"/sys/fs/cgroup", "cgroup", "cgroup", "nosuid,noexec,nodev,relatime,ro"},
    };
    for (size_t i = 0; i < sizeof m / sizeof *m; i++) {
        if (rootless && (!strcmp(m[i].t, "sysfs") || !strcmp(m[i].t, "cgroup") || !strcmp(m[i].t, "mqueue")))
            continue;
        cJSON *x = cJSON_CreateObject();
        sbc_json_add_str(x, "destination", m[i].d);
        sbc_json_add_str(x, "type", m[i].t);
        sbc_json_add_str(x, "source", m[i].s);
        cJSON *o = cJSON_AddArrayToObject(x, "options");
        char buf[128];
        snprintf(buf, sizeof buf, "%s", m[i].o);
        for (char *t = strtok(buf, ","); t; t = strtok(NULL, ","))
            cJSON_AddItemToArray(o, cJSON_CreateString(t));
        cJSON_AddItemToArray(ms, x);
    }
    cJSON *lx = cJSON_AddObjectToObject(j, "linux");
    cJSON *devs = cJSON_AddObjectToObject(lx, "resources");
    cJSON *da = cJSON_AddArrayToObject(devs, "devices");
    cJSON *d = cJSON_CreateObject();
    cJSON_AddBoolToObject(d, "allow", 0);
    sbc_json_add_str(d, "access", "rwm");
    cJSON_AddItemToArray(da, d);
    cJSON *nss = cJSON_AddArrayToObject(lx, "namespaces");
    static const char *const ns[] = {"pid", "network", "ipc", "uts", "mount", "cgroup", "user"};
    for (int i = 0; i < (rootless ? 7 : 6); i++) {
        cJSON *x = cJSON_CreateObject();
        sbc_json_add_str(x, "type", ns[i]);
        cJSON_AddItemToArray(nss, x);
    }
    if (rootless) {
        for (int k = 0; k < 2; k++) {
            cJSON *a = cJSON_AddArrayToObject(lx, k ? "gidMappings" : "uidMappings");
            cJSON *x = cJSON_CreateObject();
            cJSON_AddNumberToObject(x, "containerID", 0);
            cJSON_AddNumberToObject(x, "hostID", k ? getegid() : geteuid());
            cJSON_AddNumberToObject(x, "size", 1);
            cJSON_AddItemToArray(a, x);
        }
    }
    cJSON_AddItemToObject(lx, "maskedPaths", strarr(masked, sizeof masked / sizeof *masked));
    cJSON_AddItemToObject(lx, "readonlyPaths", strarr(ro, sizeof ro / sizeof *ro));
    return j;
}
