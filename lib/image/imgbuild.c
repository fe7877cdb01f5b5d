/* imgbuild.c - new layers and image records in the store (see imgbuild.h). */
#include "image/imgbuild.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/digest.h"
#include "image/fsdiff.h"
#include "base/io.h"
#include "base/subid.h"
#include "base/mediatype.h"
#include "base/json.h"
#include "base/time.h"
#include "registry/ref.h"
#include "registry/registry.h"
#include "image/rootfs.h"

void sbc_build_tmpname(char *buf, size_t n, const char *what)
{
    static int counter;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(buf, n, "tmp/%s-%d-%d-%ld", what, (int)getpid(), __atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST),
             ts.tv_nsec);
}

/* Move tmp layer dir and tmp blob into place (either may already exist). */
static int install_layer(sbc_store *s, const char *tmpdir, const char *tmpblob, int blobfd,
                         const sbc_newlayer *l, sbc_err *e)
{
    const char *dhex = sbc_digest_hex(l->diff_id), *bhex = sbc_digest_hex(l->digest);
    if (blobfd >= 0 && fsync(blobfd) < 0)
        return sbc_err_sys(e, "fsync blob");
    char rel[128];
    snprintf(rel, sizeof rel, "blobs/sha256/%s", bhex);
    if (faccessat(s->fd, rel, F_OK, 0) == 0)
        unlinkat(s->fd, tmpblob, 0);
    else if (renameat(s->fd, tmpblob, s->fd, rel) < 0)
        return sbc_err_sys(e, "%s", rel);
    int lk = sbc_store_lock_layer(s, dhex, e);
    if (lk < 0)
        return -1;
    int rc = 0;
    snprintf(rel, sizeof rel, "layers/%s", dhex);
    if (sbc_store_has_layer(s, l->diff_id)) {
        sbc_err ign = {0};
        sbc_rm_rf(s->fd, tmpdir, &ign);
    } else if (renameat(s->fd, tmpdir, s->fd, rel) < 0) {
        rc = sbc_err_sys(e, "%s", rel);
    }
    close(lk);
    return rc;
}

/* ---- a layer from a directory ---------------------------------------------- */

struct unpack_job {
    int fd;
    char *dest;
    sbc_layer_info info;
    sbc_err e;
    int rc;
};

static void *unpack_thread(void *arg)
{
    struct unpack_job *j = arg;
    j->rc = sbc_layer_unpack_fd(j->fd, j->dest, 0, &j->info, &j->e);
    /* keep reading so that the writer never blocks or gets EPIPE */
    char buf[65536];
    while (read(j->fd, buf, sizeof buf) > 0)
        ;
    return NULL;
}

int sbc_build_layer_dir(sbc_store *s, const char *dir, const sbc_tarw_opts *o,
                        sbc_newlayer *out, sbc_err *e)
{
    char tmpdir[128], tmpblob[140];
    sbc_build_tmpname(tmpdir, sizeof tmpdir, "build");
    snprintf(tmpblob, sizeof tmpblob, "%s.blob", tmpdir);
    if (mkdirat(s->fd, tmpdir, 0755) < 0)
        return sbc_err_sys(e, "%s/%s", s->root, tmpdir);
    int rc = -1, blobfd = -1, p[2] = {-1, -1}, started = 0;
    pthread_t th;
    struct unpack_job j;
    memset(&j, 0, sizeof j);
    j.dest = sbc_store_path(s, tmpdir);
    blobfd = openat(s->fd, tmpblob, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (blobfd < 0) {
        sbc_err_sys(e, "%s", tmpblob);
        goto out;
    }
    if (pipe2(p, O_CLOEXEC) < 0) {
        sbc_err_sys(e, "pipe");
        goto out;
    }
    fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
    j.fd = p[0];
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, 1 << 20);
    if (pthread_create(&th, &at, unpack_thread, &j) != 0) {
        pthread_attr_destroy(&at);
        sbc_err_set(e, 0, "cannot start a thread");
        goto out;
    }
    pthread_attr_destroy(&at);
    started = 1;
    sbc_tarw_opts o2;
    if (o)
        o2 = *o;
    else
        sbc_tarw_opts_init(&o2);
    o2.tee_fd = p[1];
    sbc_layer_info info;
    int trc = sbc_tarw_dir(dir, blobfd, &o2, &info, e);
    close(p[1]);
    p[1] = -1;
    pthread_join(th, NULL);
    started = 0;
    if (trc < 0)
        goto out;
    if (j.rc < 0) {
        *e = j.e;
        sbc_err_wrap(e, "unpack the new layer");
        goto out;
    }
    if (strcmp(j.info.diff_id, info.diff_id)) {
        sbc_err_set(e, 0, "new layer: diff ID changed on the way (%s != %s)", j.info.diff_id,
                    info.diff_id);
        goto out;
    }
    memset(out, 0, sizeof *out);
    snprintf(out->diff_id, sizeof out->diff_id, "%s", info.diff_id);
    snprintf(out->digest, sizeof out->digest, "%s", info.digest);
    out->size = info.size;
    out->diff_size = info.diff_size;
    snprintf(out->media_type, sizeof out->media_type, "%s", sbc_comp_media_type(info.compression));
    rc = install_layer(s, tmpdir, tmpblob, blobfd, out, e);
out:
    if (started) {
        close(p[1]);
        p[1] = -1;
        pthread_join(th, NULL);
    }
    if (p[0] >= 0)
        close(p[0]);
    if (p[1] >= 0)
        close(p[1]);
    if (blobfd >= 0)
        close(blobfd);
    if (rc < 0) {
        sbc_err ign = {0};
        sbc_rm_rf(s->fd, tmpdir, &ign);
        unlinkat(s->fd, tmpblob, 0);
    }
    free(j.dest);
    return rc;
}

/* ---- a layer from a stream --------------------------------------------------- */

struct tee_rd {
    sbc_read_fn rd;
    void *ctx;
    int blobfd;
    int comp_plain;
    int mode; /* 0 undecided, 1 raw copy, 2 through zw */
    sbc_zw *zw;
};

/* (the cleanup of sbc_build_stage_stream's tee) */
static void tee_release(struct tee_rd *t)
{
    sbc_zw_free(t->zw);
    if (t->blobfd >= 0)
        close(t->blobfd);
}

static ssize_t tee_read(void *ctx, void *buf, size_t n, sbc_err *e)
{
    struct tee_rd *t = ctx;
    ssize_t got = t->rd(t->ctx, buf, n, e);
    if (got < 0)
        return -1;
    if (t->mode == 0) {
        /* make sure we have 4 bytes to decide */
        while (got > 0 && got < 4 && n >= 4) {
            ssize_t more = t->rd(t->ctx, (char *)buf + got, n - (size_t)got, e);
            if (more < 0)
                return -1;
            if (more == 0)
                break;
            got += more;
        }
        const unsigned char *b = buf;
        int compressed = (got >= 2 && b[0] == 0x1f && b[1] == 0x8b) ||
                         (got >= 4 && !memcmp(b, "\x28\xb5\x2f\xfd", 4));
        if (compressed || t->comp_plain == SBC_COMP_NONE) {
            t->mode = 1;
        } else {
            t->mode = 2;
            t->zw = sbc_zw_new(t->blobfd, t->comp_plain, 0, -1);
        }
    }
    if (got == 0)
        return 0;
    if (t->mode == 1) {
        if (sbc_write_full(t->blobfd, buf, (size_t)got) < 0)
            return sbc_err_sys(e, "write blob");
    } else if (sbc_zw_write(t->zw, buf, (size_t)got, e) < 0) {
        return -1;
    }
    return got;
}

int sbc_build_stage_stream(sbc_read_fn rd, void *ctx, sbc_store *s, int compress_plain,
                           sbc_staged *st, sbc_err *e)
{
    memset(st, 0, sizeof *st);
    sbc_build_tmpname(st->tmpdir, sizeof st->tmpdir, "build");
    snprintf(st->tmpblob, sizeof st->tmpblob, "%s.blob", st->tmpdir);
    if (mkdirat(s->fd, st->tmpdir, 0755) < 0)
        return sbc_err_sys(e, "%s/%s", s->root, st->tmpdir);
    st->made = 1;
    __attribute__((cleanup(tee_release))) struct tee_rd t = {rd, ctx, -1, compress_plain, 0, NULL};
    sbc_cleanup_free char *dest = sbc_store_path(s, st->tmpdir);
    sbc_newlayer *out = &st->l;
    t.blobfd = openat(s->fd, st->tmpblob, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (t.blobfd < 0)
        return sbc_err_sys(e, "%s", st->tmpblob);
    sbc_layer_info info;
    if (sbc_layer_unpack(tee_read, &t, dest, 0, &info, e) < 0)
        return -1;
    snprintf(out->diff_id, sizeof out->diff_id, "%s", info.diff_id);
    out->diff_size = info.diff_size;
    if (t.mode == 2) {
        sbc_layer_info zi;
        if (sbc_zw_finish(t.zw, &zi, e) < 0)
            return -1;
        snprintf(out->digest, sizeof out->digest, "%s", zi.digest);
        out->size = zi.size;
        snprintf(out->media_type, sizeof out->media_type, "%s", sbc_comp_media_type(compress_plain));
    } else {
        snprintf(out->digest, sizeof out->digest, "%s", info.digest);
        out->size = info.size;
        snprintf(out->media_type, sizeof out->media_type, "%s",
                 sbc_comp_media_type(info.compression));
    }
    if (fsync(t.blobfd) < 0)
        return sbc_err_sys(e, "fsync blob");
    st->ok = 1;
    return 0;
}

int sbc_build_stage_install(sbc_store *s, sbc_staged *st, sbc_err *e)
{
    if (!st->ok)
        return sbc_err_set(e, 0, "layer not staged");
    int rc = install_layer(s, st->tmpdir, st->tmpblob, -1, &st->l, e);
    if (rc == 0)
        st->made = 0;
    return rc;
}

void sbc_build_stage_drop(sbc_store *s, sbc_staged *st)
{
    if (!st->made)
        return;
    sbc_err ign = {0};
    sbc_rm_rf(s->fd, st->tmpdir, &ign);
    unlinkat(s->fd, st->tmpblob, 0);
    st->made = 0;
}

int sbc_build_layer_stream(sbc_read_fn rd, void *ctx, sbc_store *s, int compress_plain,
                           sbc_newlayer *out, sbc_err *e)
{
    sbc_staged st;
    int rc = sbc_build_stage_stream(rd, ctx, s, compress_plain, &st, e);
    if (rc == 0)
        rc = sbc_build_stage_install(s, &st, e);
    if (rc == 0)
        *out = st.l;
    sbc_build_stage_drop(s, &st);
    return rc;
}

/* ---- images ------------------------------------------------------------------- */

int sbc_build_layers_of(const sbc_image *img, sbc_newlayer **out, int *n, sbc_err *e)
{
    cJSON *ls = sbc_json_arr(img->record, "Layers");
    int k = cJSON_GetArraySize(ls);
    sbc_newlayer *v = sbc_xcalloc((size_t)k + 1, sizeof *v);
    for (int i = 0; i < k; i++) {
        cJSON *l = cJSON_GetArrayItem(ls, i);
        const char *d = sbc_json_str(l, "DiffID"), *g = sbc_json_str(l, "Digest");
        const char *mt = sbc_json_str(l, "MediaType");
        if (!sbc_digest_valid(d) || !sbc_digest_valid(g)) {
            free(v);
            return sbc_err_set(e, 0, "image %.19s: corrupt record (layer %d)", img->id, i);
        }
        snprintf(v[i].diff_id, sizeof v[i].diff_id, "%s", d);
        snprintf(v[i].digest, sizeof v[i].digest, "%s", g);
        v[i].size = sbc_json_int(l, "Size", -1);
        v[i].diff_size = sbc_json_int(l, "DiffSize", -1);
        snprintf(v[i].media_type, sizeof v[i].media_type, "%s",
                 mt ? mt : SBC_MT_OCI_LAYER_GZIP);
    }
    *out = v;
    *n = k;
    return 0;
}

static const char *oci_layer_type(const char *mt)
{
    if (!strcmp(mt, SBC_MT_DOCKER_LAYER_GZIP))
        return SBC_MT_OCI_LAYER_GZIP;
    if (!strcmp(mt, SBC_MT_DOCKER_LAYER))
        return SBC_MT_OCI_LAYER;
    if (!strcmp(mt, SBC_MT_DOCKER_LAYER_ZSTD))
        return SBC_MT_OCI_LAYER_ZSTD;
    return mt;
}

int sbc_build_image(sbc_store *s, const char *cfg, size_t cfglen, const sbc_newlayer *layers,
                    int n, const char *const *tags, int ntags, char id_out[SBC_DIGEST_SIZE], sbc_err *e)
{
    char cdig[SBC_DIGEST_LEN + 1], mdig[SBC_DIGEST_LEN + 1];
    sbc_sha256_digest(cfg, cfglen, cdig);
    cJSON *cj = sbc_json_parse(cfg, cfglen, "image config", e);
    if (!cj)
        return -1;
    cJSON *diffs = sbc_json_arr(sbc_json_obj(cj, "rootfs"), "diff_ids");
    if (cJSON_GetArraySize(diffs) != n) {
        cJSON_Delete(cj);
        return sbc_err_set(e, 0, "image config: %d diff_ids for %d layers",
                           cJSON_GetArraySize(diffs), n);
    }
    for (int i = 0; i < n; i++) {
        cJSON *d = cJSON_GetArrayItem(diffs, i);
        if (!cJSON_IsString(d) || strcmp(d->valuestring, layers[i].diff_id)) {
            cJSON_Delete(cj);
            return sbc_err_set(e, 0, "image config: diff_id %d is not the layer's %s", i,
                               layers[i].diff_id);
        }
        if (!sbc_store_has_layer(s, layers[i].diff_id)) {
            cJSON_Delete(cj);
            return sbc_err_set(e, 0, "layer %s is not in the store", layers[i].diff_id);
        }
    }
    /* the manifest */
    cJSON *m = cJSON_CreateObject();
    cJSON_AddNumberToObject(m, "schemaVersion", 2);
    cJSON_AddStringToObject(m, "mediaType", SBC_MT_OCI_MANIFEST);
    cJSON *c = cJSON_AddObjectToObject(m, "config");
    cJSON_AddStringToObject(c, "mediaType", SBC_MT_OCI_CONFIG);
    cJSON_AddStringToObject(c, "digest", cdig);
    cJSON_AddNumberToObject(c, "size", (double)cfglen);
    cJSON *ml = cJSON_AddArrayToObject(m, "layers");
    for (int i = 0; i < n; i++) {
        cJSON *l = cJSON_CreateObject();
        cJSON_AddStringToObject(l, "mediaType", oci_layer_type(layers[i].media_type));
        cJSON_AddStringToObject(l, "digest", layers[i].digest);
        cJSON_AddNumberToObject(l, "size", (double)layers[i].size);
        cJSON_AddItemToArray(ml, l);
    }
    char *mtext = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    sbc_sha256_digest(mtext, strlen(mtext), mdig);
    int rc = -1;
    cJSON *rec = NULL;
    syncfs(s->fd);
    if (sbc_store_blob_put(s, cdig, cfg, cfglen, e) < 0 ||
        sbc_store_blob_put(s, mdig, mtext, strlen(mtext), e) < 0)
        goto out;
    rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "Id", cdig);
    cJSON_AddStringToObject(rec, "Manifest", mdig);
    cJSON_AddStringToObject(rec, "ManifestMediaType", SBC_MT_OCI_MANIFEST);
    cJSON *rl = cJSON_AddArrayToObject(rec, "Layers");
    long long total = 0;
    for (int i = 0; i < n; i++) {
        cJSON *l = cJSON_CreateObject();
        cJSON_AddStringToObject(l, "DiffID", layers[i].diff_id);
        cJSON_AddStringToObject(l, "Digest", layers[i].digest);
        cJSON_AddNumberToObject(l, "Size", (double)layers[i].size);
        if (layers[i].diff_size >= 0)
            cJSON_AddNumberToObject(l, "DiffSize", (double)layers[i].diff_size);
        cJSON_AddStringToObject(l, "MediaType", layers[i].media_type);
        cJSON_AddItemToArray(rl, l);
        if (layers[i].size > 0)
            total += layers[i].size;
    }
    cJSON_AddNumberToObject(rec, "Size", (double)total);
    sbc_json_add_str(rec, "Created", sbc_json_str(cj, "created"));
    char now[SBC_TIME_MAX];
    cJSON_AddStringToObject(rec, "Pulled", sbc_time_now(now, SBC_TIME_NSEC | SBC_TIME_SOURCE_DATE));
    int held = s->lockfd >= 0; /* the caller's: kept */
    if (sbc_store_lock(s, e) < 0)
        goto out;
    rc = sbc_store_image_put(s, cdig, rec, NULL, e);
    for (int i = 0; rc == 0 && i < ntags; i++)
        rc = sbc_store_tag_set(s, tags[i], cdig, e);
    if (!held)
        sbc_store_unlock(s);
    if (rc == 0 && id_out)
        snprintf(id_out, SBC_DIGEST_SIZE, "%s", cdig);
out:
    cJSON_Delete(rec);
    cJSON_Delete(cj);
    free(mtext);
    return rc;
}

cJSON *sbc_build_config(const cJSON *base, const sbc_newlayer *layers, int n,
                        const char *created_by, const char *comment)
{
    cJSON *c;
    if (base) {
        c = cJSON_Duplicate(base, 1);
    } else {
        c = cJSON_CreateObject();
        char plat[64];
        snprintf(plat, sizeof plat, "%s", sbc_host_platform());
        char *arch = strchr(plat, '/') + 1, *var = strchr(arch, '/');
        if (var)
            *var++ = 0;
        cJSON_AddStringToObject(c, "architecture", arch);
        cJSON_AddStringToObject(c, "os", "linux");
        if (var)
            cJSON_AddStringToObject(c, "variant", var);
        cJSON *cc = cJSON_AddObjectToObject(c, "config");
        cJSON *env = cJSON_AddArrayToObject(cc, "Env");
        cJSON_AddItemToArray(env, cJSON_CreateString(
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
    }
    if (!sbc_json_obj(c, "config"))
        cJSON_AddObjectToObject(c, "config");
    cJSON *rootfs = sbc_json_obj(c, "rootfs");
    if (!rootfs) {
        rootfs = cJSON_AddObjectToObject(c, "rootfs");
    }
    if (!sbc_json_str(rootfs, "type"))
        cJSON_AddStringToObject(rootfs, "type", "layers");
    cJSON *diffs = sbc_json_arr(rootfs, "diff_ids");
    if (!diffs)
        diffs = cJSON_AddArrayToObject(rootfs, "diff_ids");
    cJSON *hist = sbc_json_arr(c, "history");
    if (!hist) {
        cJSON_DeleteItemFromObjectCaseSensitive(c, "history");
        hist = cJSON_AddArrayToObject(c, "history");
    }
    char now[SBC_TIME_MAX];
    sbc_time_now(now, SBC_TIME_NSEC | SBC_TIME_SOURCE_DATE);
    cJSON_DeleteItemFromObjectCaseSensitive(c, "created");
    cJSON_AddStringToObject(c, "created", now);
    for (int i = 0; i < n; i++) {
        cJSON_AddItemToArray(diffs, cJSON_CreateString(layers[i].diff_id));
        cJSON *h = cJSON_CreateObject();
        cJSON_AddStringToObject(h, "created", now);
        if (created_by)
            cJSON_AddStringToObject(h, "created_by", created_by);
        if (comment && *comment)
            cJSON_AddStringToObject(h, "comment", comment);
        cJSON_AddItemToArray(hist, h);
    }
    return c;
}

/* ---- -c changes ------------------------------------------------------------------ */

static cJSON *cmd_value(const char *rest, sbc_err *e)
{
    while (isspace((unsigned char)*rest))
        rest++;
    if (*rest == '[') {
        cJSON *a = cJSON_Parse(rest);
        int ok = cJSON_IsArray(a);
        cJSON *it;
        cJSON_ArrayForEach(it, a) if (!cJSON_IsString(it)) ok = 0;
        if (!ok) {
            cJSON_Delete(a);
            sbc_err_set(e, 0, "invalid change: not a JSON array of strings: %.200s", rest);
            return NULL;
        }
        return a;
    }
    cJSON *a = cJSON_CreateArray();
    cJSON_AddItemToArray(a, cJSON_CreateString("/bin/sh"));
    cJSON_AddItemToArray(a, cJSON_CreateString("-c"));
    cJSON_AddItemToArray(a, cJSON_CreateString(rest));
    return a;
}

/* "K=V" or "K V" (with optional quotes around V) into key/value. */
static int kv(const char *rest, char **k, char **v)
{
    while (isspace((unsigned char)*rest))
        rest++;
    size_t kl = strcspn(rest, "= \t");
    if (!kl)
        return -1;
    *k = sbc_xasprintf("%.*s", (int)kl, rest);
    const char *p = rest + kl;
    p += strspn(p, " \t");
    if (*p == '=')
        p++;
    size_t vl = strlen(p);
    if (vl >= 2 && (p[0] == '"' || p[0] == '\'') && p[vl - 1] == p[0])
        *v = sbc_xasprintf("%.*s", (int)vl - 2, p + 1);
    else
        *v = sbc_xstrdup(p);
    return 0;
}

static void set_str(cJSON *o, const char *key, const char *v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, key);
    cJSON_AddStringToObject(o, key, v);
}

static cJSON *obj_field(cJSON *o, const char *key)
{
    cJSON *x = sbc_json_obj(o, key);
    if (!x) {
        cJSON_DeleteItemFromObjectCaseSensitive(o, key);
        x = cJSON_AddObjectToObject(o, key);
    }
    return x;
}

int sbc_config_change(cJSON *config, const char *change, sbc_err *e)
{
    cJSON *cc = obj_field(config, "config");
    while (isspace((unsigned char)*change))
        change++;
    size_t wl = strcspn(change, " \t");
    char word[16];
    if (wl == 0 || wl >= sizeof word)
        return sbc_err_set(e, 0, "invalid change \"%.100s\"", change);
    for (size_t i = 0; i < wl; i++)
        word[i] = (char)toupper((unsigned char)change[i]);
    word[wl] = 0;
    const char *rest = change + wl;
    while (isspace((unsigned char)*rest))
        rest++;
    if (!*rest)
        return sbc_err_set(e, 0, "invalid change \"%.100s\": %s needs an argument", change, word);
    if (!strcmp(word, "CMD") || !strcmp(word, "ENTRYPOINT")) {
        cJSON *a = cmd_value(rest, e);
        if (!a)
            return -1;
        const char *key = word[0] == 'C' ? "Cmd" : "Entrypoint";
        cJSON_DeleteItemFromObjectCaseSensitive(cc, key);
        cJSON_AddItemToObject(cc, key, a);
        if (word[0] == 'E') /* like Docker: a new entrypoint drops the inherited cmd */
            cJSON_DeleteItemFromObjectCaseSensitive(cc, "Cmd");
        return 0;
    }
    if (!strcmp(word, "WORKDIR") || !strcmp(word, "USER") || !strcmp(word, "STOPSIGNAL")) {
        set_str(cc, word[0] == 'W' ? "WorkingDir" : word[0] == 'U' ? "User" : "StopSignal", rest);
        return 0;
    }
    if (!strcmp(word, "ENV") || !strcmp(word, "LABEL")) {
        char *k, *v;
        if (kv(rest, &k, &v) < 0)
            return sbc_err_set(e, 0, "invalid change \"%.100s\"", change);
        if (word[0] == 'L') {
            cJSON *l = obj_field(cc, "Labels");
            set_str(l, k, v);
        } else {
            cJSON *env = sbc_json_arr(cc, "Env");
            if (!env) {
                cJSON_DeleteItemFromObjectCaseSensitive(cc, "Env");
                env = cJSON_AddArrayToObject(cc, "Env");
            }
            size_t kl = strlen(k);
            for (int i = cJSON_GetArraySize(env) - 1; i >= 0; i--) {
                cJSON *it = cJSON_GetArrayItem(env, i);
                if (cJSON_IsString(it) && !strncmp(it->valuestring, k, kl) &&
                    (it->valuestring[kl] == '=' || !it->valuestring[kl]))
                    cJSON_DeleteItemFromArray(env, i);
            }
            char *kvs = sbc_xasprintf("%s=%s", k, v);
            cJSON_AddItemToArray(env, cJSON_CreateString(kvs));
            free(kvs);
        }
        free(k);
        free(v);
        return 0;
    }
    if (!strcmp(word, "EXPOSE") || !strcmp(word, "VOLUME")) {
        cJSON *o = obj_field(cc, word[0] == 'E' ? "ExposedPorts" : "Volumes");
        cJSON *list = NULL;
        if (*rest == '[')
            list = cmd_value(rest, e);
        if (*rest == '[' && !list)
            return -1;
        if (list) {
            cJSON *it;
            cJSON_ArrayForEach(it, list) {
                cJSON_DeleteItemFromObjectCaseSensitive(o, it->valuestring);
                cJSON_AddObjectToObject(o, it->valuestring);
            }
            cJSON_Delete(list);
            return 0;
        }
        char *dup = sbc_xstrdup(rest), *save = NULL;
        for (char *t = strtok_r(dup, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
            char *key = word[0] == 'E' && !strchr(t, '/') ? sbc_xasprintf("%s/tcp", t) : sbc_xstrdup(t);
            cJSON_DeleteItemFromObjectCaseSensitive(o, key);
            cJSON_AddObjectToObject(o, key);
            free(key);
        }
        free(dup);
        return 0;
    }
    return sbc_err_set(e, 0, "invalid change \"%.100s\": %s is not supported "
                       "(CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR)",
                       change, word);
}

char *sbc_build_tagname(const char *name, sbc_err *e)
{
    sbc_ref r;
    if (sbc_ref_parse(name, &r, e) < 0)
        return NULL;
    if (r.digest) {
        sbc_ref_free(&r);
        sbc_err_set(e, 0, "%s: a digest reference cannot be a tag", name);
        return NULL;
    }
    char *repo = sbc_ref_repo(&r);
    char *t = sbc_xasprintf("%s:%s", repo, r.tag ? r.tag : "latest");
    free(repo);
    sbc_ref_free(&r);
    return t;
}

int sbc_build_finish(sbc_store *s, const sbc_image *base, const cJSON *cfg_fields,
                     const sbc_newlayer *nl, int nnew, char *const *changes, int nchanges,
                     const char *created_by, const char *comment, const char *author,
                     const char *tag, char id[SBC_DIGEST_SIZE], sbc_err *e)
{
    char *tagname = NULL;
    if (tag && !(tagname = sbc_build_tagname(tag, e)))
        return -1;
    sbc_newlayer *all = NULL;
    int nbase = 0, rc = -1;
    cJSON *cfg = NULL;
    char *text = NULL;
    if (base && sbc_build_layers_of(base, &all, &nbase, e) < 0)
        goto out;
    all = sbc_xrealloc(all, (size_t)(nbase + nnew + 1) * sizeof *all);
    memcpy(all + nbase, nl, (size_t)nnew * sizeof *nl);
    cfg = sbc_build_config(base ? base->config : NULL, nl, nnew, created_by, comment);
    if (cfg_fields) {
        cJSON *cc = obj_field(cfg, "config"), *it;
        cJSON_ArrayForEach(it, cfg_fields) {
            cJSON_DeleteItemFromObjectCaseSensitive(cc, it->string);
            if (!cJSON_IsNull(it))
                cJSON_AddItemToObject(cc, it->string, cJSON_Duplicate(it, 1));
        }
    }
    if (author) {
        cJSON_DeleteItemFromObjectCaseSensitive(cfg, "author");
        cJSON_AddStringToObject(cfg, "author", author);
    }
    for (int i = 0; i < nchanges; i++)
        if (sbc_config_change(cfg, changes[i], e) < 0)
            goto out;
    text = cJSON_PrintUnformatted(cfg);
    const char *const tags[1] = {tagname};
    rc = sbc_build_image(s, text, strlen(text), all, nbase + nnew, tags, tagname ? 1 : 0, id, e);
out:
    free(text);
    cJSON_Delete(cfg);
    free(all);
    free(tagname);
    return rc;
}

void sbc_build_ctr_free(sbc_build_ctr *c)
{
    sbc_image_free(&c->img);
    free(c->driver);
    free(c->upper);
    free(c->rootfs);
    free(c->cmdline);
    cJSON_Delete(c->fields);
    memset(c, 0, sizeof *c);
}

struct stage_call {
    const char *rootfs;
    const char *const *lower;
    int n;
    const char *stage;
    const char *const *exclude;
    uint32_t shift_uid, shift_gid, shift_size;
    long *nch;
};

static int stage_in_ns(void *arg, sbc_err *e)
{
    const struct stage_call *c = arg;
    return sbc_fsdiff_stage_shifted(c->rootfs, c->lower, c->n, c->stage, c->exclude, c->shift_uid, c->shift_gid,
                                    c->shift_size, c->nch, e);
}

int sbc_build_layer_ctr(sbc_store *s, const sbc_build_ctr *c, const sbc_tarw_opts *o,
                        sbc_newlayer *out, sbc_err *e)
{
    int overlay = !strcmp(c->driver, "overlay");
    if (!overlay && strcmp(c->driver, "btrfs") && strcmp(c->driver, "copy"))
        return sbc_err_set(e, 0, "container %.12s: unknown storage driver \"%s\"", c->id, c->driver);
    struct stat st;
    sbc_tarw_opts so; /* the image keeps the container's view of owners */
    if (o)
        so = *o;
    else
        sbc_tarw_opts_init(&so);
    so.shift_uid = c->shift_uid, so.shift_gid = c->shift_gid, so.shift_size = c->shift_size;
    so.sub_uid = c->sub_uid, so.sub_gid = c->sub_gid, so.sub_size = c->sub_size;
    o = &so;
    if (overlay && stat(c->upper, &st) == 0)
        return sbc_build_layer_dir(s, c->upper, o, out, e);
    if (!overlay && lstat(c->rootfs, &st) < 0)
        return sbc_err_sys(e, "container %.12s: its rootfs %s", c->id, c->rootfs);
    /* a stage in tmp/ (on the store's file system: links to the container's
     * files, or on btrfs reflinks), empty for an overlay container never
     * started */
    char tmp[128];
    sbc_build_tmpname(tmp, sizeof tmp, "commit");
    char *stage = sbc_store_path(s, tmp), *ref = NULL;
    int rc = -1, mapped = 0;
    if (mkdir(stage, 0700) < 0) {
        sbc_err_sys(e, "mkdir %s", stage);
        free(stage);
        return -1;
    }
    if (!overlay) {
        const char *const *lower = (const char *const *)c->img.layer_dirs;
        int n = c->img.nlayers;
        if (!strcmp(c->driver, "btrfs")) {
            /* the flattened image the container is a snapshot of; rmi of
             * another image with the same layers may have dropped it */
            ref = sbc_rootfs_btrfs_image(s->root, (const char **)c->img.layer_dirs, n);
            if (lstat(ref, &st) == 0 && S_ISDIR(st.st_mode)) {
                lower = (const char *const *)&ref;
                n = 1;
            }
        }
        long nch = 0;
        struct stage_call sc = {c->rootfs, lower, n, stage, o ? o->exclude : NULL, c->shift_uid, c->shift_gid,
                                c->shift_size, &nch};
        uint32_t su, sg, sn;
        if (geteuid() != 0 && sbc_userns_subranges(&su, &sg, &sn)) {
            /* rootless: compared as root of the user's namespace (files of
             * the subordinate ids), where both sides have the same owners */
            sc.shift_size = 0;
            mapped = 1;
            if (sbc_userns_mapped(stage_in_ns, &sc, e) < 0)
                goto out;
        } else if (stage_in_ns(&sc, e) < 0) {
            goto out;
        }
        SBC_DEBUG("commit %.12s: %ld changes against %s", c->id, nch,
                  lower == (const char *const *)&ref ? ref : "the image's layers");
    }
    rc = sbc_build_layer_dir(s, stage, o, out, e);
out:;
    sbc_err ign = {0};
    if (mapped)
        sbc_userns_rm_rf(stage, &ign);
    else
        sbc_rm_rf(s->fd, tmp, &ign);
    free(stage);
    free(ref);
    return rc;
}

int sbc_build_tagname_ok(const char *name, sbc_err *e)
{
    char *tn = sbc_build_tagname(name, e);
    int ok = tn != NULL;
    free(tn);
    return ok ? 0 : -1;
}

static int build_export(sbc_store *s, const sbc_build_ctr *ct, const sbc_image *img, const char *path,
                        const sbc_tarw_opts *o, sbc_err *e);
struct export_call {
    sbc_store *s;
    const sbc_build_ctr *ct;
    const sbc_image *img;
    const char *path;
    const sbc_tarw_opts *o;
};

static int export_in_ns(void *arg, sbc_err *e)
{
    struct export_call *c = arg;
    return build_export(c->s, c->ct, c->img, c->path, c->o, e);
}

int sbc_build_export(sbc_store *s, const sbc_build_ctr *ct, const sbc_image *img, const char *path,
                     const sbc_tarw_opts *o, sbc_err *e)
{
    /* rootless with subordinate ids: flatten and tar as root of the user's
     * namespace (files of other container users may be closed to the user;
     * owners are the container's view there) */
    uint32_t su, sg, sn;
    if (geteuid() != 0 && sbc_userns_subranges(&su, &sg, &sn)) {
        sbc_tarw_opts so;
        if (o)
            so = *o;
        else
            sbc_tarw_opts_init(&so);
        sbc_build_ctr c2;
        if (ct) { /* (in the namespace the owners need no shift) */
            c2 = *ct;
            c2.shift_uid = c2.shift_gid = 0;
            c2.shift_size = 1;
            c2.sub_size = 0;
        }
        struct export_call c = {s, ct ? &c2 : NULL, img, path, &so};
        return sbc_userns_mapped(export_in_ns, &c, e);
    }
    return build_export(s, ct, img, path, o, e);
}

static int build_export(sbc_store *s, const sbc_build_ctr *ct, const sbc_image *img, const char *path,
                        const sbc_tarw_opts *o, sbc_err *e)
{
    const char **dirs = NULL;
    int n = 0, rc = -1, fd = 1;
    if (!ct) {
        dirs = sbc_xcalloc((size_t)img->nlayers + 1, sizeof *dirs);
        for (int i = 0; i < img->nlayers; i++)
            dirs[n++] = img->layer_dirs[i];
    } else if (!strcmp(ct->driver, "overlay")) {
        dirs = sbc_xcalloc((size_t)ct->img.nlayers + 2, sizeof *dirs);
        for (int i = 0; i < ct->img.nlayers; i++)
            dirs[n++] = ct->img.layer_dirs[i];
        struct stat st;
        if (stat(ct->upper, &st) == 0)
            dirs[n++] = ct->upper;
    }
    char tmp[128] = "";
    char *tmpabs = NULL;
    const char *src;
    if (dirs) {
        sbc_build_tmpname(tmp, sizeof tmp, "export");
        tmpabs = sbc_store_path(s, tmp);
        if (sbc_layer_flatten(dirs, n, tmpabs, e) < 0)
            goto out;
        src = tmpabs;
    } else {
        src = ct->rootfs; /* copy / btrfs: the rootfs dir is the whole root */
    }
    if (path && (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        sbc_err_sys(e, "%s", path);
        goto out;
    }
    sbc_tarw_opts so; /* the container's view of owners */
    if (o)
        so = *o;
    else
        sbc_tarw_opts_init(&so);
    if (ct)
        so.shift_uid = ct->shift_uid, so.shift_gid = ct->shift_gid, so.shift_size = ct->shift_size,
        so.sub_uid = ct->sub_uid, so.sub_gid = ct->sub_gid, so.sub_size = ct->sub_size;
    rc = sbc_tarw_dir(src, fd, &so, NULL, e);
    if (path && close(fd) < 0 && rc == 0)
        rc = sbc_err_sys(e, "%s", path);
out:
    if (tmp[0]) {
        sbc_err ign = {0};
        sbc_rm_rf(s->fd, tmp, &ign);
    }
    free(tmpabs);
    free(dirs);
    return rc;
}
