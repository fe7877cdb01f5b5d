/* rmi.c - sbc-rmi: remove images, and the layers and blobs no other image needs. */
#include <stdio.h>

#include "applets.h"
#include "base/digest.h"
#include "opt.h"
#include "image/store.h"
#include "runtime/container.h"

const char rmi_usage[] =
    "Usage: sbc-rmi [OPTIONS] IMAGE [IMAGE...]\n"
    "\n"
    "Remove one or more images.  A name with other tags is only untagged.\n"
    "Layers and blobs that no other image uses are deleted.\n"
    "\n"
    "Options:\n"
    "  -f, --force   remove even when containers use the image (untag only)\n";

static int rmi_one(sbc_store *s, const char *name, int force, sbc_err *e)
{
    sbc_image img;
    if (sbc_image_lookup(s, name, &img, e) < 0)
        return -1;
    char who[SBC_HEX_SIZE];
    int used = sbc_container_using_image(s->root, img.id, who, sizeof who, e);
    sbc_image_removal r = {0};
    int rc = used < 0 ? -1 : sbc_image_remove(s, name, &img, used ? who : NULL, force, &r, e);
    for (size_t i = 0; i < r.nuntagged; i++)
        printf("Untagged: %s\n", r.untagged[i]);
    if (r.deleted)
        printf("Deleted: %s\n", img.id);
    sbc_image_removal_free(&r);
    sbc_image_free(&img);
    return rc;
}

int rmi_main(int argc, char **argv)
{
    static const sbc_option opts[] = {{"force", 'f', SBC_OPT_NOARG, 'f'}, {0}};
    int force = 0, c;
    sbc_opts o;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts)))
        if (c == 'f')
            force = sbc_opt_bool(&o);
    sbc_opt_operands(&o, 1, -1);
    sbc_err e = {0};
    sbc_store s;
    if (sbc_store_open(&s, &e) < 0 || sbc_store_lock(&s, &e) < 0)
        return sbc_err_print(&e);
    int rc = 0;
    for (int i = 0; i < o.nrest; i++) {
        sbc_err_clear(&e);
        if (rmi_one(&s, o.rest[i], force, &e) < 0) {
            sbc_err_print(&e);
            rc = 1; /* as docker rmi */
        }
    }
    sbc_store_close(&s);
    return rc;
}
