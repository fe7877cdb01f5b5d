/* sys.c - replacements for libc calls that cost sbc syscalls it does not need.
 *
 * musl's open() follows an O_CLOEXEC open with fcntl(F_SETFD) for kernels
 * older than 2.6.23; sbc needs a far newer kernel (openat2, the new mount
 * API), and opens files by the dozen on every container start, so open()
 * here is openat(AT_FDCWD), which takes the flag as it is. */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

int open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    return openat(AT_FDCWD, path, flags, mode);
}
