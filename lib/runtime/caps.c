/* caps.c - capability names and the capset/bounding-set dance. */
#include "runtime/caps.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

static const char *const names[] = {
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
    "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
    "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
    "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
    "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
    "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};
#define NCAPS (int)(sizeof names / sizeof names[0])

uint64_t sbc_caps_default(void)
{
    static const int d[] = {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD,
                            CAP_NET_RAW, CAP_SETGID, CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP,
                            CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE};
    uint64_t m = 0;
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
        m |= 1ULL << d[i];
    return m;
}

uint64_t sbc_caps_all(void)
{
    /* what this process holds: capset can give no more (a host or an outer
     * container may lack some, e.g. SYS_RESOURCE) */
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    if (syscall(SYS_capget, &h, d) < 0)
        return 0;
    uint64_t m = (uint64_t)d[0].permitted | (uint64_t)d[1].permitted << 32, known = 0;
    int user = geteuid() != 0;
    for (int i = 0; i < 64 && strcmp(sbc_cap_name(i), "?"); i++) {
        known |= 1ULL << i;
        /* rootless: the root of the container's user namespace gets every
         * capability of the bounding set there (over that namespace only) */
        if (user && prctl(PR_CAPBSET_READ, i, 0, 0, 0) == 1)
            m |= 1ULL << i;
    }
    return m & known;
}

int sbc_cap_from_name(const char *name)
{
    if (!strncasecmp(name, "CAP_", 4))
        name += 4;
    if (!strcasecmp(name, "ALL"))
        return 64;
    for (int i = 0; i < NCAPS; i++)
        if (!strcasecmp(name, names[i]))
            return i;
    return -1;
}

const char *sbc_cap_name(int cap)
{
    return cap >= 0 && cap < NCAPS ? names[cap] : "?";
}

int sbc_caps_drop_bounding(uint64_t bounding, sbc_err *e)
{
    for (int c = 0; c < 64; c++) {
        if (bounding & (1ULL << c))
            continue;
        if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
            if (errno == EINVAL)
                break; /* past the kernel's last capability: so are the rest */
            return sbc_err_sys(e, "drop capability %d from the bounding set", c);
        }
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return sbc_err_sys(e, "clear ambient capabilities");
    return 0;
}

int sbc_caps_set(uint64_t perm, sbc_err *e)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    d[0].permitted = d[0].effective = (uint32_t)perm;
    d[1].permitted = d[1].effective = (uint32_t)(perm >> 32);
    if (syscall(SYS_capset, &h, d) < 0)
        return sbc_err_sys(e, "capset");
    return 0;
}

int sbc_caps_set3(uint64_t eff, uint64_t prm, uint64_t inh, uint64_t amb, sbc_err *e)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    for (int i = 0; i < 2; i++) {
        d[i].effective = (uint32_t)(eff >> 32 * i);
        d[i].permitted = (uint32_t)(prm >> 32 * i);
        d[i].inheritable = (uint32_t)(inh >> 32 * i);
    }
    if (syscall(SYS_capset, &h, d) < 0)
        return sbc_err_sys(e, "capset");
    for (int c = 0; c < 64; c++)
        if ((amb & (1ULL << c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
            return sbc_err_sys(e, "raise the ambient capability CAP_%s", sbc_cap_name(c));
    return 0;
}
