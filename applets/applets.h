/* applets.h - declarations generated from applets.def. */
#ifndef SBC_APPLETS_H
#define SBC_APPLETS_H

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

#endif
