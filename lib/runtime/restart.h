/* restart.h - restart policies (run --restart; HostConfig.RestartPolicy):
 * the detached monitor restarts its container with Docker's back-off
 * (100 ms, doubling to at most a minute, back to 100 ms after 10 s up);
 * a stop or kill asked by a user, a start and rm end it. */
#ifndef SBC_RESTART_H
#define SBC_RESTART_H
#include "runtime/container.h"

enum { SBC_RESTART_NO, SBC_RESTART_ON_FAILURE, SBC_RESTART_ALWAYS, SBC_RESTART_UNLESS_STOPPED };

/* "no", "on-failure[:N]", "always", "unless-stopped" -> *policy and *max
 * (0: no limit); -1 when it is none of them. */
int sbc_restart_parse(const char *s, int *policy, int *max);
/* Docker's name of a policy ("" for no). */
const char *sbc_restart_name(int policy);
/* After an exit with code: is a restart due (the state has the count and
 * whether a user stopped it)?  boot: for sbc-start --all-restart, where
 * an unless-stopped container a user stopped stays down. */
int sbc_restart_due(int policy, int max, int code, const sbc_ctr_state *st, int boot);
/* A user's stop or kill of c: no restart until the next start (under the
 * container's lock).  0, or -1 with e. */
int sbc_restart_mark_stopped(sbc_container *c, sbc_err *e);

#endif
