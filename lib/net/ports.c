/* ports.c - published ports: -p parsing, host port choice, lease lists (see ports.h). */
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

#include "base/io.h"
#include "base/json.h"
#include "net/ipam.h"
#include "net/net.h"
#include "net/netint.h"

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
void net_ports_lease_str(const sbc_port *v, int n, sbc_buf *b)
{
    char ip[16];
    for (int i = 0; i < n; i++)
        sbc_buf_printf(b, "%s%s:%s:%u:%u", i ? "," : "", v[i].proto == IPPROTO_UDP ? "udp" : "tcp",
                       sbc_ip_fmt(v[i].host_ip, ip), v[i].host_port, v[i].port);
    if (!n)
        sbc_buf_adds(b, "-");
}

int net_port_clash(const sbc_port *a, const sbc_port *b)
{
    return a->proto == b->proto && a->host_port == b->host_port &&
           (!a->host_ip || !b->host_ip || a->host_ip == b->host_ip);
}

/* Does the lease's port list clash with p? */
int net_lease_port_clash(const char *list, const sbc_port *p)
{
    char proto[4], ip[16];
    unsigned hp, cp;
    for (const char *s = list; s && *s;) {
        if (sscanf(s, "%3[a-z]:%15[0-9.]:%u:%u", proto, ip, &hp, &cp) == 4) {
            sbc_port q = {0, (uint16_t)hp, (uint16_t)cp, strcmp(proto, "udp") ? IPPROTO_TCP : IPPROTO_UDP};
            sbc_ip_parse(ip, &q.host_ip);
            if (net_port_clash(&q, p))
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

int net_ports_from_json(const cJSON *arr, sbc_port **out, int *n)
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

void net_ports_to_json(cJSON *arr, const sbc_port *v, int n)
{
    for (int i = 0; i < n; i++) {
        char a[16];
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "proto", v[i].proto == IPPROTO_UDP ? "udp" : "tcp");
        cJSON_AddStringToObject(p, "host_ip", sbc_ip_fmt(v[i].host_ip, a));
        cJSON_AddNumberToObject(p, "host_port", v[i].host_port);
        cJSON_AddNumberToObject(p, "port", v[i].port);
        cJSON_AddItemToArray(arr, p);
    }
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
        net_ports_from_json(sbc_json_arr(j, "ports"), &v, &n);
    for (int i = 0; i < n; i++) {
        char s[64];
        sbc_port_fmt(&v[i], s, sizeof s);
        sbc_buf_printf(&b, "%s%s", i ? ", " : "", s);
    }
    free(v);
    cJSON_Delete(j);
    return b.data;
}

/* Choose host ports for ports without one and check the others are free. */
int net_resolve_ports(sbc_netopts *o, const sbc_leases *l, sbc_err *e)
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
                clash = net_lease_port_clash(l->v[k].ports, &q);
            for (int k = 0; k < i && !clash; k++)
                clash = net_port_clash(&o->ports[k], &q);
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
