/* etcfiles.c - a container's /etc/hosts and /etc/resolv.conf (see etcfiles.h). */
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
#include "net/etcfiles.h"
#include "net/net.h"
#include "net/netint.h"

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
        if (!cJSON_IsString(it) || net_add_host_split(it->valuestring, host, sizeof host, &hip) < 0)
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
int net_write_etc(const char *state_dir, const char *cid, const sbc_netopts *o, const sbc_netconf *c,
                       const char *ip, sbc_err *e)
{
    sbc_err e2 = {0};
    char *host_res = sbc_read_file(AT_FDCWD, "/etc/resolv.conf", 1 << 16, NULL, &e2);
    char *sd = NULL, gw[16];
    if (o->mode == SBC_NET_CONTAINER && o->ctr_dir) { /* share the target's files */
        char *h = sbc_xasprintf("%s/hosts", o->ctr_dir), *r = sbc_xasprintf("%s/resolv.conf", o->ctr_dir);
        char *ht = sbc_read_file(AT_FDCWD, h, 1 << 20, NULL, &e2), *rt = sbc_read_file(AT_FDCWD, r, 1 << 16, NULL, &e2);
        int res = 0;
        if (ht && rt)
            res = net_put_file(state_dir, "hosts", ht, strlen(ht), e) < 0 || net_put_file(state_dir, "resolv.conf", rt, strlen(rt), e) < 0 ? -1 : 1;
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
    if (o->mode == SBC_NET_HOST) {
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
        if (o->mode != SBC_NET_HOST && host_res) {
            char *s = strstr(host_res, "nameserver 127.") ? "/run/systemd/resolve/resolv.conf" : NULL;
            if (s)
                sd = sbc_read_file(AT_FDCWD, s, 1 << 16, NULL, &e2);
        }
        const cJSON *dns = o->dns ? o->dns : (c ? c->dns : NULL);
        sbc_net_resolv(&res, host_res ? host_res : "", sd, dns, o->search, o->options, o->mode == SBC_NET_HOST);
        r = net_put_file(state_dir, "hosts", hosts.data, hosts.len, e);
        if (r == 0)
            r = net_put_file(state_dir, "resolv.conf", res.data, res.len, e);
    }
    sbc_buf_free(&hosts);
    sbc_buf_free(&res);
    free(host_res);
    free(sd);
    return r;
}
