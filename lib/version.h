/* version.h - sbc's version and the versions of the libraries linked in. */
#ifndef SBC_VERSION_H
#define SBC_VERSION_H
#include <stdio.h>

#define SBC_VERSION "0.1.0"
void sbc_version_print(FILE *f);

#endif
