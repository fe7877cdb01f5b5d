/* caps.h - Linux capabilities: names, Docker's default set, applying a set. */
#ifndef SBC_CAPS_H
#define SBC_CAPS_H
#include <stdint.h>
#include "base/err.h"

/* Docker's default 14 capabilities as a bit mask. */
uint64_t sbc_caps_default(void);
/* Every capability sbc knows and this process holds (--privileged). */
uint64_t sbc_caps_all(void);
/* "CAP_NET_ADMIN", "net_admin" or "ALL" -> bit number (ALL: 64); -1 unknown. */
int sbc_cap_from_name(const char *name);
const char *sbc_cap_name(int cap);
/* Keep only `bounding` in the bounding set, clear ambient, set
 * permitted = effective = perm (a subset), inheritable = 0.  Call after the
 * uid change (with PR_SET_KEEPCAPS set before it). */
int sbc_caps_drop_bounding(uint64_t bounding, sbc_err *e);
int sbc_caps_set(uint64_t perm, sbc_err *e);
/* OCI's sets: effective, permitted, inheritable as given, then ambient
 * raised (each must be permitted and inheritable). */
int sbc_caps_set3(uint64_t eff, uint64_t prm, uint64_t inh, uint64_t amb, sbc_err *e);

#endif
