/* options.c - a container's network options: parsed and checked once (see options.h). */
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
#include "base/config.h"
#include <arpa/inet.h>
#include <netinet/in.h>

#include "base/json.h"
#include "net/ipam.h"
#include "net/net.h"
#include "net/netint.h"

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

int net_add_host_split(const char *s, char *host, size_t hn, const char **ip)
{
    const char *c = strchr(s, ':');
    if (!c || (size_t)(c - s) >= hn)
        return -1;
    memcpy(host, s, (size_t)(c - s));
    host[c - s] = 0;
    *ip = c + 1;
    return 0;
}

const char *sbc_net_mode_name(sbc_net_mode m)
{
    static const char *const names[] = {"bridge", "none", "host", "container", "pasta", "slirp4netns"};
    return (unsigned)m < sizeof names / sizeof *names ? names[m] : "?";
}

int sbc_netopts_parse(const cJSON *j, sbc_netopts *o, sbc_err *e)
{
    memset(o, 0, sizeof *o);
    if (j && !cJSON_IsObject(j))
        return sbc_err_set(e, SBC_EXIT_FAIL, "network options: want a JSON object");
    const char *m = sbc_json_str(j, "mode");
    if (!m || !strcmp(m, "bridge") || !strcmp(m, "default"))
        o->mode = SBC_NET_BRIDGE;
    else if (!strcmp(m, "none"))
        o->mode = SBC_NET_NONE;
    else if (!strcmp(m, "host"))
        o->mode = SBC_NET_HOST;
    else if (!strcmp(m, "container"))
        o->mode = SBC_NET_CONTAINER;
    else if (!strcmp(m, "pasta"))
        o->mode = SBC_NET_PASTA;
    else if (!strcmp(m, "slirp4netns"))
        o->mode = SBC_NET_SLIRP;
    else
        return sbc_err_set(e, SBC_EXIT_FAIL, "network \"%.64s\" not found (use bridge, none, host, container:NAME, "
                           "pasta or slirp4netns)", m);
    o->name = sbc_json_str(j, "name");
    o->hostname = sbc_json_str(j, "hostname");
    o->ctr_dir = sbc_json_str(j, "container_state_dir");
    o->network = sbc_json_str(j, "network");
    if (o->network && (o->mode != SBC_NET_BRIDGE || !net_valid_hostname(o->network) || strlen(o->network) > 63))
        return sbc_err_set(e, SBC_EXIT_FAIL, "network options: network: want a user network's name");
    if (o->network && !strcmp(o->network, SBC_NET_DEFAULT))
        o->network = NULL;
    if (o->name && *o->name == '/')
        o->name++;
    if (o->name && *o->name && !net_valid_hostname(o->name))
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid container name \"%.64s\" for /etc/hosts", o->name);
    if (o->hostname && (!net_valid_hostname(o->hostname) || strlen(o->hostname) > 63))
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid hostname \"%.64s\"", o->hostname);
    if (o->ctr_dir && !net_valid_path(o->ctr_dir))
        return sbc_err_set(e, SBC_EXIT_FAIL, "network options: container_state_dir: not a plain absolute path");
    const char *ip = sbc_json_str(j, "ip");
    if (ip && sbc_ip_parse(ip, &o->ip) < 0)
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid IPv4 address: \"%.64s\"", ip);
    if (ip && o->mode != SBC_NET_BRIDGE)
        return sbc_err_set(e, SBC_EXIT_FAIL, "--ip needs the bridge network");
    const cJSON *pub, *it;
    if (str_array(j, "publish", &pub, e) < 0 || str_array(j, "exposed", &o->exposed, e) < 0 ||
        str_array(j, "dns", &o->dns, e) < 0 || str_array(j, "dns_search", &o->search, e) < 0 ||
        str_array(j, "dns_options", &o->options, e) < 0 || str_array(j, "add_hosts", &o->add_hosts, e) < 0 ||
        str_array(j, "aliases", &o->aliases, e) < 0)
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
    /* (pasta, slirp4netns, and rootless none: sbc's own forwarder) */
    if (o->nports && (o->mode == SBC_NET_HOST || o->mode == SBC_NET_CONTAINER ||
                      (o->mode == SBC_NET_NONE && !sbc_rootless()))) {
        sbc_err_set(e, SBC_EXIT_FAIL, "published ports need the bridge network (rootless: none, pasta or slirp4netns)");
        goto bad;
    }
    if (o->nports > 256) {
        sbc_err_set(e, SBC_EXIT_FAIL, "too many published ports");
        goto bad;
    }
    for (int i = 0; i < o->nports; i++)
        for (int k = 0; k < i; k++)
            if (o->ports[i].host_port && net_port_clash(&o->ports[i], &o->ports[k])) {
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
    cJSON_ArrayForEach(it, o->search) if (!net_valid_hostname(it->valuestring) && strcmp(it->valuestring, ".")) {
        sbc_err_set(e, SBC_EXIT_FAIL, "invalid DNS search domain \"%.64s\"", it->valuestring);
        goto bad;
    }
    cJSON_ArrayForEach(it, o->options) for (const char *c = it->valuestring; *c; c++) if ((unsigned char)*c <= ' ') {
        sbc_err_set(e, SBC_EXIT_FAIL, "invalid DNS option \"%.64s\"", it->valuestring);
        goto bad;
    }
    cJSON_ArrayForEach(it, o->aliases) if (!net_valid_hostname(it->valuestring) || !o->network) {
        sbc_err_set(e, SBC_EXIT_FAIL, "--network-alias \"%.64s\": want a host name, on a user network", it->valuestring);
        goto bad;
    }
    cJSON_ArrayForEach(it, o->add_hosts) {
        char host[256];
        const char *hip;
        uint32_t x;
        unsigned char b6[16];
        if (net_add_host_split(it->valuestring, host, sizeof host, &hip) < 0 || !net_valid_hostname(host) ||
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

void sbc_netopts_free(sbc_netopts *o)
{
    free(o->ports);
    o->ports = NULL;
    o->nports = 0;
}

int sbc_net_validate(const sbc_netopts *o, sbc_err *e)
{
    if (!o->ip && !o->network)
        return 0;
    /* against the network when it is known, without creating anything */
    sbc_netconf c;
    int r = 0;
    if (sbc_net_load(&c, o->network, 0, e) < 0) {
        r = -1;
    } else if (o->ip && c.subnet.len && (!sbc_prefix_contains(c.subnet, o->ip) || o->ip == c.gateway ||
                                o->ip == c.subnet.addr || o->ip == (c.subnet.addr | (0xffffffffu >> c.subnet.len)))) {
        char a[16], b[16];
        r = sbc_err_set(e, SBC_EXIT_FAIL, "address %s is not a free host address of network %s (%s/%d)",
                        sbc_ip_fmt(o->ip, a), c.name, sbc_ip_fmt(c.subnet.addr, b), c.subnet.len);
    }
    sbc_net_config_free(&c);
    return r;
}
