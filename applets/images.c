/* images.c - sbc-images: list the images in the store. */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "applets.h"
#include "base/digest.h"
#include "base/io.h"
#include "base/json.h"
#include "base/time.h"
#include "image/buildcache.h"
#include "image/imageinfo.h"
#include "listfmt.h"
#include "opt.h"
#include "image/store.h"

const char images_usage[] =
    "Usage: sbc-images [OPTIONS] [REPOSITORY[:TAG]]\n"
    "\n"
    "List images: REPOSITORY TAG IMAGE ID CREATED SIZE.\n"
    "\n"
    "Options:\n"
    "  -a, --all             show all images, the intermediate ones too (untagged\n"
    "                        images the build cache names, hidden by default)\n"
    "      --digests         show digests\n"
    "  -f, --filter KEY=VALUE  dangling=true|false (an intermediate image is\n"
    "                        not dangling), reference=GLOB (on\n"
    "                        REPOSITORY:TAG or REPOSITORY, e.g. busybox:*),\n"
    "                        label=KEY[=VALUE]; same key ORs, keys AND\n"
    "      --format string   'json': one JSON object per line; else a Go\n"
    "                        template: {{.Repository}} {{.Tag}} {{.ID}}\n"
    "                        {{.Digest}} {{.CreatedSince}} {{.CreatedAt}}\n"
    "                        {{.Size}}; 'table ...' adds a header\n"
    "      --no-trunc        don't truncate the image ID\n"
    "  -q, --quiet           only image IDs\n";

static const char *const images_titles[] = {"Repository", "REPOSITORY", "Tag", "TAG", "ID", "IMAGE ID",
                                            "Digest", "DIGEST", "CreatedSince", "CREATED", "CreatedAt",
                                            "CREATED AT", "Size", "SIZE", NULL};
static const char *const images_filter_keys[] = {"dangling", "reference", "label", NULL};

struct img_match {
    const sbc_image_row *r;
    sbc_store *s;
    cJSON *info; /* the image's inspect object, read for label= only */
    int inter;   /* an intermediate image */
};

static int images_match(const char *key, const char *val, void *ctx)
{
    struct img_match *m = ctx;
    if (!strcmp(key, "dangling"))
        return !m->inter && !strcmp(m->r->repo, "<none>") == !strcmp(val, "true");
    if (!strcmp(key, "reference")) {
        char full[1024];
        snprintf(full, sizeof full, "%s:%s", m->r->repo, m->r->tag);
        return !fnmatch(val, full, 0) || !fnmatch(val, m->r->repo, 0);
    }
    if (!m->info) {
        sbc_err e = {0};
        m->info = sbc_image_inspect_json(m->s, m->r->id, &e);
    }
    return sbc_filter_label(sbc_json_obj(sbc_json_obj(m->info, "Config"), "Labels"), val);
}

static cJSON *images_row(const sbc_image_row *r, const char *id)
{
    char since[64], size[32];
    sbc_human_since(r->created, since, sizeof since);
    sbc_human_size(r->size, size, sizeof size);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "Repository", r->repo);
    cJSON_AddStringToObject(j, "Tag", r->tag);
    cJSON_AddStringToObject(j, "ID", id);
    cJSON_AddStringToObject(j, "Digest", r->digest);
    cJSON_AddStringToObject(j, "CreatedAt", r->created);
    cJSON_AddStringToObject(j, "CreatedSince", since);
    cJSON_AddStringToObject(j, "Size", size);
    return j;
}

int images_main(int argc, char **argv)
{
    enum { O_DIGESTS = 256, O_FORMAT, O_NOTRUNC, O_QUIET = 'q', O_ALL = 'a', O_FILTER = 'f' };
    static const sbc_option opts[] = {
        {"all", 'a', SBC_OPT_NOARG, O_ALL},
        {"digests", 0, SBC_OPT_NOARG, O_DIGESTS},
        {"filter", 'f', SBC_OPT_ARG, O_FILTER},
        {"format", 0, SBC_OPT_ARG, O_FORMAT},
        {"no-trunc", 0, SBC_OPT_NOARG, O_NOTRUNC},
        {"quiet", 'q', SBC_OPT_NOARG, O_QUIET},
        {0},
    };
    int all = 0, digests = 0, notrunc = 0, quiet = 0, c;
    const char *format = NULL;
    sbc_filters flt = {0};
    sbc_opts o;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        switch (c) {
        case O_ALL: all = sbc_opt_bool(&o); break;
        case O_DIGESTS: digests = sbc_opt_bool(&o); break;
        case O_FORMAT: format = sbc_fmt_arg(o.arg); break;
        case O_FILTER: sbc_filter_add(&flt, o.arg, images_filter_keys); break;
        case O_NOTRUNC: notrunc = sbc_opt_bool(&o); break;
        case O_QUIET: quiet = sbc_opt_bool(&o); break;
        }
    }
    sbc_opt_operands(&o, 0, 1);
    for (int i = 0; i < flt.n; i++)
        if (!strcmp(flt.key[i], "dangling") && strcmp(flt.val[i], "true") && strcmp(flt.val[i], "false"))
            sbc_filter_invalid("dangling", 8, flt.val[i]);
    sbc_fmt fm;
    sbc_fmt_init(&fm, quiet ? NULL : format, images_titles);
    sbc_err e = {0};
    sbc_store s;
    sbc_image_row *rows;
    size_t n;
    if (sbc_store_open(&s, &e) < 0)
        return sbc_err_print(&e);
    char **cache = NULL;
    size_t ncache = 0;
    int rc = sbc_image_list(&s, o.nrest ? o.rest[0] : NULL, &rows, &n, &e);
    if (rc == 0 && sbc_bcache_ids(&s, &cache, &ncache, &e) < 0) {
        sbc_image_rows_free(rows, n);
        rc = -1;
    }
    if (rc < 0) {
        sbc_store_close(&s);
        return sbc_err_print(&e);
    }
    int idw = notrunc ? SBC_DIGEST_LEN : 12;
    if (!quiet && !format && digests)
        printf("%-40s %-10s %-*s %-*s %-20s %s\n", "REPOSITORY", "TAG", SBC_DIGEST_LEN, "DIGEST", idw,
               "IMAGE ID", "CREATED", "SIZE");
    else if (!quiet && !format)
        printf("%-40s %-10s %-*s %-20s %s\n", "REPOSITORY", "TAG", idw, "IMAGE ID", "CREATED", "SIZE");
    const char *lastid = "";
    for (size_t i = 0; i < n && rc == 0; i++) {
        const sbc_image_row *r = &rows[i];
        struct img_match m = {r, &s, NULL, !strcmp(r->repo, "<none>") && sbc_bcache_has(cache, ncache, r->id)};
        int keep = (all || !m.inter) && sbc_filter_match(&flt, images_match, &m);
        cJSON_Delete(m.info);
        if (!keep)
            continue;
        char idbuf[SBC_DIGEST_SIZE];
        snprintf(idbuf, sizeof idbuf, "%s", notrunc ? r->id : sbc_digest_hex(r->id));
        if (!notrunc)
            idbuf[12] = 0;
        if (quiet) {
            if (strcmp(lastid, r->id))
                printf("%s\n", idbuf);
            lastid = r->id;
            continue;
        }
        cJSON *j = images_row(r, idbuf);
        const char *since = sbc_json_str(j, "CreatedSince"), *size = sbc_json_str(j, "Size");
        if (format)
            rc = sbc_fmt_row(&fm, j, &e);
        else if (digests)
            printf("%-40s %-10s %-*s %-12s %-20s %s\n", r->repo, r->tag, SBC_DIGEST_LEN, r->digest, idbuf, since,
                   size);
        else
            printf("%-40s %-10s %-*s %-20s %s\n", r->repo, r->tag, idw, idbuf, since, size);
        cJSON_Delete(j);
    }
    sbc_store_close(&s);
    sbc_image_rows_free(rows, n);
    sbc_names_free(cache, ncache);
    sbc_filters_free(&flt);
    if (rc < 0) {
        sbc_fmt_free(&fm);
        return sbc_err_print(&e);
    }
    sbc_fmt_end(&fm);
    return 0;
}
