/* images.c - sbc-images: list the images in the store. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applets.h"
#include "image/imageinfo.h"
#include "base/io.h"
#include "base/json.h"
#include "base/time.h"
#include "opt.h"
#include "registry/ref.h"
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

struct row {
    char *repo, *tag, *id, *digest, *created;
    long long size;
};

static int cmp_row(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    int c = strcmp(y->created, x->created); /* newest first */
    if (c)
        return c;
    c = strcmp(x->repo, y->repo);
    return c ? c : strcmp(x->tag, y->tag);
}

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
    char *filter = NULL;
    if (o.nrest) {
        sbc_ref r;
        sbc_err fe = {0};
        if (sbc_ref_parse(o.rest[0], &r, &fe) < 0)
            return sbc_err_print(&fe);
        filter = sbc_ref_repo(&r);
        if (!strchr(o.rest[0], ':') || strrchr(o.rest[0], ':') < strrchr(o.rest[0], '/'))
            ; /* no tag given: every tag of the repository */
        else {
            free(filter);
            filter = sbc_ref_string(&r);
        }
        sbc_ref_free(&r);
    }
    sbc_err e = {0};
    sbc_store s;
    if (sbc_store_open(&s, &e) < 0)
        return sbc_err_print(&e);
    cJSON *tags = sbc_store_tags(&s, &e);
    if (!tags) {
        sbc_store_close(&s);
        return sbc_err_print(&e);
    }
    struct row *rows = NULL;
    int n = 0, cap = 0;
    int dfd = openat(s.fd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (strlen(de->d_name) != 69 || strcmp(de->d_name + 64, ".json"))
            continue;
        cJSON *rec = sbc_json_read(dirfd(d), de->d_name, NULL);
        if (!rec)
            continue; /* unreadable record: not a complete image */
        const char *id = sbc_json_str(rec, "Id");
        if (!id || strlen(id) != 71) {
            cJSON_Delete(rec);
            continue;
        }
        const char *rd = cJSON_IsString(cJSON_GetArrayItem(sbc_json_arr(rec, "RepoDigests"), 0))
                             ? cJSON_GetArrayItem(sbc_json_arr(rec, "RepoDigests"), 0)->valuestring
                             : NULL;
        const char *dig = rd && strchr(rd, '@') ? strchr(rd, '@') + 1 : "<none>";
        cJSON *mine = sbc_image_tags_of(tags, id);
        int ntags = cJSON_GetArraySize(mine);
        for (int i = 0; i < (ntags ? ntags : 1); i++) {
            char *repo, *tag;
            const char *full = ntags ? cJSON_GetArrayItem(mine, i)->valuestring : NULL;
            if (filter && (!full || (strcmp(full, filter) &&
                                     (strncmp(full, filter, strlen(filter)) ||
                                      full[strlen(filter)] != ':'))))
                continue;
            sbc_ref r;
            sbc_err ign = {0};
            if (full && sbc_ref_parse(full, &r, &ign) == 0) {
                repo = sbc_ref_familiar(&r);
                tag = sbc_xstrdup(r.tag ? r.tag : "<none>");
                sbc_ref_free(&r);
            } else {
                if (filter)
                    continue;
                repo = sbc_xstrdup("<none>");
                tag = sbc_xstrdup("<none>");
            }
            if (n == cap)
                rows = sbc_xrealloc(rows, sizeof *rows * (size_t)(cap = cap ? cap * 2 : 16));
            const char *cr = sbc_json_str(rec, "Created");
            rows[n++] = (struct row){repo, tag, sbc_xstrdup(id), sbc_xstrdup(dig),
                                     sbc_xstrdup(cr ? cr : ""), sbc_json_int(rec, "Size", 0)};
        }
        cJSON_Delete(mine);
        cJSON_Delete(rec);
    }
    if (d)
        closedir(d);
    else if (dfd >= 0)
        close(dfd);
    cJSON_Delete(tags);
    sbc_store_close(&s);
    if (n) /* rows is NULL when there is none */
        qsort(rows, (size_t)n, sizeof *rows, cmp_row);
    if (!quiet && !json) {
        printf(digests ? "%-40s %-10s %-71s %-*s %-20s %s\n" : "%-40s %-10s%.0s %-*s %-20s %s\n",
               "REPOSITORY", "TAG", "DIGEST", notrunc ? 71 : 12, "IMAGE ID", "CREATED", "SIZE");
    }
    const char *lastid = "";
    for (int i = 0; i < n; i++) {
        struct row *r = &rows[i];
        char idbuf[72], since[64], size[32];
        snprintf(idbuf, sizeof idbuf, "%s", notrunc ? r->id : r->id + 7);
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
            printf("%-40s %-10s %-71s %-12s %-20s %s\n", r->repo, r->tag, r->digest, idbuf, since, size);
        } else {
            printf("%-40s %-10s %-*s %-20s %s\n", r->repo, r->tag, notrunc ? 71 : 12, idbuf, since, size);
        }
    }
    for (int i = 0; i < n; i++) {
        free(rows[i].repo);
        free(rows[i].tag);
        free(rows[i].id);
        free(rows[i].digest);
        free(rows[i].created);
    }
    free(rows);
    free(filter);
    return 0;
}
