/* history.c - an image's history (see history.h). */
#include "image/history.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/io.h"
#include "base/json.h"

static int add_size(int dfd, const char *name, const struct stat *st, void *arg, sbc_err *e)
{
    (void)dfd, (void)name, (void)e;
    if (S_ISREG(st->st_mode) || S_ISLNK(st->st_mode))
        *(long long *)arg += st->st_size;
    return 0;
}

static long long layer_size(const char *dir, sbc_err *e)
{
    long long sum = 0;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return sbc_err_sys(e, "history: open layer %s", dir);
    int rc = sbc_walk_below(dfd, add_size, &sum, e);
    close(dfd);
    return rc < 0 ? -1 : sum;
}

static const char *str(const cJSON *j, const char *k)
{
    const char *s = sbc_json_str(j, k);
    return s ? s : "";
}

int sbc_image_history(const sbc_image *img, sbc_hist_row **rows, int *n, sbc_err *e)
{
    const cJSON *h = sbc_json_arr(img->config, "history"), *it;
    int nh = cJSON_GetArraySize(h), owners = 0, layer = 0;
    cJSON_ArrayForEach(it, h)
        owners += !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "empty_layer"));
    /* layers no entry owns (a history shorter than the layers): rows of
     * their own, first */
    int extra = img->nlayers > owners ? img->nlayers - owners : 0, total = extra + nh;
    *rows = sbc_xcalloc((size_t)total + 1, sizeof **rows);
    *n = total;
    for (int i = 0; i < total; i++) {
        sbc_hist_row *r = &(*rows)[total - 1 - i]; /* newest first */
        it = i >= extra ? cJSON_GetArrayItem(h, i - extra) : NULL;
        r->created = str(it, "created");
        r->created_by = str(it, "created_by");
        r->comment = str(it, "comment");
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "empty_layer")) || layer >= img->nlayers)
            continue;
        if ((r->size = layer_size(img->layer_dirs[layer++], e)) < 0) {
            free(*rows);
            *rows = NULL;
            return -1;
        }
    }
    return 0;
}
