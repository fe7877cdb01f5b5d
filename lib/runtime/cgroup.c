/* cgroup.c - cgroup v1, hybrid and v2 behind one interface (see cgroup.h). */
#include "runtime/cgroup.h"

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

#include "base/config.h"
#include "base/io.h"
#include "runtime/devices.h"

#define CG_ROOT "/sys/fs/cgroup"

/* The v1 controllers we manage; signal_all reads the first one that has a
 * hierarchy (pids tracks every task).  cpu and devices cgroups are made only
 * when wanted (a cpu limit, device rules). */
enum { C_PIDS, C_MEMORY, C_CPU, C_DEVICES, NCTRL };
static const char *const v1_ctrls[NCTRL] = {"pids", "memory", "cpu", "devices"};
static const char *const v1_what[NCTRL] = {"pids limits", "memory limits", "cpu limits", "device rules"};

static int mode = -1;
/* Where the v2 tree is: CG_ROOT, or CG_ROOT/unified on a host whose v1
 * hierarchies are all gone (cgroup_no_v1=all under systemd's hybrid layout). */
static const char *v2root = CG_ROOT;
/* v1: bit C_x set when that controller has no hierarchy (disabled with
 * cgroup_disable=, or an old kernel).  Memory is probed by the detection;
 * the others are found missing only when an operation on them fails, so the
 * common path costs no extra syscall. */
static unsigned v1_missing;

static int is_fs(const char *p, unsigned long magic)
{
    struct statfs sf;
    return statfs(p, &sf) == 0 && (unsigned long)sf.f_type == magic;
}

/* ---- rootless: a delegated v2 subtree ------------------------------------- */

static char deleg[PATH_MAX]; /* relative to v2root; "" when none */
static int deleg_known;
/* rootless: a v2 tree is mounted (v2root), delegated to us or not */
static int rootless_v2;

static int owned_dir(const char *dir)
{
    struct stat st;
    char f[PATH_MAX + 32];
    if (stat(dir, &st) < 0 || st.st_uid != geteuid())
        return 0;
    snprintf(f, sizeof f, "%s/cgroup.procs", dir);
    if (access(f, W_OK) < 0)
        return 0;
    snprintf(f, sizeof f, "%s/cgroup.subtree_control", dir);
    return access(f, W_OK) == 0;
}

/* The top of the subtree delegated to us that holds our own cgroup: from
 * "0::PATH" of /proc/self/cgroup up to the nearest dir that is ours (owner,
 * cgroup.procs and subtree_control writable, as systemd's Delegate= or an
 * admin's chown leaves them: our own cgroup, or an ancestor), then on up
 * while the parents are ours too (systemd's user@UID.service above the
 * app.slice/... we run in).  The container's cgroup goes under it: the
 * common ancestor of where the init is born (our cgroup) and where it goes
 * is then ours to write, the kernel's rule for a move (and for
 * CLONE_INTO_CGROUP); and the top holds no process of ours when we sit
 * lower down (see rootless_enable for when it does). */
static const char *delegated(const char *root)
{
    if (deleg_known)
        return deleg;
    deleg_known = 1;
    sbc_err e = {0};
    char *txt = sbc_read_file(AT_FDCWD, "/proc/self/cgroup", 1 << 16, NULL, &e), *l;
    char *own = NULL;
    for (l = txt ? strtok(txt, "\n") : NULL; l; l = strtok(NULL, "\n"))
        if (!strncmp(l, "0::/", 4))
            own = l + 4;
    char d[PATH_MAX], *cut;
    size_t rl = strlen(root);
    int ok = own && *own && snprintf(d, sizeof d, "%s/%s", root, own) < (int)sizeof d;
    while (ok && !owned_dir(d)) /* up to the nearest of ours */
        if ((cut = strrchr(d, '/')) && cut > d + rl)
            *cut = 0;
        else
            ok = 0;
    while (ok && (cut = strrchr(d, '/')) && cut > d + rl) { /* the top of ours */
        *cut = 0;
        if (!owned_dir(d)) {
            *cut = '/';
            break;
        }
    }
    if (ok)
        snprintf(deleg, sizeof deleg, "%s", d + rl + 1);
    free(txt);
    return deleg;
}

const char *sbc_cgroup_rootless_base(char *ctrls, size_t n)
{
    if (ctrls && n)
        ctrls[0] = 0;
    if (sbc_cgroup_mode() != SBC_CG_V2 || !*deleg)
        return NULL;
    if (ctrls) {
        char d[PATH_MAX + 32];
        snprintf(d, sizeof d, "%s/%s/cgroup.controllers", v2root, deleg);
        sbc_err e = {0};
        char *c = sbc_read_file(AT_FDCWD, d, 4096, NULL, &e);
        snprintf(ctrls, n, "%s", c ? c : "");
        ctrls[strcspn(ctrls, "\n")] = 0;
        free(c);
    }
    return deleg;
}

/* Rootless: v2 when a delegated subtree is ours (on a hybrid host its
 * unified tree), else none: v1 hierarchies are never an ordinary user's. */
static int rootless_mode(void)
{
    if (is_fs(CG_ROOT, CGROUP2_SUPER_MAGIC))
        v2root = CG_ROOT;
    else if (is_fs(CG_ROOT "/unified", CGROUP2_SUPER_MAGIC))
        v2root = CG_ROOT "/unified";
    else
        return mode = SBC_CG_NONE;
    rootless_v2 = 1;
    return mode = *delegated(v2root) ? SBC_CG_V2 : SBC_CG_NONE;
}

/* name's v2 dir in p, for the calls that act on a container's cgroup by
 * its name alone (signal, OOM count, destroy): on v2, and rootless wherever
 * the v2 tree is mounted, also from a shell outside the subtree the
 * container was made in (an sbc-rm from another terminal): the dirs are
 * the user's own.  0 when name has no v2 dir here. */
static int v2_named(const char *name, char *p, size_t n)
{
    int m = sbc_cgroup_mode();
    if (m != SBC_CG_V2 && !(m == SBC_CG_NONE && rootless_v2))
        return 0;
    snprintf(p, n, "%s/%s", v2root, name);
    return 1;
}

int sbc_cgroup_mode(void)
{
    if (mode >= 0)
        return mode;
    if (sbc_rootless())
        return rootless_mode();
    struct statfs sf;
    if (statfs(CG_ROOT, &sf) < 0)
        return mode = SBC_CG_NONE;
    if (sf.f_type == CGROUP2_SUPER_MAGIC)
        return mode = SBC_CG_V2;
    int v1 = is_fs(CG_ROOT "/memory", CGROUP_SUPER_MAGIC);
    if (!v1) {
        /* no memory hierarchy (e.g. cgroup_disable=memory): v1 all the same
         * when another of ours is there */
        v1_missing |= 1u << C_MEMORY;
        for (int i = 0; i < NCTRL; i++) {
            char p[64];
            snprintf(p, sizeof p, "%s/%s", CG_ROOT, v1_ctrls[i]);
            if (i != C_MEMORY && is_fs(p, CGROUP_SUPER_MAGIC))
                v1 = 1;
            else
                v1_missing |= 1u << i;
        }
    }
    int unified = is_fs(CG_ROOT "/unified", CGROUP2_SUPER_MAGIC);
    if (v1)
        return mode = unified ? SBC_CG_HYBRID : SBC_CG_V1;
    if (unified) {
        v2root = CG_ROOT "/unified";
        return mode = SBC_CG_V2;
    }
    return mode = SBC_CG_NONE;
}

/* v1: after an ENOENT under controller i's hierarchy, whether the hierarchy
 * itself is missing (then remembered); errno kept. */
static int v1_gone(int i)
{
    if (v1_missing & (1u << i))
        return 1;
    int saved = errno;
    char p[64];
    snprintf(p, sizeof p, "%s/%s", CG_ROOT, v1_ctrls[i]);
    if (saved == ENOENT && !is_fs(p, CGROUP_SUPER_MAGIC))
        v1_missing |= 1u << i;
    errno = saved;
    return (v1_missing >> i) & 1;
}

const char *sbc_cgroup_mode_name(void)
{
    static const char *const n[] = {"none", "v1", "hybrid", "v2"};
    return n[sbc_cgroup_mode()];
}

const char *sbc_cgroup_devices_how(void)
{
    static char how[96];
    const char *tree = "cgroup v2";
    sbc_err e = {0};
    switch (sbc_cgroup_mode()) {
    case SBC_CG_NONE:
        return "none (no cgroup file system)";
    case SBC_CG_V2:
        break;
    default:
        if (is_fs(CG_ROOT "/devices", CGROUP_SUPER_MAGIC))
            return "devices cgroup (v1)";
        if (sbc_cgroup_mode() != SBC_CG_HYBRID)
            return "none (no devices hierarchy)";
        tree = "unified hierarchy";
    }
    int fd = sbc_dev_bpf_load(sbc_dev_default, sbc_dev_ndefault, &e);
    if (fd >= 0) {
        close(fd);
        snprintf(how, sizeof how, "eBPF (%s)", tree);
    } else
        snprintf(how, sizeof how, "none (%s, no device program: %s)", tree, strerror(e.errnum));
    return how;
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

/* mkdir p; 1 when made, 0 when it was there, -1 on error. */
static int mkdir_ok(const char *p)
{
    return mkdir(p, 0755) == 0 ? 1 : errno == EEXIST ? 0 : -1;
}

/* mkdir every component of name below base; *fresh is set when a parent of
 * the leaf was made (then nothing in it was set up yet). */
static int mk_below(const char *base, const char *name, int *fresh)
{
    char p[PATH_MAX];
    int n = snprintf(p, sizeof p, "%s/%s", base, name), rc;
    if (n < 0 || n >= (int)sizeof p)
        return errno = ENAMETOOLONG, -1;
    for (char *s = p + strlen(base) + 1; (s = strchr(s, '/')); s++) {
        *s = 0;
        rc = mkdir_ok(p);
        *s = '/';
        if (rc < 0)
            return -1;
        *fresh |= rc;
    }
    if (mkdir_ok(p) >= 0)
        return 0;
    if (errno != ENOENT)
        return -1;
    /* a parent was removed under us by a concurrent destroy: once more */
    for (char *s = p + strlen(base) + 1; (s = strchr(s, '/')); s++) {
        *s = 0;
        *fresh |= mkdir_ok(p) > 0;
        *s = '/';
    }
    return mkdir_ok(p) < 0 ? -1 : 0;
}

/* Enable memory, pids and cpu in dir's subtree_control: all in one write,
 * or one by one when one of them is not available there.  Not when dir
 * holds processes (EBUSY): the threaded ones (pids, cpu) would go in and
 * make it a thread root, where memory can never follow. */
static int v2_enable_in(const char *dir, sbc_err *why)
{
    static const char *const one[] = {"+memory", "+pids", "+cpu"};
    if (put(dir, "cgroup.subtree_control", "+memory +pids +cpu") == 0)
        return 0;
    int err = errno, ok = 1;
    if (err == EBUSY) {
        sbc_err_set(why, 0, "%s/cgroup.subtree_control: %s (it holds processes)", dir, strerror(err));
        return -1;
    }
    for (size_t i = 0; i < sizeof one / sizeof *one; i++)
        if (put(dir, "cgroup.subtree_control", one[i]) < 0) {
            if (ok)
                sbc_err_set(why, 0, "%s in %s/cgroup.subtree_control: %s", one[i], dir, strerror(errno));
            ok = 0;
        }
    errno = err;
    return ok ? 0 : -1;
}

/* Enable the controllers in every ancestor of name, top down (a cgroup can
 * only enable what its parent has).  The root of a v2 host usually has them
 * already (systemd), but not on a host without systemd; sbc's own parent
 * ("sbc") needs them once, when it is made.  why gets the reason when
 * one could not be enabled (for the error message), else is cleared. */
static void v2_enable(const char *name, sbc_err *why)
{
    char p[PATH_MAX];
    int n = snprintf(p, sizeof p, "%s/%s", v2root, name);
    if (n < 0 || n >= (int)sizeof p)
        return;
    char *leaf = strrchr(p, '/');
    sbc_err_clear(why);
    /* usually the root has them: then the leaf's parent is enough */
    *leaf = 0;
    if (leaf > p + strlen(v2root) && put(p, "cgroup.subtree_control", "+memory +pids +cpu") == 0)
        return;
    *leaf = '/';
    for (char *s = p + strlen(v2root); s && s <= leaf; s = strchr(s + 1, '/')) {
        char save = *s;
        *s = 0;
        v2_enable_in(p, why);
        *s = save;
    }
}

/* ---- rootless: the delegated controllers ----------------------------------
 *
 * A rootless container's cgroup is <subtree>/sbc/<id> (delegated()).  The
 * kernel enables a domain controller (memory) in a cgroup's subtree_control
 * only while that cgroup holds no process (the no-internal-process rule),
 * and the subtree's top is often where the user's own processes are: an
 * admin chowns a cgroup and puts the user's shell in it, and sbc itself runs
 * there.  Then, as podman does (containers/common's MoveUnderCgroup: every
 * process of its cgroup into a child, "init" or "runtime"), what is in the
 * top moves into a leaf of its own, <subtree>/sbc-caller (it stays, with
 * the shell in it), and the controllers go in once.  Where the user's
 * processes sit lower down (systemd keeps user@UID.service's in init.scope
 * and app.slice) nothing moves.  All of ours that are delegated in one
 * write: pids and cpu alone (threaded) would go in beside processes, but
 * then memory could not follow. */
#define CALLER_LEAF "sbc-caller"

/* Move every process of dir into dir/leaf (made when missing); 0 when dir
 * holds none afterwards.  Rounds with a growing pause (1 ms doubling, about
 * 1 s in all): one of them may fork meanwhile, and a process in the middle
 * of exiting is still listed while the kernel no longer moves it (seen in
 * CI: five back-to-back rounds found it every time). */
static int move_down(const char *dir, const char *leaf, sbc_err *why)
{
    char to[PATH_MAX], f[PATH_MAX];
    snprintf(f, sizeof f, "%s/cgroup.procs", dir);
    if (snprintf(to, sizeof to, "%s/%s", dir, leaf) >= (int)sizeof to || mkdir_ok(to) < 0)
        return sbc_err_sys(why, "cgroup: mkdir %s", to);
    for (int round = 0; round < 16; round++) {
        if (round)
            usleep(1000u << (round < 7 ? round - 1 : 6));
        sbc_err e = {0};
        char *s = sbc_read_file(AT_FDCWD, f, 1 << 20, NULL, &e), *end;
        if (!s)
            return sbc_err_sys(why, "cgroup: read %s", f);
        int left = 0;
        for (char *l = s; *l; l = *end ? end + 1 : end) {
            long pid = strtol(l, &end, 10);
            if (end == l)
                break;
            char v[24];
            snprintf(v, sizeof v, "%ld", pid);
            if (put(to, "cgroup.procs", v) < 0 && errno != ESRCH && !left++)
                sbc_err_sys(why, "cgroup: move process %ld from %s into %s", pid, dir, leaf);
        }
        int none = s[0] == 0;
        free(s);
        if (none)
            return 0;
        if (left)
            return -1;
    }
    return sbc_err_set(why, 0, "cgroup: %s: its processes keep coming back", dir);
}

/* Enable what is delegated of memory, pids and cpu (the subtree's
 * cgroup.controllers) in the subtree's subtree_control and in each dir
 * below it down to name's parent; nothing above the subtree (not ours).
 * why gets the reason when they could not go in, else is cleared. */
static void rootless_enable(const char *name, sbc_err *why)
{
    static const char *const ours[] = {"memory", "pids", "cpu"};
    char p[PATH_MAX], want[32] = "";
    size_t dl = strlen(deleg);
    sbc_err_clear(why);
    if (!dl || strncmp(name, deleg, dl) || name[dl] != '/' ||
        snprintf(p, sizeof p, "%s/%s/cgroup.controllers", v2root, deleg) >= (int)sizeof p)
        return; /* (not under our subtree: made from another one) */
    sbc_err e = {0};
    char *c = sbc_read_file(AT_FDCWD, p, 4096, NULL, &e), have[4200], w[16];
    if (!c)
        return;
    snprintf(have, sizeof have, " %.*s ", (int)strcspn(c, "\n"), c);
    free(c);
    for (size_t i = 0; i < sizeof ours / sizeof *ours; i++)
        if (snprintf(w, sizeof w, " %s ", ours[i]) > 0 && strstr(have, w))
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s+%s", *want ? " " : "", ours[i]);
    if (!*want)
        return;
    snprintf(p, sizeof p, "%s/%s", v2root, name);
    char *top = p + strlen(v2root) + 1 + dl, *leaf = strrchr(p, '/');
    for (char *s = top; s && s <= leaf; s = strchr(s + 1, '/')) {
        *s = 0;
        int rc = put(p, "cgroup.subtree_control", want);
        if (rc < 0 && errno == EBUSY && s == top && move_down(p, CALLER_LEAF, why) == 0)
            rc = put(p, "cgroup.subtree_control", want);
        if (rc < 0 && !why->msg[0])
            sbc_err_set(why, 0, "%s in %s/cgroup.subtree_control: %s", want, p, strerror(errno));
        *s = '/';
    }
}

/* Enable the controllers for name: rootless in its delegated subtree only. */
static void enable(const char *name, sbc_err *why)
{
    if (sbc_rootless())
        rootless_enable(name, why);
    else
        v2_enable(name, why);
}

static int apply(const char *dir, const char *file, const char *val, sbc_err *e)
{
    if (put(dir, file, val) < 0)
        return sbc_err_sys(e, "cgroup: set %s/%s to %s", dir, file, val);
    return 0;
}

/* v2: set a limit; a missing file means its controller is not enabled above
 * us yet (sbc/ made by someone else, or just now by a concurrent create):
 * enable, then once more.  why: what the last enable found, for the
 * error. */
static int v2_apply(const char *name, const char *dir, const char *file, const char *val,
                    int *enabled, sbc_err *why, sbc_err *e)
{
    if (put(dir, file, val) == 0)
        return 0;
    if (errno == ENOENT && !*enabled) {
        *enabled = 1;
        enable(name, why);
        if (put(dir, file, val) == 0)
            return 0;
    }
    if (errno == ENOENT)
        return sbc_err_set(e, SBC_EXIT_FAIL, "cgroup: set %s/%s to %s: the %.*s controller is not available%s%s%s",
                           dir, file, val, (int)strcspn(file, "."), file, why->msg[0] ? " (" : "", why->msg,
                           why->msg[0] ? ")" : "");
    return sbc_err_sys(e, "cgroup: set %s/%s to %s", dir, file, val);
}

/* The device program for lim's rules on the v2 cgroup dir, when there are
 * rules; a kernel without bpf(2) has no device control to give (reported by
 * sbc_cgroup_devices_how), anything else is an error. */
static int devices_bpf(const char *dir, const sbc_cg_limits *lim, sbc_err *e)
{
    /* (rootless: no device program, which needs the host's CAP_BPF; the
     * container cannot make or open a host device node anyway) */
    if (!lim->devices || sbc_rootless() || sbc_dev_bpf_apply(dir, lim->devices, lim->ndevices, e) == 0)
        return 0;
    if (e->errnum == ENOSYS) {
        sbc_err_clear(e);
        return 0;
    }
    return -1;
}

static int extra_create(const char *name, sbc_err *e);
static void extra_enter(const char *name, const char *pid);
static int writes_apply(const char *name, const sbc_cg_limits *lim, sbc_err *e);

static int create_base(const char *name, const sbc_cg_limits *lim, sbc_err *e)
{
    char d[PATH_MAX], v[64];
    long long period = lim->cpu_period > 0 ? lim->cpu_period : 100000;
    int fresh = 0;
    switch (sbc_cgroup_mode()) {
    case SBC_CG_NONE:
        if (!(lim->memory || lim->cpu_quota || lim->pids))
            return 0;
        if (sbc_rootless()) /* (started from a shell outside the subtree) */
            return sbc_err_set(e, 0, "cgroup: no cgroup v2 subtree delegated to uid %u here, limits unavailable",
                               (unsigned)geteuid());
        return sbc_err_set(e, 0, "cgroup: no cgroup file system mounted, limits unavailable");
    case SBC_CG_V2: {
        if (mk_below(v2root, name, &fresh) < 0)
            return sbc_err_sys(e, "cgroup: mkdir %s/%s", v2root, name);
        /* a fresh parent enables the controllers for its children; one that
         * was there has them (v2_apply catches the exceptions) */
        int enabled = fresh;
        sbc_err why = {0}; /* why a controller could not be enabled */
        if (fresh)
            enable(name, &why);
        snprintf(d, sizeof d, "%s/%s", v2root, name);
        if (lim->memory) {
            snprintf(v, sizeof v, "%lld", lim->memory);
            if (v2_apply(name, d, "memory.max", v, &enabled, &why, e) < 0)
                return -1;
            put(d, "memory.swap.max", "0"); /* absent without swap accounting */
        }
        if (lim->cpu_quota) {
            snprintf(v, sizeof v, "%lld %lld", lim->cpu_quota, period);
            if (v2_apply(name, d, "cpu.max", v, &enabled, &why, e) < 0)
                return -1;
        }
        if (lim->pids) {
            snprintf(v, sizeof v, "%lld", lim->pids);
            if (v2_apply(name, d, "pids.max", v, &enabled, &why, e) < 0)
                return -1;
        }
        return devices_bpf(d, lim, e);
    }
    default:
        break;
    }
    const long long want[NCTRL] = {[C_PIDS] = lim->pids, [C_MEMORY] = lim->memory, [C_CPU] = lim->cpu_quota,
                                   [C_DEVICES] = lim->devices != NULL};
    for (int i = 0; i < NCTRL; i++) {
        /* device rules without a devices hierarchy: the eBPF program on the
         * unified tree of a hybrid host, else none (sbc_cgroup_devices_how) */
        int must = want[i] && i != C_DEVICES;
        if (must && (v1_missing & (1u << i)))
            return sbc_err_set(e, 0, "cgroup: no %s hierarchy under %s, %s unavailable", v1_ctrls[i], CG_ROOT, v1_what[i]);
        if ((v1_missing & (1u << i)) || ((i == C_CPU || i == C_DEVICES) && !want[i]))
            continue; /* a cpu cgroup only for a cpu limit: a start costs less */
        snprintf(d, sizeof d, "%s/%s", CG_ROOT, v1_ctrls[i]);
        if (mk_below(d, name, &fresh) < 0) {
            if (!v1_gone(i))
                return sbc_err_sys(e, "cgroup: mkdir %s/%s", d, name);
            if (must)
                return sbc_err_set(e, 0, "cgroup: no %s hierarchy under %s, %s unavailable", v1_ctrls[i], CG_ROOT, v1_what[i]);
        }
    }
    if (sbc_cgroup_mode() == SBC_CG_HYBRID && mk_below(CG_ROOT "/unified", name, &fresh) < 0)
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
    if (!lim->devices)
        return 0;
    /* the rules are in before sbc_cgroup_enter moves the child in, so
     * before it gets "go" and long before the command runs */
    if (!(v1_missing & (1u << C_DEVICES))) {
        snprintf(d, sizeof d, "%s/devices/%s", CG_ROOT, name);
        return sbc_dev_v1_apply(d, lim->devices, lim->ndevices, e);
    }
    if (sbc_cgroup_mode() == SBC_CG_HYBRID) {
        snprintf(d, sizeof d, "%s/unified/%s", CG_ROOT, name);
        return devices_bpf(d, lim, e);
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
        snprintf(d, sizeof d, "%s/%s", v2root, name);
        return apply(d, "cgroup.procs", v, e);
    default:
        break;
    }
    for (int i = 0; i < NCTRL; i++) {
        if (v1_missing & (1u << i))
            continue;
        snprintf(d, sizeof d, "%s/%s/%s", CG_ROOT, v1_ctrls[i], name);
        if (put(d, "cgroup.procs", v) < 0 && !v1_gone(i) && !((i == C_CPU || i == C_DEVICES) && errno == ENOENT))
            return sbc_err_sys(e, "cgroup: set %s/cgroup.procs to %s", d, v);
    }
    extra_enter(name, v);
    if (sbc_cgroup_mode() == SBC_CG_HYBRID) {
        snprintf(d, sizeof d, "%s/unified/%s", CG_ROOT, name);
        if (apply(d, "cgroup.procs", v, e) < 0)
            return -1;
    }
    return 0;
}

int sbc_cgroup_v2_fd(const char *name)
{
    if (sbc_cgroup_mode() != SBC_CG_V2)
        return -1;
    char d[PATH_MAX];
    snprintf(d, sizeof d, "%s/%s", v2root, name);
    return open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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
    char p[PATH_MAX], d[PATH_MAX - 16];
    if (v2_named(name, d, sizeof d)) {
        snprintf(p, sizeof p, "%s/memory.events", d);
        return keyed(p, "oom_kill");
    }
    switch (sbc_cgroup_mode()) {
    case SBC_CG_NONE:
        return 0;
    default:
        snprintf(p, sizeof p, "%s/memory/%s/memory.oom_control", CG_ROOT, name);
        return keyed(p, "oom_kill");
    }
}

/* Send sig to the processes listed in d/cgroup.procs (on v2 SIGKILL goes
 * through cgroup.kill); the number signalled, -1 when d is unreadable. */
/* The pids in d/cgroup.procs (at most max bytes of it; malloc'd); -1 with
 * errno when it cannot be read. */
static int procs_in(const char *d, size_t max, pid_t **pids, int *n)
{
    char p[PATH_MAX + 16];
    *pids = NULL;
    *n = 0;
    snprintf(p, sizeof p, "%s/cgroup.procs", d);
    sbc_err e = {0};
    char *s = sbc_read_file(AT_FDCWD, p, max, NULL, &e);
    if (!s) {
        errno = e.errnum;
        return -1;
    }
    int cap = 0;
    for (char *l = s; *l;) {
        char *end;
        long pid = strtol(l, &end, 10);
        if (end == l)
            break;
        if (*n == cap)
            *pids = sbc_xrealloc(*pids, (size_t)(cap = cap ? cap * 2 : 16) * sizeof **pids);
        (*pids)[(*n)++] = (pid_t)pid;
        l = *end ? end + 1 : end;
    }
    free(s);
    return 0;
}

static int signal_in(const char *d, int sig, int v2)
{
    if (sig == SIGKILL && v2 && put(d, "cgroup.kill", "1") == 0)
        return 1;
    pid_t *pids;
    int np, n = 0;
    if (procs_in(d, 1 << 20, &pids, &np) < 0)
        return errno == ENOENT ? -1 : 0;
    for (int i = 0; i < np; i++)
        if (pids[i] > 0 && kill(pids[i], sig) == 0)
            n++;
    free(pids);
    return n;
}

/* v1: signal name's processes through the first of our hierarchies the host
 * has (pids, else memory, cpu); -1 when name has no cgroup. */
static int v1_signal(const char *name, int sig)
{
    char d[PATH_MAX];
    for (int i = 0; i < NCTRL; i++) {
        if (v1_missing & (1u << i))
            continue;
        snprintf(d, sizeof d, "%s/%s/%s", CG_ROOT, v1_ctrls[i], name);
        int n = signal_in(d, sig, 0);
        if (n >= 0)
            return n;
        if (!v1_gone(i))
            return -1; /* the hierarchy is there, name is not */
    }
    return -1;
}

int sbc_cgroup_signal_all(const char *name, int sig)
{
    char d[PATH_MAX];
    int n;
    if (v2_named(name, d, sizeof d))
        n = signal_in(d, sig, 1);
    else if (sbc_cgroup_mode() == SBC_CG_NONE)
        return 0;
    else
        n = v1_signal(name, sig);
    return n < 0 ? 0 : n;
}

/* ---- the other v1 hierarchies (OCI containers join all) ------------------- */

static const char *const v1_extra[] = {"cpuacct", "cpuset", "blkio", "freezer", "net_cls", "net_prio",
                                       "hugetlb", "perf_event", "rdma", "misc"};
#define NEXTRA (int)(sizeof v1_extra / sizeof *v1_extra)

/* cpuset: a new dir has no cpus or mems, so nothing can enter it; each
 * level takes its parent's */
static void cpuset_fill(const char *name)
{
    char p[PATH_MAX];
    size_t base = strlen(CG_ROOT "/cpuset");
    snprintf(p, sizeof p, "%s/cpuset/%s", CG_ROOT, name);
    size_t len = strlen(p);
    for (size_t end = base + 1; end <= len; end++) {
        if (p[end] != '/' && p[end] != 0)
            continue;
        char save = p[end];
        p[end] = 0; /* p: one level, from the top down */
        static const char *const f[] = {"cpuset.cpus", "cpuset.mems"};
        for (int i = 0; i < 2; i++) {
            char q[PATH_MAX + 16], cur[4096] = "", par[4096] = "";
            snprintf(q, sizeof q, "%s/%s", p, f[i]);
            int fd = open(q, O_RDONLY | O_CLOEXEC);
            ssize_t n = fd >= 0 ? read(fd, cur, sizeof cur - 1) : -1;
            if (fd >= 0)
                close(fd);
            if (n > 1)
                continue; /* (set) */
            snprintf(q, sizeof q, "%.*s/%s", (int)(strrchr(p, '/') - p), p, f[i]);
            fd = open(q, O_RDONLY | O_CLOEXEC);
            n = fd >= 0 ? read(fd, par, sizeof par - 1) : -1;
            if (fd >= 0)
                close(fd);
            if (n > 0) {
                par[n] = 0;
                put(p, f[i], par);
            }
        }
        p[end] = save;
    }
}

static int extra_mounted(int i)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", CG_ROOT, v1_extra[i]);
    return is_fs(p, CGROUP_SUPER_MAGIC);
}

static int extra_create(const char *name, sbc_err *e)
{
    for (int i = 0; i < NEXTRA; i++) {
        if (!extra_mounted(i))
            continue;
        char d[PATH_MAX];
        int fresh = 0;
        snprintf(d, sizeof d, "%s/%s", CG_ROOT, v1_extra[i]);
        if (mk_below(d, name, &fresh) < 0)
            return sbc_err_sys(e, "cgroup: mkdir %s/%s", d, name);
        if (!strcmp(v1_extra[i], "cpuset"))
            cpuset_fill(name);
    }
    return 0;
}

/* The hierarchy dir of a v1 controller (ours or an extra) for name; -1
 * when the host has no such hierarchy. */
static int v1_dir(const char *ctrl, const char *name, char *d, size_t n)
{
    snprintf(d, n, "%s/%s", CG_ROOT, ctrl);
    if (!is_fs(d, CGROUP_SUPER_MAGIC))
        return -1;
    snprintf(d, n, "%s/%s/%s", CG_ROOT, ctrl, name);
    return 0;
}

static int writes_apply(const char *name, const sbc_cg_limits *lim, sbc_err *e)
{
    char d[PATH_MAX];
    for (int i = 0; i < lim->nwrites; i++) {
        const struct sbc_cg_write *w = &lim->writes[i];
        if (w->ctrl) {
            if (v1_dir(w->ctrl, name, d, sizeof d) < 0)
                return sbc_err_set(e, 0, "cgroup: no %s hierarchy under %s, %s unavailable", w->ctrl, CG_ROOT, w->file);
            if (access(d, F_OK) < 0) {
                int fresh = 0;
                char b[PATH_MAX];
                snprintf(b, sizeof b, "%s/%s", CG_ROOT, w->ctrl);
                if (mk_below(b, name, &fresh) < 0)
                    return sbc_err_sys(e, "cgroup: mkdir %s", d);
            }
        } else if (!v2_named(name, d, sizeof d)) {
            snprintf(d, sizeof d, "%s/unified/%s", CG_ROOT, name);
            if (sbc_cgroup_mode() != SBC_CG_HYBRID || access(d, F_OK) < 0)
                return sbc_err_set(e, 0, "cgroup: %s is a cgroup v2 file, this host has no v2 cgroup for it", w->file);
        }
        if (apply(d, w->file, w->value, e) < 0)
            return -1;
        if (!strcmp(w->file, "memory.kmem.limit_in_bytes")) {
            /* since 5.16 the kernel takes it and keeps no limit */
            char p[PATH_MAX + 32], b[32] = "";
            snprintf(p, sizeof p, "%s/%s", d, w->file);
            int fd = open(p, O_RDONLY | O_CLOEXEC);
            ssize_t n = fd >= 0 ? read(fd, b, sizeof b - 1) : -1;
            if (fd >= 0)
                close(fd);
            if (n > 0 && strtoull(b, NULL, 10) != strtoull(w->value, NULL, 10))
                return sbc_err_set(e, 0, "cgroup: memory.kmem.limit_in_bytes: this kernel does not limit kernel "
                                   "memory any more (since Linux 5.16): linux.resources.memory.kernel cannot be applied");
        }
    }
    return 0;
}

static void extra_enter(const char *name, const char *pid)
{
    char d[PATH_MAX];
    for (int i = 0; i < NEXTRA; i++) {
        snprintf(d, sizeof d, "%s/%s/%s", CG_ROOT, v1_extra[i], name);
        if (access(d, F_OK) == 0)
            put(d, "cgroup.procs", pid);
    }
}

/* rmdir the leaf; retry while tasks are still exiting. */
static int rm_leaf(const char *p, sbc_err *e)
{
    for (int i = 0; i < 200; i++) {
        if (rmdir(p) == 0 || errno == ENOENT)
            return 0; /* the parent ("sbc") stays, as Docker's "docker" does */
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
    if (v2_named(name, p, sizeof p)) {
        if (access(p, F_OK) < 0)
            return 0;
        signal_in(p, SIGKILL, 1);
        return rm_leaf(p, e);
    }
    if (sbc_cgroup_mode() == SBC_CG_NONE)
        return 0;
    v1_signal(name, SIGKILL);
    for (int i = 0; i < NCTRL; i++) {
        if (v1_missing & (1u << i))
            continue;
        snprintf(p, sizeof p, "%s/%s/%s", CG_ROOT, v1_ctrls[i], name);
        if (rm_leaf(p, e) < 0)
            rc = -1;
    }
    for (int i = 0; i < NEXTRA; i++) {
        snprintf(p, sizeof p, "%s/%s/%s", CG_ROOT, v1_extra[i], name);
        if (access(p, F_OK) == 0 && rm_leaf(p, e) < 0)
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

int sbc_cgroup_create(const char *name, const sbc_cg_limits *lim, sbc_err *e)
{
    if (create_base(name, lim, e) < 0)
        return -1;
    int m = sbc_cgroup_mode();
    if (lim->all_hierarchies && (m == SBC_CG_V1 || m == SBC_CG_HYBRID) && extra_create(name, e) < 0)
        return -1;
    return lim->nwrites ? writes_apply(name, lim, e) : 0;
}

/* ---- freezer, process list ----------------------------------------------- */

/* The dir whose cgroup.freeze (v2) or freezer.state (v1) serves name. */
static int freezer_dir(const char *name, char *d, size_t n, int *v2)
{
    *v2 = 1;
    if (v2_named(name, d, n))
        return 0;
    if (sbc_cgroup_mode() == SBC_CG_HYBRID) {
        snprintf(d, n, "%s/unified/%s", CG_ROOT, name);
        if (access(d, F_OK) == 0)
            return 0;
    }
    if (sbc_cgroup_mode() == SBC_CG_NONE)
        return -1;
    *v2 = 0;
    snprintf(d, n, "%s/freezer/%s", CG_ROOT, name);
    return access(d, F_OK) == 0 ? 0 : -1;
}

int sbc_cgroup_frozen(const char *name)
{
    char d[PATH_MAX], p[PATH_MAX + 32], b[64] = "";
    int v2;
    if (freezer_dir(name, d, sizeof d, &v2) < 0)
        return -1;
    snprintf(p, sizeof p, "%s/%s", d, v2 ? "cgroup.freeze" : "freezer.state");
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t r = read(fd, b, sizeof b - 1);
    close(fd);
    if (r <= 0)
        return -1;
    b[r] = 0;
    return v2 ? b[0] == '1' : !strncmp(b, "FROZEN", 6);
}

/* v1 without a v2 tree: name's freezer cgroup is made at the first pause
 * (a container's cgroups are those its limits need) and every process of
 * name joins it; rounds until none is left outside (one may fork).  1 when
 * there is no v1 freezer to use, 0 when joined, -1 + e. */
static int v1_freezer_join(const char *name, sbc_err *e)
{
    char d[PATH_MAX], b[PATH_MAX];
    int fresh = 0;
    if (sbc_cgroup_mode() != SBC_CG_V1 || v1_dir("freezer", name, d, sizeof d) < 0)
        return 1;
    snprintf(b, sizeof b, "%s/freezer", CG_ROOT);
    if (mk_below(b, name, &fresh) < 0)
        return sbc_err_sys(e, "cgroup: mkdir %s", d);
    for (int round = 0; round < 8; round++) {
        pid_t *pids, *in;
        int n, nin, moved = 0;
        if (sbc_cgroup_procs(name, &pids, &n) < 0)
            return sbc_err_set(e, 0, "cgroup %s: no process list", name);
        if (procs_in(d, 1 << 22, &in, &nin) < 0)
            nin = 0, in = NULL;
        for (int i = 0; i < n; i++) {
            int there = 0;
            for (int k = 0; k < nin && !there; k++)
                there = in[k] == pids[i];
            char v[24];
            snprintf(v, sizeof v, "%d", (int)pids[i]);
            if (!there && put(d, "cgroup.procs", v) == 0)
                moved++;
        }
        free(pids);
        free(in);
        if (!moved)
            return 0;
    }
    return 0;
}

int sbc_cgroup_freeze(const char *name, int on, sbc_err *e)
{
    char d[PATH_MAX];
    int v2;
    if (freezer_dir(name, d, sizeof d, &v2) < 0 && on && v1_freezer_join(name, e) < 0)
        return -1;
    if (freezer_dir(name, d, sizeof d, &v2) < 0)
        return sbc_err_set(e, 0, "cgroup %s: no freezer (no cgroup v2 tree and no v1 freezer hierarchy)", name);
    if (apply(d, v2 ? "cgroup.freeze" : "freezer.state", v2 ? (on ? "1" : "0") : (on ? "FROZEN" : "THAWED"), e) < 0)
        return -1;
    /* v2 reports "frozen 1" in cgroup.events once every task stopped; v1
     * goes FREEZING -> FROZEN */
    for (int i = 0; i < 500; i++) {
        if (v2) {
            char ev[PATH_MAX + 16];
            snprintf(ev, sizeof ev, "%s/cgroup.events", d);
            if (keyed(ev, "frozen") == on)
                return 0;
        } else if (sbc_cgroup_frozen(name) == on) {
            return 0;
        }
        struct timespec t = {0, 2 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
    return sbc_err_set(e, 0, "cgroup %s: did not %s within a second", name, on ? "freeze" : "thaw");
}

int sbc_cgroup_procs(const char *name, pid_t **pids, int *n)
{
    char d[PATH_MAX];
    *pids = NULL;
    *n = 0;
    int found = 0;
    if (v2_named(name, d, sizeof d)) {
        found = 1;
    } else if (sbc_cgroup_mode() != SBC_CG_NONE) {
        for (int i = 0; i < NCTRL && !found; i++) {
            if (v1_missing & (1u << i))
                continue;
            snprintf(d, sizeof d, "%s/%s/%s", CG_ROOT, v1_ctrls[i], name);
            found = access(d, F_OK) == 0;
        }
    }
    return found ? procs_in(d, 1 << 22, pids, n) : -1;
}

int sbc_cgroup_dir(const char *name, const char *ctrl, char *d, size_t n)
{
    int m = sbc_cgroup_mode();
    if (!ctrl) {
        if (!v2_named(name, d, n)) {
            if (m != SBC_CG_HYBRID)
                return -1;
            snprintf(d, n, "%s/unified/%s", CG_ROOT, name);
        }
    } else if (m != SBC_CG_V1 && m != SBC_CG_HYBRID) {
        return -1;
    } else if (v1_dir(ctrl, name, d, n) < 0) {
        return -1;
    }
    return access(d, F_OK);
}
