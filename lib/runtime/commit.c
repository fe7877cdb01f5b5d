/* commit.c - a container's state read for commit and export (the image
 * side, lib/image/imgbuild.h, turns it into a layer and an image). */
#include "runtime/commit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/io.h"
#include "base/json.h"
#include "runtime/container.h"

int sbc_container_for_commit(sbc_store *s, const char *ref, sbc_build_ctr *out, sbc_err *e)
{
    memset(out, 0, sizeof *out);
    sbc_container c;
    sbc_err e2 = {0};
    if (sbc_container_open(s->root, ref, &c, &e2) < 0) {
        if (e2.errnum == ENOENT)
            return 0;
        *e = e2;
        return -1;
    }
    int rc = -1;
    snprintf(out->id, sizeof out->id, "%s", c.id);
    const char *iid = sbc_json_str(c.config, "ImageID");
    const char *drv = sbc_json_str(c.config, "Driver");
    cJSON *gd = sbc_json_obj(sbc_json_obj(c.config, "GraphDriver"), "Data");
    if (!iid) {
        sbc_err_set(e, 0, "container %.12s: no image recorded", c.id);
        goto out;
    }
    if (sbc_image_lookup(s, iid, &out->img, e) < 0) {
        sbc_err_wrap(e, "container %.12s", c.id);
        goto out;
    }
    out->driver = drv ? sbc_xstrdup(drv) : sbc_xstrdup("overlay");
    const cJSON *un = sbc_json_obj(c.config, "Userns");
    if (un) {
        out->shift_uid = (uint32_t)sbc_json_int(un, "UidBase", 0);
        out->shift_gid = (uint32_t)sbc_json_int(un, "GidBase", 0);
        out->shift_size = (uint32_t)sbc_json_int(un, "Size", 0);
        out->sub_uid = (uint32_t)sbc_json_int(un, "SubUidBase", 0);
        out->sub_gid = (uint32_t)sbc_json_int(un, "SubGidBase", 0);
        out->sub_size = (uint32_t)sbc_json_int(un, "SubSize", 0);
    }
    const char *up = sbc_json_str(gd, "UpperDir");
    out->upper = up ? sbc_xstrdup(up) : sbc_xasprintf("%s/upper", c.dir);
    const char *mg = sbc_json_str(gd, "MergedDir");
    out->rootfs = mg ? sbc_xstrdup(mg) : sbc_xasprintf("%s/rootfs", c.dir);
    cJSON *cc = sbc_json_obj(c.config, "Config");
    out->fields = cJSON_CreateObject();
    static const char *const keep[] = {"Cmd", "Entrypoint", "Env", "WorkingDir", "User", "Healthcheck", NULL};
    for (int i = 0; keep[i]; i++) {
        cJSON *v = cJSON_GetObjectItemCaseSensitive(cc, keep[i]);
        /* empty values: the image's stay */
        if (!v || cJSON_IsNull(v) || (cJSON_IsArray(v) && !cJSON_GetArraySize(v)) ||
            (cJSON_IsString(v) && !*v->valuestring))
            continue;
        cJSON *d = cJSON_Duplicate(v, 1);
        if (!strcmp(keep[i], "Env")) /* the runtime's own, not the image's */
            for (int k = cJSON_GetArraySize(d) - 1; k >= 0; k--) {
                cJSON *x = cJSON_GetArrayItem(d, k);
                if (cJSON_IsString(x) && !strncmp(x->valuestring, "HOSTNAME=", 9))
                    cJSON_DeleteItemFromArray(d, k);
            }
        cJSON_AddItemToObject(out->fields, keep[i], d);
    }
    const char *path = sbc_json_str(c.config, "Path");
    sbc_buf b = {0};
    sbc_buf_adds(&b, path ? path : "");
    cJSON *a;
    cJSON_ArrayForEach(a, sbc_json_arr(c.config, "Args"))
        if (cJSON_IsString(a))
            sbc_buf_printf(&b, " %s", a->valuestring);
    out->cmdline = b.data ? b.data : sbc_xstrdup("");
    out->running = sbc_container_running(&c);
    rc = 1;
out:
    sbc_container_free(&c);
    if (rc < 0)
        sbc_build_ctr_free(out);
    return rc;
}

