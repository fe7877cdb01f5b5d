/* commit.h - a container as commit and export need it: its image, storage
 * driver, changes and the Config fields an image keeps (sbc_build_ctr,
 * lib/image/imgbuild.h). */
#ifndef SBC_COMMIT_H
#define SBC_COMMIT_H
#include "base/err.h"
#include "image/imgbuild.h"
#include "image/store.h"

/* Find the container REF (ID, prefix or name) under s->root: 1 found (out
 * filled; sbc_build_ctr_free it), 0 no such container, -1 error. */
int sbc_container_for_commit(sbc_store *s, const char *ref, sbc_build_ctr *out, sbc_err *e);

#endif
