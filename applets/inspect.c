/* inspect.c - sbc-inspect: JSON about containers (and images). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "applets.h"
#include "runtime/container.h"
#include "image/imageinfo.h"
#include "base/json.h"
#include "opt.h"
#include "image/store.h"

const char inspect_usage[] =
    "Usage: sbc-inspect [OPTIONS] NAME [NAME...]\n"
    "\n"
    "Print details of containers or images as JSON: a container of that name\n"
    "or ID first, else an image.\n"
    "\n"
    "Options:\n"
    "      --type container|image  look only for that kind of object\n";

int inspect_main(int argc, char **argv)
{
    static const sbc_option opts[] = {{"type", 0, SBC_OPT_ARG, 1}, {0}};
    sbc_opts o;
    int c;
    const char *type = NULL;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        type = o.arg;
        if (strcmp(type, "container") && strcmp(type, "image"))
            sbc_usage_error("invalid --type: %s (container or image)", type);
    }
    sbc_opt_operands(&o, 1, -1);
    sbc_err e = {0};
    sbc_store st;
    if (sbc_store_open(&st, &e) < 0)
        return sbc_err_print(&e);
    int rc = 0;
    for (int i = 0; i < o.nrest; i++) {
        cJSON *j = NULL;
        if (!type || !strcmp(type, "container"))
            j = sbc_container_inspect_json(st.root, o.rest[i], &e);
        if (!j && (!type || !strcmp(type, "image"))) {
            /* not a container: an image (lib/image/imageinfo.c) */
            sbc_err_clear(&e);
            j = sbc_image_inspect_json(&st, o.rest[i], &e);
            if (!j && !type && e.errnum == ENOENT)
                sbc_err_set(&e, 0, "No such object: %s", o.rest[i]);
        }
        if (!j) {
            rc = sbc_err_print(&e);
            continue;
        }
        cJSON *arr = cJSON_CreateArray();
        cJSON_AddItemToArray(arr, j);
        sbc_json_print(stdout, arr);
        cJSON_Delete(arr);
    }
    sbc_store_close(&st);
    return rc ? 1 : 0;
}
