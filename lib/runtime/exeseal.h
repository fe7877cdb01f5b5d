/* exeseal.h - no process a container can see runs a writable sbc
 * (CVE-2019-5736 by design, not by ETXTBSY luck).
 *
 * The applets that put processes into containers (run, start, exec) seal
 * the binary before any container process exists, one of two ways:
 *  - with CAP_SYS_ADMIN (kernel >= 5.12): the binary is opened through
 *    a private, detached, read-only clone of its mount (open_tree +
 *    mount_setattr), this process's image is mapped again from that file
 *    (the same page cache: no copy; the written data moved to anonymous
 *    memory) and /proc/self/exe switched to it (prctl PR_SET_MM_MAP,
 *    CRIU's call), all before it forks anything.  Every child inherits
 *    it: the init before its execve, the --init PID 1, sbc-exec's joiner;
 *    an image's "#!/proc/self/exe" interpreter runs the same read-only
 *    file.  Opening it for writing, truncating or chmod'ing it from
 *    inside, then or after the process is gone, fails with EROFS.  No
 *    exec: on this machine an exec of sbc costs ~1 ms.
 *  - otherwise: re-execute from a sealed in-memory copy (a memfd written
 *    once, sealed against writes, growth and shrinking: crun's
 *    cloned_binary.c, runc's memfd path), so every later process has it.
 *    An ordinary user's run and start skip that exec: the container's
 *    init, root of its user namespace, switches to the copy itself as its
 *    first act (the same remap and PR_SET_MM_MAP as above); the parent,
 *    which no container sees, keeps the host binary.
 * Root's run and start defer the first way the same: the init switches
 * to the read-only clone first thing after its clone, while the parent
 * sets its cgroup up (~0.4 ms off a start); the parent switches itself
 * before the clone when the init joins a pid namespace others are in, or
 * gets none of its own, and so is seen before it could switch.
 * A kernel bug that writes a read-only file's page cache (Dirty Pipe,
 * CVE-2022-0847) would reach the first but not the second; runc >= 1.2
 * (a private overlayfs) makes the same trade.  SBC_SEAL_COPY=1 forces
 * the copy. */
#ifndef SBC_EXESEAL_H
#define SBC_EXESEAL_H
#include "base/err.h"

/* 1 when this process already runs from a sealed copy. */
int sbc_exe_is_sealed(void);
/* The on-disk binary, open (close-on-exec) in a sealed image, for the
 * detached monitor's exec; -1 when there is none. */
int sbc_exe_host_fd(void);
/* Unless already sealed: switch to the read-only clone, or copy
 * /proc/self/exe into a sealed memfd and execveat it with argv and envp
 * (does not return on success).  0 when done; -1 with e on failure. */
int sbc_exe_seal(char *const *argv, char *const *envp, sbc_err *e);
/* Before sbc_exe_seal, for an ordinary user's run and start: when the
 * host binary cannot be switched here, make the sealed copy but do not
 * exec it; the container's init switches to it with sbc_exe_seal_child
 * (root of its user namespace, it may: PR_SET_MM_MAP wants
 * CAP_CHECKPOINT_RESTORE there), saving an exec (~1 ms).  This process,
 * on the host side, keeps the host binary (nothing in a container sees
 * it). */
void sbc_exe_seal_defer(void);
/* Before the clone of an init that others can see from birth (a pid
 * namespace it joins, or none of its own): the deferred switch, made here
 * when this process may (root); 0, or -1 with e. */
int sbc_exe_seal_here(sbc_err *e);
/* In the container's init, first thing: the deferred switch, if any;
 * 0, or -1 with e (the init must not go on unsealed). */
int sbc_exe_seal_child(sbc_err *e);

#endif
