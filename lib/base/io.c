#include "base/io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

ssize_t sbc_read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

int sbc_write_full(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t r = write(fd, p, n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* The one atomic writer: sbc_write_atomic_durable and _scratch (io.h). */
static int write_atomic(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                        int durable, sbc_err *e)
{
    char tmp[4096];
    const char *slash = strrchr(path, '/');
    int n;
    if (slash)
        n = snprintf(tmp, sizeof tmp, "%.*s/.tmp-%ld-%s", (int)(slash - path), path,
                     (long)getpid(), slash + 1);
    else
        n = snprintf(tmp, sizeof tmp, ".tmp-%ld-%s", (long)getpid(), path);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return sbc_err_set(e, 0, "%s: path too long", path);
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return sbc_err_sys(e, "%s", tmp);
    if (sbc_write_full(fd, data, len) < 0 || (durable && fsync(fd) < 0)) {
        sbc_err_sys(e, "%s", tmp);
        close(fd);
        unlinkat(dirfd, tmp, 0);
        return -1;
    }
    close(fd);
    if (renameat(dirfd, tmp, dirfd, path) < 0) {
        sbc_err_sys(e, "%s", path);
        unlinkat(dirfd, tmp, 0);
        return -1;
    }
    if (!durable)
        return 0;
    /* make the rename durable */
    char dir[4096];
    if (slash == path)
        strcpy(dir, "/");
    else if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else
        strcpy(dir, ".");
    int dfd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

int sbc_write_atomic_durable(int dirfd, const char *path, const void *data, size_t len,
                             mode_t mode, sbc_err *e)
{
    return write_atomic(dirfd, path, data, len, mode, 1, e);
}

int sbc_write_atomic_scratch(int dirfd, const char *path, const void *data, size_t len,
                             mode_t mode, sbc_err *e)
{
    return write_atomic(dirfd, path, data, len, mode, 0, e);
}

char *sbc_read_file(int dirfd, const char *path, size_t max, size_t *lenp, sbc_err *e)
{
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        sbc_err_sys(e, "%s", path);
        return NULL;
    }
    char *r = sbc_read_whole_fd(fd, path, max, lenp, e);
    close(fd);
    return r;
}

char *sbc_read_whole_fd(int fd, const char *path, size_t max, size_t *lenp, sbc_err *e)
{
    sbc_buf b = {0};
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size < max) {
        /* the common case: one read of size+1 bytes proves the end */
        size_t want = (size_t)st.st_size + 1;
        char *p = sbc_xmalloc(want + 1);
        ssize_t r;
        do /* a regular file reads short only at its end */
            r = read(fd, p, want);
        while (r < 0 && errno == EINTR);
        if (r >= 0 && (size_t)r < want) {
            p[r] = 0;
            if (lenp)
                *lenp = (size_t)r;
            return p;
        }
        free(p); /* it grew meanwhile: read it in chunks */
        if (r < 0 || lseek(fd, 0, SEEK_SET) < 0) {
            sbc_err_sys(e, "%s", path);
            return NULL;
        }
    }
    char chunk[65536];
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            sbc_err_sys(e, "%s", path);
            sbc_buf_free(&b);
            return NULL;
        }
        if (r == 0)
            break;
        if (b.len + (size_t)r > max) {
            sbc_err_set(e, 0, "%s: file too large", path);
            sbc_buf_free(&b);
            return NULL;
        }
        sbc_buf_add(&b, chunk, (size_t)r);
    }
    if (!b.data)
        sbc_buf_add(&b, "", 0);
    if (lenp)
        *lenp = b.len;
    return b.data;
}

int sbc_lock_path(int dirfd, const char *path, sbc_err *e)
{
    int fd = openat(dirfd, path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return sbc_err_sys(e, "lock %s", path);
    while (flock(fd, LOCK_EX) < 0)
        if (errno != EINTR) {
            sbc_err_sys(e, "lock %s", path);
            close(fd);
            return -1;
        }
    return fd;
}

int sbc_mkdir_p(const char *path, mode_t mode, sbc_err *e)
{
    char p[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof p)
        return sbc_err_set(e, 0, "%s: bad path", path);
    if (mkdir(path, mode) == 0 || errno == EEXIST) /* the common case: one call */
        return 0;
    if (errno != ENOENT)
        return sbc_err_sys(e, "mkdir %s", path);
    memcpy(p, path, n + 1);
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == 0) {
            char c = *s;
            *s = 0;
            if (mkdir(p, mode) < 0 && errno != EEXIST)
                return sbc_err_sys(e, "mkdir %s", p);
            *s = c;
            if (!c)
                break;
        }
    }
    return 0;
}

static int rm_rf_at(int dfd, const char *name, int depth, sbc_rm_hook hook, void *arg, sbc_err *e)
{
    if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
        return 0;
    if (errno != EISDIR && errno != EPERM)
        return sbc_err_sys(e, "remove %s", name);
    if (depth > 512)
        return sbc_err_set(e, 0, "remove %s: too deep", name);
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == EACCES) {
        /* a directory of ours without permissions (overlay's work/work in
         * a rootless container is mode 000): ours to open up, not to skip */
        struct stat st;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
            fchmodat(dfd, name, 0700, 0) == 0)
            fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        return sbc_err_sys(e, "open %s", name);
    }
    int h = hook ? hook(dfd, name, fd, arg) : 0;
    if (h != 0) { /* the hook removed it, or failed */
        close(fd);
        return h < 0 ? sbc_err_set(e, 0, "remove %s", name) : 0;
    }
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return sbc_err_sys(e, "opendir %s", name);
    }
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (rm_rf_at(dirfd(d), de->d_name, depth + 1, hook, arg, e) < 0) {
            rc = -1;
            break;
        }
    }
    closedir(d);
    if (rc == 0 && unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return sbc_err_sys(e, "rmdir %s", name);
    return rc;
}

int sbc_rm_rf(int dirfd, const char *path, sbc_err *e)
{
    return rm_rf_at(dirfd, path, 0, NULL, NULL, e);
}

int sbc_rm_rf_hook(int dirfd, const char *path, sbc_rm_hook hook, void *arg, sbc_err *e)
{
    return rm_rf_at(dirfd, path, 0, hook, arg, e);
}

static _Noreturn void oom(size_t n)
{
    sbc_die(SBC_EXIT_FAIL, "out of memory (%zu bytes)", n);
}

void *sbc_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *sbc_xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p)
        oom(n * m);
    return p;
}

void *sbc_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

char *sbc_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(sbc_xmalloc(n), s, n);
}

char *sbc_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        sbc_die(SBC_EXIT_FAIL, "bad format");
    char *s = sbc_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

void sbc_buf_add(sbc_buf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 256;
        while (c < b->len + n + 1)
            c *= 2;
        b->data = sbc_xrealloc(b->data, c);
        b->cap = c;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
}

void sbc_buf_adds(sbc_buf *b, const char *s)
{
    sbc_buf_add(b, s, strlen(s));
}

void sbc_buf_printf(sbc_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    sbc_buf_add(b, NULL, 0);
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t c = b->cap;
        while (c < b->len + (size_t)n + 1)
            c *= 2;
        b->data = sbc_xrealloc(b->data, c);
        b->cap = c;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sbc_buf_free(sbc_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int sbc_dir_names_at(const char *path, char ***names, size_t *n, sbc_err *e)
{
    *names = NULL;
    *n = 0;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : sbc_err_sys(e, "open %s", path);
    int rc = sbc_dir_names(fd, names, n) < 0 ? sbc_err_sys(e, "read %s", path) : 0;
    close(fd);
    return rc;
}

int sbc_dir_names(int dfd, char ***out, size_t *nout)
{
    int dup_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
    if (dup_fd < 0)
        return -1;
    DIR *d = fdopendir(dup_fd);
    if (!d) {
        int saved = errno;
        close(dup_fd);
        errno = saved;
        return -1;
    }
    rewinddir(d);
    char **v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 32;
            v = sbc_xrealloc(v, cap * sizeof *v);
        }
        v[n++] = sbc_xstrdup(de->d_name);
    }
    int saved = errno;
    closedir(d);
    if (saved) {
        sbc_names_free(v, n);
        errno = saved;
        return -1;
    }
    if (n)
        qsort(v, n, sizeof *v, cmp_names);
    *out = v;
    *nout = n;
    return 0;
}

void sbc_names_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

int sbc_copy_data(int in, int out)
{
    int fallback = 0;
    for (;;) {
        if (!fallback) {
            ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
            if (n > 0)
                continue;
            if (n == 0)
                return 0;
            if (errno == EINTR)
                continue;
            if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
                return -1;
            fallback = 1;
        }
        char buf[65536];
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            return 0;
        if (sbc_write_full(out, buf, (size_t)n) < 0)
            return -1;
    }
}

static int walk_dir(int dfd, int depth, sbc_walk_fn fn, void *arg, sbc_err *e)
{
    if (depth > 512)
        return sbc_err_set(e, 0, "directories nested too deep");
    int dup = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
    DIR *d = dup < 0 ? NULL : fdopendir(dup);
    if (!d) {
        if (dup >= 0)
            close(dup);
        return sbc_err_sys(e, "open a directory");
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        struct stat st;
        if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            rc = sbc_err_sys(e, "stat %s", de->d_name);
            break;
        }
        if (S_ISDIR(st.st_mode)) {
            int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) {
                rc = sbc_err_sys(e, "open %s", de->d_name);
                break;
            }
            rc = walk_dir(sub, depth + 1, fn, arg, e);
            close(sub);
        }
        if (rc == 0)
            rc = fn(dfd, de->d_name, &st, arg, e);
    }
    closedir(d);
    return rc;
}

int sbc_walk_below(int dfd, sbc_walk_fn fn, void *arg, sbc_err *e)
{
    return walk_dir(dfd, 0, fn, arg, e);
}

unsigned long long sbc_proc_starttime(pid_t pid)
{
    char p[64], buf[1024];
    snprintf(p, sizeof p, "/proc/%d/stat", (int)pid);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    char *s = strrchr(buf, ')'); /* comm may hold spaces and parens */
    if (!s || s[1] != ' ' || !s[2])
        return 0;
    s += 2; /* field 3, the state */
    if (*s == 'Z' || *s == 'X')
        return 0; /* a zombie is dead */
    for (int field = 3; *s && field < 22; s++)
        if (*s == ' ')
            field++;
    return strtoull(s, NULL, 10);
}

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

void sbc_fds_cloexec(unsigned low)
{
    if (syscall(SYS_close_range, low, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
        return;
    for (int fd = (int)low; fd < 1024; fd++)
        fcntl(fd, F_SETFD, FD_CLOEXEC);
}

int sbc_unix_addr(const char *path, struct sockaddr_un *a, int *dirfd)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    *dirfd = -1;
    if (strlen(path) < sizeof a->sun_path) {
        memcpy(a->sun_path, path, strlen(path) + 1);
        return 0;
    }
    const char *slash = strrchr(path, '/');
    if (!slash || strlen(slash + 1) > 64) {
        errno = ENAMETOOLONG;
        return -1;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) ? (int)(slash - path) : 1, path);
    if ((*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        return -1;
    snprintf(a->sun_path, sizeof a->sun_path, "/proc/self/fd/%d/%s", *dirfd, slash + 1);
    return 0;
}
