/* top.c - sbc-top: the processes of a container. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "applets.h"
#include "base/io.h"
#include "image/store.h"
#include "opt.h"
#include "runtime/container.h"
#include "runtime/lifecycle.h"

const char top_usage[] =
    "Usage: sbc-top CONTAINER [ps OPTIONS]\n"
    "\n"
    "Show the processes of a running container (its cgroup's, else those in\n"
    "its pid namespace), with host pids: UID PID PPID C STIME TTY TIME CMD,\n"
    "read from /proc (no host ps needed).  With ps OPTIONS (e.g. aux, -o\n"
    "pid,comm), the host's ps runs with them and only the rows of the\n"
    "container's pids are kept, as Docker does: the output needs a PID column.\n";

static int by_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

/* "HH:MM" today, else "MonDD" (ps's STIME) */
static void stime_text(time_t t, time_t now, char *out, size_t n)
{
    struct tm a, b;
    localtime_r(&t, &a);
    localtime_r(&now, &b);
    static const char mon[][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (a.tm_yday == b.tm_yday && a.tm_year == b.tm_year)
        snprintf(out, n, "%02d:%02d", a.tm_hour, a.tm_min);
    else
        snprintf(out, n, "%s%02d", mon[a.tm_mon % 12], a.tm_mday);
}

/* The host's name of uid (its /etc/passwd, as the host's ps shows it),
 * else the number (getpwuid would bring musl's nscd client: 16 KiB). */
static void user_name(unsigned uid, char *out, size_t n)
{
    static char *pw;
    sbc_err e = {0};
    if (!pw && !(pw = sbc_read_file(AT_FDCWD, "/etc/passwd", 1 << 20, NULL, &e)))
        pw = sbc_xstrdup("");
    snprintf(out, n, "%u", uid);
    for (const char *l = pw; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
        const char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c2 && strtoul(c2 + 1, NULL, 10) == uid && c2[1] >= '0' && c2[1] <= '9') {
            snprintf(out, n, "%.*s", (int)(c1 - l), l);
            return;
        }
    }
}

/* One ps -ef row of pid; nothing when it is gone. */
static void ps_row(pid_t pid, double btime, double uptime, time_t now)
{
    char p[64], *st, *cmd;
    sbc_err e = {0};
    size_t len = 0;
    snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
    if (!(st = sbc_read_file(AT_FDCWD, p, 4096, NULL, &e)))
        return;
    char *rp = strrchr(st, ')'), comm[64] = "";
    char *lp = strchr(st, '(');
    if (lp && rp)
        snprintf(comm, sizeof comm, "%.*s", (int)(rp - lp - 1), lp + 1);
    int ppid = 0, tty = 0;
    unsigned long long ut = 0, stt = 0, start = 0;
    if (!rp || sscanf(rp + 2, "%*c %d %*d %*d %d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu",
                      &ppid, &tty, &ut, &stt, &start) != 5) {
        free(st);
        return;
    }
    free(st);
    double hz = (double)sysconf(_SC_CLK_TCK), up = uptime - start / hz;
    long cpu = (long)((ut + stt) / hz);
    int c = up > 0 ? (int)((ut + stt) / hz * 100 / up) : 0;
    char uid[32] = "?", stime[16], ttys[16] = "?";
    snprintf(p, sizeof p, "/proc/%d/status", (int)pid);
    char *s = sbc_read_file(AT_FDCWD, p, 8192, NULL, &e), *u = s ? strstr(s, "\nUid:") : NULL;
    if (u) {
        unsigned id = (unsigned)strtoul(u + 5, NULL, 10);
        user_name(id, uid, sizeof uid);
    }
    free(s);
    stime_text((time_t)(btime + start / hz), now, stime, sizeof stime);
    if (tty >> 8 >= 136 && tty >> 8 <= 143)
        snprintf(ttys, sizeof ttys, "pts/%d", (tty >> 8 & 7) * 256 + (tty & 255));
    snprintf(p, sizeof p, "/proc/%d/cmdline", (int)pid);
    cmd = sbc_read_file(AT_FDCWD, p, 1 << 16, &len, &e);
    for (size_t i = 0; cmd && len && i < len - 1; i++)
        if (!cmd[i])
            cmd[i] = ' ';
    if (cmd && len)
        printf("%-8s %-7d %-7d %-2d %-5s %-8s %02ld:%02ld:%02ld %s\n", uid, (int)pid, ppid, c, stime, ttys,
               cpu / 3600, cpu / 60 % 60, cpu % 60, cmd);
    else
        printf("%-8s %-7d %-7d %-2d %-5s %-8s %02ld:%02ld:%02ld [%s]\n", uid, (int)pid, ppid, c, stime, ttys,
               cpu / 3600, cpu / 60 % 60, cpu % 60, comm);
    free(cmd);
}

static void table(const pid_t *pids, int n)
{
    sbc_err e = {0};
    char *up = sbc_read_file(AT_FDCWD, "/proc/uptime", 256, NULL, &e);
    char *ps = sbc_read_file(AT_FDCWD, "/proc/stat", 1 << 20, NULL, &e), *bt = ps ? strstr(ps, "\nbtime ") : NULL;
    double uptime = up ? strtod(up, NULL) : 0, btime = bt ? strtod(bt + 7, NULL) : 0;
    free(up);
    free(ps);
    time_t now = time(NULL);
    printf("%-8s %-7s %-7s %-2s %-5s %-8s %-8s %s\n", "UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD");
    for (int i = 0; i < n; i++)
        ps_row(pids[i], btime, uptime, now);
}

/* The host's ps with the user's options; its header and the rows whose PID
 * column is one of pids.  An exit code, or -1 + e. */
static int host_ps(char **args, int nargs, const pid_t *pids, int n, sbc_err *e)
{
    int fd[2];
    if (pipe(fd) < 0)
        return sbc_err_sys(e, "pipe");
    pid_t ch = fork();
    if (ch == 0) {
        char **av = sbc_xcalloc((size_t)nargs + 2, sizeof *av);
        av[0] = "ps";
        memcpy(av + 1, args, (size_t)nargs * sizeof *av);
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execvp("ps", av);
        fprintf(stderr, "sbc-top: ps options need the host's ps: %s\n", strerror(errno));
        _exit(127);
    }
    close(fd[1]);
    if (ch < 0)
        return close(fd[0]), sbc_err_sys(e, "fork");
    size_t len = 0;
    char *out = sbc_read_whole_fd(fd[0], "ps output", 1 << 24, &len, e);
    close(fd[0]);
    int st = 0;
    waitpid(ch, &st, 0);
    if (!out)
        return -1;
    if (!WIFEXITED(st) || WEXITSTATUS(st)) {
        free(out);
        return WIFEXITED(st) && WEXITSTATUS(st) == 127 ? 1 : sbc_err_set(e, 1, "ps failed: exit status %d", WEXITSTATUS(st));
    }
    int col = -1, rc = 0;
    for (char *l = out, *nl; *l; l = nl ? nl + 1 : l + strlen(l)) {
        if ((nl = strchr(l, '\n')))
            *nl = 0;
        char *copy = sbc_xstrdup(l), *sv, *f = strtok_r(copy, " \t", &sv);
        int i = 0, keep = 0;
        for (; f; f = strtok_r(NULL, " \t", &sv), i++) {
            if (col < 0 && !strcmp(f, "PID"))
                col = i, keep = 1;
            else if (i == col)
                for (int k = 0; k < n && !keep; k++)
                    keep = atoi(f) == pids[k];
        }
        free(copy);
        if (col < 0) {
            rc = sbc_err_set(e, 1, "Couldn't find PID field in ps output");
            break;
        }
        if (keep)
            printf("%s\n", l);
    }
    free(out);
    return rc;
}

int top_main(int argc, char **argv)
{
    static const sbc_option opts[] = {{0}};
    sbc_opts o;
    sbc_opts_init(&o, argc, argv, 0);
    while (sbc_opt_next(&o, opts))
        ;
    sbc_opt_operands(&o, 1, -1);
    sbc_err e = {0};
    sbc_store st;
    if (sbc_store_open(&st, &e) < 0)
        return sbc_err_print(&e);
    sbc_container ct = {.lockfd = -1};
    pid_t *pids = NULL;
    int n = 0, rc = 0;
    if (sbc_container_open(st.root, o.rest[0], &ct, &e) < 0 || sbc_container_pids(&ct, &pids, &n, &e) < 0)
        rc = -1;
    else {
        if (n)
            qsort(pids, (size_t)n, sizeof *pids, by_pid);
        if (o.nrest > 1)
            rc = host_ps(o.rest + 1, o.nrest - 1, pids, n, &e);
        else
            table(pids, n);
    }
    free(pids);
    sbc_container_free(&ct);
    sbc_store_close(&st);
    return rc < 0 ? sbc_err_print(&e) : rc;
}
