/* connect.c - another user network for a running container (sbc-network
 * connect/disconnect): a veth ethN in its netns, no default route (that
 * stays its first network's), recorded in state_dir/net-NAME.json, which
 * teardown and release undo with net.json. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/io.h"
#include "base/json.h"
#include "net/ipam.h"
#include "net/netint.h"
#include "net/nft.h"

/* Is the container's record file (or its net.json) of network net? */
static int connected(const char *state_dir, const char *file, const char *net)
{
    char *p = sbc_xasprintf("%s/%s", state_dir, file);
    sbc_err e = {0};
    cJSON *j = access(p, F_OK) == 0 ? sbc_json_read(AT_FDCWD, p, &e) : NULL;
    free(p);
    const char *n = sbc_json_str(j, "network");
    int r = j && (strcmp(file, "net.json") || (n && !strcmp(n, net)));
    cJSON_Delete(j);
    return r;
}

/* The lowest ethN (N >= 1) no record of state_dir names. */
static void free_ifname(const char *state_dir, char ifname[16])
{
    for (int n = 1; n < 100; n++) {
        snprintf(ifname, 16, "eth%d", n);
        int used = 0, dfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char **names = NULL;
        size_t k = 0;
        if (dfd >= 0) {
            sbc_dir_names(dfd, &names, &k);
            close(dfd);
        }
        for (size_t i = 0; i < k && !used; i++) {
            if (strncmp(names[i], "net-", 4))
                continue;
            char *p = sbc_xasprintf("%s/%s", state_dir, names[i]);
            sbc_err e = {0};
            cJSON *j = sbc_json_read(AT_FDCWD, p, &e);
            const char *f = sbc_json_str(j, "ifname");
            used = f && !strcmp(f, ifname);
            cJSON_Delete(j);
            free(p);
        }
        sbc_names_free(names, k);
        if (!used)
            return;
    }
}

int sbc_net_connect(const char *net, const char *cid, pid_t pid, const char *state_dir, const char *name,
                    const cJSON *aliases, sbc_err *e)
{
    sbc_netconf c;
    char file[96], ifname[16], a[16];
    int r = -1, recorded = 0;
    if (sbc_net_load(&c, net, 0, e) < 0)
        goto out;
    const cJSON *it;
    cJSON_ArrayForEach(it, aliases) if (!cJSON_IsString(it) || !net_valid_hostname(it->valuestring)) {
        sbc_err_set(e, SBC_EXIT_FAIL, "--alias: want host names");
        goto out;
    }
    if (name && *name == '/')
        name++;
    if (name && !net_valid_hostname(name))
        name = NULL;
    if (!c.id[0]) {
        sbc_err_set(e, SBC_EXIT_FAIL, "connect: only to a user network (not %s)", net);
        goto out;
    }
    snprintf(file, sizeof file, "net-%s.json", net);
    char *np = sbc_xasprintf("%s/net.json", state_dir);
    cJSON *first = sbc_json_read(AT_FDCWD, np, e);
    free(np);
    const char *mode = sbc_json_str(first, "mode");
    int bridged = mode && !strcmp(mode, "bridge");
    cJSON_Delete(first);
    if (!bridged) {
        sbc_err_set(e, SBC_EXIT_FAIL, "container %.12s is not on a bridge network (--network %s): it cannot be connected to "
                    "another", cid, mode ? mode : "none");
        goto out;
    }
    if (connected(state_dir, file, net) || connected(state_dir, "net.json", net)) {
        sbc_err_set(e, SBC_EXIT_FAIL, "container %.12s is already connected to network %s", cid, net);
        goto out;
    }
    free_ifname(state_dir, ifname);
    sbc_netopts o = {.mode = SBC_NET_BRIDGE, .name = name, .aliases = aliases, .network = net};
    sbc_leases l;
    uint32_t ip = 0;
    int bridx = -1;
    if (sbc_leases_open(&l, c.dir, e) < 0)
        goto out;
    if (sbc_lease_find(&l, cid) >= 0)
        sbc_err_set(e, SBC_EXIT_FAIL, "container %.12s is already connected to network %s", cid, net);
    else if (sbc_lease_pick(&l, c.subnet, c.gateway, 0, 0, &ip, e) == 0 && (bridx = net_ensure_bridge(&c, e)) > 0) {
        cJSON *rec = net_record(cid, &c, ip, &o);
        cJSON_AddStringToObject(rec, "ifname", ifname);
        r = net_put_json(state_dir, file, rec, e);
        cJSON_Delete(rec);
        recorded = r == 0;
        if (r == 0) {
            sbc_lease_add(&l, ip, cid, state_dir, "-");
            r = sbc_leases_save(&l, e);
        }
    }
    sbc_leases_close(&l);
    if (r == 0)
        r = net_make_veth(&c, bridx, pid, ip, ifname, e);
    if (r == 0) {
        sbc_nlb b = {0};
        sbc_nft_begin(&b);
        net_nft_base(&b, &c);
        sbc_nft_end(&b);
        int lk = net_nft_lock(c.dir, e);
        r = lk < 0 ? -1 : sbc_nft_commit(&b, e);
        if (lk >= 0)
            close(lk);
        sbc_nlb_free(&b);
    }
    if (r == 0)
        net_names_join(&c, cid, state_dir, file);
    else if (recorded)
        sbc_net_disconnect(net, state_dir, NULL);
    SBC_DEBUG("connect %s to %s: %s", cid, net, r == 0 ? sbc_ip_fmt(ip, a) : e->msg);
out:
    sbc_net_config_free(&c);
    return r;
}

int sbc_net_disconnect(const char *net, const char *state_dir, sbc_err *e)
{
    char file[96];
    snprintf(file, sizeof file, "net-%s.json", net);
    if (connected(state_dir, "net.json", net))
        return sbc_err_set(e, SBC_EXIT_FAIL, "network %s is the container's first network: it cannot be disconnected", net);
    if (!connected(state_dir, file, net))
        return sbc_err_set(e, SBC_EXIT_FAIL, "container is not connected to network %s", net);
    sbc_err e2 = {0};
    if (net_teardown_file(state_dir, file, 1, e ? e : &e2) < 0)
        return -1;
    char *p = sbc_xasprintf("%s/%s", state_dir, file);
    int r = unlink(p) < 0 ? sbc_err_sys(e, "unlink %s", p) : 0;
    free(p);
    return r;
}
