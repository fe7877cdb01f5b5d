/* cgroup.h - one interface over cgroup v1, hybrid and v2.
 *
 * A container's cgroup is named by a relative path ("sbc/<id>").  On v2 it
 * is <v2 mount>/<name> (the v2 mount is /sys/fs/cgroup, or
 * /sys/fs/cgroup/unified when no v1 controller is left beside it); sbc
 * enables memory, pids and cpu in the subtree_control of the parents it
 * makes.  On v1 and hybrid it is <mount>/<ctrl>/<name> for each controller
 * we use (memory, pids, cpu when a cpu limit is set, devices when there are
 * device rules) that the host has,
 * plus the unified tree when a hybrid host has one (so the process is
 * tracked there too).  The parent ("sbc") stays once made, as Docker's
 * "docker" does: one mkdir and rmdir less per hierarchy and start.  A limit whose
 * controller the host lacks is refused, never dropped.  Every call derives
 * the paths from the name, so `rm -f` can clean up from the name recorded in
 * the container's state alone.
 */
#ifndef SBC_CGROUP_H
#define SBC_CGROUP_H
#include <sys/types.h>
#include "base/err.h"
#include "runtime/devices.h"

enum { SBC_CG_NONE = 0, SBC_CG_V1, SBC_CG_HYBRID, SBC_CG_V2 };

typedef struct sbc_cg_limits {
    long long memory;     /* bytes, 0 = unlimited */
    long long cpu_quota;  /* microseconds per cpu_period, 0 = unlimited */
    long long cpu_period; /* microseconds, 0 = 100000 */
    long long pids;       /* 0 = unlimited */
    /* OCI linux.resources.devices in order (runtime/devices.h); NULL = device
     * access left as it is.  v1/hybrid: the devices cgroup <mount>/devices/
     * <name> gets them ("a" to devices.deny, then devices.allow lines);
     * without a devices hierarchy a hybrid host gets the eBPF program on its
     * unified cgroup instead.  v2: an eBPF device program attached to the
     * cgroup.  Both before sbc_cgroup_create returns, so before the process
     * is in the cgroup (v1) or cloned into it (v2). */
    const sbc_dev_rule *devices;
    int ndevices;
    /* OCI: the cgroup is made in every v1 hierarchy the host mounts (cpu,
     * cpuset, blkio, freezer, ... as runc's), cpuset's cpus and mems taken
     * from its parent; enter, destroy and freeze follow the dirs there */
    int all_hierarchies;
    /* more of linux.resources as file writes (runtime/cgres.c), after the
     * limits above: ctrl is the v1 hierarchy ("cpuset") or NULL for the v2
     * dir; a file whose hierarchy the host lacks is an error */
    struct sbc_cg_write {
        const char *ctrl;
        char *file, *value;
    } *writes;
    int nwrites;
} sbc_cg_limits;
/* Free what sbc_cg_resources put in lim (writes, devices). */
void sbc_cg_limits_free(sbc_cg_limits *lim);
/* linux.resources (OCI) into lim for this host's cgroup layout: memory,
 * cpu, pids, blockIO, hugepageLimits, network, unified (rdma refused);
 * devices are the caller's (devices.h). */
struct cJSON;
int sbc_cg_resources(const struct cJSON *res, sbc_cg_limits *lim, sbc_err *e);

/* The host's layout (cached); SBC_CG_NONE when no cgroup fs is mounted.
 * sbc_cgroup_mode_name: "none", "v1", "hybrid" or "v2" (in sbc --version). */
int sbc_cgroup_mode(void);
const char *sbc_cgroup_mode_name(void);
/* How this host enforces device rules, for sbc --version and inspect:
 * "devices cgroup (v1)", "eBPF (cgroup v2)", "eBPF (unified hierarchy)", or
 * "none (...why)" (no cgroup fs, no devices hierarchy and no unified tree,
 * no bpf(2)).  Probes (an eBPF load on v2): not for the start path. */
const char *sbc_cgroup_devices_how(void);
/* Rootless: the v2 subtree delegated to the user (relative to the v2
 * mount; its containers' cgroups are "<it>/sbc/<id>"), with the
 * controllers it has in ctrls ("cpu memory pids", may be ""); NULL when
 * nothing is delegated (then sbc_cgroup_mode() is SBC_CG_NONE for it).
 * The subtree is the top of the dirs the user owns (with cgroup.procs and
 * cgroup.subtree_control writable) from its own cgroup, or the nearest
 * owned ancestor of it, up: systemd's user@UID.service, or what an admin
 * chowned.  sbc_cgroup_create enables what is delegated of memory, pids
 * and cpu from the subtree down (never above it); when the user's own
 * processes sit in the subtree's top (the no-internal-process rule forbids
 * memory below them) they are moved into <it>/sbc-caller first, as podman
 * moves its cgroup's processes into "init"/"runtime".  Destroy, signal and
 * the OOM count act on the v2 dir of the name from any shell of the user,
 * also one outside the subtree (an sbc-rm from another terminal); create
 * and enter there refuse limits, or run without the cgroup. */
const char *sbc_cgroup_rootless_base(char *ctrls, size_t n);
/* Create the cgroup(s) for name and apply the limits and device rules. */
int sbc_cgroup_create(const char *name, const sbc_cg_limits *lim, sbc_err *e);
/* Move pid into every hierarchy of name. */
int sbc_cgroup_enter(const char *name, pid_t pid, sbc_err *e);
/* On pure v2: an fd of name's cgroup (made by sbc_cgroup_create) for
 * clone3's CLONE_INTO_CGROUP, so the child starts in it and never moves;
 * -1 elsewhere. */
int sbc_cgroup_v2_fd(const char *name);
/* Number of OOM kills recorded in name's memory cgroup (0 when unknown). */
long long sbc_cgroup_oom_kills(const char *name);
/* Send sig to every process in name (via the pids or unified hierarchy). */
int sbc_cgroup_signal_all(const char *name, int sig);
/* Freeze (on) or thaw name's processes: v2's cgroup.freeze (also the
 * unified tree of a hybrid host), else v1's freezer; waits until frozen. */
int sbc_cgroup_freeze(const char *name, int on, sbc_err *e);
/* 1 when name is frozen, 0 when not, -1 when unknown. */
int sbc_cgroup_frozen(const char *name);
/* The pids in name (malloc'd; v2 dir, else the first v1 hierarchy of
 * ours); -1 when name has no cgroup. */
int sbc_cgroup_procs(const char *name, pid_t **pids, int *n);
/* sbc-stats: the dir of name's cgroup in the v1 hierarchy ctrl ("memory",
 * "cpuacct", ...), or with ctrl NULL its v2 dir (on a hybrid host the
 * unified tree's); -1 when the host or name has no such dir. */
int sbc_cgroup_dir(const char *name, const char *ctrl, char *d, size_t n);
/* Kill what is left and remove the cgroup(s); missing is fine. */
int sbc_cgroup_destroy(const char *name, sbc_err *e);
/* Parse "512m", "1g", "100000" (bytes); -1 if invalid. */
long long sbc_parse_bytes(const char *s);

#endif
