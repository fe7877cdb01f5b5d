/* licenses.h - the license texts carried inside the binary: sbc's own
 * (LICENSE, Apache-2.0) and those of every library linked into it
 * (THIRD-PARTY), gzip-compressed at build time (`sbc --licenses`). */
#ifndef SBC_LICENSES_H
#define SBC_LICENSES_H
#include <stdio.h>

#include "base/err.h"

/* Write the texts to f; -1 with e set when they are not in this build or
 * cannot be written. */
int sbc_licenses_print(FILE *f, sbc_err *e);

#endif
