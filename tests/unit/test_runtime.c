#include "runtime/procattr.h"
#include <sys/resource.h>
/* Unit tests for the runtime helpers: sizes, signals, times, caps, spec. */
#include "runtime/procattr.h"
#include <sys/resource.h>
#include <signal.h>
#include "runtime/procattr.h"
#include <sys/resource.h>
#include <sched.h>
#include "runtime/procattr.h"
#include <sys/resource.h>
#include <stdlib.h>
#include "runtime/procattr.h"
#include <sys/resource.h>
#include <unistd.h>
#include "runtime/procattr.h"
#include <sys/resource.h>

#include "runtime/procattr.h"
#include <sys/resource.h>
#include "runtime/caps.h"
#include "runtime/cgroup.h"
#include "runtime/container.h"
#include "runtime/health.h"
#include "runtime/launch.h"
#include "runtime/spec.h"
#include "unit.h"

TEST(cgroup_parse_bytes)
{
    CHECK_INT(sbc_parse_bytes("100"), 100);
    CHECK_INT(sbc_parse_bytes("64m"), 64LL << 20);
    CHECK_INT(sbc_parse_bytes("1g"), 1LL << 30);
    CHECK_INT(sbc_parse_bytes("512kb"), 512LL << 10);
    CHECK_INT(sbc_parse_bytes("bogus"), -1);
    CHECK_INT(sbc_parse_bytes("12x"), -1);
}

TEST(signal_names)
{
    CHECK_INT(sbc_signal_from_name("SIGTERM"), SIGTERM);
    CHECK_INT(sbc_signal_from_name("kill"), SIGKILL);
    CHECK_INT(sbc_signal_from_name("10"), 10);
    CHECK_INT(sbc_signal_from_name("NOPE"), -1);
}

/* Docker's merge of the flags over the image's Healthcheck, and the times
 * the monitor schedules with */
TEST(health_merge_and_times)
{
    char *p;
    long long ns[4] = {0}, two[4] = {2000000000LL, 0, 0, 0};
    cJSON *img = cJSON_Parse("{\"Test\":[\"CMD\",\"true\"],\"Interval\":1000000000,\"Retries\":5}");
    cJSON *m = sbc_health_merge(0, NULL, ns, 0, NULL);
    CHECK(m == NULL);
    m = sbc_health_merge(0, NULL, ns, 0, img); /* no flag: the image's */
    CHECK_STR(p = cJSON_PrintUnformatted(m), "{\"Test\":[\"CMD\",\"true\"],\"Interval\":1000000000,\"Retries\":5}");
    free(p), cJSON_Delete(m);
    m = sbc_health_merge(0, "curl x", two, 0, img);
    CHECK_STR(p = cJSON_PrintUnformatted(m), "{\"Test\":[\"CMD-SHELL\",\"curl x\"],\"Interval\":2000000000,\"Retries\":5}");
    free(p), cJSON_Delete(m);
    m = sbc_health_merge(0, NULL, ns, 2, img); /* the image's test, the flag's retries */
    CHECK_STR(p = cJSON_PrintUnformatted(m), "{\"Test\":[\"CMD\",\"true\"],\"Interval\":1000000000,\"Retries\":2}");
    free(p), cJSON_Delete(m);
    m = sbc_health_merge(0, NULL, two, 0, NULL); /* no test anywhere: none to run */
    CHECK_STR(p = cJSON_PrintUnformatted(m), "{\"Interval\":2000000000}");
    free(p), cJSON_Delete(m);
    m = sbc_health_merge(1, NULL, ns, 0, NULL);
    CHECK_STR(p = cJSON_PrintUnformatted(m), "{\"Test\":[\"NONE\"]}");
    cJSON *cf = cJSON_CreateObject();
    cJSON_AddItemToObject(cJSON_AddObjectToObject(cf, "Config"), "Healthcheck", m);
    int ms[3] = {7, 7, 7};
    sbc_health_times(cf, ms); /* NONE: nothing to run */
    CHECK(ms[0] == 0 && ms[1] == 0 && ms[2] == 0);
    free(p), cJSON_Delete(cf);
    cf = cJSON_CreateObject();
    cJSON_AddItemToObject(cJSON_AddObjectToObject(cf, "Config"), "Healthcheck", cJSON_Parse("{\"Test\":[\"CMD-SHELL\",\"x\"]}"));
    sbc_health_times(cf, ms); /* Docker's defaults: 30s, 5s, 0 */
    CHECK(ms[0] == 30000 && ms[1] == 5000 && ms[2] == 0);
    cJSON_Delete(cf);
    cJSON_Delete(img);
    CHECK_STR(sbc_health_name(SBC_HEALTH_STARTING), "starting");
}

TEST(caps_default_is_docker_14)
{
    CHECK_INT(__builtin_popcountll(sbc_caps_default()), 14);
    CHECK(sbc_caps_default() == 0xa80425fbULL);
    CHECK_INT(sbc_cap_from_name("CAP_NET_ADMIN"), 12);
    CHECK_INT(sbc_cap_from_name("sys_admin"), 21);
}

TEST(proc_starttime)
{
    CHECK(sbc_proc_starttime(getpid()) > 0);
    CHECK(sbc_proc_alive(getpid(), sbc_proc_starttime(getpid())));
    CHECK(!sbc_proc_alive(getpid(), sbc_proc_starttime(getpid()) + 1));
}

TEST(spec_from_oci)
{
    const char *js = "{\"process\":{\"args\":[\"sh\",\"-c\",\"x\"],\"env\":[\"A=1\"],\"cwd\":\"/w\","
                     "\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_CHOWN\"]}},"
                     "\"root\":{\"path\":\"/r\",\"readonly\":true},\"hostname\":\"h\","
                     "\"mounts\":[{\"destination\":\"/v\",\"type\":\"bind\",\"source\":\"/s\",\"options\":[\"rbind\",\"ro\"]},"
                     "{\"destination\":\"/t\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"size=1m\"]}],"
                     "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"}],\"cgroupsPath\":\"/sbc/x\","
                     "\"resources\":{\"memory\":{\"limit\":1000},\"pids\":{\"limit\":5}}}}";
    sbc_spec s;
    sbc_err e = {0};
    CHECK_INT(sbc_spec_from_oci(cJSON_Parse(js), &s, &e), 0);
    CHECK_INT(s.nargs, 3);
    CHECK_STR(s.cwd, "/w");
    CHECK(s.readonly);
    CHECK(s.caps == ((1ULL << 5) | 1ULL));
    CHECK_INT(s.nmounts, 2);
    CHECK(s.mounts[0].bind && s.mounts[0].ro);
    CHECK_STR(s.mounts[1].data, "size=1m");
    CHECK(s.ns == (CLONE_NEWPID | CLONE_NEWNS));
    CHECK_STR(s.cgroup, "sbc/x");
    CHECK_INT(s.limits.memory, 1000);
    CHECK_INT(s.limits.pids, 5);
    sbc_spec_free(&s);
    CHECK(sbc_spec_from_oci(cJSON_Parse("{\"process\":{}}"), &s, &e) < 0);
    sbc_spec_free(&s);
}

TEST(ulimit_parse)
{
    char t[24];
    unsigned long long s, h;
    sbc_err e = {0};
    CHECK(sbc_ulimit_parse("nofile=100:200", t, &s, &h, &e) == 0);
    CHECK_STR(t, "RLIMIT_NOFILE");
    CHECK(s == 100 && h == 200);
    CHECK(sbc_ulimit_parse("NPROC=5", t, &s, &h, &e) == 0 && s == 5 && h == 5);
    CHECK_STR(t, "RLIMIT_NPROC");
    CHECK(sbc_ulimit_parse("core=-1", t, &s, &h, &e) == 0 && s == RLIM_INFINITY && h == RLIM_INFINITY);
    CHECK(sbc_ulimit_parse("stack=1:unlimited", t, &s, &h, &e) == 0 && s == 1 && h == RLIM_INFINITY);
    CHECK(sbc_ulimit_parse("nofile=200:100", t, &s, &h, &e) < 0);
    CHECK(sbc_ulimit_parse("nofile=-2", t, &s, &h, &e) < 0);
    CHECK(sbc_ulimit_parse("nofile=", t, &s, &h, &e) < 0);
    CHECK(sbc_ulimit_parse("nofile=1:", t, &s, &h, &e) < 0);
    CHECK(sbc_ulimit_parse("nofile=1x", t, &s, &h, &e) < 0);
    CHECK(sbc_ulimit_parse("bogus=1", t, &s, &h, &e) < 0);
    CHECK(sbc_ulimit_parse("averyveryverylongname=1", t, &s, &h, &e) < 0);
    CHECK(sbc_ulimit_parse("nofile", t, &s, &h, &e) < 0);
    /* RLIM_INFINITY through JSON (a double: 2^64) reads back as itself */
    sbc_procattr a;
    cJSON *p = cJSON_Parse("{\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":18446744073709551615,\"hard\":18446744073709551615}]}");
    CHECK(sbc_procattr_parse(p, NULL, &a, &e) == 0 && a.nrl == 1 && a.rl[0].soft == RLIM_INFINITY);
    cJSON_Delete(p);
}
