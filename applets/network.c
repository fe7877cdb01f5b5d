/* network.c - sbc-network: create, list, inspect, remove and prune sbc's networks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets.h"
#include "net/ipam.h"
#include "base/json.h"
#include "net/net.h"
#include "listfmt.h"
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
    "  ls                 list networks (NAME DRIVER BRIDGE SUBNET GATEWAY)\n"
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
    "  -f, --filter KEY=VALUE  ls: name=, id= (substrings), driver=,\n"
    "                     label=KEY[=VALUE], type=custom|builtin,\n"
    "                     dangling=true|false (no container attached, not\n"
    "                     built in); the same key ORs, different keys AND\n"
    "      --format FORMAT  ls: json (one JSON object per line) or a Go\n"
    "                     template: {{.ID}} {{.Name}} {{.Driver}} {{.Scope}}\n"
    "                     {{.IPv6}} {{.Internal}} {{.Labels}} {{.Label \"k\"}}\n"
    "                     {{.CreatedAt}} {{.Bridge}} {{.Subnet}} {{.Gateway}};\n"
    "                     'table ...' adds a header\n"
    "      --no-trunc     ls: full IDs\n"
    "  -q, --quiet        ls: names only; prune: print nothing\n";

static const char *const net_titles[] = {"ID", "NETWORK ID", "Name", "NAME", "Driver", "DRIVER", "Scope", "SCOPE",
                                         "IPv6", "IPV6", "Internal", "INTERNAL", "Labels", "LABELS", "CreatedAt",
                                         "CREATED AT", "Bridge", "BRIDGE", "Subnet", "SUBNET", "Gateway", "GATEWAY", NULL};
static const char *const net_filter_keys[] = {"name", "id", "driver", "label", "type", "dangling", NULL};

typedef struct net_ls {
    int quiet, notrunc;
    sbc_filters flt;
    sbc_fmt fm;
} net_ls;

/* a filter on the inspect object j */
static int net_match(const char *key, const char *val, void *ctx)
{
    const cJSON *j = ctx;
    const char *name = sbc_json_str(j, "Name");
    int builtin = !strcmp(name, "bridge") || !strcmp(name, "host") || !strcmp(name, "none");
    if (!strcmp(key, "name") || !strcmp(key, "id") || !strcmp(key, "driver"))
        return strstr(sbc_json_str(j, key[0] == 'n' ? "Name" : key[0] == 'i' ? "Id" : "Driver"), val) != NULL;
    if (!strcmp(key, "label"))
        return sbc_filter_label(sbc_json_obj(j, "Labels"), val);
    if (!strcmp(key, "type"))
        return builtin == !strcmp(val, "builtin");
    int used = 0; /* dangling: no container attached, not built in */
    const cJSON *c;
    cJSON_ArrayForEach(c, sbc_json_arr(j, "Containers")) used |= cJSON_IsTrue(cJSON_GetObjectItem(c, "Live"));
    return (!builtin && !used) == (!strcmp(val, "true") || !strcmp(val, "1"));
}

/* ls: the row of network name (Docker's, and sbc's Bridge, Subnet,
 * Gateway) */
static int ls_net(net_ls *l, const char *name, sbc_err *e)
{
    cJSON *j = sbc_net_inspect(name, e);
    if (!j && strcmp(name, SBC_NET_DEFAULT))
        sbc_err_clear(e); /* a user network removed meanwhile */
    if (!j)
        return e->code ? -1 : 0;
    int rc = 0;
    if (sbc_filter_match(&l->flt, net_match, j)) {
        cJSON *r = cJSON_CreateObject();
        char t[72];
        sbc_fmt_gotime(sbc_json_str(j, "Created"), t, sizeof t);
        cJSON_AddStringToObject(r, "CreatedAt", t);
        cJSON_AddStringToObject(r, "Driver", sbc_json_str(j, "Driver"));
        snprintf(t, sizeof t, "%.*s", l->notrunc ? 64 : 12, sbc_json_str(j, "Id"));
        cJSON_AddStringToObject(r, "ID", t);
        cJSON_AddStringToObject(r, "IPv6", "false");
        cJSON_AddStringToObject(r, "Internal", "false");
        sbc_fmt_labels(r, sbc_json_obj(j, "Labels"));
        cJSON_AddStringToObject(r, "Name", name);
        cJSON_AddStringToObject(r, "Scope", "local");
        static const char *const extra[] = {"Bridge", "Subnet", "Gateway"};
        for (int k = 0; k < 3; k++)
            cJSON_AddStringToObject(r, extra[k], sbc_json_str(j, extra[k]) ? sbc_json_str(j, extra[k]) : "");
        if (l->quiet)
            puts(name);
        else if (l->fm.json || l->fm.t)
            rc = sbc_fmt_row(&l->fm, r, e);
        else
            printf("%-12s %-8s %-16s %-18s %s\n", name, sbc_json_str(r, "Driver"), sbc_json_str(r, "Bridge")[0] ? sbc_json_str(r, "Bridge") : "-",
                   sbc_json_str(r, "Subnet")[0] ? sbc_json_str(r, "Subnet") : "-", sbc_json_str(r, "Gateway")[0] ? sbc_json_str(r, "Gateway") : "-");
        cJSON_Delete(r);
    }
    cJSON_Delete(j);
    return rc;
}

static int ls(net_ls *l, sbc_err *e)
{
    for (int i = 0; i < l->flt.n; i++) {
        const char *k = l->flt.key[i], *v = l->flt.val[i];
        if ((!strcmp(k, "type") && strcmp(v, "custom") && strcmp(v, "builtin")) ||
            (!strcmp(k, "dangling") && strcmp(v, "true") && strcmp(v, "false") && strcmp(v, "1") && strcmp(v, "0")))
            sbc_filter_invalid(k, (int)strlen(k), v);
    }
    if (!l->quiet && !l->fm.json && !l->fm.t)
        printf("%-12s %-8s %-16s %-18s %s\n", "NAME", "DRIVER", "BRIDGE", "SUBNET", "GATEWAY");
    char **names;
    size_t n;
    sbc_net_user_names(&names, &n);
    int rc = ls_net(l, SBC_NET_DEFAULT, e);
    for (size_t i = 0; rc == 0 && i <= n + 1; i++)
        rc = ls_net(l, i < n ? names[i] : i == n ? "host" : "none", e);
    sbc_names_free(names, n);
    if (rc < 0)
        sbc_fmt_free(&l->fm);
    else
        sbc_fmt_end(&l->fm);
    sbc_filters_free(&l->flt);
    return rc;
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
    enum { O_FORCE = 'f', O_QUIET = 'q', O_DRIVER = 'd', O_FORMAT = 256, O_SUBNET, O_GATEWAY, O_LABEL, O_ALIAS,
           O_FILTER, O_NOTRUNC };
    sbc_option opts[] = {
        {"force", 'f', SBC_OPT_NOARG, O_FORCE},
        {"driver", 'd', SBC_OPT_ARG, O_DRIVER},
        {"subnet", 0, SBC_OPT_ARG, O_SUBNET},
        {"gateway", 0, SBC_OPT_ARG, O_GATEWAY},
        {"label", 0, SBC_OPT_ARG, O_LABEL},
        {"alias", 0, SBC_OPT_ARG, O_ALIAS},
        {"quiet", 'q', SBC_OPT_NOARG, O_QUIET},
        {"format", 0, SBC_OPT_ARG, O_FORMAT},
        {"filter", 0, SBC_OPT_ARG, O_FILTER},
        {"no-trunc", 0, SBC_OPT_NOARG, O_NOTRUNC},
        {0},
    };
    if (argc > 1 && (!strcmp(argv[1], "ls") || !strcmp(argv[1], "list")))
        opts[0].shrt = 0, opts[8].shrt = 'f'; /* ls -f is --filter, as Docker's */
    net_ls l = {0};
    const char *format = NULL;
    int force = 0, c;
    const char *subnet = NULL, *gateway = NULL;
    cJSON *labels = NULL, *aliases = NULL;
    sbc_opts o;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        switch (c) {
        case O_FORCE: force = sbc_opt_bool(&o); break;
        case O_QUIET: l.quiet = sbc_opt_bool(&o); break;
        case O_FILTER: sbc_filter_add(&l.flt, o.arg, net_filter_keys); break;
        case O_NOTRUNC: l.notrunc = sbc_opt_bool(&o); break;
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
        case O_FORMAT: format = sbc_fmt_arg(o.arg); break;
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
        sbc_fmt_init(&l.fm, l.quiet ? NULL : format, net_titles);
        return ls(&l, &e) < 0 ? sbc_err_print(&e) : 0;
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
        if (sbc_net_prune(l.quiet ? NULL : report, stdout, &e) < 0)
            return sbc_err_print(&e);
        return 0;
    }
    sbc_usage_error("unknown command \"%s\"", cmd);
}
