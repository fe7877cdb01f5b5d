/* lifecycle.h - what stop, restart, pause and unpause do to a running
 * container (the applets print; these only act).
 *
 * A paused container is a running one whose cgroup is frozen (v2's
 * cgroup.freeze, also the unified tree of a hybrid host, else v1's
 * freezer): nothing is recorded in state.json, so a crash leaves no stale
 * "paused", and ps and inspect ask the cgroup.  A frozen process keeps a
 * signal pending: stop and a SIGKILL thaw the cgroup after sending it, so
 * the signal is delivered at once (v1's freezer would hold even SIGKILL).
 */
#ifndef SBC_LIFECYCLE_H
#define SBC_LIFECYCLE_H
#include "base/err.h"
#include "runtime/container.h"

/* 1 when c (refreshed) runs and its cgroup is frozen. */
int sbc_container_paused(const sbc_container *c);
/* Freeze (on) or thaw c.  "Container ID is not running" (exit 1) when it
 * does not run, "... is already paused" / "... is not paused" likewise. */
int sbc_container_pause(sbc_container *c, int on, sbc_err *e);
/* Thaw c if it is paused (after a signal that must be delivered). */
void sbc_container_thaw(sbc_container *c);
/* sbc-stop: the stop signal (the image's StopSignal, else SIGTERM), then
 * SIGKILL to every process after secs (< 0: the container's --stop-timeout,
 * -1 there waiting for ever, else 10); waits until the monitor recorded
 * the exit.  Nothing to do when c does not run. */
void sbc_container_stop(sbc_container *c, double secs);
/* sbc-top, sbc-stats: the host pids of c's processes (malloc'd), from its
 * cgroup, else every process in the pid namespace of its init; "Container
 * ID is not running" (exit 1) when it does not run. */
int sbc_container_pids(sbc_container *c, pid_t **pids, int *n, sbc_err *e);

#endif
