/* exeseal.c - re-execute from a sealed memfd copy (see exeseal.h). */
#include "runtime/exeseal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static int host_fd = -1;

int sbc_exe_is_sealed(void)
{
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int seals = fcntl(fd, F_GET_SEALS);
    close(fd);
    return seals >= 0 && (seals & SEALS) == SEALS;
}

/* In the sealed image: take the host binary's fd handed over in
 * SBC_EXE_FD (close-on-exec from now on, and out of the environment). */
static void adopt_host_fd(void)
{
    const char *v = getenv("SBC_EXE_FD");
    if (!v)
        return;
    char *end;
    long fd = strtol(v, &end, 10);
    struct stat st;
    if (*end == 0 && fd >= 3 && fd < 1024 && fstat((int)fd, &st) == 0 && S_ISREG(st.st_mode) &&
        fcntl((int)fd, F_SETFD, FD_CLOEXEC) == 0)
        host_fd = (int)fd;
    unsetenv("SBC_EXE_FD");
}

int sbc_exe_host_fd(void)
{
    return host_fd;
}

int sbc_exe_seal(char *const *argv, char *const *envp, sbc_err *e)
{
    int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (src < 0)
        return sbc_err_sys(e, "seal the sbc binary: open /proc/self/exe");
    int seals = fcntl(src, F_GET_SEALS);
    if (seals >= 0 && (seals & SEALS) == SEALS) {
        close(src);
        adopt_host_fd();
        return 0;
    }
    struct stat st;
    if (fstat(src, &st) < 0) {
        close(src);
        return sbc_err_sys(e, "seal the sbc binary: stat /proc/self/exe");
    }
    /* MFD_EXEC: executable even where vm.memfd_noexec=1 makes memfds
     * non-executable by default (older kernels reject the flag) */
    int mfd = (int)syscall(SYS_memfd_create, "sbc", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (mfd < 0 && errno == EINVAL)
        mfd = (int)syscall(SYS_memfd_create, "sbc", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (mfd < 0) {
        close(src);
        return sbc_err_sys(e, "seal the sbc binary: memfd_create");
    }
    /* the copy, in the kernel; the size is set first (one allocation) */
    off_t off = 0;
    int rc = ftruncate(mfd, st.st_size);
    while (rc == 0 && off < st.st_size) {
        ssize_t n = sendfile(mfd, src, &off, (size_t)(st.st_size - off));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            rc = -1, errno = n < 0 ? errno : EIO;
    }
    if (rc == 0 && fcntl(mfd, F_ADD_SEALS, SEALS | F_SEAL_EXEC) < 0 &&
        (errno != EINVAL || fcntl(mfd, F_ADD_SEALS, SEALS) < 0))
        rc = -1;
    if (rc < 0) {
        int err = errno;
        close(src);
        close(mfd);
        errno = err;
        return sbc_err_sys(e, "seal the sbc binary");
    }
    /* the host binary goes along as an fd (SBC_EXE_FD), for the detached
     * monitor only: a host process no container sees, which so shares the
     * page cache instead of keeping a copy per container */
    int n = 0;
    while (envp[n])
        n++;
    char **env = malloc(((size_t)n + 2) * sizeof *env), fdvar[32];
    int keep = fcntl(src, F_DUPFD, 3), k = 0;
    close(src);
    if (!env) {
        close(mfd);
        if (keep >= 0)
            close(keep);
        return sbc_err_sys(e, "seal the sbc binary");
    }
    for (int i = 0; i < n; i++)
        if (strncmp(envp[i], "SBC_EXE_FD=", 11))
            env[k++] = envp[i];
    if (keep >= 0) {
        snprintf(fdvar, sizeof fdvar, "SBC_EXE_FD=%d", keep);
        env[k++] = fdvar;
    }
    env[k] = NULL;
    syscall(SYS_execveat, mfd, "", argv, env, AT_EMPTY_PATH);
    int err = errno;
    free(env);
    if (keep >= 0)
        close(keep);
    close(mfd);
    errno = err;
    return sbc_err_sys(e, "seal the sbc binary: execute the sealed copy%s",
                       err == EACCES ? " (vm.memfd_noexec=2?)" : "");
}
