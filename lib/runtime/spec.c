/* spec.c - OCI runtime-spec config.json -> sbc_spec (see spec.h). */
#include "runtime/spec.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "runtime/caps.h"
#include "base/io.h"
#include "base/json.h"

/* Strings of a JSON array (pointing into it); *n gets the count. */
static const char **strs(const cJSON *a, int *n)
{
    *n = 0;
    if (!cJSON_IsArray(a))
        return NULL;
    const char **v = sbc_xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof *v);
    const cJSON *it;
    cJSON_ArrayForEach(it, a)
        if (cJSON_IsString(it))
            v[(*n)++] = it->valuestring;
    return v;
}

/* A capability name list into a mask; unknown names are an error. */
static int cap_list(const cJSON *a, uint64_t *m, sbc_err *e)
{
    const cJSON *it;
    *m = 0;
    cJSON_ArrayForEach(it, a) {
        int c = cJSON_IsString(it) ? sbc_cap_from_name(it->valuestring) : -1;
        if (c < 0 || c >= 64)
            return sbc_err_set(e, 0, "config.json: unknown capability %s",
                               cJSON_IsString(it) ? it->valuestring : "(not a string)");
        *m |= 1ULL << c;
    }
    return 0;
}

unsigned long sbc_propagation(const char *o)
{
    static const struct { const char *n; unsigned long f; } t[] = {
        {"shared", MS_SHARED}, {"slave", MS_SLAVE}, {"private", MS_PRIVATE}, {"unbindable", MS_UNBINDABLE}};
    int rec = o[0] == 'r' && strcmp(o, "ro") && strcmp(o, "rw");
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (!strcmp(o + rec, t[i].n))
            return t[i].f | (rec ? MS_REC : 0);
    return 0;
}

void sbc_mount_options(const cJSON *opts, sbc_mount *m)
{
    static const struct { const char *name; unsigned long set, clear; } t[] = {
        {"ro", MS_RDONLY, 0}, {"rw", 0, MS_RDONLY}, {"nosuid", MS_NOSUID, 0}, {"suid", 0, MS_NOSUID},
        {"nodev", MS_NODEV, 0}, {"dev", 0, MS_NODEV}, {"noexec", MS_NOEXEC, 0}, {"exec", 0, MS_NOEXEC},
        {"strictatime", MS_STRICTATIME, 0}, {"relatime", MS_RELATIME, 0}, {"noatime", MS_NOATIME, 0},
        {"sync", MS_SYNCHRONOUS, 0}, {"dirsync", MS_DIRSYNC, 0}, {"mand", MS_MANDLOCK, 0},
        {"nomand", 0, MS_MANDLOCK}, {"diratime", 0, MS_NODIRATIME}, {"nodiratime", MS_NODIRATIME, 0},
        {"norelatime", 0, MS_RELATIME}, {"nostrictatime", 0, MS_STRICTATIME}, {"lazytime", MS_LAZYTIME, 0},
        {"nolazytime", 0, MS_LAZYTIME}, {"silent", MS_SILENT, 0}, {"loud", 0, MS_SILENT},
        {"iversion", MS_I_VERSION, 0}, {"noiversion", 0, MS_I_VERSION}, {"remount", MS_REMOUNT, 0},
    };
    sbc_buf d = {0};
    const cJSON *it;
    cJSON_ArrayForEach(it, opts) {
        if (!cJSON_IsString(it))
            continue;
        const char *o = it->valuestring;
        size_t i;
        if (!strcmp(o, "bind")) {
            m->bind = 1;
            continue;
        }
        if (!strcmp(o, "rbind")) {
            m->bind = 1;
            m->flags |= MS_REC;
            continue;
        }
        unsigned long pr = sbc_propagation(o);
        if (pr) {
            m->prop = pr;
            continue;
        }
        for (i = 0; i < sizeof t / sizeof t[0]; i++)
            if (!strcmp(o, t[i].name)) {
                m->flags = (m->flags | t[i].set) & ~t[i].clear;
                break;
            }
        if (i == sizeof t / sizeof t[0])
            sbc_buf_printf(&d, "%s%s", d.len ? "," : "", o);
    }
    if (m->bind) {
        m->ro = !!(m->flags & MS_RDONLY);
        m->flags &= ~MS_RDONLY;
    }
    m->data = d.data;
}

/* linux.uidMappings / gidMappings: [{containerID, hostID, size}], each
 * within 32 bits and not overlapping another on either side. */
static int idmaps(const cJSON *arr, const char *what, sbc_idmap *m, int *n, sbc_err *e)
{
    const cJSON *it;
    *n = 0;
    cJSON_ArrayForEach(it, arr) {
        if (*n == SBC_IDMAP_MAX)
            return sbc_err_set(e, 0, "config.json: more than %d %s", SBC_IDMAP_MAX, what);
        long long c = sbc_json_int(it, "containerID", -1), h = sbc_json_int(it, "hostID", -1),
                  z = sbc_json_int(it, "size", -1);
        if (c < 0 || h < 0 || z < 1 || c + z > 4294967295LL || h + z > 4294967295LL)
            return sbc_err_set(e, 0, "config.json: %s: a range outside 0..2^32-2", what);
        for (int k = 0; k < *n; k++)
            if ((c < (long long)m[k].ctr + m[k].size && m[k].ctr < c + z) ||
                (h < (long long)m[k].host + m[k].size && m[k].host < h + z))
                return sbc_err_set(e, 0, "config.json: %s: overlapping ranges", what);
        m[*n] = (sbc_idmap){(uint32_t)c, (uint32_t)h, (uint32_t)z};
        (*n)++;
    }
    return 0;
}

/* linux.namespaces: new ones into s->ns, joined ones (by path) into
 * s->nsjoin or s->netns_path; a mount namespace, new or joined, is a must. */
static int namespaces(const cJSON *lx, sbc_spec *s, sbc_err *e)
{
    const cJSON *it;
    int seen = 0;
    cJSON_ArrayForEach(it, sbc_json_arr(lx, "namespaces")) {
        static const struct { const char *n; int f; } ns[] = {
            {"pid", CLONE_NEWPID}, {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},
            {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}, {"cgroup", CLONE_NEWCGROUP},
            {"user", CLONE_NEWUSER},
        };
        const char *t = sbc_json_str(it, "type"), *path = sbc_json_str(it, "path");
        size_t i = 0;
        while (t && i < sizeof ns / sizeof ns[0] && strcmp(t, ns[i].n))
            i++;
        if (!t || i == sizeof ns / sizeof ns[0])
            return sbc_err_set(e, 0, "config.json: linux.namespaces: unknown type %s", t ? t : "(none)");
        if (seen & ns[i].f)
            return sbc_err_set(e, 0, "config.json: linux.namespaces: %s given twice", t);
        seen |= ns[i].f;
        const char *ctr = sbc_json_str(it, "sbc.container");
        if ((path && *path) || (ctr && path)) {
            if (ns[i].f == CLONE_NEWNET) {
                s->netns_path = path;
                continue;
            }
            if (ns[i].f == CLONE_NEWUSER)
                return sbc_err_set(e, 0, "config.json: linux.namespaces: joining a %s namespace by path is not supported", t);
            s->nsjoin[s->nnsjoin].type = ns[i].f;
            s->nsjoin[s->nnsjoin].ctr = ctr;
            s->nsjoin[s->nnsjoin++].path = path;
            continue;
        }
        s->ns |= ns[i].f;
    }
    int joined_mnt = 0;
    for (int k = 0; k < s->nnsjoin; k++)
        joined_mnt |= s->nsjoin[k].type == CLONE_NEWNS;
    if (!(s->ns & CLONE_NEWNS) && !joined_mnt)
        return sbc_err_set(e, 0, "config.json: a mount namespace is required (a new one or one joined by path)");
    return 0;
}

/* Fields sbc knows but cannot apply on this host: an error naming each
 * (the spec: unknown properties are ignored, unsupported values refused). */
static int unsupported(const cJSON *j, sbc_err *e)
{
    const cJSON *p = sbc_json_obj(j, "process"), *lx = sbc_json_obj(j, "linux"), *it;
    const char *aa = sbc_json_str(p, "apparmorProfile"), *se = sbc_json_str(p, "selinuxLabel"),
               *ml = sbc_json_str(lx, "mountLabel");
    if (aa && *aa && access("/sys/kernel/security/apparmor", F_OK) < 0)
        return sbc_err_set(e, 0, "config.json: process.apparmorProfile %s: this host has no AppArmor", aa);
    if (aa && *aa)
        return sbc_err_set(e, 0, "config.json: process.apparmorProfile: sbc-oci does not apply AppArmor profiles");
    if ((se && *se) || (ml && *ml))
        return sbc_err_set(e, 0, "config.json: %s: sbc-oci does not apply SELinux labels%s",
                           se && *se ? "process.selinuxLabel" : "linux.mountLabel",
                           access("/sys/fs/selinux", F_OK) < 0 ? " (and this host has no SELinux)" : "");
    static const char *const lnone[] = {"intelRdt", "memoryPolicy", "netDevices", "timeOffsets"};
    for (size_t i = 0; i < sizeof lnone / sizeof *lnone; i++) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(lx, lnone[i]);
        if (f && !cJSON_IsNull(f) && (!cJSON_IsObject(f) || cJSON_GetArraySize(f) > 0))
            return sbc_err_set(e, 0, "config.json: linux.%s is not supported by sbc-oci", lnone[i]);
    }
    if (cJSON_GetObjectItemCaseSensitive(p, "scheduler"))
        return sbc_err_set(e, 0, "config.json: process.scheduler is not supported by sbc-oci");
    cJSON_ArrayForEach(it, sbc_json_arr(j, "mounts"))
        if (cJSON_GetArraySize(sbc_json_arr(it, "uidMappings")) > 0 || cJSON_GetArraySize(sbc_json_arr(it, "gidMappings")) > 0)
            return sbc_err_set(e, 0, "config.json: mounts[].uidMappings (idmapped mounts) are not supported by sbc-oci");
    return 0;
}

/* ociVersion: 1.x.y with an optional -suffix (callers write 1.0.2-dev
 * up to 1.2.x); run's own documents carry none. */
static int version_ok(const cJSON *ver, sbc_err *e)
{
    if (!ver)
        return 0;
    unsigned a, b, c;
    char tail = 0;
    const char *v = cJSON_IsString(ver) ? ver->valuestring : "";
    if (sscanf(v, "%u.%u.%u%c", &a, &b, &c, &tail) < 3 || a != 1 || (tail && tail != '-' && tail != '+'))
        return sbc_err_set(e, 0, "config.json: ociVersion %s: sbc-oci reads 1.x.y", *v ? v : "(not a string)");
    return 0;
}

int sbc_spec_from_oci(cJSON *j, sbc_spec *s, sbc_err *e)
{
    memset(s, 0, sizeof *s);
    s->json = j;
    s->stdio[0] = s->stdio[1] = s->stdio[2] = -1;
    const cJSON *p = sbc_json_obj(j, "process"), *root = sbc_json_obj(j, "root"),
                *lx = sbc_json_obj(j, "linux"), *it0;
    if (!p || !root)
        return sbc_err_set(e, 0, "config.json: process and root are required");
    if (version_ok(cJSON_GetObjectItemCaseSensitive(j, "ociVersion"), e) < 0 || unsupported(j, e) < 0)
        return -1;
    s->args = strs(sbc_json_arr(p, "args"), &s->nargs);
    s->env = strs(sbc_json_arr(p, "env"), &s->nenv);
    s->cwd = sbc_json_str(p, "cwd");
    s->terminal = sbc_json_bool(p, "terminal", 0);
    const cJSON *cs = sbc_json_obj(p, "consoleSize");
    if (cs) {
        long long h = sbc_json_int(cs, "height", -1), w = sbc_json_int(cs, "width", -1);
        if (h < 0 || h > 65535 || w < 0 || w > 65535)
            return sbc_err_set(e, 0, "config.json: process.consoleSize: height and width in 0..65535");
        s->rows = (unsigned short)h;
        s->cols = (unsigned short)w;
    }
    s->no_new_privs = sbc_json_bool(p, "noNewPrivileges", 0);
    s->init = sbc_json_bool(p, "sbc.init", 0);
    s->user = sbc_json_str(p, "sbc.user");
    const cJSON *u = sbc_json_obj(p, "user");
    s->caps_oci = !s->user && u; /* (run's documents have sbc.user or no user) */
    const cJSON *ag = sbc_json_arr(u, "additionalGids");
    if (ag && !s->user) { /* (resolved with the groups of --group-add) */
        cJSON *g = sbc_json_arr(p, "sbc.groups");
        if (!g)
            cJSON_AddItemToObject((cJSON *)p, "sbc.groups", g = cJSON_CreateArray());
        cJSON_ArrayForEach(it0, ag) {
            if (!cJSON_IsNumber(it0) || it0->valuedouble < 0 || it0->valuedouble > 2147483647.0)
                return sbc_err_set(e, 0, "config.json: process.user.additionalGids: gids are 0..2^31-1");
            char n[16];
            snprintf(n, sizeof n, "%u", (unsigned)it0->valuedouble);
            cJSON_AddItemToArray(g, cJSON_CreateString(n));
        }
    }
    s->groups = strs(sbc_json_arr(p, "sbc.groups"), &s->ngroups);
    if (sbc_procattr_parse(p, lx, &s->attr, e) < 0)
        return -1;
    if (!s->user && u) {
        char *us = sbc_xasprintf("%lld:%lld", sbc_json_int(u, "uid", 0), sbc_json_int(u, "gid", 0));
        cJSON_AddItemToObject((cJSON *)p, "sbc.user", cJSON_CreateString(us));
        free(us);
        s->user = sbc_json_str(p, "sbc.user");
    }
    const cJSON *caps = sbc_json_obj(p, "capabilities"), *it;
    if (caps) {
        uint64_t eff, prm;
        if (cap_list(sbc_json_arr(caps, "bounding"), &s->caps, e) < 0 ||
            cap_list(sbc_json_arr(caps, "effective"), &eff, e) < 0 ||
            cap_list(sbc_json_arr(caps, "permitted"), &prm, e) < 0 ||
            cap_list(sbc_json_arr(caps, "inheritable"), &s->caps_inh, e) < 0 ||
            cap_list(sbc_json_arr(caps, "ambient"), &s->caps_amb, e) < 0)
            return -1;
        /* effective must lie in permitted, permitted in bounding: the kernel
         * gives no more, so the spec cannot ask for more; ambient needs
         * permitted and inheritable */
        s->caps_eff = eff & prm & s->caps;
        s->caps_prm = prm & s->caps;
        s->caps_amb &= s->caps_prm & s->caps_inh;
    } else {
        s->caps = s->caps_eff = s->caps_prm = sbc_caps_default();
    }
    s->root = sbc_json_str(root, "path");
    s->readonly = sbc_json_bool(root, "readonly", 0);
    if (!s->root)
        return sbc_err_set(e, 0, "config.json: root.path is required");
    const cJSON *ov = sbc_json_obj(root, "sbc.overlay");
    if (ov) {
        s->lower = strs(sbc_json_arr(ov, "lower"), &s->nlower);
        s->upper = sbc_json_str(ov, "upper");
        s->work = sbc_json_str(ov, "work");
    }
    s->hostname = sbc_json_str(j, "hostname");
    const char *rp = sbc_json_str(lx, "rootfsPropagation");
    if (rp && *rp && !(s->root_prop = sbc_propagation(rp)))
        return sbc_err_set(e, 0, "config.json: linux.rootfsPropagation: %s is no propagation", rp);
    const cJSON *ms = sbc_json_arr(j, "mounts");
    s->mounts = sbc_xcalloc((size_t)cJSON_GetArraySize(ms) + 1, sizeof *s->mounts);
    cJSON_ArrayForEach(it, ms) {
        sbc_mount *m = &s->mounts[s->nmounts];
        m->dest = sbc_json_str(it, "destination");
        m->type = sbc_json_str(it, "type");
        m->source = sbc_json_str(it, "source");
        if (!m->dest)
            continue;
        sbc_mount_options(sbc_json_arr(it, "options"), m);
        if (m->type && !strcmp(m->type, "bind"))
            m->bind = 1;
        s->nmounts++;
    }
    if (namespaces(lx, s, e) < 0)
        return -1;
    if (idmaps(sbc_json_arr(lx, "uidMappings"), "uidMappings", s->uidmap, &s->nuidmap, e) < 0 ||
        idmaps(sbc_json_arr(lx, "gidMappings"), "gidMappings", s->gidmap, &s->ngidmap, e) < 0)
        return -1;
    if ((s->ns & CLONE_NEWUSER) && (!s->nuidmap || !s->ngidmap))
        return sbc_err_set(e, 0, "config.json: a user namespace needs uidMappings and gidMappings");
    s->masked = strs(sbc_json_arr(lx, "maskedPaths"), &s->nmasked);
    s->ropaths = strs(sbc_json_arr(lx, "readonlyPaths"), &s->nro);
    s->cgroup = sbc_json_str(lx, "cgroupsPath");
    if (s->cgroup)
        while (*s->cgroup == '/')
            s->cgroup++;
    const cJSON *r = sbc_json_obj(lx, "resources");
    if (sbc_cg_resources(r, &s->limits, e) < 0)
        return -1;
    sbc_dev_rule *dr = NULL;
    int ndr = 0;
    const cJSON *devs = sbc_json_arr(r, "devices");
    if (devs && sbc_dev_rules_from_json(devs, &dr, &ndr, e) < 0)
        return -1;
    s->limits.devices = dr;
    s->limits.ndevices = ndr;
    const cJSON *nodes = sbc_json_arr(lx, "devices");
    if (nodes && sbc_dev_nodes_from_json(nodes, &s->devnodes, &s->ndevnodes, e) < 0)
        return -1;
    const cJSON *sc = sbc_json_obj(lx, "sysctl");
    if (sc) {
        int n = cJSON_GetArraySize(sc);
        s->sysctl_keys = sbc_xcalloc((size_t)n + 1, sizeof *s->sysctl_keys);
        s->sysctl_vals = sbc_xcalloc((size_t)n + 1, sizeof *s->sysctl_vals);
        cJSON_ArrayForEach(it, sc) {
            if (!it->string || !cJSON_IsString(it))
                return sbc_err_set(e, 0, "config.json: linux.sysctl values must be strings");
            s->sysctl_keys[s->nsysctl] = it->string;
            s->sysctl_vals[s->nsysctl++] = it->valuestring;
        }
    }
    const char *sd = sbc_json_str(lx, "sbc.seccomp");
    const cJSON *so = sbc_json_obj(lx, "seccomp");
    if (so) {
        if (sbc_seccomp_from_json(so, &s->seccomp, e) < 0)
            return -1;
    } else if (sd && !strcmp(sd, "default")) {
        s->seccomp_default = 1;
    } else if (sd && strcmp(sd, "unconfined")) {
        return sbc_err_set(e, 0, "config.json: linux.sbc.seccomp: %s (default or unconfined)", sd);
    }
    s->keyring = sbc_json_str(lx, "sbc.keyring");
    s->hooks = sbc_json_obj(j, "hooks");
    s->seccomp_caps = s->caps;
    return 0;
}

void sbc_spec_free(sbc_spec *s)
{
    free(s->args);
    free(s->env);
    free(s->groups);
    free(s->lower);
    for (int i = 0; i < s->nmounts; i++)
        free(s->mounts[i].data);
    free(s->mounts);
    free(s->masked);
    free(s->ropaths);
    free((void *)s->limits.devices);
    sbc_cg_limits_free(&s->limits);
    for (int i = 0; i < s->ndevnodes; i++)
        sbc_dev_node_free(&s->devnodes[i]);
    free(s->devnodes);
    free(s->sysctl_keys);
    free(s->sysctl_vals);
    if (s->seccomp)
        sbc_seccomp_free(s->seccomp);
    cJSON_Delete(s->json);
    memset(s, 0, sizeof *s);
}
