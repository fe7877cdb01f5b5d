/* keyring.h - a session keyring per container.
 *
 * Keyrings are not namespaced: without its own session keyring a container
 * shares the session keyring of whoever started it (and root's user keyring
 * is reachable as @u).  Like runc, the container's first process joins a
 * keyring named "_ses.<container id>" (created on first use, joined again by
 * sbc-exec), made searchable by its owner uid.  The default seccomp profile
 * then blocks the key syscalls; this keeps profiles that allow them apart. */
#ifndef SBC_KEYRING_H
#define SBC_KEYRING_H
#include "base/err.h"

/* KEYCTL_JOIN_SESSION_KEYRING(name) and add the owner's search permission.
 * Returns the keyring's serial, 0 when the kernel has no keyrings (ENOSYS)
 * or something outside (a seccomp filter, an LSM) forbids them (EPERM,
 * EACCES): best effort, as in runc.  -1 and e on other errors. */
int sbc_keyring_new_session(const char *name, sbc_err *e);

#endif
