/* network.c - sbc-network: create, list, inspect, remove and prune sbc's networks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets.h"
#include "net/ipam.h"
#include "base/json.h"
#include "net/net.h"
#include "opt.h"
#include "base/config.h"
#include "runtime/container.h"

const char network_usage[] =
    "Usage: sbc-network COMMAND [OPTIONS]\n"
    "\n"
    "Manage container networks: \"bridge\" (the default, see\n"
    "\"bridge\"/\"subnet\"/\"gateway\"/\"dns\" in $SBC_CONFIG_DIR/config.json), \"host\", \"none\",\n"
    "and user networks: each its own bridge, subnet, leases and nf_tables table;\n"
    "their containers reach each other by name and --network-alias, not\n"
    "those of other networks.\n"
    "\n"
    "Commands:\n"
    "  create NAME        a user network (sbc-run --network NAME)\n"
    "  connect [--alias A] NAME CONTAINER\n"
    "                     attach a running container to a user network too\n"
    "  disconnect NAME CONTAINER  detach it again\n"
    "  ls                 list networks\n"
    "  inspect [NAME...]  show networks as JSON (default: bridge), with the\n"
    "                     egress interface and the containers' addresses\n"
    "  rm NAME...         remove networks: bridge, nf_tables table, leases\n"
    "  prune              release addresses, veths and rules of containers that are\n"
    "                     gone; remove the user networks no container uses\n"
    "\n"
    "Options:\n"
    "  -d, --driver bridge create: the driver (only bridge)\n"
    "      --subnet CIDR  create: the IPv4 subnet (default: a free private one)\n"
    "      --gateway IP   create: the bridge's address (default: the first)\n"
    "      --label K=V    create: a label (repeatable)\n"
    "      --alias A      connect: another name there (repeatable)\n"
    "  -f, --force        rm: even with containers attached\n"
    "      --format json  ls: one JSON object per line\n"
    "  -q, --quiet        ls: names only; prune: print nothing\n";

/* ls: one row (s: name, driver, bridge, subnet, gateway, id) */
static void ls_row(const char *const s[6], int json, int quiet)
{
    if (quiet) {
        puts(s[0]);
    } else if (json) {
        cJSON *j = cJSON_CreateObject();
        static const char *const keys[] = {"Name", "Driver", "Bridge", "Subnet", "Gateway", "Id"};
        for (int k = 0; k < 6; k++)
            cJSON_AddStringToObject(j, keys[k], strcmp(s[k], "-") ? s[k] : "");
        char *t = cJSON_PrintUnformatted(j);
        puts(t);
        free(t);
        cJSON_Delete(j);
    } else {
        printf("%-12s %-8s %-16s %-18s %s\n", s[0], s[1], s[2], s[3], s[4]);
    }
}

/* ls: the row of a bridge network (NULL: the default) */
static int ls_net(const char *name, int json, int quiet, sbc_err *e)
{
    sbc_netconf nc;
    if (sbc_net_load(&nc, name, 0, e) < 0) {
        sbc_net_config_free(&nc);
        return -1;
    }
    char sub[24] = "-", gw[16] = "-";
    if (nc.subnet.len) {
        char a[16];
        snprintf(sub, sizeof sub, "%s/%d", sbc_ip_fmt(nc.subnet.addr, a), nc.subnet.len);
        sbc_ip_fmt(nc.gateway, gw);
    }
    const char *row[6] = {nc.name, "bridge", nc.bridge, sub, gw, nc.id[0] ? nc.id : "-"};
    ls_row(row, json, quiet);
    sbc_net_config_free(&nc);
    return 0;
}

static int ls(int json, int quiet, sbc_err *e)
{
    if (!json && !quiet)
        printf("%-12s %-8s %-16s %-18s %s\n", "NAME", "DRIVER", "BRIDGE", "SUBNET", "GATEWAY");
    if (ls_net(NULL, json, quiet, e) < 0)
        return -1;
    char **names;
    size_t n;
    sbc_net_user_names(&names, &n);
    for (size_t i = 0; i < n; i++) {
        sbc_err e2 = {0};
        ls_net(names[i], json, quiet, &e2);
    }
    sbc_names_free(names, n);
    static const char *const fixed[2][6] = {{"host", "host", "-", "-", "-", "-"}, {"none", "null", "-", "-", "-", "-"}};
    for (int i = 0; i < 2; i++)
        ls_row(fixed[i], json, quiet);
    return 0;
}

/* connect/disconnect NET CONTAINER (aliases: connect's, or NULL) */
static int attach(int on, const char *net, const char *ref, cJSON *aliases, sbc_err *e)
{
    sbc_container t;
    if (sbc_container_open(sbc_root_dir(), ref, &t, e) < 0)
        return -1;
    int r;
    if (sbc_container_lock(&t, e) < 0) {
        r = -1;
    } else {
        if (sbc_container_refresh(&t) != 1)
            r = sbc_err_set(e, SBC_EXIT_FAIL, "container %s is not running", ref);
        else if (on)
            r = sbc_net_connect(net, t.id, t.state.pid, t.dir, sbc_container_name(&t), aliases, e);
        else
            r = sbc_net_disconnect(net, t.dir, e);
        sbc_container_unlock(&t);
    }
    sbc_container_free(&t);
    return r;
}

/* prune: a line per item removed, on the stream arg */
static void report(void *arg, const char *what)
{
    fprintf(arg, "Removed %s\n", what);
}

int network_main(int argc, char **argv)
{
    enum { O_FORCE = 'f', O_QUIET = 'q', O_DRIVER = 'd', O_FORMAT = 256, O_SUBNET, O_GATEWAY, O_LABEL, O_ALIAS };
    static const sbc_option opts[] = {
        {"force", 'f', SBC_OPT_NOARG, O_FORCE},
        {"driver", 'd', SBC_OPT_ARG, O_DRIVER},
        {"subnet", 0, SBC_OPT_ARG, O_SUBNET},
        {"gateway", 0, SBC_OPT_ARG, O_GATEWAY},
        {"label", 0, SBC_OPT_ARG, O_LABEL},
        {"alias", 0, SBC_OPT_ARG, O_ALIAS},
        {"quiet", 'q', SBC_OPT_NOARG, O_QUIET},
        {"format", 0, SBC_OPT_ARG, O_FORMAT},
        {0},
    };
    int force = 0, json = 0, quiet = 0, c;
    const char *subnet = NULL, *gateway = NULL;
    cJSON *labels = NULL, *aliases = NULL;
    sbc_opts o;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        switch (c) {
        case O_FORCE: force = sbc_opt_bool(&o); break;
        case O_QUIET: quiet = sbc_opt_bool(&o); break;
        case O_DRIVER:
            if (strcmp(o.arg, "bridge"))
                sbc_usage_error("--driver %s: only \"bridge\" is supported", o.arg);
            break;
        case O_SUBNET: subnet = o.arg; break;
        case O_ALIAS:
            if (!aliases)
                aliases = cJSON_CreateArray();
            cJSON_AddItemToArray(aliases, cJSON_CreateString(o.arg));
            break;
        case O_GATEWAY: gateway = o.arg; break;
        case O_LABEL: {
            const char *eq = strchr(o.arg, '=');
            char *k = sbc_xasprintf("%.*s", eq ? (int)(eq - o.arg) : (int)strlen(o.arg), o.arg);
            if (!labels)
                labels = cJSON_CreateObject();
            cJSON_DeleteItemFromObjectCaseSensitive(labels, k);
            cJSON_AddStringToObject(labels, k, eq ? eq + 1 : "");
            free(k);
            break;
        }
        case O_FORMAT:
            if (strcmp(o.arg, "json"))
                sbc_usage_error("--format: only \"json\" is supported");
            json = 1;
            break;
        }
    }
    sbc_opt_operands(&o, 1, -1);
    const char *cmd = o.rest[0];
    sbc_err e = {0};
    if (!strcmp(cmd, "create")) {
        sbc_opt_operands(&o, 2, 2);
        char id[65];
        int r = sbc_net_create(o.rest[1], subnet, gateway, labels, id, &e);
        cJSON_Delete(labels);
        if (r < 0)
            return sbc_err_print(&e);
        puts(id);
        return 0;
    }
    cJSON_Delete(labels);
    if (!strcmp(cmd, "connect") || !strcmp(cmd, "disconnect")) {
        sbc_opt_operands(&o, 3, 3);
        int on = !strcmp(cmd, "connect"), r = attach(on, o.rest[1], o.rest[2], aliases, &e);
        cJSON_Delete(aliases);
        return r < 0 ? sbc_err_print(&e) : 0;
    }
    cJSON_Delete(aliases);
    if (!strcmp(cmd, "ls") || !strcmp(cmd, "list")) {
        sbc_opt_operands(&o, 1, 1);
        return ls(json, quiet, &e) < 0 ? sbc_err_print(&e) : 0;
    }
    if (!strcmp(cmd, "inspect")) {
        cJSON *arr = cJSON_CreateArray();
        int rc = 0;
        for (int i = 1; i < (o.nrest > 1 ? o.nrest : 2); i++) {
            cJSON *j = sbc_net_inspect(o.nrest > 1 ? o.rest[i] : SBC_NET_DEFAULT, &e);
            if (!j) {
                rc = sbc_err_print(&e);
                continue;
            }
            cJSON_AddItemToArray(arr, j);
        }
        sbc_json_print(stdout, arr);
        cJSON_Delete(arr);
        return rc;
    }
    if (!strcmp(cmd, "rm") || !strcmp(cmd, "remove")) {
        sbc_opt_operands(&o, 2, -1);
        int rc = 0;
        for (int i = 1; i < o.nrest; i++) {
            if (sbc_net_remove(o.rest[i], force, &e) < 0)
                rc = sbc_err_print(&e);
            else
                puts(o.rest[i]);
        }
        return rc;
    }
    if (!strcmp(cmd, "prune")) {
        sbc_opt_operands(&o, 1, 1);
        if (sbc_net_prune(quiet ? NULL : report, stdout, &e) < 0)
            return sbc_err_print(&e);
        return 0;
    }
    sbc_usage_error("unknown command \"%s\"", cmd);
}
