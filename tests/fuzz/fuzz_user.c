/* fuzz_user.c - a hostile image's User ("name[:group]", from its config)
 * resolved against its own /etc/passwd and /etc/group (resolve_user in
 * lib/runtime/spawn.c, which runs inside the container after pivot_root).
 *
 * lib/runtime/spawn.c is #included with its reader of the container's files
 * (SBC_READ_ETC) replaced, so "/etc/passwd" and "/etc/group" come from the
 * input:  USER "\n" PASSWD "\n%%\n" GROUP
 *
 * Checked against a straightforward reference: when the group part names
 * a group present in the group file, that group's gid is used; when the
 * user part names a passwd entry, its uid is used; ids outside 0..2^31-1
 * (in the spec or the files) never resolve, and a numeric user part that
 * resolves gives exactly that uid (no wrap to 0).
 */
#include <errno.h>
#include <stddef.h>
#include <sys/types.h>
#include "base/io.h"
static char *fuzz_read_etc(const char *path, sbc_err *e);
#define SBC_READ_ETC fuzz_read_etc
#include "runtime/spawn.c"

#include "fuzz_common.h"

static const char *f_passwd, *f_group;

static char *fuzz_read_etc(const char *path, sbc_err *e)
{
    size_t max = 1 << 20;
    const char *src = !strcmp(path, "/etc/passwd") ? f_passwd
                      : !strcmp(path, "/etc/group") ? f_group : NULL;
    (void)e;
    if (!src)
        src = "";
    size_t n = strlen(src);
    if (n > max)
        n = max;
    char *s = sbc_xmalloc(n + 1);
    memcpy(s, src, n);
    s[n] = 0;
    return s;
}

/* digits only, value <= 2^31-1 */
static int ref_isnum(const char *s)
{
    unsigned long long v = 0;
    if (!*s)
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        v = v * 10 + (unsigned)(*s - '0');
        if (v > 2147483647ULL)
            return 0;
    }
    return 1;
}

/* The gid of group g in the group file (name or number), or -1. */
static long ref_group(const char *g)
{
    char *dup = sbc_xstrdup(f_group);
    long r = -1;
    for (char *l = dup, *next; l && *l && r < 0; l = next) {
        next = strchr(l, '\n');
        if (next)
            *next++ = 0;
        char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL,
             *c3 = c2 ? strchr(c2 + 1, ':') : NULL;
        if (!c3)
            continue;
        *c1 = *c2 = *c3 = 0;
        if (!ref_isnum(c2 + 1))
            continue;
        gid_t gid = (gid_t)atol(c2 + 1);
        if (ref_isnum(g) ? gid == (gid_t)atol(g) : !strcmp(l, g))
            r = (long)gid;
    }
    free(dup);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    char *s = fuzz_cstr(data, size);
    char *nl = strchr(s, '\n');
    if (!nl) {
        free(s);
        return 0;
    }
    *nl = 0;
    const char *spec = s;
    f_passwd = nl + 1;
    char *sep = strstr(nl + 1, "\n%%\n");
    if (sep) {
        *sep = 0;
        f_group = sep + 4;
    } else {
        f_group = "";
    }
    user_info u;
    sbc_err e = {0};
    int rc = resolve_user(spec, NULL, 0, &u, &e);
    if (rc == 0) {
        FUZZ_ASSERT(u.ngroups >= 1 && u.ngroups <= 64, "ngroups %d", u.ngroups);
        FUZZ_ASSERT(u.groups[u.ngroups - 1] == u.gid, "primary gid not last");
        FUZZ_ASSERT(strnlen(u.home, sizeof u.home) < sizeof u.home, "home");
        char up[256];
        const char *cl = strchr(spec, ':');
        snprintf(up, sizeof up, "%.*s", cl ? (int)(cl - spec) : (int)strlen(spec), spec);
        if (*spec && sbc_id_numeric(up))
            FUZZ_ASSERT(ref_isnum(up) && (unsigned long long)u.uid == strtoull(up, NULL, 10),
                        "user \"%s\" resolved to uid %u", spec, (unsigned)u.uid);
    } else {
        FUZZ_ASSERT(e.msg[0], "failed without a message");
    }
    /* reference check of the explicit group, for specs resolve_user takes whole */
    const char *colon = strchr(spec, ':');
    if (strlen(spec) < 200 && colon) {
        long want = ref_group(colon + 1);
        if (want >= 0 && rc == 0)
            FUZZ_ASSERT(u.gid == (gid_t)want, "user \"%s\": gid %u, group file says %ld", spec,
                        (unsigned)u.gid, want);
    }
    if (strlen(spec) < 255 && colon && rc < 0) {
        /* failing although the group exists and the user is numeric */
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(colon - spec), spec);
        /* sbc_user_check refuses an empty group, a second ':', '/' and
         * control characters before any lookup (strict ids, user.h) */
        const char *g = colon + 1;
        int clean = *g && !strpbrk(g, ":/") && strlen(g) < 255;
        for (const char *q = g; clean && *q; q++)
            if ((unsigned char)*q < 0x20 || *q == 0x7f)
                clean = 0;
        if (clean && ref_isnum(name) && ref_group(g) >= 0)
            FUZZ_ASSERT(0, "user \"%s\" rejected (%s) although group \"%s\" exists", spec, e.msg,
                        colon + 1);
    }
    free(s);
    return 0;
}
