/* setup.c - the bridge, a container's veth, address and nf_tables rules, and
 * their teardown (see net.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>

#include "base/config.h"
#include "base/io.h"
#include "base/json.h"
#include "net/ipam.h"
#include "net/net.h"
#include "net/netint.h"
#include "net/netlink.h"
#include "net/nft.h"

/* ---- nf_tables ---- */
void net_nft_base(sbc_nlb *b, const sbc_netconf *c)
{
    const char *t = c->table, *br = c->bridge;
    sbc_nft_add_table(b, t);
    sbc_nft_add_chain(b, t, "ports", NULL, -1, 0);
    sbc_nft_add_chain(b, t, "prerouting", "nat", NF_INET_PRE_ROUTING, -100);
    sbc_nft_add_chain(b, t, "output", "nat", NF_INET_LOCAL_OUT, -100);
    sbc_nft_add_chain(b, t, "postrouting", "nat", NF_INET_POST_ROUTING, 100);
    sbc_nft_add_chain(b, t, "forward", "filter", NF_INET_FORWARD, 0);
    /* The fixed rules are rewritten as a whole in each batch: idempotent,
     * atomic, and they always match the configuration. */
    static const char *const fixed[] = {"prerouting", "output", "postrouting", "forward"};
    for (int i = 0; i < 4; i++)
        sbc_nft_flush_chain(b, t, fixed[i]);
    size_t x;
    /* published ports: traffic to a local address, arriving or local */
    for (int i = 0; i < 2; i++) {
        x = sbc_nft_rule(b, t, i ? "output" : "prerouting");
        sbc_nft_x_local_daddr(b);
        sbc_nft_x_verdict(b, NFT_JUMP, "ports");
        sbc_nft_rule_end(b, x, NULL);
    }
    /* masquerade what leaves the subnet by another interface */
    x = sbc_nft_rule(b, t, "postrouting");
    sbc_nft_x_ip(b, 0, c->subnet.addr, c->subnet.len, 0);
    sbc_nft_x_ifname(b, 1, br, 1);
    sbc_nft_x_counter(b);
    sbc_nft_x_masq(b);
    sbc_nft_rule_end(b, x, NULL);
    /* 127.0.0.1:HOSTPORT from the host itself (route_localnet on the bridge) */
    x = sbc_nft_rule(b, t, "postrouting");
    sbc_nft_x_ifname(b, 1, br, 0);
    sbc_nft_x_ip(b, 0, 0x7f000000u, 8, 0);
    sbc_nft_x_masq(b);
    sbc_nft_rule_end(b, x, NULL);
    /* hairpin: a container reaching a published port of the bridge */
    x = sbc_nft_rule(b, t, "postrouting");
    sbc_nft_x_ifname(b, 1, br, 0);
    sbc_nft_x_ip(b, 0, c->subnet.addr, c->subnet.len, 0);
    sbc_nft_x_ct(b, NFT_CT_STATUS, IPS_DST_NAT);
    sbc_nft_x_masq(b);
    sbc_nft_rule_end(b, x, NULL);
    /* forward: from the bridge; replies and published ports to it; nothing else */
    x = sbc_nft_rule(b, t, "forward");
    sbc_nft_x_ifname(b, 0, br, 0);
    sbc_nft_x_counter(b);
    sbc_nft_x_verdict(b, NF_ACCEPT, NULL);
    sbc_nft_rule_end(b, x, NULL);
    x = sbc_nft_rule(b, t, "forward");
    sbc_nft_x_ifname(b, 1, br, 0);
    sbc_nft_x_ct(b, NFT_CT_STATE, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED));
    sbc_nft_x_verdict(b, NF_ACCEPT, NULL);
    sbc_nft_rule_end(b, x, NULL);
    x = sbc_nft_rule(b, t, "forward");
    sbc_nft_x_ifname(b, 1, br, 0);
    sbc_nft_x_ct(b, NFT_CT_STATUS, IPS_DST_NAT);
    sbc_nft_x_verdict(b, NF_ACCEPT, NULL);
    sbc_nft_rule_end(b, x, NULL);
    x = sbc_nft_rule(b, t, "forward");
    sbc_nft_x_ifname(b, 1, br, 0);
    sbc_nft_x_counter(b);
    sbc_nft_x_verdict(b, NF_DROP, NULL);
    sbc_nft_rule_end(b, x, NULL);
}

static void nft_port_rule(sbc_nlb *b, const sbc_netconf *c, const sbc_port *p, uint32_t ip, const char *cid)
{
    size_t x = sbc_nft_rule(b, c->table, "ports");
    if (p->host_ip)
        sbc_nft_x_ip(b, 1, p->host_ip, 32, 0);
    sbc_nft_x_l4proto(b, p->proto);
    sbc_nft_x_dport(b, p->host_port);
    sbc_nft_x_dnat(b, ip, p->port);
    sbc_nft_rule_end(b, x, cid);
}

struct handles {
    const char *cid;           /* match this comment, or */
    const sbc_leases *live;    /* (prune) comments of no live lease */
    uint64_t *v;
    int n;
    char **cids;
};

static int handle_cb(uint64_t h, const char *comment, void *arg)
{
    struct handles *hs = arg;
    if (hs->cid) {
        if (strcmp(comment, hs->cid))
            return 0;
    } else {
        int i = sbc_lease_find(hs->live, comment);
        if (i >= 0 && sbc_lease_live(&hs->live->v[i]))
            return 0;
    }
    hs->v = sbc_xrealloc(hs->v, sizeof *hs->v * (size_t)(hs->n + 1));
    hs->cids = sbc_xrealloc(hs->cids, sizeof *hs->cids * (size_t)(hs->n + 1));
    hs->cids[hs->n] = sbc_xstrdup(comment);
    hs->v[hs->n++] = h;
    return 0;
}

/* The lock that sbc's changes to the network's port rules take (after the
 * leases' lock when both are held): a listing of the rules that a change
 * interrupts may miss some, so deleting by a listing must not race with
 * adding or deleting. */
int net_nft_lock(const char *netdir, sbc_err *e)
{
    char *p = sbc_xasprintf("%s/nft.lock", netdir);
    int fd = sbc_lock_path(AT_FDCWD, p, e);
    free(p);
    return fd;
}

/* Delete the port rules of cid (or, with live, those of no live lease). */
int net_nft_del_rules(const char *netdir, const char *table, const char *cid, const sbc_leases *live,
                         sbc_net_report_fn *report, void *arg, sbc_err *e)
{
    int r = 0, lk = net_nft_lock(netdir, e);
    if (lk < 0 && e->errnum != ENOENT) /* (no network dir: nobody to race with) */
        return -1;
    for (int attempt = 0; attempt < 10; attempt++) {
        struct handles hs = {cid, live, NULL, 0, NULL};
        r = sbc_nft_rules(table, "ports", handle_cb, &hs, e);
        if (r == 0 && hs.n) {
            sbc_nlb b = {0};
            sbc_nft_begin(&b);
            for (int i = 0; i < hs.n; i++)
                sbc_nft_del_rule(&b, table, "ports", hs.v[i]);
            sbc_nft_end(&b);
            r = sbc_nft_commit(&b, e);
            sbc_nlb_free(&b);
            if (r == 0 && report)
                for (int i = 0; i < hs.n; i++) {
                    char *m = sbc_xasprintf("port rule of %s", hs.cids[i]);
                    report(arg, m);
                    free(m);
                }
        }
        for (int i = 0; i < hs.n; i++)
            free(hs.cids[i]);
        free(hs.cids);
        free(hs.v);
        /* ENOENT: raced with another delete; EINTR: the listing raced
         * with a change (not sbc's) and may have missed rules */
        if (r == 0 || (e->errnum != ENOENT && e->errnum != EINTR))
            break;
    }
    if (lk >= 0)
        close(lk);
    return r;
}

/* ---- setup ---- */
/* The bridge's IPv4 addresses: 1 when c's gateway (with its prefix) is one
 * of them, 0 when it has none, -1 when it has others only (one in oa, ol). */
static int bridge_addr(const sbc_netconf *c, uint32_t *oa, int *ol)
{
    struct ifaddrs *ifa, *i;
    int r = 0;
    if (getifaddrs(&ifa) < 0)
        return 0;
    for (i = ifa; i && r < 1; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || strcmp(i->ifa_name, c->bridge))
            continue;
        uint32_t a = ntohl(((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr.s_addr), m = 0;
        if (i->ifa_netmask)
            m = ntohl(((struct sockaddr_in *)(void *)i->ifa_netmask)->sin_addr.s_addr);
        int len = __builtin_popcount(m);
        if (a == c->gateway && len == c->subnet.len)
            r = 1;
        else
            *oa = a, *ol = len, r = -1;
    }
    freeifaddrs(ifa);
    return r;
}

/* Make the bridge, or adopt one that is there: refused when another store
 * marked it or it has an address that is not the network's gateway (two
 * stores on one bridge: the second's containers would get a gateway that
 * does not exist).  A bridge made here is marked and, on failure, removed. */
int net_ensure_bridge(const sbc_netconf *c, sbc_err *e)
{
    char p[96], other[256], a[16], g[16];
    int idx = sbc_link_index(c->bridge), made = 0, r = 0, own = 0, have = 0, ol = 0;
    uint32_t oa = 0;
    sbc_nl nl;
    if (sbc_nl_open(&nl, NETLINK_ROUTE, e) < 0)
        return -1;
    sbc_nlb b = {0};
    if (idx <= 0) {
        uint8_t mac[6];
        net_mac_of(c->gateway, mac);
        sbc_rtnl_msg_bridge(&b, c->bridge, mac);
        r = sbc_nl_talk(&nl, &b, NULL, NULL, e);
        made = r == 0;
        if (r < 0 && e->errnum == EEXIST)
            r = 0;
        if (r < 0)
            sbc_err_wrap(e, "create bridge %s", c->bridge);
        if (r == 0 && (idx = sbc_link_index(c->bridge)) <= 0)
            r = sbc_err_set(e, SBC_EXIT_FAIL, "bridge %s vanished", c->bridge);
    }
    snprintf(p, sizeof p, "/sys/class/net/%s/bridge", c->bridge);
    if (r == 0 && access(p, F_OK) < 0)
        r = sbc_err_set(e, SBC_EXIT_FAIL, "%s exists and is not a bridge", c->bridge);
    if (r == 0 && (own = net_bridge_owner(c->bridge, other)) < 0)
        r = sbc_err_set(e, SBC_EXIT_FAIL, "bridge %s belongs to another sbc store (%.200s): give this store a bridge "
                        "of its own (\"bridge\" in %s/config.json)", c->bridge, other + 4, sbc_config_dir());
    if (r == 0 && (have = bridge_addr(c, &oa, &ol)) < 0)
        r = sbc_err_set(e, SBC_EXIT_FAIL, "bridge %s has address %s/%d, not the gateway %s/%d of network %s: remove "
                        "the bridge or choose another (\"bridge\" in %s/config.json)", c->bridge, sbc_ip_fmt(oa, a),
                        ol, sbc_ip_fmt(c->gateway, g), c->subnet.len, c->name, sbc_config_dir());
    if (r == 0 && !have) {
        b.len = b.msg = 0;
        sbc_rtnl_msg_addr(&b, 1, idx, c->gateway, c->subnet.len);
        r = sbc_nl_talk(&nl, &b, NULL, NULL, e);
        if (r < 0 && e->errnum == EEXIST)
            r = 0;
        if (r < 0)
            sbc_err_wrap(e, "address of bridge %s", c->bridge);
    }
    if (r == 0 && own == 0 && net_bridge_claim(c->bridge) < 0)
        SBC_DEBUG("mark bridge %s: %s", c->bridge, strerror(errno));
    if (r < 0 && made) {
        sbc_err e2 = {0};
        sbc_link_del(&nl, c->bridge, &e2);
    }
    sbc_nlb_free(&b);
    sbc_nl_close(&nl);
    if (r < 0)
        return -1;
    snprintf(p, sizeof p, "/proc/sys/net/ipv4/conf/%s/route_localnet", c->bridge);
    net_write_proc(p, "1");
    snprintf(p, sizeof p, "/proc/sys/net/ipv6/conf/%s/disable_ipv6", c->bridge);
    net_write_proc(p, "1");
    if (own == 0) /* made or adopted now */
        net_remember((sbc_netconf *)c, made, e);
    return idx;
}

/* Create the veth pair with its peer ifname directly in pid's netns, then
 * address and (eth0) the default route there through one socket made
 * inside it. */
int net_make_veth(const sbc_netconf *c, int bridx, pid_t pid, uint32_t ip, const char *ifname, sbc_err *e)
{
    char veth[16];
    uint8_t mac[6];
    net_veth_of(ip, veth);
    net_mac_of(ip, mac);
    sbc_nl nl;
    if (sbc_nl_open(&nl, NETLINK_ROUTE, e) < 0)
        return -1;
    sbc_nlb b = {0};
    int r = -1;
    for (int attempt = 0; attempt < 6; attempt++) {
        b.len = b.msg = 0;
        sbc_rtnl_msg_veth(&b, veth, bridx, ifname, pid, -1, mac);
        r = sbc_nl_talk(&nl, &b, NULL, NULL, e);
        if (r == 0 || e->errnum != EEXIST || attempt == 5)
            break;
        /* A stale host end with this address's name: its container is gone
         * and its lease free, but the kernel tears the old namespace (and
         * with it the pair) down asynchronously.  Remove it if it is still
         * there, give the kernel a moment, and try again. */
        if (sbc_link_index(veth) > 0)
            sbc_link_del(&nl, veth, e);
        struct timespec ts = {0, 5000000L * (attempt + 1)};
        nanosleep(&ts, NULL);
    }
    sbc_nl_close(&nl);
    if (r < 0) {
        sbc_err_wrap(e, "create veth %s", veth);
        goto out;
    }
    if ((r = sbc_nl_open_netns(&nl, pid, e)) < 0)
        goto out;
    int idx = sbc_link_get(&nl, ifname, e);
    if (idx < 0) {
        r = -1;
    } else {
        b.len = b.msg = 0;
        sbc_rtnl_msg_setlink(&b, idx, NULL, 1, NULL, 0, -1);
        sbc_rtnl_msg_addr(&b, 1, idx, ip, c->subnet.len);
        if (!strcmp(ifname, "eth0"))
            sbc_rtnl_msg_route(&b, 1, 0, 0, c->gateway, idx);
        r = sbc_nl_talk(&nl, &b, NULL, NULL, e);
        if (r < 0)
            sbc_err_wrap(e, "configure %s in the container", ifname);
    }
    sbc_nl_close(&nl);
out:
    sbc_nlb_free(&b);
    return r;
}

/* Remove the leftovers of stale leases (after the lock is released). */
void net_clean_stale(const sbc_netconf *c, struct net_stale *st, int n, sbc_net_report_fn *report,
                     void *arg)
{
    if (!n)
        return;
    sbc_err e = {0};
    sbc_nl nl;
    int have = sbc_nl_open(&nl, NETLINK_ROUTE, &e) == 0;
    for (int i = 0; i < n; i++) {
        char veth[16], a[16];
        net_veth_of(st[i].ip, veth);
        if (have && sbc_link_index(veth) > 0 && sbc_link_del(&nl, veth, &e) == 0 && report) {
            char *m = sbc_xasprintf("veth %s of %s", veth, st[i].cid);
            report(arg, m);
            free(m);
        }
        if (report) {
            char *m = sbc_xasprintf("lease %s of %s", sbc_ip_fmt(st[i].ip, a), st[i].cid);
            report(arg, m);
            free(m);
        }
        if (net_nft_del_rules(c->dir, c->table, st[i].cid, NULL, NULL, NULL, &e) < 0)
            SBC_DEBUG("stale rules of %s: %s", st[i].cid, e.msg);
        free(st[i].cid);
    }
    if (have)
        sbc_nl_close(&nl);
}

int net_take_stale(sbc_leases *l, struct net_stale **st)
{
    int n = 0;
    for (int i = 0; i < l->n;) {
        if (sbc_lease_live(&l->v[i])) {
            i++;
            continue;
        }
        *st = sbc_xrealloc(*st, sizeof **st * (size_t)(n + 1));
        (*st)[n].ip = l->v[i].ip;
        (*st)[n].cid = sbc_xstrdup(l->v[i].cid);
        n++;
        sbc_lease_del(l, i);
    }
    return n;
}

cJSON *net_record(const char *cid, const sbc_netconf *c, uint32_t ip, const sbc_netopts *o)
{
    char a[16], g[16], mac[18], veth[16];
    uint8_t m[6];
    net_mac_of(ip, m);
    snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    net_veth_of(ip, veth);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "mode", "bridge");
    cJSON_AddStringToObject(j, "network", c->name);
    cJSON_AddStringToObject(j, "cid", cid);
    cJSON_AddStringToObject(j, "bridge", c->bridge);
    cJSON_AddStringToObject(j, "table", c->table);
    cJSON_AddStringToObject(j, "netdir", c->dir);
    cJSON_AddStringToObject(j, "ip", sbc_ip_fmt(ip, a));
    cJSON_AddNumberToObject(j, "prefix", c->subnet.len);
    cJSON_AddStringToObject(j, "gateway", sbc_ip_fmt(c->gateway, g));
    cJSON_AddStringToObject(j, "mac", mac);
    cJSON_AddStringToObject(j, "veth", veth);
    net_ports_to_json(cJSON_AddArrayToObject(j, "ports"), o->ports, o->nports);
    if (c->id[0]) { /* a user network: the names others see (names.c) */
        cJSON_AddBoolToObject(j, "user", 1);
        if (o->name)
            cJSON_AddStringToObject(j, "name", o->name);
        if (o->aliases)
            cJSON_AddItemToObject(j, "aliases", cJSON_Duplicate(o->aliases, 1));
    }
    return j;
}

/* net.json of a network that is not the bridge: the mode, and for the
 * keeper of usernet.c its pid, pasta's and their start times, the ports. */
static cJSON *other_record(const char *cid, const sbc_netopts *o, pid_t keeper, pid_t pasta)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "mode", sbc_net_mode_name(o->mode));
    cJSON_AddStringToObject(j, "cid", cid);
    pid_t pids[] = {keeper, pasta};
    static const char *const keys[][2] = {{"keeper_pid", "keeper_start"}, {"pasta_pid", "pasta_start"}};
    for (int i = 0; i < 2; i++)
        if (pids[i] > 0) {
            cJSON_AddNumberToObject(j, keys[i][0], pids[i]);
            cJSON_AddNumberToObject(j, keys[i][1], (double)sbc_proc_starttime(pids[i]));
        }
    net_ports_to_json(cJSON_AddArrayToObject(j, "ports"), o->ports, o->nports);
    return j;
}

/* none, host, container:NAME, pasta, slirp4netns: the /etc files, and
 * the keeper (usernet.c) where a tool or published ports need one. */
static int setup_other(const char *cid, pid_t pid, const int nsfd[2], const char *state_dir, sbc_netopts *o,
                       sbc_err *e)
{
    pid_t keeper = 0, pasta = 0;
    int user = o->mode == SBC_NET_PASTA || o->mode == SBC_NET_SLIRP || (o->mode == SBC_NET_NONE && o->nports);
    if (user && (pid <= 0 || !nsfd || nsfd[1] < 0))
        return sbc_err_set(e, SBC_EXIT_FAIL, "network: no container process with a network namespace of its own");
    if (user && net_user_start(pid, nsfd, state_dir, o, &pasta, &keeper, e) < 0)
        return -1;
    cJSON *j = other_record(cid, o, keeper, pasta);
    int r = net_put_json(state_dir, "net.json", j, e);
    /* (lo of a container's own netns: set up by the container's init;
     * slirp4netns answers DNS on 10.0.2.3) */
    cJSON *dns = NULL;
    if (o->mode == SBC_NET_SLIRP && !o->dns)
        o->dns = dns = cJSON_CreateStringArray((const char *const[]){"10.0.2.3"}, 1);
    if (r == 0)
        r = net_write_etc(state_dir, cid, o, NULL, NULL, e);
    if (dns) {
        o->dns = NULL;
        cJSON_Delete(dns);
    }
    if (r < 0)
        net_user_kill(j);
    cJSON_Delete(j);
    return r;
}

int sbc_net_setup(const char *cid, pid_t pid, const int nsfd[2], const char *state_dir, const sbc_netopts *opts,
                  sbc_err *e)
{
    if (!cid || !net_valid_cid(cid))
        return sbc_err_set(e, SBC_EXIT_FAIL, "network: invalid container id");
    if (!state_dir || !net_valid_path(state_dir))
        return sbc_err_set(e, SBC_EXIT_FAIL, "network: state dir must be an absolute path without blanks");
    /* a copy whose ports get their host ports chosen */
    sbc_netopts o = {.mode = SBC_NET_BRIDGE};
    if (opts) {
        o = *opts;
        o.ports = NULL;
        if (opts->nports) {
            o.ports = sbc_xmalloc(sizeof *o.ports * (size_t)opts->nports);
            memcpy(o.ports, opts->ports, sizeof *o.ports * (size_t)opts->nports);
        }
    }
    int r = -1;
    sbc_netconf c = {0};
    if (o.mode != SBC_NET_BRIDGE) {
        r = setup_other(cid, pid, nsfd, state_dir, &o, e);
        free(o.ports);
        return r;
    }
    if (pid <= 0) {
        free(o.ports);
        return sbc_err_set(e, SBC_EXIT_FAIL, "network: no container process");
    }
    /* 1. under the network's lock: network, address, ports, records */
    sbc_leases l = {.fd = -1};
    struct net_stale *st = NULL;
    int nst = 0, bridx = -1, recorded = 0;
    char *dir = NULL;
    uint32_t ip = 0;
    dir = sbc_xasprintf("%s/network/%s", sbc_root_dir(), o.network ? o.network : SBC_NET_DEFAULT);
    if (o.network && (sbc_net_load(&c, o.network, 0, e) < 0 || (sbc_net_config_free(&c), 0)))
        goto fail; /* (a user network must exist: sbc_leases_open would make its dir) */
    if (sbc_leases_open(&l, dir, e) < 0 || sbc_net_load(&c, o.network, 1, e) < 0)
        goto fail;
    nst = net_take_stale(&l, &st);
    if (sbc_lease_find(&l, cid) >= 0) {
        sbc_err_set(e, SBC_EXIT_FAIL, "container %.64s is already connected to network %s", cid, c.name);
        goto fail;
    }
    if (sbc_lease_pick(&l, c.subnet, c.gateway, o.ip, 0, &ip, e) < 0 || net_resolve_ports(&o, &l, e) < 0)
        goto fail;
    if ((bridx = net_ensure_bridge(&c, e)) < 0) {
        if (c.fresh && !l.n) { /* refused: not remembered, so another bridge can be configured */
            char *np = sbc_xasprintf("%s/network.json", c.dir);
            unlink(np);
            free(np);
        }
        goto fail;
    }
    cJSON *rec = net_record(cid, &c, ip, &o);
    r = net_put_json(state_dir, "net.json", rec, e);
    cJSON_Delete(rec);
    if (r < 0)
        goto fail;
    recorded = 1;
    sbc_buf pl = {0};
    net_ports_lease_str(o.ports, o.nports, &pl);
    sbc_lease_add(&l, ip, cid, state_dir, pl.data);
    sbc_buf_free(&pl);
    if ((r = sbc_leases_save(&l, e)) < 0)
        goto fail;
    sbc_leases_close(&l);
    /* 2. the pair, the address, the routes */
    if ((r = net_make_veth(&c, bridx, pid, ip, "eth0", e)) < 0)
        goto fail;
    /* 3. one nf_tables transaction: table, chains, fixed rules, ports */
    sbc_nlb b = {0};
    sbc_nft_begin(&b);
    net_nft_base(&b, &c);
    for (int i = 0; i < o.nports; i++)
        nft_port_rule(&b, &c, &o.ports[i], ip, cid);
    sbc_nft_end(&b);
    int lk = net_nft_lock(dir, e);
    r = lk < 0 ? -1 : sbc_nft_commit(&b, e);
    if (lk >= 0)
        close(lk);
    sbc_nlb_free(&b);
    if (r < 0)
        goto fail;
    if (net_write_proc("/proc/sys/net/ipv4/ip_forward", "1") < 0)
        SBC_DEBUG("cannot enable IPv4 forwarding: %s", strerror(errno));
    char a[16];
    if ((r = net_write_etc(state_dir, cid, &o, &c, sbc_ip_fmt(ip, a), e)) < 0)
        goto fail;
    if (c.id[0])
        net_names_join(&c, cid, state_dir, "net.json");
    net_clean_stale(&c, st, nst, NULL, NULL);
    free(st);
    free(o.ports);
    free(dir);
    sbc_net_config_free(&c);
    return 0;
fail:
    sbc_leases_close(&l);
    if (recorded) {
        sbc_err e2 = {0};
        if (sbc_net_teardown(state_dir, &e2) < 0)
            SBC_DEBUG("undo network setup: %s", e2.msg);
    }
    net_clean_stale(&c, st, nst, NULL, NULL);
    free(st);
    free(o.ports);
    free(dir);
    sbc_net_config_free(&c);
    return -1;
}

/* ---- teardown ---- */
int net_teardown_file(const char *state_dir, const char *file, int del_veth, sbc_err *e)
{
    char *p = sbc_xasprintf("%s/%s", state_dir, file);
    if (access(p, F_OK) < 0) {
        free(p);
        return 0;
    }
    cJSON *j = sbc_json_read(AT_FDCWD, p, e);
    free(p);
    if (!j)
        return -1;
    const char *mode = sbc_json_str(j, "mode"), *cid = sbc_json_str(j, "cid"), *netdir = sbc_json_str(j, "netdir"),
               *table = sbc_json_str(j, "table"), *ips = sbc_json_str(j, "ip");
    if (mode && strcmp(mode, "bridge"))
        net_user_kill(j);
    uint32_t ip = 0;
    if (!mode || strcmp(mode, "bridge") || !cid || !netdir || !table || sbc_ip_parse(ips, &ip) < 0) {
        cJSON_Delete(j);
        return 0;
    }
    int r = 0, other = 0;
    struct stat sst;
    int have_dir = stat(netdir, &sst) == 0;
    /* the port rules go first, while the lease still holds their host
     * ports: a new container cannot take one while the old rule is there */
    if (sbc_json_arr(j, "ports") && cJSON_GetArraySize(sbc_json_arr(j, "ports")))
        r = net_nft_del_rules(netdir, table, cid, NULL, NULL, NULL, e);
    if (r == 0 && have_dir) {
        sbc_leases l;
        if (sbc_leases_open(&l, netdir, e) < 0) {
            cJSON_Delete(j);
            return -1;
        }
        int i = sbc_lease_find(&l, cid);
        if (i >= 0) {
            sbc_lease_del(&l, i);
            r = sbc_leases_save(&l, e);
        }
        if (sbc_json_bool(j, "user", 0) && sbc_json_str(j, "network"))
            net_names_leave(&l, sbc_json_str(j, "network"), ips);
        for (int k = 0; k < l.n; k++)
            other |= l.v[k].ip == ip;
        sbc_leases_close(&l);
    }
    if (r == 0 && !other && del_veth) { /* the name is ours unless the address was given to another */
        char veth[16];
        net_veth_of(ip, veth);
        if (sbc_link_index(veth) > 0) {
            sbc_nl nl;
            r = sbc_nl_open(&nl, NETLINK_ROUTE, e);
            if (r == 0) {
                r = sbc_link_del(&nl, veth, e);
                sbc_nl_close(&nl);
            }
        }
    }
    cJSON_Delete(j);
    return r;
}

/* The networks connected later (net-NAME.json, connect.c) go first. */
static int teardown(const char *state_dir, int del_veth, sbc_err *e)
{
    int dfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;
    char **names = NULL;
    size_t n = 0;
    if (dfd >= 0) {
        sbc_dir_names(dfd, &names, &n);
        close(dfd);
    }
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(names[i]);
        if (r == 0 && !strncmp(names[i], "net-", 4) && k > 9 && !strcmp(names[i] + k - 5, ".json") &&
            (r = net_teardown_file(state_dir, names[i], del_veth, e)) == 0) {
            char *p = sbc_xasprintf("%s/%s", state_dir, names[i]);
            unlink(p);
            free(p);
        }
    }
    sbc_names_free(names, n);
    return r < 0 ? -1 : net_teardown_file(state_dir, "net.json", del_veth, e);
}

int sbc_net_teardown(const char *state_dir, sbc_err *e)
{
    return teardown(state_dir, 1, e);
}

int sbc_net_release(const char *state_dir, sbc_err *e)
{
    if (teardown(state_dir, 0, e) < 0)
        return -1;
    char *p = sbc_xasprintf("%s/net.json", state_dir);
    int r = unlink(p) < 0 && errno != ENOENT ? sbc_err_sys(e, "unlink %s", p) : 0;
    free(p);
    return r;
}
