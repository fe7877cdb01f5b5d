/* fuzz_json.c - hostile image configs and OCI runtime configs.
 *
 * The input is one JSON document used three ways:
 *  1. as an image config: the fields sbc reads (config.Env/Cmd/Entrypoint/
 *     WorkingDir/User/StopSignal, rootfs.diff_ids, created, os/architecture)
 *     through the sbc_json_* getters, sbc_time_parse/sbc_human_since,
 *     sbc_signal_from_name; then an OCI spec is assembled from them the way
 *     lib/runtime/launch.c does (values duplicated as they are, whatever their JSON
 *     type) and parsed by sbc_spec_from_oci;
 *  2. as a bundle's config.json straight into sbc_spec_from_oci;
 *  3. printed and re-parsed (what sbc_json_write stores must read back).
 */
#include "fuzz_common.h"
#include "image/imageinfo.h"
#include "base/json.h"
#include "base/time.h"
#include "runtime/launch.h"
#include "runtime/spec.h"

static void check_spec(cJSON *j)
{
    sbc_spec s;
    sbc_err e = {0};
    if (sbc_spec_from_oci(j, &s, &e) == 0) {
        for (int i = 0; i < s.nargs; i++)
            (void)strlen(s.args[i]);
        for (int i = 0; i < s.nenv; i++)
            (void)strlen(s.env[i]);
        for (int i = 0; i < s.nmounts; i++) {
            FUZZ_ASSERT(s.mounts[i].dest, "mount %d without destination", i);
            if (s.mounts[i].data)
                (void)strlen(s.mounts[i].data);
        }
        FUZZ_ASSERT(s.root, "no root path");
        FUZZ_ASSERT(!s.cgroup || s.cgroup[0] != '/', "cgroup path keeps a leading /");
        FUZZ_ASSERT(s.limits.pids >= 0 && s.limits.cpu_quota >= 0, "negative limits");
    } else {
        FUZZ_ASSERT(e.msg[0], "spec rejected without a message");
    }
    sbc_spec_free(&s); /* frees j */
}

/* An OCI spec from image config values, as lib/runtime/launch.c builds it. */
static cJSON *spec_from_image(const cJSON *icfg)
{
    cJSON *spec = cJSON_CreateObject();
    cJSON *proc = cJSON_AddObjectToObject(spec, "process");
    cJSON *args = cJSON_CreateArray(), *it;
    cJSON_ArrayForEach(it, sbc_json_arr(icfg, "Entrypoint"))
        cJSON_AddItemToArray(args, cJSON_Duplicate(it, 0));
    cJSON_ArrayForEach(it, sbc_json_arr(icfg, "Cmd"))
        cJSON_AddItemToArray(args, cJSON_Duplicate(it, 0));
    cJSON_AddItemToObject(proc, "args", args);
    cJSON *env = sbc_json_arr(icfg, "Env") ? cJSON_Duplicate(sbc_json_arr(icfg, "Env"), 1)
                                           : cJSON_CreateArray();
    cJSON_AddItemToObject(proc, "env", env);
    const char *wd = sbc_json_str(icfg, "WorkingDir");
    cJSON_AddStringToObject(proc, "cwd", wd && *wd ? wd : "/");
    const char *user = sbc_json_str(icfg, "User");
    if (user && *user)
        cJSON_AddStringToObject(proc, "sbc.user", user);
    cJSON *root = cJSON_AddObjectToObject(spec, "root");
    cJSON_AddStringToObject(root, "path", "/nonexistent/rootfs");
    cJSON *lx = cJSON_AddObjectToObject(spec, "linux");
    cJSON *ns = cJSON_AddArrayToObject(lx, "namespaces");
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "type", "mount");
    cJSON_AddItemToArray(ns, m);
    return spec;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 20))
        return 0;
    sbc_err e = {0};
    cJSON *j = sbc_json_parse((const char *)data, size, "image config", &e);
    if (!j) {
        FUZZ_ASSERT(e.msg[0], "parse failed without a message");
        return 0;
    }
    /* 1. image config */
    const cJSON *icfg = sbc_json_obj(j, "config");
    (void)sbc_json_str(j, "architecture");
    (void)sbc_json_str(j, "os");
    (void)sbc_json_str(j, "variant");
    const char *created = sbc_json_str(j, "created");
    char out[128];
    struct timespec t;
    int tr = sbc_time_parse(created, &t);
    FUZZ_ASSERT(tr == 0 || (t.tv_sec == 0 && t.tv_nsec == 0), "failed parse left a time");
    FUZZ_ASSERT(t.tv_nsec >= 0 && t.tv_nsec < 1000000000L, "nsec %ld", (long)t.tv_nsec);
    sbc_human_since(created, out, sizeof out);
    FUZZ_ASSERT(strlen(out) < sizeof out, "since");
    if (tr == 0 && t.tv_sec >= 0)
        FUZZ_ASSERT(strcmp(out, "N/A"), "valid time shows N/A");
    if (tr == 0 && t.tv_sec >= 0 && t.tv_sec <= 253402300799LL) { /* 1970..9999: what sbc writes reads back */
        char b[SBC_TIME_MAX];
        struct timespec u;
        FUZZ_ASSERT(sbc_time_parse(sbc_time_fmt(b, &t, SBC_TIME_NSEC), &u) == 0 && u.tv_sec == t.tv_sec &&
                        u.tv_nsec == t.tv_nsec,
                    "round trip of %s", b);
    }
    sbc_human_size(sbc_json_int(j, "size", 0), out, sizeof out);
    (void)sbc_json_bool(icfg, "Tty", 0);
    const char *sig = sbc_json_str(icfg, "StopSignal");
    int sn = sbc_signal_from_name(sig);
    FUZZ_ASSERT(sn == -1 || (sn > 0 && sn < 65), "signal %d from \"%s\"", sn, sig);
    cJSON *diffs = sbc_json_arr(sbc_json_obj(j, "rootfs"), "diff_ids");
    const cJSON *it;
    cJSON_ArrayForEach(it, diffs)
        (void)(cJSON_IsString(it) && it->valuestring[0]);
    const cJSON *labels = sbc_json_obj(icfg, "Labels");
    cJSON_ArrayForEach(it, labels)
        (void)(cJSON_IsString(it) && it->string);
    check_spec(spec_from_image(icfg));

    /* 3. what we would store reads back */
    char *txt = cJSON_PrintUnformatted(j);
    if (txt) {
        cJSON *j2 = sbc_json_parse(txt, strlen(txt), "reprint", &e);
        FUZZ_ASSERT(j2, "printed JSON does not parse back: %s", e.msg);
        cJSON_Delete(j2);
        free(txt);
    }

    /* 2. a bundle config.json (takes ownership of j) */
    check_spec(j);
    return 0;
}
