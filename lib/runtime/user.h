/* user.h - strict parsing of user and group ids ("-u", an image's User,
 * "--group-add", sbc-exec's "-u").
 *
 * A numeric id is decimal digits only, 0..SBC_ID_MAX.  The bound is
 * 2^31-1, as runc's user package and containerd (after CVE-2024-40635)
 * use: uid_t is 32 bits, but 4294967295 is (uid_t)-1, the "leave it
 * unchanged" value of setresuid/chown (a container asking for it would stay
 * root), 4294967296 and above wrap to 0 in a 32-bit cast, and ids >= 2^31
 * are negative wherever an id travels as an int (user namespace maps,
 * tools, file systems), so no legitimate setup uses them. */
#ifndef SBC_USER_H
#define SBC_USER_H
#include <stdint.h>
#include "base/err.h"

#define SBC_ID_MAX 2147483647u

/* 1 when s looks numeric (an optional sign, then digits only): it is then
 * an id, never a name, and must pass sbc_id_parse. */
int sbc_id_numeric(const char *s);
/* s: decimal digits only, value <= SBC_ID_MAX -> *id, 0; else -1. */
int sbc_id_parse(const char *s, uint32_t *id);
/* Check "user[:group]" before anything is made: numeric parts in range,
 * no empty part, at most one ':', no control characters.  what: "user" or
 * "group" (for --group-add, which takes one group). */
int sbc_user_check(const char *spec, const char *what, sbc_err *e);

#endif
