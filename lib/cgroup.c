/* cgroup.c - cgroup v1, hybrid and v2 behind one interface (see cgroup.h). */
#include "cgroup.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "io.h"

#define CG_ROOT "/sys/fs/cgroup"

/* The v1 controllers we manage; the first one that has the process list is
 * used for signal_all (pids tracks every task). */
static const char *const v1_ctrls[] = {"pids", "memory", "cpu"};
#define NCTRL (sizeof v1_ctrls / sizeof v1_ctrls[0])

static int mode = -1;

int sbc_cgroup_mode(void)
{
    if (mode >= 0)
        return mode;
    struct statfs sf;
    if (statfs(CG_ROOT, &sf) < 0)
        return mode = SBC_CG_NONE;
    if (sf.f_type == CGROUP2_SUPER_MAGIC)
        return mode = SBC_CG_V2;
    if (statfs(CG_ROOT "/memory", &sf) < 0 || sf.f_type != CGROUP_SUPER_MAGIC)
        return mode = SBC_CG_NONE;
    if (statfs(CG_ROOT "/unified", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
        return mode = SBC_CG_HYBRID;
    return mode = SBC_CG_V1;
}

const char *sbc_cgroup_mode_name(void)
{
    static const char *const n[] = {"none", "v1", "hybrid", "v2"};
    return n[sbc_cgroup_mode()];
}

/* Write s to dir/file; errno kept on failure. */
static int put(const char *dir, const char *file, const char *s)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    int fd = open(p, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = sbc_write_full(fd, s, strlen(s));
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

static int mkdir_ok(const char *p)
{
    return mkdir(p, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

/* mkdir every component of name below base. */
static int mk_below(const char *base, const char *name)
{
    char p[PATH_MAX];
    int n = snprintf(p, sizeof p, "%s/%s", base, name);
    if (n < 0 || n >= (int)sizeof p)
        return errno = ENAMETOOLONG, -1;
    for (char *s = p + strlen(base) + 1; (s = strchr(s, '/')); s++) {
        *s = 0;
        int rc = mkdir_ok(p);
        *s = '/';
        if (rc < 0)
            return -1;
    }
    if (mkdir_ok(p) == 0)
        return 0;
    if (errno != ENOENT)
        return -1;
    /* a parent was removed under us by a concurrent destroy: once more */
    for (char *s = p + strlen(base) + 1; (s = strchr(s, '/')); s++) {
        *s = 0;
        mkdir_ok(p);
        *s = '/';
    }
    return mkdir_ok(p);
}

/* Remove the empty parents of a leaf (our "sbc" dir); busy ones stay. */
static void rm_parents(const char *p)
{
    char d[PATH_MAX];
    snprintf(d, sizeof d, "%s", p);
    char *s = strrchr(d, '/');
    if (s && s > d && strcmp(s, "/sbc")) {
        *s = 0;
        if (strstr(d, "/sbc") && !strcmp(strrchr(d, '/'), "/sbc"))
            rmdir(d);
    }
}

static int v2_enable(const char *name)
{
    /* enable the controllers in every ancestor's subtree_control */
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", CG_ROOT, name);
    char *s = p + strlen(CG_ROOT);
    for (;;) {
        char save = *s;
        *s = 0;
        put(p, "cgroup.subtree_control", "+memory");
        put(p, "cgroup.subtree_control", "+pids");
        put(p, "cgroup.subtree_control", "+cpu");
        *s = save;
        s = strchr(s + 1, '/');
        if (!s)
            break;
    }
    return 0;
}

static int apply(const char *dir, const char *file, const char *val, sbc_err *e)
{
    if (put(dir, file, val) < 0)
        return sbc_err_sys(e, "cgroup: set %s/%s to %s", dir, file, val);
    return 0;
}

int sbc_cgroup_create(const char *name, const sbc_cg_limits *lim, sbc_err *e)
{
    char d[PATH_MAX], v[64];
    long long period = lim->cpu_period > 0 ? lim->cpu_period : 100000;
    switch (sbc_cgroup_mode()) {
    case SBC_CG_NONE:
        if (lim->memory || lim->cpu_quota || lim->pids)
            return sbc_err_set(e, 0, "cgroup: no cgroup file system mounted, limits unavailable");
        return 0;
    case SBC_CG_V2:
        if (mk_below(CG_ROOT, name) < 0)
            return sbc_err_sys(e, "cgroup: mkdir %s/%s", CG_ROOT, name);
        v2_enable(name);
        snprintf(d, sizeof d, "%s/%s", CG_ROOT, name);
        if (lim->memory) {
            snprintf(v, sizeof v, "%lld", lim->memory);
            if (apply(d, "memory.max", v, e) < 0)
                return -1;
            put(d, "memory.swap.max", "0"); /* absent without swap accounting */
        }
        if (lim->cpu_quota) {
            snprintf(v, sizeof v, "%lld %lld", lim->cpu_quota, period);
            if (apply(d, "cpu.max", v, e) < 0)
                return -1;
        }
        if (lim->pids) {
            snprintf(v, sizeof v, "%lld", lim->pids);
            if (apply(d, "pids.max", v, e) < 0)
                return -1;
        }
        return 0;
    default:
        break;
    }
    for (size_t i = 0; i < NCTRL; i++) {
        snprintf(d, sizeof d, "%s/%s", CG_ROOT, v1_ctrls[i]);
        if (mk_below(d, name) < 0)
            return sbc_err_sys(e, "cgroup: mkdir %s/%s", d, name);
    }
    if (sbc_cgroup_mode() == SBC_CG_HYBRID && mk_below(CG_ROOT "/unified", name) < 0)
        return sbc_err_sys(e, "cgroup: mkdir %s/unified/%s", CG_ROOT, name);
    if (lim->memory) {
        snprintf(d, sizeof d, "%s/memory/%s", CG_ROOT, name);
        snprintf(v, sizeof v, "%lld", lim->memory);
        if (apply(d, "memory.limit_in_bytes", v, e) < 0)
            return -1;
        put(d, "memory.memsw.limit_in_bytes", v); /* no swap: absent without swapaccount */
    }
    if (lim->cpu_quota) {
        snprintf(d, sizeof d, "%s/cpu/%s", CG_ROOT, name);
        snprintf(v, sizeof v, "%lld", period);
        if (apply(d, "cpu.cfs_period_us", v, e) < 0)
            return -1;
        snprintf(v, sizeof v, "%lld", lim->cpu_quota);
        if (apply(d, "cpu.cfs_quota_us", v, e) < 0)
            return -1;
    }
    if (lim->pids) {
        snprintf(d, sizeof d, "%s/pids/%s", CG_ROOT, name);
        snprintf(v, sizeof v, "%lld", lim->pids);
        if (apply(d, "pids.max", v, e) < 0)
            return -1;
    }
    return 0;
}

int sbc_cgroup_enter(const char *name, pid_t pid, sbc_err *e)
{
    char d[PATH_MAX], v[32];
    snprintf(v, sizeof v, "%d", (int)pid);
    switch (sbc_cgroup_mode()) {
    case SBC_CG_NONE:
        return 0;
    case SBC_CG_V2:
        snprintf(d, sizeof d, "%s/%s", CG_ROOT, name);
        return apply(d, "cgroup.procs", v, e);
    default:
        break;
    }
    for (size_t i = 0; i < NCTRL; i++) {
        snprintf(d, sizeof d, "%s/%s/%s", CG_ROOT, v1_ctrls[i], name);
        if (apply(d, "cgroup.procs", v, e) < 0)
            return -1;
    }
    if (sbc_cgroup_mode() == SBC_CG_HYBRID) {
        snprintf(d, sizeof d, "%s/unified/%s", CG_ROOT, name);
        if (apply(d, "cgroup.procs", v, e) < 0)
            return -1;
    }
    return 0;
}

/* "key N" lines: value of key, or 0. */
static long long keyed(const char *path, const char *key)
{
    sbc_err e;
    char *s = sbc_read_file(AT_FDCWD, path, 65536, NULL, &e);
    if (!s)
        return 0;
    long long v = 0;
    size_t kl = strlen(key);
    for (char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (!strncmp(l, key, kl) && l[kl] == ' ') {
            v = atoll(l + kl + 1);
            break;
        }
    free(s);
    return v;
}

long long sbc_cgroup_oom_kills(const char *name)
{
    char p[PATH_MAX];
    switch (sbc_cgroup_mode()) {
    case SBC_CG_NONE:
        return 0;
    case SBC_CG_V2:
        snprintf(p, sizeof p, "%s/%s/memory.events", CG_ROOT, name);
        return keyed(p, "oom_kill");
    default:
        snprintf(p, sizeof p, "%s/memory/%s/memory.oom_control", CG_ROOT, name);
        return keyed(p, "oom_kill");
    }
}

static const char *procs_dir(const char *name, char *d, size_t n)
{
    if (sbc_cgroup_mode() == SBC_CG_V2)
        snprintf(d, n, "%s/%s", CG_ROOT, name);
    else
        snprintf(d, n, "%s/pids/%s", CG_ROOT, name);
    return d;
}

int sbc_cgroup_signal_all(const char *name, int sig)
{
    if (sbc_cgroup_mode() == SBC_CG_NONE)
        return 0;
    char d[PATH_MAX], p[PATH_MAX + 16];
    procs_dir(name, d, sizeof d);
    if (sig == SIGKILL && sbc_cgroup_mode() == SBC_CG_V2 && put(d, "cgroup.kill", "1") == 0)
        return 1;
    snprintf(p, sizeof p, "%s/cgroup.procs", d);
    sbc_err e;
    char *s = sbc_read_file(AT_FDCWD, p, 1 << 20, NULL, &e);
    if (!s)
        return 0;
    int n = 0;
    for (char *l = s; *l;) {
        char *end;
        long pid = strtol(l, &end, 10);
        if (end == l)
            break;
        if (pid > 0 && kill((pid_t)pid, sig) == 0)
            n++;
        l = *end ? end + 1 : end;
    }
    free(s);
    return n;
}

/* rmdir the leaf; retry while tasks are still exiting. */
static int rm_leaf(const char *p, sbc_err *e)
{
    for (int i = 0; i < 200; i++) {
        if (rmdir(p) == 0 || errno == ENOENT) {
            rm_parents(p);
            return 0;
        }
        if (errno != EBUSY)
            break;
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return sbc_err_sys(e, "cgroup: rmdir %s", p);
}

int sbc_cgroup_destroy(const char *name, sbc_err *e)
{
    char p[PATH_MAX];
    int rc = 0;
    if (!name || !*name || strstr(name, ".."))
        return 0;
    switch (sbc_cgroup_mode()) {
    case SBC_CG_NONE:
        return 0;
    case SBC_CG_V2:
        snprintf(p, sizeof p, "%s/%s", CG_ROOT, name);
        if (access(p, F_OK) < 0)
            return 0;
        sbc_cgroup_signal_all(name, SIGKILL);
        return rm_leaf(p, e);
    default:
        break;
    }
    snprintf(p, sizeof p, "%s/pids/%s", CG_ROOT, name);
    if (access(p, F_OK) == 0)
        sbc_cgroup_signal_all(name, SIGKILL);
    for (size_t i = 0; i < NCTRL; i++) {
        snprintf(p, sizeof p, "%s/%s/%s", CG_ROOT, v1_ctrls[i], name);
        if (rm_leaf(p, e) < 0)
            rc = -1;
    }
    if (sbc_cgroup_mode() == SBC_CG_HYBRID) {
        snprintf(p, sizeof p, "%s/unified/%s", CG_ROOT, name);
        if (rm_leaf(p, e) < 0)
            rc = -1;
    }
    return rc;
}

long long sbc_parse_bytes(const char *s)
{
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s)
        return -1;
    long long mult = 1;
    switch (tolower((unsigned char)*end)) {
    case 0: break;
    case 'b': mult = 1; end++; break;
    case 'k': mult = 1LL << 10; end++; break;
    case 'm': mult = 1LL << 20; end++; break;
    case 'g': mult = 1LL << 30; end++; break;
    case 't': mult = 1LL << 40; end++; break;
    default: return -1;
    }
    if (*end == 'b' || *end == 'B')
        end++;
    if (*end)
        return -1;
    return (long long)(v * (double)mult);
}
