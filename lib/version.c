#include "version.h"

#include <archive.h>
#include <cjson/cJSON.h>
#include <zlib.h>
#include <zstd.h>

#include "cgroup.h"
#include "rootfs.h"

/* SBC_DEPS_VERSIONS comes from build/deps/VERSIONS (Debian source versions). */
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
    fprintf(f, "storage driver: %s\n", sbc_rootfs_driver_name());
    fprintf(f, "cgroup: %s\n", sbc_cgroup_mode_name());
}
