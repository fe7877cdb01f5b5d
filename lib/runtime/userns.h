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
#include "base/subid.h"

typedef struct sbc_userns_range {
    uint32_t uid, gid, size; /* host ids uid.., gid.. are the container's 0.. */
} sbc_userns_range;

/* The range for setting ("default", a user name or a uid); -1 with one
 * line in e when there is no usable entry or it overlaps another user's. */
int sbc_userns_range_for(const char *store_root, const char *setting, sbc_userns_range *r,
                         sbc_err *e);

/* Move the owners of everything under dir (not following links) into the
 * range: id n becomes base + n (ids beyond the range stay as they are);
 * set-id bits and file capabilities, which chown drops, are put back.  For
 * the private copies of the copy and btrfs drivers. */
int sbc_userns_shift_tree(const char *dir, const sbc_userns_range *r, sbc_err *e);

#endif
