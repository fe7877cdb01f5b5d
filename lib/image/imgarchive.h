/* imgarchive.h - image archives: save and load.
 *
 * Docker format (default for save): what `docker save` (25+) writes, which
 * is at once a Docker archive and an OCI image layout:
 *   manifest.json   [{"Config":"blobs/sha256/<cfg>","RepoTags":[..],
 *                     "Layers":["blobs/sha256/<diffid>",..]}]
 *   repositories    {"busybox":{"latest":"<top diffid hex>"}}
 *   blobs/sha256/<cfg>      the config, byte for byte (same image ID)
 *   blobs/sha256/<diffid>   each layer as an uncompressed tar (its digest is
 *                           its diff ID), decompressed from the stored blob
 *   oci-layout, index.json, blobs/sha256/<manifest> (uncompressed media types)
 * OCI format (--format oci): oci-layout, index.json (annotations
 * org.opencontainers.image.ref.name = the tag, io.containerd.image.name =
 * the full name), and the stored manifest, config and layer blobs as they
 * are (compressed, same digests).
 *
 * Load reads either (also the old Docker layout <id>/layer.tar with
 * symlinked duplicates, and a gzip/zstd compressed archive), streaming: each
 * file that is not JSON is unpacked as a layer candidate into tmp/ as it
 * passes; at the end the manifest decides which candidates are layers; each
 * is checked (blob digest = its blobs/sha256 name, diff ID = the config's)
 * before anything enters the store.  Member names escaping the archive,
 * names the manifest gives that are not in it, digest mismatches: refused.
 */
#ifndef SBC_IMGARCHIVE_H
#define SBC_IMGARCHIVE_H
#include "base/err.h"
#include "image/store.h"

enum { SBC_ARCHIVE_DOCKER = 0, SBC_ARCHIVE_OCI = 1 };

int sbc_save(sbc_store *s, char *const *names, int n, int format, int out_fd, sbc_err *e);

/* Loaded images: their tags ("docker.io/library/x:latest") or, untagged,
 * their IDs, each printed by the caller. */
typedef struct sbc_loaded {
    char **names;
    int n;
} sbc_loaded;
int sbc_load(sbc_store *s, int in_fd, sbc_loaded *out, sbc_err *e);
void sbc_loaded_free(sbc_loaded *l);

#endif
