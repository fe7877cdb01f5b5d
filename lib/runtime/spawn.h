/* spawn.h - the one spawn engine: runs an sbc_spec in new namespaces, or a
 * process inside the namespaces of a running container (exec).
 *
 * sbc_spawn(): the child is created with clone3 in its namespaces and waits
 * on a socket; the parent puts it in its cgroup, runs spec->hook (network),
 * then lets it go on: mounts, pivot_root, /dev, masks, user, capabilities,
 * exec.  sbc_spawn returns when the command was exec'd (0) or failed
 * (-1, e->code 126/127 for an exec failure, 125 otherwise).  The container
 * never sees sbc on disk: the child is forked sbc code that execs the
 * command directly, and is non-dumpable until then.
 */
#ifndef SBC_SPAWN_H
#define SBC_SPAWN_H
#include <sys/types.h>
#include "runtime/spec.h"

typedef struct sbc_proc {
    pid_t pid;      /* host pid of the container's PID 1 (or the exec'd process) */
    int pidfd;      /* CLOEXEC, or -1 */
    int ptmx;       /* pty master when spec->terminal, else -1 */
    int parked;     /* spec->park: the init waits for sbc_spawn_release */
} sbc_proc;

int sbc_spawn(const sbc_spec *s, sbc_proc *p, sbc_err *e);
/* Run s's process (args, env, cwd, user, caps, terminal, stdio) in the
 * namespaces and cgroup of the running process `target`. */
int sbc_spawn_join(pid_t target, const char *cgroup, const sbc_spec *s, sbc_proc *p, sbc_err *e);
/* Let a parked init (spec->park) go on: connect to its socket at path
 * (through /proc/self/fd when the path is too long for sun_path), hand it
 * state (the OCI state JSON its startContainer hooks read), then wait until
 * it exec'd the command (0) or failed (-1, its message in e). */
int sbc_spawn_release(const char *path, const char *state, sbc_err *e);
/* Wait for p; returns the Docker-style exit code (128+N for signal N). */
int sbc_proc_wait(pid_t pid);
int sbc_status_code(int status);

#endif
