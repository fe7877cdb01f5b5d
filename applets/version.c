/* version.c - sbc version: the version of sbc and of the libraries in it. */
#include <stdio.h>

#include "applets.h"
#include "lib/opt.h"
#include "lib/version.h"

const char version_usage[] =
    "Usage: sbc-version\n"
    "\n"
    "Show the sbc version, the versions of the libraries built in\n"
    "(BearSSL, libarchive, zlib, zstd, cJSON) and the storage driver.\n";

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
