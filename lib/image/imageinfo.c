#include "image/imageinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/json.h"
#include "image/rootfs.h"

cJSON *sbc_image_inspect_json(sbc_store *s, const char *name, sbc_err *e)
{
    sbc_image img;
    if (sbc_image_lookup(s, name, &img, e) < 0)
        return NULL;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "Id", img.id);
    cJSON *tags = sbc_store_tags(s, NULL);
    cJSON_AddItemToObject(o, "RepoTags", sbc_store_names_of(tags, img.id, 0));
    cJSON_Delete(tags);
    cJSON *rd = sbc_json_arr(img.record, "RepoDigests");
    cJSON_AddItemToObject(o, "RepoDigests", rd ? cJSON_Duplicate(rd, 1) : cJSON_CreateArray());
    sbc_json_add_str(o, "Created", sbc_json_str(img.config, "created"));
    cJSON_AddNumberToObject(o, "Size", (double)sbc_json_int(img.record, "Size", 0));
    sbc_json_add_str(o, "Os", sbc_json_str(img.config, "os"));
    sbc_json_add_str(o, "Architecture", sbc_json_str(img.config, "architecture"));
    if (sbc_json_str(img.config, "variant"))
        cJSON_AddStringToObject(o, "Variant", sbc_json_str(img.config, "variant"));
    cJSON *c = sbc_json_obj(img.config, "config");
    cJSON_AddItemToObject(o, "Config", c ? cJSON_Duplicate(c, 1) : cJSON_CreateObject());
    cJSON *rf = sbc_json_obj(img.config, "rootfs");
    cJSON_AddItemToObject(o, "RootFS", rf ? cJSON_Duplicate(rf, 1) : cJSON_CreateObject());
    sbc_json_add_str(o, "Manifest", sbc_json_str(img.record, "Manifest"));
    cJSON *ls = sbc_json_arr(img.record, "Layers");
    cJSON_AddItemToObject(o, "Layers", ls ? cJSON_Duplicate(ls, 1) : cJSON_CreateArray());
    cJSON *gd = cJSON_AddObjectToObject(o, "GraphDriver");
    /* the store's driver: what a container made now would use */
    char label[SBC_ROOTFS_LABEL_MAX];
    cJSON_AddStringToObject(gd, "Name", sbc_rootfs_driver_label(s->root, label, sizeof label));
    cJSON *dirs = cJSON_AddArrayToObject(gd, "LayerDirs");
    for (int i = 0; i < img.nlayers; i++)
        cJSON_AddItemToArray(dirs, cJSON_CreateString(img.layer_dirs[i]));
    if (img.nlayers && sbc_rootfs_driver(s->root) == SBC_ROOTFS_BTRFS) {
        /* its flattened read-only subvolume, once a container was made */
        char *sv = sbc_rootfs_btrfs_image(s->root, (const char **)img.layer_dirs, img.nlayers);
        struct stat st;
        if (lstat(sv, &st) == 0 && S_ISDIR(st.st_mode))
            cJSON_AddStringToObject(gd, "Subvolume", sv);
        free(sv);
    }
    sbc_image_free(&img);
    return o;
}
