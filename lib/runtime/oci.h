/* oci.h - containers of the OCI runtime command line (sbc-oci, runc's CLI):
 * a bundle's config.json run by the same engine as sbc-run, with the
 * create/start split and no monitor: `create` leaves the init parked before
 * its exec (spec.h's park) and exits, so the caller (conmon, the containerd
 * shim) is its parent and reaps it.  State lives in ROOT/ID/: state.json
 * (pid and start time, bundle, created, cgroup, annotations), config.json
 * (the document it was made from: exec and hooks read it) and, while the
 * init is parked, start.sock.  The status is derived, never stored:
 * stopped when the init is gone (or a zombie), created while start.sock is
 * there, paused when its cgroup is frozen, else running. */
#ifndef SBC_OCI_H
#define SBC_OCI_H
#include <sys/types.h>
#include <cjson/cJSON.h>
#include "base/err.h"

typedef struct sbc_oci {
    char *root, *id, *dir;    /* --root, the id, ROOT/ID */
    pid_t pid;
    unsigned long long start; /* the init's start time (base/io.h) */
    char *bundle, *created, *cgroup; /* cgroup: "" for none */
    cJSON *state;             /* state.json */
    cJSON *config;            /* config.json */
    int lock;                 /* flock on ROOT/ID/lock, or -1 */
} sbc_oci;

typedef struct sbc_oci_create_opts {
    const char *bundle, *pid_file, *console_socket;
    int no_pivot, no_new_keyring, preserve_fds;
    int cgroups_off;          /* --cgroup-manager disabled */
    int systemd;              /* --systemd-cgroup: cgroupsPath is slice:prefix:name */
    int run_now;              /* run: without startContainer hooks the init
                               * execs at once, not parked (no start) */
    int *pty;                 /* run in the foreground: a terminal without a
                               * console socket is kept here (-1: none) */
} sbc_oci_create_opts;

/* Ids runc accepts: [A-Za-z0-9_+.-], at most 1024, not "." or "..". */
int sbc_oci_id_ok(const char *id, sbc_err *e);
/* create: the init parked; with o->pid_file, its pid written there last. */
int sbc_oci_create(const char *root, const char *id, const sbc_oci_create_opts *o, sbc_err *e);
/* Load ROOT/ID ("container ID does not exist" when it is not there);
 * lock: take its lock too (for start, delete, pause). */
int sbc_oci_load(const char *root, const char *id, int lock, sbc_oci *c, sbc_err *e);
void sbc_oci_free(sbc_oci *c);
/* "created", "running", "paused" or "stopped". */
const char *sbc_oci_status(const sbc_oci *c);
/* The state JSON of the spec (pid 0 when stopped); malloc'd, one line. */
char *sbc_oci_state(const sbc_oci *c, const char *status);
/* start; a failing poststart hook is no failure: its message lands in w
 * (the caller warns; w->msg[0] is 0 when there is none) */
int sbc_oci_start(sbc_oci *c, sbc_err *w, sbc_err *e);
/* The poststart hooks alone (run's, when its init was not parked). */
void sbc_oci_poststart(sbc_oci *c, sbc_err *w);
int sbc_oci_kill(sbc_oci *c, int sig, int all, sbc_err *e);
/* delete; with force a running container is killed first, an unknown id is
 * no error.  A failing poststop hook or a cgroup that cannot go is a
 * warning in w, as for start. */
int sbc_oci_delete(const char *root, const char *id, int force, sbc_err *w, sbc_err *e);
int sbc_oci_pause(sbc_oci *c, int pause, sbc_err *e);
/* The host pids of the container's processes (its cgroup, else the init). */
int sbc_oci_pids(const sbc_oci *c, pid_t **pids, int *n, sbc_err *e);
/* Apply an OCI LinuxResources object to the container's cgroup. */
int sbc_oci_update(sbc_oci *c, const cJSON *res, sbc_err *e);

typedef struct sbc_oci_exec_opts {
    const cJSON *process;     /* an OCI process object (taken over), or NULL */
    char **args;              /* else: args on the container's process */
    int nargs;
    const char **env, **caps;
    int nenv, ncaps;
    const char *cwd, *user, *pid_file, *console_socket;
    int tty, detach, no_new_privs, preserve_fds, ignore_paused;
} sbc_oci_exec_opts;
/* exec: detached, returns 0 once the process runs (pid file written);
 * else waits and *code gets its exit code (128+N for signal N). */
int sbc_oci_exec(sbc_oci *c, const sbc_oci_exec_opts *o, int *code, sbc_err *e);

/* The ids under root (sorted; sbc_names_free them); 0 with none when root
 * is not there. */
int sbc_oci_ids(const char *root, char ***ids, size_t *n);
/* 1 when the init of ROOT/ID waits for start (parked), else 0. */
int sbc_oci_parked(const char *root, const char *id);

/* features: what this runtime supports (runtime-spec features.md). */
cJSON *sbc_oci_features(void);
/* spec: a default config.json for a rootfs, as `runc spec` writes. */
cJSON *sbc_oci_default_spec(int rootless);

#endif
