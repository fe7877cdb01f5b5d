/* seccomp.c - seccomp profiles: the JSON parser (Docker's format and OCI's
 * linux.seccomp), compilation with libseccomp, loading with seccomp(2). */
#include "runtime/seccomp.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include "base/json.h"
#include "runtime/caps.h"

/* ---- names ------------------------------------------------------------ */

/* libseccomp's architectures by their OCI names; a profile's arch set is a
 * bit per entry. */
static const struct {
    const char *name;
    uint32_t token;
} arch_tab[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
};
#define NARCH (int)(sizeof arch_tab / sizeof arch_tab[0])

/* Docker's spelling of the native architecture (Go's GOARCH, "386" as
 * "x86") in includes/excludes.arches: a bit each; unknown names get the
 * last bit, which no native arch has. */
static const char *const goarch_tab[] = {
    "amd64", "x86", "x32", "arm", "arm64", "mips", "mipsle", "mips64", "mips64le",
    "mips64n32", "mips64len32", "ppc", "ppc64", "ppc64le", "s390", "s390x", "riscv64",
    "loong64", "386", "loongarch64",
};
#define GOARCH_UNKNOWN (1u << 31)

static uint32_t goarch_bit(const char *s)
{
    for (unsigned i = 0; i < sizeof goarch_tab / sizeof goarch_tab[0]; i++)
        if (!strcmp(s, goarch_tab[i])) {
            if (!strcmp(s, "386"))
                return 1u << 1; /* = x86 */
            if (!strcmp(s, "loongarch64"))
                return 1u << 17;
            return 1u << i;
        }
    return GOARCH_UNKNOWN;
}

uint32_t sbc_seccomp_goarch_native(void)
{
#if defined(__x86_64__) && defined(__ILP32__)
    return goarch_bit("x32");
#elif defined(__x86_64__)
    return goarch_bit("amd64");
#elif defined(__i386__)
    return goarch_bit("x86");
#elif defined(__aarch64__)
    return goarch_bit("arm64");
#elif defined(__arm__)
    return goarch_bit("arm");
#elif defined(__s390x__)
    return goarch_bit("s390x");
#elif defined(__riscv) && __riscv_xlen == 64
    return goarch_bit("riscv64");
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return goarch_bit("ppc64le");
#else
    return 1u << 30; /* an arch no profile names */
#endif
}

const char *sbc_seccomp_arch_name(int bit)
{
    return bit >= 0 && bit < NARCH ? arch_tab[bit].name : NULL;
}

static int arch_bit(const char *s)
{
    for (int i = 0; i < NARCH; i++)
        if (!strcmp(s, arch_tab[i].name))
            return i;
    return -1;
}

static int native_arch_bit(void)
{
    uint32_t t = seccomp_arch_native();
    for (int i = 0; i < NARCH; i++)
        if (arch_tab[i].token == t)
            return i;
    return -1;
}

static const struct {
    const char *name;
    uint8_t act;
} act_tab[] = {
    {"SCMP_ACT_KILL", SBC_SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_THREAD", SBC_SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_PROCESS", SBC_SCMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_TRAP", SBC_SCMP_ACT_TRAP},
    {"SCMP_ACT_ERRNO", SBC_SCMP_ACT_ERRNO},
    {"SCMP_ACT_TRACE", SBC_SCMP_ACT_TRACE},
    {"SCMP_ACT_LOG", SBC_SCMP_ACT_LOG},
    {"SCMP_ACT_ALLOW", SBC_SCMP_ACT_ALLOW},
};

static const char *const op_tab[] = {
    NULL, "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};

static const struct {
    const char *name;
    uint32_t flag;
} flag_tab[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
};

/* ---- parser ----------------------------------------------------------- */

#define P "seccomp profile: "

/* Input shown in a message: at most 64 bytes, control bytes as '?', so an
 * error stays one line whatever the profile holds. */
typedef struct { char s[68]; } shown_t;
static shown_t shown(const char *in)
{
    shown_t o;
    size_t i = 0;
    for (; in && in[i] && i < 64; i++)
        o.s[i] = (unsigned char)in[i] < 0x20 || in[i] == 0x7f ? '?' : in[i];
    if (in && in[i])
        o.s[i++] = '.', o.s[i++] = '.', o.s[i++] = '.';
    o.s[i] = 0;
    return o;
}

/* A JSON number that is an exact integer in [0, max]. */
static int json_uint(const cJSON *v, uint64_t max, uint64_t *out)
{
    if (!cJSON_IsNumber(v))
        return -1;
    double d = v->valuedouble;
    /* above 2^53 a JSON number is no longer exact: refuse it rather than
     * filter on a value nobody wrote */
    if (!(d >= 0) || d > 9007199254740992.0 || d > (double)max || d != (double)(uint64_t)d)
        return -1;
    *out = (uint64_t)d;
    return 0;
}

/* "4.8" or "5.10.0" -> 4 << 16 | 8 */
static int parse_kernel(const char *s, uint32_t *out)
{
    unsigned long maj, min = 0;
    char *end;
    if (!s || *s < '0' || *s > '9')
        return -1;
    maj = strtoul(s, &end, 10);
    if (*end == '.') {
        if (end[1] < '0' || end[1] > '9')
            return -1;
        min = strtoul(end + 1, &end, 10);
    }
    if (maj == 0 || maj > 0xffff || min > 0xffff)
        return -1;
    *out = (uint32_t)(maj << 16 | min);
    return 0;
}

/* includes / excludes: {"caps": [...], "arches": [...], "minKernel": "4.8"} */
static int parse_filter(const cJSON *o, const char *what, int idx, uint64_t *caps, uint32_t *arches,
                        uint32_t *kernel, sbc_err *e)
{
    if (!o || cJSON_IsNull(o))
        return 0;
    if (!cJSON_IsObject(o))
        return sbc_err_set(e, SBC_EXIT_FAIL, P "syscalls[%d].%s: not an object", idx, what);
    const cJSON *it, *a;
    a = cJSON_GetObjectItemCaseSensitive(o, "caps");
    if (a && !cJSON_IsNull(a)) {
        if (!cJSON_IsArray(a))
            return sbc_err_set(e, SBC_EXIT_FAIL, P "syscalls[%d].%s.caps: not an array", idx, what);
        cJSON_ArrayForEach(it, a) {
            if (!cJSON_IsString(it))
                return sbc_err_set(e, SBC_EXIT_FAIL, P "syscalls[%d].%s.caps: not a string", idx, what);
            int c = sbc_cap_from_name(it->valuestring);
            /* unknown names (and ALL) get bit 63, which no cap set has */
            *caps |= 1ULL << (c >= 0 && c < 63 ? c : 63);
        }
    }
    a = cJSON_GetObjectItemCaseSensitive(o, "arches");
    if (a && !cJSON_IsNull(a)) {
        if (!cJSON_IsArray(a))
            return sbc_err_set(e, SBC_EXIT_FAIL, P "syscalls[%d].%s.arches: not an array", idx, what);
        cJSON_ArrayForEach(it, a) {
            if (!cJSON_IsString(it))
                return sbc_err_set(e, SBC_EXIT_FAIL, P "syscalls[%d].%s.arches: not a string", idx, what);
            *arches |= goarch_bit(it->valuestring);
        }
    }
    a = cJSON_GetObjectItemCaseSensitive(o, "minKernel");
    if (a && !cJSON_IsNull(a)) {
        if (!cJSON_IsString(a) || parse_kernel(a->valuestring, kernel) < 0)
            return sbc_err_set(e, SBC_EXIT_FAIL, P "syscalls[%d].%s.minKernel: not a version like \"4.8\"",
                               idx, what);
    }
    return 0;
}

static int parse_action(const cJSON *v, const char *what, uint8_t *out, sbc_err *e)
{
    if (!cJSON_IsString(v))
        return sbc_err_set(e, SBC_EXIT_FAIL, P "%s: missing or not a string", what);
    for (unsigned i = 0; i < sizeof act_tab / sizeof act_tab[0]; i++)
        if (!strcmp(v->valuestring, act_tab[i].name)) {
            *out = act_tab[i].act;
            return 0;
        }
    if (!strcmp(v->valuestring, "SCMP_ACT_NOTIFY"))
        return sbc_err_set(e, SBC_EXIT_FAIL, P "%s: SCMP_ACT_NOTIFY needs a seccomp listener, which sbc does not provide", what);
    return sbc_err_set(e, SBC_EXIT_FAIL, P "%s: unknown action \"%s\"", what, shown(v->valuestring).s);
}

static int parse_errno(const cJSON *o, const char *key, uint8_t act, int32_t *out, const char *what,
                       sbc_err *e)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    uint64_t n;
    *out = -1;
    if (!v || cJSON_IsNull(v))
        return 0;
    /* ERRNO takes an errno (the kernel caps it at 4095), TRACE a 16-bit message */
    if (json_uint(v, act == SBC_SCMP_ACT_TRACE ? 0xffff : 4095, &n) < 0)
        return sbc_err_set(e, SBC_EXIT_FAIL, P "%s.%s: not a number in 0..%d", what, key,
                           act == SBC_SCMP_ACT_TRACE ? 0xffff : 4095);
    *out = (int32_t)n;
    return 0;
}

static int parse_args(const cJSON *a, sbc_seccomp_rule *r, int idx, sbc_err *e)
{
    const cJSON *it;
    if (!a || cJSON_IsNull(a))
        return 0;
    if (!cJSON_IsArray(a))
        return sbc_err_set(e, SBC_EXIT_FAIL, P "syscalls[%d].args: not an array", idx);
    cJSON_ArrayForEach(it, a) {
        if (r->nargs >= SBC_SECCOMP_MAX_ARGS)
            return sbc_err_set(e, SBC_EXIT_FAIL, P "syscalls[%d].args: more than %d conditions", idx,
                               SBC_SECCOMP_MAX_ARGS);
        sbc_seccomp_arg *g = &r->args[r->nargs];
        uint64_t n;
        if (!cJSON_IsObject(it))
            return sbc_err_set(e, SBC_EXIT_FAIL, P "syscalls[%d].args[%d]: not an object", idx, r->nargs);
        if (json_uint(cJSON_GetObjectItemCaseSensitive(it, "index"), 5, &n) < 0)
            return sbc_err_set(e, SBC_EXIT_FAIL, P "syscalls[%d].args[%d].index: not a number in 0..5", idx,
                               r->nargs);
        g->index = (uint8_t)n;
        if (json_uint(cJSON_GetObjectItemCaseSensitive(it, "value"), UINT64_MAX, &g->value) < 0)
            return sbc_err_set(e, SBC_EXIT_FAIL, P "syscalls[%d].args[%d].value: not an integer in 0..2^53",
                               idx, r->nargs);
        const cJSON *v2 = cJSON_GetObjectItemCaseSensitive(it, "valueTwo");
        g->value2 = 0;
        if (v2 && !cJSON_IsNull(v2) && json_uint(v2, UINT64_MAX, &g->value2) < 0)
            return sbc_err_set(e, SBC_EXIT_FAIL, P "syscalls[%d].args[%d].valueTwo: not an integer in 0..2^53",
                               idx, r->nargs);
        const char *op = sbc_json_str(it, "op");
        g->op = 0;
        for (unsigned i = 1; op && i < sizeof op_tab / sizeof op_tab[0]; i++)
            if (!strcmp(op, op_tab[i]))
                g->op = (uint8_t)i;
        if (!g->op)
            return sbc_err_set(e, SBC_EXIT_FAIL, P "syscalls[%d].args[%d].op: unknown comparison \"%s\"", idx,
                               r->nargs, op ? shown(op).s : "(missing)");
        r->nargs++;
    }
    return 0;
}

static int parse_names(const cJSON *sc, sbc_seccomp_rule *r, int idx, unsigned *total, sbc_err *e)
{
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(sc, "names");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(sc, "name");
    const cJSON *it;
    if (names && cJSON_IsNull(names))
        names = NULL;
    if (name && cJSON_IsNull(name))
        name = NULL;
    if (names && name)
        return sbc_err_set(e, SBC_EXIT_FAIL, P "syscalls[%d]: both \"name\" and \"names\"", idx);
    if (name && !cJSON_IsString(name))
        return sbc_err_set(e, SBC_EXIT_FAIL, P "syscalls[%d].name: not a string", idx);
    if (names && !cJSON_IsArray(names))
        return sbc_err_set(e, SBC_EXIT_FAIL, P "syscalls[%d].names: not an array", idx);
    int n = name ? 1 : names ? cJSON_GetArraySize(names) : 0;
    if (n <= 0)
        return 0;
    if (*total + (unsigned)n > SBC_SECCOMP_MAX_NAMES)
        return sbc_err_set(e, SBC_EXIT_FAIL, P "more than %d syscall names", SBC_SECCOMP_MAX_NAMES);
    char **v = calloc((size_t)n, sizeof *v);
    if (!v)
        return sbc_err_set(e, SBC_EXIT_FAIL, P "out of memory");
    r->names = (const char *const *)v;
    int k = 0;
    for (it = name ? name : names->child; it; it = name ? NULL : it->next) {
        if (!cJSON_IsString(it))
            return sbc_err_set(e, SBC_EXIT_FAIL, P "syscalls[%d].names[%d]: not a string", idx, k);
        if (!it->valuestring[0] || strlen(it->valuestring) > SBC_SECCOMP_MAX_NAME)
            return sbc_err_set(e, SBC_EXIT_FAIL, P "syscalls[%d].names[%d]: empty or longer than %d bytes", idx,
                               k, SBC_SECCOMP_MAX_NAME);
        if (!(v[k] = strdup(it->valuestring)))
            return sbc_err_set(e, SBC_EXIT_FAIL, P "out of memory");
        r->nnames = (uint16_t)++k;
    }
    *total += (unsigned)k;
    return 0;
}

static int parse_rule(const cJSON *sc, sbc_seccomp_rule *r, int idx, unsigned *total, sbc_err *e)
{
    char what[48];
    snprintf(what, sizeof what, "syscalls[%d].action", idx);
    if (!cJSON_IsObject(sc))
        return sbc_err_set(e, SBC_EXIT_FAIL, P "syscalls[%d]: not an object", idx);
    if (parse_names(sc, r, idx, total, e) < 0)
        return -1;
    if (parse_action(cJSON_GetObjectItemCaseSensitive(sc, "action"), what, &r->action, e) < 0)
        return -1;
    snprintf(what, sizeof what, "syscalls[%d]", idx);
    if (parse_errno(sc, "errnoRet", r->action, &r->errno_ret, what, e) < 0)
        return -1;
    if (parse_args(cJSON_GetObjectItemCaseSensitive(sc, "args"), r, idx, e) < 0)
        return -1;
    if (parse_filter(cJSON_GetObjectItemCaseSensitive(sc, "includes"), "includes", idx, &r->inc_caps,
                     &r->inc_arches, &r->inc_kernel, e) < 0 ||
        parse_filter(cJSON_GetObjectItemCaseSensitive(sc, "excludes"), "excludes", idx, &r->exc_caps,
                     &r->exc_arches, &r->exc_kernel, e) < 0)
        return -1;
    return 0;
}

/* architectures (OCI and Docker) or archMap (Docker: the native entry and
 * its subArchitectures) */
static int parse_arches(const cJSON *j, sbc_seccomp_profile *p, sbc_err *e)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "architectures");
    const cJSON *map = cJSON_GetObjectItemCaseSensitive(j, "archMap");
    const cJSON *it, *sub;
    if (list && cJSON_IsNull(list))
        list = NULL;
    if (map && cJSON_IsNull(map))
        map = NULL;
    if (list && map)
        return sbc_err_set(e, SBC_EXIT_FAIL, P "both \"architectures\" and \"archMap\"; use one");
    if (list) {
        if (!cJSON_IsArray(list))
            return sbc_err_set(e, SBC_EXIT_FAIL, P "architectures: not an array");
        cJSON_ArrayForEach(it, list) {
            int b = cJSON_IsString(it) ? arch_bit(it->valuestring) : -1;
            if (b < 0)
                return sbc_err_set(e, SBC_EXIT_FAIL, P "architectures: unknown architecture %s",
                                   cJSON_IsString(it) ? shown(it->valuestring).s : "(not a string)");
            p->arches |= 1u << b;
        }
        return 0;
    }
    if (!map)
        return 0;
    if (!cJSON_IsArray(map))
        return sbc_err_set(e, SBC_EXIT_FAIL, P "archMap: not an array");
    int nat = native_arch_bit();
    cJSON_ArrayForEach(it, map) {
        const char *a = sbc_json_str(it, "architecture");
        if (!a)
            return sbc_err_set(e, SBC_EXIT_FAIL, P "archMap: an entry without \"architecture\"");
        if (nat < 0 || arch_bit(a) != nat)
            continue; /* another machine's entry */
        p->arches |= 1u << nat;
        sub = cJSON_GetObjectItemCaseSensitive(it, "subArchitectures");
        if (sub && !cJSON_IsNull(sub) && !cJSON_IsArray(sub))
            return sbc_err_set(e, SBC_EXIT_FAIL, P "archMap: subArchitectures of %s: not an array", shown(a).s);
        const cJSON *s, *subs = cJSON_IsArray(sub) ? sub : NULL;
        cJSON_ArrayForEach(s, subs) {
            int b = cJSON_IsString(s) ? arch_bit(s->valuestring) : -1;
            if (b < 0)
                return sbc_err_set(e, SBC_EXIT_FAIL, P "archMap: unknown architecture %s",
                                   cJSON_IsString(s) ? shown(s->valuestring).s : "(not a string)");
            p->arches |= 1u << b;
        }
    }
    return 0;
}

static int parse_flags(const cJSON *j, sbc_seccomp_profile *p, sbc_err *e)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(j, "flags"), *it;
    if (!f || cJSON_IsNull(f))
        return 0;
    if (!cJSON_IsArray(f))
        return sbc_err_set(e, SBC_EXIT_FAIL, P "flags: not an array");
    cJSON_ArrayForEach(it, f) {
        unsigned i = 0;
        for (; cJSON_IsString(it) && i < sizeof flag_tab / sizeof flag_tab[0]; i++)
            if (!strcmp(it->valuestring, flag_tab[i].name))
                break;
        if (!cJSON_IsString(it) || i == sizeof flag_tab / sizeof flag_tab[0])
            return sbc_err_set(e, SBC_EXIT_FAIL, P "flags: unsupported flag %s",
                               cJSON_IsString(it) ? shown(it->valuestring).s : "(not a string)");
        p->flags |= flag_tab[i].flag;
    }
    return 0;
}

int sbc_seccomp_from_json(const cJSON *j, sbc_seccomp_profile **out, sbc_err *e)
{
    *out = NULL;
    if (!cJSON_IsObject(j))
        return sbc_err_set(e, SBC_EXIT_FAIL, P "not a JSON object");
    sbc_seccomp_profile *p = calloc(1, sizeof *p);
    if (!p)
        return sbc_err_set(e, SBC_EXIT_FAIL, P "out of memory");
    p->owned = 1;
    if (parse_action(cJSON_GetObjectItemCaseSensitive(j, "defaultAction"), "defaultAction",
                     &p->default_action, e) < 0 ||
        parse_errno(j, "defaultErrnoRet", p->default_action, &p->default_errno, "profile", e) < 0 ||
        parse_arches(j, p, e) < 0 || parse_flags(j, p, e) < 0)
        goto fail;
    const cJSON *lp = cJSON_GetObjectItemCaseSensitive(j, "listenerPath");
    if (cJSON_IsString(lp) && lp->valuestring[0]) {
        sbc_err_set(e, SBC_EXIT_FAIL, P "listenerPath: seccomp listeners are not supported");
        goto fail;
    }
    const cJSON *sys = cJSON_GetObjectItemCaseSensitive(j, "syscalls"), *it;
    if (sys && !cJSON_IsNull(sys)) {
        if (!cJSON_IsArray(sys)) {
            sbc_err_set(e, SBC_EXIT_FAIL, P "syscalls: not an array");
            goto fail;
        }
        int n = cJSON_GetArraySize(sys);
        if (n > SBC_SECCOMP_MAX_RULES) {
            sbc_err_set(e, SBC_EXIT_FAIL, P "more than %d syscalls entries", SBC_SECCOMP_MAX_RULES);
            goto fail;
        }
        sbc_seccomp_rule *rules = n ? calloc((size_t)n, sizeof *rules) : NULL;
        if (n && !rules) {
            sbc_err_set(e, SBC_EXIT_FAIL, P "out of memory");
            goto fail;
        }
        p->rules = rules;
        unsigned total = 0;
        cJSON_ArrayForEach(it, sys) {
            int rc = parse_rule(it, &rules[p->nrules], (int)p->nrules, &total, e);
            p->nrules++; /* counted even when it failed: its names are freed */
            if (rc < 0)
                goto fail;
        }
    }
    *out = p;
    return 0;
fail:
    sbc_seccomp_free(p);
    return -1;
}

int sbc_seccomp_parse(const char *json, size_t len, sbc_seccomp_profile **out, sbc_err *e)
{
    *out = NULL;
    if (len > SBC_SECCOMP_MAX_JSON)
        return sbc_err_set(e, SBC_EXIT_FAIL, P "larger than %u bytes", SBC_SECCOMP_MAX_JSON);
    cJSON *j = sbc_json_parse(json, len, "seccomp profile", e);
    if (!j)
        return -1;
    int rc = sbc_seccomp_from_json(j, out, e);
    cJSON_Delete(j);
    return rc;
}

void sbc_seccomp_free(sbc_seccomp_profile *p)
{
    if (!p || !p->owned)
        return;
    for (unsigned i = 0; i < p->nrules; i++) {
        char **v = (char **)p->rules[i].names;
        for (unsigned k = 0; v && k < p->rules[i].nnames; k++)
            free(v[k]);
        free(v);
    }
    free((void *)p->rules);
    free(p);
}

/* ---- compile ---------------------------------------------------------- */

uint32_t sbc_seccomp_kernel_version(void)
{
    struct utsname u;
    uint32_t v;
    if (uname(&u) < 0 || parse_kernel(u.release, &v) < 0)
        return 0;
    return v;
}

/* Docker's rule selection (moby profiles/seccomp: excludes first, then
 * includes; every included cap must be present). */
int sbc_seccomp_rule_applies(const sbc_seccomp_rule *r, uint64_t caps, uint32_t kver)
{
    uint32_t nat = sbc_seccomp_goarch_native();
    caps &= ~(1ULL << 63);
    if (r->exc_arches & nat)
        return 0;
    if (r->exc_caps & caps)
        return 0;
    if (r->exc_kernel && kver >= r->exc_kernel)
        return 0;
    if (r->inc_arches && !(r->inc_arches & nat))
        return 0;
    if ((r->inc_caps & caps) != r->inc_caps)
        return 0;
    if (r->inc_kernel && kver < r->inc_kernel)
        return 0;
    return 1;
}

static uint32_t scmp_action(uint8_t act, int32_t err)
{
    switch (act) {
    case SBC_SCMP_ACT_KILL_PROCESS: return SCMP_ACT_KILL_PROCESS;
    case SBC_SCMP_ACT_KILL_THREAD: return SCMP_ACT_KILL_THREAD;
    case SBC_SCMP_ACT_TRAP: return SCMP_ACT_TRAP;
    case SBC_SCMP_ACT_ERRNO: return SCMP_ACT_ERRNO((uint32_t)(err >= 0 ? err : EPERM));
    case SBC_SCMP_ACT_TRACE: return SCMP_ACT_TRACE((uint32_t)(err >= 0 ? err : EPERM));
    case SBC_SCMP_ACT_LOG: return SCMP_ACT_LOG;
    default: return SCMP_ACT_ALLOW;
    }
}

static int add_rule(scmp_filter_ctx ctx, uint32_t act, const char *name, const sbc_seccomp_rule *r,
                    sbc_err *e)
{
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR)
        return 0; /* libseccomp does not know it: skipped, as Docker does */
    struct scmp_arg_cmp c[SBC_SECCOMP_MAX_ARGS];
    unsigned seen = 0, repeat = 0;
    for (int i = 0; i < r->nargs; i++) {
        c[i].arg = r->args[i].index;
        c[i].op = (enum scmp_compare)r->args[i].op;
        c[i].datum_a = r->args[i].value;
        c[i].datum_b = r->args[i].value2;
        if (seen & (1u << r->args[i].index))
            repeat = 1;
        seen |= 1u << r->args[i].index;
    }
    int rc;
    if (repeat) {
        /* libseccomp cannot AND two conditions on one argument: one rule
         * per condition, as runc does */
        rc = 0;
        for (int i = 0; i < r->nargs && rc == 0; i++)
            rc = seccomp_rule_add_array(ctx, act, nr, 1, &c[i]);
    } else {
        rc = seccomp_rule_add_array(ctx, act, nr, r->nargs, c);
    }
    if (rc < 0) {
        errno = -rc;
        return sbc_err_sys(e, "seccomp: add the rule for %s", shown(name).s);
    }
    return 0;
}

/* the filter's program, through a memfd (libseccomp 2.5 exports to an fd) */
static int export_bpf(scmp_filter_ctx ctx, sbc_seccomp_prog *out, sbc_err *e)
{
    int fd = (int)syscall(SYS_memfd_create, "sbc-seccomp", MFD_CLOEXEC);
    if (fd < 0)
        return sbc_err_sys(e, "seccomp: memfd_create");
    int rc = seccomp_export_bpf(ctx, fd);
    struct stat st;
    if (rc < 0) {
        close(fd);
        errno = -rc;
        return sbc_err_sys(e, "seccomp: export the filter");
    }
    if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter) ||
        st.st_size > BPF_MAXINSNS * (off_t)sizeof(struct sock_filter)) {
        close(fd);
        return sbc_err_set(e, SBC_EXIT_FAIL, "seccomp: the filter has %lld bytes, not 1..%d instructions",
                           (long long)st.st_size, BPF_MAXINSNS);
    }
    out->insns = malloc((size_t)st.st_size);
    if (!out->insns) {
        close(fd);
        return sbc_err_set(e, SBC_EXIT_FAIL, "seccomp: out of memory");
    }
    ssize_t n = pread(fd, out->insns, (size_t)st.st_size, 0);
    close(fd);
    if (n != st.st_size) {
        free(out->insns);
        out->insns = NULL;
        return sbc_err_set(e, SBC_EXIT_FAIL, "seccomp: short read of the exported filter");
    }
    out->len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
    out->owned = 1;
    return 0;
}

/* ---- syscalls newer than libseccomp -------------------------------------
 *
 * The libseccomp sbc links (2.5.4) does not know the newest syscalls, so the
 * profile's rules for them would be skipped and the calls would get the
 * default EPERM, where Docker (with a newer libseccomp) allows them and a
 * libc that probes for them falls back only on ENOSYS.  On x86 sbc prepends
 * a few instructions of its own (the numbers below are the same for x86_64
 * and i386 since Linux 5.1): an unconditional rule for such a name gets its
 * action by number, and, when the default action is ERRNO, a number above
 * every syscall sbc knows gets ENOSYS, as runc's patchbpf does, so future
 * syscalls look absent rather than forbidden.  x32 numbers are left to
 * libseccomp. */
#if defined(__x86_64__)
#include <linux/audit.h>
static const struct {
    const char *name;
    uint16_t nr;
    uint8_t only64; /* x86_64 only */
} new_calls[] = {
    {"uretprobe", 335, 1},         {"statmount", 457, 0},        {"listmount", 458, 0},
    {"lsm_get_self_attr", 459, 0}, {"lsm_set_self_attr", 460, 0}, {"lsm_list_modules", 461, 0},
    {"mseal", 462, 0},             {"setxattrat", 463, 0},       {"getxattrat", 464, 0},
    {"listxattrat", 465, 0},       {"removexattrat", 466, 0},    {"open_tree_attr", 467, 0},
    {"file_getattr", 468, 0},      {"file_setattr", 469, 0},
};
#define NEW_N (int)(sizeof new_calls / sizeof new_calls[0])
#define NR_MAX_KNOWN 469

/* one arch's block: match the arch, then the numbers; returns its length */
static int stub_block(struct sock_filter *o, uint32_t audit_arch, int x64, const uint32_t *act, int enosys,
                      uint32_t nr_max, int *ja_at)
{
    int n = 0, k = 0, idx[NEW_N];
    for (int i = 0; i < NEW_N; i++)
        if (act[i] && (x64 || !new_calls[i].only64))
            idx[n++] = i;
    int x32 = x64 ? 1 : 0;
    int a = 3 + x32 + n + (enosys ? 1 : 0); /* the JA out of the stub */
    int len = a + 1 + n + (enosys ? 1 : 0);
    o[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    o[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, audit_arch, 0, (uint8_t)(len - k - 1));
    k++;
    o[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    if (x32) {
        o[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x40000000, (uint8_t)(a - k - 1), 0);
        k++;
    }
    for (int i = 0; i < n; i++, k++)
        o[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, new_calls[idx[i]].nr,
                                            (uint8_t)(a + 1 + i - k - 1), 0);
    if (enosys) {
        o[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, nr_max, (uint8_t)(a + n - k), 0);
        k++;
    }
    *ja_at = k;
    o[k++] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 0); /* patched by the caller */
    for (int i = 0; i < n; i++)
        o[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, act[idx[i]]);
    if (enosys)
        o[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SCMP_ACT_ERRNO(ENOSYS));
    return k;
}

static int prepend_stub(const sbc_seccomp_profile *p, uint64_t caps, uint32_t kver, uint32_t arches,
                        sbc_seccomp_prog *out, sbc_err *e)
{
    uint32_t act[NEW_N] = {0};
    int any = 0, enosys = p->default_action == SBC_SCMP_ACT_ERRNO;
    uint32_t dact = scmp_action(p->default_action, p->default_errno);
    for (unsigned i = 0; i < p->nrules; i++) {
        const sbc_seccomp_rule *r = &p->rules[i];
        if (r->nargs || !sbc_seccomp_rule_applies(r, caps, kver))
            continue;
        for (unsigned k = 0; k < r->nnames; k++)
            for (int j = 0; j < NEW_N; j++)
                if (!act[j] && !strcmp(r->names[k], new_calls[j].name) &&
                    seccomp_syscall_resolve_name(new_calls[j].name) == __NR_SCMP_ERROR &&
                    scmp_action(r->action, r->errno_ret) != dact) {
                    act[j] = scmp_action(r->action, r->errno_ret);
                    any = 1;
                }
    }
    if (!any && !enosys)
        return 0;
    /* ENOSYS only above every number sbc's table or this libseccomp knows
     * for a name in the profile (a newer libseccomp may know more) */
    uint32_t nr_max = NR_MAX_KNOWN;
    for (unsigned i = 0; i < p->nrules; i++)
        for (unsigned k = 0; k < p->rules[i].nnames; k++) {
            int a = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, p->rules[i].names[k]);
            int b = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, p->rules[i].names[k]);
            if (a > 0 && (uint32_t)a > nr_max)
                nr_max = (uint32_t)a;
            if (b > 0 && (uint32_t)b > nr_max)
                nr_max = (uint32_t)b;
        }
    struct sock_filter stub[2 * (2 * NEW_N + 8)];
    int ja[2], len = 0;
    len += stub_block(stub, AUDIT_ARCH_X86_64, 1, act, enosys, nr_max, &ja[0]);
    int nb = 1;
    for (int i = 0; i < NARCH; i++)
        if ((arches & (1u << i)) && arch_tab[i].token == SCMP_ARCH_X86) {
            ja[1] = len;
            int at;
            len += stub_block(stub + len, AUDIT_ARCH_I386, 0, act, enosys, nr_max, &at);
            ja[1] += at;
            nb = 2;
        }
    for (int b = 0; b < nb; b++)
        stub[ja[b]].k = (uint32_t)(len - ja[b] - 1);
    if (out->len + len > BPF_MAXINSNS)
        return sbc_err_set(e, SBC_EXIT_FAIL, "seccomp: the filter has more than %d instructions", BPF_MAXINSNS);
    struct sock_filter *all = malloc((size_t)(out->len + len) * sizeof *all);
    if (!all)
        return sbc_err_set(e, SBC_EXIT_FAIL, "seccomp: out of memory");
    memcpy(all, stub, (size_t)len * sizeof *all);
    memcpy(all + len, out->insns, (size_t)out->len * sizeof *all);
    free(out->insns);
    out->insns = all;
    out->len = (unsigned short)(out->len + len);
    return 0;
}
#endif

int sbc_seccomp_compile(const sbc_seccomp_profile *p, uint64_t caps, uint32_t kver,
                        sbc_seccomp_prog *out, sbc_err *e)
{
    memset(out, 0, sizeof *out);
    uint32_t dact = scmp_action(p->default_action, p->default_errno);
    scmp_filter_ctx ctx = seccomp_init(dact);
    if (!ctx)
        return sbc_err_set(e, SBC_EXIT_FAIL, "seccomp: cannot create a filter");
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0); /* sbc decides about no_new_privs */
    /* a binary tree of syscall numbers rather than libseccomp's default
     * chain: 245 more instructions for the default profile, but the kernel
     * walks O(log n) of them per syscall, both when it builds its per-
     * syscall cache at load (measured ~30 % faster load) and for every call
     * the cache cannot answer (those with argument rules) */
    if (rc == 0)
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    uint32_t arches = p->arches;
    if (!arches) { /* Docker's archMap for the native arch */
        uint32_t t = seccomp_arch_native();
        for (int i = 0; i < NARCH; i++)
            if ((t == SCMP_ARCH_X86_64 && (arch_tab[i].token == SCMP_ARCH_X86 || arch_tab[i].token == SCMP_ARCH_X32)) ||
                (t == SCMP_ARCH_AARCH64 && arch_tab[i].token == SCMP_ARCH_ARM))
                arches |= 1u << i;
    }
    for (int i = 0; rc == 0 && i < NARCH; i++) {
        if (!(arches & (1u << i)))
            continue;
        rc = seccomp_arch_add(ctx, arch_tab[i].token);
        if (rc == -EEXIST)
            rc = 0; /* the native one is there from seccomp_init */
    }
    if (rc < 0) {
        seccomp_release(ctx);
        errno = -rc;
        return sbc_err_sys(e, "seccomp: set up the filter's architectures");
    }
    for (unsigned i = 0; i < p->nrules; i++) {
        const sbc_seccomp_rule *r = &p->rules[i];
        if (!sbc_seccomp_rule_applies(r, caps, kver))
            continue;
        uint32_t act = scmp_action(r->action, r->errno_ret);
        if (act == dact)
            continue; /* libseccomp refuses rules that do what the default does */
        for (unsigned k = 0; k < r->nnames; k++)
            if (add_rule(ctx, act, r->names[k], r, e) < 0) {
                seccomp_release(ctx);
                return -1;
            }
    }
    rc = export_bpf(ctx, out, e);
    seccomp_release(ctx);
    out->flags = p->flags;
#if defined(__x86_64__)
    if (rc == 0 && seccomp_arch_native() == SCMP_ARCH_X86_64 &&
        (rc = prepend_stub(p, caps, kver, arches, out, e)) < 0)
        sbc_seccomp_prog_free(out);
#endif
    return rc;
}

void sbc_seccomp_prog_free(sbc_seccomp_prog *prog)
{
    if (prog && prog->owned)
        free(prog->insns);
    if (prog)
        memset(prog, 0, sizeof *prog);
}

/* ---- load ------------------------------------------------------------- */

/* Not SECCOMP_FILTER_FLAG_SPEC_ALLOW by default: like Docker and runc, sbc
 * lets seccomp keep the kernel's speculative-store-bypass mitigation on
 * kernels that tie the two (before 5.16 with spec_store_bypass_disable=
 * seccomp, the default then); a profile that lists the flag gets it, as in
 * crun.  Newer kernels no longer force the mitigation, so it costs nothing. */
int sbc_seccomp_load(const sbc_seccomp_prog *prog, sbc_err *e)
{
    struct sock_fprog fp = {.len = prog->len, .filter = prog->insns};
    if (!prog->len || !prog->insns)
        return sbc_err_set(e, SBC_EXIT_FAIL, "seccomp: empty filter");
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog->flags, &fp) == 0)
        return 0;
    if (errno == ENOSYS && !prog->flags && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp, 0, 0) == 0)
        return 0; /* a kernel before seccomp(2) (3.17) */
    return sbc_err_sys(e, "seccomp: load the filter (%u instructions)", prog->len);
}

const char *sbc_seccomp_lib_version(char *buf, size_t n)
{
    const struct scmp_version *v = seccomp_version();
    if (v)
        snprintf(buf, n, "%u.%u.%u", v->major, v->minor, v->micro);
    else
        snprintf(buf, n, "?");
    return buf;
}
