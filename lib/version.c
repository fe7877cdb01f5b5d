#include "version.h"

#include <archive.h>
#include <cjson/cJSON.h>
#include <zlib.h>
#include <zstd.h>

#include "cgroup.h"
#include "rootfs.h"

/* From build/deps/VERSIONS (the Makefile): the Debian source revisions
 * bootstrap.sh built, one "package revision[ (note)]" a line, lines joined
 * with '|'. */
#ifndef SBC_DEPS_VERSIONS
#define SBC_DEPS_VERSIONS ""
#endif
#ifndef SBC_DEPS_BEARSSL
#define SBC_DEPS_BEARSSL "unknown"
#endif
#ifndef SBC_GIT
#define SBC_GIT "unknown"
#endif

void sbc_version_print(FILE *f)
{
    fprintf(f, "sbc version %s (git %s)\n", SBC_VERSION, SBC_GIT);
    fprintf(f, "  BearSSL    %s\n", SBC_DEPS_BEARSSL);
    fprintf(f, "  libarchive %s\n", archive_version_string() + sizeof "libarchive");
    fprintf(f, "  zlib       %s\n", zlibVersion());
    fprintf(f, "  zstd       %s\n", ZSTD_versionString());
    fprintf(f, "  cJSON      %s\n", cJSON_Version());
    if (*SBC_DEPS_VERSIONS) {
        fputs("built from Debian source packages:\n  ", f);
        for (const char *p = SBC_DEPS_VERSIONS; *p; p++)
            fputs(*p == '|' ? (p[1] ? "\n  " : "") : (char[2]){*p, 0}, f);
        fputc('\n', f);
    }
    fprintf(f, "storage driver: %s\n", sbc_rootfs_driver_name());
    fprintf(f, "cgroup: %s\n", sbc_cgroup_mode_name());
}
