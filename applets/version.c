/* version.c - sbc version: the version of sbc and of the libraries in it. */
#include <cjson/cJSON.h>
#include <seccomp.h>
#include <stdio.h>
#include <unistd.h>

#include "base/config.h"
#include <zlib.h>
#include <zstd.h>

#include "applets.h"
#include "opt.h"
#include "base/version.h"
#include "image/rootfs.h"
#include "net/net.h"
#include "runtime/cgroup.h"

const char version_usage[] =
    "Usage: sbc-version\n"
    "\n"
    "Show the sbc version, the versions of the libraries built in\n"
    "(BearSSL, ISA-L, zlib, zstd, cJSON, libseccomp) and the storage driver.\n";

/* From build/deps/VERSIONS (the Makefile): the Debian source revisions
 * bootstrap.sh built, one "package revision[ (note)]" a line, lines joined
 * with '|'. */
#ifndef SBC_DEPS_VERSIONS
#define SBC_DEPS_VERSIONS ""
#endif
#ifndef SBC_DEPS_BEARSSL
#define SBC_DEPS_BEARSSL "unknown"
#endif
#ifndef SBC_DEPS_ISAL
#define SBC_DEPS_ISAL "unknown"
#endif
#ifndef SBC_GIT
#define SBC_GIT "unknown"
#endif

void sbc_version_print(FILE *f)
{
    fprintf(f, "sbc version %s (git %s)\n", SBC_VERSION, SBC_GIT);
    fprintf(f, "  BearSSL    %s\n", SBC_DEPS_BEARSSL);
    fprintf(f, "  ISA-L      %s (inflate)\n", SBC_DEPS_ISAL);
    fprintf(f, "  zlib       %s (deflate)\n", zlibVersion());
    fprintf(f, "  zstd       %s\n", ZSTD_versionString());
    fprintf(f, "  cJSON      %s\n", cJSON_Version());
    const struct scmp_version *sv = seccomp_version();
    if (sv)
        fprintf(f, "  libseccomp %u.%u.%u\n", sv->major, sv->minor, sv->micro);
    if (*SBC_DEPS_VERSIONS) {
        fputs("built from Debian source packages:\n  ", f);
        for (const char *p = SBC_DEPS_VERSIONS; *p; p++)
            fputs(*p == '|' ? (p[1] ? "\n  " : "") : (char[2]){*p, 0}, f);
        fputc('\n', f);
    }
    char driver[SBC_ROOTFS_LABEL_MAX];
    fprintf(f, "storage driver: %s\n", sbc_rootfs_driver_name(driver, sizeof driver));
    if (sbc_rootless()) {
        char ctrls[256];
        const char *base = sbc_cgroup_rootless_base(ctrls, sizeof ctrls);
        if (base)
            fprintf(f, "cgroup: v2, delegated /%s (controllers: %s)\n", base, *ctrls ? ctrls : "none");
        else
            fprintf(f, "cgroup: none (no v2 subtree delegated to uid %u: no limits)\n", (unsigned)geteuid());
        fprintf(f, "device control: none needed (an ordinary user's namespace cannot open host devices)\n");
        fprintf(f, "network: %s by default\n", sbc_net_user_default());
    } else {
        fprintf(f, "cgroup: %s\n", sbc_cgroup_mode_name());
        fprintf(f, "device control: %s\n", sbc_cgroup_devices_how());
    }
    if (sbc_rootless())
        fprintf(f, "mode: rootless (uid %u): store %s, config %s\n", (unsigned)geteuid(), sbc_root_dir(),
                sbc_config_dir());
    else
        fprintf(f, "mode: root: store %s, config %s\n", sbc_root_dir(), sbc_config_dir());
}

int version_main(int argc, char **argv)
{
    sbc_opts o;
    static const sbc_option opts[] = {{0}};
    sbc_opts_init(&o, argc, argv, 0);
    while (sbc_opt_next(&o, opts))
        ;
    sbc_opt_operands(&o, 0, 0);
    sbc_version_print(stdout);
    return 0;
}
