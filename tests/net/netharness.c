/* netharness.c - test-only driver of lib/net/net.c for "fake containers"
 * (processes the test starts in their own netns), until sbc-run exists.
 *   netharness setup CID PID STATE_DIR [NETOPTS-JSON]
 *   netharness teardown STATE_DIR
 *   netharness validate NETOPTS-JSON
 *   netharness ports STATE_DIR
 * Built by the e2e scripts with tests/net/build.sh (not part of sbc). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/json.h"
#include "net/net.h"

int main(int argc, char **argv)
{
    sbc_err e = {0};
    sbc_applet = "net";
    if (getenv("SBC_DEBUG"))
        sbc_debug_level = 1;
    if (argc < 3)
        return fprintf(stderr, "usage: netharness setup|teardown|validate|ports ...\n"), 2;
    int r = 0;
    if (!strcmp(argv[1], "setup") && argc >= 5) {
        cJSON *j = NULL;
        if (argc > 5 && !(j = sbc_json_parse(argv[5], strlen(argv[5]), "netopts", &e)))
            return sbc_err_print(&e);
        sbc_netopts o;
        r = sbc_netopts_parse(j, &o, &e);
        if (r == 0)
            r = sbc_net_validate(&o, &e);
        if (r == 0)
            r = sbc_net_setup(argv[2], atoi(argv[3]), NULL, argv[4], &o, &e);
        sbc_netopts_free(&o);
        cJSON_Delete(j);
    } else if (!strcmp(argv[1], "teardown")) {
        r = sbc_net_teardown(argv[2], &e);
    } else if (!strcmp(argv[1], "validate")) {
        cJSON *j = sbc_json_parse(argv[2], strlen(argv[2]), "netopts", &e);
        sbc_netopts o;
        r = j && sbc_netopts_parse(j, &o, &e) == 0 ? sbc_net_validate(&o, &e) : -1;
        if (j && r == 0)
            sbc_netopts_free(&o);
        cJSON_Delete(j);
    } else if (!strcmp(argv[1], "ports")) {
        char *s = sbc_net_ports_string(argv[2]);
        puts(s);
        free(s);
    } else {
        return fprintf(stderr, "netharness: bad arguments\n"), 2;
    }
    return r < 0 ? sbc_err_print(&e) : 0;
}
