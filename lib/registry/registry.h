/* registry.h - OCI distribution (registry API v2) client: auth, manifests,
 * blobs.
 *
 * Usage (pull):
 *   sbc_registry *g = sbc_registry_open(&ref, "pull", &e);
 *   sbc_manifest_result m;
 *   sbc_registry_get_manifest(g, ref.digest ? ref.digest : ref.tag, NULL, &m, &e);
 *   ... parse m.body (the image manifest for the chosen platform) ...
 *   long long total;
 *   sbc_blob *b = sbc_registry_blob_open(g, layer_digest, 0, &total, &e);
 *   while ((n = sbc_blob_read(b, buf, sizeof buf, &e)) > 0) ...  (n < 0: error)
 *   sbc_blob_close(b);
 *   sbc_manifest_result_free(&m);
 *   sbc_registry_close(g);
 *
 * Threads: one sbc_registry may be shared by several threads calling
 * sbc_registry_blob_open/sbc_blob_read concurrently; each blob has its own
 * connection; the auth token is mutex-protected.  get_manifest is to be
 * called from one thread at a time.
 *
 * Errors read like "127.0.0.1:5000/busybox:nope: manifest unknown",
 * "docker.io/library/x: access denied", "toomanyrequests: ...".
 * Credentials come from Docker's config.json (lib/registry/auth.h); mirrors and
 * insecure registries from $SBC_CONFIG_DIR/config.json (lib/base/config.h).
 */
#ifndef SBC_REGISTRY_H
#define SBC_REGISTRY_H
#include <sys/types.h>
#include "base/digest.h"
#include "base/err.h"
#include "registry/http.h"
#include "base/io.h"
#include "base/mediatype.h"
#include "registry/ref.h"


#define SBC_MANIFEST_MAX (4 << 20) /* bytes; larger manifests are refused */

typedef struct sbc_registry sbc_registry;

typedef struct sbc_manifest_result {
    sbc_buf body;                          /* the image manifest (JSON, verified) */
    char media_type[128];                  /* SBC_MT_OCI_MANIFEST or SBC_MT_DOCKER_MANIFEST */
    char digest[SBC_DIGEST_LEN + 1];       /* digest of body */
    char repo_digest[SBC_DIGEST_LEN + 1];  /* top-level: the index/list digest when
                                              multi-arch, else == digest */
    char platform[64];                     /* "linux/amd64", "linux/arm64/v8" chosen
                                              ("" when the top level was a manifest) */
} sbc_manifest_result;

/* Open a client for r's repository.  actions: "pull" or "pull,push" (the
 * token scope).  Does no network I/O yet (auth happens lazily on the first
 * 401).  NULL on error (e.g. unreadable config). */
sbc_registry *sbc_registry_open(const sbc_ref *r, const char *actions, sbc_err *e);
void sbc_registry_close(sbc_registry *g);

/* Use these credentials instead of those from Docker's config.json
 * (user NULL = anonymous). */
void sbc_registry_set_credentials(sbc_registry *g, const char *user, const char *pass);
/* Ping /v2/ and authenticate with the current credentials (used by login to
 * verify them).  0 or -1 ("HOST: unauthorized: ..."). */
int sbc_registry_ping(sbc_registry *g, sbc_err *e);

/* Fetch the manifest for tag_or_digest.  When it is an index/list, choose
 * the entry for platform ("os/arch[/variant]", NULL = host platform),
 * skipping attestations, and fetch that manifest.  Verifies
 * Docker-Content-Digest and the sha256 of each body (against the requested
 * digest / index entry).  Refuses schema 1 and manifests over
 * SBC_MANIFEST_MAX.  out is zeroed first; free with
 * sbc_manifest_result_free. */
int sbc_registry_get_manifest(sbc_registry *g, const char *tag_or_digest,
                              const char *platform, sbc_manifest_result *out,
                              sbc_err *e);
void sbc_manifest_result_free(sbc_manifest_result *m);

/* The host platform as "linux/amd64" or "linux/arm64/v8" (static). */
const char *sbc_host_platform(void);

/* Streaming blob download.  offset > 0 asks for "Range: bytes=offset-"
 * (resume); if the registry ignores it (200 instead of 206) the body starts
 * at 0: check sbc_blob_offset().  *total_size (may be NULL) gets the full
 * blob size if known, else -1.  Follows redirects (dropping Authorization
 * on other hosts). */
typedef struct sbc_blob sbc_blob;
sbc_blob *sbc_registry_blob_open(sbc_registry *g, const char *digest, long long offset,
                                 long long *total_size, sbc_err *e);
/* The offset the body actually starts at: the requested offset after a
 * 206, 0 when the server sent the whole blob (200). */
long long sbc_blob_offset(const sbc_blob *b);
/* Read up to n bytes: >0 bytes, 0 at the end, -1 on error (including a
 * body cut short: "...: unexpected EOF"). */
ssize_t sbc_blob_read(sbc_blob *b, void *buf, size_t n, sbc_err *e);
void sbc_blob_close(sbc_blob *b);

/* WWW-Authenticate parsing (exposed for tests): the first challenge of
 * hdr, scheme "Bearer" or "Basic"; params malloc'd or NULL.  0 or -1. */
typedef struct sbc_challenge {
    char scheme[16];
    char *realm, *service, *scope, *error;
} sbc_challenge;
int sbc_challenge_parse(const char *hdr, sbc_challenge *c);
void sbc_challenge_free(sbc_challenge *c);

/* Registry error JSON ({"errors":[{"code":"MANIFEST_UNKNOWN","message":..}]})
 * to "manifest unknown" / "toomanyrequests: ..." into out; 0, or -1 when
 * body holds no such JSON. */
int sbc_registry_error_text(const char *body, size_t len, char *out, size_t n);

/* ---- for push (lib/image/push.c) ----
 * An authenticated request: path "/v2/..." (or an absolute URL, e.g. an
 * upload Location); body (may be NULL; PUT/POST/PATCH then send an empty
 * one) with extra headers.  Redirects are not followed.  Returns the
 * status (response to be read from h) or -1. */
int sbc_registry_request(sbc_registry *g, sbc_http *h, const char *method, const char *path,
                         const char *const *headers, const void *body, size_t len, sbc_err *e);
/* Also ask token servers for this scope ("repository:other/repo:pull"), for
 * cross-repository blob mounts; NULL clears. */
void sbc_registry_set_extra_scope(sbc_registry *g, const char *scope);
/* Read an error response from h into e as "what: <registry's message>". */
int sbc_registry_fail(sbc_http *h, const char *what, sbc_err *e);
/* "https://host[:port]" in use. */
const char *sbc_registry_base(sbc_registry *g);

#endif
