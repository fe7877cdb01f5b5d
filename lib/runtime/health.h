/* health.h - container health checks, as Docker has them: Config.Healthcheck
 * {Test ["CMD", ...] | ["CMD-SHELL", "..."] | ["NONE"], Interval, Timeout,
 * StartPeriod, StartInterval (ns), Retries}, from the image or run's
 * --health-* flags.
 *
 * Who runs them: the container's monitor (the detached one, or a foreground
 * sbc-run) keeps the schedule (sbc_health_sched, no cJSON); each check is a
 * fresh `sbc-exec --sbc-health ROOT ID` process (sealed as sbc-exec is, in
 * a session of its own, killed with its parent), which runs the test in the
 * container as sbc-exec does (spec.json: namespaces, cgroup, user, env,
 * working dir, capabilities, seccomp), its stdout and stderr kept (4 KiB,
 * then "..."), kills the test's process group at its end or at the timeout
 * (ExitCode -1), records the result and exits with the status.  The
 * monitor kills a running probe when the container exits; the test itself
 * dies with the container's pid namespace.
 *
 * The record: health.json in the state dir, {Run, Status, FailingStreak,
 * Log (the last 5 {Start, End, ExitCode, Output})}, replaced atomically.
 * Run is the StartedAt of the run it belongs to: one of an earlier run
 * reads as "starting" with no streak (Docker resets both at every start and
 * keeps the Log).  Docker's rules: exit 0 healthy (streak 0); any other
 * code or a timeout fails, and retries failures in a row make it unhealthy;
 * failures before a first success within the start period do not count.
 */
#ifndef SBC_HEALTH_H
#define SBC_HEALTH_H
#include <sys/types.h>
#include <cjson/cJSON.h>
#include "runtime/container.h"

enum { SBC_HEALTH_NONE, SBC_HEALTH_STARTING, SBC_HEALTH_HEALTHY, SBC_HEALTH_UNHEALTHY };
/* "none", "starting", "healthy", "unhealthy" */
const char *sbc_health_name(int status);

/* The merged Config.Healthcheck (Docker's: --no-healthcheck gives Test
 * ["NONE"]; a field the flags leave zero comes from the image's); NULL
 * when there is none.  cmd: --health-cmd (run as CMD-SHELL) or NULL;
 * ns[4]: interval, timeout, start period, start interval. */
cJSON *sbc_health_merge(int none, const char *cmd, const long long ns[4], int retries, const cJSON *image);
/* The container's status (SBC_HEALTH_*): NONE without a check to run (or
 * never started). */
int sbc_health_status(const sbc_container *c);
/* State.Health {Status, FailingStreak, Log} for inspect, or NULL. */
cJSON *sbc_health_json(const sbc_container *c);

/* A running container's schedule (ms, monotonic). */
typedef struct sbc_health_sched {
    int interval, start_interval, start_period; /* interval 0: no checks */
    long long t0, due;
    int healthy;      /* the last probe said healthy */
    pid_t probe;      /* the probe running, or 0 */
    int pidfd;
    const char *root, *id, *config;
} sbc_health_sched;

/* The three times of config.json's Config.Healthcheck, defaults applied
 * (all 0 when it has no check to run). */
void sbc_health_times(const cJSON *config, int ms[3]);
/* Begin at now; ms as sbc_health_times gives them. */
void sbc_health_init(sbc_health_sched *h, const char *root, const char *id, const char *config, const int ms[3]);
/* ms until the next check is due (poll's timeout), -1: nothing to wait for. */
int sbc_health_wait(const sbc_health_sched *h);
/* The running probe's pidfd (poll it), or -1. */
int sbc_health_fd(const sbc_health_sched *h);
/* Reap a probe that ended, start one that is due. */
void sbc_health_step(sbc_health_sched *h);
/* No more checks: a running probe is killed and reaped. */
void sbc_health_stop(sbc_health_sched *h);
/* The probe: argv ROOT ID; exits 0 starting, 1 healthy, 2 unhealthy,
 * 3 not run (not running, paused). */
int sbc_health_probe_main(int argc, char **argv);

#endif
