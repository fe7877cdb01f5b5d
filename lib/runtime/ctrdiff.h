/* ctrdiff.h - sbc-diff: a container's changes against its image, as
 * Docker lists them (A added, C changed, D deleted; sorted by path).
 *
 * overlay: its upper dir walked: a 0/0 char device (whiteout) is D; an
 * entry the image's layers have (top layer first, a whiteout there meaning
 * gone) is C, else A, and everything below an added dir is A.  A dir is C
 * when anything below it changed (it is in the upper dir), as Docker's
 * mtime check finds it.  btrfs and copy: Docker's naive diff
 * (image/fsdiff.h) staged under the store's tmp/ in the same format, then
 * walked alike.  The runtime's bind-mount targets (etc/hostname, etc/hosts,
 * etc/resolv.conf) are left out, as commit leaves them.
 */
#ifndef SBC_CTRDIFF_H
#define SBC_CTRDIFF_H
#include "base/err.h"
#include "image/store.h"

typedef struct sbc_change {
    char kind;  /* 'A', 'C' or 'D' */
    char *path; /* "/etc/x" */
} sbc_change;

/* The changes of container ref, sorted (malloc'd; sbc_changes_free).
 * "No such container: REF" (ENOENT) when unknown. */
int sbc_container_diff(sbc_store *s, const char *ref, sbc_change **out, int *n, sbc_err *e);
void sbc_changes_free(sbc_change *c, int n);

#endif
