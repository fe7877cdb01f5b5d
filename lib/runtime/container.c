/* container.c - container state dirs, IDs, names, lookup (see container.h). */
#include "runtime/container.h"
#include "runtime/health.h"
#include "runtime/userns.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "runtime/cgroup.h"
#include "runtime/lifecycle.h"
#include "base/config.h"
#include "base/io.h"
#include "base/json.h"
#include "base/time.h"
#include "net/net.h"
#include "image/rootfs.h"
#include "image/store.h"

static const char *const adjectives[] = {
    "admiring", "agitated", "amazing", "bold", "brave", "busy", "clever", "cool", "dazzling",
    "eager", "ecstatic", "elegant", "fervent", "focused", "gallant", "happy", "jolly", "keen",
    "kind", "lucid", "modest", "nifty", "peaceful", "quirky", "serene", "sharp", "stoic",
    "tender", "vibrant", "zealous",
};
static const char *const nouns[] = {
    "albattani", "babbage", "curie", "darwin", "einstein", "euler", "feynman", "galileo",
    "hopper", "hypatia", "kepler", "lamarr", "lovelace", "meitner", "newton", "noether",
    "pascal", "ritchie", "shannon", "thompson", "torvalds", "turing", "wozniak", "yonath",
};

const char *sbc_scratch_base(void)
{
    static char *user;
    const char *s = getenv("SBC_SCRATCH");
    if (s && *s)
        return s;
    if (!sbc_rootless())
        return "/dev/shm/sbc";
    if (!user) { /* $XDG_RUNTIME_DIR/sbc, or a dir of the user's own in /dev/shm */
        const char *r = getenv("XDG_RUNTIME_DIR");
        user = r && *r == '/' ? sbc_xasprintf("%s/sbc", r) : sbc_xasprintf("/dev/shm/sbc-%u", (unsigned)geteuid());
    }
    return user;
}

/* The scratch base (a --rm container's state: spec.json, the hosts and
 * resolv.conf bind sources) as a directory fd, made root-owned 0700 when
 * missing and refused when it is anything else: a symlink, not ours, or
 * writable by group or others (a local user who made /dev/shm/sbc first
 * would control spec.json and the binds; CVE-2021-41091 class).  Opened
 * without following a symlink and checked on that fd, so the check is of
 * the directory the state goes into. */
static int scratch_open(sbc_err *e)
{
    const char *base = sbc_scratch_base();
    int fd = open(base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        char *parent = sbc_xstrdup(base), *sl = strrchr(parent, '/');
        if (sl && sl > parent) {
            *sl = 0;
            if (sbc_mkdir_p(parent, 0755, e) < 0) {
                free(parent);
                return -1;
            }
        }
        free(parent);
        mode_t old = umask(077);
        int rc = mkdir(base, 0700);
        umask(old);
        if (rc < 0 && errno != EEXIST)
            return sbc_err_sys(e, "mkdir %s", base);
        fd = open(base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    struct stat st;
    if (fd < 0) {
        if (errno == ELOOP || errno == ENOTDIR)
            return sbc_err_set(e, SBC_EXIT_FAIL, "refusing the scratch directory %s: not a directory (a symlink?); remove it", base);
        return sbc_err_sys(e, "open %s", base);
    }
    if (fstat(fd, &st) < 0) {
        close(fd);
        return sbc_err_sys(e, "stat %s", base);
    }
    if (st.st_uid != geteuid() || (st.st_mode & 022)) {
        close(fd);
        return sbc_err_set(e, SBC_EXIT_FAIL, "refusing the scratch directory %s: owned by uid %u with mode %04o "
                           "(must be uid %u, not group/world-writable); remove it",
                           base, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), (unsigned)geteuid());
    }
    return fd;
}

/* Symlink targets stay under 60 bytes: ext4 keeps such a target in the inode
 * ("fast symlink"), while a longer one gets a data block, whose freeing costs
 * a discard on every unlink (0.2-0.8 ms on this kind of disk, twice per --rm
 * run).  So a name link and a scratch dir carry the ID in base64url (43
 * characters) rather than in hex (64). */
static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* 64 hex digits -> 43 base64url characters */
static void id_short(const char *hex, char out[44])
{
    unsigned char b[33] = {0};
    for (int i = 0; i < 32; i++)
        b[i] = (unsigned char)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
    int o = 0;
    for (int i = 0; i < 33; i += 3) {
        unsigned v = (unsigned)b[i] << 16 | (unsigned)b[i + 1] << 8 | b[i + 2];
        for (int k = 3; k >= 0 && o < 43; k--)
            out[o++] = b64url[(v >> (6 * k)) & 63];
    }
    out[43] = 0;
}

/* A link target (43 base64url characters) back to the ID.  0 on success. */
static int id_from_target(const char *t, char hex[SBC_HEX_SIZE])
{
    size_t n = strlen(t);
    if (n != 43)
        return -1;
    unsigned acc = 0;
    int bits = 0, o = 0;
    for (size_t i = 0; i < n; i++) {
        const char *c = strchr(b64url, t[i]);
        if (!c || !t[i])
            return -1;
        acc = acc << 6 | (unsigned)(c - b64url);
        bits += 6;
        if (bits >= 8 && o < SBC_HEX_LEN) {
            bits -= 8;
            unsigned char byte = (unsigned char)(acc >> bits);
            hex[o++] = "0123456789abcdef"[byte >> 4];
            hex[o++] = "0123456789abcdef"[byte & 15];
        }
        acc &= (1u << bits) - 1;
    }
    hex[SBC_HEX_LEN] = 0;
    return o == SBC_HEX_LEN ? 0 : -1;
}

/* The ID a name link at lp points to; 0 on success. */
static int read_name_link(const char *lp, char hex[SBC_HEX_SIZE])
{
    char t[80];
    ssize_t n = readlink(lp, t, sizeof t - 1);
    if (n <= 0)
        return -1;
    t[n] = 0;
    return id_from_target(t, hex);
}

/* Make the name link lp -> sid (EEXIST when the name is taken); a name left
 * by a container that no longer exists is free. */
static int name_link(const char *root, const char *lp, const char *sid)
{
    int rc = symlink(sid, lp);
    if (rc < 0 && errno == EEXIST) {
        char t[SBC_HEX_SIZE], *cd;
        if (read_name_link(lp, t) == 0) {
            cd = sbc_xasprintf("%s/containers/%s", root, t);
            if (access(cd, F_OK) < 0 && errno == ENOENT && unlink(lp) == 0)
                rc = symlink(sid, lp);
            free(cd);
            if (rc < 0)
                errno = EEXIST;
        }
    }
    return rc;
}

static int valid_name(const char *n)
{
    if (!isalnum((unsigned char)*n))
        return 0;
    for (const char *p = n; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
            return 0;
    return strlen(n) <= 128;
}

/* dir/file replaced with sbc_write_atomic_scratch (no fsync): a container's
 * state is re-checked on every start and is written on the start path. */
static int write_quick(const char *dir, const char *file, const char *data, size_t len, sbc_err *e)
{
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s/%s", dir, file) >= (int)sizeof p)
        return sbc_err_set(e, 0, "%s/%s: path too long", dir, file);
    return sbc_write_atomic_scratch(AT_FDCWD, p, data, len, 0644, e);
}

static int write_json(const char *dir, const char *file, const cJSON *j, sbc_err *e)
{
    char *s = cJSON_PrintUnformatted(j);
    if (!s)
        return sbc_err_set(e, 0, "cannot serialize %s", file);
    int rc = write_quick(dir, file, s, strlen(s), e);
    cJSON_free(s);
    return rc;
}

/* ---- state.json ---- */

static const char *const status_names[] = {"created", "running", "exited"};

const char *sbc_ctr_status_str(sbc_ctr_status st)
{
    return (unsigned)st < sizeof status_names / sizeof *status_names ? status_names[st] : "created";
}

static void copy_str(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

int sbc_ctr_state_parse(const char *text, size_t len, sbc_ctr_state *s)
{
    memset(s, 0, sizeof *s);
    cJSON *j = cJSON_ParseWithLength(text, len);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return -1;
    }
    const char *st = sbc_json_str(j, "Status");
    for (size_t i = 0; st && i < sizeof status_names / sizeof *status_names; i++)
        if (!strcmp(st, status_names[i]))
            s->status = (sbc_ctr_status)i;
    s->pid = (pid_t)sbc_json_int(j, "Pid", 0);
    s->last_pid = (pid_t)sbc_json_int(j, "LastPid", 0);
    s->pid_start = (unsigned long long)sbc_json_int(j, "PidStart", 0);
    s->monitor_pid = (pid_t)sbc_json_int(j, "MonitorPid", 0);
    s->monitor_start = (unsigned long long)sbc_json_int(j, "MonitorStart", 0);
    s->exit_code = (int)sbc_json_int(j, "ExitCode", 0);
    s->oom_killed = sbc_json_bool(j, "OOMKilled", 0);
    copy_str(s->started, sizeof s->started, sbc_json_str(j, "StartedAt"));
    copy_str(s->finished, sizeof s->finished, sbc_json_str(j, "FinishedAt"));
    copy_str(s->error, sizeof s->error, sbc_json_str(j, "Error"));
    s->restart_count = (int)sbc_json_int(j, "RestartCount", 0);
    s->restarting = sbc_json_bool(j, "Restarting", 0);
    s->manual_stop = sbc_json_bool(j, "ManuallyStopped", 0);
    s->backoff_ms = sbc_json_int(j, "BackoffMs", 0);
    cJSON_Delete(j);
    return 0;
}


/* A fixed buffer the state is formatted into: no allocation, so the
 * monitor's exit path stays small. */
typedef struct fbuf {
    char d[2048];
    size_t n;
} fbuf;

static void fb_printf(fbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fb_printf(fbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(b->d + b->n, sizeof b->d - b->n, fmt, ap);
    va_end(ap);
    if (r > 0)
        b->n = b->n + (size_t)r < sizeof b->d ? b->n + (size_t)r : sizeof b->d - 1;
}

/* ,"key":"s" JSON-escaped, when s is set (s fits: at most 255 bytes, 6 each) */
static void fb_str(fbuf *b, const char *key, const char *s)
{
    if (!*s)
        return;
    fb_printf(b, ",\"%s\":\"", key);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fb_printf(b, "\\%c", ch);
        else if (ch < 0x20)
            fb_printf(b, "\\u%04x", ch);
        else
            fb_printf(b, "%c", ch);
    }
    fb_printf(b, "\"");
}

/* dirfd/state.json (dirfd may be AT_FDCWD with path a full path) */
static int state_read(int dirfd, const char *path, sbc_ctr_state *s, sbc_err *e)
{
    char buf[4096];
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sbc_err_sys(e, "%s", path);
    ssize_t n = sbc_read_full(fd, buf, sizeof buf);
    close(fd);
    if (n < 0)
        return sbc_err_sys(e, "%s", path);
    if (n == (ssize_t)sizeof buf || sbc_ctr_state_parse(buf, (size_t)n, s) < 0)
        return sbc_err_set(e, 0, "%s: not a container state", path);
    return 0;
}

int sbc_ctr_state_read(const char *dir, sbc_ctr_state *s, sbc_err *e)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/state.json", dir);
    return state_read(AT_FDCWD, p, s, e);
}

/* Re-read c's state.json (another process wrote it); 0 or -1 */
static int state_reload(sbc_container *c, sbc_ctr_state *s)
{
    sbc_err e;
    return sbc_ctr_state_read(c->dir, s, &e);
}

/* What the runtime acts on from config.json: name, cgroup, AutoRemove. */
static void config_view(sbc_container *c)
{
    copy_str(c->name, sizeof c->name, sbc_json_str(c->config, "Name"));
    copy_str(c->cgroup, sizeof c->cgroup, sbc_json_str(sbc_json_obj(c->config, "Resources"), "Cgroup"));
    c->autoremove = sbc_json_bool(sbc_json_obj(c->config, "HostConfig"), "AutoRemove", 0);
}

/* The restart fields, where set. */
static void fb_restart(fbuf *b, const sbc_ctr_state *s)
{
    if (s->restart_count)
        fb_printf(b, ",\"RestartCount\":%d", s->restart_count);
    if (s->restarting)
        fb_printf(b, ",\"Restarting\":true");
    if (s->manual_stop)
        fb_printf(b, ",\"ManuallyStopped\":true");
    if (s->backoff_ms)
        fb_printf(b, ",\"BackoffMs\":%lld", s->backoff_ms);
}

int sbc_ctr_state_write(const char *dir, const sbc_ctr_state *s, sbc_err *e)
{
    fbuf b;
    b.n = 0;
    fb_printf(&b, "{\"Status\":\"%s\"", sbc_ctr_status_str(s->status));
    if (s->status == SBC_CTR_CREATED) { /* never ran: only why a start failed */
        if (s->exit_code)
            fb_printf(&b, ",\"ExitCode\":%d", s->exit_code);
        fb_str(&b, "Error", s->error);
        fb_restart(&b, s);
        fb_printf(&b, "}");
        return write_quick(dir, "state.json", b.d, b.n, e);
    }
    fb_printf(&b, ",\"Pid\":%d", (int)s->pid);
    if (s->last_pid)
        fb_printf(&b, ",\"LastPid\":%d", (int)s->last_pid);
    fb_printf(&b, ",\"PidStart\":%llu", s->pid_start);
    if (s->monitor_pid)
        fb_printf(&b, ",\"MonitorPid\":%d,\"MonitorStart\":%llu", (int)s->monitor_pid, s->monitor_start);
    fb_printf(&b, ",\"ExitCode\":%d,\"OOMKilled\":%s", s->exit_code, s->oom_killed ? "true" : "false");
    fb_str(&b, "StartedAt", s->started);
    fb_str(&b, "FinishedAt", s->finished);
    fb_str(&b, "Error", s->error);
    fb_restart(&b, s);
    fb_printf(&b, "}");
    return write_quick(dir, "state.json", b.d, b.n, e);
}

int sbc_container_new(const char *root, const char *name, int scratch, sbc_container *c, sbc_err *e)
{
    memset(c, 0, sizeof *c);
    c->lockfd = -1;
    unsigned char r[32];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        return sbc_err_sys(e, "getrandom");
    for (int i = 0; i < 32; i++)
        snprintf(c->id + 2 * i, 3, "%02x", r[i]);
    char sid[44];
    id_short(c->id, sid);
    char *names = sbc_xasprintf("%s/containers/.names", root);
    if (sbc_mkdir_p(names, 0700, e) < 0) {
        free(names);
        return -1;
    }
    char nm[160];
    if (name) {
        if (!valid_name(name)) {
            free(names);
            return sbc_err_set(e, 0, "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
        }
        snprintf(nm, sizeof nm, "%s", name);
    }
    for (int attempt = 0;; attempt++) {
        if (!name) {
            unsigned v = (unsigned)r[attempt % 32] << 8 | r[(attempt + 7) % 32];
            snprintf(nm, sizeof nm, "%s_%s", adjectives[v % (sizeof adjectives / sizeof *adjectives)],
                     nouns[(v / 64 + attempt) % (sizeof nouns / sizeof *nouns)]);
            if (attempt >= 8)
                snprintf(nm + strlen(nm), sizeof nm - strlen(nm), "%d", attempt);
        }
        char *lp = sbc_xasprintf("%s/%s", names, nm);
        int rc = name_link(root, lp, sid);
        int err = errno;
        free(lp);
        if (rc == 0)
            break;
        if (err != EEXIST) {
            free(names);
            errno = err;
            return sbc_err_sys(e, "reserve the name %s", nm);
        }
        if (name) {
            free(names);
            return sbc_err_set(e, 0, "Conflict. The container name \"/%s\" is already in use. "
                                     "You have to remove (or rename) that container to be able to reuse that name.", name);
        }
        if (attempt > 100) {
            free(names);
            return sbc_err_set(e, 0, "cannot generate a container name");
        }
    }
    free(names);
    c->dir = sbc_xasprintf("%s/containers/%s", root, c->id);
    int rc;
    if (scratch) {
        char *s = sbc_xasprintf("%s/%s", sbc_scratch_base(), sid);
        int bfd = scratch_open(e);
        rc = bfd < 0 ? -1 : mkdirat(bfd, sid, 0700) < 0 ? sbc_err_sys(e, "mkdir %s", s) : 0;
        if (bfd >= 0)
            close(bfd);
        if (rc == 0 && symlink(s, c->dir) < 0)
            rc = sbc_err_sys(e, "symlink %s", c->dir);
        free(s);
    } else {
        rc = mkdir(c->dir, 0700) < 0 ? sbc_err_sys(e, "mkdir %s", c->dir) : 0;
    }
    c->config = cJSON_CreateObject();
    cJSON_AddStringToObject(c->config, "Id", c->id);
    cJSON_AddStringToObject(c->config, "Name", nm);
    copy_str(c->name, sizeof c->name, nm);
    c->state.status = SBC_CTR_CREATED;
    if (rc < 0) {
        char *lp = sbc_xasprintf("%s/containers/.names/%s", root, nm);
        unlink(lp);
        free(lp);
    }
    return rc;
}

int sbc_container_rename(const char *root, sbc_container *c, const char *name, sbc_err *e)
{
    if (!valid_name(name))
        return sbc_err_set(e, 1, "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
    if (!strcmp(name, c->name))
        return sbc_err_set(e, 1, "Renaming a container with the same name as its current name");
    if (sbc_container_lock(c, e) < 0)
        return -1;
    char sid[44], t[SBC_HEX_SIZE];
    id_short(c->id, sid);
    char *lp = sbc_xasprintf("%s/containers/.names/%s", root, name);
    char *old = sbc_xasprintf("%s/containers/.names/%s", root, c->name);
    int rc = -1;
    if (name_link(root, lp, sid) < 0) {
        if (errno == EEXIST)
            sbc_err_set(e, 1, "Conflict. The container name \"/%s\" is already in use. "
                              "You have to remove (or rename) that container to be able to reuse that name.", name);
        else
            sbc_err_sys(e, "reserve the name %s", name);
        goto out;
    }
    cJSON_ReplaceItemInObjectCaseSensitive(c->config, "Name", cJSON_CreateString(name));
    if (sbc_container_save_config(c, e) < 0) {
        cJSON_ReplaceItemInObjectCaseSensitive(c->config, "Name", cJSON_CreateString(c->name));
        unlink(lp);
        goto out;
    }
    if (read_name_link(old, t) == 0 && !strcmp(t, c->id))
        unlink(old);
    copy_str(c->name, sizeof c->name, name);
    rc = 0;
out:
    free(lp);
    free(old);
    return rc;
}

int sbc_container_load(const char *root, const char *id, sbc_container *c, sbc_err *e)
{
    memset(c, 0, sizeof *c);
    c->lockfd = -1;
    snprintf(c->id, sizeof c->id, "%s", id);
    c->dir = sbc_xasprintf("%s/containers/%s", root, id);
    int dfd = open(c->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        goto gone;
    c->config = sbc_json_read(dfd, "config.json", e);
    int bad = !c->config || state_read(dfd, "state.json", &c->state, e) < 0;
    close(dfd);
    if (bad)
        goto gone;
    config_view(c);
    return 0;
gone:
    sbc_container_free(c);
    errno = ENOENT;
    sbc_err_set(e, 0, "No such container: %s", id);
    e->errnum = ENOENT;
    return -1;
}

static int is_hex64(const char *s)
{
    int n = 0;
    for (; s[n]; n++)
        if (!isxdigit((unsigned char)s[n]) || isupper((unsigned char)s[n]))
            return 0;
    return n == SBC_HEX_LEN;
}

int sbc_container_open(const char *root, const char *ref, sbc_container *c, sbc_err *e)
{
    if (!ref || !*ref || strchr(ref, '/'))
        goto none;
    if (is_hex64(ref) && sbc_container_load(root, ref, c, e) == 0)
        return 0;
    char *lp = sbc_xasprintf("%s/containers/.names/%s", root, ref[0] == '.' ? "" : ref);
    char t[SBC_HEX_SIZE];
    int named = ref[0] != '.' && read_name_link(lp, t) == 0;
    free(lp);
    if (named && sbc_container_load(root, t, c, e) == 0)
        return 0;
    int hex = 1;
    for (const char *p = ref; *p; p++)
        if (!isxdigit((unsigned char)*p))
            hex = 0;
    if (hex) {
        char **ids;
        int nids, found = -1, count = 0;
        if (sbc_container_list(root, &ids, &nids, e) < 0)
            return -1;
        for (int i = 0; i < nids; i++)
            if (!strncmp(ids[i], ref, strlen(ref)))
                found = i, count++;
        int rc = -1;
        if (count == 1)
            rc = sbc_container_load(root, ids[found], c, e);
        for (int i = 0; i < nids; i++)
            free(ids[i]);
        free(ids);
        if (rc == 0)
            return 0;
        if (count > 1) {
            sbc_err_set(e, 0, "Multiple IDs found with provided prefix: %s", ref);
            e->errnum = ENOENT;
            return -1;
        }
    }
none:
    memset(c, 0, sizeof *c);
    c->lockfd = -1;
    sbc_err_set(e, 0, "No such container: %s", ref ? ref : "");
    e->errnum = ENOENT;
    return -1;
}

void sbc_container_free(sbc_container *c)
{
    sbc_container_unlock(c);
    free(c->dir);
    cJSON_Delete(c->config);
    cJSON_Delete(c->spec);
    c->dir = NULL;
    c->config = c->spec = NULL;
}

int sbc_container_save_config(sbc_container *c, sbc_err *e)
{
    return write_json(c->dir, "config.json", c->config, e);
}

int sbc_container_save_state(sbc_container *c, sbc_err *e)
{
    return sbc_ctr_state_write(c->dir, &c->state, e);
}

int sbc_container_lock(sbc_container *c, sbc_err *e)
{
    if (c->lockfd >= 0)
        return 0;
    c->lockfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c->lockfd < 0)
        return sbc_err_sys(e, "open %s", c->dir);
    while (flock(c->lockfd, LOCK_EX) < 0)
        if (errno != EINTR) {
            close(c->lockfd);
            c->lockfd = -1;
            return sbc_err_sys(e, "lock %s", c->dir);
        }
    return 0;
}

void sbc_container_unlock(sbc_container *c)
{
    if (c->lockfd >= 0)
        close(c->lockfd);
    c->lockfd = -1;
}

int sbc_container_list(const char *root, char ***ids, int *n, sbc_err *e)
{
    *ids = NULL;
    *n = 0;
    char *p = sbc_xasprintf("%s/containers", root);
    DIR *d = opendir(p);
    free(p);
    if (!d)
        return errno == ENOENT ? 0 : sbc_err_sys(e, "open %s/containers", root);
    struct dirent *de;
    int cap = 0;
    while ((de = readdir(d))) {
        if (!is_hex64(de->d_name))
            continue;
        if (*n == cap)
            *ids = sbc_xrealloc(*ids, (size_t)(cap = cap ? 2 * cap : 64) * sizeof **ids);
        (*ids)[(*n)++] = sbc_xstrdup(de->d_name);
    }
    closedir(d);
    return 0;
}

const char *sbc_container_name(const sbc_container *c)
{
    return c->name;
}

/* Do a and b describe the same run? */
static int same_run(const sbc_ctr_state *a, const sbc_ctr_state *b)
{
    return a->status == b->status && a->pid == b->pid && a->pid_start == b->pid_start &&
           a->monitor_pid == b->monitor_pid;
}

int sbc_container_refresh(sbc_container *c)
{
    sbc_ctr_state *s = &c->state;
    for (int round = 0; round < 8; round++) {
        if (s->status != SBC_CTR_RUNNING) {
            /* restarting is a monitor's back-off: with it gone (a reboot),
             * nothing restarts the container until a start */
            s->restarting &= sbc_proc_alive(s->monitor_pid, s->monitor_start);
            return 0;
        }
        if (s->pid > 0 && sbc_proc_alive(s->pid, s->pid_start))
            return 1;
        /* the container is gone: its monitor records how (and is the only
         * one who knows the code), unless it died too */
        if (s->monitor_pid > 0 && sbc_proc_alive(s->monitor_pid, s->monitor_start))
            return 2;
        /* the monitor may have written its record and exited since this
         * state was read, or a start may have begun a new run: only a
         * record that still says this run is going is stale */
        sbc_ctr_state ns;
        if (state_reload(c, &ns) == 0 && !same_run(&ns, s)) {
            *s = ns;
            continue;
        }
        sbc_err e;
        s->status = SBC_CTR_EXITED;
        s->exit_code = 255;
        sbc_time_now(s->finished, SBC_TIME_NSEC);
        s->last_pid = s->pid;
        s->pid = 0;
        s->monitor_pid = 0;
        s->monitor_start = 0;
        sbc_container_save_state(c, &e);
        return 0;
    }
    return 1;
}

int sbc_container_settle(sbc_container *c, double secs)
{
    int r;
    for (long i = 0; (r = sbc_container_refresh(c)) == 2 && i < (long)(secs * 100); i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        sbc_ctr_state ns;
        if (state_reload(c, &ns) == 0)
            c->state = ns;
    }
    return r;
}

int sbc_container_running(sbc_container *c)
{
    return sbc_container_refresh(c);
}

int sbc_wait_fifo(sbc_container *c, char *path, size_t size, sbc_err *e)
{
    if (sbc_container_lock(c, e) < 0)
        return -1;
    char name[32];
    snprintf(name, sizeof name, "wait-%d", (int)getpid());
    snprintf(path, size, "%s/%s", c->dir, name);
    int dfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd = -1;
    if (dfd < 0 || (mkfifoat(dfd, name, 0600) < 0 && errno != EEXIST) ||
        (fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
        sbc_err_sys(e, "%s/%s", c->dir, name);
    if (dfd >= 0)
        close(dfd);
    sbc_container_unlock(c);
    return fd;
}

void sbc_wait_notify(const char *dir, int code)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char **names, msg[16];
    size_t n;
    if (dfd < 0 || sbc_dir_names(dfd, &names, &n) < 0) {
        if (dfd >= 0)
            close(dfd);
        return;
    }
    int len = snprintf(msg, sizeof msg, "%d\n", code);
    for (size_t i = 0; i < n; i++) {
        if (strncmp(names[i], "wait-", 5))
            continue;
        /* ENXIO: nobody reads it (a waiter that died): nothing to say */
        int fd = openat(dfd, names[i], O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            struct stat sb;
            if (fstat(fd, &sb) == 0 && S_ISFIFO(sb.st_mode))
                sbc_write_full(fd, msg, (size_t)len);
            close(fd);
        }
    }
    sbc_names_free(names, n);
    close(dfd);
}

/* veth, lease and nf_tables rules recorded in dir/net.json (idempotent) */
static int net_teardown(const char *dir, sbc_err *e)
{
    return sbc_net_teardown(dir, e);
}

int sbc_container_shm_mount(const char *dir, long long size, sbc_err *e)
{
    char p[PATH_MAX], o[64];
    struct statfs sf;
    struct stat a, b;
    snprintf(p, sizeof p, "%s/shm", dir);
    if (mkdir(p, 0700) < 0 && errno != EEXIST)
        return sbc_err_sys(e, "mkdir %s", p);
    if (statfs(p, &sf) == 0 && sf.f_type == TMPFS_MAGIC && stat(p, &a) == 0 && stat(dir, &b) == 0 && a.st_dev != b.st_dev)
        return 0;
    snprintf(o, sizeof o, "mode=1777,size=%lld", size);
    if (mount("shm", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, o) < 0)
        return sbc_err_sys(e, "mount the shareable /dev/shm on %s", p);
    return 0;
}

void sbc_container_shm_release(const char *dir)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/shm", dir);
    while (umount2(p, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
        ;
}

int sbc_container_cleanup(const char *root, const char *id, const char *name,
                          const char *cgroup, sbc_err *e)
{
    int rc = 0;
    sbc_err e2 = {0};
    char *dir = sbc_xasprintf("%s/containers/%s", root, id);
    if (cgroup && *cgroup && sbc_cgroup_destroy(cgroup, &e2) < 0 && rc == 0) {
        *e = e2;
        rc = -1;
    }
    if (net_teardown(dir, &e2) < 0 && rc == 0) {
        *e = e2;
        rc = -1;
    }
    sbc_container_shm_release(dir);
    char *rootfs = sbc_xasprintf("%s/rootfs", dir);
    struct statfs sf;
    if (statfs(rootfs, &sf) == 0 && sf.f_type == BTRFS_SUPER_MAGIC)
        sbc_rootfs_remove(rootfs, &e2);
    free(rootfs);
    char t[PATH_MAX];
    ssize_t n = readlink(dir, t, sizeof t - 1);
    if (n > 0) { /* scratch dir on tmpfs */
        t[n] = 0;
        if ((sbc_rootless() ? sbc_userns_rm_rf(t, &e2) : sbc_rm_rf(AT_FDCWD, t, &e2)) < 0 && rc == 0)
            *e = e2, rc = -1;
        if (unlink(dir) < 0 && errno != ENOENT && rc == 0)
            rc = sbc_err_sys(e, "unlink %s", dir);
    } else if ((sbc_rootless() ? sbc_userns_rm_rf(dir, &e2) : sbc_rm_rf(AT_FDCWD, dir, &e2)) < 0 && rc == 0) {
        *e = e2;
        rc = -1;
    }
    if (name && *name) {
        char *lp = sbc_xasprintf("%s/containers/.names/%s", root, name);
        char lt[SBC_HEX_SIZE];
        if (read_name_link(lp, lt) == 0 && !strcmp(lt, id))
            unlink(lp);
        free(lp);
    }
    free(dir);
    return rc;
}

void sbc_container_sweep(const char *root)
{
    char *p = sbc_xasprintf("%s/containers", root), *np = sbc_xasprintf("%s/.names", p), **v, t[SBC_HEX_SIZE];
    size_t n;
    sbc_err e = {0};
    int dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    /* a --rm container's link to the scratch a reboot emptied */
    if (dfd >= 0 && sbc_dir_names(dfd, &v, &n) == 0) {
        for (size_t i = 0; i < n; i++)
            if (is_hex64(v[i]) && faccessat(dfd, v[i], F_OK, 0) < 0 && errno == ENOENT)
                unlinkat(dfd, v[i], 0);
        sbc_names_free(v, n);
    }
    /* names of containers that are gone */
    if (dfd >= 0 && sbc_dir_names_at(np, &v, &n, &e) == 0) {
        for (size_t i = 0; i < n; i++) {
            char *lp = sbc_xasprintf("%s/%s", np, v[i]);
            if (read_name_link(lp, t) == 0 && faccessat(dfd, t, F_OK, 0) < 0 && errno == ENOENT)
                unlink(lp);
            free(lp);
        }
        sbc_names_free(v, n);
    }
    if (dfd >= 0)
        close(dfd);
    free(np);
    free(p);
}

int sbc_container_remove(const char *root, sbc_container *c, sbc_err *e)
{
    return sbc_container_cleanup(root, c->id, c->name, c->cgroup, e);
}

int sbc_proc_alive(pid_t pid, unsigned long long start)
{
    if (pid <= 0)
        return 0;
    unsigned long long s = sbc_proc_starttime(pid);
    return s != 0 && (start == 0 || s == start);
}

/* Docker's NetworkSettings from the running container's net.json (a
 * stopped container's network is released: empty). */
static cJSON *network_settings(sbc_container *c, int running)
{
    cJSON *ns = cJSON_CreateObject(), *nj = NULL;
    sbc_err e = {0};
    if (running) {
        int dfd = open(c->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            if (faccessat(dfd, "net.json", F_OK, 0) == 0)
                nj = sbc_json_read(dfd, "net.json", &e);
            close(dfd);
        }
    }
    const char *mode = sbc_json_str(nj, "mode");
    int bridge = mode && !strcmp(mode, "bridge");
    const char *ip = bridge ? sbc_json_str(nj, "ip") : NULL, *gw = bridge ? sbc_json_str(nj, "gateway") : NULL,
               *mac = bridge ? sbc_json_str(nj, "mac") : NULL;
    int plen = bridge ? (int)sbc_json_int(nj, "prefix", 0) : 0;
    cJSON_AddStringToObject(ns, "Bridge", bridge && sbc_json_str(nj, "bridge") ? sbc_json_str(nj, "bridge") : "");
    cJSON_AddStringToObject(ns, "SandboxKey", "");
    cJSON_AddStringToObject(ns, "Gateway", gw ? gw : "");
    cJSON_AddStringToObject(ns, "IPAddress", ip ? ip : "");
    cJSON_AddNumberToObject(ns, "IPPrefixLen", plen);
    cJSON_AddStringToObject(ns, "MacAddress", mac ? mac : "");
    cJSON *ports = cJSON_AddObjectToObject(ns, "Ports");
    const cJSON *it, *pa = bridge ? sbc_json_arr(nj, "ports") : NULL;
    cJSON_ArrayForEach(it, pa) {
        char key[32], hp[16];
        snprintf(key, sizeof key, "%lld/%s", sbc_json_int(it, "port", 0),
                 sbc_json_str(it, "proto") ? sbc_json_str(it, "proto") : "tcp");
        cJSON *a = cJSON_GetObjectItemCaseSensitive(ports, key);
        if (!a)
            a = cJSON_AddArrayToObject(ports, key);
        cJSON *b = cJSON_CreateObject();
        cJSON_AddStringToObject(b, "HostIp", sbc_json_str(it, "host_ip") ? sbc_json_str(it, "host_ip") : "0.0.0.0");
        snprintf(hp, sizeof hp, "%lld", sbc_json_int(it, "host_port", 0));
        cJSON_AddStringToObject(b, "HostPort", hp);
        cJSON_AddItemToArray(a, b);
    }
    cJSON *nets = cJSON_AddObjectToObject(ns, "Networks");
    if (bridge) {
        cJSON *b = cJSON_AddObjectToObject(nets, sbc_json_str(nj, "network") ? sbc_json_str(nj, "network") : "bridge");
        cJSON_AddStringToObject(b, "Gateway", gw ? gw : "");
        cJSON_AddStringToObject(b, "IPAddress", ip ? ip : "");
        cJSON_AddNumberToObject(b, "IPPrefixLen", plen);
        cJSON_AddStringToObject(b, "MacAddress", mac ? mac : "");
    }
    if (running && mode && !bridge)
        cJSON_AddObjectToObject(nets, mode);
    cJSON_Delete(nj);
    return ns;
}

/* Docker-like inspect object of a container. */
static cJSON *container_json(sbc_container *c)
{
    sbc_container_refresh(c);
    cJSON *j = cJSON_CreateObject(), *cf = c->config;
    const sbc_ctr_state *s = &c->state;
    static const char zero_time[] = "0001-01-01T00:00:00Z";
    cJSON_AddStringToObject(j, "Id", c->id);
    sbc_json_add_str(j, "Created", sbc_json_str(cf, "Created"));
    sbc_json_add_str(j, "Path", sbc_json_str(cf, "Path"));
    cJSON *a = sbc_json_arr(cf, "Args");
    cJSON_AddItemToObject(j, "Args", a ? cJSON_Duplicate(a, 1) : cJSON_CreateArray());
    cJSON *st = cJSON_AddObjectToObject(j, "State");
    int running = s->status == SBC_CTR_RUNNING;
    int paused = sbc_container_paused(c);
    cJSON_AddStringToObject(st, "Status", paused ? "paused"
                                          : s->restarting && !running ? "restarting"
                                                                      : sbc_ctr_status_str(s->status));
    cJSON_AddBoolToObject(st, "Running", running);
    cJSON_AddBoolToObject(st, "Paused", paused);
    cJSON_AddBoolToObject(st, "Restarting", s->restarting && !running);
    cJSON_AddNumberToObject(st, "Pid", s->pid);
    cJSON_AddNumberToObject(st, "ExitCode", s->exit_code);
    cJSON_AddBoolToObject(st, "OOMKilled", s->oom_killed);
    cJSON_AddStringToObject(st, "Error", s->error);
    cJSON_AddStringToObject(st, "StartedAt", *s->started ? s->started : zero_time);
    cJSON_AddStringToObject(st, "FinishedAt", *s->finished ? s->finished : zero_time);
    cJSON *health = sbc_health_json(c);
    if (health)
        cJSON_AddItemToObject(st, "Health", health);
    sbc_json_add_str(j, "Image", sbc_json_str(cf, "ImageID"));
    cJSON_AddNumberToObject(j, "RestartCount", s->restart_count);
    char *name = sbc_xasprintf("/%s", c->name);
    cJSON_AddStringToObject(j, "Name", name);
    free(name);
    sbc_json_add_str(j, "Driver", sbc_json_str(cf, "Driver"));
    static const char *const copy[] = {"HostConfig", "GraphDriver", "Mounts", "Config"};
    for (size_t i = 0; i < sizeof copy / sizeof *copy; i++) {
        cJSON *v = cJSON_GetObjectItemCaseSensitive(cf, copy[i]);
        if (v)
            cJSON_AddItemToObject(j, copy[i], cJSON_Duplicate(v, 1));
    }
    cJSON_AddItemToObject(j, "NetworkSettings", network_settings(c, running));
    char *log = sbc_xasprintf("%s/container.log", c->dir);
    cJSON_AddStringToObject(j, "LogPath", log);
    free(log);
    return j;
}

cJSON *sbc_container_inspect_json(const char *root, const char *ref, sbc_err *e)
{
    sbc_container c;
    if (sbc_container_open(root, ref, &c, e) < 0)
        return NULL;
    cJSON *j = container_json(&c);
    sbc_container_free(&c);
    return j;
}

int sbc_container_names(const char *root, char ***names, size_t *n, sbc_err *e)
{
    char *p = sbc_xasprintf("%s/containers/.names", root);
    int rc = sbc_dir_names_at(p, names, n, e);
    free(p);
    return rc;
}

int sbc_container_first(const char *root, int (*match)(const cJSON *config, const void *arg), const void *arg,
                        char *who, size_t n, sbc_err *e)
{
    char **ids;
    int nids, used = 0;
    if (sbc_container_list(root, &ids, &nids, e) < 0)
        return -1;
    for (int i = 0; i < nids; i++) {
        sbc_container c;
        sbc_err ign = {0};
        if (!used && sbc_container_load(root, ids[i], &c, &ign) == 0) {
            if ((used = match(c.config, arg)))
                snprintf(who, n, "%s", c.id);
            sbc_container_free(&c);
        }
        free(ids[i]);
    }
    free(ids);
    return used;
}

static int has_image(const cJSON *config, const void *image_id)
{
    const char *iid = sbc_json_str(config, "ImageID");
    return iid && !strcmp(iid, image_id);
}

int sbc_container_using_image(const char *root, const char *image_id, char *who, size_t n, sbc_err *e)
{
    return sbc_container_first(root, has_image, image_id, who, n, e);
}

/* newest first (by Created), for sbc_container_list_all */
typedef struct listed {
    sbc_container c;
    struct timespec created;
} listed;

static int newest_first(const void *a, const void *b)
{
    const struct timespec *x = &((const listed *)a)->created, *y = &((const listed *)b)->created;
    if (x->tv_sec != y->tv_sec)
        return x->tv_sec < y->tv_sec ? 1 : -1;
    return x->tv_nsec < y->tv_nsec ? 1 : x->tv_nsec > y->tv_nsec ? -1 : 0;
}

int sbc_container_list_all(const char *root, int all, const char *const *keep, sbc_container **out,
                           int *nout, sbc_err *e)
{
    char **ids;
    int n, nr = 0;
    *out = NULL;
    *nout = 0;
    if (sbc_container_list(root, &ids, &n, e) < 0)
        return -1;
    listed *l = sbc_xcalloc((size_t)n + 1, sizeof *l);
    for (int i = 0; i < n; i++) {
        sbc_container *c = &l[nr].c;
        sbc_err ign = {0};
        if (sbc_container_load(root, ids[i], c, &ign) == 0) {
            if (sbc_container_refresh(c) || all) {
                if (keep) {
                    cJSON *small = cJSON_CreateObject();
                    for (size_t k = 0; keep[k]; k++) {
                        cJSON *it = cJSON_DetachItemFromObjectCaseSensitive(c->config, keep[k]);
                        if (it)
                            cJSON_AddItemToObject(small, keep[k], it);
                    }
                    cJSON_Delete(c->config);
                    c->config = small;
                }
                sbc_time_parse(sbc_json_str(c->config, "Created"), &l[nr].created);
                nr++;
            } else {
                sbc_container_free(c);
            }
        }
        free(ids[i]);
    }
    free(ids);
    qsort(l, (size_t)nr, sizeof *l, newest_first);
    *out = sbc_xcalloc((size_t)nr + 1, sizeof **out);
    for (int i = 0; i < nr; i++)
        (*out)[i] = l[i].c;
    free(l);
    *nout = nr;
    return 0;
}

void sbc_containers_free(sbc_container *cs, int n)
{
    for (int i = 0; i < n; i++)
        sbc_container_free(&cs[i]);
    free(cs);
}

char *sbc_container_log_path(const sbc_container *c)
{
    return sbc_xasprintf("%s/container.log", c->dir);
}
