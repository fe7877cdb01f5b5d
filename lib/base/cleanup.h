/* cleanup.h - scope-bound cleanup, as crun does it (GCC's and clang's
 * cleanup attribute), in place of goto ladders.
 *
 * The idiom: declare the resource with its cleanup and a "nothing" value,
 * return from anywhere, and take what is handed out of the scope:
 *
 *     sbc_cleanup_close int fd = -1;
 *     sbc_cleanup_free char *path = sbc_xasprintf("%s/x", dir);
 *     sbc_cleanup_json cJSON *j = NULL;          (base/json.h)
 *     fd = open(path, O_RDONLY | O_CLOEXEC);
 *     if (fd < 0)
 *         return sbc_err_sys(e, "%s", path);    (path freed, nothing leaks)
 *     ...
 *     *out = sbc_take_fd(&fd);                   (the caller owns it now)
 *     return 0;
 *
 * Rules: always initialise (NULL, -1); sbc_take_ptr/sbc_take_fd to hand a
 * resource out; the cleanups keep errno, so "-1 with errno" contracts hold.
 * Only for locals of one scope: a struct's members are freed by its own
 * _free or _close function. */
#ifndef SBC_CLEANUP_H
#define SBC_CLEANUP_H
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void sbc_freep(void *p)
{
    int saved = errno;
    free(*(void **)p);
    errno = saved;
}

static inline void sbc_closep(int *fd)
{
    if (*fd >= 0) {
        int saved = errno;
        close(*fd);
        errno = saved;
    }
}

static inline void sbc_fclosep(FILE **f)
{
    if (*f) {
        int saved = errno;
        fclose(*f);
        errno = saved;
    }
}

static inline void sbc_closedirp(DIR **d)
{
    if (*d) {
        int saved = errno;
        closedir(*d);
        errno = saved;
    }
}

#define sbc_cleanup_free __attribute__((cleanup(sbc_freep)))
#define sbc_cleanup_close __attribute__((cleanup(sbc_closep)))
#define sbc_cleanup_file __attribute__((cleanup(sbc_fclosep)))
#define sbc_cleanup_dir __attribute__((cleanup(sbc_closedirp)))

/* The value of *pp, leaving NULL (or -1) behind for the cleanup. */
static inline void *sbc_take_ptr(void *pp)
{
    void *p = *(void **)pp;
    *(void **)pp = NULL;
    return p;
}

static inline int sbc_take_fd(int *fd)
{
    int f = *fd;
    *fd = -1;
    return f;
}

#endif
