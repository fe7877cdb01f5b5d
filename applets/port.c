/* port.c - sbc-port: the published ports of a container. */
#include <stdio.h>
#include <string.h>

#include "applets.h"
#include "base/json.h"
#include "image/store.h"
#include "opt.h"
#include "runtime/container.h"

const char port_usage[] =
    "Usage: sbc-port CONTAINER [PRIVATE_PORT[/PROTO]]\n"
    "\n"
    "List the port mappings of a running container (\"80/tcp -> 0.0.0.0:8080\"),\n"
    "or the host addresses of one of its ports (PROTO: tcp, the default, or\n"
    "udp).  A stopped container has released its ports: nothing is listed.\n";

/* "HostIp:HostPort" of each binding in a, after prefix */
static void bindings(const cJSON *a, const char *prefix)
{
    const cJSON *b;
    cJSON_ArrayForEach(b, a) {
        const char *ip = sbc_json_str(b, "HostIp"), *hp = sbc_json_str(b, "HostPort");
        printf("%s%s:%s\n", prefix, ip ? ip : "0.0.0.0", hp ? hp : "");
    }
}

int port_main(int argc, char **argv)
{
    sbc_opts o;
    sbc_opt_plain(&o, argc, argv, 1, 2);
    char key[64] = "";
    if (o.nrest == 2) {
        const char *arg = o.rest[1], *sl = strchr(arg, '/');
        int port = 0, len = 0;
        if (sscanf(arg, "%d%n", &port, &len) != 1 || port < 1 || port > 65535 ||
            (sl ? sl != arg + len || (strcmp(sl, "/tcp") && strcmp(sl, "/udp")) : arg[len] != 0))
            sbc_usage_error("invalid port: %s (PORT or PORT/tcp|udp)", arg);
        snprintf(key, sizeof key, "%d%s", port, sl ? sl : "/tcp");
    }
    sbc_err e = {0};
    sbc_store st;
    if (sbc_store_open(&st, &e) < 0)
        return sbc_err_print(&e);
    cJSON *j = sbc_container_inspect_json(st.root, o.rest[0], &e);
    sbc_store_close(&st);
    if (!j)
        return sbc_err_print(&e);
    const cJSON *ports = sbc_json_obj(sbc_json_obj(j, "NetworkSettings"), "Ports"), *it;
    int rc = 0;
    if (*key) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(ports, key);
        if (cJSON_GetArraySize(a) > 0) {
            bindings(a, "");
        } else {
            sbc_err_set(&e, 1, "No public port '%s' published for %s", key, o.rest[0]);
            rc = sbc_err_print(&e);
        }
    } else {
        cJSON_ArrayForEach(it, ports) {
            char prefix[96];
            snprintf(prefix, sizeof prefix, "%s -> ", it->string);
            bindings(it, prefix);
        }
    }
    cJSON_Delete(j);
    return rc;
}
