/* history.c - sbc-history: the build steps of an image. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets.h"
#include "base/digest.h"
#include "base/io.h"
#include "base/json.h"
#include "base/time.h"
#include "image/history.h"
#include "image/store.h"
#include "opt.h"

const char history_usage[] =
    "Usage: sbc-history [OPTIONS] IMAGE\n"
    "\n"
    "Show the history of an image, newest step first: IMAGE (its ID on the\n"
    "top row, <missing> below, as Docker shows a pulled image), CREATED,\n"
    "CREATED BY, SIZE (of the step's layer, unpacked) and COMMENT.\n"
    "\n"
    "Options:\n"
    "  -H, --human         human-readable sizes and dates (default true)\n"
    "  -q, --quiet         only the IDs\n"
    "      --no-trunc      full IDs and commands\n"
    "      --format json   one JSON object per line\n";

static void row_json(const char *id, const sbc_hist_row *r, const char *by, const char *since, const char *size)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "Comment", r->comment);
    cJSON_AddStringToObject(j, "CreatedAt", r->created);
    cJSON_AddStringToObject(j, "CreatedBy", by);
    cJSON_AddStringToObject(j, "CreatedSince", since);
    cJSON_AddStringToObject(j, "ID", id);
    cJSON_AddStringToObject(j, "Size", size);
    char *s = cJSON_PrintUnformatted(j);
    printf("%s\n", s);
    cJSON_free(s);
    cJSON_Delete(j);
}

int history_main(int argc, char **argv)
{
    enum { O_NOTRUNC = 256, O_FORMAT };
    static const sbc_option opts[] = {{"human", 'H', SBC_OPT_NOARG, 'H'}, {"quiet", 'q', SBC_OPT_NOARG, 'q'},
                                      {"no-trunc", 0, SBC_OPT_NOARG, O_NOTRUNC}, {"format", 0, SBC_OPT_ARG, O_FORMAT},
                                      {0}};
    sbc_opts o;
    int c, quiet = 0, notrunc = 0, json = 0, human = 1;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        if (c == 'H')
            human = sbc_opt_bool(&o);
        else if (c == 'q')
            quiet = sbc_opt_bool(&o);
        else if (c == O_NOTRUNC)
            notrunc = sbc_opt_bool(&o);
        else if (strcmp(o.arg, "json") && strcmp(o.arg, "{{json .}}"))
            sbc_usage_error("--format: only json is supported");
        else
            json = 1;
    }
    sbc_opt_operands(&o, 1, 1);
    sbc_err e = {0};
    sbc_store st;
    sbc_image img;
    if (sbc_image_open(&st, o.rest[0], &img, &e) < 0) {
        e.code = 1;
        return sbc_err_print(&e);
    }
    sbc_hist_row *rows;
    int n, rc = sbc_image_history(&img, &rows, &n, &e);
    /* the table's cells first: each column as wide as its widest cell */
    char *(*cell)[5] = sbc_xcalloc((size_t)n + 1, sizeof *cell);
    int w[5] = {0};
    static const char *const head[5] = {"IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"};
    for (int k = 0; k < 5; k++)
        cell[0][k] = sbc_xstrdup(head[k]);
    for (int i = 0; rc == 0 && i < n; i++) {
        const sbc_hist_row *r = &rows[i];
        char id[80], since[64], size[32], by[4096];
        if (i)
            snprintf(id, sizeof id, "<missing>");
        else
            snprintf(id, sizeof id, "%s", notrunc ? img.id : sbc_digest_hex(img.id));
        if (!notrunc && !i)
            id[12] = 0;
        if (human)
            sbc_human_since(r->created, since, sizeof since), sbc_human_size(r->size, size, sizeof size);
        else
            snprintf(since, sizeof since, "%s", r->created), snprintf(size, sizeof size, "%lld", r->size);
        if (!notrunc && strlen(r->created_by) > 45)
            snprintf(by, sizeof by, "%.44s…", r->created_by);
        else
            snprintf(by, sizeof by, "%s", r->created_by);
        if (quiet)
            printf("%s\n", id);
        else if (json)
            row_json(id, r, by, since, size);
        const char *v[5] = {id, since, by, size, r->comment};
        for (int k = 0; k < 5; k++)
            cell[i + 1][k] = sbc_xstrdup(v[k]);
    }
    for (int i = 0; rc == 0 && i <= n; i++)
        for (int k = 0; k < 5; k++)
            if ((int)strlen(cell[i][k]) > w[k])
                w[k] = (int)strlen(cell[i][k]);
    for (int i = 0; rc == 0 && !quiet && !json && i <= n; i++)
        printf("%-*s   %-*s   %-*s   %-*s   %s\n", w[0], cell[i][0], w[1], cell[i][1], w[2], cell[i][2], w[3],
               cell[i][3], cell[i][4]);
    for (int i = 0; i <= n; i++)
        for (int k = 0; k < 5; k++)
            free(cell[i][k]);
    free(cell);
    free(rows);
    sbc_image_free(&img);
    sbc_store_close(&st);
    return rc < 0 ? sbc_err_print(&e) : 0;
}
