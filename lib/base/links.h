/* links.h - the hardlink map of a tree walk: (st_dev, st_ino) of a file
 * with more than one link -> the path it was first written as, so the next
 * name of the same inode becomes a link to it (tar writing, flattening,
 * staging a diff). */
#ifndef SBC_LINKS_H
#define SBC_LINKS_H
#include <stddef.h>
#include <sys/types.h>

typedef struct sbc_links {
    struct sbc_link {
        dev_t dev;
        ino_t ino;
        char *path;
    } *v;
    size_t n, cap;
} sbc_links; /* {0} is empty */

/* The path recorded for dev/ino, or NULL. */
const char *sbc_links_find(const sbc_links *l, dev_t dev, ino_t ino);
/* Record path (copied) for dev/ino. */
void sbc_links_add(sbc_links *l, dev_t dev, ino_t ino, const char *path);
/* Forget every entry (the map stays usable). */
void sbc_links_clear(sbc_links *l);
void sbc_links_free(sbc_links *l);

#endif
