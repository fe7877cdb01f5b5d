/* seccomp_prebuilt.c - the default profile compiled at build time.
 *
 * tools/seccomp-gen.c compiles Docker's default profile for Docker's default
 * capabilities into build/gen/seccomp_default.h (make runs it; the Makefile
 * puts build/gen on the include path and requires the header for build/sbc).
 * A build without it (the fuzz build) compiles the default at run time. */
#include "runtime/seccomp.h"

#include <stdint.h>
#include <stdlib.h>

#if defined(__has_include)
#if __has_include(<seccomp_default.h>)
#include <seccomp_default.h>
#define HAVE_PREBUILT 1
#endif
#endif
#if !defined(HAVE_PREBUILT) && defined(SBC_SECCOMP_REQUIRE_PREBUILT)
#error "build/gen/seccomp_default.h is missing: make generates it with tools/seccomp-gen.c"
#endif

int sbc_seccomp_have_prebuilt(void)
{
#ifdef HAVE_PREBUILT
    return 1;
#else
    return 0;
#endif
}

/* The build-time program was made for a kernel where every minKernel holds;
 * it fits this kernel when every rule applies here as it did there. */
static int prebuilt_fits(uint64_t caps, uint32_t kver)
{
#ifdef HAVE_PREBUILT
    const sbc_seccomp_profile *d = sbc_seccomp_default();
    if (caps != SBC_SECCOMP_DEFAULT_CAPS)
        return 0;
    for (unsigned i = 0; i < d->nrules; i++)
        if (sbc_seccomp_rule_applies(&d->rules[i], caps, kver) !=
            sbc_seccomp_rule_applies(&d->rules[i], caps, UINT32_MAX))
            return 0;
    return 1;
#else
    (void)caps;
    (void)kver;
    return 0;
#endif
}

int sbc_seccomp_prepare(const sbc_seccomp_profile *p, uint64_t caps, sbc_seccomp_prog *out, sbc_err *e)
{
    const sbc_seccomp_profile *d = sbc_seccomp_default();
    uint32_t kver = sbc_seccomp_kernel_version();
    if (!p)
        p = d;
    if (p == d && prebuilt_fits(caps, kver)) {
#ifdef HAVE_PREBUILT
        out->insns = (struct sock_filter *)sbc_seccomp_default_bpf;
        out->len = (unsigned short)(sizeof sbc_seccomp_default_bpf / sizeof sbc_seccomp_default_bpf[0]);
        out->flags = d->flags;
        out->owned = 0;
        return 0;
#endif
    }
    return sbc_seccomp_compile(p, caps, kver ? kver : UINT32_MAX, out, e);
}
