/* ref.h - image references, Docker rules.
 *
 *   alpine                      -> docker.io/library/alpine:latest
 *   user/app:1.0                -> docker.io/user/app:1.0
 *   127.0.0.1:5000/busybox      -> 127.0.0.1:5000/busybox:latest
 *   localhost/x@sha256:<64hex>  -> digest only (tag NULL)
 *   name:tag@sha256:<64hex>     -> both (the digest is what gets pulled)
 *
 * The first path component is a registry host when it contains '.' or ':'
 * or is "localhost".  Repository path components follow distribution-spec
 * ([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*), tags [A-Za-z0-9_][A-Za-z0-9._-]{0,127},
 * digests sha256:<64 lowercase hex>.  "index.docker.io" is folded to
 * "docker.io".  Errors have code SBC_EXIT_FAIL (125).
 */
#ifndef SBC_REF_H
#define SBC_REF_H
#include "base/err.h"

#define SBC_DOCKER_DOMAIN "docker.io"
#define SBC_DOCKER_API_HOST "registry-1.docker.io"

typedef struct sbc_ref {
    char *domain; /* "docker.io", "127.0.0.1:5000" */
    char *path;   /* "library/alpine" */
    char *tag;    /* "latest", or NULL when only a digest was given */
    char *digest; /* "sha256:<hex>", or NULL */
} sbc_ref;

/* Parse s into r (all fields malloc'd).  A reference with neither tag nor
 * digest gets tag "latest".  On error r is left zeroed. */
int sbc_ref_parse(const char *s, sbc_ref *r, sbc_err *e);
void sbc_ref_free(sbc_ref *r);
/* Deep copy; returns 0 (allocation failure aborts). */
int sbc_ref_copy(sbc_ref *dst, const sbc_ref *src);

/* "docker.io/library/alpine:latest", "...:tag@sha256:..", "...@sha256:.." */
char *sbc_ref_string(const sbc_ref *r);
/* "docker.io/library/alpine" */
char *sbc_ref_repo(const sbc_ref *r);
/* Familiar form for display: "alpine", "user/app", "127.0.0.1:5000/busybox"
 * (no tag/digest).  Use with sbc_ref_familiar_string for "alpine:latest". */
char *sbc_ref_familiar(const sbc_ref *r);
/* Familiar form with ":tag" and/or "@digest": "alpine:latest". */
char *sbc_ref_familiar_string(const sbc_ref *r);
/* The host to talk to for the API: docker.io -> registry-1.docker.io,
 * else the domain itself (host[:port]).  Returns a static or r-owned
 * string, do not free. */
const char *sbc_ref_api_host(const sbc_ref *r);

/* Validators (1 = valid). */
int sbc_ref_valid_tag(const char *tag);
int sbc_ref_valid_path(const char *path);

#endif
