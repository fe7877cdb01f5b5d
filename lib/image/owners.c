/* owners.c - a rootless pull's layer gets the image's owners (see
 * layer.h: sbc_layer_apply_owners).
 *
 * An ordinary user cannot chown to other ids, so extraction keeps the
 * owner the image gives a file or dir beside it (user.sbc.owner, "uid:gid").
 * When the user has subordinate ids, the tree is walked once as root of a
 * user namespace with the map its containers get (0 = the user, 1.. = the
 * subordinate ids): every recorded owner is applied with a real chown, the
 * mode put back (chown drops set-id bits) and the xattr removed, so the
 * containers see the image's owners and the files describe themselves. */
#include "image/layer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/io.h"
#include "base/subid.h"

#define OWNER_XATTR "user.sbc.owner"

/* Apply the recorded owner of dfd/name (st its lstat), if any. */
static int apply_one(int dfd, const char *name, const struct stat *st, void *arg, sbc_err *e)
{
    (void)arg;
    char p[64 + NAME_MAX], v[32];
    snprintf(p, sizeof p, "/proc/self/fd/%d/%s", dfd, name);
    ssize_t n = lgetxattr(p, OWNER_XATTR, v, sizeof v - 1);
    if (n < 0)
        return errno == ENODATA || errno == ENOTSUP ? 0 : sbc_err_sys(e, "read the owner of %s", name);
    v[n] = 0;
    unsigned u, g;
    char tail;
    if (sscanf(v, "%u:%u%c", &u, &g, &tail) != 2)
        return sbc_err_set(e, 0, "bad recorded owner \"%s\" of %s", v, name);
    /* ids beyond the map cannot be given: the file stays root's here, as
     * in a container without those ids */
    if (fchownat(dfd, name, u, g, AT_SYMLINK_NOFOLLOW) < 0 && errno != EINVAL)
        return sbc_err_sys(e, "chown %s to %u:%u", name, u, g);
    if (!S_ISLNK(st->st_mode) && (st->st_mode & 07000) && fchmodat(dfd, name, st->st_mode & 07777, 0) < 0)
        return sbc_err_sys(e, "chmod %s", name);
    if (lremovexattr(p, OWNER_XATTR) < 0 && errno != ENODATA)
        return sbc_err_sys(e, "remove the recorded owner of %s", name);
    return 0;
}

static int apply_tree(void *arg, sbc_err *e)
{
    int root = open(arg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (root < 0)
        return sbc_err_sys(e, "open %s", (const char *)arg);
    int rc = sbc_walk_below(root, apply_one, NULL, e);
    close(root);
    return rc;
}

int sbc_layer_apply_owners(const char *dir, sbc_err *e)
{
    uint32_t su, sg, n;
    if (geteuid() == 0 || !sbc_userns_subranges(&su, &sg, &n))
        return 0; /* (root chowns as it extracts; one id only: nothing to give) */
    return sbc_userns_mapped(apply_tree, (void *)dir, e);
}
