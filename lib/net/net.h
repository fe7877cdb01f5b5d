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
 * netopts (the JSON `run` hands over; every key optional):
 *   "mode":       "bridge" (default) | "none" | "host" | "container"
 *   "container_state_dir": for "container": the target's state dir (its
 *                 hosts/resolv.conf are shared)
 *   "name":       container name (added to /etc/hosts)
 *   "hostname":   the container's hostname (default: first 12 of the id)
 *   "ip":         fixed address in the subnet (--ip)
 *   "publish":    ["[IP:][HOSTPORT:]CTRPORT[/tcp|udp]", ...] (-p)
 *   "publish_all": true (-P), with
 *   "exposed":    ["80/tcp", "53/udp", ...] (the image's ExposedPorts keys)
 *   "dns": [...], "dns_search": [...], "dns_options": [...]
 *   "add_hosts":  ["host:ip", ...] (ip may be "host-gateway")
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

#define SBC_NET_DEFAULT "bridge"

/* ---- published ports ---- */
typedef struct sbc_port {
    uint32_t host_ip;    /* host order; 0 = all addresses */
    uint16_t host_port;  /* 0 = choose a free one */
    uint16_t port;       /* in the container */
    uint8_t proto;       /* IPPROTO_TCP / IPPROTO_UDP */
} sbc_port;
/* Parse "[IP:][HOSTPORT:]CTRPORT[/tcp|udp]" (Docker's -p); 0 or -1. */
int sbc_port_parse(const char *spec, sbc_port *p, sbc_err *e);
/* "0.0.0.0:8080->80/tcp" */
void sbc_port_fmt(const sbc_port *p, char *buf, size_t n);
/* The published ports of the container whose state dir is given, as
 * `docker ps` shows them ("0.0.0.0:8080->80/tcp, 0.0.0.0:5353->53/udp");
 * "" when none.  malloc'd, never NULL. */
char *sbc_net_ports_string(const char *state_dir);

/* ---- the network ---- */
typedef struct sbc_netconf {
    char name[16];     /* "bridge" */
    char bridge[16];
    char table[24];    /* "sbc-<bridge>" */
    char *dir;         /* $SBC_ROOT/network/<name> */
    sbc_prefix subnet; /* len 0: not chosen yet */
    uint32_t gateway;
    int remembered;    /* network.json exists */
    cJSON *dns;        /* config's default nameservers, or NULL */
    cJSON *cfg;        /* the config document (owns dns) */
} sbc_netconf;
/* Load the configuration and the remembered network.  create: choose and
 * remember a subnet when none is configured or remembered (caller holds the
 * leases lock). */
int sbc_net_config(sbc_netconf *c, int create, sbc_err *e);
void sbc_net_config_free(sbc_netconf *c);

/* Check netopts before anything is created (modes, --ip, -p, --dns,
 * --add-host, names); 0 or -1 with a clear message. */
int sbc_net_validate(const cJSON *netopts, sbc_err *e);
/* Set up the network of the container cid whose first process is pid (in
 * its new netns, waiting).  On failure everything made is undone. */
int sbc_net_setup(const char *cid, pid_t pid, const char *state_dir, const cJSON *netopts, sbc_err *e);
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
 * veth and rules, and rules of no lease.  Calls report(what) per item. */
int sbc_net_prune(void (*report)(const char *what), sbc_err *e);
/* Remove the network: bridge, nft table, its dir.  Refused while a live
 * container holds a lease, unless force. */
int sbc_net_remove(const char *name, int force, sbc_err *e);
/* Describe the network as JSON (Docker's network inspect, roughly). */
cJSON *sbc_net_inspect(const char *name, sbc_err *e);

/* ---- files ---- */
/* /etc/hosts: localhost lines, "ip hostname [name]" (when ip), then
 * add_hosts ("host:ip"; "host-gateway" = gateway). */
int sbc_net_hosts(sbc_buf *out, const char *ip, const char *hostname, const char *name,
                  const cJSON *add_hosts, const char *gateway, sbc_err *e);
/* /etc/resolv.conf from the host's text: its search/options lines and
 * nameservers, except loopback ones (unusable in a netns) which are replaced
 * by the non-loopback nameservers of systemd_text (systemd-resolved's
 * upstream list, may be NULL), else 8.8.8.8 and 8.8.4.4.  dns/search/
 * options (JSON string arrays, may be NULL) replace the host's.  keep_loopback
 * for host networking. */
void sbc_net_resolv(sbc_buf *out, const char *host_text, const char *systemd_text, const cJSON *dns,
                    const cJSON *search, const cJSON *options, int keep_loopback);

#endif
