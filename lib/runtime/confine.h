/* confine.h - the spawn engine's one step to confine a container process:
 * a session keyring of its own, then the seccomp filter.
 *
 * Where the engine calls it (lib/runtime/spawn.c, the exec path shared by
 * sbc-run, sbc-exec and the --init command):
 *   1. sbc_confine_prepare before the clone (or in the child before
 *      pivot_root): compiles a custom profile or picks the build-time
 *      default program; errors reach the applet while it can still print.
 *   2. sbc_confine_enter in exec_cmd after sbc_caps_drop_bounding and before
 *      setgroups/setresgid/setresuid/capset: no_new_privs is off, so loading
 *      the filter needs CAP_SYS_ADMIN, which the uid change takes away.  The
 *      process is single-threaded there: no TSYNC.  Everything sbc calls
 *      after it (setgroups, setres[ug]id, prctl, capset, close_range, fcntl,
 *      rt_sigaction, execve; for --init fork/clone without namespace flags,
 *      wait4, kill, rt_sigtimedwait) is in Docker's allow-list.
 *   3. sbc_confine_free in the parent after the clone.
 */
#ifndef SBC_CONFINE_H
#define SBC_CONFINE_H
#include <stdint.h>
#include "base/err.h"
#include "runtime/seccomp.h"

typedef struct sbc_confine {
    char keyring[96];      /* "_ses.<id>"; "" keeps the inherited keyring */
    sbc_seccomp_prog prog; /* len 0: no filter (seccomp=unconfined) */
} sbc_confine;

/* id: the container id (NULL: no new keyring).  profile: NULL for Docker's
 * default, else a parsed profile (the caller keeps it).  unconfined: no
 * filter.  caps: the container's capabilities (bounding set). */
int sbc_confine_prepare(sbc_confine *c, const char *id, const sbc_seccomp_profile *profile,
                        int unconfined, uint64_t caps, sbc_err *e);
/* Join the keyring, then load the filter (see above for where). */
int sbc_confine_enter(const sbc_confine *c, sbc_err *e);
void sbc_confine_free(sbc_confine *c);

#endif
