/* version.h - sbc's version (sbc --version, applets/version.c, adds the
 * libraries linked in, the storage driver and the cgroup mode). */
#ifndef SBC_VERSION_H
#define SBC_VERSION_H

#define SBC_VERSION "0.1.0"

#endif
