/* images.c - sbc-images: list the images in the store. */
#include <stdio.h>
#include <string.h>

#include "applets.h"
#include "base/digest.h"
#include "base/json.h"
#include "base/time.h"
#include "opt.h"
#include "image/store.h"

const char images_usage[] =
    "Usage: sbc-images [OPTIONS] [REPOSITORY[:TAG]]\n"
    "\n"
    "List images: REPOSITORY TAG IMAGE ID CREATED SIZE.\n"
    "\n"
    "Options:\n"
    "  -a, --all             show all images (the default)\n"
    "      --digests         show digests\n"
    "      --format string   'json': one JSON object per line\n"
    "      --no-trunc        don't truncate the image ID\n"
    "  -q, --quiet           only image IDs\n";

int images_main(int argc, char **argv)
{
    enum { O_DIGESTS = 256, O_FORMAT, O_NOTRUNC, O_QUIET = 'q', O_ALL = 'a' };
    static const sbc_option opts[] = {
        {"all", 'a', SBC_OPT_NOARG, O_ALL},
        {"digests", 0, SBC_OPT_NOARG, O_DIGESTS},
        {"format", 0, SBC_OPT_ARG, O_FORMAT},
        {"no-trunc", 0, SBC_OPT_NOARG, O_NOTRUNC},
        {"quiet", 'q', SBC_OPT_NOARG, O_QUIET},
        {0},
    };
    int digests = 0, json = 0, notrunc = 0, quiet = 0, c;
    sbc_opts o;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        switch (c) {
        case O_DIGESTS: digests = sbc_opt_bool(&o); break;
        case O_FORMAT:
            if (strcmp(o.arg, "json"))
                sbc_usage_error("--format: only 'json' is supported");
            json = 1;
            break;
        case O_NOTRUNC: notrunc = sbc_opt_bool(&o); break;
        case O_QUIET: quiet = sbc_opt_bool(&o); break;
        }
    }
    sbc_opt_operands(&o, 0, 1);
    sbc_err e = {0};
    sbc_store s;
    sbc_image_row *rows;
    size_t n;
    if (sbc_store_open(&s, &e) < 0)
        return sbc_err_print(&e);
    int rc = sbc_image_list(&s, o.nrest ? o.rest[0] : NULL, &rows, &n, &e);
    sbc_store_close(&s);
    if (rc < 0)
        return sbc_err_print(&e);
    int idw = notrunc ? SBC_DIGEST_LEN : 12;
    if (!quiet && !json && digests)
        printf("%-40s %-10s %-*s %-*s %-20s %s\n", "REPOSITORY", "TAG", SBC_DIGEST_LEN, "DIGEST", idw,
               "IMAGE ID", "CREATED", "SIZE");
    else if (!quiet && !json)
        printf("%-40s %-10s %-*s %-20s %s\n", "REPOSITORY", "TAG", idw, "IMAGE ID", "CREATED", "SIZE");
    const char *lastid = "";
    for (size_t i = 0; i < n; i++) {
        const sbc_image_row *r = &rows[i];
        char idbuf[SBC_DIGEST_SIZE], since[64], size[32];
        snprintf(idbuf, sizeof idbuf, "%s", notrunc ? r->id : sbc_digest_hex(r->id));
        if (!notrunc)
            idbuf[12] = 0;
        sbc_human_since(r->created, since, sizeof since);
        sbc_human_size(r->size, size, sizeof size);
        if (quiet) {
            if (strcmp(lastid, r->id))
                printf("%s\n", idbuf);
            lastid = r->id;
        } else if (json) {
            cJSON *j = cJSON_CreateObject();
            cJSON_AddStringToObject(j, "Repository", r->repo);
            cJSON_AddStringToObject(j, "Tag", r->tag);
            cJSON_AddStringToObject(j, "ID", idbuf);
            cJSON_AddStringToObject(j, "Digest", r->digest);
            cJSON_AddStringToObject(j, "CreatedAt", r->created);
            cJSON_AddStringToObject(j, "CreatedSince", since);
            cJSON_AddStringToObject(j, "Size", size);
            char *s2 = cJSON_PrintUnformatted(j);
            printf("%s\n", s2);
            cJSON_free(s2);
            cJSON_Delete(j);
        } else if (digests) {
            printf("%-40s %-10s %-*s %-12s %-20s %s\n", r->repo, r->tag, SBC_DIGEST_LEN, r->digest, idbuf, since,
                   size);
        } else {
            printf("%-40s %-10s %-*s %-20s %s\n", r->repo, r->tag, idw, idbuf, since, size);
        }
    }
    sbc_image_rows_free(rows, n);
    return 0;
}
