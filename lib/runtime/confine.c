/* confine.c - keyring + seccomp for the spawn engine (see confine.h). */
#include "runtime/confine.h"

#include <stdio.h>
#include <string.h>

#include "runtime/keyring.h"

int sbc_confine_prepare(sbc_confine *c, const char *id, const sbc_seccomp_profile *profile,
                        int unconfined, uint64_t caps, sbc_err *e)
{
    memset(c, 0, sizeof *c);
    if (id && *id)
        snprintf(c->keyring, sizeof c->keyring, "_ses.%.64s", id);
    if (unconfined)
        return 0;
    return sbc_seccomp_prepare(profile, caps, &c->prog, e);
}

int sbc_confine_enter(const sbc_confine *c, sbc_err *e)
{
    if (c->keyring[0] && sbc_keyring_new_session(c->keyring, e) < 0)
        return -1;
    if (c->prog.len && sbc_seccomp_load(&c->prog, e) < 0)
        return -1;
    return 0;
}

void sbc_confine_free(sbc_confine *c)
{
    sbc_seccomp_prog_free(&c->prog);
}
