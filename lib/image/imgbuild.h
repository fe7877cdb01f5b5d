/* imgbuild.h - making images in the store from layers and a config (shared
 * by init, import, commit and load), the same way lib/image/pull.c writes them:
 * layers unpacked into tmp/ then renamed into layers/<diffhex> (under the
 * layer's lock), their blobs into blobs/sha256, syncfs, then the config and
 * manifest blobs, then images/<id>.json, then the tags, under the store
 * lock.  An interrupted build leaves no image.
 *
 * Blobs: every layer of an image has its blob in blobs/sha256 (pull keeps the
 * compressed blob it downloaded; init/import/commit keep what they wrote;
 * load keeps the layer tar from the archive), so save and push hand out the
 * exact same layer bytes and digests, and save | load keeps the image ID.
 */
#ifndef SBC_IMGBUILD_H
#define SBC_IMGBUILD_H
#include <cjson/cJSON.h>
#include "base/digest.h"
#include "base/err.h"
#include "image/layer.h"
#include "image/store.h"
#include "image/tarw.h"

typedef struct sbc_newlayer {
    char diff_id[SBC_DIGEST_SIZE]; /* sha256 of the uncompressed tar */
    char digest[SBC_DIGEST_SIZE];  /* sha256 of the blob */
    long long size;        /* blob bytes */
    long long diff_size;   /* uncompressed bytes */
    char media_type[96];
} sbc_newlayer;

/* A layer from a directory (overlay format or a plain tree): its tar
 * (o: compression, mtime clamp ...; o->tee_fd is ignored) is stored as the
 * blob and unpacked into layers/<diffhex>, both at once. */
int sbc_build_layer_dir(sbc_store *s, const char *dir, const sbc_tarw_opts *o,
                        sbc_newlayer *out, sbc_err *e);

/* A layer from a stream (tar, gzip or zstd; detected).  The blob kept is the
 * stream as read when it is compressed; a plain tar is stored compressed with
 * compress_plain (SBC_COMP_*; SBC_COMP_NONE keeps it as is).  The tar is
 * extracted with the usual checks (no escapes). */
int sbc_build_layer_stream(sbc_read_fn rd, void *ctx, sbc_store *s, int compress_plain,
                           sbc_newlayer *out, sbc_err *e);

/* The layers of an existing image, from its record (n = img->nlayers). */
int sbc_build_layers_of(const sbc_image *img, sbc_newlayer **out, int *n, sbc_err *e);

/* Write an image: config bytes (kept exactly: the ID is their digest), its
 * layers (blobs and layer dirs must be in the store), an OCI manifest made
 * here, the record, then the tags (normalized "repo:tag", may be NULL/0).
 * repo_digests (may be NULL) are kept in the record.  Takes the store lock
 * for the record and tags; a caller already holding it keeps it (sbc-build:
 * an untagged step image and its build-cache entry under one lock, so no
 * prune sees it untagged and unnamed, image/buildcache.h). */
int sbc_build_image(sbc_store *s, const char *cfg, size_t cfglen, const sbc_newlayer *layers,
                    int n, const char *const *tags, int ntags, char id_out[SBC_DIGEST_SIZE], sbc_err *e);

/* A new config from base (NULL: an empty one for this host's platform) with
 * layers appended to rootfs.diff_ids and one history entry per new layer
 * (created_by, comment); "created" = now.  Caller frees. */
cJSON *sbc_build_config(const cJSON *base, const sbc_newlayer *layers, int n,
                        const char *created_by, const char *comment);

/* Apply a Dockerfile-style change to config["config"]: CMD, ENTRYPOINT
 * (JSON array or shell form), ENV K=V..., WORKDIR, USER, LABEL K=V...,
 * EXPOSE port[/proto], VOLUME, STOPSIGNAL.  -1 + "invalid change ..." */
int sbc_config_change(cJSON *config, const char *change, sbc_err *e);

/* Normalize "repo[:tag]" for tagging ("x" -> "docker.io/library/x:latest");
 * malloc'd or NULL (+ e). Digest references are refused. */
char *sbc_build_tagname(const char *name, sbc_err *e);
/* Check a REPO[:TAG] operand before any work: 0, or -1 with e filled. */
int sbc_build_tagname_ok(const char *name, sbc_err *e);

/* Unique tmp/ name for this process: "tmp/<what>-<pid>-<n>" (static buffer
 * per call: copy it). */
void sbc_build_tmpname(char *buf, size_t n, const char *what);



/* The common end of init/import/commit: base's layers (base may be NULL) +
 * the new ones, base's config + cfg_fields (members copied into
 * config["config"]; JSON null deletes) + author + the -c changes, one
 * history entry per new layer; then sbc_build_image and the tag (tag may be
 * NULL).  id gets the image ID. */
int sbc_build_finish(sbc_store *s, const sbc_image *base, const cJSON *cfg_fields,
                     const sbc_newlayer *nl, int nnew, char *const *changes, int nchanges,
                     const char *created_by, const char *comment, const char *author,
                     const char *tag, char id[SBC_DIGEST_SIZE], sbc_err *e);

/* A container, as commit and export need it (filled from its state dir by
 * sbc_container_for_commit, lib/runtime/commit.h): its image, storage driver, overlay upper dir (its changes, in
 * overlay format), merged root, and the Config fields an image keeps. */
typedef struct sbc_build_ctr {
    char id[SBC_HEX_SIZE];
    sbc_image img;
    char *driver;   /* "overlay", "btrfs", "copy" */
    char *upper;    /* overlay: <dir>/upper */
    char *rootfs;   /* the full root (btrfs, copy) */
    char *cmdline;  /* "Path Args..." for the history */
    cJSON *fields;  /* Cmd, Entrypoint, Env, WorkingDir, User */
    int running;
    /* remapped (--userns=remap): its files' host ids are these + n */
    uint32_t shift_uid, shift_gid, shift_size;
    uint32_t sub_uid, sub_gid, sub_size; /* rootless: subordinate ids as 1.. */
} sbc_build_ctr;
void sbc_build_ctr_free(sbc_build_ctr *c);

/* The layer of a container's changes (commit), whatever its driver, in the
 * same format (o: compression ...; o->exclude: paths left out, e.g. the
 * runtime's bind-mount targets):
 *   overlay   its upper dir (whiteouts and opaque dirs as .wh. entries);
 *             none yet (never started): an empty layer
 *   btrfs     its rootfs compared with the image's read-only subvolume (or,
 *             when that is gone, with the image's layers)
 *   copy      its rootfs compared with the image's layers, top one winning
 * btrfs and copy: Docker's "naive diff" (lib/image/fsdiff.h), staged under tmp/ as
 * an overlay-format tree of links to the changed files, then written like
 * an upper dir. */
int sbc_build_layer_ctr(sbc_store *s, const sbc_build_ctr *c, const sbc_tarw_opts *o,
                        sbc_newlayer *out, sbc_err *e);

/* sbc-export: the flattened root (no whiteouts) of the container ct (its
 * image's layers and its changes), or with ct NULL of the image img, as a
 * tar (o) into the file path (NULL: standard output).  Layers are flattened
 * into a tmp/ dir of the store first; a btrfs or copy container's rootfs is
 * written as it is. */
int sbc_build_export(sbc_store *s, const sbc_build_ctr *ct, const sbc_image *img, const char *path,
                     const sbc_tarw_opts *o, sbc_err *e);


/* A layer unpacked into tmp/ (and its blob), not yet in the store: load
 * stages every candidate of an archive, then installs those its manifest
 * names (after checking their digests) and drops the rest. */
typedef struct sbc_staged {
    char tmpdir[128], tmpblob[140];
    sbc_newlayer l;
    int ok;     /* unpacked; l filled */
    int made;   /* tmp files exist */
} sbc_staged;
int sbc_build_stage_stream(sbc_read_fn rd, void *ctx, sbc_store *s, int compress_plain,
                           sbc_staged *st, sbc_err *e);
int sbc_build_stage_install(sbc_store *s, sbc_staged *st, sbc_err *e);
void sbc_build_stage_drop(sbc_store *s, sbc_staged *st);

#endif
