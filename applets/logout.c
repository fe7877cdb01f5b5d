/* logout.c - sbc logout: remove stored registry credentials. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets.h"
#include "registry/auth.h"
#include "base/io.h"
#include "opt.h"
#include "registry/ref.h"

const char logout_usage[] =
    "Usage: sbc-logout [SERVER]\n"
    "\n"
    "Remove the credentials for a registry (default docker.io) from\n"
    "$DOCKER_CONFIG/config.json (default ~/.docker/config.json).\n";

int logout_main(int argc, char **argv)
{
    sbc_opts o;
    sbc_opt_plain(&o, argc, argv, 0, 1);
    const char *s = o.nrest ? o.rest[0] : SBC_DOCKER_DOMAIN;
    const char *p = strstr(s, "://");
    char *d = sbc_xstrdup(p ? p + 3 : s);
    d[strcspn(d, "/")] = 0;
    if (!strcmp(d, "index.docker.io") || !strcmp(d, SBC_DOCKER_API_HOST)) {
        free(d);
        d = sbc_xstrdup(SBC_DOCKER_DOMAIN);
    }
    sbc_err e = {0};
    int rc = sbc_auth_erase(d, &e);
    if (rc < 0) {
        free(d);
        return sbc_err_print(&e);
    }
    if (rc == 1)
        printf("Not logged in to %s\n", d);
    else
        printf("Removing login credentials for %s\n", sbc_auth_key(d));
    free(d);
    return 0;
}
