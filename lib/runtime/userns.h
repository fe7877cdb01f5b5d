/* userns.h - the host ids of remapped containers (--userns=remap, or
 * "userns-remap" in $SBC_CONFIG_DIR/config.json).
 *
 * A remapped container runs in a user namespace whose ids 0..65535 are a
 * range of host ids that no one else uses: its root is an unprivileged
 * user on the host.  The range comes from /etc/subuid and /etc/subgid for a
 * named user (Docker's "dockremap" style), or, for "default", from a range
 * sbc allocates once per store above every listed one and records in
 * SBC_ROOT/userns.json. */
#ifndef SBC_USERNS_H
#define SBC_USERNS_H
#include <stdint.h>
#include "base/err.h"

#define SBC_USERNS_SIZE 65536u

typedef struct sbc_userns_range {
    uint32_t uid, gid, size; /* host ids uid.., gid.. are the container's 0.. */
} sbc_userns_range;

/* The range for setting ("default", a user name or a uid); -1 with one
 * line in e when there is no usable entry or it overlaps another user's. */
int sbc_userns_range_for(const char *store_root, const char *setting, sbc_userns_range *r,
                         sbc_err *e);

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

/* Rootless: remove path (recursively) as root of a user namespace with
 * the user's own id and subordinate ranges, so files a container's other
 * users made (owned by subordinate ids) go too; without ranges, as the
 * user.  0, or -1 with e. */
int sbc_userns_rm_rf(const char *path, sbc_err *e);

/* Move the owners of everything under dir (not following links) into the
 * range: id n becomes base + n (ids beyond the range stay as they are);
 * set-id bits and file capabilities, which chown drops, are put back.  For
 * the private copies of the copy and btrfs drivers. */
int sbc_userns_shift_tree(const char *dir, const sbc_userns_range *r, sbc_err *e);

#endif
