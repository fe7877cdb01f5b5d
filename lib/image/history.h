/* history.h - sbc-history: an image's build steps, newest first.
 *
 * From the config's "history" entries; each one without "empty_layer"
 * owns the next layer (bottom first), whose size is the sum of its files'
 * sizes as unpacked (Docker's layer size).  Layers no entry owns (a config
 * without history, or one whose history is shorter) get rows of their own,
 * oldest first.
 */
#ifndef SBC_HISTORY_H
#define SBC_HISTORY_H
#include "base/err.h"
#include "image/store.h"

typedef struct sbc_hist_row {
    const char *created, *created_by, *comment; /* in img->config; "" when unset */
    long long size;                               /* bytes of its layer, 0 for none */
} sbc_hist_row;

/* The rows of img, newest first (malloc'd array; valid while img is). */
int sbc_image_history(const sbc_image *img, sbc_hist_row **rows, int *n, sbc_err *e);

#endif
