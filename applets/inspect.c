/* inspect.c - sbc-inspect: JSON about containers (and images). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "applets.h"
#include "runtime/container.h"
#include "image/imageinfo.h"
#include "base/json.h"
#include "listfmt.h"
#include "opt.h"
#include "image/store.h"

const char inspect_usage[] =
    "Usage: sbc-inspect [OPTIONS] NAME [NAME...]\n"
    "\n"
    "Print details of containers or images as JSON: a container of that name\n"
    "or ID first, else an image.\n"
    "\n"
    "Options:\n"
    "  -f, --format FORMAT         a Go template run on each object, e.g.\n"
    "                              {{.State.Status}}, {{json .Config}},\n"
    "                              {{index .Config.Labels \"k\"}} ('json': {{json .}})\n"
    "      --type container|image  look only for that kind of object\n";

int inspect_main(int argc, char **argv)
{
    static const sbc_option opts[] = {{"format", 'f', SBC_OPT_ARG, 'f'}, {"type", 0, SBC_OPT_ARG, 1}, {0}};
    sbc_opts o;
    int c;
    const char *type = NULL, *format = NULL;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        if (c == 'f') {
            format = !strcmp(o.arg, "json") ? "{{json .}}" : o.arg;
            continue;
        }
        type = o.arg;
        if (strcmp(type, "container") && strcmp(type, "image"))
            sbc_usage_error("invalid --type: %s (container or image)", type);
    }
    sbc_fmt fm;
    sbc_fmt_init(&fm, format, NULL);
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
        if (format) {
            /* an error in the template: nothing printed, as Docker */
            int r = sbc_fmt_row(&fm, j, &e);
            cJSON_Delete(j);
            if (r < 0) {
                sbc_store_close(&st);
                sbc_fmt_free(&fm);
                return sbc_err_print(&e);
            }
            continue;
        }
        cJSON *arr = cJSON_CreateArray();
        cJSON_AddItemToArray(arr, j);
        sbc_json_print(stdout, arr);
        cJSON_Delete(arr);
    }
    sbc_store_close(&st);
    sbc_fmt_end(&fm);
    return rc ? 1 : 0;
}
