/* monitor.c - foreground supervision and the detached monitor. */
#include "runtime/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <stdint.h>
#include <sys/mman.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cgroup.h"
#include "runtime/container.h"
#include "base/io.h"
#include "base/time.h"
#include "net/net.h"
#include "runtime/pty.h"
#include "runtime/restart.h"
#include "runtime/spawn.h"
#include "runtime/volume.h"

static int reap(pid_t pid, int *code)
{
    int st;
    pid_t w = waitpid(pid, &st, WNOHANG);
    if (w == pid) {
        *code = sbc_status_code(st);
        return 1;
    }
    if (w < 0 && errno == ECHILD) {
        *code = SBC_EXIT_FAIL;
        return 1;
    }
    return 0;
}

void sbc_monitor_sigset(sigset_t *set)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGWINCH};
    sigemptyset(set);
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaddset(set, sigs[i]);
}

static void log_chunk(int fd, const char *stream, const char *d, size_t n);

/* One read of the pipe or pty *fd: logged as stream and shown on showfd;
 * at its end, or when showfd's reader is gone, *fd is closed and -1. */
static void relay(int *fd, const char *stream, int showfd, int log, int own)
{
    char buf[8192];
    ssize_t r = read(*fd, buf, sizeof buf);
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (r > 0 && log >= 0)
        log_chunk(log, stream, buf, (size_t)r);
    if (r > 0 && (showfd < 0 || sbc_write_full(showfd, buf, (size_t)r) == 0))
        return;
    if (own) /* (a pty's is the caller's; EIO: every slave fd is closed) */
        close(*fd);
    *fd = -1;
}

int sbc_fg_stop_signal;

int sbc_monitor_foreground(pid_t pid, int pidfd, const sbc_fg_io *io, sbc_health_sched *hs)
{
    sigset_t set, old;
    sbc_monitor_sigset(&set);
    sigprocmask(SIG_BLOCK, &set, &old);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    void (*pipe_was)(int) = signal(SIGPIPE, SIG_IGN);
    struct termios saved;
    int raw = 0, code = 0, done = 0, ptmx = io->ptmx, pty = ptmx, out = io->out, err = io->err;
    if (ptmx >= 0) {
        sbc_tty_copy_winsize(STDIN_FILENO, ptmx);
        raw = io->interactive && sbc_tty_raw(STDIN_FILENO, &saved) == 0;
    }
    int in_open = ptmx >= 0 && io->interactive;
    char buf[4096];
    /* A short-lived process may have ended before SIGCHLD was blocked: its
     * signal is gone, so look once now (later ones queue on the signalfd). */
    if (reap(pid, &code))
        done = 1;
    while (!done || pty >= 0 || out >= 0 || err >= 0) {
        struct pollfd p[6] = {{sfd, POLLIN, 0}, {pty, POLLIN, 0}, {in_open ? STDIN_FILENO : -1, POLLIN, 0},
                              {sbc_health_fd(hs), POLLIN, 0}, {out, POLLIN, 0}, {err, POLLIN, 0}};
        if (done) /* the process ended: drain what the pty and pipes still hold */
            p[0].fd = p[2].fd = -1;
        int n = poll(p, 6, done ? 100 : sbc_health_wait(hs));
        if (done)
            sbc_health_stop(hs);
        sbc_health_step(hs);
        if (n < 0 && errno != EINTR)
            break;
        if (done && n == 0)
            break; /* a process that escaped the pid ns keeps the pipe: stop */
        if (sfd < 0 && !done && reap(pid, &code)) {
            done = 1;
            continue;
        }
        if (p[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
                int sig = (int)si.ssi_signo;
                if (sig == SIGWINCH) {
                    if (ptmx >= 0)
                        sbc_tty_copy_winsize(STDIN_FILENO, ptmx);
                } else if (io->kill_on_stop && (sig == SIGINT || sig == SIGTERM || sig == SIGHUP)) {
                    sbc_fg_stop_signal = sig;
                    kill(pid, SIGKILL);
                } else if (sig != SIGCHLD) {
                    kill(pid, sig);
                }
            }
            if (!done && reap(pid, &code))
                done = 1;
        }
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
            relay(&pty, "stdout", STDOUT_FILENO, io->log, 0);
        if (p[4].revents & (POLLIN | POLLHUP | POLLERR))
            relay(&out, "stdout", io->show & 2 ? STDOUT_FILENO : -1, io->log, 1);
        if (p[5].revents & (POLLIN | POLLHUP | POLLERR))
            relay(&err, "stderr", io->show & 4 ? STDERR_FILENO : -1, io->log, 1);
        if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = read(STDIN_FILENO, buf, sizeof buf);
            if (r > 0)
                sbc_write_full(ptmx, buf, (size_t)r);
            else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                in_open = 0;
                if (!raw)
                    sbc_write_full(ptmx, "\004", 1); /* EOF for the pty's reader */
            }
        }
    }
    if (!done) {
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        code = sbc_status_code(st);
    }
    sbc_health_stop(hs);
    if (raw)
        sbc_tty_restore(STDIN_FILENO, &saved);
    if (sfd >= 0)
        close(sfd);
    for (int i = 0; i < 2; i++)
        if ((i ? err : out) >= 0)
            close(i ? err : out);
    (void)pidfd;
    signal(SIGPIPE, pipe_was);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return code;
}

/* JSON-escape into out (flushing to fd when full). */
typedef struct obuf {
    int fd;
    size_t len;
    char b[2048];
} obuf;

static void oflush(obuf *o)
{
    if (o->len)
        sbc_write_full(o->fd, o->b, o->len);
    o->len = 0;
}

static void oput(obuf *o, const char *s, size_t n)
{
    if (o->len + n > sizeof o->b)
        oflush(o);
    memcpy(o->b + o->len, s, n);
    o->len += n;
}

int sbc_log_write(int fd, const char *stream, const char *data, size_t len)
{
    obuf o;
    o.fd = fd;
    o.len = 0;
    char t[48];
    oput(&o, "{\"log\":\"", 8);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)data[i];
        char esc[8];
        switch (c) {
        case '"': oput(&o, "\\\"", 2); break;
        case '\\': oput(&o, "\\\\", 2); break;
        case '\n': oput(&o, "\\n", 2); break;
        case '\r': oput(&o, "\\r", 2); break;
        case '\t': oput(&o, "\\t", 2); break;
        default:
            if (c < 0x20 || c == 0x7f) {
                snprintf(esc, sizeof esc, "\\u%04x", c);
                oput(&o, esc, 6);
            } else {
                oput(&o, (const char *)&c, 1);
            }
        }
    }
    oput(&o, "\",\"stream\":\"", 12);
    oput(&o, stream, strlen(stream));
    oput(&o, "\",\"time\":\"", 10);
    sbc_time_now(t, SBC_TIME_NSEC);
    oput(&o, t, strlen(t));
    oput(&o, "\"}\n", 3);
    oflush(&o);
    return 0;
}

/* Log one chunk, one record per line (the last piece may be partial). */
static void log_chunk(int fd, const char *stream, const char *d, size_t n)
{
    while (n) {
        const char *nl = memchr(d, '\n', n);
        size_t l = nl ? (size_t)(nl - d) + 1 : n;
        sbc_log_write(fd, stream, d, l);
        d += l;
        n -= l;
    }
}

/* The RELRO ranges (page-rounded outwards) of the loaded objects: written
 * by relocation, then made read-only, so copy-on-write pages that
 * MADV_DONTNEED would reset to the file's unrelocated bytes.  (The static
 * build keeps its RELRO in the RW mapping; a dynamic or static-pie build
 * has it as a mapping of its own.) */
enum { MAX_RELRO = 32 };
static struct {
    uintptr_t lo, hi;
} relro[MAX_RELRO];
static int nrelro = -1;

static int note_relro(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    uintptr_t pg = (uintptr_t)*(long *)arg;
    for (int i = 0; i < info->dlpi_phnum && nrelro < MAX_RELRO; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_GNU_RELRO)
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        relro[nrelro].lo = lo & ~(pg - 1);
        relro[nrelro].hi = (hi + pg - 1) & ~(pg - 1);
        nrelro++;
    }
    return nrelro >= MAX_RELRO; /* a full table: trim nothing (below) */
}

static void dontneed(uintptr_t lo, uintptr_t hi)
{
    for (int i = 0; i < nrelro && lo < hi; i++) {
        if (relro[i].hi <= lo || relro[i].lo >= hi)
            continue;
        dontneed(lo, relro[i].lo > lo ? relro[i].lo : lo); /* below it */
        lo = relro[i].hi;                                  /* above it */
    }
    if (lo >= hi)
        return;
    /* MADV_RANDOM turns off fault-around, so a page touched later maps
     * just that page, not its 64 KiB neighbourhood */
    madvise((void *)lo, hi - lo, MADV_RANDOM);
    madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

/* Drop the page-table entries of sbc's read-only segments: the monitor
 * lives as long as its container but runs a few pages of code; the rest of
 * the binary (faulted in at start-up, 64 KiB at a time) would otherwise stay
 * in its RSS.  Safe for read-only file mappings that were never written: a
 * page touched again is mapped back from the page cache. */
static void trim_text(void)
{
    if (nrelro < 0) {
        long pg = sysconf(_SC_PAGESIZE);
        nrelro = 0;
        dl_iterate_phdr(note_relro, &pg);
    }
    if (nrelro >= MAX_RELRO)
        return;
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char m[4096];
    ssize_t n = read(fd, m, sizeof m - 1);
    close(fd);
    if (n <= 0)
        return;
    m[n] = 0;
    for (char *line = m; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
            continue;
        /* read-only or read+exec private file mappings of the binary */
        if (perms[1] == '-' && perms[3] == 'p' && strchr(line, '/'))
            dontneed(lo, hi);
    }
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Under the container's lock: 1 while the restart is still wanted (no
 * user's stop, start or rm meanwhile); next: it is due now (counted). */
static int restart_step(const sbc_monitor_args *a, int next)
{
    int lk = open(a->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), go = 0;
    if (lk < 0)
        return 0; /* removed */
    flock(lk, LOCK_EX);
    sbc_ctr_state st;
    sbc_err e = {0};
    if (sbc_ctr_state_read(a->dir, &st, &e) == 0 && st.status == SBC_CTR_EXITED && !st.manual_stop &&
        (next ? st.restarting : 1)) {
        go = 1;
        if (next) {
            st.restarting = 0;
            st.restart_count++;
            sbc_ctr_state_write(a->dir, &st, &e);
        }
    }
    close(lk);
    return go;
}

/* The restart policy after an exit: the back-off (Docker's: 100 ms,
 * doubling up to a minute, from 100 ms again after 10 s up), watching for
 * a user's stop, start or rm, then this process becomes `sbc-start ID`,
 * whose monitor takes over. */
static void restart_maybe(const sbc_monitor_args *a, int code, int ran_long)
{
    int lk = open(a->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (lk < 0)
        return;
    flock(lk, LOCK_EX);
    sbc_ctr_state st;
    sbc_err e = {0};
    long long delay = 0;
    if (sbc_ctr_state_read(a->dir, &st, &e) == 0 && st.status == SBC_CTR_EXITED &&
        sbc_restart_due(a->restart, a->restart_max, code, &st, 0)) {
        delay = ran_long || st.backoff_ms <= 0 ? 100 : st.backoff_ms * 2;
        if (delay > 60000)
            delay = 60000;
        st.restarting = 1; /* while this monitor lives (not after a reboot) */
        st.monitor_pid = getpid();
        st.monitor_start = sbc_proc_starttime(st.monitor_pid);
        st.backoff_ms = delay;
        sbc_ctr_state_write(a->dir, &st, &e);
    }
    close(lk);
    for (long long left = delay; left > 0; left -= 100) {
        struct timespec ts = {0, (left < 100 ? left : 100) * 1000000L};
        nanosleep(&ts, NULL);
        if (!restart_step(a, 0))
            return;
    }
    if (!delay || !restart_step(a, 1))
        return;
    char root[4200], cfg[4200];
    snprintf(root, sizeof root, "SBC_ROOT=%s", a->root);
    snprintf(cfg, sizeof cfg, "SBC_CONFIG_DIR=%s", a->config ? a->config : "");
    char *const argv[] = {"sbc-start", (char *)a->id, NULL};
    char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", root, cfg, "SBC_RESTARTING=1", NULL};
    execve("/proc/self/exe", argv, envp);
}

int sbc_monitor_detached(const sbc_monitor_args *a)
{
    long long t0 = now_ms();
    char path[512], buf[2048];
    trim_text();
    snprintf(path, sizeof path, "%s/container.log", a->dir);
    int log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    int fds[2] = {a->out, a->err};
    const char *names[2] = {"stdout", "stderr"};
    int code = -1, exited = 0, dirty = 1;
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    sbc_health_sched hs;
    sbc_health_init(&hs, a->root, a->id, a->config, a->health);
    for (;;) {
        struct pollfd p[4] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0},
                              {exited ? -1 : a->pidfd, POLLIN, 0}, {sbc_health_fd(&hs), POLLIN, 0}};
        if (fds[0] < 0 && fds[1] < 0 && exited)
            break;
        /* after a second without output, drop the code pages touched
         * since: an idle monitor stays small (they come back on use) */
        int idle = exited ? 1000 : (a->pidfd < 0 ? 500 : (dirty ? 1000 : -1)), hw = sbc_health_wait(&hs);
        int n = poll(p, 4, hw >= 0 && (idle < 0 || hw < idle) ? hw : idle);
        sbc_health_step(&hs);
        if (n < 0 && errno != EINTR)
            break;
        if (n == 0 && exited)
            break; /* a process that escaped the pid ns keeps the pipe: stop */
        if (n == 0 && dirty) {
            trim_text();
            dirty = 0;
        }
        if (n > 0)
            dirty = 1;
        for (int i = 0; i < 2; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t r = read(fds[i], buf, sizeof buf);
            if (r > 0) {
                if (log >= 0)
                    log_chunk(log, names[i], buf, (size_t)r);
            } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                close(fds[i]);
                fds[i] = -1;
            }
        }
        if (!exited && (a->pidfd < 0 || (p[2].revents & POLLIN)) && reap(a->pid, &code))
            exited = 1;
        if (!exited && fds[0] < 0 && fds[1] < 0 && a->pidfd < 0) {
            code = sbc_proc_wait(a->pid);
            exited = 1;
        }
        if (exited) /* stopping the container stops its checks */
            sbc_health_stop(&hs);
    }
    sbc_health_stop(&hs);
    if (!exited)
        code = sbc_proc_wait(a->pid);
    if (log >= 0)
        close(log);
    for (int i = 0; i < 2; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    sbc_monitor_finish(a, code);
    if (!a->autoremove && a->restart)
        restart_maybe(a, code, (now_ms() - t0) >= 10000);
    return code;
}

void sbc_monitor_finish(const sbc_monitor_args *a, int code)
{
    int oom = a->cgroup && *a->cgroup && code == 128 + SIGKILL && sbc_cgroup_oom_kills(a->cgroup) > 0;
    sbc_err e = {0};
    /* under the container's lock, so a concurrent rm or start sees one or
     * the other */
    int lk = open(a->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (lk >= 0)
        flock(lk, LOCK_EX);
    /* the network's lease and ports are free for others (the kernel
     * deletes the veth with the netns) */
    if (sbc_net_release(a->dir, &e) < 0)
        SBC_DEBUG("network release: %s", e.msg);
    sbc_container_shm_release(a->dir);
    if (a->autoremove) {
        sbc_wait_notify(a->dir, code);
        char *av = sbc_xasprintf("%s/anon-volumes", a->dir), *names = sbc_read_file(AT_FDCWD, av, 1 << 16, NULL, &e);
        sbc_container_cleanup(a->root, a->id, a->name, a->cgroup, &e);
        sbc_volume_drop_names(a->root, names); /* (Docker's --rm removes them too) */
        free(names);
        free(av);
    } else {
        sbc_ctr_state old, s = {.status = SBC_CTR_EXITED, .last_pid = a->pid, .pid_start = a->pidstart,
                                .exit_code = code, .oom_killed = oom};
        if (sbc_ctr_state_read(a->dir, &old, &e) == 0) { /* (a restart policy's record) */
            s.restart_count = old.restart_count;
            s.manual_stop = old.manual_stop;
            s.backoff_ms = old.backoff_ms;
        }
        snprintf(s.started, sizeof s.started, "%s", a->started ? a->started : "");
        sbc_time_now(s.finished, SBC_TIME_NSEC);
        sbc_ctr_state_write(a->dir, &s, &e);
        if (a->cgroup && *a->cgroup)
            sbc_cgroup_destroy(a->cgroup, &e);
    }
    if (lk >= 0)
        close(lk);
}
