/* diff.c - sbc-diff: a container's file system changes against its image. */
#include <stdio.h>

#include "applets.h"
#include "image/store.h"
#include "opt.h"
#include "runtime/ctrdiff.h"

const char diff_usage[] =
    "Usage: sbc-diff CONTAINER\n"
    "\n"
    "List the changed files and directories of a container's file system\n"
    "against its image: A added, C changed, D deleted.  The files the runtime\n"
    "mounts (/etc/hostname, /etc/hosts, /etc/resolv.conf) are not listed.\n";

int diff_main(int argc, char **argv)
{
    sbc_opts o;
    sbc_opt_plain(&o, argc, argv, 1, 1);
    sbc_err e = {0};
    sbc_store st;
    if (sbc_store_open(&st, &e) < 0)
        return sbc_err_print(&e);
    sbc_change *c;
    int n;
    int rc = sbc_container_diff(&st, o.rest[0], &c, &n, &e);
    sbc_store_close(&st);
    if (rc < 0) {
        e.code = 1;
        return sbc_err_print(&e);
    }
    for (int i = 0; i < n; i++)
        printf("%c %s\n", c[i].kind, c[i].path);
    sbc_changes_free(c, n);
    return 0;
}
