/* system.c - sbc-system: disk usage (df) and prune of the whole store. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "applets.h"
#include "base/json.h"
#include "base/time.h"
#include "net/net.h"
#include "opt.h"
#include "prunecli.h"
#include "runtime/prune.h"

const char system_usage[] =
    "Usage: sbc-system COMMAND [OPTIONS]\n"
    "\n"
    "The store as a whole: what it holds, and giving back what nothing uses.\n"
    "\n"
    "Commands:\n"
    "  df                 images, containers, volumes and build cache (the\n"
    "                     intermediate images of sbc-build): count, in use,\n"
    "                     size (layers two images share counted once) and\n"
    "                     what a prune would free\n"
    "  prune              remove stopped containers, the user networks no container\n"
    "                     uses (and the addresses and rules of containers gone),\n"
    "                     dangling images (-a: every unused image), the unused\n"
    "                     build cache (-a: all of it, as sbc-builder prune -a),\n"
    "                     with --volumes the unused anonymous volumes\n"
    "\n"
    "Options:\n"
    "  -a, --all          prune: every image no container uses, not only dangling,\n"
    "                     and all build cache\n"
    "  -f, --force        prune: do not ask for confirmation\n"
    "      --volumes      prune: volumes too\n"
    "      --format json  df: one JSON object per line\n";

static void df_print(const sbc_df_row *r, int json)
{
    for (int i = 0; i < 4; i++) {
        char size[32], rec[32];
        sbc_human_size(r[i].size, size, sizeof size);
        sbc_human_size(r[i].reclaimable, rec, sizeof rec);
        if (json) {
            printf("{\"Type\":\"%s\",\"TotalCount\":\"%d\",\"Active\":\"%d\",\"Size\":\"%s\","
                   "\"Reclaimable\":\"%s\",\"Shared\":\"%lld\"}\n",
                   r[i].type, r[i].total, r[i].active, size, rec, r[i].shared);
            continue;
        }
        if (i == 0)
            printf("%-16s%-10s%-10s%-10s%s\n", "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
        char pct[16] = "";
        if (i < 3)
            snprintf(pct, sizeof pct, " (%d%%)", r[i].size > 0 ? (int)(100 * r[i].reclaimable / r[i].size) : 0);
        printf("%-16s%-10d%-10d%-10s%s%s\n", r[i].type, r[i].total, r[i].active, size, rec, pct);
    }
    if (!json && r[0].shared > 0) {
        char sh[32];
        sbc_human_size(r[0].shared, sh, sizeof sh);
        printf("(images share %s of layers, counted once)\n", sh);
    }
}

static void net_removed(void *arg, const char *what)
{
    (void)arg;
    printf("Deleted Networks: %s\n", what);
}

int system_main(int argc, char **argv)
{
    enum { O_ALL = 'a', O_FORCE = 'f', O_FORMAT = 256, O_VOLUMES };
    static const sbc_option opts[] = {{"all", 'a', SBC_OPT_NOARG, O_ALL},
                                      {"force", 'f', SBC_OPT_NOARG, O_FORCE},
                                      {"format", 0, SBC_OPT_ARG, O_FORMAT},
                                      {"volumes", 0, SBC_OPT_NOARG, O_VOLUMES},
                                      {0}};
    int all = 0, force = 0, json = 0, volumes = 0, c;
    sbc_opts o;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        if (c == O_ALL)
            all = sbc_opt_bool(&o);
        else if (c == O_FORCE)
            force = sbc_opt_bool(&o);
        else if (c == O_VOLUMES)
            volumes = sbc_opt_bool(&o);
        else if (c == O_FORMAT && !(json = !strcmp(o.arg, "json")))
            sbc_usage_error("--format: only json is supported");
    }
    sbc_opt_operands(&o, 1, 1);
    const char *cmd = o.rest[0];
    if (strcmp(cmd, "df") && strcmp(cmd, "prune"))
        sbc_usage_error("unknown command \"%s\" (df or prune)", cmd);
    sbc_err e = {0};
    sbc_store s;
    if (sbc_store_open(&s, &e) < 0)
        return sbc_err_print(&e);
    int rc = 0;
    if (!strcmp(cmd, "df")) {
        sbc_df_row rows[4];
        rc = sbc_df(&s, rows, &e) < 0 ? sbc_err_print(&e) : (df_print(rows, json), 0);
    } else if (sbc_prune_confirm(force, all ? "all stopped containers, all networks not used by at least one "
                                               "container, all images without at least one container "
                                               "associated to them, all build cache"
                                             : "all stopped containers, all networks not used by at least "
                                               "one container, all dangling images, unused build cache")) {
        long long freed = 0, f = 0;
        sbc_prune_report rep = {0};
        if (sbc_prune_containers(&s, sbc_prune_print, &rep, &f, &e) < 0)
            rc = sbc_err_print(&e);
        freed += f;
        sbc_err_clear(&e);
        if (sbc_net_prune(net_removed, NULL, &e) < 0)
            rc = sbc_err_print(&e);
        sbc_err_clear(&e);
        if (sbc_prune_images(&s, all, sbc_prune_print, &rep, &f, &e) < 0)
            rc = sbc_err_print(&e);
        freed += f;
        sbc_err_clear(&e);
        if (sbc_prune_build_cache(&s, all, sbc_prune_print, &rep, &f, &e) < 0)
            rc = sbc_err_print(&e);
        freed += f;
        sbc_err_clear(&e);
        if (volumes && sbc_prune_volumes(&s, 0, sbc_prune_print, &rep, &f, &e) < 0)
            rc = sbc_err_print(&e);
        freed += volumes ? f : 0;
        sbc_prune_total(freed);
    }
    sbc_store_close(&s);
    return rc;
}
