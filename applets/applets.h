/* applets.h - declarations generated from applets.def. */
#ifndef SBC_APPLETS_H
#define SBC_APPLETS_H
#include <stdio.h>

#define APPLET(name, summary) \
    int name##_main(int argc, char **argv); \
    extern const char name##_usage[];
#include "applets.def"
#undef APPLET

struct sbc_applet_entry {
    const char *name;
    const char *summary;
    int (*main)(int, char **);
    const char *usage;
};
extern const struct sbc_applet_entry sbc_applets[];
extern const int sbc_napplets;

/* sbc --version and sbc-version (applets/version.c) */
void sbc_version_print(FILE *f);

#endif
