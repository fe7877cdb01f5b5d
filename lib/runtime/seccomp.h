/* seccomp.h - seccomp profiles: Docker's JSON format and an OCI config's
 * linux.seccomp, Docker's default profile as sbc's own table, compilation to
 * classic BPF with libseccomp for a capability set, and loading.
 *
 * A profile is data (sbc_seccomp_profile); sbc_seccomp_compile turns it into
 * a program (sbc_seccomp_prog) for a capability set and the running kernel,
 * the way Docker does: rules whose includes/excludes (caps, arches,
 * minKernel) do not hold are left out, names libseccomp does not know are
 * skipped.  The default profile for Docker's default capabilities is
 * compiled at build time (tools/seccomp-gen.c -> build/gen/seccomp_default.h);
 * sbc_seccomp_prepare uses that array when it fits and compiles otherwise.
 * Loading (sbc_seccomp_load) is one seccomp(2) call; see confine.h for where
 * the spawn engine does it.
 */
#ifndef SBC_SECCOMP_H
#define SBC_SECCOMP_H
#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>
#include <cjson/cJSON.h>
#include "base/err.h"

/* Bounds on hostile profiles. */
#define SBC_SECCOMP_MAX_JSON (4u << 20) /* bytes of JSON */
#define SBC_SECCOMP_MAX_RULES 4096
#define SBC_SECCOMP_MAX_NAMES 16384     /* syscall names over all rules */
#define SBC_SECCOMP_MAX_NAME 64         /* bytes in one syscall name */
#define SBC_SECCOMP_MAX_ARGS 6

/* Actions (Docker's SCMP_ACT_* names; SCMP_ACT_KILL is KILL_THREAD). */
enum {
    SBC_SCMP_ACT_KILL_PROCESS = 1,
    SBC_SCMP_ACT_KILL_THREAD,
    SBC_SCMP_ACT_TRAP,
    SBC_SCMP_ACT_ERRNO,
    SBC_SCMP_ACT_TRACE,
    SBC_SCMP_ACT_LOG,
    SBC_SCMP_ACT_ALLOW,
};
/* Argument comparisons, numbered as libseccomp's enum scmp_compare. */
enum {
    SBC_SCMP_CMP_NE = 1,
    SBC_SCMP_CMP_LT,
    SBC_SCMP_CMP_LE,
    SBC_SCMP_CMP_EQ,
    SBC_SCMP_CMP_GE,
    SBC_SCMP_CMP_GT,
    SBC_SCMP_CMP_MASKED_EQ, /* (arg & value) == valueTwo */
};

typedef struct sbc_seccomp_arg {
    uint8_t index; /* 0..5 */
    uint8_t op;    /* SBC_SCMP_CMP_* */
    uint64_t value, value2;
} sbc_seccomp_arg;

/* Bits of Docker's (Go's) arch names in includes/excludes.arches, in the
 * order of seccomp.c's goarch_tab ("386" is x86, "loongarch64" loong64). */
#define SBC_GOARCH_AMD64 (1u << 0)
#define SBC_GOARCH_X86 (1u << 1)
#define SBC_GOARCH_X32 (1u << 2)
#define SBC_GOARCH_ARM (1u << 3)
#define SBC_GOARCH_ARM64 (1u << 4)
#define SBC_GOARCH_PPC64LE (1u << 13)
#define SBC_GOARCH_S390 (1u << 14)
#define SBC_GOARCH_S390X (1u << 15)
#define SBC_GOARCH_RISCV64 (1u << 16)

/* One entry of syscalls[]: the names, what happens, and when it applies.
 * Arch conditions name the *native* architecture in Docker's (Go's)
 * spelling ("amd64", "x86", "arm64"...), as bits SBC_SECCOMP_GOARCH_*;
 * kernel versions are major << 16 | minor, 0 when not given. */
typedef struct sbc_seccomp_rule {
    const char *const *names;
    uint16_t nnames;
    uint8_t action;    /* SBC_SCMP_ACT_* */
    uint8_t nargs;
    int32_t errno_ret; /* ERRNO/TRACE value; -1 when not given (EPERM) */
    sbc_seccomp_arg args[SBC_SECCOMP_MAX_ARGS];
    uint64_t inc_caps, exc_caps;     /* every inc cap needed; any exc cap excludes */
    uint32_t inc_arches, exc_arches; /* bits of the native arch */
    uint32_t inc_kernel, exc_kernel; /* applies when kernel >= inc and < exc */
} sbc_seccomp_rule;

typedef struct sbc_seccomp_profile {
    uint8_t default_action;
    int32_t default_errno; /* -1 when not given (EPERM) */
    uint32_t arches;       /* bits of sbc_seccomp_arch_name(); 0: native only */
    uint32_t flags;        /* SECCOMP_FILTER_FLAG_* passed to seccomp(2) */
    const sbc_seccomp_rule *rules;
    unsigned nrules;
    int owned; /* allocated by the parser (sbc_seccomp_free frees it) */
} sbc_seccomp_profile;

/* A compiled program.  `insns` is either the build-time array (owned 0) or
 * malloc'd (owned 1). */
typedef struct sbc_seccomp_prog {
    struct sock_filter *insns;
    unsigned short len;
    uint32_t flags; /* SECCOMP_FILTER_FLAG_* for the load */
    int owned;
} sbc_seccomp_prog;

/* Docker's default profile (lib/runtime/seccomp_default.c), static. */
const sbc_seccomp_profile *sbc_seccomp_default(void);

/* Parse a profile: Docker's format (archMap, includes/excludes) or an OCI
 * config's linux.seccomp object (architectures as SCMP_ARCH_*, flags).
 * Unknown syscall names are kept (skipped at compile, as Docker does); bad
 * actions, ops, arches, flags, indices and oversized input are a one-line
 * error.  The result is freed with sbc_seccomp_free. */
int sbc_seccomp_parse(const char *json, size_t len, sbc_seccomp_profile **out, sbc_err *e);
int sbc_seccomp_from_json(const cJSON *j, sbc_seccomp_profile **out, sbc_err *e);
void sbc_seccomp_free(sbc_seccomp_profile *p);

/* The running kernel's version as major << 16 | minor (0 if unknown). */
uint32_t sbc_seccomp_kernel_version(void);
/* Compile p for the capability set caps (a bit per CAP_*; Docker checks the
 * bounding set) on kernel version kver (UINT32_MAX: every minKernel holds).
 * The program filters the native ABI and the profile's other arches; when p
 * names none, x86_64 also gets x86 and x32 (and aarch64 arm), as Docker's
 * archMap does. */
int sbc_seccomp_compile(const sbc_seccomp_profile *p, uint64_t caps, uint32_t kver,
                        sbc_seccomp_prog *out, sbc_err *e);
/* 1 when rule r is part of the filter for caps on kernel kver (Docker's
 * selection: excludes first, then includes, every included cap needed). */
int sbc_seccomp_rule_applies(const sbc_seccomp_rule *r, uint64_t caps, uint32_t kver);
/* The program for p (NULL: the default profile) and caps on this kernel:
 * the build-time array when p is the default, caps are Docker's default and
 * the kernel makes the same rules apply; otherwise compiled now. */
int sbc_seccomp_prepare(const sbc_seccomp_profile *p, uint64_t caps, sbc_seccomp_prog *out,
                        sbc_err *e);
/* 1 when this binary carries the build-time default program. */
int sbc_seccomp_have_prebuilt(void);
void sbc_seccomp_prog_free(sbc_seccomp_prog *prog);

/* A small program that behaves as full does (lib/runtime/seccomp_compact.c:
 * the ranges of equal action searched in O(log n), each syscall with
 * argument rules a copy of full's instructions for it), checked against
 * full before it is returned; -1 when it cannot be made or differs.  The
 * build uses it for the default program; out->insns malloc'd. */
int sbc_seccomp_compact(const sbc_seccomp_prog *full, sbc_seccomp_prog *out, sbc_err *e);
/* Run a seccomp cBPF program on d (the instructions libseccomp emits);
 * 0xffffffff for an instruction it does not model. */
struct seccomp_data;
uint32_t sbc_bpf_run(const struct sock_filter *f, unsigned n, const struct seccomp_data *d);

/* Install prog on the calling thread: seccomp(SECCOMP_SET_MODE_FILTER,
 * prog->flags).  Without no_new_privs the caller needs CAP_SYS_ADMIN. */
int sbc_seccomp_load(const sbc_seccomp_prog *prog, sbc_err *e);

/* Names and bits, for tests and messages. */
const char *sbc_seccomp_arch_name(int bit); /* "SCMP_ARCH_X86_64"..., NULL past the end */
uint32_t sbc_seccomp_goarch_native(void);   /* the bit of the native Go arch name */
/* Write the libseccomp version ("2.5.4") into buf. */
const char *sbc_seccomp_lib_version(char *buf, size_t n);

#endif
