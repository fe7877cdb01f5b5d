/* copy.h - COPY and ADD of a Dockerfile: sources from a root (the build
 * context, or with --from a stage's or an image's root) written into the
 * root of the image being built, with Docker's rules; and the content digest
 * of the sources, for the build cache.
 *
 * Rules (Docker's / buildah's):
 *  - sources are relative to their root ("/x" and "x" alike); each may be a
 *    glob (Go's filepath.Match, per path element); a glob matching nothing
 *    is an error unless another source matched ("no source files were
 *    specified"); a missing plain source is an error naming it;
 *  - everything is resolved in the source root (openat2 RESOLVE_IN_ROOT):
 *    "../x", an absolute symlink, a ".." symlink never leave it: a symlink
 *    out of the context is followed inside it and ends "not found";
 *  - a source directory copies its contents, not itself; a file to a
 *    dest ending in '/' (or an existing dir, or several sources) goes
 *    into it, else it becomes dest; several sources need a dest dir
 *    (ending in '/'); a relative dest is under WorkingDir; missing parent
 *    dirs are made (0755, owned as --chown says, else 0:0);
 *  - owners: 0:0 unless --chown USER[:GROUP] (names resolved in the
 *    destination root's /etc/passwd and /etc/group, numbers as they are);
 *    modes kept unless --chmod (octal); mtimes kept; symlinks copied as
 *    symlinks (not followed below the top);
 *  - the context's .dockerignore: excluded paths are not sources (neither
 *    matched by globs nor copied below a dir);
 *  - ADD: a local tar archive (plain, gzip, zstd; detected by content) is
 *    extracted into dest (a dir) instead of copied; an http(s) URL is
 *    fetched with sbc's HTTPS client into dest (a name from the URL when
 *    dest ends in '/'), mode 0600, mtime from Last-Modified.
 *  - heredocs: a source "<<NAME" is the instruction's heredoc NAME's body,
 *    a file of mode 0644 (already expanded by the caller).
 */
#ifndef SBC_BUILD_COPY_H
#define SBC_BUILD_COPY_H
#include <stddef.h>

#include "base/digest.h"
#include "base/err.h"
#include "build/dockerfile.h"
#include "build/ignore.h"

typedef struct sbc_copy_req {
    int src_root;               /* dir fd of the sources' root */
    const sbc_ignore *ignore;   /* the context's rules, or NULL (--from) */
    const char *const *srcs;    /* the sources, expanded */
    size_t nsrcs;
    const char *dest;           /* the destination, expanded */
    const char *workdir;        /* WorkingDir of the image ("" or NULL: /) */
    const char *chown;          /* --chown value, or NULL */
    const char *chmod;          /* --chmod value (octal), or NULL */
    int add;                    /* ADD: tars extracted, URLs fetched */
    const sbc_df_heredoc *heredocs; /* the instruction's, for "<<NAME" */
    size_t nheredocs;
} sbc_copy_req;

/* What the sources resolved to (globs expanded, URLs fetched into a temp
 * file), made once and used for the digest and the copy. */
typedef struct sbc_copy_plan sbc_copy_plan;

/* Resolve the sources: errors "COPY failed: file not found in build
 * context: x" (e->code 1), "no source files were specified", a bad --chmod,
 * a failed download ...  tmpdir: where fetched URLs are kept until
 * sbc_copy_free. */
sbc_copy_plan *sbc_copy_plan_make(const sbc_copy_req *r, const char *tmpdir, sbc_err *e);

/* The content digest of the plan's sources ("sha256:<hex>"): every path
 * (relative to its source), type, mode, size, symlink target and the sha256
 * of every file's bytes, in a fixed order; owners and mtimes do not count
 * (as Docker's cache). */
int sbc_copy_digest(const sbc_copy_plan *p, char out[SBC_DIGEST_SIZE], sbc_err *e);

/* Write the sources into dst_root (dir fd of the new image's root; paths
 * resolved in it with RESOLVE_IN_ROOT too).  --chown names are looked up in
 * dst_root's /etc/passwd and /etc/group ("unable to find user NAME: no
 * matching entries in passwd file"). */
int sbc_copy_apply(const sbc_copy_plan *p, int dst_root, sbc_err *e);

void sbc_copy_free(sbc_copy_plan *p);

#endif
