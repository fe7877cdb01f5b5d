/* cp.c - sbc-cp: copy files between a container and the host. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "applets.h"
#include "base/config.h"
#include "image/store.h"
#include "opt.h"
#include "runtime/ctrfs.h"

const char cp_usage[] =
    "Usage: sbc-cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n"
    "       sbc-cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH\n"
    "\n"
    "Copy files or directories between a container (running or stopped) and\n"
    "the host, as docker cp does: to an existing directory DEST_PATH the source\n"
    "goes into it, else it gets the name DEST_PATH; SRC_PATH/. copies the\n"
    "contents of a directory.  \"-\" is a tar archive on stdout (out) or stdin\n"
    "(in, extracted into the directory DEST_PATH).  Paths in the container are\n"
    "resolved in its root: its symlinks never lead to the host.  Device files\n"
    "and sockets are not copied.\n"
    "\n"
    "Options:\n"
    "  -a, --archive       keep the owners (uid:gid) of the source; else files\n"
    "                      copied in are root's, copied out the caller's\n"
    "                      (and without their setuid and setgid bits)\n"
    "  -L, --follow-link   follow SRC_PATH if it is a symlink\n";

/* "NAME:PATH" names a container unless it starts like a local path. */
static const char *ctr_split(char *arg, char **path)
{
    char *c = strchr(arg, ':');
    if (!c || arg[0] == '/' || arg[0] == '.' || (strchr(arg, '/') && strchr(arg, '/') < c))
        return NULL;
    *c = 0;
    *path = c + 1;
    return arg;
}

/* A host path made absolute (resolved from the host's / like any path). */
static const char *host_path(const char *p, char *buf, size_t n)
{
    char cwd[PATH_MAX];
    if (p[0] == '/' || !getcwd(cwd, sizeof cwd))
        return p;
    snprintf(buf, n, "%s/%s", cwd, p);
    return buf;
}

int cp_main(int argc, char **argv)
{
    static const sbc_option opts[] = {
        {"archive", 'a', SBC_OPT_NOARG, 'a'}, {"follow-link", 'L', SBC_OPT_NOARG, 'L'}, {0}};
    sbc_cp_opts co = {0};
    sbc_opts o;
    int c;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts)))
        *(c == 'a' ? &co.archive : &co.follow) = sbc_opt_bool(&o);
    sbc_opt_operands(&o, 2, 2);
    char *sp = NULL, *dp = NULL, hb[2 * PATH_MAX];
    const char *sc = ctr_split(o.rest[0], &sp), *dc = ctr_split(o.rest[1], &dp);
    if (sc && dc)
        sbc_usage_error("copying between containers is not supported");
    if (!sc && !dc)
        sbc_usage_error("must specify at least one container source");
    if (!*(sc ? sp : dp))
        sbc_usage_error("%s: an empty path in the container", sc ? sc : dc);
    const char *host = sc ? o.rest[1] : o.rest[0];
    if (!strcmp(host, "-") && sc && isatty(1))
        sbc_usage_error("refusing to write a tar to a terminal: use a redirection");
    sbc_err e = {0};
    sbc_ctrfs f;
    int hroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), rc;
    if (sbc_ctrfs_open(sbc_root_dir(), sc ? sc : dc, &f, &e) < 0 || hroot < 0) {
        rc = -1;
    } else {
        sbc_cp_end ce = {f.root, sc ? sp : dp, sc ? sc : dc, f.uid, f.gid, f.size},
                   he = {hroot, host_path(host, hb, sizeof hb), NULL, 0, 0, 0};
        co.uid = sc ? getuid() : 0;
        co.gid = sc ? getgid() : 0;
        co.nosuid = sc && !co.archive;
        if (!strcmp(host, "-"))
            rc = sc ? sbc_cp_tar_out(&ce, &co, 1, &e) : sbc_cp_tar_in(&ce, &co, 0, &e);
        else
            rc = sc ? sbc_cp(&ce, &he, &co, &e) : sbc_cp(&he, &ce, &co, &e);
    }
    sbc_ctrfs_close(&f);
    if (hroot >= 0)
        close(hroot);
    return rc < 0 ? sbc_err_print(&e) : 0;
}
