/* rename.c - sbc-rename: give a container another name. */
#include <stdio.h>

#include "applets.h"
#include "opt.h"
#include "runtime/container.h"

const char rename_usage[] =
    "Usage: sbc-rename CONTAINER NEW_NAME\n"
    "\n"
    "Rename a container, running or not.  NEW_NAME matches\n"
    "[a-zA-Z0-9][a-zA-Z0-9_.-]* and is not another container's.\n";

static int rename_one(const char *root, const char *ref, sbc_container *ct, void *arg, sbc_err *e)
{
    (void)ref;
    return sbc_container_rename(root, ct, arg, e);
}

int rename_main(int argc, char **argv)
{
    sbc_opts o;
    sbc_opt_plain(&o, argc, argv, 2, 2);
    return sbc_container_each(o.rest, 1, rename_one, o.rest[1]);
}
