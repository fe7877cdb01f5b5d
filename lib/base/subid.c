/* subid.c - the subordinate ids of /etc/subuid and /etc/subgid and running
 * code as root of a user namespace of the user's ids (see subid.h). */
#include "base/subid.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/io.h"

/* One line of /etc/subuid or /etc/subgid: "name-or-uid:start:count". */

/* All entries of path (none when it does not exist); *n of them. */
sbc_subid *sbc_subid_list(const char *path, int *n)
{
    *n = 0;
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    sbc_subid *v = NULL;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL, *end;
        if (!a || !b || a - line >= 64 || a == line)
            continue;
        sbc_subid s = {0};
        memcpy(s.owner, line, (size_t)(a - line));
        errno = 0;
        s.start = strtoull(a + 1, &end, 10);
        if (errno || end != b)
            continue;
        s.count = strtoull(b + 1, &end, 10);
        if (errno || (*end && *end != '\n') || !s.count || s.start + s.count > 4294967295ULL)
            continue;
        v = sbc_xrealloc(v, (size_t)(*n + 1) * sizeof *v);
        v[(*n)++] = s;
    }
    fclose(f);
    return v;
}

int sbc_subid_owner_is(const sbc_subid *s, const char *user, const char *uidstr)
{
    return !strcmp(s->owner, user) || (uidstr && !strcmp(s->owner, uidstr));
}

int sbc_userns_subids(const char *file, const char *user, unsigned uid, uint32_t *start, uint32_t *count)
{
    char us[16];
    snprintf(us, sizeof us, "%u", uid);
    int n;
    sbc_subid *v = sbc_subid_list(file, &n);
    int found = 0;
    for (int i = 0; i < n && !found; i++)
        if (sbc_subid_owner_is(&v[i], user ? user : us, us)) {
            *start = (uint32_t)v[i].start;
            *count = (uint32_t)(v[i].count > SBC_USERNS_SIZE - 1 ? SBC_USERNS_SIZE - 1 : v[i].count);
            found = 1;
        }
    free(v);
    return found;
}

const char *sbc_userns_helper(const char *name)
{
    static char path[64];
    static const char *const dirs[] = {"/usr/bin", "/bin", "/usr/sbin", "/sbin"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        snprintf(path, sizeof path, "%s/%s", dirs[i], name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & (S_ISUID | 0111)))
            return path;
    }
    return NULL;
}

int sbc_userns_run_helper(const char *name, int pid, const uint32_t (*lines)[3], int n)
{
    const char *path = sbc_userns_helper(name);
    if (!path || n < 1 || n > 8)
        return 127;
    char a[1 + 3 * 8][16], *argv[3 + 3 * 8];
    int k = 0;
    argv[k++] = (char *)name;
    snprintf(a[0], sizeof a[0], "%d", pid);
    argv[k++] = a[0];
    for (int i = 0; i < 3 * n; i++) {
        snprintf(a[1 + i], sizeof a[1 + i], "%u", (unsigned)lines[i / 3][i % 3]);
        argv[k++] = a[1 + i];
    }
    argv[k] = NULL;
    pid_t h = fork();
    if (h == 0) {
        int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (nul >= 0)
            dup2(nul, 1);
        execv(path, argv);
        _exit(127);
    }
    if (h < 0)
        return -1;
    int st = 0;
    while (waitpid(h, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 127;
}

int sbc_userns_subranges(uint32_t *uid, uint32_t *gid, uint32_t *count)
{
    struct passwd *pw = getpwuid(getuid());
    uint32_t sc, gc;
    if (!sbc_userns_helper("newuidmap") || !sbc_userns_helper("newgidmap") ||
        !sbc_userns_subids("/etc/subuid", pw ? pw->pw_name : NULL, getuid(), uid, &sc) ||
        !sbc_userns_subids("/etc/subgid", pw ? pw->pw_name : NULL, getuid(), gid, &gc))
        return 0;
    *count = sc < gc ? sc : gc;
    return 1;
}

/* The child of sbc_userns_mapped: in its namespace once mapped, fn's
 * message back on res. */
static _Noreturn void mapped_child(int go, int res, int (*fn)(void *, sbc_err *), void *arg)
{
    char x;
    sbc_err ce = {0};
    int rc = unshare(CLONE_NEWUSER) < 0 || write(res, "u", 1) != 1 || read(go, &x, 1) != 1 || x != 'g' ||
                     setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0
                 ? sbc_err_sys(&ce, "enter a user namespace of the user's ids")
                 : fn(arg, &ce);
    if (rc < 0 && write(res, ce.msg, strlen(ce.msg)) < 0)
        _exit(2);
    _exit(rc < 0);
}

int sbc_userns_mapped(int (*fn)(void *arg, sbc_err *e), void *arg, sbc_err *e)
{
    uint32_t su, sg, cnt;
    if (!sbc_userns_subranges(&su, &sg, &cnt))
        return fn(arg, e);
    const uint32_t um[2][3] = {{0, (uint32_t)getuid(), 1}, {1, su, cnt}}, gm[2][3] = {{0, (uint32_t)getgid(), 1}, {1, sg, cnt}};
    int go[2], res[2];
    if (pipe2(go, O_CLOEXEC) < 0)
        return sbc_err_sys(e, "pipe");
    if (pipe2(res, O_CLOEXEC) < 0) {
        close(go[0]), close(go[1]);
        return sbc_err_sys(e, "pipe");
    }
    pid_t c = fork();
    if (c == 0) {
        close(go[1]);
        close(res[0]);
        mapped_child(go[0], res[1], fn, arg);
    }
    close(go[0]);
    close(res[1]);
    char buf[sizeof e->msg] = "";
    ssize_t n = c < 0 ? -1 : read(res[0], buf, 1);
    int ok = n == 1 && sbc_userns_run_helper("newuidmap", c, um, 2) == 0 &&
             sbc_userns_run_helper("newgidmap", c, gm, 2) == 0;
    if (write(go[1], ok ? "g" : "n", 1) != 1)
        ok = 0;
    close(go[1]);
    int st = 0;
    if (c > 0) {
        n = read(res[0], buf, sizeof buf - 1);
        buf[n > 0 ? n : 0] = 0;
        while (waitpid(c, &st, 0) < 0 && errno == EINTR)
            ;
    }
    close(res[0]);
    if (c < 0)
        return sbc_err_sys(e, "fork");
    if (!ok)
        return sbc_err_set(e, 0, "could not map the user's subordinate ids (newuidmap, newgidmap)");
    if (!WIFEXITED(st) || WEXITSTATUS(st))
        return sbc_err_set(e, 0, "%s", *buf ? buf : "failed in the user's namespace");
    return 0;
}

static int rm_path(void *arg, sbc_err *e)
{
    return sbc_rm_rf(AT_FDCWD, arg, e);
}

int sbc_userns_rm_rf(const char *path, sbc_err *e)
{
    return sbc_userns_mapped(rm_path, (void *)path, e);
}
