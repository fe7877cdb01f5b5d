#include "base/links.h"

#include <stdlib.h>

#include "base/io.h"

const char *sbc_links_find(const sbc_links *l, dev_t dev, ino_t ino)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].ino == ino && l->v[i].dev == dev)
            return l->v[i].path;
    return NULL;
}

void sbc_links_add(sbc_links *l, dev_t dev, ino_t ino, const char *path)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 32;
        l->v = sbc_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n].dev = dev;
    l->v[l->n].ino = ino;
    l->v[l->n].path = sbc_xstrdup(path);
    l->n++;
}

void sbc_links_clear(sbc_links *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].path);
    l->n = 0;
}

void sbc_links_free(sbc_links *l)
{
    sbc_links_clear(l);
    free(l->v);
    l->v = NULL;
    l->cap = 0;
}
