/* exeseal.h - no process a container can see runs the on-disk sbc
 * (CVE-2019-5736 by design).
 *
 * The applets that put processes into containers (run, start, exec) first
 * re-execute themselves from a sealed in-memory copy of the binary: a
 * memfd written once and sealed against writes, growth and shrinking.
 * Every process they fork or exec afterwards (the container's init before
 * its execve, the --init PID 1, sbc-exec's joiner, the -d monitor) has
 * that copy as /proc/PID/exe, and so has an image's "#!/proc/self/exe"
 * interpreter: the host file's inode is never reachable from inside, and
 * the copy cannot be written through any fd.  (The approach of crun's
 * cloned_binary.c and runc's exeseal memfd path.) */
#ifndef SBC_EXESEAL_H
#define SBC_EXESEAL_H
#include "base/err.h"

/* 1 when this process already runs from a sealed copy. */
int sbc_exe_is_sealed(void);
/* The on-disk binary, open (close-on-exec) in a sealed image, for the
 * detached monitor's exec; -1 when there is none. */
int sbc_exe_host_fd(void);
/* Unless already sealed, copy /proc/self/exe into a sealed memfd and
 * execveat it with argv and envp (does not return on success).  0 when
 * already sealed; -1 with e on failure. */
int sbc_exe_seal(char *const *argv, char *const *envp, sbc_err *e);

#endif
