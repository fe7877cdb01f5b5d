/* copy.h - COPY and ADD of a Dockerfile: sources from a root (the build
 * context, or with --from a stage's or an image's root) written into the
 * root of the image being built, with Docker's rules; and the content digest
 * of the sources, for the build cache.
 *
 * Rules (Docker's / buildah's; buildah 1.28 checked where they differ):
 *  - sources are relative to their root ("/x" and "x" alike, "../x" is
 *    "x": cleaned as Go's path.Clean("/" + x)); each may be a glob (Go's
 *    filepath.Match, per path element, sorted); a glob matching nothing is
 *    an error only when no source at all matched ("COPY failed: no source
 *    files were specified"); a missing plain source is an error naming it
 *    ("COPY failed: file not found in build context or excluded by
 *    .dockerignore: stat x: file does not exist", e->code 1);
 *  - everything is resolved in the source root (openat2 RESOLVE_IN_ROOT):
 *    "../x", an absolute symlink, a ".." symlink never leave it: a symlink
 *    out of the context is followed inside it and ends "not found"; the
 *    top of a source is followed (a symlink to a file copies the file),
 *    below it symlinks are copied as symlinks;
 *  - a source directory copies its contents, not itself (the dest dir made
 *    if missing, merged into if there); a file to a dest ending in '/' or
 *    "." (or an existing dir) goes into it, else it becomes dest (what is
 *    there is replaced; a dir there is an error); several sources (after
 *    the globs) need a dest ending in '/' (Docker's error "When using COPY
 *    with more than one source file, the destination must be a directory
 *    and end with a /"; buildah would make the dir); a relative dest is
 *    under WorkingDir; missing dirs of dest are made 0755, owned as
 *    --chown says (else 0:0), never chmod'ed (buildah); the destination's
 *    own symlinks are followed inside its root (a dangling one on the way
 *    is an error);
 *  - owners: 0:0 unless --chown USER[:GROUP] (names resolved in the
 *    destination root's /etc/passwd and /etc/group; a user name alone
 *    takes its primary group, a uid alone the same number as gid);
 *    --chmod (octal, at most 07777) sets every file and dir copied (not
 *    the made dirs); else modes are kept, setuid/setgid included (Docker;
 *    buildah strips them); mtimes kept (dirs too); hardlinks inside a
 *    source are copied as separate files; devices, fifos and sockets of a
 *    source are skipped;
 *  - the context's .dockerignore: excluded paths are not sources (neither
 *    matched by globs nor copied below a dir, nor counted in the digest);
 *    an excluded dir that an exception may re-include is walked;
 *  - ADD: a local tar archive (plain, gzip, zstd; detected by content: its
 *    start reads as a tar entry) is extracted into dest (a dir) instead of
 *    copied, with the archive's owners and modes (even with --chown, which
 *    applies to the made dirs: buildah), through sbc_cp_untar's rules (no
 *    entry leaves dest: "../" names are an error, symlinks resolve inside
 *    dest); an http(s) URL is fetched with sbc's HTTP client at plan time
 *    into dest (dest/NAME when dest ends in '/', NAME the URL path's last
 *    element), mode 0600 (or --chmod), mtime from Last-Modified;
 *  - heredocs: a source "<<NAME" (or "<<-NAME") is the instruction's heredoc
 *    NAME's body (expanded by the caller), a file NAME in a dest dir or dest
 *    itself, mode 0644 (or --chmod) (BuildKit's rules; buildah 1.28 has no
 *    COPY heredocs).
 * Bounds: at most 256 directory levels below a source (an error past it);
 * a dest of at most PATH_MAX bytes.
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
 * context or excluded by .dockerignore: stat x: file does not exist"
 * (e->code 1), "COPY failed: no source files were specified", several
 * sources to a dest not ending in '/', a bad --chmod, an unknown heredoc,
 * a failed download ("ADD URL: HTTP status 404") ...  tmpdir: where fetched
 * URLs are kept until sbc_copy_free (NULL: /tmp).  r and what it points to
 * need not outlive the call (the plan keeps copies), but src_root and
 * ignore must stay open until sbc_copy_free. */
sbc_copy_plan *sbc_copy_plan_make(const sbc_copy_req *r, const char *tmpdir, sbc_err *e);

/* The content digest of the plan's sources ("sha256:<hex>"): per source
 * its kind and name, then every path below it (relative to the source,
 * sorted, .dockerignore applied), type and mode, size, symlink target and
 * the sha256 of every file's bytes; a URL's bytes' sha256; a heredoc's body.
 * Owners and mtimes do not count (as Docker's cache), nor dest, --chown or
 * --chmod (the caller's key has the instruction's text).  Reads the
 * sources again: call it right before sbc_copy_apply. */
int sbc_copy_digest(const sbc_copy_plan *p, char out[SBC_DIGEST_SIZE], sbc_err *e);

/* Write the sources into dst_root (dir fd of the new image's root; paths
 * resolved in it with RESOLVE_IN_ROOT too).  --chown names are looked up in
 * dst_root's /etc/passwd and /etc/group ("unable to find user NAME: no
 * matching entries in passwd file"). */
int sbc_copy_apply(const sbc_copy_plan *p, int dst_root, sbc_err *e);

void sbc_copy_free(sbc_copy_plan *p);

#endif
