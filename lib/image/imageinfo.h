/* imageinfo.h - image listing and inspection helpers shared by applets. */
#ifndef SBC_IMAGEINFO_H
#define SBC_IMAGEINFO_H
#include <cjson/cJSON.h>
#include "base/err.h"
#include "image/store.h"

/* The Docker-like inspect object of an image (Id, RepoTags, RepoDigests,
 * Created, Size, Os, Architecture, Config, RootFS, Manifest, Layers,
 * GraphDriver), or NULL ("No such image: x", errnum ENOENT). */
cJSON *sbc_image_inspect_json(sbc_store *s, const char *name, sbc_err *e);

#endif
