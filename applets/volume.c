/* volume.c - sbc-volume: create, list, inspect, remove and prune volumes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets.h"
#include "base/io.h"
#include "base/json.h"
#include "image/store.h"
#include "listfmt.h"
#include "opt.h"
#include "runtime/volume.h"

const char volume_usage[] =
    "Usage: sbc-volume COMMAND [OPTIONS]\n"
    "\n"
    "Manage volumes: directories under $SBC_ROOT/volumes that outlive their\n"
    "containers (run -v NAME:/PATH, --mount type=volume,...).\n"
    "\n"
    "Commands:\n"
    "  create [NAME]      create a volume (no NAME: a generated one)\n"
    "  ls                 list volumes\n"
    "  inspect NAME...    show volumes as JSON\n"
    "  rm NAME...         remove volumes (never one a container uses)\n"
    "  prune              remove unused anonymous volumes (-a: every unused one)\n"
    "\n"
    "Options:\n"
    "      --label K=V    create: set a label (repeatable)\n"
    "  -d, --driver local create: the driver (only \"local\")\n"
    "  -o, --opt K=V      create: driver options (the local driver takes none here)\n"
    "  -q, --quiet        ls: names only\n"
    "      --format FORMAT  ls: json (one JSON object per line) or a Go\n"
    "                     template: {{.Name}} {{.Driver}} {{.Scope}}\n"
    "                     {{.Mountpoint}} {{.Labels}} {{.Label \"k\"}} {{.Links}}\n"
    "                     {{.Size}} (N/A, as Docker's ls); 'table ...' adds a\n"
    "                     header\n"
    "  -f, --filter KEY=VALUE  ls: name= (a substring), dangling=true|false (no\n"
    "                     container uses it), driver=, label=KEY[=VALUE]; the\n"
    "                     same key ORs, different keys AND\n"
    "  -f, --force        rm: a missing volume is no error; prune: no prompt\n"
    "  -a, --all          prune: named volumes too\n";

typedef struct vol_cli {
    const char **labels;
    int nlabels, quiet, force, all;
    const char *format, *bad_driver, *bad_opt;
    sbc_filters flt;
} vol_cli;

static int do_create(const char *root, vol_cli *v, char **names, int n)
{
    sbc_err e = {0};
    char out[SBC_VOLUME_NAME_MAX + 1];
    if (n > 1)
        sbc_usage_error("create takes at most one NAME");
    if (v->bad_driver || v->bad_opt) {
        const char *nm = n ? names[0] : "";
        sbc_err_set(&e, SBC_EXIT_FAIL, v->bad_driver ? "create %s: driver %s: only \"local\" is supported"
                                                     : "create %s: unknown option %s (the local driver takes none here)",
                    nm, v->bad_driver ? v->bad_driver : v->bad_opt);
        return sbc_err_print(&e);
    }
    if (sbc_volume_create(root, n ? names[0] : NULL, v->labels, v->nlabels, out, &e) < 0)
        return sbc_err_print(&e);
    printf("%s\n", out);
    return 0;
}

static const char *const vol_titles[] = {"Name", "VOLUME NAME", "Driver", "DRIVER", "Scope", "SCOPE", "Mountpoint",
                                         "MOUNTPOINT", "Labels", "LABELS", "Links", "LINKS", "Size", "SIZE", NULL};
static const char *const vol_filter_keys[] = {"name", "dangling", "driver", "label", NULL};

struct vol_match {
    const char *root;
    const cJSON *j;
};

static int vol_match(const char *key, const char *val, void *ctx)
{
    const struct vol_match *m = ctx;
    const char *name = sbc_json_str(m->j, "Name");
    if (!strcmp(key, "name"))
        return strstr(name, val) != NULL;
    if (!strcmp(key, "driver"))
        return !strcmp(val, "local");
    if (!strcmp(key, "label"))
        return sbc_filter_label(sbc_json_obj(m->j, "Labels"), val);
    char who[72];
    sbc_err e = {0};
    return sbc_volume_users(m->root, name, who, sizeof who, &e) == (!strcmp(val, "false") || !strcmp(val, "0"));
}

static int do_ls(const char *root, vol_cli *v)
{
    sbc_err e = {0};
    char **names;
    size_t n;
    for (int i = 0; i < v->flt.n; i++) {
        const char *val = v->flt.val[i];
        if (!strcmp(v->flt.key[i], "dangling") && strcmp(val, "true") && strcmp(val, "false") && strcmp(val, "1") &&
            strcmp(val, "0"))
            sbc_filter_invalid("dangling", 8, val);
    }
    sbc_fmt fm;
    sbc_fmt_init(&fm, v->quiet ? NULL : v->format, vol_titles);
    if (sbc_volume_list(root, &names, &n, &e) < 0)
        return sbc_err_print(&e);
    if (!v->quiet && !v->format)
        printf("%-15s %s\n", "DRIVER", "VOLUME NAME");
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        cJSON *j = sbc_volume_inspect(root, names[i], &e);
        struct vol_match m = {root, j};
        if (j && sbc_filter_match(&v->flt, vol_match, &m)) {
            cJSON *r = cJSON_CreateObject();
            static const char *const f[] = {"Driver", "Mountpoint", "Name", "Scope"};
            for (int k = 0; k < 4; k++)
                cJSON_AddStringToObject(r, f[k], sbc_json_str(j, f[k]) ? sbc_json_str(j, f[k]) : "");
            sbc_fmt_labels(r, sbc_json_obj(j, "Labels"));
            cJSON_AddStringToObject(r, "Links", "N/A"); /* as Docker's ls (system df -v counts) */
            cJSON_AddStringToObject(r, "Size", "N/A");
            if (v->quiet)
                printf("%s\n", names[i]);
            else if (v->format)
                rc = sbc_fmt_row(&fm, r, &e);
            else
                printf("%-15s %s\n", "local", names[i]);
            cJSON_Delete(r);
        }
        cJSON_Delete(j);
    }
    sbc_names_free(names, n);
    sbc_filters_free(&v->flt);
    if (rc < 0) {
        sbc_fmt_free(&fm);
        return sbc_err_print(&e);
    }
    sbc_fmt_end(&fm);
    return 0;
}

static int do_inspect(const char *root, char **names, int n)
{
    cJSON *arr = cJSON_CreateArray();
    int rc = 0;
    for (int i = 0; i < n; i++) {
        sbc_err e = {0};
        cJSON *j = sbc_volume_inspect(root, names[i], &e);
        if (j)
            cJSON_AddItemToArray(arr, j);
        else
            rc = sbc_err_print(&e);
    }
    sbc_json_print(stdout, arr);
    cJSON_Delete(arr);
    return rc;
}

static int do_rm(const char *root, vol_cli *v, char **names, int n)
{
    int rc = 0;
    for (int i = 0; i < n; i++) {
        sbc_err e = {0};
        if (sbc_volume_remove(root, names[i], NULL, &e) == 0)
            printf("%s\n", names[i]);
        else if (!(v->force && e.errnum == ENOENT))
            rc = sbc_err_print(&e);
    }
    return rc;
}

static int do_prune(const char *root, vol_cli *v)
{
    sbc_err e = {0};
    char **names;
    size_t n;
    unsigned long long total = 0;
    if (sbc_volume_list(root, &names, &n, &e) < 0)
        return sbc_err_print(&e);
    printf("Deleted Volumes:\n");
    for (size_t i = 0; i < n; i++) {
        cJSON *j = sbc_volume_inspect(root, names[i], &e);
        char who[72];
        unsigned long long b = 0;
        if (j && (v->all || sbc_volume_anonymous(j)) && sbc_volume_users(root, names[i], who, sizeof who, &e) == 0 &&
            sbc_volume_remove(root, names[i], &b, &e) == 0) {
            printf("%s\n", names[i]);
            total += b;
        }
        cJSON_Delete(j);
    }
    sbc_names_free(names, n);
    printf("\nTotal reclaimed space: %lluB\n", total);
    return 0;
}

int volume_main(int argc, char **argv)
{
    enum { O_LABEL = 256, O_FORMAT, O_FILTER, O_DRIVER = 'd', O_OPT = 'o', O_QUIET = 'q', O_FORCE = 'f', O_ALL = 'a' };
    sbc_option opts[] = {
        {"label", 0, SBC_OPT_ARG, O_LABEL}, {"driver", 'd', SBC_OPT_ARG, O_DRIVER},
        {"opt", 'o', SBC_OPT_ARG, O_OPT}, {"quiet", 'q', SBC_OPT_NOARG, O_QUIET},
        {"format", 0, SBC_OPT_ARG, O_FORMAT}, {"filter", 0, SBC_OPT_ARG, O_FILTER},
        {"force", 'f', SBC_OPT_NOARG, O_FORCE}, {"all", 'a', SBC_OPT_NOARG, O_ALL}, {0},
    };
    if (argc > 1 && (!strcmp(argv[1], "ls") || !strcmp(argv[1], "list")))
        opts[5].shrt = 'f', opts[6].shrt = 0; /* ls -f is --filter, as Docker's */
    vol_cli v = {0};
    sbc_opts o;
    int c;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        switch (c) {
        case O_LABEL:
            v.labels = sbc_xrealloc(v.labels, (size_t)(v.nlabels + 1) * sizeof *v.labels);
            v.labels[v.nlabels++] = o.arg;
            break;
        case O_DRIVER: v.bad_driver = strcmp(o.arg, "local") ? o.arg : NULL; break;
        case O_OPT: v.bad_opt = o.arg; break;
        case O_QUIET: v.quiet = sbc_opt_bool(&o); break;
        case O_FORMAT: v.format = sbc_fmt_arg(o.arg); break;
        case O_FILTER: sbc_filter_add(&v.flt, o.arg, vol_filter_keys); break;
        case O_FORCE: v.force = sbc_opt_bool(&o); break;
        case O_ALL: v.all = sbc_opt_bool(&o); break;
        }
    }
    sbc_opt_operands(&o, 1, -1);
    const char *cmd = o.rest[0];
    char **ops = o.rest + 1;
    int nops = o.nrest - 1;
    sbc_err e = {0};
    sbc_store st;
    if (strcmp(cmd, "create") && strcmp(cmd, "ls") && strcmp(cmd, "list") && strcmp(cmd, "inspect") &&
        strcmp(cmd, "rm") && strcmp(cmd, "remove") && strcmp(cmd, "prune"))
        sbc_usage_error("unknown command: %s", cmd);
    if ((!strcmp(cmd, "inspect") || !strcmp(cmd, "rm") || !strcmp(cmd, "remove")) && nops < 1)
        sbc_usage_error("%s needs at least one NAME", cmd);
    if (sbc_store_open(&st, &e) < 0)
        return sbc_err_print(&e);
    int rc = !strcmp(cmd, "create") ? do_create(st.root, &v, ops, nops)
           : cmd[0] == 'l' ? do_ls(st.root, &v)
           : cmd[0] == 'i' ? do_inspect(st.root, ops, nops)
           : cmd[0] == 'r' ? do_rm(st.root, &v, ops, nops)
           : do_prune(st.root, &v);
    sbc_store_close(&st);
    return rc;
}
