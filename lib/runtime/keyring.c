/* keyring.c - join a per-container session keyring (raw keyctl(2)). */
#include "runtime/keyring.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/keyctl.h>

#define KEY_USR_SEARCH 0x00080000u /* linux/key.h, not in the UAPI headers */

int sbc_keyring_new_session(const char *name, sbc_err *e)
{
    long id = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name);
    if (id < 0) {
        if (errno == ENOSYS || errno == EPERM || errno == EACCES)
            return 0;
        return sbc_err_sys(e, "join session keyring %s", name);
    }
    /* a new keyring is possessor-only; let its owner uid search it too,
     * like runc (the description is "type;uid;gid;perm;name", perm in hex) */
    char desc[256];
    long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof desc);
    if (n < 0)
        return sbc_err_sys(e, "describe session keyring %s", name);
    desc[sizeof desc - 1] = 0;
    const char *p = desc;
    for (int f = 0; f < 3 && p; f++)
        if ((p = strchr(p, ';')))
            p++;
    char *end;
    unsigned long perm = p ? strtoul(p, &end, 16) : 0;
    if (!p || *end != ';')
        return sbc_err_set(e, SBC_EXIT_FAIL, "session keyring %s: unexpected description \"%.64s\"", name, desc);
    if (!(perm & KEY_USR_SEARCH) && syscall(SYS_keyctl, KEYCTL_SETPERM, id, perm | KEY_USR_SEARCH) < 0)
        return sbc_err_sys(e, "set permissions of session keyring %s", name);
    return (int)id;
}
