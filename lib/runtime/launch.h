/* launch.h - what run, create and start share: turn options and an image
 * into a container (state dir + OCI spec), and start it in the foreground
 * or under a detached monitor.  The spawn engine below knows none of this. */
#ifndef SBC_LAUNCH_H
#define SBC_LAUNCH_H
#include "runtime/container.h"
#include "base/err.h"
#include "image/store.h"

/* -v /HOST:/CONTAINER[:ro|rw] and --tmpfs /DIR[:OPTIONS], parsed by the
 * applet before anything is made; spec is the option as given (what
 * HostConfig.Binds and .Tmpfs record). */
typedef struct sbc_bind {
    const char *spec;  /* as given (NULL: one of the image's Volumes) */
    char *src, *dst;
    int ro;
    /* a volume: named (volume), or anonymous (anon: -v /DIR, the image's
     * Volumes); create makes it when missing and sets src to its _data */
    const char *volume;
    int anon, nocopy;
} sbc_bind;
typedef struct sbc_tmpfs {
    const char *spec;
    char *dst, *opts;  /* opts: "" or the mount options after ':' */
} sbc_tmpfs;

typedef struct sbc_create_opts {
    const char *image;
    sbc_image *found; /* the image, when the caller has looked it up (taken over) */
    char **cmd;
    int ncmd;
    const char *name, *workdir, *user, *entrypoint, *hostname, *network, *stop_signal;
    int entrypoint_set;
    const char **env, **env_files;
    int nenv, nenv_files;
    const char **labels;     /* --label KEY=VALUE (and --label-file's lines), over the image's */
    int nlabels;
    const char **group_add;  /* --group-add: group names or gids */
    int ngroup_add;
    sbc_bind *binds;
    int nbinds;
    sbc_tmpfs *tmpfs;
    int ntmpfs;
    /* network (see net.h's netopts): --network bridge (default) | none |
     * host | container:NAME, --ip, -p, -P, --dns*, --add-host */
    const char *ip;
    const char **publish, **dns, **dns_search, **dns_options, **add_hosts;
    int npublish, ndns, ndns_search, ndns_options, nadd_hosts, publish_all;
    const char **net_aliases; /* --network-alias (a user network's) */
    int nnet_aliases;
    int read_only, init, interactive, tty, autoremove;
    /* security: --privileged, --cap-add/--cap-drop (names as given),
     * --device HOST[:CONTAINER][:PERMS], --sysctl KEY=VALUE, --security-opt
     * (as given, for HostConfig.SecurityOpt; the applet parses them into
     * no_new_privs, seccomp_unconfined and seccomp_json, the text of a
     * seccomp=PROFILE.json file it read) */
    int privileged, no_new_privs, seccomp_unconfined;
    const char **cap_add, **cap_drop, **devices, **sysctls, **security_opts;
    int ncap_add, ncap_drop, ndevices, nsysctls, nsecurity_opts;
    const char *seccomp_json;
    /* --userns host|remap (NULL: config.json's "userns-remap" decides) */
    const char *userns;
    const char *restart; /* --restart, validated (restart.h) */
    long long memory, pids;
    double cpus;
    /* --ulimit NAME=SOFT[:HARD] (validated), --shm-size (0: 64 MiB),
     * --expose PORT[-PORT][/PROTO], --stop-timeout (when stop_timeout_set) */
    const char **ulimits, **expose;
    int nulimits, nexpose, stop_timeout, stop_timeout_set;
    long long shm_size;
    /* --pid host|private|container:NAME, --ipc none|private|shareable|host|
     * container:NAME, --uts host|private, --cgroupns host|private (NULL:
     * private, as Docker on cgroup v2; the ipc default is "private") */
    const char *pid_mode, *ipc_mode, *uts_mode, *cgroupns;
    /* health checks (health.h): --no-healthcheck, --health-cmd, the
     * durations (ns: interval, timeout, start period, start interval) and
     * --health-retries; over the image's Healthcheck */
    int no_healthcheck, health_retries;
    const char *health_cmd;
    long long health_ns[4];
} sbc_create_opts;

/* Create the container; c is filled (state "created"). */
int sbc_launch_create(sbc_store *st, const sbc_create_opts *o, sbc_container *c, sbc_err *e);

/* Start c.  Foreground (detached = 0): waits, *exit_code gets the
 * container's code; stdin is passed when `interactive` has SBC_START_STDIN
 * (1), stdout and stderr unless it has SBC_START_NO_STDOUT/NO_STDERR
 * (-a: those go to /dev/null); SBC_START_KILL_ON_STOP: SIGINT, SIGTERM or
 * SIGHUP to this process kill the container (sbc_fg_stop_signal, monitor.h,
 * tells which came) rather than being passed on.  Detached: returns
 * once the command runs under its monitor. */
enum { SBC_START_STDIN = 1, SBC_START_NO_STDOUT = 2, SBC_START_NO_STDERR = 4, SBC_START_KILL_ON_STOP = 8 };
int sbc_launch_start(const char *root, sbc_container *c, int detached, int interactive,
                     int *exit_code, sbc_err *e);

/* The detached monitor's entry (argv after "--sbc-monitor": KEY=VALUE words,
 * see launch.c's monitor_argv). */
int sbc_launch_monitor_main(int argc, char **argv);

/* Signal number from "TERM", "SIGKILL" or "9"; -1 if unknown. */
int sbc_signal_from_name(const char *s);

#endif
