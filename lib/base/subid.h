/* subid.h - subordinate ids (/etc/subuid, /etc/subgid) and the set-uid
 * helpers newuidmap/newgidmap: what remapped containers (root) and
 * rootless containers and stores (an ordinary user) need of them. */
#ifndef SBC_SUBID_H
#define SBC_SUBID_H
#include <stdint.h>
#include "base/err.h"

#define SBC_USERNS_SIZE 65536u

/* One line of /etc/subuid or /etc/subgid: "name-or-uid:start:count". */
typedef struct sbc_subid {
    char owner[64];
    uint64_t start, count;
} sbc_subid;
/* All entries of path (none when it does not exist), malloc'd; *n of them. */
sbc_subid *sbc_subid_list(const char *path, int *n);
/* The entry is user's (by name, or by uid as text when uidstr). */
int sbc_subid_owner_is(const sbc_subid *s, const char *user, const char *uidstr);

/* Rootless: the first /etc/subuid (file) entry of the user (by name or
 * uid), at most 65535 ids; 0 when there is none. */
int sbc_userns_subids(const char *file, const char *user, unsigned uid, uint32_t *start, uint32_t *count);
/* The set-uid helper (newuidmap, newgidmap) when installed, else NULL. */
const char *sbc_userns_helper(const char *name);
/* Rootless: the helpers are installed and the user has /etc/subuid and
 * /etc/subgid entries: *uid, *gid and the shorter *count; else 0. */
int sbc_userns_subranges(uint32_t *uid, uint32_t *gid, uint32_t *count);
/* Run helper name ("newuidmap"/"newgidmap") for pid with n lines of
 * "container host size" (lines[i][0..2]); 0, or the helper's exit code
 * (127: not installed or not run), -1 when it could not be started. */
int sbc_userns_run_helper(const char *name, int pid, const uint32_t (*lines)[3], int n);

/* Rootless with subordinate ids: an fd of the user's "holder" namespace,
 * a user namespace whose 0 is the user's own id and 1.. its subordinate
 * ids (the map of its containers).  A small process (named sbc-userns,
 * recorded in SBC_ROOT/userns.pid) holds it; the first use makes it with
 * newuidmap/newgidmap (each ~6 ms here: an exec of a set-uid program),
 * later ones join it, and it ends after a minute without use.  Podman's
 * rootless pause process plays the same part.  -1 with e. */
int sbc_userns_holder(sbc_err *e);
/* Rootless: run fn(arg, e) as root of the holder namespace (in a child
 * process), so files owned by the user's subordinate ids can be read,
 * chowned and removed; without subordinate ranges, fn runs here as the
 * user.  fn's result: 0, or -1 with its message in e. */
int sbc_userns_mapped(int (*fn)(void *arg, sbc_err *e), void *arg, sbc_err *e);
/* sbc_userns_mapped of sbc_rm_rf(path). */
int sbc_userns_rm_rf(const char *path, sbc_err *e);

#endif
