/* spec.h - the container description the spawn engine consumes.
 *
 * Modelled on the OCI runtime spec (config.json): `run` builds that JSON,
 * sbc_spec_from_oci() turns it into this struct, and spawn.c runs it.  An
 * OCI runtime CLI applet can feed a bundle's config.json to the same code.
 * Extensions (non-OCI keys) are prefixed "sbc.": root."sbc.overlay"
 * {lower[], upper, work} asks the engine to mount an overlay on root.path
 * inside the container's mount namespace (so it vanishes with it);
 * process."sbc.user" is "name[:group]" resolved in the container's
 * /etc/passwd and /etc/group; process."sbc.init" runs sbc as PID 1;
 * linux."sbc.seccomp": "default" asks for Docker's default seccomp profile
 * (the build-time program), while an OCI linux.seccomp object is a profile
 * of its own (OCI or Docker format) and neither means unconfined;
 * linux."sbc.keyring" is the id whose "_ses.<id>" session keyring the
 * container's processes join.
 */
#ifndef SBC_SPEC_H
#define SBC_SPEC_H
#include <stdint.h>
#include <sys/types.h>
#include <cjson/cJSON.h>
#include "runtime/cgroup.h"
#include "runtime/devices.h"
#include "runtime/procattr.h"
#include "runtime/seccomp.h"
#include "base/err.h"

typedef struct sbc_mount {
    const char *dest, *type, *source;
    char *data;              /* fs-specific options, malloc'd */
    unsigned long flags;     /* MS_* */
    int bind;                /* bind or rbind */
    int ro;                  /* remount read-only after a bind */
    unsigned long prop;      /* MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE
                              * (| MS_REC), set on it after the mount */
} sbc_mount;

/* One line of a user namespace's uid_map or gid_map (linux.uidMappings). */
typedef struct sbc_idmap {
    uint32_t ctr, host, size;
} sbc_idmap;
#define SBC_IDMAP_MAX 5 /* the kernel takes 340 lines; OCI callers use a few */

typedef struct sbc_spec {
    /* process */
    const char **args;
    int nargs;
    const char **env;
    int nenv;
    const char *cwd;
    const char *user;        /* "uid[:gid]" or "name[:group]"; NULL = root */
    const char **groups;     /* process."sbc.groups": --group-add, names or gids */
    int ngroups;
    int terminal;
    unsigned short rows, cols; /* process.consoleSize (0: as the pty comes) */
    uint64_t caps;           /* bounding (capabilities.bounding) */
    uint64_t caps_eff;       /* effective = permitted for uid 0 (a subset of caps) */
    /* process.user given (OCI): the five sets apply as given whatever the
     * uid (caps_eff, caps_prm, caps_inh, caps_amb); process."sbc.user"
     * (Docker's rule): a user other than root gets none */
    int caps_oci;
    uint64_t caps_prm, caps_inh, caps_amb;
    sbc_procattr attr;       /* rlimits, oomScoreAdj, umask, ... (procattr.h) */
    int no_new_privs;
    int init;                /* sbc serves as PID 1 */
    /* root */
    const char *root;
    int readonly;
    const char **lower;      /* overlay lowerdirs, bottom first; nlower 0 = bind root */
    int nlower;
    const char *upper, *work;
    const char *hostname;
    unsigned long root_prop; /* linux.rootfsPropagation; 0: rprivate */
    sbc_mount *mounts;
    int nmounts;
    int ns;                  /* CLONE_NEW* flags (CLONE_NEWUSER: a user
                              * namespace with the maps below) */
    sbc_idmap uidmap[SBC_IDMAP_MAX], gidmap[SBC_IDMAP_MAX];
    int nuidmap, ngidmap;
    const char *netns_path;  /* join this network namespace (OCI namespace
                              * "network" with a "path"), e.g. /proc/PID/ns/net */
    /* the other namespaces joined by path (pods): CLONE_NEW* and path;
     * pid is joined by the parent before the clone, mount, ipc, uts and
     * cgroup by the child first thing (the root is then set up in that
     * mount namespace); user by path: refused */
    struct {
        int type;
        const char *path;
        const char *ctr;     /* "sbc.container": the state dir of the sbc
                              * container whose namespace this is (its
                              * path is found at each start; sbc-run) */
    } nsjoin[6];
    int nnsjoin;
    const char **masked;
    int nmasked;
    const char **ropaths;
    int nro;
    const char *cgroup;      /* cgroup name (relative) or NULL */
    sbc_cg_limits limits;    /* .devices: linux.resources.devices (malloc'd) */
    sbc_dev_node *devnodes;  /* linux.devices: nodes made in the container */
    int ndevnodes;
    /* linux.sysctl: "key" (dotted) and value pairs, written in the
     * container's namespaces through its own /proc/sys */
    const char **sysctl_keys, **sysctl_vals;
    int nsysctl;
    /* seccomp: the default profile (seccomp_default), a profile of the
     * spec's own (seccomp, parsed), or none (both unset) */
    int seccomp_default;
    sbc_seccomp_profile *seccomp;
    uint64_t seccomp_caps;   /* the capabilities the filter is made for (the
                              * container's; sbc-exec --privileged keeps it) */
    const char *keyring;     /* container id for the session keyring, or NULL */
    const cJSON *hooks;      /* the OCI hooks object (runtime/hooks.h), or NULL;
                              * the engine runs only startContainer */
    /* filled by the caller, not from JSON */
    int stdio[3];            /* fds for 0, 1, 2 when !terminal; -1 = /dev/null */
    int preserve_fds;        /* fds 3..3+N-1 reach the command (--preserve-fds) */
    /* The create/start split: with park set, the init does everything but
     * the exec, tells sbc_spawn
     * (which returns 0, p->parked set) and waits in accept() on park_fd, a
     * listening SOCK_SEQPACKET socket; sbc_spawn_release() connects to it
     * and lets it go on (startContainer hooks, the command looked for,
     * then the exec). */
    int park, park_fd;
    /* runs in the parent after the child exists in its namespaces and is in
     * its cgroup, before it goes on (network setup). */
    /* nsfd: the child's user and network namespaces (-1 when it has no
     * own), opened while it still lets its owner open them */
    int (*hook)(void *arg, pid_t pid, const int nsfd[2], sbc_err *e);
    void *hook_arg;
    cJSON *json;             /* the document the strings point into */
} sbc_spec;

/* Parse an OCI config.json document (takes ownership of j). */
int sbc_spec_from_oci(cJSON *j, sbc_spec *s, sbc_err *e);
void sbc_spec_free(sbc_spec *s);
/* MS_SHARED, ... (| MS_REC for the r-forms) for a propagation name, or 0. */
unsigned long sbc_propagation(const char *name);
/* Parse one OCI mount option list into flags/data. */
void sbc_mount_options(const cJSON *opts, sbc_mount *m);

#endif
