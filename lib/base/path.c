#include "base/path.h"

#include <errno.h>
#include <string.h>

int sbc_path_norm(const char *in, char *out, size_t outsz)
{
    size_t len = 0;
    const char *p = in;
    if (!outsz) {
        errno = ENAMETOOLONG;
        return -1;
    }
    while (*p) {
        while (*p == '/')
            p++;
        const char *c = p;
        while (*p && *p != '/')
            p++;
        size_t n = (size_t)(p - c);
        if (n == 0 || (n == 1 && c[0] == '.'))
            continue;
        if (n == 2 && c[0] == '.' && c[1] == '.') {
            if (len == 0) {
                errno = EXDEV; /* above the root */
                return -1;
            }
            while (len > 0 && out[len - 1] != '/')
                len--;
            if (len > 0)
                len--; /* the slash */
            continue;
        }
        if (len + (len > 0) + n + 1 > outsz) {
            errno = ENAMETOOLONG;
            return -1;
        }
        if (len > 0)
            out[len++] = '/';
        memcpy(out + len, c, n);
        len += n;
    }
    out[len] = 0;
    return 0;
}
