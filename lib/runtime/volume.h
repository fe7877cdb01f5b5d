/* volume.h - named and anonymous volumes, Docker's "local" driver.
 *
 * $SBC_ROOT/volumes/NAME/_data        the files (0755 root; a remapped
 *                                     container's root owns a new one)
 * $SBC_ROOT/volumes/NAME/volume.json  Name, Driver, CreatedAt, Labels,
 *                                     Options, Anonymous
 * A container records the volumes it uses in config.json's Mounts (Type
 * "volume", Name): that is what "in use" reads.
 */
#ifndef SBC_VOLUME_H
#define SBC_VOLUME_H
#include <cjson/cJSON.h>
#include "base/err.h"

#define SBC_VOLUME_NAME_MAX 128

/* 1 if name matches [a-zA-Z0-9][a-zA-Z0-9_.-]* (at most 128 bytes). */
int sbc_volume_name_ok(const char *name);
/* Create the volume name (NULL: an anonymous one with a generated 64-hex
 * name); name_out (SBC_VOLUME_NAME_MAX + 1 bytes) gets the name.  An
 * existing volume is kept as it is: returns 0 then, 1 when made. */
int sbc_volume_create(const char *root, const char *name, const char *const *labels, int nlabels,
                      char *name_out, sbc_err *e);
/* "<root>/volumes/NAME/_data" (malloc'd). */
char *sbc_volume_data(const char *root, const char *name);
/* Docker's inspect object (Name, Driver, Mountpoint, CreatedAt, Labels,
 * Scope, Options); "No such volume: NAME" (ENOENT) when there is none. */
cJSON *sbc_volume_inspect(const char *root, const char *name, sbc_err *e);
/* 1 if volume.json marks it anonymous. */
int sbc_volume_anonymous(const cJSON *vol);
/* The names of every volume, sorted (free with sbc_names_free). */
int sbc_volume_list(const char *root, char ***names, size_t *n, sbc_err *e);
/* A container whose Mounts name the volume: 1 (its ID into who), 0, -1. */
int sbc_volume_users(const char *root, const char *name, char *who, size_t n, sbc_err *e);
/* Remove an unused volume ("volume is in use - [ID]" otherwise, code 1);
 * *bytes (may be NULL) gets the size of what was removed. */
int sbc_volume_remove(const char *root, const char *name, unsigned long long *bytes, sbc_err *e);
/* 1 if the directory dir has no entries (or cannot be read). */
int sbc_volume_empty(const char *dir);
/* Docker's copy-up: fill the empty dir data with what the image (its
 * layer dirs, bottom first) has at path: each layer's path opened without
 * following any symlink (a layer where a component is one is left out),
 * so nothing outside the layers is read; modes, owners, symlinks and
 * whiteouts as sbc_rootfs_copy_layers keeps them.  0 when the image has
 * nothing there. */
int sbc_volume_copy_up(const char *data, const char *const *layers, int n, const char *path, sbc_err *e);
/* sbc-rm -v: remove the anonymous volumes in a container's config.json
 * Mounts (named ones, and ones another container uses, stay). */
void sbc_volume_drop_anonymous(const char *root, const cJSON *config);
/* --rm: the anonymous volumes named in names (one a line, what create
 * wrote to the container's anon-volumes), each unless another container's
 * config.json names it.  No cJSON: the monitor calls it. */
void sbc_volume_drop_names(const char *root, const char *names);

#endif
