/* health.c - container health checks (health.h). */
#include "runtime/health.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/io.h"
#include "base/json.h"
#include "base/time.h"
#include "runtime/lifecycle.h"
#include "runtime/spawn.h"
#include "runtime/spec.h"

enum { OUT_MAX = 4096, LOG_MAX = 5 };
static const char *const fields[] = {"Interval", "Timeout", "StartPeriod", "StartInterval"};

const char *sbc_health_name(int status)
{
    static const char *const n[] = {"none", "starting", "healthy", "unhealthy"};
    return status >= 0 && status < 4 ? n[status] : "none";
}

cJSON *sbc_health_merge(int none, const char *cmd, const long long ns[4], int retries, const cJSON *image)
{
    int set = none || cmd || retries;
    for (int i = 0; i < 4; i++)
        set |= ns[i] != 0;
    if (!set)
        return image ? cJSON_Duplicate(image, 1) : NULL;
    cJSON *h = cJSON_CreateObject(), *t = cJSON_AddArrayToObject(h, "Test");
    const cJSON *it = sbc_json_arr(image, "Test");
    if (none || cmd) {
        cJSON_AddItemToArray(t, cJSON_CreateString(none ? "NONE" : "CMD-SHELL"));
        if (cmd)
            cJSON_AddItemToArray(t, cJSON_CreateString(cmd));
    } else if (it) {
        cJSON_ReplaceItemInObjectCaseSensitive(h, "Test", cJSON_Duplicate(it, 1));
    }
    for (int i = 0; i < 4; i++) {
        long long v = ns[i] ? ns[i] : sbc_json_int(image, fields[i], 0);
        if (v)
            cJSON_AddNumberToObject(h, fields[i], (double)v);
    }
    int r = retries ? retries : (int)sbc_json_int(image, "Retries", 0);
    if (r)
        cJSON_AddNumberToObject(h, "Retries", r);
    if (!cJSON_GetArraySize(sbc_json_arr(h, "Test"))) /* (Docker's omitempty) */
        cJSON_DeleteItemFromObjectCaseSensitive(h, "Test");
    return h;
}

/* Config.Healthcheck when it has a check to run (CMD or CMD-SHELL) */
static const cJSON *check_of(const cJSON *config)
{
    const cJSON *h = sbc_json_obj(sbc_json_obj(config, "Config"), "Healthcheck");
    const cJSON *t = cJSON_GetArrayItem(sbc_json_arr(h, "Test"), 0);
    if (!cJSON_IsString(t) || (strcmp(t->valuestring, "CMD") && strcmp(t->valuestring, "CMD-SHELL")))
        return NULL;
    return h;
}

void sbc_health_times(const cJSON *config, int ms[3])
{
    static const long long def[] = {30000, 5000, 0}; /* Docker's */
    static const int idx[] = {0, 3, 2};
    const cJSON *h = check_of(config);
    for (int i = 0; i < 3; i++) {
        long long v = sbc_json_int(h, fields[idx[i]], 0) / 1000000;
        v = v > 0 ? v : def[i];
        ms[i] = !h ? 0 : v > 0x7fffffff ? 0x7fffffff : (int)v;
    }
    if (h && ms[0] < 1)
        ms[0] = 1;
}

/* The record as readers see it: a missing one, or one of an earlier
 * run, is "starting" with no streak (its Log kept).  NULL: no check. */
static cJSON *record_of(const sbc_container *c)
{
    if (!check_of(c->config) || !*c->state.started)
        return NULL;
    sbc_err e = {0};
    cJSON *h = sbc_json_read_in(c->dir, "health.json", &e);
    if (!cJSON_IsObject(h)) {
        cJSON_Delete(h);
        h = cJSON_CreateObject();
    }
    const char *run = sbc_json_str(h, "Run");
    if (!run || strcmp(run, c->state.started)) {
        cJSON_DeleteItemFromObjectCaseSensitive(h, "Run");
        cJSON_DeleteItemFromObjectCaseSensitive(h, "Status");
        cJSON_DeleteItemFromObjectCaseSensitive(h, "FailingStreak");
        cJSON_AddStringToObject(h, "Run", c->state.started);
        cJSON_AddStringToObject(h, "Status", "starting");
        cJSON_AddNumberToObject(h, "FailingStreak", 0);
    }
    if (!sbc_json_arr(h, "Log")) {
        cJSON_DeleteItemFromObjectCaseSensitive(h, "Log");
        cJSON_AddArrayToObject(h, "Log");
    }
    return h;
}

static int status_of(const cJSON *h)
{
    const char *s = sbc_json_str(h, "Status");
    for (int i = SBC_HEALTH_STARTING; s && i <= SBC_HEALTH_UNHEALTHY; i++)
        if (!strcmp(s, sbc_health_name(i)))
            return i;
    return h ? SBC_HEALTH_STARTING : SBC_HEALTH_NONE;
}

int sbc_health_status(const sbc_container *c)
{
    cJSON *h = record_of(c);
    int s = status_of(h);
    cJSON_Delete(h);
    return s;
}

cJSON *sbc_health_json(const sbc_container *c)
{
    cJSON *h = record_of(c);
    cJSON_DeleteItemFromObjectCaseSensitive(h, "Run");
    return h;
}

/* --- the schedule (the monitor's side) */

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Docker's: the start interval within the start period until healthy */
static void schedule(sbc_health_sched *h, long long now)
{
    int starting = now - h->t0 < h->start_period && !h->healthy;
    h->due = now + (starting ? h->start_interval : h->interval);
}

void sbc_health_init(sbc_health_sched *h, const char *root, const char *id, const char *config, const int ms[3])
{
    *h = (sbc_health_sched){.interval = ms[0], .start_interval = ms[1], .start_period = ms[2],
                            .t0 = mono_ms(), .pidfd = -1, .root = root, .id = id, .config = config};
    schedule(h, h->t0);
}

int sbc_health_wait(const sbc_health_sched *h)
{
    if (!h || !h->interval)
        return -1;
    if (h->probe)
        return h->pidfd < 0 ? 100 : -1;
    long long d = h->due - mono_ms();
    return d < 0 ? 0 : d > 0x7fffffff ? 0x7fffffff : (int)d;
}

int sbc_health_fd(const sbc_health_sched *h)
{
    return h && h->probe ? h->pidfd : -1;
}

static pid_t probe_start(const sbc_health_sched *h)
{
    char cfg[4200];
    snprintf(cfg, sizeof cfg, "SBC_CONFIG_DIR=%s", h->config ? h->config : "");
    pid_t parent = getpid(), pid = fork();
    if (pid != 0)
        return pid;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < 32; s++)
        if (s != SIGKILL && s != SIGSTOP)
            signal(s, SIG_DFL);
    setsid(); /* not in a terminal's foreground group: no ^C */
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    int dn = open("/dev/null", O_RDWR);
    if (getppid() != parent || dn < 0)
        _exit(3);
    for (int i = 0; i < 3; i++)
        dup2(dn, i);
    sbc_fds_cloexec(3);
    char *const argv[] = {"sbc-exec", "--sbc-health", (char *)h->root, (char *)h->id, NULL};
    char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", cfg, NULL};
    execve("/proc/self/exe", argv, envp);
    _exit(3);
}

void sbc_health_step(sbc_health_sched *h)
{
    if (!h || !h->interval)
        return;
    long long now = mono_ms();
    int st;
    if (h->probe && waitpid(h->probe, &st, WNOHANG) == h->probe) {
        h->healthy = WIFEXITED(st) && WEXITSTATUS(st) == 1;
        if (h->pidfd >= 0)
            close(h->pidfd);
        h->probe = 0, h->pidfd = -1;
        schedule(h, now);
    } else if (!h->probe && now >= h->due) {
        pid_t p = probe_start(h);
        if (p > 0) {
            h->probe = p;
            h->pidfd = (int)syscall(SYS_pidfd_open, p, 0);
            if (h->pidfd >= 0)
                fcntl(h->pidfd, F_SETFD, FD_CLOEXEC);
        } else {
            schedule(h, now);
        }
    }
}

void sbc_health_stop(sbc_health_sched *h)
{
    if (!h)
        return;
    if (h->probe) {
        kill(h->probe, SIGKILL);
        while (waitpid(h->probe, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    if (h->pidfd >= 0)
        close(h->pidfd);
    h->probe = 0, h->pidfd = -1, h->interval = 0;
}

/* --- the probe */

typedef struct result {
    struct timespec start;
    char end[SBC_TIME_MAX];
    int code;
    sbc_buf out;
    int trunc;
} result;

static void keep(result *r, const char *d, size_t n)
{
    size_t room = OUT_MAX - r->out.len;
    sbc_buf_add(&r->out, d, n < room ? n : room);
    r->trunc |= n > room;
}

/* Read the test's output until it exits or the timeout; 1 when it timed
 * out.  Its process group is killed either way, then it is reaped. */
static int await(const sbc_proc *p, int rd, long long timeout_ms, result *r)
{
    long long end = mono_ms() + timeout_ms;
    int done = 0, late = 0;
    char buf[4096];
    siginfo_t si;
    while (!done && !late) {
        struct pollfd f[2] = {{rd, POLLIN, 0}, {p->pidfd, POLLIN, 0}};
        long long left = end - mono_ms();
        int n = poll(f, 2, left <= 0 ? 0 : left > 100 ? 100 : (int)left);
        if (n < 0 && errno != EINTR)
            break;
        if (rd >= 0 && (f[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t k = read(rd, buf, sizeof buf);
            if (k > 0)
                keep(r, buf, (size_t)k);
            else if (k == 0 || (errno != EINTR && errno != EAGAIN))
                rd = -1;
        }
        si.si_pid = 0;
        done = waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == p->pid;
        late = !done && mono_ms() >= end;
    }
    kill(-p->pid, SIGKILL); /* (its group: the zombie leader still holds the id) */
    kill(p->pid, SIGKILL);
    r->code = sbc_proc_wait(p->pid);
    for (ssize_t k; rd >= 0 && (k = read(rd, buf, sizeof buf)) > 0;)
        keep(r, buf, (size_t)k); /* what it left in the pipe */
    return late;
}

/* Run the test in the container (sbc-exec's way) into r. */
static void run_test(const sbc_container *c, const cJSON *hc, result *r)
{
    sbc_err e = {0};
    sbc_spec s;
    memset(&s, 0, sizeof s);
    int fd[2] = {-1, -1};
    const cJSON *test = sbc_json_arr(hc, "Test"), *shell = sbc_json_arr(sbc_json_obj(c->config, "Config"), "Shell");
    int shellform = !strcmp(cJSON_GetArrayItem(test, 0)->valuestring, "CMD-SHELL");
    if (!shell || !cJSON_GetArraySize(shell))
        shell = NULL;
    long long tmo = sbc_json_int(hc, "Timeout", 0);
    tmo = tmo > 0 ? tmo : 30000000000LL;
    clock_gettime(CLOCK_REALTIME, &r->start);
    cJSON *j = sbc_json_read_in(c->dir, "spec.json", &e);
    sbc_proc p = {.pid = -1, .pidfd = -1, .ptmx = -1};
    if (!j || sbc_spec_from_oci(j, &s, &e) < 0 || pipe2(fd, O_CLOEXEC) < 0 || fcntl(fd[0], F_SETFL, O_NONBLOCK) < 0) {
        if (!e.msg[0])
            sbc_err_sys(&e, "pipe");
        goto failed;
    }
    int n = 0, nsh = shellform ? (shell ? cJSON_GetArraySize(shell) : 2) : 0;
    free(s.args);
    s.args = sbc_xcalloc((size_t)(nsh + cJSON_GetArraySize(test)) + 1, sizeof *s.args);
    for (int i = 0; i < nsh; i++)
        s.args[n++] = shell ? cJSON_GetArrayItem(shell, i)->valuestring : i ? "-c" : "/bin/sh";
    for (const cJSON *a = cJSON_GetArrayItem(test, 1); a; a = a->next)
        if (cJSON_IsString(a))
            s.args[n++] = a->valuestring;
    s.nargs = n;
    s.terminal = s.init = 0;
    s.hook = NULL;
    s.stdio[0] = -1, s.stdio[1] = s.stdio[2] = fd[1];
    if (sbc_spawn_join(c->state.pid, *c->cgroup ? c->cgroup : NULL, &s, &p, &e) < 0)
        goto failed;
    close(fd[1]);
    fd[1] = -1;
    if (await(&p, fd[0], tmo / 1000000, r)) {
        char d[40], *o = r->out.len ? sbc_xasprintf(": %.*s%s", (int)r->out.len, r->out.data, r->trunc ? "..." : "") : NULL;
        sbc_go_duration_str(tmo, d, sizeof d);
        r->out.len = 0, r->trunc = 0;
        sbc_buf_printf(&r->out, "Health check exceeded timeout (%s)%s", d, o ? o : "");
        free(o);
        r->code = -1;
    }
    goto out;
failed: /* Docker's: an exec that fails is ExitCode -1, its error the output */
    r->code = -1;
    r->out.len = 0;
    sbc_buf_adds(&r->out, e.msg);
out:
    for (int i = 0; i < 2; i++)
        if (fd[i] >= 0)
            close(fd[i]);
    if (p.pidfd >= 0)
        close(p.pidfd);
    sbc_spec_free(&s);
    sbc_time_now(r->end, SBC_TIME_NSEC);
}

/* in as valid UTF-8 into out: a byte that starts no valid sequence (or a
 * NUL) becomes U+FFFD, as Go's JSON encoder has it */
static void valid_utf8(const sbc_buf *in, sbc_buf *out)
{
    const unsigned char *d = (const unsigned char *)in->data;
    for (size_t i = 0, n; i < in->len; i += n) {
        unsigned c = d[i];
        n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        for (size_t k = 1; k < n; k++)
            if (i + k >= in->len || (d[i + k] & 0xc0) != 0x80)
                n = 0;
        if (n && c)
            sbc_buf_add(out, d + i, n);
        else
            sbc_buf_adds(out, "\xef\xbf\xbd"), n = 1;
    }
    sbc_buf_add(out, "", 0);
}

/* Docker's handleProbeResult on the record; returns the status. */
static int record(const sbc_container *c, const cJSON *hc, const result *r)
{
    cJSON *h = record_of(c), *log = sbc_json_arr(h, "Log"), *l;
    char t[SBC_TIME_MAX];
    if (!h)
        return SBC_HEALTH_NONE;
    l = cJSON_CreateObject();
    cJSON_AddStringToObject(l, "Start", sbc_time_fmt(t, &r->start, SBC_TIME_NSEC));
    cJSON_AddStringToObject(l, "End", r->end);
    cJSON_AddNumberToObject(l, "ExitCode", r->code);
    sbc_buf o = {0};
    valid_utf8(&r->out, &o);
    sbc_buf_adds(&o, r->trunc ? "..." : "");
    cJSON_AddStringToObject(l, "Output", o.data);
    sbc_buf_free(&o);
    cJSON_AddItemToArray(log, l);
    while (cJSON_GetArraySize(log) > LOG_MAX)
        cJSON_DeleteItemFromArray(log, 0);
    int st = status_of(h), streak = (int)sbc_json_int(h, "FailingStreak", 0);
    long long retries = sbc_json_int(hc, "Retries", 0);
    retries = retries > 0 ? retries : 3;
    if (r->code == 0) {
        st = SBC_HEALTH_HEALTHY, streak = 0;
    } else {
        struct timespec s0;
        long long since = sbc_time_parse(c->state.started, &s0) < 0 ? 0 :
                          (r->start.tv_sec - s0.tv_sec) * 1000000000LL + (r->start.tv_nsec - s0.tv_nsec);
        if (st != SBC_HEALTH_STARTING || since >= sbc_json_int(hc, "StartPeriod", 0))
            if (++streak >= retries)
                st = SBC_HEALTH_UNHEALTHY;
    }
    cJSON_ReplaceItemInObjectCaseSensitive(h, "Status", cJSON_CreateString(sbc_health_name(st)));
    cJSON_ReplaceItemInObjectCaseSensitive(h, "FailingStreak", cJSON_CreateNumber(streak));
    sbc_err e = {0};
    int dfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        sbc_json_write_scratch(dfd, "health.json", h, &e);
        close(dfd);
    }
    cJSON_Delete(h);
    return st;
}

int sbc_health_probe_main(int argc, char **argv)
{
    sbc_container c;
    sbc_err e = {0};
    if (argc != 2 || sbc_container_load(argv[0], argv[1], &c, &e) < 0)
        return 3;
    const cJSON *hc = check_of(c.config);
    int st = 3;
    long long tmo = sbc_json_int(hc, "Timeout", 0) / 1000000000LL;
    /* a probe wedged before or after its test (the test has its timeout)
     * ends, and the monitor starts the next one: Docker's 30 s on top */
    alarm((unsigned)((tmo > 0 && tmo < 86400 ? tmo : 30) + 30));
    if (hc && sbc_container_refresh(&c) == 1 && !sbc_container_paused(&c)) {
        result r = {0};
        int ifd = (int)syscall(SYS_pidfd_open, c.state.pid, 0);
        run_test(&c, hc, &r);
        /* a container that stopped meanwhile keeps its record as it was
         * (Docker drops a probe's result then): a test killed by a signal
         * may have died with its pid namespace, whose init ends just after
         * the test is reaped */
        struct pollfd f = {ifd, POLLIN, 0};
        if ((ifd < 0 || poll(&f, 1, r.code > 128 ? 1000 : 0) == 0) && sbc_container_refresh(&c) == 1)
            st = record(&c, hc, &r) - SBC_HEALTH_STARTING;
        if (ifd >= 0)
            close(ifd);
        sbc_buf_free(&r.out);
    }
    sbc_container_free(&c);
    return st;
}
