/* procattr.h - the process attributes of an OCI config the spawn engine
 * applies in the container's process, for its init and for exec alike:
 * process.rlimits (every one given; a duplicate or an unknown name is an
 * error), process.oomScoreAdj (only when given), process.user.umask,
 * linux.personality, process.ioPriority.  They are set while the process is
 * still root of its namespace (raising a hard limit or lowering the OOM
 * score needs it), before the user switch. */
#ifndef SBC_PROCATTR_H
#define SBC_PROCATTR_H
#include <cjson/cJSON.h>
#include "base/err.h"

#define SBC_RLIMITS_MAX 16
typedef struct sbc_procattr {
    struct {
        int res;
        unsigned long long soft, hard;
    } rl[SBC_RLIMITS_MAX];
    int nrl;
    int has_oom, oom;
    int has_umask;
    unsigned umask;
    int has_persona;
    unsigned long persona;
    int has_ioprio, ioprio;
} sbc_procattr;

/* Docker's --ulimit NAME=SOFT[:HARD] (NAME nofile, nproc, core, ...; -1 or
 * "unlimited" for no limit; HARD defaults to SOFT): the OCI type name
 * ("RLIMIT_NOFILE") into type (>= 24 bytes) and the limits
 * (RLIM_INFINITY for none); -1 with e on a bad one. */
int sbc_ulimit_parse(const char *spec, char *type, unsigned long long *soft, unsigned long long *hard, sbc_err *e);
/* Parse from the config's process and linux objects (either may be NULL). */
int sbc_procattr_parse(const cJSON *process, const cJSON *lx, sbc_procattr *a, sbc_err *e);
/* Apply in the process itself; errors name the attribute ("setrlimit
 * RLIMIT_NOFILE: operation not permitted", as podman matches). */
int sbc_procattr_apply(const sbc_procattr *a, sbc_err *e);

#endif
