/* tag.c - sbc-tag: give an image another name. */
#include <stdio.h>
#include <stdlib.h>

#include "applets.h"
#include "opt.h"
#include "registry/ref.h"
#include "image/store.h"

const char tag_usage[] =
    "Usage: sbc-tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]\n"
    "\n"
    "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE.\n";

int tag_main(int argc, char **argv)
{
    sbc_opts o;
    sbc_opt_plain(&o, argc, argv, 2, 2);
    sbc_err e = {0};
    sbc_ref r;
    if (sbc_ref_parse(o.rest[1], &r, &e) < 0)
        return sbc_err_print(&e);
    if (!r.tag || r.digest) {
        sbc_ref_free(&r);
        sbc_usage_error("%s: the target must be NAME[:TAG] without a digest", o.rest[1]);
    }
    sbc_store s;
    sbc_image img;
    if (sbc_image_open(&s, o.rest[0], &img, &e) < 0)
        return sbc_ref_free(&r), sbc_err_print(&e);
    char *full = sbc_ref_string(&r);
    int rc = sbc_store_lock(&s, &e) < 0 || sbc_store_tag_set(&s, full, img.id, &e) < 0 ? sbc_err_print(&e) : 0;
    free(full);
    sbc_image_free(&img);
    sbc_store_close(&s);
    sbc_ref_free(&r);
    return rc;
}
