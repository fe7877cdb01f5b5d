/* procattr.c - rlimits, OOM score, umask, personality and I/O priority of
 * a container's process (see procattr.h). */
#include "runtime/procattr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/io.h"
#include "base/json.h"

static const struct {
    const char *name;
    int res;
} rlims[] = {
    {"RLIMIT_AS", RLIMIT_AS}, {"RLIMIT_CORE", RLIMIT_CORE}, {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA}, {"RLIMIT_FSIZE", RLIMIT_FSIZE}, {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC}, {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME}, {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

static const char *rname(int res)
{
    for (size_t i = 0; i < sizeof rlims / sizeof *rlims; i++)
        if (rlims[i].res == res)
            return rlims[i].name;
    return "?";
}

/* A JSON number that is a whole value in 0..2^64-1 (cJSON holds doubles:
 * above 2^53 only as exact as that; 2^64-1, RLIM_INFINITY, reads as 2^64). */
static int u64(const cJSON *o, const char *key, unsigned long long *v)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsNumber(n) && n->valuedouble == 18446744073709551616.0) {
        *v = ~0ULL;
        return 0;
    }
    if (!cJSON_IsNumber(n) || n->valuedouble < 0 || n->valuedouble >= 18446744073709551616.0 ||
        n->valuedouble != (double)(unsigned long long)n->valuedouble)
        return -1;
    *v = (unsigned long long)n->valuedouble;
    return 0;
}

static int ulimit_value(const char *s, size_t n, unsigned long long *v)
{
    if ((n == 2 && !strncmp(s, "-1", 2)) || (n == 9 && !strncmp(s, "unlimited", 9))) {
        *v = RLIM_INFINITY;
        return 0;
    }
    char *end;
    errno = 0;
    *v = strtoull(s, &end, 10);
    return n && *s >= '0' && *s <= '9' && end == s + n && !errno ? 0 : -1;
}

int sbc_ulimit_parse(const char *spec, char *type, unsigned long long *soft, unsigned long long *hard, sbc_err *e)
{
    size_t kl = strcspn(spec, "="), i = 0;
    char up[24] = "RLIMIT_";
    for (size_t k = 0; k < kl && k < 16; k++)
        up[7 + k] = (char)(spec[k] >= 'a' && spec[k] <= 'z' ? spec[k] - 32 : spec[k]);
    while (kl < 16 && i < sizeof rlims / sizeof *rlims && strcmp(rlims[i].name, up))
        i++;
    if (kl >= 16 || i == sizeof rlims / sizeof *rlims)
        return sbc_err_set(e, 0, "invalid ulimit type: %.*s", (int)kl, spec);
    const char *v = spec[kl] ? spec + kl + 1 : "", *colon = strchr(v, ':');
    size_t sl = colon ? (size_t)(colon - v) : strlen(v);
    if (ulimit_value(v, sl, soft) < 0 || ulimit_value(colon ? colon + 1 : v, colon ? strlen(colon + 1) : sl, hard) < 0)
        return sbc_err_set(e, 0, "invalid ulimit argument: %s (want NAME=SOFT[:HARD], -1 for unlimited)", spec);
    if (*soft > *hard)
        return sbc_err_set(e, 0, "ulimit soft limit must be less than or equal to hard limit: %s", v);
    strcpy(type, rlims[i].name);
    return 0;
}

int sbc_procattr_parse(const cJSON *p, const cJSON *lx, sbc_procattr *a, sbc_err *e)
{
    memset(a, 0, sizeof *a);
    const cJSON *it, *rl = cJSON_GetObjectItemCaseSensitive(p, "rlimits");
    if (rl && !cJSON_IsArray(rl))
        return sbc_err_set(e, 0, "config.json: process.rlimits must be an array");
    cJSON_ArrayForEach(it, rl) {
        const char *t = sbc_json_str(it, "type");
        size_t i = 0;
        while (t && i < sizeof rlims / sizeof *rlims && strcmp(rlims[i].name, t))
            i++;
        if (!t || i == sizeof rlims / sizeof *rlims)
            return sbc_err_set(e, 0, "config.json: process.rlimits: unknown type %s", t ? t : "(none)");
        for (int k = 0; k < a->nrl; k++)
            if (a->rl[k].res == rlims[i].res)
                return sbc_err_set(e, 0, "config.json: process.rlimits: %s given twice", t);
        if (a->nrl == SBC_RLIMITS_MAX)
            return sbc_err_set(e, 0, "config.json: process.rlimits: too many");
        unsigned long long soft, hard;
        if (u64(it, "soft", &soft) < 0 || u64(it, "hard", &hard) < 0)
            return sbc_err_set(e, 0, "config.json: process.rlimits: %s needs soft and hard, whole numbers >= 0", t);
        if (soft > hard)
            return sbc_err_set(e, 0, "config.json: process.rlimits: %s soft %llu above hard %llu", t, soft, hard);
        a->rl[a->nrl].res = rlims[i].res;
        a->rl[a->nrl].soft = soft;
        a->rl[a->nrl++].hard = hard;
    }
    const cJSON *oom = cJSON_GetObjectItemCaseSensitive(p, "oomScoreAdj");
    if (oom) {
        if (!cJSON_IsNumber(oom) || oom->valuedouble < -1000 || oom->valuedouble > 1000 ||
            oom->valuedouble != (int)oom->valuedouble)
            return sbc_err_set(e, 0, "config.json: process.oomScoreAdj must be a whole number in -1000..1000");
        a->has_oom = 1;
        a->oom = (int)oom->valuedouble;
    }
    const cJSON *um = cJSON_GetObjectItemCaseSensitive(sbc_json_obj(p, "user"), "umask");
    if (um) {
        if (!cJSON_IsNumber(um) || um->valuedouble < 0 || um->valuedouble > 0777)
            return sbc_err_set(e, 0, "config.json: process.user.umask must be in 0..0777");
        a->has_umask = 1;
        a->umask = (unsigned)um->valuedouble;
    }
    const cJSON *io = sbc_json_obj(p, "ioPriority");
    if (io) {
        static const char *const cls[] = {"", "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE"};
        const char *c = sbc_json_str(io, "class");
        long long prio = sbc_json_int(io, "priority", 0);
        int k = 1;
        while (c && k < 4 && strcmp(cls[k], c))
            k++;
        if (!c || k == 4 || prio < 0 || prio > 7)
            return sbc_err_set(e, 0, "config.json: process.ioPriority: class IOPRIO_CLASS_RT|BE|IDLE, priority 0..7");
        a->has_ioprio = 1;
        a->ioprio = k << 13 | (int)prio;
    }
    const cJSON *pe = sbc_json_obj(lx, "personality");
    if (pe) {
        const char *d = sbc_json_str(pe, "domain");
        if (!d || (strcmp(d, "LINUX") && strcmp(d, "LINUX32")))
            return sbc_err_set(e, 0, "config.json: linux.personality.domain: LINUX or LINUX32");
        if (cJSON_GetArraySize(sbc_json_arr(pe, "flags")) > 0)
            return sbc_err_set(e, 0, "config.json: linux.personality.flags are not supported");
        a->has_persona = 1;
        a->persona = strcmp(d, "LINUX") ? PER_LINUX32 : PER_LINUX;
    }
    return 0;
}

int sbc_procattr_apply(const sbc_procattr *a, sbc_err *e)
{
    for (int i = 0; i < a->nrl; i++) {
        struct rlimit r = {(rlim_t)a->rl[i].soft, (rlim_t)a->rl[i].hard};
        if (setrlimit(a->rl[i].res, &r) < 0) {
            int err = errno;
            sbc_err_set(e, 0, "setrlimit %s: %s", rname(a->rl[i].res),
                        err == EPERM ? "operation not permitted" : strerror(err));
            e->errnum = err;
            return -1;
        }
    }
    if (a->has_oom) {
        char v[16];
        int n = snprintf(v, sizeof v, "%d", a->oom);
        int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, v, (size_t)n) != n) {
            int err = errno;
            if (fd >= 0)
                close(fd);
            errno = err;
            return sbc_err_sys(e, "set oom_score_adj to %d", a->oom);
        }
        close(fd);
    }
    if (a->has_persona && personality(a->persona) < 0)
        return sbc_err_sys(e, "personality");
    if (a->has_ioprio && syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, a->ioprio) < 0)
        return sbc_err_sys(e, "ioprio_set");
    if (a->has_umask)
        umask((mode_t)a->umask);
    return 0;
}
