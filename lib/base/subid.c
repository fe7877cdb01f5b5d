/* subid.c - the subordinate ids of /etc/subuid and /etc/subgid and running
 * code as root of a user namespace of the user's ids (see subid.h). */
#include "base/subid.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/config.h"
#include "base/io.h"

/* One line of /etc/subuid or /etc/subgid: "name-or-uid:start:count". */

/* All entries of path (none when it does not exist); *n of them. */
sbc_subid *sbc_subid_list(const char *path, int *n)
{
    *n = 0;
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    sbc_subid *v = NULL;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL, *end;
        if (!a || !b || a - line >= 64 || a == line)
            continue;
        sbc_subid s = {0};
        memcpy(s.owner, line, (size_t)(a - line));
        errno = 0;
        s.start = strtoull(a + 1, &end, 10);
        if (errno || end != b)
            continue;
        s.count = strtoull(b + 1, &end, 10);
        if (errno || (*end && *end != '\n') || !s.count || s.start + s.count > 4294967295ULL)
            continue;
        v = sbc_xrealloc(v, (size_t)(*n + 1) * sizeof *v);
        v[(*n)++] = s;
    }
    fclose(f);
    return v;
}

int sbc_subid_owner_is(const sbc_subid *s, const char *user, const char *uidstr)
{
    return !strcmp(s->owner, user) || (uidstr && !strcmp(s->owner, uidstr));
}

int sbc_userns_subids(const char *file, const char *user, unsigned uid, uint32_t *start, uint32_t *count)
{
    char us[16];
    snprintf(us, sizeof us, "%u", uid);
    int n;
    sbc_subid *v = sbc_subid_list(file, &n);
    int found = 0;
    for (int i = 0; i < n && !found; i++)
        if (sbc_subid_owner_is(&v[i], user ? user : us, us)) {
            *start = (uint32_t)v[i].start;
            *count = (uint32_t)(v[i].count > SBC_USERNS_SIZE - 1 ? SBC_USERNS_SIZE - 1 : v[i].count);
            found = 1;
        }
    free(v);
    return found;
}

const char *sbc_userns_helper(const char *name)
{
    static char path[64];
    static const char *const dirs[] = {"/usr/bin", "/bin", "/usr/sbin", "/sbin"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        snprintf(path, sizeof path, "%s/%s", dirs[i], name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & (S_ISUID | 0111)))
            return path;
    }
    return NULL;
}

int sbc_userns_run_helper(const char *name, int pid, const uint32_t (*lines)[3], int n)
{
    const char *path = sbc_userns_helper(name);
    if (!path || n < 1 || n > 8)
        return 127;
    char a[1 + 3 * 8][16], *argv[3 + 3 * 8];
    int k = 0;
    argv[k++] = (char *)name;
    snprintf(a[0], sizeof a[0], "%d", pid);
    argv[k++] = a[0];
    for (int i = 0; i < 3 * n; i++) {
        snprintf(a[1 + i], sizeof a[1 + i], "%u", (unsigned)lines[i / 3][i % 3]);
        argv[k++] = a[1 + i];
    }
    argv[k] = NULL;
    pid_t h = fork();
    if (h == 0) {
        int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (nul >= 0)
            dup2(nul, 1);
        execv(path, argv);
        _exit(127);
    }
    if (h < 0)
        return -1;
    int st = 0;
    while (waitpid(h, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 127;
}

int sbc_userns_subranges(uint32_t *uid, uint32_t *gid, uint32_t *count)
{
    /* looked up once per process (a run asks several times); by uid, so a
     * process that has since joined a namespace (getuid() 0) answers
     * nothing */
    static int known = -1;
    static uid_t for_uid;
    static uint32_t u, g, c;
    if (known < 0 || for_uid != getuid()) {
        for_uid = getuid();
        struct passwd *pw = getpwuid(for_uid);
        uint32_t sc = 0, gc = 0;
        known = sbc_userns_helper("newuidmap") && sbc_userns_helper("newgidmap") &&
                sbc_userns_subids("/etc/subuid", pw ? pw->pw_name : NULL, for_uid, &u, &sc) &&
                sbc_userns_subids("/etc/subgid", pw ? pw->pw_name : NULL, for_uid, &g, &gc);
        c = sc < gc ? sc : gc;
    }
    if (known)
        *uid = u, *gid = g, *count = c;
    return known;
}

/* ---- the holder: the user's namespace of its ids ------------------------ */

#define HOLDER_IDLE_SECS 60
#define HOLDER_NAME "sbc-userns"

/* pid's name (/proc/PID/comm) in comm; "" when it is gone. */
static void proc_comm(pid_t pid, char *comm, size_t cn)
{
    char p[32];
    snprintf(p, sizeof p, "/proc/%d/comm", (int)pid);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, comm, cn - 1) : -1;
    if (fd >= 0)
        close(fd);
    comm[n > 0 ? n : 0] = 0;
    comm[strcspn(comm, "\n")] = 0;
}

static char *holder_file(const char *what)
{
    return sbc_xasprintf("%s/userns.%s", sbc_root_dir(), what);
}

/* The pid the holder's file names, when that process is the holder. */
static pid_t holder_pid(void)
{
    char *pf = holder_file("pid");
    sbc_err e = {0};
    char *txt = sbc_read_file(AT_FDCWD, pf, 64, NULL, &e);
    free(pf);
    int pid = 0;
    unsigned long long start = 0;
    char comm[32] = "";
    int ok = txt && sscanf(txt, "%d %llu", &pid, &start) == 2 && pid > 1 && start &&
             sbc_proc_starttime(pid) == start && (proc_comm(pid, comm, sizeof comm), !strcmp(comm, HOLDER_NAME));
    free(txt);
    return ok ? (pid_t)pid : 0;
}

/* The holder: in a user namespace of the user's ids (mapped by its
 * maker), holding it for the next containers; it ends after a minute
 * without use (the pid file's mtime, touched at each use) or on SIGTERM,
 * removing its pid file if that still names it. */
static _Noreturn void holder_main(int rfd)
{
    prctl(PR_SET_NAME, HOLDER_NAME, 0, 0, 0);
    if (unshare(CLONE_NEWUSER) < 0)
        _exit(1);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    if (write(rfd, "u", 1) != 1)
        _exit(1);
    close(rfd);
    char *pf = holder_file("pid"), *lk = holder_file("lock");
    for (;;) {
        struct timespec ts = {HOLDER_IDLE_SECS / 4, 0};
        int sig = sigtimedwait(&set, NULL, &ts);
        struct stat st;
        sbc_err e = {0};
        int lock = sbc_lock_path(AT_FDCWD, lk, &e);
        int mine = holder_pid() == getpid();
        if (sig < 0 && mine && stat(pf, &st) == 0 && time(NULL) - st.st_mtime < HOLDER_IDLE_SECS) {
            if (lock >= 0)
                close(lock);
            continue;
        }
        if (mine)
            unlink(pf);
        _exit(0);
    }
}

/* Make the holder (under the lock): its pid, mapped, recorded; 0 or -1. */
static pid_t holder_make(sbc_err *e)
{
    uint32_t su, sg, cnt;
    if (!sbc_userns_subranges(&su, &sg, &cnt))
        return sbc_err_set(e, 0, "no subordinate ids for uid %u", (unsigned)getuid());
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return sbc_err_sys(e, "pipe");
    pid_t mid = fork();
    if (mid == 0) { /* (the holder is nobody's child: init reaps it) */
        setsid();
        pid_t h = fork();
        if (h == 0) {
            int nul = open("/dev/null", O_RDWR);
            dup2(nul, 0), dup2(nul, 1), dup2(nul, 2);
            if (p[1] != 3 && dup2(p[1], 3) < 0)
                _exit(1);
            syscall(SYS_close_range, 4U, ~0U, 0U);
            holder_main(3);
        }
        _exit(write(p[1], &h, sizeof h) == (ssize_t)sizeof h ? 0 : 1);
    }
    close(p[1]);
    pid_t h = 0;
    char u = 0;
    int ok = mid > 0 && read(p[0], &h, sizeof h) == (ssize_t)sizeof h && h > 0 && read(p[0], &u, 1) == 1 && u == 'u';
    close(p[0]);
    if (mid > 0)
        while (waitpid(mid, NULL, 0) < 0 && errno == EINTR) {}
    if (!ok) {
        if (h > 0)
            kill(h, SIGKILL);
        return sbc_err_set(e, 0, "start the user namespace holder: %s", mid < 0 ? strerror(errno) : "it failed");
    }
    const uint32_t um[2][3] = {{0, (uint32_t)getuid(), 1}, {1, su, cnt}}, gm[2][3] = {{0, (uint32_t)getgid(), 1}, {1, sg, cnt}};
    int rc = sbc_userns_run_helper("newuidmap", h, um, 2);
    if (rc == 0)
        rc = sbc_userns_run_helper("newgidmap", h, gm, 2);
    char line[64];
    int n = snprintf(line, sizeof line, "%d %llu\n", (int)h, sbc_proc_starttime(h));
    char *pf = holder_file("pid");
    if (rc == 0 && sbc_write_atomic_scratch(AT_FDCWD, pf, line, (size_t)n, 0600, e) < 0)
        rc = -1;
    free(pf);
    if (rc != 0) {
        kill(h, SIGKILL);
        return e->msg[0] ? -1 : sbc_err_set(e, 0, "could not map the user's subordinate ids (newuidmap exit %d; see /etc/subuid)", rc);
    }
    return h;
}

/* The holder's maps are the user's ranges as /etc/subuid and /etc/subgid
 * give them now. */
static int holder_current(pid_t h)
{
    uint32_t su, sg, cnt;
    if (!sbc_userns_subranges(&su, &sg, &cnt))
        return 0;
    static const char *const which[] = {"uid_map", "gid_map"};
    for (int i = 0; i < 2; i++) {
        char p[48], want[96], *got;
        snprintf(p, sizeof p, "/proc/%d/%s", (int)h, which[i]);
        snprintf(want, sizeof want, "0 %u 1 1 %u %u", i ? (unsigned)getgid() : (unsigned)getuid(),
                 (unsigned)(i ? sg : su), (unsigned)cnt);
        sbc_err e = {0};
        if (!(got = sbc_read_file(AT_FDCWD, p, 512, NULL, &e)))
            return 0;
        /* (the kernel pads the columns: compare the numbers) */
        char norm[96] = "";
        size_t k = 0;
        for (char *t = strtok(got, " \n"); t && k < sizeof norm - 12; t = strtok(NULL, " \n"))
            k += (size_t)snprintf(norm + k, sizeof norm - k, "%s%s", k ? " " : "", t);
        free(got);
        if (strcmp(norm, want))
            return 0;
    }
    return 1;
}

int sbc_userns_holder(sbc_err *e)
{
    char *lk = holder_file("lock");
    int lock = sbc_lock_path(AT_FDCWD, lk, e);
    free(lk);
    if (lock < 0)
        return -1;
    pid_t h = holder_pid();
    if (h && !holder_current(h)) { /* /etc/subuid changed since: a new one */
        kill(h, SIGTERM);
        h = 0;
    }
    if (!h && (h = holder_make(e)) < 0) {
        close(lock);
        return -1;
    }
    char p[40];
    snprintf(p, sizeof p, "/proc/%d/ns/user", (int)h);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        sbc_err_sys(e, "open the user namespace holder's %s", p);
    char *pf = holder_file("pid");
    utimensat(AT_FDCWD, pf, NULL, 0); /* in use: not idle */
    free(pf);
    close(lock);
    return fd;
}

/* The child of sbc_userns_mapped: in the holder's namespace (root there,
 * over the user's and its subordinate ids), fn's message back on res. */
static _Noreturn void mapped_child(int ns, int res, int (*fn)(void *, sbc_err *), void *arg)
{
    sbc_err ce = {0};
    int rc = setns(ns, CLONE_NEWUSER) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0
                 ? sbc_err_sys(&ce, "enter the user namespace of the user's ids")
                 : fn(arg, &ce);
    if (rc < 0 && write(res, ce.msg, strlen(ce.msg)) < 0)
        _exit(2);
    _exit(rc < 0);
}

int sbc_userns_mapped(int (*fn)(void *arg, sbc_err *e), void *arg, sbc_err *e)
{
    uint32_t su, sg, cnt;
    if (!sbc_userns_subranges(&su, &sg, &cnt))
        return fn(arg, e);
    int ns = sbc_userns_holder(e);
    if (ns < 0)
        return -1;
    int res[2];
    if (pipe2(res, O_CLOEXEC) < 0) {
        close(ns);
        return sbc_err_sys(e, "pipe");
    }
    pid_t c = fork();
    if (c == 0) {
        close(res[0]);
        mapped_child(ns, res[1], fn, arg);
    }
    close(ns);
    close(res[1]);
    char buf[sizeof e->msg] = "";
    ssize_t n = c > 0 ? read(res[0], buf, sizeof buf - 1) : 0;
    buf[n > 0 ? n : 0] = 0;
    close(res[0]);
    if (c < 0)
        return sbc_err_sys(e, "fork");
    int st = 0;
    while (waitpid(c, &st, 0) < 0 && errno == EINTR) {}
    if (!WIFEXITED(st) || WEXITSTATUS(st))
        return sbc_err_set(e, 0, "%s", *buf ? buf : "failed in the user's namespace");
    return 0;
}

static int rm_path(void *arg, sbc_err *e)
{
    return sbc_rm_rf(AT_FDCWD, arg, e);
}

int sbc_userns_rm_rf(const char *path, sbc_err *e)
{
    /* as the user first: most trees are its own (a fork and a setns saved) */
    sbc_err e1 = {0};
    if (sbc_rm_rf(AT_FDCWD, path, &e1) == 0)
        return 0;
    return sbc_userns_mapped(rm_path, (void *)path, e);
}
