/* fuzz_seccomp.c - hostile seccomp profiles (Docker's JSON format and OCI's
 * linux.seccomp) through sbc_seccomp_parse, then, when small, compiled with
 * libseccomp for two capability sets (never loaded).
 *
 * Invariants: a rejected profile has a one-line message; an accepted one
 * keeps the parser's bounds (rules, names and their length, argument index
 * and op, actions, errno ranges); a compiled program is 1..BPF_MAXINSNS
 * instructions, and a failed compile also says why in one line. */
#include "fuzz_common.h"
#include "runtime/caps.h"
#include "runtime/seccomp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sbc_seccomp_profile *p = NULL;
    sbc_err e = {0};
    if (sbc_seccomp_parse((const char *)data, size, &p, &e) < 0) {
        FUZZ_ASSERT(p == NULL, "rejected profile returned");
        FUZZ_ASSERT(e.msg[0] && !strchr(e.msg, '\n'), "rejected without a one-line message: %s", e.msg);
        return 0;
    }
    FUZZ_ASSERT(p && p->owned, "no profile");
    FUZZ_ASSERT(p->default_action >= SBC_SCMP_ACT_KILL_PROCESS && p->default_action <= SBC_SCMP_ACT_ALLOW,
                "default action %d", p->default_action);
    FUZZ_ASSERT(p->nrules <= SBC_SECCOMP_MAX_RULES, "%u rules", p->nrules);
    unsigned names = 0;
    for (unsigned i = 0; i < p->nrules; i++) {
        const sbc_seccomp_rule *r = &p->rules[i];
        FUZZ_ASSERT(r->action >= SBC_SCMP_ACT_KILL_PROCESS && r->action <= SBC_SCMP_ACT_ALLOW, "action %d",
                    r->action);
        FUZZ_ASSERT(r->errno_ret >= -1 && r->errno_ret <= 0xffff, "errno %d", r->errno_ret);
        FUZZ_ASSERT(r->nargs <= SBC_SECCOMP_MAX_ARGS, "%d args", r->nargs);
        for (int a = 0; a < r->nargs; a++)
            FUZZ_ASSERT(r->args[a].index <= 5 && r->args[a].op >= SBC_SCMP_CMP_NE &&
                            r->args[a].op <= SBC_SCMP_CMP_MASKED_EQ,
                        "arg %d: index %d op %d", a, r->args[a].index, r->args[a].op);
        for (unsigned k = 0; k < r->nnames; k++) {
            size_t n = strlen(r->names[k]);
            FUZZ_ASSERT(n > 0 && n <= SBC_SECCOMP_MAX_NAME, "name of %zu bytes", n);
        }
        names += r->nnames;
    }
    FUZZ_ASSERT(names <= SBC_SECCOMP_MAX_NAMES, "%u names", names);
    /* compiling costs milliseconds: only small profiles */
    if (names <= 24) {
        const uint64_t sets[2] = {sbc_caps_default(), ~0ULL};
        for (int s = 0; s < 2; s++) {
            sbc_seccomp_prog prog;
            sbc_err ce = {0};
            if (sbc_seccomp_compile(p, sets[s], s ? UINT32_MAX : (4u << 16 | 8), &prog, &ce) == 0) {
                FUZZ_ASSERT(prog.len >= 1 && prog.len <= BPF_MAXINSNS && prog.insns, "program of %u", prog.len);
                sbc_seccomp_prog_free(&prog);
            } else {
                FUZZ_ASSERT(ce.msg[0] && !strchr(ce.msg, '\n'), "compile failed without a message");
            }
        }
    }
    sbc_seccomp_free(p);
    return 0;
}
