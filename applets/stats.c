/* stats.c - sbc-stats: live resource use of containers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "applets.h"
#include "base/json.h"
#include "image/store.h"
#include "opt.h"
#include "runtime/container.h"
#include "runtime/stats.h"

const char stats_usage[] =
    "Usage: sbc-stats [--no-stream] [--format json] [CONTAINER...]\n"
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
    "      --format json   one JSON object per line (Docker's keys)\n";

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

static void show(sbc_container *c, const sbc_ctr_stats *a, const sbc_ctr_stats *b, int json, int idw)
{
    char cpu[16], memp[16], mu[32], ml[32], mem[72], r[32], w[32], net[72], blk[72], pids[24], id[72];
    snprintf(cpu, sizeof cpu, "%.2f%%", sbc_stats_cpu_percent(a, b));
    snprintf(memp, sizeof memp, "%.2f%%", b->mem_limit > 0 ? (double)b->mem / (double)b->mem_limit * 100 : 0.0);
    bin(b->mem, mu, sizeof mu), bin(b->mem_limit, ml, sizeof ml);
    snprintf(mem, sizeof mem, "%s / %s", mu, ml);
    dec(b->net_rx, r, sizeof r), dec(b->net_tx, w, sizeof w);
    snprintf(net, sizeof net, "%s / %s", r, w);
    dec(b->blk_read, r, sizeof r), dec(b->blk_write, w, sizeof w);
    snprintf(blk, sizeof blk, "%s / %s", r, w);
    snprintf(pids, sizeof pids, "%lld", b->pids);
    snprintf(id, sizeof id, "%.*s", idw, c->id);
    if (!json) {
        printf("%-15s%-20s%-10s%-22s%-10s%-20s%-20s%s\n", id, sbc_container_name(c), cpu, mem, memp, net, blk, pids);
        return;
    }
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "BlockIO", blk);
    cJSON_AddStringToObject(j, "CPUPerc", cpu);
    cJSON_AddStringToObject(j, "Container", id);
    cJSON_AddStringToObject(j, "ID", id);
    cJSON_AddStringToObject(j, "MemPerc", memp);
    cJSON_AddStringToObject(j, "MemUsage", mem);
    cJSON_AddStringToObject(j, "Name", sbc_container_name(c));
    cJSON_AddStringToObject(j, "NetIO", net);
    cJSON_AddStringToObject(j, "PIDs", pids);
    char *s = cJSON_PrintUnformatted(j);
    printf("%s\n", s);
    cJSON_free(s);
    cJSON_Delete(j);
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
    int c, all = 0, stream = isatty(1), json = 0, idw = 12;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        if (c == 'a')
            all = sbc_opt_bool(&o);
        else if (c == O_NOSTREAM)
            stream = stream && !sbc_opt_bool(&o);
        else if (c == O_NOTRUNC)
            idw = sbc_opt_bool(&o) ? SBC_HEX_LEN : 12;
        else if (strcmp(o.arg, "json") && strcmp(o.arg, "{{json .}}"))
            sbc_usage_error("--format: only json is supported");
        else
            json = 1;
    }
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
        if (!json)
            printf("%-15s%-20s%-10s%-22s%-10s%-20s%-20s%s\n", "CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT",
                   "MEM %", "NET I/O", "BLOCK I/O", "PIDS");
        for (int i = 0; i < n; i++)
            show(&cs[i], &a[i], &b[i], json, idw);
        fflush(stdout);
        memcpy(a, b, (size_t)n * sizeof *a);
    } while (stream);
    free(a);
    free(b);
    sbc_containers_free(cs, n);
    return 0;
}
