/* stats.c - a container's resource use (see stats.h). */
#include "runtime/stats.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/io.h"
#include "runtime/cgroup.h"
#include "runtime/lifecycle.h"

/* The text of dir/file (malloc'd), NULL when unreadable. */
static char *slurp(const char *dir, const char *file)
{
    char p[PATH_MAX + 64];
    sbc_err e = {0};
    snprintf(p, sizeof p, "%s/%s", dir, file);
    return sbc_read_file(AT_FDCWD, p, 1 << 20, NULL, &e);
}

/* The number in dir/file ("max" and unreadable: -1). */
static long long num(const char *dir, const char *file)
{
    char *s = slurp(dir, file);
    long long v = s && *s >= '0' && *s <= '9' ? strtoll(s, NULL, 10) : -1;
    free(s);
    return v;
}

/* The value of "key N" in dir/file; 0 when absent. */
static long long keyed(const char *dir, const char *file, const char *key)
{
    char *s = slurp(dir, file);
    long long v = 0;
    size_t kl = strlen(key);
    for (char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (!strncmp(l, key, kl) && l[kl] == ' ') {
            v = strtoll(l + kl + 1, NULL, 10);
            break;
        }
    free(s);
    return v;
}

static void cpu_time(sbc_container *c, sbc_ctr_stats *s)
{
    char d[PATH_MAX];
    long long v;
    if (sbc_cgroup_dir(c->cgroup, NULL, d, sizeof d) == 0 && (v = keyed(d, "cpu.stat", "usage_usec")) > 0) {
        s->cpu_ns = (unsigned long long)v * 1000;
        return;
    }
    if (sbc_cgroup_dir(c->cgroup, "cpuacct", d, sizeof d) == 0 && (v = num(d, "cpuacct.usage")) >= 0) {
        s->cpu_ns = (unsigned long long)v;
        return;
    }
    pid_t *pids;
    int n;
    sbc_err e = {0};
    if (sbc_container_pids(c, &pids, &n, &e) < 0)
        return;
    double hz = (double)sysconf(_SC_CLK_TCK);
    for (int i = 0; i < n; i++) {
        char p[64], *st;
        unsigned long long ut, stt;
        snprintf(p, sizeof p, "/proc/%d/stat", (int)pids[i]);
        if (!(st = sbc_read_file(AT_FDCWD, p, 4096, NULL, &e)))
            continue;
        char *rp = strrchr(st, ')');
        if (rp && sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &stt) == 2)
            s->cpu_ns += (unsigned long long)((double)(ut + stt) * 1e9 / hz);
        free(st);
    }
    free(pids);
}

static void memory(const char *cg, sbc_ctr_stats *s)
{
    char d[PATH_MAX];
    if (sbc_cgroup_dir(cg, "memory", d, sizeof d) == 0) {
        s->mem = num(d, "memory.usage_in_bytes") - keyed(d, "memory.stat", "total_inactive_file");
        s->mem_limit = num(d, "memory.limit_in_bytes");
    } else if (sbc_cgroup_dir(cg, NULL, d, sizeof d) == 0) {
        s->mem = num(d, "memory.current") - keyed(d, "memory.stat", "inactive_file");
        s->mem_limit = num(d, "memory.max");
    }
    if (s->mem < 0)
        s->mem = 0;
    long long host = (long long)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);
    if (s->mem_limit <= 0 || s->mem_limit > host)
        s->mem_limit = host;
}

static void block_io(const char *cg, sbc_ctr_stats *s)
{
    char d[PATH_MAX], *t;
    if (sbc_cgroup_dir(cg, "blkio", d, sizeof d) == 0 && (t = slurp(d, "blkio.throttle.io_service_bytes"))) {
        /* "MAJ:MIN Read N" lines */
        for (char *l = t; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
            char op[16];
            long long v;
            if (sscanf(l, "%*u:%*u %15s %lld", op, &v) != 2)
                continue;
            if (!strcmp(op, "Read"))
                s->blk_read += v;
            else if (!strcmp(op, "Write"))
                s->blk_write += v;
        }
        free(t);
    } else if (sbc_cgroup_dir(cg, NULL, d, sizeof d) == 0 && (t = slurp(d, "io.stat"))) {
        /* "MAJ:MIN rbytes=N wbytes=N rios=..." lines */
        for (char *l = t; (l = strstr(l, "bytes=")); l += 6) {
            if (l > t && l[-1] == 'r')
                s->blk_read += strtoll(l + 6, NULL, 10);
            else if (l > t && l[-1] == 'w')
                s->blk_write += strtoll(l + 6, NULL, 10);
        }
        free(t);
    }
}

static void net_io(pid_t pid, sbc_ctr_stats *s)
{
    char p[64], *t;
    sbc_err e = {0};
    snprintf(p, sizeof p, "/proc/%d/net/dev", (int)pid);
    if (!(t = sbc_read_file(AT_FDCWD, p, 1 << 20, NULL, &e)))
        return;
    /* "  eth0: RXBYTES packets errs drop fifo frame compressed multicast TXBYTES ..." */
    for (char *l = t; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        char ifn[32];
        long long rx, tx;
        if (sscanf(l, " %31[^:]: %lld %*d %*d %*d %*d %*d %*d %*d %lld", ifn, &rx, &tx) == 3 && strcmp(ifn, "lo")) {
            s->net_rx += rx;
            s->net_tx += tx;
        }
    }
    free(t);
}

/* The host's CPU time: the "cpu" line of /proc/stat, in ns. */
static unsigned long long host_time(void)
{
    sbc_err e = {0};
    char *t = sbc_read_file(AT_FDCWD, "/proc/stat", 1 << 20, NULL, &e);
    unsigned long long sum = 0, v[8] = {0};
    if (t && sscanf(t, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
                    &v[7]) >= 4)
        for (int i = 0; i < 8; i++)
            sum += v[i];
    free(t);
    return (unsigned long long)((double)sum * 1e9 / (double)sysconf(_SC_CLK_TCK));
}

void sbc_container_stats(sbc_container *c, sbc_ctr_stats *s)
{
    memset(s, 0, sizeof *s);
    s->host_ns = host_time();
    s->ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
    memory(c->cgroup, s);
    if (sbc_container_refresh(c) != 1) {
        s->mem = 0;
        return;
    }
    cpu_time(c, s);
    block_io(c->cgroup, s);
    net_io(c->state.pid, s);
    char d[PATH_MAX];
    if (sbc_cgroup_dir(c->cgroup, "pids", d, sizeof d) == 0 || sbc_cgroup_dir(c->cgroup, NULL, d, sizeof d) == 0)
        s->pids = num(d, "pids.current");
    if (s->pids < 0) {
        pid_t *pids;
        int n = 0;
        sbc_err e = {0};
        if (sbc_container_pids(c, &pids, &n, &e) == 0)
            free(pids);
        s->pids = n;
    }
}

double sbc_stats_cpu_percent(const sbc_ctr_stats *a, const sbc_ctr_stats *b)
{
    if (b->host_ns <= a->host_ns || b->cpu_ns < a->cpu_ns)
        return 0;
    return (double)(b->cpu_ns - a->cpu_ns) / (double)(b->host_ns - a->host_ns) * b->ncpu * 100.0;
}
