/* run.h - the option parsing run.c shares with create.c. */
#ifndef SBC_APPLET_RUN_H
#define SBC_APPLET_RUN_H
#include "runtime/container.h"
#include "runtime/launch.h"
#include "image/store.h"

/* The option lines of sbc-run's and sbc-create's usage (all but -d). */
#define RUN_OPTIONS_HELP \
    "  -i, --interactive       keep stdin open (pass it to the container)\n" \
    "  -t, --tty               allocate a pseudo-terminal\n" \
    "      --rm                remove the container when it exits\n" \
    "      --name NAME         assign a name to the container\n" \
    "  -e, --env KEY=VALUE     set an environment variable (KEY alone: the caller's)\n" \
    "      --env-file FILE     read environment variables from a file\n" \
    "  -l, --label KEY=VALUE   set a label (over the image's), shown by inspect\n" \
    "      --label-file FILE   read labels from a file (KEY=VALUE lines, # comments)\n" \
    "  -w, --workdir DIR       working directory inside the container\n" \
    "  -u, --user USER[:GROUP] user (name or uid) and group\n" \
    "      --group-add GROUP   an additional group (name or gid)\n" \
    "      --entrypoint CMD    override the image's entrypoint\n" \
    "  -h, --hostname NAME     container host name\n" \
    "  -v, --volume HOST:CTR[:ro]  bind mount a host path (/HOST), a named volume\n" \
    "                          (NAME: made on first use) or, with /CTR alone, an\n" \
    "                          anonymous volume\n" \
    "      --mount type=bind|volume|tmpfs,source=,target=[,readonly][,volume-nocopy]\n" \
    "                          [,tmpfs-size=][,tmpfs-mode=]  Docker's long form\n" \
    "      --tmpfs PATH[:OPTS] mount a tmpfs\n" \
    "      --read-only         mount the root file system read-only\n" \
    "  -m, --memory BYTES      memory limit (e.g. 64m)\n" \
    "      --cpus N            CPU quota (e.g. 0.5)\n" \
    "      --pids-limit N      maximum number of processes\n" \
    "      --network MODE      bridge (default), none, host, container:NAME or a\n" \
    "                          user network (sbc-network create)\n" \
    "      --network-alias A   another name of the container on a user network\n" \
    "      --ip ADDR           fixed IPv4 address on the bridge network\n" \
    "  -p, --publish [IP:][HOSTPORT:]PORT[/tcp|udp]  publish a container port\n" \
    "  -P, --publish-all       publish the image's exposed ports on random ports\n" \
    "      --dns IP            nameserver for /etc/resolv.conf (repeatable)\n" \
    "      --dns-search DOMAIN search domain for /etc/resolv.conf\n" \
    "      --dns-option OPT    option for /etc/resolv.conf\n" \
    "      --add-host HOST:IP  add a line to /etc/hosts (IP may be host-gateway)\n" \
    "      --init              run sbc as PID 1 (reaps zombies, forwards signals)\n" \
    "      --privileged        every capability and host device, no masked or read-only\n" \
    "                          paths, /sys writable, no seccomp filter\n" \
    "      --cap-add CAP       add a capability (NET_ADMIN or CAP_NET_ADMIN; ALL)\n" \
    "      --cap-drop CAP      drop a capability (ALL: every one)\n" \
    "      --security-opt OPT  no-new-privileges[=true|false], seccomp=unconfined or\n" \
    "                          seccomp=PROFILE.json (Docker's profile format)\n" \
    "      --device HOST[:CONTAINER][:PERMS]  add a host device (PERMS: rwm)\n" \
    "      --sysctl KEY=VALUE  set a namespaced sysctl (kernel.shm*, kernel.msg*,\n" \
    "                          kernel.sem, fs.mqueue.*, net.*)\n" \
    "      --userns MODE       host, or remap: container root is an unprivileged\n" \
    "                          range of host ids (default: config.json's userns-remap)\n" \
    "      --cidfile FILE      write the container ID to FILE\n" \
    "      --stop-signal SIG   signal to stop the container (default SIGTERM)\n" \
    "      --restart POLICY    no (default), on-failure[:N], always or unless-stopped:\n" \
    "                          the monitor of a detached container restarts it\n" \
    "                          (100 ms back-off doubling to 1 min, reset after\n" \
    "                          10 s up); a user's stop or kill holds it until a\n" \
    "                          start; after a reboot `sbc-start --all-restart`\n" \
    "      --pull POLICY       missing (default), always or never\n" \
    "      --stop-timeout N    seconds sbc-stop waits before SIGKILL (default 10;\n" \
    "                          -1: no limit)\n" \
    "      --ulimit NAME=SOFT[:HARD]  a resource limit (nofile, nproc, core, stack,\n" \
    "                          memlock, ...; -1 or unlimited: none)\n" \
    "      --shm-size BYTES    size of /dev/shm (default 64m)\n" \
    "      --expose PORT[-PORT][/PROTO]  expose ports (for -P) without publishing\n" \
    "      --pid MODE          host, private (default) or container:NAME (its PID\n" \
    "                          namespace)\n" \
    "      --ipc MODE          private (default), shareable, none (no /dev/shm),\n" \
    "                          host or container:NAME (a shareable one's IPC\n" \
    "                          namespace and /dev/shm)\n" \
    "      --uts MODE          host (the host's name; no -h) or private (default)\n" \
    "      --cgroupns MODE     private (default: /sys/fs/cgroup shows the\n" \
    "                          container's own cgroup) or host\n" \
    "  -a, --attach STREAM     STDIN, STDOUT or STDERR: only these (repeatable; not\n" \
    "                          with -d)\n" \
    "      --sig-proxy=false   signals to sbc-run are not passed on: it only shows\n" \
    "                          the output of the container, which its own monitor\n" \
    "                          runs (default true; not with -t or -i)\n" \
    "      --health-cmd CMD    health check run in the container (/bin/sh -c CMD):\n" \
    "                          exit 0 healthy, else a failure\n" \
    "      --health-interval D time between checks (default 30s; D as 1m30s, 500ms)\n" \
    "      --health-timeout D  a longer check is killed and fails (default 30s)\n" \
    "      --health-retries N  failures in a row that make it unhealthy (default 3)\n" \
    "      --health-start-period D  failures within it do not count until healthy\n" \
    "      --health-start-interval D  time between checks in the start period (5s)\n" \
    "      --no-healthcheck    disable the image's HEALTHCHECK\n"

typedef struct run_cli {
    sbc_create_opts o;
    int detach;
    int attach;     /* -a: 1 stdin, 2 stdout, 4 stderr (0: as Docker, all) */
    int sig_proxy;  /* --sig-proxy (default 1) */
    const char *cidfile, *pull;
} run_cli;

void sbc_run_parse(int argc, char **argv, run_cli *r);
/* Pull when needed, create the container, write the cidfile. */
int sbc_run_create(run_cli *r, sbc_container *c, sbc_store *st, sbc_err *e);

#endif
