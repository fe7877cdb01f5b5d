/* licenses.c - sbc --licenses: the texts are build/gen/licenses.gz (LICENSE
 * and THIRD-PARTY, made by the Makefile), assembled into .rodata with
 * .incbin and inflated on demand: ~9 KiB in the binary instead of ~31. */
#include "base/licenses.h"

#include <zlib.h>

#ifdef SBC_LICENSES_GZ
__asm__(".section .rodata.sbc_licenses,\"a\",@progbits\n"
        ".globl sbc_licenses_gz\n"
        "sbc_licenses_gz:\n"
        ".incbin \"" SBC_LICENSES_GZ "\"\n"
        ".globl sbc_licenses_gz_end\n"
        "sbc_licenses_gz_end:\n"
        ".previous\n");
extern const unsigned char sbc_licenses_gz[], sbc_licenses_gz_end[];

int sbc_licenses_print(FILE *f, sbc_err *e)
{
    z_stream z = {0};
    unsigned char out[16384];
    int rc;
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return sbc_err_set(e, SBC_EXIT_FAIL, "licenses: inflateInit failed");
    z.next_in = (unsigned char *)sbc_licenses_gz;
    z.avail_in = (unsigned)(sbc_licenses_gz_end - sbc_licenses_gz);
    do {
        z.next_out = out;
        z.avail_out = sizeof out;
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            inflateEnd(&z);
            return sbc_err_set(e, SBC_EXIT_FAIL, "licenses: the built-in text is corrupt (%d)", rc);
        }
        size_t n = sizeof out - z.avail_out;
        if (n && fwrite(out, 1, n, f) != n) {
            inflateEnd(&z);
            return sbc_err_sys(e, "licenses: write");
        }
    } while (rc != Z_STREAM_END);
    inflateEnd(&z);
    if (fflush(f))
        return sbc_err_sys(e, "licenses: write");
    return 0;
}
#else
int sbc_licenses_print(FILE *f, sbc_err *e)
{
    (void)f;
    return sbc_err_set(e, SBC_EXIT_FAIL,
                       "the license texts are not built into this binary: see LICENSE and THIRD-PARTY in sbc's source");
}
#endif
