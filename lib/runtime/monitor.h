/* monitor.h - supervising a running container.
 *
 * Foreground (sbc-run, start -a, exec): wait for the process while
 * forwarding SIGINT/SIGTERM/SIGHUP (and SIGQUIT), and with a pty pump the
 * caller's terminal to it (raw mode, SIGWINCH, restored at the end).
 * Detached: the monitor process, exec'd fresh from sbc so it stays small
 * (no cJSON, no big buffers), writes the container's stdout and stderr to a
 * json-file log, records the exit status and cleans up.
 */
#ifndef SBC_MONITOR_H
#define SBC_MONITOR_H
#include <signal.h>
#include <sys/types.h>
#include "base/err.h"
#include "runtime/health.h"

/* The signals a foreground run forwards or waits for (INT, TERM, HUP,
 * QUIT, CHLD, WINCH): blocked from before the spawn, read by a signalfd. */
void sbc_monitor_sigset(sigset_t *set);
/* What a foreground run pumps: ptmx >= 0 (-t): stdin (when interactive)
 * to it and it to stdout; out, err: the read ends of the container's stdout
 * and stderr pipes (-1: the container has sbc-run's own); each chunk goes
 * to log (the container's json-file log, -1: none) and, when show has its
 * bit (2 stdout, 4 stderr: -a), to sbc-run's stdout or stderr.  A reader of
 * sbc-run's output that went away closes that pipe (the container then gets
 * SIGPIPE, as it would writing there itself). */
typedef struct sbc_fg_io {
    int ptmx, out, err, log, show, interactive;
    int kill_on_stop; /* SIGINT, SIGTERM, SIGHUP kill the container (sbc-build's RUN) */
} sbc_fg_io;
/* The signal that made a kill_on_stop run end it (0: none). */
extern int sbc_fg_stop_signal;
/* Wait for pid, pumping io; hs: its health checks, or NULL (stopped when it
 * exits).  Returns the Docker-style exit code. */
int sbc_monitor_foreground(pid_t pid, int pidfd, const sbc_fg_io *io, sbc_health_sched *hs);

typedef struct sbc_monitor_args {
    const char *root, *id, *name, *dir, *cgroup, *started;
    pid_t pid;
    unsigned long long pidstart;
    int out, err, pidfd;   /* log sources (-1 = none) */
    int autoremove;
    int restart, restart_max; /* restart.h's policy */
    const char *config;       /* SBC_CONFIG_DIR, for a restart's sbc-start */
    int health[3];            /* health.h's times (ms; 0: no checks) */
} sbc_monitor_args;

/* The detached monitor's loop; returns the container's exit code. */
int sbc_monitor_detached(const sbc_monitor_args *a);
/* After the container's process exited with code (the detached monitor's
 * end, and a foreground run's): under the container's lock, free its
 * network, then record the exit and remove its cgroup, or with autoremove
 * tell sbc-wait the code and remove the container.  (out, err and pidfd
 * are not used.) */
void sbc_monitor_finish(const sbc_monitor_args *a, int code);

/* Append one json-file log record for data to fd (JSON-escaped by hand). */
int sbc_log_write(int fd, const char *stream, const char *data, size_t len);

#endif
