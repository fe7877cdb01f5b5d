/* net.c - the bridge network's configuration and the applet's operations
 * (prune, remove, inspect), and the helpers the net/ files share. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <time.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "base/config.h"
#include "base/digest.h"
#include "base/time.h"
#include "base/io.h"
#include "base/json.h"
#include "net/ipam.h"
#include "net/net.h"
#include "net/netint.h"
#include "net/netlink.h"
#include "net/nft.h"

/* ---- small helpers ---- */
/* Replace dir/name with sbc_write_atomic_scratch (no fsync: a container's
 * network files are as durable as its state dir, and written on its start
 * path). */
int net_put_file(const char *dir, const char *name, const char *data, size_t len, sbc_err *e)
{
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s/%s", dir, name) >= (int)sizeof p)
        return sbc_err_set(e, 0, "%s/%s: path too long", dir, name);
    return sbc_write_atomic_scratch(AT_FDCWD, p, data, len, 0644, e);
}

int net_put_json(const char *dir, const char *name, const cJSON *j, sbc_err *e)
{
    char *s = cJSON_PrintUnformatted(j);
    int r = net_put_file(dir, name, s, strlen(s), e);
    free(s);
    return r;
}

int net_write_proc(const char *path, const char *v)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int r = sbc_write_full(fd, v, strlen(v));
    close(fd);
    return r;
}

int net_valid_ifname(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 15 || !strcmp(s, ".") || !strcmp(s, ".."))
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
            return 0;
    return 1;
}

/* host names: letters, digits, '-', '.', '_' ; 1..253 */
int net_valid_hostname(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253 || *s == '-' || *s == '.')
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("-._", *s))
            return 0;
    return 1;
}

int net_valid_cid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
            return 0;
    return 1;
}

int net_valid_path(const char *s)
{
    if (s[0] != '/' || strlen(s) >= PATH_MAX - 32)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == 0x7f)
            return 0;
    return 1;
}

void net_mac_of(uint32_t ip, uint8_t mac[6])
{
    mac[0] = 0x02, mac[1] = 0x42;
    mac[2] = (uint8_t)(ip >> 24), mac[3] = (uint8_t)(ip >> 16), mac[4] = (uint8_t)(ip >> 8), mac[5] = (uint8_t)ip;
}

void net_veth_of(uint32_t ip, char name[16]) { snprintf(name, 16, "vsbc%08x", ip); }

/* ---- whose bridge ---- */
static void owner_mark(char out[256]) { snprintf(out, 256, "sbc:%s", sbc_root_dir()); }

int net_bridge_owner(const char *br, char other[256])
{
    char p[64], mine[256];
    snprintf(p, sizeof p, "/sys/class/net/%s/ifalias", br);
    other[0] = 0;
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    ssize_t k = fd < 0 ? -1 : sbc_read_full(fd, other, 255);
    if (fd >= 0)
        close(fd);
    other[k > 0 ? k : 0] = 0;
    other[strcspn(other, "\n")] = 0;
    owner_mark(mine);
    if (strncmp(other, "sbc:", 4))
        return 0;
    return strcmp(other, mine) ? -1 : 1;
}

int net_bridge_claim(const char *br)
{
    char p[64], mine[256];
    snprintf(p, sizeof p, "/sys/class/net/%s/ifalias", br);
    owner_mark(mine);
    return net_write_proc(p, mine);
}

/* ---- configuration ---- */
void sbc_net_config_free(sbc_netconf *c)
{
    free(c->dir);
    cJSON_Delete(c->labels);
    cJSON_Delete(c->cfg);
    memset(c, 0, sizeof *c);
}

int net_remember(sbc_netconf *c, int bridge_created, sbc_err *e)
{
    char a[16], g[16];
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "name", c->name);
    cJSON_AddStringToObject(j, "driver", "bridge");
    cJSON_AddStringToObject(j, "bridge", c->bridge);
    char sub[24];
    snprintf(sub, sizeof sub, "%s/%d", sbc_ip_fmt(c->subnet.addr, a), c->subnet.len);
    cJSON_AddStringToObject(j, "subnet", sub);
    cJSON_AddStringToObject(j, "gateway", sbc_ip_fmt(c->gateway, g));
    cJSON_AddStringToObject(j, "table", c->table);
    cJSON_AddBoolToObject(j, "bridge_created", bridge_created);
    if (!c->created[0]) /* kept when a reboot's bridge is made again */
        sbc_time_now(c->created, SBC_TIME_NSEC);
    cJSON_AddStringToObject(j, "created", c->created);
    if (c->id[0]) {
        cJSON_AddStringToObject(j, "id", c->id);
        if (c->labels)
            cJSON_AddItemToObject(j, "labels", cJSON_Duplicate(c->labels, 1));
    }
    int r = sbc_mkdir_p(c->dir, 0700, e) < 0 ? -1 : net_put_json(c->dir, "network.json", j, e);
    cJSON_Delete(j);
    if (r == 0)
        c->remembered = 1;
    return r;
}

int sbc_net_config(sbc_netconf *c, int create, sbc_err *e)
{
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", SBC_NET_DEFAULT);
    c->dir = sbc_xasprintf("%s/network/%s", sbc_root_dir(), c->name);
    char *p = sbc_xasprintf("%s/config.json", sbc_config_dir());
    if (access(p, F_OK) == 0) {
        c->cfg = sbc_json_read(AT_FDCWD, p, e);
        if (!c->cfg) {
            free(p);
            return -1;
        }
    }
    free(p);
    const char *br = sbc_json_str(c->cfg, "bridge"), *sub = sbc_json_str(c->cfg, "subnet"),
               *gw = sbc_json_str(c->cfg, "gateway");
    c->dns = sbc_json_arr(c->cfg, "dns");
    if (!br)
        br = "sbc0";
    if (!net_valid_ifname(br))
        return sbc_err_set(e, SBC_EXIT_FAIL, "config: bridge \"%.32s\": not a valid interface name (1-15 of A-Z a-z 0-9 _ . -)", br);
    snprintf(c->bridge, sizeof c->bridge, "%s", br);
    snprintf(c->table, sizeof c->table, "sbc-%s", br);
    sbc_prefix cs = {0, 0};
    uint32_t cg = 0;
    if (sub && (sbc_cidr_parse(sub, &cs, 0) < 0 || cs.len < 8 || cs.len > 30))
        return sbc_err_set(e, SBC_EXIT_FAIL, "config: subnet \"%.40s\": want an IPv4 network a.b.c.d/8..30", sub);
    if (gw && (!sub || sbc_ip_parse(gw, &cg) < 0 || !sbc_prefix_contains(cs, cg) || cg == cs.addr ||
               cg == (cs.addr | (0xffffffffu >> cs.len))))
        return sbc_err_set(e, SBC_EXIT_FAIL, "config: gateway \"%.40s\": want a host address of the subnet", gw);
    /* the remembered network */
    sbc_err e2 = {0};
    char *np = sbc_xasprintf("%s/network.json", c->dir);
    cJSON *rj = access(np, F_OK) == 0 ? sbc_json_read(AT_FDCWD, np, &e2) : NULL;
    free(np);
    sbc_prefix rs = {0, 0};
    uint32_t rg = 0;
    if (rj && sbc_cidr_parse(sbc_json_str(rj, "subnet"), &rs, 0) == 0 &&
        sbc_ip_parse(sbc_json_str(rj, "gateway"), &rg) == 0 && sbc_json_str(rj, "bridge")) {
        c->remembered = 1;
        int differs = strcmp(sbc_json_str(rj, "bridge"), c->bridge) || (sub && (rs.addr != cs.addr || rs.len != cs.len)) ||
                      (gw && cg != rg);
        if (differs && create < 0) { /* rm, prune: the network as it was made */
            snprintf(c->bridge, sizeof c->bridge, "%.15s", sbc_json_str(rj, "bridge"));
            snprintf(c->table, sizeof c->table, "sbc-%s", c->bridge);
        } else if (differs) {
            char a[16];
            sbc_err_set(e, SBC_EXIT_FAIL,
                        "network %s exists with bridge %s and subnet %s/%d, but the configuration differs: "
                        "remove it first with sbc-network rm %s",
                        c->name, sbc_json_str(rj, "bridge"), sbc_ip_fmt(rs.addr, a), rs.len, c->name);
            cJSON_Delete(rj);
            return -1;
        }
        c->subnet = rs;
        c->gateway = rg;
        snprintf(c->created, sizeof c->created, "%s", sbc_json_str(rj, "created") ? sbc_json_str(rj, "created") : "");
    } else if (sub) {
        c->subnet = cs;
        c->gateway = gw ? cg : cs.addr + 1;
    }
    cJSON_Delete(rj);
    if (!c->subnet.len && create > 0) {
        sbc_prefix *used = NULL;
        int n = 0;
        char defif[16];
        if (sbc_host_prefixes(&used, &n, defif, e) < 0)
            return -1;
        int r = sbc_subnet_pick(used, n, &c->subnet);
        free(used);
        if (r < 0)
            return sbc_err_set(e, SBC_EXIT_FAIL, "no free private subnet for network %s: set \"subnet\" in %s/config.json",
                               c->name, sbc_config_dir());
        c->gateway = c->subnet.addr + 1;
        char a[16];
        SBC_DEBUG("network %s: chose subnet %s/%d", c->name, sbc_ip_fmt(c->subnet.addr, a), c->subnet.len);
    }
    if (create > 0 && !c->remembered && (c->fresh = 1) && net_remember(c, 0, e) < 0)
        return -1;
    return 0;
}

/* ---- user networks ---- */
static int valid_netname(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || !isalnum((unsigned char)*s))
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
            return 0;
    return 1;
}

int sbc_net_load(sbc_netconf *c, const char *name, int create, sbc_err *e)
{
    if (!name || !strcmp(name, SBC_NET_DEFAULT) || !strcmp(name, "default"))
        return sbc_net_config(c, create, e);
    memset(c, 0, sizeof *c);
    if (!valid_netname(name))
        return sbc_err_set(e, SBC_EXIT_FAIL, "network %.64s not found", name);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->dir = sbc_xasprintf("%s/network/%s", sbc_root_dir(), name);
    char *np = sbc_xasprintf("%s/network.json", c->dir);
    sbc_err e2 = {0};
    cJSON *j = access(np, F_OK) == 0 ? sbc_json_read(AT_FDCWD, np, &e2) : NULL;
    free(np);
    const char *br = sbc_json_str(j, "bridge"), *id = sbc_json_str(j, "id");
    if (!j || !br || !net_valid_ifname(br) || !id || strlen(id) > 64 ||
        sbc_cidr_parse(sbc_json_str(j, "subnet"), &c->subnet, 0) < 0 ||
        sbc_ip_parse(sbc_json_str(j, "gateway"), &c->gateway) < 0) {
        cJSON_Delete(j);
        return sbc_err_set(e, SBC_EXIT_FAIL, "network %.64s not found", name);
    }
    snprintf(c->bridge, sizeof c->bridge, "%s", br);
    snprintf(c->table, sizeof c->table, "sbc-%s", br);
    snprintf(c->id, sizeof c->id, "%s", id);
    snprintf(c->created, sizeof c->created, "%s", sbc_json_str(j, "created") ? sbc_json_str(j, "created") : "");
    c->labels = cJSON_DetachItemFromObjectCaseSensitive(j, "labels");
    c->remembered = 1;
    cJSON_Delete(j);
    return 0;
}

int sbc_net_user_names(char ***names, size_t *n)
{
    char *p = sbc_xasprintf("%s/network", sbc_root_dir());
    int dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(p);
    *names = NULL, *n = 0;
    if (dfd < 0)
        return 0;
    char **all;
    size_t k = 0;
    int r = sbc_dir_names(dfd, &all, &k);
    for (size_t i = 0; r == 0 && i < k; i++) {
        char *f = sbc_xasprintf("%s/network.json", all[i]);
        if (strcmp(all[i], SBC_NET_DEFAULT) && valid_netname(all[i]) && faccessat(dfd, f, F_OK, 0) == 0) {
            *names = sbc_xrealloc(*names, sizeof **names * (*n + 1));
            (*names)[(*n)++] = all[i];
            all[i] = NULL;
        }
        free(f);
    }
    if (r == 0)
        sbc_names_free(all, k);
    close(dfd);
    return r;
}

/* The subnet of a new network: given (checked) or chosen, free of the
 * host's prefixes and of the store's other networks. */
static int new_subnet(sbc_netconf *c, const char *subnet, const char *gateway, sbc_err *e)
{
    sbc_prefix *used = NULL;
    int n = 0;
    char defif[16], a[16];
    if (subnet && (sbc_cidr_parse(subnet, &c->subnet, 0) < 0 || c->subnet.len < 8 || c->subnet.len > 30))
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid subnet \"%.40s\": want an IPv4 network a.b.c.d/8..30", subnet);
    if (gateway && (!subnet || sbc_ip_parse(gateway, &c->gateway) < 0 || !sbc_prefix_contains(c->subnet, c->gateway) ||
                    c->gateway == c->subnet.addr || c->gateway == (c->subnet.addr | (0xffffffffu >> c->subnet.len))))
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid gateway \"%.40s\": want a host address of the subnet", gateway);
    if (sbc_host_prefixes(&used, &n, defif, e) < 0)
        return -1;
    char **names;
    size_t k;
    sbc_net_user_names(&names, &k);
    for (size_t i = 0; i <= k; i++) {
        sbc_netconf o;
        sbc_err e2 = {0};
        if (sbc_net_load(&o, i < k ? names[i] : NULL, 0, &e2) == 0 && o.subnet.len) {
            used = sbc_xrealloc(used, sizeof *used * (size_t)(n + 1));
            used[n++] = o.subnet;
        }
        sbc_net_config_free(&o);
    }
    sbc_names_free(names, k);
    int r = 0;
    if (subnet) {
        for (int i = 0; i < n && r == 0; i++)
            if (sbc_prefix_overlap(used[i], c->subnet))
                r = sbc_err_set(e, SBC_EXIT_FAIL, "subnet %s/%d overlaps %s/%d, in use on this host", sbc_ip_fmt(c->subnet.addr, a),
                                c->subnet.len, sbc_ip_fmt(used[i].addr, defif), used[i].len);
    } else if (sbc_subnet_pick(used, n, &c->subnet) < 0) {
        r = sbc_err_set(e, SBC_EXIT_FAIL, "no free private subnet: give one with --subnet");
    }
    if (!gateway)
        c->gateway = c->subnet.addr + 1;
    free(used);
    return r;
}

int sbc_net_create(const char *name, const char *subnet, const char *gateway, const cJSON *labels, char id[65],
                   sbc_err *e)
{
    if (!valid_netname(name) || !strcmp(name, "host") || !strcmp(name, "none") || !strcmp(name, "default") ||
        !strcmp(name, SBC_NET_DEFAULT))
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid network name \"%.64s\" (want [a-zA-Z0-9][a-zA-Z0-9_.-]*, not "
                           "bridge, default, host or none)", name);
    char *p = sbc_xasprintf("%s/network", sbc_root_dir());
    if (sbc_mkdir_p(p, 0700, e) < 0) {
        free(p);
        return -1;
    }
    char *lp = sbc_xasprintf("%s/create.lock", p);
    int lk = sbc_lock_path(AT_FDCWD, lp, e), r = -1;
    free(lp);
    free(p);
    if (lk < 0)
        return -1;
    sbc_netconf c = {0};
    snprintf(c.name, sizeof c.name, "%s", name);
    c.dir = sbc_xasprintf("%s/network/%s", sbc_root_dir(), name);
    unsigned char rnd[32];
    if (access(c.dir, F_OK) == 0) {
        sbc_err_set(e, SBC_EXIT_FAIL, "network with name %s already exists", name);
    } else if (getentropy(rnd, sizeof rnd) < 0) {
        sbc_err_sys(e, "getentropy");
    } else if (new_subnet(&c, subnet, gateway, e) == 0) {
        for (int i = 0; i < 32; i++)
            snprintf(c.id + 2 * i, 3, "%02x", rnd[i]);
        snprintf(c.bridge, sizeof c.bridge, "sbc-%.11s", c.id);
        snprintf(c.table, sizeof c.table, "sbc-%s", c.bridge);
        c.labels = labels ? cJSON_Duplicate(labels, 1) : NULL;
        r = net_remember(&c, 0, e) < 0 || net_ensure_bridge(&c, e) < 0 ? -1 : 0;
        if (r < 0) {
            sbc_err e2 = {0};
            sbc_rm_rf(AT_FDCWD, c.dir, &e2);
        } else {
            memcpy(id, c.id, 65);
        }
    }
    close(lk);
    sbc_net_config_free(&c);
    return r;
}

/* ---- the applet's operations ---- */
/* Stale leases of the network name, with their veths and rules. */
static int prune_leases(const char *name, sbc_net_report_fn *report, void *arg, sbc_err *e)
{
    sbc_netconf c;
    if (sbc_net_load(&c, name, -1, e) < 0) {
        sbc_net_config_free(&c);
        return -1;
    }
    struct stat sst;
    if (stat(c.dir, &sst) < 0) {
        sbc_net_config_free(&c);
        return 0;
    }
    sbc_leases l;
    if (sbc_leases_open(&l, c.dir, e) < 0) {
        sbc_net_config_free(&c);
        return -1;
    }
    struct net_stale *st = NULL;
    int n = net_take_stale(&l, &st), r = 0;
    if (n)
        r = sbc_leases_save(&l, e);
    /* rules of no live lease, found while the leases are locked */
    char other[256]; /* (another store's bridge: its table is not ours either) */
    if (r == 0 && net_bridge_owner(c.bridge, other) >= 0)
        r = net_nft_del_rules(c.dir, c.table, NULL, &l, report, arg, e);
    sbc_leases_close(&l);
    net_clean_stale(&c, st, n, report, arg);
    free(st);
    sbc_net_config_free(&c);
    return r;
}

int sbc_net_prune(sbc_net_report_fn *report, void *arg, sbc_err *e)
{
    int r = prune_leases(NULL, report, arg, e);
    /* and the user networks that no container uses */
    char **names;
    size_t k;
    sbc_net_user_names(&names, &k);
    for (size_t i = 0; r == 0 && i < k; i++) {
        sbc_err e2 = {0};
        if (prune_leases(names[i], report, arg, e) < 0)
            r = -1;
        else if (sbc_net_remove(names[i], 0, &e2) < 0) {
            SBC_DEBUG("prune: network %s kept: %s", names[i], e2.msg);
        } else if (report) {
            char *m = sbc_xasprintf("network %s", names[i]);
            report(arg, m);
            free(m);
        }
    }
    sbc_names_free(names, k);
    return r;
}

int sbc_net_remove(const char *name, int force, sbc_err *e)
{
    if (!strcmp(name, "host") || !strcmp(name, "none"))
        return sbc_err_set(e, SBC_EXIT_FAIL, "%s is a pre-defined network and cannot be removed", name);
    sbc_netconf c;
    if (sbc_net_load(&c, name, -1, e) < 0) {
        sbc_net_config_free(&c);
        return -1;
    }
    struct stat sst;
    int r = 0, have_dir = stat(c.dir, &sst) == 0;
    sbc_leases l = {.fd = -1};
    if (have_dir && sbc_leases_open(&l, c.dir, e) < 0) {
        sbc_net_config_free(&c);
        return -1;
    }
    int live = 0;
    for (int i = 0; i < l.n; i++)
        live += sbc_lease_live(&l.v[i]);
    if (live && !force) {
        r = sbc_err_set(e, SBC_EXIT_FAIL, "network %s has %d active container%s", name, live, live == 1 ? "" : "s");
        goto out;
    }
    sbc_nl nl;
    if ((r = sbc_nl_open(&nl, NETLINK_ROUTE, e)) < 0)
        goto out;
    for (int i = 0; i < l.n && r == 0; i++) {
        char veth[16];
        net_veth_of(l.v[i].ip, veth);
        r = sbc_link_del(&nl, veth, e);
    }
    /* the bridge goes only when sbc made it (or it is sbc's and unused);
     * another store's bridge and table stay */
    char other[256];
    int foreign = sbc_link_index(c.bridge) > 0 && net_bridge_owner(c.bridge, other) < 0;
    if (r == 0 && !foreign && sbc_link_index(c.bridge) > 0 && c.remembered)
        r = sbc_link_del(&nl, c.bridge, e);
    sbc_nl_close(&nl);
    if (r == 0 && !foreign && sbc_nft_table_exists(c.table, e) == 1) {
        sbc_nlb b = {0};
        sbc_nft_begin(&b);
        sbc_nft_del_table(&b, c.table);
        sbc_nft_end(&b);
        r = sbc_nft_commit(&b, e);
        sbc_nlb_free(&b);
    }
    if (r == 0 && have_dir)
        r = sbc_rm_rf(AT_FDCWD, c.dir, e);
out:
    sbc_leases_close(&l);
    sbc_net_config_free(&c);
    return r;
}

/* Name, Id (a built-in network's: one derived from the store and its name,
 * stable as Docker's), Created (as recorded, else the time of file `made`,
 * else of the store) */
static void net_inspect_common(cJSON *j, const char *name, const char *id, const char *created, const char *made)
{
    char d[SBC_DIGEST_SIZE], t[SBC_TIME_MAX];
    snprintf(t, sizeof t, "%s", created ? created : "");
    if (!id || !*id) {
        char *k = sbc_xasprintf("sbc network %s %s", sbc_root_dir(), name);
        sbc_sha256_digest(k, strlen(k), d);
        free(k);
        id = sbc_digest_hex(d);
    }
    struct stat st;
    if (!t[0] && (stat(made, &st) == 0 || stat(sbc_root_dir(), &st) == 0))
        sbc_time_fmt(t, &st.st_mtim, SBC_TIME_NSEC);
    cJSON_AddStringToObject(j, "Name", name);
    cJSON_AddStringToObject(j, "Id", id);
    cJSON_AddStringToObject(j, "Created", t);
    cJSON_AddStringToObject(j, "Scope", "local");
}

cJSON *sbc_net_inspect(const char *name, sbc_err *e)
{
    cJSON *j = cJSON_CreateObject();
    if (!strcmp(name, "host") || !strcmp(name, "none")) {
        net_inspect_common(j, name, NULL, NULL, sbc_root_dir());
        cJSON_AddStringToObject(j, "Driver", !strcmp(name, "host") ? "host" : "null");
        return j;
    }
    sbc_netconf c;
    if (sbc_net_load(&c, name, 0, e) < 0) {
        sbc_net_config_free(&c);
        cJSON_Delete(j);
        return NULL;
    }
    char a[16], sub[24], defif[16] = "";
    char *np = sbc_xasprintf("%s/network.json", c.dir);
    net_inspect_common(j, c.name, c.id, c.created, np);
    free(np);
    cJSON_AddStringToObject(j, "Driver", "bridge");
    cJSON_AddItemToObject(j, "Labels", c.labels ? cJSON_Duplicate(c.labels, 1) : cJSON_CreateObject());
    cJSON_AddStringToObject(j, "Bridge", c.bridge);
    if (c.subnet.len) {
        snprintf(sub, sizeof sub, "%s/%d", sbc_ip_fmt(c.subnet.addr, a), c.subnet.len);
        cJSON_AddStringToObject(j, "Subnet", sub);
        cJSON_AddStringToObject(j, "Gateway", sbc_ip_fmt(c.gateway, a));
    } else {
        cJSON_AddNullToObject(j, "Subnet");
        cJSON_AddNullToObject(j, "Gateway");
    }
    cJSON_AddStringToObject(j, "Table", c.table);
    cJSON_AddBoolToObject(j, "BridgeExists", sbc_link_index(c.bridge) > 0);
    sbc_prefix *used = NULL;
    int n = 0;
    sbc_err e2 = {0};
    if (sbc_host_prefixes(&used, &n, defif, &e2) == 0)
        free(used);
    sbc_json_add_str(j, "EgressInterface", defif[0] ? defif : NULL);
    /* nf_tables: a drop in any base chain wins over sbc's accept */
    cJSON *warn = cJSON_AddArrayToObject(j, "Warnings");
    if (sbc_nft_chain_policy("filter", "FORWARD") == NF_DROP)
        cJSON_AddItemToArray(warn, cJSON_CreateString("table ip filter, chain FORWARD (iptables) has policy drop: "
                                                      "forwarded container traffic is dropped unless a rule there accepts it"));
    cJSON *ctrs = cJSON_AddArrayToObject(j, "Containers");
    struct stat sst;
    sbc_leases l;
    if (stat(c.dir, &sst) == 0 && sbc_leases_open(&l, c.dir, &e2) == 0) {
        for (int i = 0; i < l.n; i++) {
            cJSON *x = cJSON_CreateObject();
            char mac[18], veth[16];
            uint8_t m[6];
            net_mac_of(l.v[i].ip, m);
            snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
            net_veth_of(l.v[i].ip, veth);
            cJSON_AddStringToObject(x, "Id", l.v[i].cid);
            cJSON_AddStringToObject(x, "IPv4Address", sbc_ip_fmt(l.v[i].ip, a));
            cJSON_AddStringToObject(x, "MacAddress", mac);
            cJSON_AddStringToObject(x, "Veth", veth);
            cJSON_AddStringToObject(x, "StateDir", l.v[i].state_dir);
            char *ps = sbc_net_ports_string(l.v[i].state_dir);
            cJSON_AddStringToObject(x, "Ports", ps);
            free(ps);
            cJSON_AddBoolToObject(x, "Live", sbc_lease_live(&l.v[i]));
            cJSON_AddItemToArray(ctrs, x);
        }
        sbc_leases_close(&l);
    }
    sbc_net_config_free(&c);
    return j;
}
