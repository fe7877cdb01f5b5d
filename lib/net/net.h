/* net.h - container networking: the default bridge network, per-container
 * veth + address + NAT + published ports, /etc/hosts and /etc/resolv.conf.
 *
 * Configuration ($SBC_CONFIG_DIR/config.json, all optional):
 *   "bridge":  name of the bridge (default "sbc0", at most 15 characters)
 *   "subnet":  IPv4 CIDR of the network, e.g. "10.99.0.0/24" (default: a
 *              private /16 or /24 that overlaps no address or route of the
 *              host, chosen once and remembered)
 *   "gateway": the bridge's address (default: the subnet's first address)
 *   "dns":     ["1.1.1.1", ...] default nameservers for containers
 * The network is remembered in $SBC_ROOT/network/bridge/network.json and
 * its leases live in $SBC_ROOT/network/bridge/leases (see ipam.h).  Its
 * firewall is the nf_tables table "ip sbc-<bridge>" (chains prerouting,
 * output, postrouting (nat), forward (filter) and ports); sbc never touches
 * any other table.  Limitation: an accept in sbc's forward chain cannot
 * override a drop in another base chain (e.g. iptables' FORWARD policy DROP
 * set by Docker or firewalld); sbc_net_setup warns (--debug) when it sees one.
 *
 * A container's options are net/options.h's, its published ports
 * net/ports.h's, its /etc files net/etcfiles.h's.
 *
 * Everything sbc_net_setup makes is recorded first in state_dir/net.json;
 * it also writes state_dir/hosts and state_dir/resolv.conf for the runtime
 * to bind-mount on /etc/hosts and /etc/resolv.conf.
 */
#ifndef SBC_NET_H
#define SBC_NET_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <cjson/cJSON.h>
#include "base/err.h"
#include "base/io.h"
#include "net/netlink.h"
#include "net/options.h"
#include "net/ports.h"

#define SBC_NET_DEFAULT "bridge"

/* ---- the network ---- */
typedef struct sbc_netconf {
    char name[64];     /* "bridge", or a user network's */
    char id[65];       /* a user network's id (hex), "" for bridge */
    cJSON *labels;     /* a user network's labels (owned), or NULL */
    char bridge[16];
    char table[24];    /* "sbc-<bridge>" */
    char *dir;         /* $SBC_ROOT/network/<name> */
    sbc_prefix subnet; /* len 0: not chosen yet */
    uint32_t gateway;
    char created[40];  /* network.json's "created" (RFC 3339), or "" */
    int remembered;    /* network.json exists */
    int fresh;         /* network.json written by this sbc_net_config */
    cJSON *dns;        /* config's default nameservers, or NULL */
    cJSON *cfg;        /* the config document (owns dns) */
} sbc_netconf;
/* Load the configuration and the remembered network.  create > 0: choose
 * and remember a subnet when none is configured or remembered (caller holds
 * the leases lock); create < 0 (rm, prune): a remembered network wins over a
 * configuration that differs, which is otherwise refused. */
int sbc_net_config(sbc_netconf *c, int create, sbc_err *e);
void sbc_net_config_free(sbc_netconf *c);
/* The network called name: "bridge" (or NULL) as sbc_net_config, else a
 * user network (network create), which must exist. */
int sbc_net_load(sbc_netconf *c, const char *name, int create, sbc_err *e);

/* ---- user networks ---- */
/* $SBC_ROOT/network/NAME/network.json, with the bridge "sbc-" + 11 of its id,
 * its own leases and nf_tables table "ip sbc-sbc-ID".  subnet/gateway NULL:
 * a free private subnet (none of the host's prefixes or the store's
 * networks), its first address.  The bridge is made now.  labels: an object
 * of strings or NULL (not kept).  id gets the network's id. */
int sbc_net_create(const char *name, const char *subnet, const char *gateway, const cJSON *labels, char id[65],
                   sbc_err *e);
/* Connect the running container cid (its first process pid, its state
 * dir, name and aliases for the others' hosts files) to the user network
 * net: a veth ethN, no default route; undone by disconnect, teardown and
 * release. */
int sbc_net_connect(const char *net, const char *cid, pid_t pid, const char *state_dir, const char *name,
                    const cJSON *aliases, sbc_err *e);
int sbc_net_disconnect(const char *net, const char *state_dir, sbc_err *e);
/* The names of the user networks (sorted, malloc'd; sbc_names_free). */
int sbc_net_user_names(char ***names, size_t *n);

/* Check parsed options against the network before anything is created
 * (--ip in the subnet, not the gateway); 0 or -1 with a clear message. */
int sbc_net_validate(const sbc_netopts *o, sbc_err *e);
/* Set up the network of the container cid whose first process is pid (in
 * its new netns, waiting); nsfd (or NULL): its user and network
 * namespaces, open (-1: not its own); o NULL: the defaults.  On failure
 * everything made is undone. */
int sbc_net_setup(const char *cid, pid_t pid, const int nsfd[2], const char *state_dir, const sbc_netopts *o,
                  sbc_err *e);
/* Undo sbc_net_setup from state_dir/net.json: veth, lease, nft rules.
 * Idempotent; nothing recorded is fine. */
int sbc_net_teardown(const char *state_dir, sbc_err *e);

/* The same for a container whose processes are dead: lease and rules go,
 * the veth is left to the kernel, which deletes it with the container's
 * netns (deleting it here costs ~10 ms of unregister_netdevice on the
 * exit path; a name still there when its address is taken again is
 * replaced by sbc_net_setup).  net.json is removed. */
int sbc_net_release(const char *state_dir, sbc_err *e);

/* Remove stale leases (their container's state dir is gone) with their
 * veth and rules, and rules of no lease.  Calls report(arg, what) per item
 * removed ("veth sbc0a1b2c3 of CID"); report may be NULL. */
typedef void sbc_net_report_fn(void *arg, const char *what);
int sbc_net_prune(sbc_net_report_fn *report, void *arg, sbc_err *e);
/* Remove the network: bridge, nft table, its dir.  Refused while a live
 * container holds a lease, unless force. */
int sbc_net_remove(const char *name, int force, sbc_err *e);
/* A rootless container's default network: "pasta" or else "slirp4netns"
 * when installed and /dev/net/tun is usable, else "none". */
const char *sbc_net_user_default(void);
/* --network pasta|slirp4netns: the tool is there and can work; 0 or -1. */
int sbc_net_tool_check(const char *mode, sbc_err *e);
/* Describe the network as JSON (Docker's network inspect, roughly). */
cJSON *sbc_net_inspect(const char *name, sbc_err *e);

#endif
