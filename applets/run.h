/* run.h - the option parsing run.c shares with create.c. */
#ifndef SBC_APPLET_RUN_H
#define SBC_APPLET_RUN_H
#include "runtime/container.h"
#include "runtime/launch.h"
#include "image/store.h"

typedef struct run_cli {
    sbc_create_opts o;
    int detach;
    const char *cidfile, *pull;
} run_cli;

void sbc_run_parse(int argc, char **argv, run_cli *r);
/* Pull when needed, create the container, write the cidfile. */
int sbc_run_create(run_cli *r, sbc_container *c, sbc_store *st, sbc_err *e);

#endif
