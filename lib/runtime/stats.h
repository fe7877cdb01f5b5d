/* stats.h - one sample of a running container's resource use (sbc-stats).
 *
 * From its cgroup: CPU time (v2 cpu.stat usage_usec, which the unified tree
 * of a hybrid host keeps too, else v1 cpuacct.usage, else the utime+stime of
 * its processes), memory (v2 memory.current, v1 memory.usage_in_bytes, each
 * less the inactive page cache, as Docker shows it; the limit, or the host's
 * memory when none), block I/O (v2 io.stat, v1 blkio.throttle.
 * io_service_bytes: 0 where the host keeps no such count for it) and pids
 * (pids.current).  Network bytes from /proc/PID/net/dev of its init, lo
 * left out.  The host's CPU time (all CPUs, /proc/stat) comes with each
 * sample for Docker's CPU %: container delta / host delta x CPUs x 100.
 */
#ifndef SBC_STATS_H
#define SBC_STATS_H
#include "base/err.h"
#include "runtime/container.h"

typedef struct sbc_ctr_stats {
    unsigned long long cpu_ns;   /* the container's CPU time */
    unsigned long long host_ns;  /* the host's CPU time, all CPUs */
    int ncpu;                    /* online CPUs */
    long long mem, mem_limit;    /* bytes */
    long long net_rx, net_tx, blk_read, blk_write;
    long long pids;
} sbc_ctr_stats;

/* One sample of c (zeros when it does not run). */
void sbc_container_stats(sbc_container *c, sbc_ctr_stats *s);
/* Docker's CPU % between two samples. */
double sbc_stats_cpu_percent(const sbc_ctr_stats *a, const sbc_ctr_stats *b);

#endif
