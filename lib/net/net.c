/* net.c - container networking on sbc's own netlink and nf_tables code. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
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
#include "net/ipam.h"
#include "base/json.h"
#include "net/net.h"
#include "net/netlink.h"
#include "net/nft.h"

enum { M_BRIDGE, M_NONE, M_HOST, M_CONTAINER };

/* ---- small helpers ---- */
static const char *sbc_root(void)
{
    const char *r = getenv("SBC_ROOT");
    return r && *r ? r : "/var/lib/sbc";
}

/* Replace dir/name with sbc_write_atomic_scratch (no fsync: a container's
 * network files are as durable as its state dir, and written on its start
 * path). */
static int put_file(const char *dir, const char *name, const char *data, size_t len, sbc_err *e)
{
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s/%s", dir, name) >= (int)sizeof p)
        return sbc_err_set(e, 0, "%s/%s: path too long", dir, name);
    return sbc_write_atomic_scratch(AT_FDCWD, p, data, len, 0644, e);
}

static int put_json(const char *dir, const char *name, const cJSON *j, sbc_err *e)
{
    char *s = cJSON_PrintUnformatted(j);
    int r = put_file(dir, name, s, strlen(s), e);
    free(s);
    return r;
}

static int write_proc(const char *path, const char *v)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int r = sbc_write_full(fd, v, strlen(v));
    close(fd);
    return r;
}

static int valid_ifname(const char *s)
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
static int valid_hostname(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253 || *s == '-' || *s == '.')
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("-._", *s))
            return 0;
    return 1;
}

static int valid_cid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
            return 0;
    return 1;
}

static int valid_path(const char *s)
{
    if (s[0] != '/' || strlen(s) >= PATH_MAX - 32)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == 0x7f)
            return 0;
    return 1;
}

static void mac_of(uint32_t ip, uint8_t mac[6])
{
    mac[0] = 0x02, mac[1] = 0x42;
    mac[2] = (uint8_t)(ip >> 24), mac[3] = (uint8_t)(ip >> 16), mac[4] = (uint8_t)(ip >> 8), mac[5] = (uint8_t)ip;
}

static void veth_of(uint32_t ip, char name[16]) { snprintf(name, 16, "vsbc%08x", ip); }

/* ---- ports ---- */
static int port_num(const char *s, size_t n, uint16_t *out, int zero_ok)
{
    if (n == 0 && zero_ok) {
        *out = 0;
        return 0;
    }
    if (n == 0 || n > 5)
        return -1;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v == 0 || v > 65535)
        return -1;
    *out = (uint16_t)v;
    return 0;
}

int sbc_port_parse(const char *spec, sbc_port *p, sbc_err *e)
{
    memset(p, 0, sizeof *p);
    p->proto = IPPROTO_TCP;
    size_t n = strlen(spec);
    if (n == 0 || n > 64)
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid port specification: \"%.64s\"", spec);
    char s[72];
    memcpy(s, spec, n + 1);
    char *sl = strchr(s, '/');
    if (sl) {
        *sl++ = 0;
        if (!strcmp(sl, "udp"))
            p->proto = IPPROTO_UDP;
        else if (strcmp(sl, "tcp"))
            return sbc_err_set(e, SBC_EXIT_FAIL, "invalid port specification: \"%s\": protocol must be tcp or udp", spec);
    }
    if (strchr(s, '[') || strchr(s, '-'))
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid port specification: \"%s\": %s", spec,
                           strchr(s, '[') ? "IPv6 addresses are not supported" : "port ranges are not supported");
    char *f[3];
    int nf = 0;
    f[nf++] = s;
    for (char *c = s; *c; c++)
        if (*c == ':') {
            if (nf == 3)
                return sbc_err_set(e, SBC_EXIT_FAIL, "invalid port specification: \"%s\"", spec);
            *c = 0;
            f[nf++] = c + 1;
        }
    const char *ip = nf == 3 ? f[0] : NULL, *hp = nf >= 2 ? f[nf - 2] : "", *cp = f[nf - 1];
    if (ip && *ip && sbc_ip_parse(ip, &p->host_ip) < 0)
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid port specification: \"%s\": bad IP address \"%s\"", spec, ip);
    if (port_num(hp, strlen(hp), &p->host_port, 1) < 0 || port_num(cp, strlen(cp), &p->port, 0) < 0)
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid port specification: \"%s\": ports must be 1-65535", spec);
    return 0;
}

void sbc_port_fmt(const sbc_port *p, char *buf, size_t n)
{
    char ip[16];
    snprintf(buf, n, "%s:%u->%u/%s", sbc_ip_fmt(p->host_ip, ip), p->host_port, p->port,
             p->proto == IPPROTO_UDP ? "udp" : "tcp");
}

/* Lease port list "tcp:IP:HP:CP,..." <-> ports. */
static void ports_lease_str(const sbc_port *v, int n, sbc_buf *b)
{
    char ip[16];
    for (int i = 0; i < n; i++)
        sbc_buf_printf(b, "%s%s:%s:%u:%u", i ? "," : "", v[i].proto == IPPROTO_UDP ? "udp" : "tcp",
                       sbc_ip_fmt(v[i].host_ip, ip), v[i].host_port, v[i].port);
    if (!n)
        sbc_buf_adds(b, "-");
}

static int port_clash(const sbc_port *a, const sbc_port *b)
{
    return a->proto == b->proto && a->host_port == b->host_port &&
           (!a->host_ip || !b->host_ip || a->host_ip == b->host_ip);
}

/* Does the lease's port list clash with p? */
static int lease_port_clash(const char *list, const sbc_port *p)
{
    char proto[4], ip[16];
    unsigned hp, cp;
    for (const char *s = list; s && *s;) {
        if (sscanf(s, "%3[a-z]:%15[0-9.]:%u:%u", proto, ip, &hp, &cp) == 4) {
            sbc_port q = {0, (uint16_t)hp, (uint16_t)cp, strcmp(proto, "udp") ? IPPROTO_TCP : IPPROTO_UDP};
            sbc_ip_parse(ip, &q.host_ip);
            if (port_clash(&q, p))
                return 1;
        }
        s = strchr(s, ',');
        if (s)
            s++;
    }
    return 0;
}

/* Try to bind the host port (as a server would): 0 = free; with
 * host_port 0 the kernel picks one and *got receives it. */
static int port_try_bind(const sbc_port *p, uint16_t *got)
{
    int s = socket(AF_INET, (p->proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    int one = 1;
    if (p->proto == IPPROTO_TCP)
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(p->host_port),
                             .sin_addr.s_addr = htonl(p->host_ip)};
    int r = bind(s, (struct sockaddr *)&sa, sizeof sa);
    if (r == 0 && got) {
        socklen_t l = sizeof sa;
        r = getsockname(s, (struct sockaddr *)&sa, &l);
        *got = ntohs(sa.sin_port);
    }
    int saved = errno;
    close(s);
    errno = saved;
    return r;
}

static int ports_from_json(const cJSON *arr, sbc_port **out, int *n)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) {
        sbc_port p = {0};
        const char *proto = sbc_json_str(it, "proto"), *ip = sbc_json_str(it, "host_ip");
        p.proto = proto && !strcmp(proto, "udp") ? IPPROTO_UDP : IPPROTO_TCP;
        if (ip)
            sbc_ip_parse(ip, &p.host_ip);
        p.host_port = (uint16_t)sbc_json_int(it, "host_port", 0);
        p.port = (uint16_t)sbc_json_int(it, "port", 0);
        *out = sbc_xrealloc(*out, sizeof **out * (size_t)(*n + 1));
        (*out)[(*n)++] = p;
    }
    return 0;
}

char *sbc_net_ports_string(const char *state_dir)
{
    sbc_err e = {0};
    char *p = sbc_xasprintf("%s/net.json", state_dir);
    cJSON *j = sbc_json_read(AT_FDCWD, p, &e);
    free(p);
    sbc_buf b = {0};
    sbc_buf_adds(&b, "");
    sbc_port *v = NULL;
    int n = 0;
    if (j)
        ports_from_json(sbc_json_arr(j, "ports"), &v, &n);
    for (int i = 0; i < n; i++) {
        char s[64];
        sbc_port_fmt(&v[i], s, sizeof s);
        sbc_buf_printf(&b, "%s%s", i ? ", " : "", s);
    }
    free(v);
    cJSON_Delete(j);
    return b.data;
}

/* ---- configuration ---- */
void sbc_net_config_free(sbc_netconf *c)
{
    free(c->dir);
    cJSON_Delete(c->cfg);
    memset(c, 0, sizeof *c);
}

static int remember(sbc_netconf *c, int bridge_created, sbc_err *e)
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
    int r = sbc_mkdir_p(c->dir, 0700, e) < 0 ? -1 : put_json(c->dir, "network.json", j, e);
    cJSON_Delete(j);
    if (r == 0)
        c->remembered = 1;
    return r;
}

int sbc_net_config(sbc_netconf *c, int create, sbc_err *e)
{
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", SBC_NET_DEFAULT);
    c->dir = sbc_xasprintf("%s/network/%s", sbc_root(), c->name);
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
    if (!valid_ifname(br))
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
        if (strcmp(sbc_json_str(rj, "bridge"), c->bridge) || (sub && (rs.addr != cs.addr || rs.len != cs.len)) ||
            (gw && cg != rg)) {
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
    } else if (sub) {
        c->subnet = cs;
        c->gateway = gw ? cg : cs.addr + 1;
    }
    cJSON_Delete(rj);
    if (!c->subnet.len && create) {
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
    if (create && !c->remembered && remember(c, 0, e) < 0)
        return -1;
    return 0;
}

/* ---- netopts ---- */
struct nopts {
    int mode;
    uint32_t ip;
    sbc_port *ports;
    int nports;
    int publish_all;
    const char *name, *hostname, *ctr_dir;
    const cJSON *dns, *search, *options, *add_hosts, *exposed;
};

static int str_array(const cJSON *o, const char *key, const cJSON **out, sbc_err *e)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key), *it;
    *out = NULL;
    if (!a || cJSON_IsNull(a))
        return 0;
    if (!cJSON_IsArray(a))
        return sbc_err_set(e, SBC_EXIT_FAIL, "network options: %s: want a list of strings", key);
    cJSON_ArrayForEach(it, a) if (!cJSON_IsString(it) || strlen(it->valuestring) > 255)
        return sbc_err_set(e, SBC_EXIT_FAIL, "network options: %s: want a list of strings", key);
    *out = a;
    return 0;
}

static int add_host_split(const char *s, char *host, size_t hn, const char **ip)
{
    const char *c = strchr(s, ':');
    if (!c || (size_t)(c - s) >= hn)
        return -1;
    memcpy(host, s, (size_t)(c - s));
    host[c - s] = 0;
    *ip = c + 1;
    return 0;
}

static int parse_opts(const cJSON *j, struct nopts *o, sbc_err *e)
{
    memset(o, 0, sizeof *o);
    if (j && !cJSON_IsObject(j))
        return sbc_err_set(e, SBC_EXIT_FAIL, "network options: want a JSON object");
    const char *m = sbc_json_str(j, "mode");
    if (!m || !strcmp(m, "bridge") || !strcmp(m, "default"))
        o->mode = M_BRIDGE;
    else if (!strcmp(m, "none"))
        o->mode = M_NONE;
    else if (!strcmp(m, "host"))
        o->mode = M_HOST;
    else if (!strcmp(m, "container"))
        o->mode = M_CONTAINER;
    else
        return sbc_err_set(e, SBC_EXIT_FAIL, "network \"%.64s\" not found (use bridge, none, host or container:NAME)", m);
    o->name = sbc_json_str(j, "name");
    o->hostname = sbc_json_str(j, "hostname");
    o->ctr_dir = sbc_json_str(j, "container_state_dir");
    if (o->name && *o->name == '/')
        o->name++;
    if (o->name && *o->name && !valid_hostname(o->name))
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid container name \"%.64s\" for /etc/hosts", o->name);
    if (o->hostname && (!valid_hostname(o->hostname) || strlen(o->hostname) > 63))
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid hostname \"%.64s\"", o->hostname);
    if (o->ctr_dir && !valid_path(o->ctr_dir))
        return sbc_err_set(e, SBC_EXIT_FAIL, "network options: container_state_dir: not a plain absolute path");
    const char *ip = sbc_json_str(j, "ip");
    if (ip && sbc_ip_parse(ip, &o->ip) < 0)
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid IPv4 address: \"%.64s\"", ip);
    if (ip && o->mode != M_BRIDGE)
        return sbc_err_set(e, SBC_EXIT_FAIL, "--ip needs the bridge network");
    const cJSON *pub, *it;
    if (str_array(j, "publish", &pub, e) < 0 || str_array(j, "exposed", &o->exposed, e) < 0 ||
        str_array(j, "dns", &o->dns, e) < 0 || str_array(j, "dns_search", &o->search, e) < 0 ||
        str_array(j, "dns_options", &o->options, e) < 0 || str_array(j, "add_hosts", &o->add_hosts, e) < 0)
        return -1;
    o->publish_all = sbc_json_bool(j, "publish_all", 0);
    cJSON_ArrayForEach(it, pub) {
        sbc_port p;
        if (sbc_port_parse(it->valuestring, &p, e) < 0)
            goto bad;
        o->ports = sbc_xrealloc(o->ports, sizeof *o->ports * (size_t)(o->nports + 1));
        o->ports[o->nports++] = p;
    }
    if (o->publish_all) {
        cJSON_ArrayForEach(it, o->exposed) {
            sbc_port p;
            if (sbc_port_parse(it->valuestring, &p, e) < 0 || p.host_port || p.host_ip) {
                if (!e->msg[0] || p.host_port || p.host_ip)
                    sbc_err_set(e, SBC_EXIT_FAIL, "invalid exposed port \"%.64s\"", it->valuestring);
                goto bad;
            }
            int dup = 0; /* -p for the same container port wins */
            for (int i = 0; i < o->nports; i++)
                dup |= o->ports[i].port == p.port && o->ports[i].proto == p.proto;
            if (dup)
                continue;
            o->ports = sbc_xrealloc(o->ports, sizeof *o->ports * (size_t)(o->nports + 1));
            o->ports[o->nports++] = p;
        }
    }
    if (o->nports && o->mode != M_BRIDGE) {
        sbc_err_set(e, SBC_EXIT_FAIL, "published ports need the bridge network");
        goto bad;
    }
    if (o->nports > 256) {
        sbc_err_set(e, SBC_EXIT_FAIL, "too many published ports");
        goto bad;
    }
    for (int i = 0; i < o->nports; i++)
        for (int k = 0; k < i; k++)
            if (o->ports[i].host_port && port_clash(&o->ports[i], &o->ports[k])) {
                sbc_err_set(e, SBC_EXIT_FAIL, "host port %u/%s is published twice", o->ports[i].host_port,
                            o->ports[i].proto == IPPROTO_UDP ? "udp" : "tcp");
                goto bad;
            }
    cJSON_ArrayForEach(it, o->dns) {
        uint32_t x;
        unsigned char b6[16];
        if (sbc_ip_parse(it->valuestring, &x) < 0 && inet_pton(AF_INET6, it->valuestring, b6) != 1) {
            sbc_err_set(e, SBC_EXIT_FAIL, "invalid DNS server address \"%.64s\"", it->valuestring);
            goto bad;
        }
    }
    cJSON_ArrayForEach(it, o->search) if (!valid_hostname(it->valuestring) && strcmp(it->valuestring, ".")) {
        sbc_err_set(e, SBC_EXIT_FAIL, "invalid DNS search domain \"%.64s\"", it->valuestring);
        goto bad;
    }
    cJSON_ArrayForEach(it, o->options) for (const char *c = it->valuestring; *c; c++) if ((unsigned char)*c <= ' ') {
        sbc_err_set(e, SBC_EXIT_FAIL, "invalid DNS option \"%.64s\"", it->valuestring);
        goto bad;
    }
    cJSON_ArrayForEach(it, o->add_hosts) {
        char host[256];
        const char *hip;
        uint32_t x;
        unsigned char b6[16];
        if (add_host_split(it->valuestring, host, sizeof host, &hip) < 0 || !valid_hostname(host) ||
            (strcmp(hip, "host-gateway") && sbc_ip_parse(hip, &x) < 0 && inet_pton(AF_INET6, hip, b6) != 1)) {
            sbc_err_set(e, SBC_EXIT_FAIL, "invalid --add-host \"%.64s\": want HOST:IP", it->valuestring);
            goto bad;
        }
    }
    return 0;
bad:
    free(o->ports);
    o->ports = NULL;
    return -1;
}

int sbc_net_validate(const cJSON *netopts, sbc_err *e)
{
    struct nopts o;
    if (parse_opts(netopts, &o, e) < 0)
        return -1;
    int r = 0;
    if (o.ip) { /* against the network when it is known, without creating anything */
        sbc_netconf c;
        if (sbc_net_config(&c, 0, e) < 0) {
            r = -1;
        } else if (c.subnet.len && (!sbc_prefix_contains(c.subnet, o.ip) || o.ip == c.gateway ||
                                    o.ip == c.subnet.addr || o.ip == (c.subnet.addr | (0xffffffffu >> c.subnet.len)))) {
            char a[16], b[16];
            r = sbc_err_set(e, SBC_EXIT_FAIL, "address %s is not a free host address of network %s (%s/%d)",
                            sbc_ip_fmt(o.ip, a), c.name, sbc_ip_fmt(c.subnet.addr, b), c.subnet.len);
        }
        sbc_net_config_free(&c);
    }
    free(o.ports);
    return r;
}

/* ---- /etc/hosts and /etc/resolv.conf ---- */
int sbc_net_hosts(sbc_buf *out, const char *ip, const char *hostname, const char *name,
                  const cJSON *add_hosts, const char *gateway, sbc_err *e)
{
    sbc_buf_adds(out, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                      "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\n"
                      "ff02::2\tip6-allrouters\n");
    if (ip && hostname) {
        sbc_buf_printf(out, "%s\t%s", ip, hostname);
        if (name && *name && strcmp(name, hostname))
            sbc_buf_printf(out, " %s", name);
        sbc_buf_adds(out, "\n");
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, add_hosts) {
        char host[256];
        const char *hip;
        if (!cJSON_IsString(it) || add_host_split(it->valuestring, host, sizeof host, &hip) < 0)
            return sbc_err_set(e, SBC_EXIT_FAIL, "invalid --add-host: want HOST:IP");
        if (!strcmp(hip, "host-gateway")) {
            if (!gateway)
                return sbc_err_set(e, SBC_EXIT_FAIL, "--add-host %s:host-gateway needs the bridge network", host);
            hip = gateway;
        }
        sbc_buf_printf(out, "%s\t%s\n", hip, host);
    }
    return 0;
}

static int is_loopback(const char *a) { return !strncmp(a, "127.", 4) || !strcmp(a, "::1"); }

/* nameservers of a resolv.conf text, optionally without loopback ones */
static int nameservers(const char *text, int keep_loopback, char ns[][64], int max, int *dropped)
{
    int n = 0;
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        char a[64];
        if (sscanf(l, "nameserver %63s", a) == 1 && n < max) {
            if (!keep_loopback && is_loopback(a)) {
                (*dropped)++;
                continue;
            }
            snprintf(ns[n++], 64, "%s", a);
        }
    }
    return n;
}

void sbc_net_resolv(sbc_buf *out, const char *host_text, const char *systemd_text, const cJSON *dns,
                    const cJSON *search, const cJSON *options, int keep_loopback)
{
    const cJSON *it;
    /* search/domain and options lines of the host, unless replaced */
    for (const char *l = host_text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        size_t len = strchr(l, '\n') ? (size_t)(strchr(l, '\n') - l) : strlen(l);
        int is_search = !strncmp(l, "search", 6) || !strncmp(l, "domain", 6), is_opt = !strncmp(l, "options", 7);
        if ((is_search && !search) || (is_opt && !options)) {
            sbc_buf_add(out, l, len);
            sbc_buf_adds(out, "\n");
        }
    }
    if (search && cJSON_GetArraySize(search)) {
        sbc_buf_adds(out, "search");
        cJSON_ArrayForEach(it, search) sbc_buf_printf(out, " %s", it->valuestring);
        sbc_buf_adds(out, "\n");
    }
    if (options && cJSON_GetArraySize(options)) {
        sbc_buf_adds(out, "options");
        cJSON_ArrayForEach(it, options) sbc_buf_printf(out, " %s", it->valuestring);
        sbc_buf_adds(out, "\n");
    }
    if (dns && cJSON_GetArraySize(dns)) {
        cJSON_ArrayForEach(it, dns) sbc_buf_printf(out, "nameserver %s\n", it->valuestring);
        return;
    }
    char ns[8][64];
    int dropped = 0, n = nameservers(host_text, keep_loopback, ns, 8, &dropped);
    if (n == 0 && dropped && systemd_text) {
        int d2 = 0;
        n = nameservers(systemd_text, 0, ns, 8, &d2);
        if (n)
            SBC_DEBUG("resolv.conf: the host uses a loopback resolver; using systemd-resolved's upstream servers");
    }
    if (n == 0) {
        SBC_DEBUG("resolv.conf: no usable nameserver on the host; using 8.8.8.8 and 8.8.4.4");
        snprintf(ns[0], 64, "8.8.8.8");
        snprintf(ns[1], 64, "8.8.4.4");
        n = 2;
    }
    for (int i = 0; i < n; i++)
        sbc_buf_printf(out, "nameserver %s\n", ns[i]);
}

/* Write state_dir/hosts and state_dir/resolv.conf. */
static int write_files(const char *state_dir, const char *cid, const struct nopts *o, const sbc_netconf *c,
                       const char *ip, sbc_err *e)
{
    sbc_err e2 = {0};
    char *host_res = sbc_read_file(AT_FDCWD, "/etc/resolv.conf", 1 << 16, NULL, &e2);
    char *sd = NULL, gw[16];
    if (o->mode == M_CONTAINER && o->ctr_dir) { /* share the target's files */
        char *h = sbc_xasprintf("%s/hosts", o->ctr_dir), *r = sbc_xasprintf("%s/resolv.conf", o->ctr_dir);
        char *ht = sbc_read_file(AT_FDCWD, h, 1 << 20, NULL, &e2), *rt = sbc_read_file(AT_FDCWD, r, 1 << 16, NULL, &e2);
        int res = 0;
        if (ht && rt)
            res = put_file(state_dir, "hosts", ht, strlen(ht), e) < 0 || put_file(state_dir, "resolv.conf", rt, strlen(rt), e) < 0 ? -1 : 1;
        free(h), free(r), free(ht), free(rt);
        if (res) {
            free(host_res);
            return res < 0 ? -1 : 0;
        }
    }
    sbc_buf hosts = {0}, res = {0};
    char hn[16];
    const char *hostname = o->hostname;
    if (!hostname) {
        snprintf(hn, sizeof hn, "%.12s", cid);
        hostname = hn;
    }
    int r;
    if (o->mode == M_HOST) {
        char *ht = sbc_read_file(AT_FDCWD, "/etc/hosts", 1 << 20, NULL, &e2);
        sbc_buf_adds(&hosts, ht ? ht : "127.0.0.1\tlocalhost\n");
        if (hosts.len && hosts.data[hosts.len - 1] != '\n')
            sbc_buf_adds(&hosts, "\n");
        free(ht);
        sbc_buf tmp = {0};
        r = sbc_net_hosts(&tmp, NULL, NULL, NULL, o->add_hosts, NULL, e);
        /* skip the localhost block sbc_net_hosts starts with */
        if (r == 0)
            for (const char *l = tmp.data; l && *l; l = strchr(l, '\n') + 1) {
                const char *nl = strchr(l, '\n');
                if (!nl)
                    break;
                if (!strstr(l, "localhost") && !strstr(l, "ip6-")) /* an add-host line */
                    sbc_buf_add(&hosts, l, (size_t)(nl - l + 1));
            }
        sbc_buf_free(&tmp);
    } else {
        r = sbc_net_hosts(&hosts, ip, hostname, o->name, o->add_hosts, c && c->gateway ? sbc_ip_fmt(c->gateway, gw) : NULL, e);
    }
    if (r == 0) {
        if (o->mode != M_HOST && host_res) {
            char *s = strstr(host_res, "nameserver 127.") ? "/run/systemd/resolve/resolv.conf" : NULL;
            if (s)
                sd = sbc_read_file(AT_FDCWD, s, 1 << 16, NULL, &e2);
        }
        const cJSON *dns = o->dns ? o->dns : (c ? c->dns : NULL);
        sbc_net_resolv(&res, host_res ? host_res : "", sd, dns, o->search, o->options, o->mode == M_HOST);
        r = put_file(state_dir, "hosts", hosts.data, hosts.len, e);
        if (r == 0)
            r = put_file(state_dir, "resolv.conf", res.data, res.len, e);
    }
    sbc_buf_free(&hosts);
    sbc_buf_free(&res);
    free(host_res);
    free(sd);
    return r;
}

/* ---- nf_tables ---- */
static void nft_base(sbc_nlb *b, const sbc_netconf *c)
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
static int nft_lock(const char *netdir, sbc_err *e)
{
    char *p = sbc_xasprintf("%s/nft.lock", netdir);
    int fd = sbc_lock_path(AT_FDCWD, p, e);
    free(p);
    return fd;
}

/* Delete the port rules of cid (or, with live, those of no live lease). */
static int nft_del_rules(const char *netdir, const char *table, const char *cid, const sbc_leases *live,
                         void (*report)(const char *), sbc_err *e)
{
    int r = 0, lk = nft_lock(netdir, e);
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
                    report(m);
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
static int ensure_bridge(const sbc_netconf *c, sbc_err *e)
{
    char p[96];
    int idx = sbc_link_index(c->bridge);
    if (idx > 0) {
        snprintf(p, sizeof p, "/sys/class/net/%s/bridge", c->bridge);
        if (access(p, F_OK) < 0)
            return sbc_err_set(e, SBC_EXIT_FAIL, "%s exists and is not a bridge", c->bridge);
        return idx;
    }
    sbc_nl nl;
    if (sbc_nl_open(&nl, NETLINK_ROUTE, e) < 0)
        return -1;
    sbc_nlb b = {0};
    uint8_t mac[6];
    mac_of(c->gateway, mac);
    sbc_rtnl_msg_bridge(&b, c->bridge, mac);
    int r = sbc_nl_talk(&nl, &b, NULL, NULL, e);
    if (r < 0 && e->errnum == EEXIST)
        r = 0;
    if (r < 0)
        sbc_err_wrap(e, "create bridge %s", c->bridge);
    if (r == 0 && (idx = sbc_link_index(c->bridge)) <= 0)
        r = sbc_err_set(e, SBC_EXIT_FAIL, "bridge %s vanished", c->bridge);
    if (r == 0) {
        b.len = b.msg = 0;
        sbc_rtnl_msg_addr(&b, 1, idx, c->gateway, c->subnet.len);
        r = sbc_nl_talk(&nl, &b, NULL, NULL, e);
        if (r < 0 && e->errnum == EEXIST)
            r = 0;
        if (r < 0)
            sbc_err_wrap(e, "address of bridge %s", c->bridge);
    }
    sbc_nlb_free(&b);
    sbc_nl_close(&nl);
    if (r < 0)
        return -1;
    snprintf(p, sizeof p, "/proc/sys/net/ipv4/conf/%s/route_localnet", c->bridge);
    write_proc(p, "1");
    snprintf(p, sizeof p, "/proc/sys/net/ipv6/conf/%s/disable_ipv6", c->bridge);
    write_proc(p, "1");
    sbc_netconf *cc = (sbc_netconf *)c;
    remember(cc, 1, e);
    return idx;
}

/* Create the veth pair with its peer eth0 directly in pid's netns, then
 * address, routes and lo there through one socket made inside it. */
static int make_veth(const sbc_netconf *c, int bridx, pid_t pid, uint32_t ip, sbc_err *e)
{
    char veth[16];
    uint8_t mac[6];
    veth_of(ip, veth);
    mac_of(ip, mac);
    sbc_nl nl;
    if (sbc_nl_open(&nl, NETLINK_ROUTE, e) < 0)
        return -1;
    sbc_nlb b = {0};
    int r = -1;
    for (int attempt = 0; attempt < 6; attempt++) {
        b.len = b.msg = 0;
        sbc_rtnl_msg_veth(&b, veth, bridx, "eth0", pid, -1, mac);
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
    int idx = sbc_link_get(&nl, "eth0", e);
    if (idx < 0) {
        r = -1;
    } else {
        b.len = b.msg = 0;
        sbc_rtnl_msg_setlink(&b, idx, NULL, 1, NULL, 0, -1);
        sbc_rtnl_msg_addr(&b, 1, idx, ip, c->subnet.len);
        sbc_rtnl_msg_route(&b, 1, 0, 0, c->gateway, idx);
        r = sbc_nl_talk(&nl, &b, NULL, NULL, e);
        if (r < 0)
            sbc_err_wrap(e, "configure eth0 in the container");
    }
    sbc_nl_close(&nl);
out:
    sbc_nlb_free(&b);
    return r;
}

struct stale {
    uint32_t ip;
    char *cid;
};

/* Remove the leftovers of stale leases (after the lock is released). */
static void clean_stale(const sbc_netconf *c, struct stale *st, int n, void (*report)(const char *))
{
    if (!n)
        return;
    sbc_err e = {0};
    sbc_nl nl;
    int have = sbc_nl_open(&nl, NETLINK_ROUTE, &e) == 0;
    for (int i = 0; i < n; i++) {
        char veth[16], a[16];
        veth_of(st[i].ip, veth);
        if (have && sbc_link_index(veth) > 0 && sbc_link_del(&nl, veth, &e) == 0 && report) {
            char *m = sbc_xasprintf("veth %s of %s", veth, st[i].cid);
            report(m);
            free(m);
        }
        if (report) {
            char *m = sbc_xasprintf("lease %s of %s", sbc_ip_fmt(st[i].ip, a), st[i].cid);
            report(m);
            free(m);
        }
        if (nft_del_rules(c->dir, c->table, st[i].cid, NULL, NULL, &e) < 0)
            SBC_DEBUG("stale rules of %s: %s", st[i].cid, e.msg);
        free(st[i].cid);
    }
    if (have)
        sbc_nl_close(&nl);
}

static int take_stale(sbc_leases *l, struct stale **st)
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

/* Choose host ports for ports without one and check the others are free. */
static int resolve_ports(struct nopts *o, const sbc_leases *l, sbc_err *e)
{
    for (int i = 0; i < o->nports; i++) {
        sbc_port *p = &o->ports[i];
        const char *proto = p->proto == IPPROTO_UDP ? "udp" : "tcp";
        char ip[16];
        for (int attempt = 0;; attempt++) {
            uint16_t got = 0;
            int want = p->host_port;
            if (port_try_bind(p, want ? NULL : &got) < 0) {
                if (!want && attempt < 20)
                    continue;
                return sbc_err_set(e, SBC_EXIT_FAIL, "cannot publish %s:%u/%s: %s%s", sbc_ip_fmt(p->host_ip, ip), want,
                                   proto, strerror(errno), errno == EADDRINUSE ? " (port is already allocated)" : "");
            }
            sbc_port q = *p;
            if (!want)
                q.host_port = got;
            int clash = 0;
            for (int k = 0; k < l->n && !clash; k++)
                clash = lease_port_clash(l->v[k].ports, &q);
            for (int k = 0; k < i && !clash; k++)
                clash = port_clash(&o->ports[k], &q);
            if (!clash) {
                p->host_port = q.host_port;
                break;
            }
            if (want)
                return sbc_err_set(e, SBC_EXIT_FAIL, "cannot publish %s:%u/%s: port is already allocated by another container",
                                   sbc_ip_fmt(p->host_ip, ip), want, proto);
            if (attempt >= 20)
                return sbc_err_set(e, SBC_EXIT_FAIL, "no free host port for %u/%s", p->port, proto);
        }
    }
    return 0;
}

static cJSON *net_record(const char *cid, const sbc_netconf *c, uint32_t ip, const struct nopts *o)
{
    char a[16], g[16], mac[18], veth[16];
    uint8_t m[6];
    mac_of(ip, m);
    snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    veth_of(ip, veth);
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
    cJSON *ps = cJSON_AddArrayToObject(j, "ports");
    for (int i = 0; i < o->nports; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "proto", o->ports[i].proto == IPPROTO_UDP ? "udp" : "tcp");
        cJSON_AddStringToObject(p, "host_ip", sbc_ip_fmt(o->ports[i].host_ip, a));
        cJSON_AddNumberToObject(p, "host_port", o->ports[i].host_port);
        cJSON_AddNumberToObject(p, "port", o->ports[i].port);
        cJSON_AddItemToArray(ps, p);
    }
    return j;
}

int sbc_net_setup(const char *cid, pid_t pid, const char *state_dir, const cJSON *netopts, sbc_err *e)
{
    struct nopts o;
    if (!cid || !valid_cid(cid))
        return sbc_err_set(e, SBC_EXIT_FAIL, "network: invalid container id");
    if (!state_dir || !valid_path(state_dir))
        return sbc_err_set(e, SBC_EXIT_FAIL, "network: state dir must be an absolute path without blanks");
    if (parse_opts(netopts, &o, e) < 0)
        return -1;
    int r = -1;
    sbc_netconf c = {0};
    if (o.mode != M_BRIDGE) {
        cJSON *j = cJSON_CreateObject();
        static const char *const names[] = {"bridge", "none", "host", "container"};
        cJSON_AddStringToObject(j, "mode", names[o.mode]);
        cJSON_AddStringToObject(j, "cid", cid);
        r = put_json(state_dir, "net.json", j, e);
        cJSON_Delete(j);
        /* (lo of a container's own netns: set up by the container's init) */
        if (r == 0)
            r = write_files(state_dir, cid, &o, NULL, NULL, e);
        free(o.ports);
        return r;
    }
    if (pid <= 0) {
        free(o.ports);
        return sbc_err_set(e, SBC_EXIT_FAIL, "network: no container process");
    }
    /* 1. under the network's lock: network, address, ports, records */
    sbc_leases l = {.fd = -1};
    struct stale *st = NULL;
    int nst = 0, bridx = -1, recorded = 0;
    char *dir = NULL;
    uint32_t ip = 0;
    dir = sbc_xasprintf("%s/network/%s", sbc_root(), SBC_NET_DEFAULT);
    if (sbc_leases_open(&l, dir, e) < 0 || sbc_net_config(&c, 1, e) < 0)
        goto fail;
    nst = take_stale(&l, &st);
    if (sbc_lease_find(&l, cid) >= 0) {
        sbc_err_set(e, SBC_EXIT_FAIL, "container %.64s is already connected to network %s", cid, c.name);
        goto fail;
    }
    if (sbc_lease_pick(&l, c.subnet, c.gateway, o.ip, 0, &ip, e) < 0 || resolve_ports(&o, &l, e) < 0)
        goto fail;
    if ((bridx = ensure_bridge(&c, e)) < 0)
        goto fail;
    cJSON *rec = net_record(cid, &c, ip, &o);
    r = put_json(state_dir, "net.json", rec, e);
    cJSON_Delete(rec);
    if (r < 0)
        goto fail;
    recorded = 1;
    sbc_buf pl = {0};
    ports_lease_str(o.ports, o.nports, &pl);
    sbc_lease_add(&l, ip, cid, state_dir, pl.data);
    sbc_buf_free(&pl);
    if ((r = sbc_leases_save(&l, e)) < 0)
        goto fail;
    sbc_leases_close(&l);
    /* 2. the pair, the address, the routes */
    if ((r = make_veth(&c, bridx, pid, ip, e)) < 0)
        goto fail;
    /* 3. one nf_tables transaction: table, chains, fixed rules, ports */
    sbc_nlb b = {0};
    sbc_nft_begin(&b);
    nft_base(&b, &c);
    for (int i = 0; i < o.nports; i++)
        nft_port_rule(&b, &c, &o.ports[i], ip, cid);
    sbc_nft_end(&b);
    int lk = nft_lock(dir, e);
    r = lk < 0 ? -1 : sbc_nft_commit(&b, e);
    if (lk >= 0)
        close(lk);
    sbc_nlb_free(&b);
    if (r < 0)
        goto fail;
    if (write_proc("/proc/sys/net/ipv4/ip_forward", "1") < 0)
        SBC_DEBUG("cannot enable IPv4 forwarding: %s", strerror(errno));
    char a[16];
    if ((r = write_files(state_dir, cid, &o, &c, sbc_ip_fmt(ip, a), e)) < 0)
        goto fail;
    clean_stale(&c, st, nst, NULL);
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
    clean_stale(&c, st, nst, NULL);
    free(st);
    free(o.ports);
    free(dir);
    sbc_net_config_free(&c);
    return -1;
}

/* ---- teardown ---- */
static int teardown(const char *state_dir, int del_veth, sbc_err *e)
{
    char *p = sbc_xasprintf("%s/net.json", state_dir);
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
        r = nft_del_rules(netdir, table, cid, NULL, NULL, e);
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
        for (int k = 0; k < l.n; k++)
            other |= l.v[k].ip == ip;
        sbc_leases_close(&l);
    }
    if (r == 0 && !other && del_veth) { /* the name is ours unless the address was given to another */
        char veth[16];
        veth_of(ip, veth);
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

/* ---- the applet's operations ---- */
int sbc_net_prune(void (*report)(const char *what), sbc_err *e)
{
    sbc_netconf c;
    if (sbc_net_config(&c, 0, e) < 0) {
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
    struct stale *st = NULL;
    int n = take_stale(&l, &st), r = 0;
    if (n)
        r = sbc_leases_save(&l, e);
    /* rules of no live lease, found while the leases are locked */
    if (r == 0)
        r = nft_del_rules(c.dir, c.table, NULL, &l, report, e);
    sbc_leases_close(&l);
    clean_stale(&c, st, n, report);
    free(st);
    sbc_net_config_free(&c);
    return r;
}

int sbc_net_remove(const char *name, int force, sbc_err *e)
{
    if (!strcmp(name, "host") || !strcmp(name, "none"))
        return sbc_err_set(e, SBC_EXIT_FAIL, "%s is a pre-defined network and cannot be removed", name);
    if (strcmp(name, SBC_NET_DEFAULT))
        return sbc_err_set(e, SBC_EXIT_FAIL, "network %.64s not found", name);
    sbc_netconf c;
    if (sbc_net_config(&c, 0, e) < 0) {
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
        veth_of(l.v[i].ip, veth);
        r = sbc_link_del(&nl, veth, e);
    }
    /* the bridge goes only when sbc made it (or it is sbc's and unused) */
    if (r == 0 && sbc_link_index(c.bridge) > 0 && c.remembered)
        r = sbc_link_del(&nl, c.bridge, e);
    sbc_nl_close(&nl);
    if (r == 0 && sbc_nft_table_exists(c.table, e) == 1) {
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

cJSON *sbc_net_inspect(const char *name, sbc_err *e)
{
    cJSON *j = cJSON_CreateObject();
    if (!strcmp(name, "host") || !strcmp(name, "none")) {
        cJSON_AddStringToObject(j, "Name", name);
        cJSON_AddStringToObject(j, "Driver", !strcmp(name, "host") ? "host" : "null");
        return j;
    }
    sbc_netconf c;
    if (strcmp(name, SBC_NET_DEFAULT)) {
        cJSON_Delete(j);
        sbc_err_set(e, SBC_EXIT_FAIL, "network %.64s not found", name);
        return NULL;
    }
    if (sbc_net_config(&c, 0, e) < 0) {
        sbc_net_config_free(&c);
        cJSON_Delete(j);
        return NULL;
    }
    char a[16], sub[24], defif[16] = "";
    cJSON_AddStringToObject(j, "Name", c.name);
    cJSON_AddStringToObject(j, "Driver", "bridge");
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
            mac_of(l.v[i].ip, m);
            snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
            veth_of(l.v[i].ip, veth);
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
