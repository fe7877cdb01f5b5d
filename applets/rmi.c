/* rmi.c - sbc-rmi: remove images, and the layers and blobs no other image needs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applets.h"
#include "base/digest.h"
#include "base/io.h"
#include "base/json.h"
#include "opt.h"
#include "registry/ref.h"
#include "image/rootfs.h"
#include "image/store.h"

const char rmi_usage[] =
    "Usage: sbc-rmi [OPTIONS] IMAGE [IMAGE...]\n"
    "\n"
    "Remove one or more images.  A name with other tags is only untagged.\n"
    "Layers and blobs that no other image uses are deleted.\n"
    "\n"
    "Options:\n"
    "  -f, --force   remove even when containers use the image (untag only)\n";

/* Is the image used by a container?  A container dir records its image ID
 * in one of its JSON files. */
static int image_in_use(sbc_store *s, const char *id, char *who, size_t n)
{
    int fd = openat(s->fd, "containers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    struct dirent *de;
    int used = 0;
    while (!used && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        int cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *cd = cfd >= 0 ? fdopendir(cfd) : NULL;
        if (!cd) {
            if (cfd >= 0)
                close(cfd);
            continue;
        }
        struct dirent *f;
        while (!used && (f = readdir(cd))) {
            size_t l = strlen(f->d_name);
            if (l < 6 || strcmp(f->d_name + l - 5, ".json"))
                continue;
            char *txt = sbc_read_file(dirfd(cd), f->d_name, 16u << 20, NULL, NULL);
            if (txt && strstr(txt, id)) {
                used = 1;
                snprintf(who, n, "%.12s", de->d_name);
            }
            free(txt);
        }
        closedir(cd);
    }
    closedir(d);
    return used;
}

/* Delete what only this image used: its record, config, manifest, layers. */
static int delete_image(sbc_store *s, const char *id, cJSON *rec, sbc_err *e)
{
    char rel[160];
    snprintf(rel, sizeof rel, "images/%s.json", sbc_digest_hex(id));
    if (unlinkat(s->fd, rel, 0) < 0 && errno != ENOENT)
        return sbc_err_sys(e, "%s", rel);
    /* what the remaining images still need */
    cJSON *keep = cJSON_CreateObject();
    int fd = openat(s->fd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (strlen(de->d_name) != 69)
            continue;
        cJSON *o = sbc_json_read(dirfd(d), de->d_name, NULL), *l;
        cJSON_ArrayForEach(l, sbc_json_arr(o, "Layers")) {
            const char *di = sbc_json_str(l, "DiffID"), *dg = sbc_json_str(l, "Digest");
            if (di && !cJSON_HasObjectItem(keep, di))
                cJSON_AddTrueToObject(keep, di);
            if (dg && !cJSON_HasObjectItem(keep, dg))
                cJSON_AddTrueToObject(keep, dg);
        }
        const char *md = sbc_json_str(o, "Manifest");
        if (md && !cJSON_HasObjectItem(keep, md))
            cJSON_AddTrueToObject(keep, md);
        cJSON_Delete(o);
    }
    if (d)
        closedir(d);
    cJSON *l;
    cJSON_ArrayForEach(l, sbc_json_arr(rec, "Layers")) {
        const char *di = sbc_json_str(l, "DiffID");
        if (!sbc_digest_valid(di) || cJSON_HasObjectItem(keep, di))
            continue;
        snprintf(rel, sizeof rel, "layers/%s", sbc_digest_hex(di));
        /* rename first so a crash never leaves a half-deleted layer in place */
        char gone[160];
        snprintf(gone, sizeof gone, "tmp/rm-%s", sbc_digest_hex(di));
        if (renameat(s->fd, rel, s->fd, gone) == 0)
            sbc_rm_rf(s->fd, gone, NULL);
    }
    cJSON_ArrayForEach(l, sbc_json_arr(rec, "Layers")) {
        const char *dg = sbc_json_str(l, "Digest");
        if (!sbc_digest_valid(dg) || cJSON_HasObjectItem(keep, dg))
            continue;
        snprintf(rel, sizeof rel, "blobs/sha256/%s", sbc_digest_hex(dg));
        unlinkat(s->fd, rel, 0);
    }
    const char *md = sbc_json_str(rec, "Manifest");
    if (sbc_digest_valid(md) && !cJSON_HasObjectItem(keep, md)) {
        snprintf(rel, sizeof rel, "blobs/sha256/%s", sbc_digest_hex(md));
        unlinkat(s->fd, rel, 0);
    }
    snprintf(rel, sizeof rel, "blobs/sha256/%s", sbc_digest_hex(id));
    unlinkat(s->fd, rel, 0);
    cJSON_Delete(keep);
    return 0;
}

static int rmi_one(sbc_store *s, const char *name, int force, sbc_err *e)
{
    sbc_image img;
    if (sbc_image_lookup(s, name, &img, e) < 0)
        return -1;
    cJSON *tags = sbc_store_tags(s, e), *it;
    if (!tags) {
        sbc_image_free(&img);
        return -1;
    }
    int ntags = 0;
    cJSON_ArrayForEach(it, tags)
        if (cJSON_IsString(it) && !strcmp(it->valuestring, img.id) && !strchr(it->string, '@'))
            ntags++;
    int rc = 0;
    char who[32];
    /* By name, and other names remain: only untag. */
    if (img.ref && ntags > 1) {
        rc = sbc_store_tag_del(s, img.ref, e);
        if (rc == 0)
            printf("Untagged: %s\n", img.ref);
    } else if (image_in_use(s, img.id, who, sizeof who)) {
        if (!force) {
            rc = sbc_err_set(e, 0, "conflict: unable to remove %s: image is being used by container %s",
                             name, who);
        } else {
            cJSON_ArrayForEach(it, tags)
                if (cJSON_IsString(it) && !strcmp(it->valuestring, img.id)) {
                    printf("Untagged: %s\n", it->string);
                    if (sbc_store_tag_del(s, it->string, e) < 0)
                        rc = -1;
                }
        }
    } else {
        cJSON_ArrayForEach(it, tags)
            if (cJSON_IsString(it) && !strcmp(it->valuestring, img.id)) {
                printf("Untagged: %s\n", it->string);
                if (sbc_store_tag_del(s, it->string, e) < 0)
                    rc = -1;
            }
        if (rc == 0)
            rc = delete_image(s, img.id, img.record, e);
        if (rc == 0)
            printf("Deleted: %s\n", img.id);
        if (rc == 0) /* its flattened btrfs subvolume, if any */
            rc = sbc_rootfs_btrfs_drop(s->root, (const char **)img.layer_dirs, img.nlayers, e);
    }
    cJSON_Delete(tags);
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
