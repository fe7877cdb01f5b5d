/* netint.h - what the files of lib/net share among themselves; nothing
 * outside lib/net includes it. */
#ifndef SBC_NET_NETINT_H
#define SBC_NET_NETINT_H
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "base/err.h"
#include "base/io.h"
#include "net/ipam.h"
#include "net/net.h"

/* net.c: small helpers */
/* Replace dir/name (sbc_write_atomic_scratch: no fsync). */
int net_put_file(const char *dir, const char *name, const char *data, size_t len, sbc_err *e);
int net_put_json(const char *dir, const char *name, const cJSON *j, sbc_err *e);
int net_write_proc(const char *path, const char *v);
int net_valid_ifname(const char *s);
int net_valid_hostname(const char *s);   /* letters, digits, '-', '.', '_'; 1..253 */
int net_valid_cid(const char *s);
int net_valid_path(const char *s);      /* absolute, no blanks or controls */
void net_mac_of(uint32_t ip, uint8_t mac[6]);
void net_veth_of(uint32_t ip, char name[16]);
/* Write network.json (the network as chosen), noting whether the bridge
 * was just created. */
int net_remember(sbc_netconf *c, int bridge_created, sbc_err *e);

/* Whose bridge: sbc marks the bridges it makes or adopts with the interface
 * alias "sbc:$SBC_ROOT" (`ip link show` prints it), so that two stores on
 * one host never share one (with two lease files, one subnet or two).
 * 1: this store's, 0: no mark, -1: another store's (its mark in other). */
int net_bridge_owner(const char *br, char other[256]);
int net_bridge_claim(const char *br);

/* options.c: split "host:ip" (--add-host) at the first ':'; 0 or -1 */
int net_add_host_split(const char *s, char *host, size_t hn, const char **ip);

/* ports.c */
/* Lease port list "tcp:IP:HP:CP,..." of ports ("-" when none). */
void net_ports_lease_str(const sbc_port *v, int n, sbc_buf *b);
int net_port_clash(const sbc_port *a, const sbc_port *b);
/* Does the lease's port list clash with p? */
int net_lease_port_clash(const char *list, const sbc_port *p);
/* net.json's "ports" array appended to *out. */
int net_ports_from_json(const cJSON *arr, sbc_port **out, int *n);
/* Choose host ports for o's ports without one and check the others are free. */
int net_resolve_ports(sbc_netopts *o, const sbc_leases *l, sbc_err *e);

/* net.json's "ports" array: the ports appended to arr. */
void net_ports_to_json(cJSON *arr, const sbc_port *v, int n);

/* usernet.c: the keeper of a network without root (pasta, slirp4netns,
 * published ports through sbc's forwarder).  Start it for the container
 * whose init is pid, its user and network namespaces open in nsfd (the
 * user's -1 when it has none of its own): the ports' free host ports are chosen (o's written
 * back), *pasta and *keeper get their pids; 0, or -1 with one line. */
int net_user_start(pid_t pid, const int nsfd[2], const char *state_dir, sbc_netopts *o, pid_t *pasta, pid_t *keeper,
                   sbc_err *e);
/* End the keeper and pasta recorded in net.json j (their start times
 * checked: never another process of a reused pid). */
void net_user_kill(const cJSON *j);
/* The program name on PATH, or NULL (malloc'd). */
char *net_find_tool(const char *name);

/* etcfiles.c: write state_dir/hosts and state_dir/resolv.conf (c and ip
 * NULL outside the bridge). */
int net_write_etc(const char *state_dir, const char *cid, const sbc_netopts *o, const sbc_netconf *c,
                  const char *ip, sbc_err *e);

/* names.c: a user network's names in its members' hosts files (see there).
 * join: cid (its net.json written) gets the others' lines and they its own;
 * leave (the leases of net locked, the leaver's gone): ip's lines go. */
void net_names_join(const sbc_netconf *c, const char *cid, const char *state_dir, const char *file);
void net_names_leave(const sbc_leases *l, const char *net, const char *ip);

/* setup.c */
int net_make_veth(const sbc_netconf *c, int bridx, pid_t pid, uint32_t ip, const char *ifname, sbc_err *e);
void net_nft_base(sbc_nlb *b, const sbc_netconf *c);
cJSON *net_record(const char *cid, const sbc_netconf *c, uint32_t ip, const sbc_netopts *o);
/* Undo the record state_dir/file (net.json, net-NAME.json): rules, lease,
 * names, and the veth when del_veth. */
int net_teardown_file(const char *state_dir, const char *file, int del_veth, sbc_err *e);
/* Make the bridge of c or adopt the one there (see setup.c); its ifindex or -1. */
int net_ensure_bridge(const sbc_netconf *c, sbc_err *e);
int net_nft_lock(const char *netdir, sbc_err *e);
/* Delete cid's rules (cid NULL: the rules of no lease in live), reporting each. */
int net_nft_del_rules(const char *netdir, const char *table, const char *cid, const sbc_leases *live,
                      sbc_net_report_fn *report, void *arg, sbc_err *e);
struct net_stale {
    uint32_t ip;
    char *cid;
};
/* Move the leases whose container is gone out of l into *st; their count. */
int net_take_stale(sbc_leases *l, struct net_stale **st);
/* Remove their veths and rules (after the lock is released). */
void net_clean_stale(const sbc_netconf *c, struct net_stale *st, int n, sbc_net_report_fn *report,
                     void *arg);

#endif
