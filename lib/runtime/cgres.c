/* cgres.c - OCI linux.resources into the cgroup files of this host's layout
 * (see cgroup.h's sbc_cg_resources): v1 files under their hierarchy, v2
 * files with the conversions runc and crun use (cpu.weight from shares,
 * io.weight from the blkio weight, memory.swap.max = swap - limit). */
#include "runtime/cgroup.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/io.h"
#include "base/json.h"

static void add(sbc_cg_limits *l, const char *ctrl, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add(sbc_cg_limits *l, const char *ctrl, const char *file, const char *fmt, ...)
{
    va_list ap;
    char v[512];
    va_start(ap, fmt);
    vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    l->writes = sbc_xrealloc(l->writes, (size_t)(l->nwrites + 1) * sizeof *l->writes);
    l->writes[l->nwrites].ctrl = ctrl;
    l->writes[l->nwrites].file = sbc_xstrdup(file);
    l->writes[l->nwrites++].value = sbc_xstrdup(v);
}

void sbc_cg_limits_free(sbc_cg_limits *l)
{
    for (int i = 0; i < l->nwrites; i++) {
        free(l->writes[i].file);
        free(l->writes[i].value);
    }
    free(l->writes);
    l->writes = NULL;
    l->nwrites = 0;
}

/* A number field: 1 and *v when present (a whole number), 0 when absent,
 * -1 when it is something else. */
static int bad; /* a field of the wrong kind was met (its message set) */

static int num(const cJSON *o, const char *k, long long *v)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!n || cJSON_IsNull(n))
        return 0;
    if (!cJSON_IsNumber(n) || !(n->valuedouble > -9.2e18 && n->valuedouble < 9.2e18) ||
        n->valuedouble != (double)(long long)n->valuedouble) {
        bad = 1;
        return -1;
    }
    *v = (long long)n->valuedouble;
    return 1;
}

#define NUM(o, k, v)                                                                           \
    ((r = num(o, k, &v)) < 0 ? sbc_err_set(e, 0, "config.json: linux.resources: %s must be a whole number", k) : r)

static int unknown(const cJSON *o, const char *where, const char *const *known, sbc_err *e)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, o) {
        int k = 0;
        while (known[k] && strcmp(known[k], it->string))
            k++;
        if (!known[k])
            return sbc_err_set(e, 0, "config.json: unknown field linux.resources.%s.%s", where, it->string);
    }
    return 0;
}

static int devices_io(const cJSON *a, const char *what, sbc_cg_limits *l, int v2, const char *v1file,
                      const char *v2key, sbc_err *e)
{
    const cJSON *it;
    int r;
    cJSON_ArrayForEach(it, a) {
        long long ma, mi, rate;
        if (NUM(it, "major", ma) != 1 || NUM(it, "minor", mi) != 1 || NUM(it, "rate", rate) != 1 || rate < 0 ||
            ma < 0 || mi < 0)
            return sbc_err_set(e, 0, "config.json: linux.resources.blockIO.%s: major, minor, rate", what);
        if (v2)
            add(l, NULL, "io.max", "%lld:%lld %s=%lld", ma, mi, v2key, rate);
        else
            add(l, "blkio", v1file, "%lld:%lld %lld", ma, mi, rate);
    }
    return 0;
}

static int memory(const cJSON *m, sbc_cg_limits *l, int v2, sbc_err *e)
{
    long long v;
    int r = 0;
    if (m) {
        static const char *const k[] = {"limit", "reservation", "swap", "kernel", "kernelTCP", "swappiness",
                                        "disableOOMKiller", "useHierarchy", "checkBeforeUpdate", NULL};
        if (unknown(m, "memory", k, e) < 0)
            return -1;
        long long lim = 0;
        if (NUM(m, "limit", lim) < 0)
            return -1;
        l->memory = lim > 0 ? lim : 0;
        if (NUM(m, "reservation", v) > 0)
            add(l, v2 ? NULL : "memory", v2 ? "memory.low" : "memory.soft_limit_in_bytes", "%lld", v);
        if (NUM(m, "swap", v) > 0) {
            if (v2)
                add(l, NULL, "memory.swap.max", "%lld", v < 0 ? -1 : lim > 0 ? v - lim : v);
            else
                add(l, "memory", "memory.memsw.limit_in_bytes", "%lld", v);
        }
        /* kernel memory: v1 before 5.16 only (later kernels take the
         * write and ignore it: cgroup.c checks it stuck) */
        if (NUM(m, "kernel", v) > 0 && v != 0) {
            if (v2)
                return sbc_err_set(e, 0, "config.json: linux.resources.memory.kernel: cgroup v2 has no kernel memory limit");
            add(l, "memory", "memory.kmem.limit_in_bytes", "%lld", v);
        }
        if (NUM(m, "kernelTCP", v) > 0 && v != 0) {
            if (v2)
                return sbc_err_set(e, 0, "config.json: linux.resources.memory.kernelTCP: cgroup v2 has none");
            add(l, "memory", "memory.kmem.tcp.limit_in_bytes", "%lld", v);
        }
        if (NUM(m, "swappiness", v) > 0) {
            if (v < 0 || v > 100)
                return sbc_err_set(e, 0, "config.json: linux.resources.memory.swappiness: 0..100");
            if (v2)
                return sbc_err_set(e, 0, "config.json: linux.resources.memory.swappiness: cgroup v2 has none");
            add(l, "memory", "memory.swappiness", "%lld", v);
        }
        if (sbc_json_bool(m, "disableOOMKiller", 0)) {
            if (v2)
                return sbc_err_set(e, 0, "config.json: linux.resources.memory.disableOOMKiller: cgroup v2 has none");
            add(l, "memory", "memory.oom_control", "1");
        }
        if (r < 0)
            return -1;
    }
    return 0;
}

static int cpu(const cJSON *c, sbc_cg_limits *l, int v2, sbc_err *e)
{
    long long v;
    int r = 0;
    if (c) {
        static const char *const k[] = {"shares", "quota", "burst", "period", "realtimeRuntime", "realtimePeriod",
                                        "cpus", "mems", "idle", NULL};
        if (unknown(c, "cpu", k, e) < 0)
            return -1;
        long long q = 0, p = 0;
        if (NUM(c, "quota", q) < 0 || NUM(c, "period", p) < 0)
            return -1;
        l->cpu_quota = q > 0 ? q : 0;
        l->cpu_period = p > 0 ? p : 0;
        if (p > 0 && q <= 0) /* a period alone */
            add(l, v2 ? NULL : "cpu", v2 ? "cpu.max" : "cpu.cfs_period_us", v2 ? "max %lld" : "%lld", p);
        if (NUM(c, "shares", v) > 0) {
            if (v < 2 || v > 262144)
                return sbc_err_set(e, 0, "config.json: linux.resources.cpu.shares: 2..262144");
            if (v2)
                add(l, NULL, "cpu.weight", "%lld", v < 2 ? 1 : 1 + ((v - 2) * 9999) / 262142);
            else
                add(l, "cpu", "cpu.shares", "%lld", v);
        }
        if (NUM(c, "realtimePeriod", v) > 0) {
            if (v2)
                return sbc_err_set(e, 0, "config.json: linux.resources.cpu.realtimePeriod: cgroup v2 has none");
            add(l, "cpu", "cpu.rt_period_us", "%lld", v);
        }
        if (NUM(c, "realtimeRuntime", v) > 0) {
            if (v2)
                return sbc_err_set(e, 0, "config.json: linux.resources.cpu.realtimeRuntime: cgroup v2 has none");
            add(l, "cpu", "cpu.rt_runtime_us", "%lld", v);
        }
        if (NUM(c, "burst", v) > 0)
            add(l, v2 ? NULL : "cpu", v2 ? "cpu.max.burst" : "cpu.cfs_burst_us", "%lld", v);
        if (NUM(c, "idle", v) > 0) {
            if (!v2)
                return sbc_err_set(e, 0, "config.json: linux.resources.cpu.idle needs cgroup v2");
            add(l, NULL, "cpu.idle", "%lld", v);
        }
        const char *cpus = sbc_json_str(c, "cpus"), *mems = sbc_json_str(c, "mems");
        if (cpus && *cpus)
            add(l, v2 ? NULL : "cpuset", "cpuset.cpus", "%s", cpus);
        if (mems && *mems)
            add(l, v2 ? NULL : "cpuset", "cpuset.mems", "%s", mems);
        if (r < 0)
            return -1;
    }
    return 0;
}

int sbc_cg_resources(const cJSON *res, sbc_cg_limits *l, sbc_err *e)
{
    int v2 = sbc_cgroup_mode() == SBC_CG_V2, r = 0;
    bad = 0;
    long long v;
    static const char *const top[] = {"devices", "memory", "cpu", "pids", "blockIO", "hugepageLimits",
                                      "network", "rdma", "unified", NULL};
    if (!res)
        return 0;
    if (unknown(res, "", top, e) < 0)
        return -1;
    if (memory(sbc_json_obj(res, "memory"), l, v2, e) < 0 || cpu(sbc_json_obj(res, "cpu"), l, v2, e) < 0)
        return -1;
    if (NUM(sbc_json_obj(res, "pids"), "limit", v) > 0)
        l->pids = v > 0 ? v : 0;
    if (r < 0)
        return -1;
    const cJSON *b = sbc_json_obj(res, "blockIO");
    if (b) {
        static const char *const k[] = {"weight", "leafWeight", "weightDevice", "throttleReadBpsDevice",
                                        "throttleWriteBpsDevice", "throttleReadIOPSDevice",
                                        "throttleWriteIOPSDevice", NULL};
        if (unknown(b, "blockIO", k, e) < 0)
            return -1;
        if (NUM(b, "weight", v) > 0) {
            if (v < 10 || v > 1000)
                return sbc_err_set(e, 0, "config.json: linux.resources.blockIO.weight: 10..1000");
            if (v2)
                add(l, NULL, "io.weight", "default %lld", 1 + (v - 10) * 9999 / 990);
            else
                add(l, "blkio", "blkio.weight", "%lld", v);
        }
        if (NUM(b, "leafWeight", v) > 0) {
            if (v2)
                return sbc_err_set(e, 0, "config.json: linux.resources.blockIO.leafWeight: cgroup v2 has none");
            add(l, "blkio", "blkio.leaf_weight", "%lld", v);
        }
        if (r < 0)
            return -1;
        const cJSON *it;
        cJSON_ArrayForEach(it, sbc_json_arr(b, "weightDevice")) {
            long long ma, mi, w;
            if (NUM(it, "major", ma) != 1 || NUM(it, "minor", mi) != 1)
                return sbc_err_set(e, 0, "config.json: linux.resources.blockIO.weightDevice: major, minor");
            if (NUM(it, "weight", w) > 0 && (w < 10 || w > 1000))
                return sbc_err_set(e, 0, "config.json: linux.resources.blockIO.weightDevice: weight 10..1000");
            if (r > 0)
                add(l, v2 ? NULL : "blkio", v2 ? "io.weight" : "blkio.weight_device", "%lld:%lld %lld", ma, mi,
                    v2 ? 1 + (w - 10) * 9999 / 990 : w);
            if (NUM(it, "leafWeight", w) > 0 && !v2)
                add(l, "blkio", "blkio.leaf_weight_device", "%lld:%lld %lld", ma, mi, w);
            if (r < 0)
                return -1;
        }
        if (devices_io(sbc_json_arr(b, "throttleReadBpsDevice"), "throttleReadBpsDevice", l, v2,
                       "blkio.throttle.read_bps_device", "rbps", e) < 0 ||
            devices_io(sbc_json_arr(b, "throttleWriteBpsDevice"), "throttleWriteBpsDevice", l, v2,
                       "blkio.throttle.write_bps_device", "wbps", e) < 0 ||
            devices_io(sbc_json_arr(b, "throttleReadIOPSDevice"), "throttleReadIOPSDevice", l, v2,
                       "blkio.throttle.read_iops_device", "riops", e) < 0 ||
            devices_io(sbc_json_arr(b, "throttleWriteIOPSDevice"), "throttleWriteIOPSDevice", l, v2,
                       "blkio.throttle.write_iops_device", "wiops", e) < 0)
            return -1;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, sbc_json_arr(res, "hugepageLimits")) {
        const char *ps = sbc_json_str(it, "pageSize");
        long long lim;
        if (!ps || strlen(ps) > 16 || NUM(it, "limit", lim) != 1)
            return sbc_err_set(e, 0, "config.json: linux.resources.hugepageLimits: pageSize and limit");
        char f[64];
        snprintf(f, sizeof f, v2 ? "hugetlb.%s.max" : "hugetlb.%s.limit_in_bytes", ps);
        add(l, v2 ? NULL : "hugetlb", f, "%lld", lim);
    }
    const cJSON *n = sbc_json_obj(res, "network");
    if (n) {
        if (v2)
            return sbc_err_set(e, 0, "config.json: linux.resources.network: cgroup v2 has no net_cls or net_prio");
        if (NUM(n, "classID", v) > 0)
            add(l, "net_cls", "net_cls.classid", "%lld", v);
        if (r < 0)
            return -1;
        cJSON_ArrayForEach(it, sbc_json_arr(n, "priorities")) {
            const char *name = sbc_json_str(it, "name");
            long long p;
            if (!name || NUM(it, "priority", p) != 1)
                return sbc_err_set(e, 0, "config.json: linux.resources.network.priorities: name and priority");
            add(l, "net_prio", "net_prio.ifpriomap", "%s %lld", name, p);
        }
    }
    if (sbc_json_obj(res, "rdma") && cJSON_GetArraySize(sbc_json_obj(res, "rdma")) > 0)
        return sbc_err_set(e, 0, "config.json: linux.resources.rdma is not supported");
    const cJSON *u = sbc_json_obj(res, "unified");
    cJSON_ArrayForEach(it, u) {
        if (!cJSON_IsString(it) || strchr(it->string, '/') || !strchr(it->string, '.'))
            return sbc_err_set(e, 0, "config.json: linux.resources.unified.%s: a v2 file name and a string", it->string);
        if (sbc_cgroup_mode() != SBC_CG_V2 && sbc_cgroup_mode() != SBC_CG_HYBRID)
            return sbc_err_set(e, 0, "config.json: linux.resources.unified needs cgroup v2");
        add(l, NULL, it->string, "%s", it->valuestring);
    }
    return bad ? -1 : 0;
}
