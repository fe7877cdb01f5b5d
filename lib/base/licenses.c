/* licenses.c - sbc --licenses: the texts are build/gen/licenses.gz (LICENSE
 * and THIRD-PARTY, made by the Makefile), assembled into .rodata with
 * .incbin and inflated on demand: ~9 KiB in the binary instead of ~31. */
#include "base/licenses.h"

#include "base/unz.h"

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
    unsigned char out[16384];
    const unsigned char *in = sbc_licenses_gz;
    size_t left = (size_t)(sbc_licenses_gz_end - sbc_licenses_gz);
    sbc_unz *u = sbc_unz_new(SBC_COMP_GZIP, e);
    if (!u)
        return -1;
    ssize_t n;
    sbc_err ze = {0};
    while ((n = sbc_unz_run(u, &in, &left, 1, out, sizeof out, &ze)) > 0)
        if (fwrite(out, 1, (size_t)n, f) != (size_t)n)
            break;
    sbc_unz_free(u);
    if (n < 0)
        return sbc_err_set(e, SBC_EXIT_FAIL, "licenses: the built-in text is corrupt (%s)", ze.msg);
    if (n > 0 || fflush(f))
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
