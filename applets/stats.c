/* stats.c - sbc-stats: live resource use of containers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "applets.h"
#include "base/json.h"
#include "image/store.h"
#include "listfmt.h"
#include "opt.h"
#include "runtime/container.h"
#include "runtime/stats.h"

const char stats_usage[] =
    "Usage: sbc-stats [--no-stream] [--format FORMAT] [CONTAINER...]\n"
    "\n"
    "Resource use of containers (default: the running ones): CPU % (Docker's:\n"
    "the container's CPU time against the host's over one second, times the\n"
    "CPUs), memory used (less the inactive page cache) against its limit or\n"
    "the host's memory, network bytes (lo left out), block I/O bytes where\n"
    "the cgroup counts them, and pids.  On a terminal the table is redrawn\n"
    "every second until interrupted; elsewhere, or with --no-stream, one\n"
    "snapshot is printed (after a one-second sample).\n"
    "\n"
    "Options:\n"
    "  -a, --all           all containers, not only running ones\n"
    "      --no-stream     one snapshot, then exit\n"
    "      --no-trunc      full IDs\n"
    "      --format FORMAT json: one JSON object per line (Docker's keys); else\n"
    "                      a Go template: {{.Container}} (as named, else the\n"
    "                      ID) {{.Name}} {{.ID}} {{.CPUPerc}} {{.MemUsage}}\n"
    "                      {{.MemPerc}} {{.NetIO}} {{.BlockIO}} {{.PIDs}};\n"
    "                      'table ...' adds a header\n";

/* "%.4g" with a unit of base k: Docker's BytesSize (1024, MiB) and
 * HumanSize (1000, MB) */
static void size_text(double v, double k, const char *const *units, char *out, size_t n)
{
    int u = 0;
    while (v >= k && units[u + 1])
        v /= k, u++;
    snprintf(out, n, "%.4g%s", v, units[u]);
}

static void bin(long long v, char *out, size_t n)
{
    static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB", NULL};
    size_text((double)v, 1024, u, out, n);
}

static void dec(long long v, char *out, size_t n)
{
    static const char *const u[] = {"B", "kB", "MB", "GB", "TB", NULL};
    size_text((double)v, 1000, u, out, n);
}

static const char *const stats_titles[] = {"Container", "CONTAINER", "Name", "NAME", "ID", "CONTAINER ID",
                                           "CPUPerc", "CPU %", "MemUsage", "MEM USAGE / LIMIT", "MemPerc", "MEM %",
                                           "NetIO", "NET I/O", "BlockIO", "BLOCK I/O", "PIDs", "PIDS", NULL};

/* Docker's row (the keys of its --format json, sorted) */
static cJSON *stats_row(sbc_container *c, const sbc_ctr_stats *a, const sbc_ctr_stats *b, int idw, const char *ref)
{
    char v[9][72], x[32], y[32];
    dec(b->blk_read, x, sizeof x), dec(b->blk_write, y, sizeof y);
    snprintf(v[0], 72, "%s / %s", x, y);
    snprintf(v[1], 72, "%.2f%%", sbc_stats_cpu_percent(a, b));
    snprintf(v[3], 72, "%.*s", idw, c->id);
    snprintf(v[2], 72, "%s", ref ? ref : v[3]); /* Container: as named, as Docker's */
    snprintf(v[4], 72, "%.2f%%", b->mem_limit > 0 ? (double)b->mem / (double)b->mem_limit * 100 : 0.0);
    bin(b->mem, x, sizeof x), bin(b->mem_limit, y, sizeof y);
    snprintf(v[5], 72, "%s / %s", x, y);
    snprintf(v[6], 72, "%s", sbc_container_name(c));
    dec(b->net_rx, x, sizeof x), dec(b->net_tx, y, sizeof y);
    snprintf(v[7], 72, "%s / %s", x, y);
    snprintf(v[8], 72, "%lld", b->pids);
    static const char *const keys[] = {"BlockIO", "CPUPerc", "Container", "ID", "MemPerc",
                                       "MemUsage", "Name", "NetIO", "PIDs"};
    cJSON *j = cJSON_CreateObject();
    for (int k = 0; k < 9; k++)
        cJSON_AddStringToObject(j, keys[k], v[k]);
    return j;
}

/* The containers named, or all (running, or every one with all). */
static int load(const char *root, char **refs, int nrefs, int all, sbc_container **cs, int *n, sbc_err *e)
{
    if (!nrefs)
        return sbc_container_list_all(root, all, NULL, cs, n, e);
    *cs = sbc_xcalloc((size_t)nrefs, sizeof **cs);
    for (*n = 0; *n < nrefs; (*n)++)
        if (sbc_container_open(root, refs[*n], &(*cs)[*n], e) < 0)
            return -1;
    return 0;
}

int stats_main(int argc, char **argv)
{
    enum { O_NOSTREAM = 256, O_FORMAT, O_NOTRUNC };
    static const sbc_option opts[] = {{"all", 'a', SBC_OPT_NOARG, 'a'}, {"no-stream", 0, SBC_OPT_NOARG, O_NOSTREAM},
                                      {"no-trunc", 0, SBC_OPT_NOARG, O_NOTRUNC}, {"format", 0, SBC_OPT_ARG, O_FORMAT},
                                      {0}};
    sbc_opts o;
    int c, all = 0, stream = isatty(1), idw = 12;
    const char *format = NULL;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        if (c == 'a')
            all = sbc_opt_bool(&o);
        else if (c == O_NOSTREAM)
            stream = stream && !sbc_opt_bool(&o);
        else if (c == O_NOTRUNC)
            idw = sbc_opt_bool(&o) ? SBC_HEX_LEN : 12;
        else
            format = sbc_fmt_arg(o.arg);
    }
    sbc_fmt fm;
    sbc_fmt_init(&fm, format, stats_titles);
    sbc_opt_operands(&o, 0, -1);
    sbc_err e = {0};
    sbc_store st;
    if (sbc_store_open(&st, &e) < 0)
        return sbc_err_print(&e);
    sbc_container *cs = NULL;
    int n = 0, rc = load(st.root, o.rest, o.nrest, all, &cs, &n, &e);
    sbc_store_close(&st);
    if (rc < 0) {
        sbc_containers_free(cs, n);
        sbc_fmt_free(&fm);
        e.code = 1;
        return sbc_err_print(&e);
    }
    sbc_ctr_stats *a = sbc_xcalloc((size_t)n + 1, sizeof *a), *b = sbc_xcalloc((size_t)n + 1, sizeof *b);
    for (int i = 0; i < n; i++)
        sbc_container_stats(&cs[i], &a[i]);
    do {
        struct timespec t = {1, 0};
        nanosleep(&t, NULL);
        for (int i = 0; i < n; i++)
            sbc_container_stats(&cs[i], &b[i]);
        if (stream)
            printf("\033[2J\033[H");
        if (!format)
            printf("%-15s%-20s%-10s%-22s%-10s%-20s%-20s%s\n", "CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT",
                   "MEM %", "NET I/O", "BLOCK I/O", "PIDS");
        for (int i = 0; i < n && rc == 0; i++) {
            cJSON *j = stats_row(&cs[i], &a[i], &b[i], idw, o.nrest ? o.rest[i] : NULL);
            if (format)
                rc = sbc_fmt_row(&fm, j, &e);
            else
                printf("%-15s%-20s%-10s%-22s%-10s%-20s%-20s%s\n", sbc_json_str(j, "ID"), sbc_json_str(j, "Name"),
                       sbc_json_str(j, "CPUPerc"), sbc_json_str(j, "MemUsage"), sbc_json_str(j, "MemPerc"),
                       sbc_json_str(j, "NetIO"), sbc_json_str(j, "BlockIO"), sbc_json_str(j, "PIDs"));
            cJSON_Delete(j);
        }
        sbc_fmt_flush(&fm);
        fflush(stdout);
        memcpy(a, b, (size_t)n * sizeof *a);
    } while (stream && rc == 0);
    free(a);
    free(b);
    sbc_containers_free(cs, n);
    sbc_fmt_free(&fm);
    return rc < 0 ? sbc_err_print(&e) : 0;
}
