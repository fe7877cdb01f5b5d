/* exeseal.c - re-execute from a sealed memfd copy (see exeseal.h). */
#include "runtime/exeseal.h"

#include <errno.h>
#include <fcntl.h>
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

int sbc_exe_is_sealed(void)
{
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int seals = fcntl(fd, F_GET_SEALS);
    close(fd);
    return seals >= 0 && (seals & SEALS) == SEALS;
}

int sbc_exe_seal(char *const *argv, char *const *envp, sbc_err *e)
{
    int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (src < 0)
        return sbc_err_sys(e, "seal the sbc binary: open /proc/self/exe");
    int seals = fcntl(src, F_GET_SEALS);
    if (seals >= 0 && (seals & SEALS) == SEALS) {
        close(src);
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
    int err = errno;
    close(src);
    if (rc < 0) {
        close(mfd);
        errno = err;
        return sbc_err_sys(e, "seal the sbc binary: copy");
    }
    if (fcntl(mfd, F_ADD_SEALS, SEALS | F_SEAL_EXEC) < 0 &&
        (errno != EINVAL || fcntl(mfd, F_ADD_SEALS, SEALS) < 0)) {
        err = errno;
        close(mfd);
        errno = err;
        return sbc_err_sys(e, "seal the sbc binary: F_ADD_SEALS");
    }
    syscall(SYS_execveat, mfd, "", argv, envp, AT_EMPTY_PATH);
    err = errno;
    close(mfd);
    errno = err;
    return sbc_err_sys(e, "seal the sbc binary: execute the sealed copy%s",
                       err == EACCES ? " (vm.memfd_noexec=2?)" : "");
}
