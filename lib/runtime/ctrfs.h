/* ctrfs.h - a container's files seen from the host, for sbc-cp: the
 * container's root as a dir fd, and copies between two roots that never
 * leave them (the class of CVE-2018-15664 and CVE-2019-14271).
 *
 * The root: a running container's is /proc/PID/root of its init (the pid is
 * checked against its recorded start time after the open); a stopped one's
 * is a detached overlay mount of its layers and upper dir (overlay driver,
 * made under the container's lock, which is held until sbc_ctrfs_close) or
 * its rootfs dir (copy, btrfs).  Nothing of the container runs.
 *
 * Paths are resolved with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
 * against a root fd: an absolute symlink or a "../.." in the container
 * stays in the container.  Past the resolution everything works on fds, one
 * name at a time with O_NOFOLLOW (the tar writer), so a tree swapped while
 * it is copied gives at worst another file of the same container.  Files
 * written are extracted entry by entry, each parent resolved in the
 * destination dir (its root for the copy): a tar cannot leave it.
 */
#ifndef SBC_CTRFS_H
#define SBC_CTRFS_H
#include <stdint.h>
#include <sys/types.h>

#include "base/err.h"
#include "base/tar.h"
#include "runtime/container.h"

typedef struct sbc_ctrfs {
    sbc_container c;
    int root;     /* dir fd of the container's / */
    /* a remapped container (--userns remap): its ids 0..size-1 are
     * uid+n, gid+n on the host (size 0: not remapped) */
    uint32_t uid, gid, size;
    int loaded;   /* c is loaded (to free) */
} sbc_ctrfs;

/* Open the root of the container ref (name, ID or prefix); "No such
 * container: REF" (code 1) when unknown. */
int sbc_ctrfs_open(const char *store_root, const char *ref, sbc_ctrfs *f, sbc_err *e);
void sbc_ctrfs_close(sbc_ctrfs *f);

/* One end of a copy: a root fd (the host's: an fd of "/") and a path in it. */
typedef struct sbc_cp_end {
    int root;
    const char *path;
    const char *name;        /* the container's name for messages; NULL: the host */
    uint32_t uid, gid, size; /* its ids on the host, as in sbc_ctrfs */
} sbc_cp_end;

typedef struct sbc_cp_opts {
    int follow;       /* -L: follow the source if it is a symlink (in its root) */
    int archive;      /* -a: keep the owners of the source */
    uid_t uid;        /* else: the owner given to what is written (as seen */
    gid_t gid;        /* in the destination's root) */
    int nosuid;       /* setuid and setgid bits dropped from what is written */
} sbc_cp_opts;

/* docker cp: src (file, symlink or dir; "DIR/." its contents) to dst (an
 * existing dir: into it; else the new name).  Errors: code 1 for a missing
 * path or a wrong type, 125 for a failure. */
int sbc_cp(const sbc_cp_end *src, const sbc_cp_end *dst, const sbc_cp_opts *o, sbc_err *e);
/* src as a plain tar to out_fd (its top entry named as docker cp names it). */
int sbc_cp_tar_out(const sbc_cp_end *src, const sbc_cp_opts *o, int out_fd, sbc_err *e);
/* A plain tar from in_fd extracted into the dir dst. */
int sbc_cp_tar_in(const sbc_cp_end *dst, const sbc_cp_opts *o, int in_fd, sbc_err *e);
/* The entries of a (decompressed) tar reader extracted into the dir fd dir
 * with the same rules (sbc-build's ADD; ids not shifted). */
int sbc_cp_untar(int dir, sbc_tar_reader *a, const sbc_cp_opts *o, sbc_err *e);

/* openat2(root, path, flags | O_CLOEXEC, RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS), "" being the root itself: -1 with errno. */
int sbc_in_root(int root, const char *path, int flags);

#endif
