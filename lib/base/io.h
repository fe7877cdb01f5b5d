/* io.h - safe I/O: full reads and writes that retry on EINTR, atomic file
 * replacement (durable or scratch), whole-file reads, mkdir -p, locks,
 * directory listings, x-allocation, growable buffers. */
#ifndef SBC_IO_H
#define SBC_IO_H
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "base/err.h"

/* Read up to n bytes, retrying on EINTR and short reads; returns bytes read
 * (< n only at EOF) or -1 with errno set. */
ssize_t sbc_read_full(int fd, void *buf, size_t n);
/* Write all n bytes, retrying on EINTR and short writes; 0 or -1 (errno). */
int sbc_write_full(int fd, const void *buf, size_t n);
/* Atomic replacement of dirfd/path (dirfd may be AT_FDCWD), in two variants
 * named for what they guarantee (as skalibs' openwritenclose_unsafe and
 * openwritenclose_unsafe_sync).  Both write the len bytes to a temp file
 * beside path (".tmp-PID-NAME", mode mode, O_NOFOLLOW) and rename it over
 * path: a reader sees the old content or the new, never a part of either.
 * On error path is as it was and the temp file is gone.
 *
 * _durable: fsync of the file before the rename and of its directory after,
 * so the new content survives a crash once it returns.  For what is the only
 * copy of something: image records, tags, credentials, recorded specs.
 *
 * _scratch: no fsync (open, write, close, rename: 4 syscalls; an fsync costs
 * milliseconds on a VM disk).  After a crash path may be the old file, the
 * new one or an empty one.  Only for state that is as durable as the
 * directory holding it and is re-derived or re-checked on the next start
 * (a container's state, leases, hosts and resolv.conf), on start paths. */
int sbc_write_atomic_durable(int dirfd, const char *path, const void *data, size_t len,
                             mode_t mode, sbc_err *e);
int sbc_write_atomic_scratch(int dirfd, const char *path, const void *data, size_t len,
                             mode_t mode, sbc_err *e);
/* Read a whole file (at most max bytes) into a NUL-terminated malloc'd
 * buffer; *len gets the size (may be NULL).  NULL on error. */
char *sbc_read_file(int dirfd, const char *path, size_t max, size_t *len, sbc_err *e);
/* The same from an open fd (not closed; read from its offset); path names it in errors. */
char *sbc_read_whole_fd(int fd, const char *path, size_t max, size_t *len, sbc_err *e);
/* Open (creating it, mode 0600) the lock file dirfd/path and take an
 * exclusive flock on it, waiting: the fd (closing it unlocks), or -1. */
int sbc_lock_path(int dirfd, const char *path, sbc_err *e);
/* mkdir -p with mode for the created components. */
int sbc_mkdir_p(const char *path, mode_t mode, sbc_err *e);
/* rm -rf below dirfd/path without following symlinks; missing is fine. */
int sbc_rm_rf(int dirfd, const char *path, sbc_err *e);
/* The same walk with a say on each directory before it is emptied:
 * hook(dfd, name, fd, arg) gets its parent, its name and an open fd of it,
 * and returns 1 when it removed the directory itself (a btrfs subvolume
 * destroyed), 0 to have it emptied and rmdir'ed, -1 on failure. */
typedef int (*sbc_rm_hook)(int dfd, const char *name, int fd, void *arg);
int sbc_rm_rf_hook(int dirfd, const char *path, sbc_rm_hook hook, void *arg, sbc_err *e);

/* Start time of pid in clock ticks since boot (/proc/PID/stat field 22);
 * 0 when it is gone or a zombie.  With the pid, it names one process. */
unsigned long long sbc_proc_starttime(pid_t pid);

/* A unix socket address for path; one too long for sun_path goes through
 * its directory, opened O_PATH into *dirfd ("/proc/self/fd/N/name"; close
 * it after the bind or connect; -1 when not needed).  -1 with errno. */
struct sockaddr_un;
int sbc_unix_addr(const char *path, struct sockaddr_un *a, int *dirfd);
/* Mark every fd from low up close-on-exec (close_range, else a loop to
 * 1024). */
void sbc_fds_cloexec(unsigned low);

/* Call fn for everything below the open dir dfd, children before their
 * dir (so fn may chown a dir it has walked), never following a symlink,
 * at most 512 levels deep; dfd itself is not visited.  st is the entry's
 * lstat.  Stops at fn's first -1 (its message in e). */
typedef int (*sbc_walk_fn)(int dfd, const char *name, const struct stat *st, void *arg, sbc_err *e);
int sbc_walk_below(int dfd, sbc_walk_fn fn, void *arg, sbc_err *e);
/* The names in the directory dfd (not "." and ".."), sorted; 0, or -1 with
 * errno.  dfd itself is left as it was.  Free with sbc_names_free. */
int sbc_dir_names(int dfd, char ***names, size_t *n);
/* The same for the directory at path; a missing one has none (0). */
int sbc_dir_names_at(const char *path, char ***names, size_t *n, sbc_err *e);
void sbc_names_free(char **names, size_t n);
/* Copy the rest of in to out: copy_file_range, else read/write; 0, or -1
 * with errno (EIO-like errors of either side). */
int sbc_copy_data(int in, int out);

void *sbc_xmalloc(size_t n);
void *sbc_xcalloc(size_t n, size_t m);
void *sbc_xrealloc(void *p, size_t n);
char *sbc_xstrdup(const char *s);
char *sbc_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer; always NUL-terminated. */
typedef struct sbc_buf {
    char *data;
    size_t len, cap;
} sbc_buf;
void sbc_buf_add(sbc_buf *b, const void *p, size_t n);
void sbc_buf_adds(sbc_buf *b, const char *s);
void sbc_buf_printf(sbc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbc_buf_free(sbc_buf *b);
/* A buffer freed at the end of its scope (base/cleanup.h has the idiom):
 *     sbc_cleanup_buf sbc_buf b = {0}; */
#define sbc_cleanup_buf __attribute__((cleanup(sbc_buf_free)))

#endif
