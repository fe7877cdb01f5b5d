/* network.c - sbc-network: list, inspect, remove and prune sbc's networks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets.h"
#include "net/ipam.h"
#include "base/json.h"
#include "net/net.h"
#include "listfmt.h"
#include "opt.h"

const char network_usage[] =
    "Usage: sbc-network COMMAND [OPTIONS]\n"
    "\n"
    "Manage container networks: \"bridge\" (the default, see\n"
    "\"bridge\"/\"subnet\"/\"gateway\"/\"dns\" in $SBC_CONFIG_DIR/config.json), \"host\", \"none\".\n"
    "\n"
    "Commands:\n"
    "  ls                 list networks\n"
    "  inspect [NAME...]  show networks as JSON (default: bridge), with the\n"
    "                     egress interface and the containers' addresses\n"
    "  rm NAME            remove the bridge network: bridge, nf_tables table, leases\n"
    "  prune              release addresses, veths and rules of containers that are gone\n"
    "\n"
    "Options:\n"
    "  -f, --force        rm: even with containers attached\n"
    "      --format FORMAT  ls: 'json' (one JSON object per line) or a Go template:\n"
    "                     {{.Name}} {{.Driver}} {{.Bridge}} {{.Subnet}} {{.Gateway}}\n"
    "  -q, --quiet        ls: names only; prune: print nothing\n";

/* prune: a line per item removed, on the stream arg */
static void report(void *arg, const char *what)
{
    fprintf(arg, "Removed %s\n", what);
}

int network_main(int argc, char **argv)
{
    enum { O_FORCE = 'f', O_QUIET = 'q', O_FORMAT = 256 };
    static const sbc_option opts[] = {
        {"force", 'f', SBC_OPT_NOARG, O_FORCE},
        {"quiet", 'q', SBC_OPT_NOARG, O_QUIET},
        {"format", 0, SBC_OPT_ARG, O_FORMAT},
        {0},
    };
    int force = 0, json = 0, quiet = 0, c;
    const char *format = NULL;
    sbc_opts o;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        switch (c) {
        case O_FORCE: force = sbc_opt_bool(&o); break;
        case O_QUIET: quiet = sbc_opt_bool(&o); break;
        case O_FORMAT: format = o.arg, json = 1; break;
        }
    }
    sbc_opt_operands(&o, 1, -1);
    const char *cmd = o.rest[0];
    sbc_err e = {0};
    if (!strcmp(cmd, "ls") || !strcmp(cmd, "list")) {
        sbc_opt_operands(&o, 1, 1);
        sbc_netconf nc;
        if (sbc_net_config(&nc, 0, &e) < 0) {
            sbc_net_config_free(&nc);
            return sbc_err_print(&e);
        }
        char sub[24] = "-", gw[16] = "-";
        if (nc.subnet.len) {
            char a[16];
            snprintf(sub, sizeof sub, "%s/%d", sbc_ip_fmt(nc.subnet.addr, a), nc.subnet.len);
            sbc_ip_fmt(nc.gateway, gw);
        }
        const char *rows[3][5] = {{nc.name, "bridge", nc.bridge, sub, gw},
                                  {"host", "host", "-", "-", "-"},
                                  {"none", "null", "-", "-", "-"}};
        if (!json && !quiet)
            printf("%-10s %-8s %-16s %-18s %s\n", "NAME", "DRIVER", "BRIDGE", "SUBNET", "GATEWAY");
        static const char *const titles[] = {"Name", "NAME", "Driver", "DRIVER", "Bridge", "BRIDGE",
                                             "Subnet", "SUBNET", "Gateway", "GATEWAY", NULL};
        sbc_fmt fm;
        sbc_fmt_init(&fm, quiet ? NULL : format, titles);
        for (int i = 0; i < 3; i++) {
            if (quiet) {
                puts(rows[i][0]);
            } else if (json) {
                cJSON *j = cJSON_CreateObject();
                static const char *const keys[] = {"Name", "Driver", "Bridge", "Subnet", "Gateway"};
                for (int k = 0; k < 5; k++)
                    cJSON_AddStringToObject(j, keys[k], strcmp(rows[i][k], "-") ? rows[i][k] : "");
                int r = sbc_fmt_row(&fm, j, &e);
                cJSON_Delete(j);
                if (r < 0) {
                    sbc_fmt_free(&fm);
                    sbc_net_config_free(&nc);
                    return sbc_err_print(&e);
                }
            } else {
                printf("%-10s %-8s %-16s %-18s %s\n", rows[i][0], rows[i][1], rows[i][2], rows[i][3], rows[i][4]);
            }
        }
        sbc_fmt_end(&fm);
        sbc_net_config_free(&nc);
        return 0;
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
