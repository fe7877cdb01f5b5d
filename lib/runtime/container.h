/* container.h - containers on disk: IDs, names, state, lookup, removal.
 *
 * $SBC_ROOT/containers/<64-hex id>/   (a symlink into a tmpfs scratch dir,
 *                                      /dev/shm/sbc/<id>, for --rm containers)
 *   config.json   written once at create: Id, Name, Created, Image, ImageID,
 *                 Path, Args, Config, HostConfig, Mounts, Driver and
 *                 Resources (what the container owns: Cgroup, Rootfs, ...),
 *                 recorded before any of it is made
 *   spec.json     the OCI runtime-spec description the spawn engine runs
 *   state.json    Status, Pid, PidStart (field 22 of /proc/PID/stat, to spot
 *                 a dead or reused pid), MonitorPid, MonitorStart, ExitCode,
 *                 OOMKilled, StartedAt, FinishedAt, Error
 *   hostname hosts resolv.conf   bind-mounted into the container
 *   container.log                json-file log of a detached container
 *   rootfs/ upper/ work/         the root and its overlay scratch
 * $SBC_ROOT/containers/.names/<name> -> <id>   (symlink: unique by creation)
 */
#ifndef SBC_CONTAINER_H
#define SBC_CONTAINER_H
#include <sys/types.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "base/digest.h"
#include "base/err.h"
#include "base/io.h"

/* state.json: what a container is doing.  Parsed once when a container is
 * loaded, changed in place, written whole (sbc_ctr_state_write, which needs
 * no cJSON, so the monitor uses it too).  Strings are "" when unset. */
typedef enum sbc_ctr_status { SBC_CTR_CREATED, SBC_CTR_RUNNING, SBC_CTR_EXITED } sbc_ctr_status;

typedef struct sbc_ctr_state {
    sbc_ctr_status status;
    pid_t pid;                        /* the running process, else 0 */
    pid_t last_pid;                   /* the process of the run that exited */
    unsigned long long pid_start;     /* field 22 of /proc/PID/stat: spots a reused pid */
    pid_t monitor_pid;                /* who records the exit (running only) */
    unsigned long long monitor_start;
    int exit_code;
    int oom_killed;
    char started[40], finished[40];   /* RFC 3339 */
    char error[256];                  /* why the last start failed */
    /* restart policy (HostConfig.RestartPolicy): the restarts so far, the
     * back-off in progress, and a stop or kill asked by a user (no restart
     * until a start; --all-restart skips unless-stopped ones) */
    int restart_count, restarting, manual_stop;
    long long backoff_ms;
} sbc_ctr_state;

/* "created", "running", "exited" */
const char *sbc_ctr_status_str(sbc_ctr_status s);
/* Parse state.json's text (len bytes); -1 when it is not a state object. */
int sbc_ctr_state_parse(const char *text, size_t len, sbc_ctr_state *s);
/* Read dir/state.json. */
int sbc_ctr_state_read(const char *dir, sbc_ctr_state *s, sbc_err *e);
/* Replace dir/state.json with s (atomically by rename, without fsync: the
 * state is re-derivable). */
int sbc_ctr_state_write(const char *dir, const sbc_ctr_state *s, sbc_err *e);

typedef struct sbc_container {
    char id[SBC_HEX_SIZE];
    char *dir;            /* <root>/containers/<id> */
    /* the fields of config.json the runtime acts on, read once */
    char name[129];
    char cgroup[256];     /* Resources.Cgroup ("sbc/<id>", rootless "<delegated
                           * subtree>/sbc/<id>"), "" for none */
    int autoremove;       /* HostConfig.AutoRemove */
    sbc_ctr_state state;
    cJSON *config;        /* config.json itself (Docker's Config, HostConfig, ...:
                           * what inspect, ps and commit show) */
    cJSON *spec;          /* the spec just written by create (run uses it), or NULL */
    int lockfd;
} sbc_container;

/* Allocate an ID, reserve the name (generated when NULL), make the dir
 * (in the tmpfs scratch when scratch != 0). */
int sbc_container_new(const char *root, const char *name, int scratch, sbc_container *c, sbc_err *e);
/* sbc-rename: the new name's link is made first (refused when taken:
 * "Conflict. ..."; a name must match [a-zA-Z0-9][a-zA-Z0-9_.-]*), then
 * config.json's Name (atomically), then the old link goes.  Under the lock. */
int sbc_container_rename(const char *root, sbc_container *c, const char *name, sbc_err *e);
/* Find by full ID, name or unique ID prefix and load config and state.
 * "No such container: REF" (e->errnum ENOENT) when unknown or ambiguous. */
int sbc_container_open(const char *root, const char *ref, sbc_container *c, sbc_err *e);
/* Load by exact ID (ps); -1 when gone. */
int sbc_container_load(const char *root, const char *id, sbc_container *c, sbc_err *e);
void sbc_container_free(sbc_container *c);
int sbc_container_save_config(sbc_container *c, sbc_err *e);
int sbc_container_save_state(sbc_container *c, sbc_err *e);
/* Exclusive lock on the container (start, stop, rm, monitor exit). */
int sbc_container_lock(sbc_container *c, sbc_err *e);
void sbc_container_unlock(sbc_container *c);
/* The names of all containers, sorted (sbc_names_free); completion's. */
int sbc_container_names(const char *root, char ***names, size_t *n, sbc_err *e);
/* IDs of all containers (malloc'd array of malloc'd strings). */
int sbc_container_list(const char *root, char ***ids, int *n, sbc_err *e);

/* Bring c->state up to date with reality.  Returns 1 when the container
 * runs, 2 when its process is gone but its monitor is still recording the
 * exit (the record is the monitor's: nothing is written), 0 when it is not
 * running.  A "running" record whose process and monitor are both dead (or
 * their pids reused) becomes "exited" with code 255. */
int sbc_container_refresh(sbc_container *c);
/* Refresh, and while the monitor is recording the exit (2) re-read the
 * state for up to secs seconds.  Not under the container's lock: the
 * monitor takes it to write.  Returns what refresh returns last. */
int sbc_container_settle(sbc_container *c, double secs);
/* How long stop, rm and start wait for a monitor to record an exit: it
 * takes milliseconds, or a second when something holds the output pipes. */
#define SBC_SETTLE_SECS 30.0
int sbc_container_running(sbc_container *c);
const char *sbc_container_name(const sbc_container *c);

/* Undo everything recorded in the container's config (cgroup, network,
 * rootfs, state dir, name); no cJSON, so the monitor can call it. */
int sbc_container_cleanup(const char *root, const char *id, const char *name,
                          const char *cgroup, sbc_err *e);
int sbc_container_remove(const char *root, sbc_container *c, sbc_err *e);
/* After a boot (sbc-start --all-restart): drop what names no container
 * any more: the links of --rm containers whose tmpfs scratch is gone (as
 * Docker's daemon removes them) and the names of containers that are gone. */
void sbc_container_sweep(const char *root);

/* sbc-rmi: a container whose recorded ImageID is image_id: 1 (its ID into
 * who), 0 when none is, -1 + e. */
int sbc_container_using_image(const char *root, const char *image_id, char *who, size_t n, sbc_err *e);
/* The first container whose config.json match() takes: 1 (its ID into
 * who), 0 when none is, -1 + e. */
int sbc_container_first(const char *root, int (*match)(const cJSON *config, const void *arg), const void *arg,
                        char *who, size_t n, sbc_err *e);
/* sbc-ps: every container (all) or the running ones, loaded and refreshed,
 * newest first.  keep: NULL, or the only config fields to keep (NULL
 * ended): a listing of hundreds spares the page faults of whole configs.
 * Free with sbc_containers_free. */
int sbc_container_list_all(const char *root, int all, const char *const *keep, sbc_container **out,
                           int *n, sbc_err *e);
void sbc_containers_free(sbc_container *cs, int n);
/* The json-file log of a detached container (malloc'd path). */
char *sbc_container_log_path(const sbc_container *c);
/* --ipc shareable: the container's /dev/shm is a tmpfs on the host side,
 * DIR/shm (as Docker's), so the containers joining its IPC namespace bind
 * the same one.  Mounted at each start (size bytes; kept when it already
 * is), unmounted when the container stops and before it is removed. */
int sbc_container_shm_mount(const char *dir, long long size, sbc_err *e);
void sbc_container_shm_release(const char *dir);

/* The Docker-like inspect object (Id, Name, State{Status, Running, Pid,
 * ExitCode, OOMKilled, StartedAt, FinishedAt}, Config, HostConfig, Mounts,
 * GraphDriver, ...) of the container ref; NULL + "No such container". */
cJSON *sbc_container_inspect_json(const char *root, const char *ref, sbc_err *e);

/* --rm containers take their exit code with them: sbc-wait leaves a FIFO
 * wait-<pid> in the state dir (made under the container's lock), and whoever
 * removes the container after its exit first writes the code ("N\n") into
 * every such FIFO that has a reader (under the lock too; no cJSON). */
int sbc_wait_fifo(sbc_container *c, char *path, size_t size, sbc_err *e); /* its fd; path: its name */
void sbc_wait_notify(const char *dir, int code);

/* (sbc_proc_starttime: base/io.h) */
/* Is pid alive with that start time? */
int sbc_proc_alive(pid_t pid, unsigned long long start);
/* The tmpfs scratch base (SBC_SCRATCH or /dev/shm/sbc). */
const char *sbc_scratch_base(void);

#endif
