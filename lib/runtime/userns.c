/* userns.c - the host ids of remapped containers (see userns.h). */
#include "runtime/userns.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sched.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/io.h"
#include "base/json.h"
#include "base/cleanup.h"

/* The first entry of user's of at least SBC_USERNS_SIZE ids in path, and
 * that no other owner's entry overlaps it. */
static int named(const char *path, const char *user, const char *uidstr, uint32_t *start, sbc_err *e)
{
    int n;
    sbc_subid *v = sbc_subid_list(path, &n);
    int rc = -1, k = -1;
    for (int i = 0; i < n && k < 0; i++)
        if (sbc_subid_owner_is(&v[i], user, uidstr) && v[i].count >= SBC_USERNS_SIZE)
            k = i;
    if (k < 0) {
        rc = sbc_err_set(e, 0, "userns-remap: %s has no range of %u ids in %s", user, SBC_USERNS_SIZE, path);
    } else {
        rc = 0;
        for (int i = 0; i < n && rc == 0; i++)
            if (!sbc_subid_owner_is(&v[i], user, uidstr) && v[i].start < v[k].start + SBC_USERNS_SIZE &&
                v[k].start < v[i].start + v[i].count)
                rc = sbc_err_set(e, 0, "userns-remap: %s's range %llu-%llu in %s overlaps %s's", user,
                                 (unsigned long long)v[k].start,
                                 (unsigned long long)v[k].start + SBC_USERNS_SIZE - 1, path, v[i].owner);
        *start = (uint32_t)v[k].start;
    }
    free(v);
    return rc;
}

/* 1 when [start, start+size) overlaps an entry of path (its owner in who). */
static int overlaps(const char *path, uint64_t start, uint64_t size, char *who, size_t wn)
{
    int n;
    sbc_subid *v = sbc_subid_list(path, &n);
    int hit = 0;
    for (int i = 0; i < n && !hit; i++)
        if (v[i].start < start + size && start < v[i].start + v[i].count) {
            hit = 1;
            snprintf(who, wn, "%s", v[i].owner);
        }
    free(v);
    return hit;
}

/* Above every listed range and 2^20, on a 65536 boundary. */
static uint64_t free_start(void)
{
    uint64_t top = 1u << 20;
    static const char *const files[] = {"/etc/subuid", "/etc/subgid"};
    for (size_t f = 0; f < 2; f++) {
        int n;
        sbc_subid *v = sbc_subid_list(files[f], &n);
        for (int i = 0; i < n; i++)
            if (v[i].start + v[i].count > top)
                top = v[i].start + v[i].count;
        free(v);
    }
    return (top + SBC_USERNS_SIZE - 1) / SBC_USERNS_SIZE * SBC_USERNS_SIZE;
}

static int allocated(const char *store_root, sbc_userns_range *r, sbc_err *e)
{
    char *path = sbc_xasprintf("%s/userns.json", store_root);
    sbc_err e2 = {0};
    cJSON *j = sbc_json_read(AT_FDCWD, path, &e2);
    int rc = 0;
    if (j) {
        long long u = sbc_json_int(j, "uid", -1), g = sbc_json_int(j, "gid", -1);
        if (u < 1 || g < 1 || u + SBC_USERNS_SIZE > 4294967295LL || g + SBC_USERNS_SIZE > 4294967295LL)
            rc = sbc_err_set(e, 0, "%s: not a range sbc wrote", path);
        *r = (sbc_userns_range){(uint32_t)u, (uint32_t)g, SBC_USERNS_SIZE};
        cJSON_Delete(j);
    } else if (e2.errnum == ENOENT) {
        uint64_t s = free_start();
        if (s + SBC_USERNS_SIZE > 4294967295ULL) {
            rc = sbc_err_set(e, 0, "userns-remap: no free range of host ids above /etc/subuid's");
        } else {
            *r = (sbc_userns_range){(uint32_t)s, (uint32_t)s, SBC_USERNS_SIZE};
            j = cJSON_CreateObject();
            cJSON_AddNumberToObject(j, "uid", r->uid);
            cJSON_AddNumberToObject(j, "gid", r->gid);
            cJSON_AddNumberToObject(j, "size", r->size);
            rc = sbc_json_write_durable(AT_FDCWD, path, j, e);
            cJSON_Delete(j);
        }
    } else {
        *e = e2;
        rc = -1;
    }
    char who[64];
    if (rc == 0 && (overlaps("/etc/subuid", r->uid, r->size, who, sizeof who) ||
                    overlaps("/etc/subgid", r->gid, r->size, who, sizeof who)))
        rc = sbc_err_set(e, 0, "userns-remap: the range sbc allocated (%u-%u, %s) now overlaps %s's in /etc/subuid or /etc/subgid",
                         r->uid, r->uid + r->size - 1, path, who);
    free(path);
    return rc;
}

int sbc_userns_range_for(const char *store_root, const char *setting, sbc_userns_range *r,
                         sbc_err *e)
{
    if (!setting || !*setting || !strcmp(setting, "default"))
        return allocated(store_root, r, e);
    /* a user: by name, or by uid (the files may list either) */
    char uidstr[16] = "", *end;
    const char *user = setting;
    struct passwd *pw = getpwnam(setting);
    unsigned long id = strtoul(setting, &end, 10);
    if (!pw && !*end && end != setting)
        pw = getpwuid((uid_t)id);
    if (pw) {
        snprintf(uidstr, sizeof uidstr, "%u", (unsigned)pw->pw_uid);
        user = pw->pw_name;
    }
    uint32_t u, g;
    if (named("/etc/subuid", user, *uidstr ? uidstr : NULL, &u, e) < 0 ||
        named("/etc/subgid", user, *uidstr ? uidstr : NULL, &g, e) < 0)
        return -1;
    *r = (sbc_userns_range){u, g, SBC_USERNS_SIZE};
    return 0;
}

/* ---- shifting a private copy ------------------------------------------ */

static int shift_one(int dfd, const char *name, const struct stat *st, void *arg, sbc_err *e)
{
    const sbc_userns_range *r = arg;
    uid_t u = st->st_uid < r->size ? r->uid + st->st_uid : st->st_uid;
    gid_t g = st->st_gid < r->size ? r->gid + st->st_gid : st->st_gid;
    char cap[512];
    ssize_t ncap = -1;
    int fd = -1;
    if (S_ISREG(st->st_mode)) {
        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
            return sbc_err_sys(e, "shift owners: open %s", name);
        ncap = fgetxattr(fd, "security.capability", cap, sizeof cap);
    }
    int rc = fd >= 0 ? fchown(fd, u, g) : fchownat(dfd, name, u, g, AT_SYMLINK_NOFOLLOW);
    if (rc == 0 && fd >= 0 && (st->st_mode & (S_ISUID | S_ISGID)))
        rc = fchmod(fd, st->st_mode & 07777);
    if (rc == 0 && fd >= 0 && ncap > 0)
        rc = fsetxattr(fd, "security.capability", cap, (size_t)ncap, 0);
    if (rc < 0)
        sbc_err_sys(e, "shift owners of %s", name);
    if (fd >= 0)
        close(fd);
    return rc;
}

int sbc_userns_shift_tree(const char *dir, const sbc_userns_range *r, sbc_err *e)
{
    sbc_cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (dfd < 0 || fstat(dfd, &st) < 0)
        return sbc_err_sys(e, "shift owners: open %s", dir);
    if (sbc_walk_below(dfd, shift_one, (void *)r, e) < 0) {
        sbc_err_wrap(e, "shift owners");
        return -1;
    }
    uid_t u = st.st_uid < r->size ? r->uid + st.st_uid : st.st_uid;
    gid_t g = st.st_gid < r->size ? r->gid + st.st_gid : st.st_gid;
    return fchown(dfd, u, g) < 0 ? sbc_err_sys(e, "shift owners of %s", dir) : 0;
}
