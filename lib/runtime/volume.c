/* volume.c - named and anonymous volumes (volume.h). */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/io.h"
#include "base/json.h"
#include "base/path.h"
#include "image/rootfs.h"
#include "base/time.h"
#include "runtime/container.h"
#include "runtime/volume.h"

int sbc_volume_name_ok(const char *n)
{
    if (!n || !isalnum((unsigned char)*n) || strlen(n) > SBC_VOLUME_NAME_MAX)
        return 0;
    for (const char *p = n; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
            return 0;
    return 1;
}

char *sbc_volume_data(const char *root, const char *name)
{
    return sbc_xasprintf("%s/volumes/%s/_data", root, name);
}

static cJSON *vol_read(const char *root, const char *name, sbc_err *e)
{
    if (!sbc_volume_name_ok(name)) {
        sbc_err_set(e, 1, "No such volume: %s", name);
        e->errnum = ENOENT;
        return NULL;
    }
    char *dir = sbc_xasprintf("%s/volumes/%s", root, name);
    sbc_err e2 = {0};
    cJSON *j = sbc_json_read_in(dir, "volume.json", &e2);
    free(dir);
    if (!j) {
        if (e2.errnum != ENOENT) {
            *e = e2;
            return NULL;
        }
        sbc_err_set(e, 1, "No such volume: %s", name);
        e->errnum = ENOENT;
    }
    return j;
}

int sbc_volume_create(const char *root, const char *name, const char *const *labels, int nlabels,
                      char *name_out, sbc_err *e)
{
    char gen[SBC_VOLUME_NAME_MAX + 1];
    if (!name) {
        unsigned char r[32];
        if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
            return sbc_err_sys(e, "getrandom");
        for (int i = 0; i < 32; i++)
            snprintf(gen + 2 * i, 3, "%02x", r[i]);
    } else if (!sbc_volume_name_ok(name)) {
        return sbc_err_set(e, SBC_EXIT_FAIL, "create %s: invalid volume name: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
    }
    const char *nm = name ? name : gen;
    snprintf(name_out, SBC_VOLUME_NAME_MAX + 1, "%s", nm);
    char *vols = sbc_xasprintf("%s/volumes", root), *dir = sbc_xasprintf("%s/%s", vols, nm);
    int rc = sbc_mkdir_p(vols, 0700, e);
    char *vj = sbc_xasprintf("%s/volume.json", dir);
    if (rc == 0 && mkdir(dir, 0700) < 0)
        rc = errno != EEXIST ? sbc_err_sys(e, "mkdir %s", dir) : access(vj, F_OK) < 0; /* a half-made one is made again */
    else if (rc == 0)
        rc = 1;
    if (rc == 1) {
        cJSON *j = cJSON_CreateObject(), *lb = cJSON_AddObjectToObject(j, "Labels");
        char now[SBC_TIME_MAX], *data = sbc_xasprintf("%s/_data", dir);
        cJSON_AddStringToObject(j, "Name", nm);
        cJSON_AddStringToObject(j, "Driver", "local");
        cJSON_AddStringToObject(j, "CreatedAt", sbc_time_now(now, 0));
        for (int i = 0; i < nlabels; i++) {
            size_t kl = strcspn(labels[i], "=");
            char *k = sbc_xasprintf("%.*s", (int)kl, labels[i]);
            cJSON_AddStringToObject(lb, k, labels[i][kl] ? labels[i] + kl + 1 : "");
            free(k);
        }
        if (!name)
            cJSON_AddStringToObject(lb, "com.docker.volume.anonymous", "");
        cJSON_AddObjectToObject(j, "Options");
        cJSON_AddBoolToObject(j, "Anonymous", !name);
        /* _data first, volume.json last: a volume without it is not one */
        if ((mkdir(data, 0755) < 0 && errno != EEXIST) || chmod(data, 0755) < 0)
            rc = sbc_err_sys(e, "mkdir %s", data);
        else if (sbc_json_write_durable(AT_FDCWD, vj, j, e) < 0)
            rc = -1;
        free(data);
        cJSON_Delete(j);
        if (rc < 0)
            sbc_rm_rf(AT_FDCWD, dir, &(sbc_err){0});
    }
    free(vj);
    free(vols);
    free(dir);
    return rc;
}

int sbc_volume_anonymous(const cJSON *vol)
{
    return sbc_json_bool(vol, "Anonymous", 0);
}

cJSON *sbc_volume_inspect(const char *root, const char *name, sbc_err *e)
{
    cJSON *j = vol_read(root, name, e);
    if (!j)
        return NULL;
    cJSON *o = cJSON_CreateObject();
    const char *f[] = {"CreatedAt", "Driver", "Labels"};
    for (int i = 0; i < 3; i++) {
        cJSON *v = cJSON_GetObjectItemCaseSensitive(j, f[i]);
        cJSON_AddItemToObject(o, f[i], v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull());
    }
    char *data = sbc_volume_data(root, name);
    cJSON_AddStringToObject(o, "Mountpoint", data);
    free(data);
    cJSON_AddStringToObject(o, "Name", name);
    cJSON *op = cJSON_GetObjectItemCaseSensitive(j, "Options");
    cJSON_AddItemToObject(o, "Options", op ? cJSON_Duplicate(op, 1) : cJSON_CreateObject());
    cJSON_AddStringToObject(o, "Scope", "local");
    cJSON_AddBoolToObject(o, "Anonymous", sbc_volume_anonymous(j));
    cJSON_Delete(j);
    return o;
}

int sbc_volume_list(const char *root, char ***names, size_t *n, sbc_err *e)
{
    char *p = sbc_xasprintf("%s/volumes", root);
    int rc = sbc_dir_names_at(p, names, n, e);
    free(p);
    return rc;
}

static int mounts_volume(const cJSON *config, const void *name)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, sbc_json_arr(config, "Mounts")) {
        const char *t = sbc_json_str(m, "Type"), *v = sbc_json_str(m, "Name");
        if (t && v && !strcmp(t, "volume") && !strcmp(v, name))
            return 1;
    }
    return 0;
}

int sbc_volume_users(const char *root, const char *name, char *who, size_t n, sbc_err *e)
{
    return sbc_container_first(root, mounts_volume, name, who, n, e);
}

static int add_size(int dfd, const char *name, const struct stat *st, void *arg, sbc_err *e)
{
    (void)dfd, (void)name, (void)e;
    if (!S_ISDIR(st->st_mode))
        *(unsigned long long *)arg += (unsigned long long)st->st_size;
    return 0;
}

int sbc_volume_remove(const char *root, const char *name, unsigned long long *bytes, sbc_err *e)
{
    cJSON *j = vol_read(root, name, e);
    if (!j)
        return -1;
    cJSON_Delete(j);
    char who[SBC_HEX_SIZE];
    int used = sbc_volume_users(root, name, who, sizeof who, e);
    if (used < 0)
        return -1;
    if (used)
        return sbc_err_set(e, 1, "remove %s: volume is in use - [%s]", name, who);
    char *dir = sbc_xasprintf("%s/volumes/%s", root, name);
    if (bytes) { /* never following a symlink planted in _data */
        *bytes = 0;
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            sbc_walk_below(fd, add_size, bytes, &(sbc_err){0});
            close(fd);
        }
    }
    /* volume.json first: a half-removed volume is no longer listed */
    char *vj = sbc_xasprintf("%s/volume.json", dir);
    int rc = unlink(vj) < 0 && errno != ENOENT ? sbc_err_sys(e, "remove %s", name) : sbc_rm_rf(AT_FDCWD, dir, e);
    free(vj);
    free(dir);
    return rc;
}

int sbc_volume_empty(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int empty = 1;
    while (d && empty && (de = readdir(d)))
        empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
    if (d)
        closedir(d);
    return empty;
}

int sbc_volume_copy_up(const char *data, const char *const *layers, int n, const char *path, sbc_err *e)
{
    char rel[PATH_MAX];
    if (sbc_path_norm(path, rel, sizeof rel) < 0 || !*rel)
        return 0; /* (the root is no volume's content) */
    int *fds = sbc_xrealloc(NULL, (size_t)(n ? n : 1) * sizeof *fds), m = 0;
    char **paths = sbc_xrealloc(NULL, (size_t)(n ? n : 1) * sizeof *paths);
    for (int i = 0; i < n; i++) {
        int lfd = open(layers[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                               .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
        int fd = lfd < 0 ? -1 : (int)syscall(SYS_openat2, lfd, rel, &how, sizeof how);
        if (lfd >= 0)
            close(lfd);
        if (fd >= 0) {
            fds[m] = fd;
            paths[m++] = sbc_xasprintf("/proc/self/fd/%d", fd);
        }
    }
    int rc = m ? sbc_rootfs_copy_layers(data, (const char **)paths, m, e) : 0;
    struct stat st; /* _data gets the image dir's own mode and owner, as Docker's */
    if (rc == 0 && m && fstat(fds[m - 1], &st) == 0 &&
        (chown(data, st.st_uid, st.st_gid) < 0 || chmod(data, st.st_mode & 07777) < 0))
        rc = sbc_err_sys(e, "chown %s", data);
    for (int i = 0; i < m; i++) {
        close(fds[i]);
        free(paths[i]);
    }
    free(fds);
    free(paths);
    if (rc < 0)
        sbc_err_wrap(e, "copy the image's %s into its volume", path);
    return rc;
}

void sbc_volume_drop_anonymous(const char *root, const cJSON *config)
{
    cJSON *m;
    cJSON_ArrayForEach(m, sbc_json_arr(config, "Mounts")) {
        const char *t = sbc_json_str(m, "Type"), *v = sbc_json_str(m, "Name");
        sbc_err e = {0};
        cJSON *j = t && v && !strcmp(t, "volume") ? vol_read(root, v, &e) : NULL;
        if (j && sbc_volume_anonymous(j))
            sbc_volume_remove(root, v, NULL, &e);
        cJSON_Delete(j);
    }
}

/* 1 if some container's config.json (compact JSON) has "Name":"name" */
static int named_in_configs(const char *root, const char *name)
{
    char **ids, pat[SBC_VOLUME_NAME_MAX + 16];
    int nids, used = 0;
    sbc_err ign = {0};
    if (sbc_container_list(root, &ids, &nids, &ign) < 0)
        return 1;
    snprintf(pat, sizeof pat, "\"Name\":\"%s\"", name);
    for (int i = 0; i < nids; i++) {
        char *p = sbc_xasprintf("%s/containers/%s/config.json", root, ids[i]);
        char *t = used ? NULL : sbc_read_file(AT_FDCWD, p, 16 << 20, NULL, &ign);
        used |= t && strstr(t, pat);
        free(t);
        free(p);
        free(ids[i]);
    }
    free(ids);
    return used;
}

void sbc_volume_drop_names(const char *root, const char *names)
{
    char nm[SBC_VOLUME_NAME_MAX + 1];
    for (const char *l = names; l && *l; l += strcspn(l, "\n"), l += *l == '\n') {
        size_t n = strcspn(l, "\n");
        if (n >= sizeof nm)
            continue;
        snprintf(nm, sizeof nm, "%.*s", (int)n, l);
        if (!sbc_volume_name_ok(nm) || named_in_configs(root, nm))
            continue;
        char *dir = sbc_xasprintf("%s/volumes/%s", root, nm), *vj = sbc_xasprintf("%s/volume.json", dir);
        if (unlink(vj) == 0)
            sbc_rm_rf(AT_FDCWD, dir, &(sbc_err){0});
        free(vj);
        free(dir);
    }
}
