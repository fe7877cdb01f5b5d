/* bstep.c - the build steps that make layers (RUN, COPY, ADD) and the
 * state they share with builder.c: the cache index, intermediate images.
 *
 * A RUN runs in a container of the engine made from the image so far (the
 * same security defaults as sbc-run; its network as --network says), in the
 * foreground; a COPY/ADD writes into a created container's root, which is
 * never started (build/copy.h does the writing, with every path resolved in
 * that root).  Either way the container's changes become a layer as
 * sbc-commit makes it, the container is removed, and an untagged image
 * (config + layers) is written and named in the cache index. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/io.h"
#include "base/json.h"
#include "base/time.h"
#include "build/bint.h"
#include "build/copy.h"
#include "build/expand.h"
#include "image/buildcache.h"
#include "image/imgbuild.h"
#include "runtime/commit.h"
#include "runtime/ctrfs.h"
#include "runtime/launch.h"
#include "runtime/monitor.h"

/* Seconds since the last call, for --debug's timings of a step's parts. */
static double lap(void)
{
    static struct timespec last;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double d = (double)(now.tv_sec - last.tv_sec) + (double)(now.tv_nsec - last.tv_nsec) / 1e9;
    last = now;
    return d;
}

void bkey(const bstate *st, const char *const *parts, size_t n, char out[SBC_HEX_SIZE])
{
    sbc_sha256 h;
    sbc_sha256_init(&h);
    sbc_sha256_update(&h, st->chain, strlen(st->chain) + 1);
    for (size_t i = 0; i < n; i++)
        sbc_sha256_update(&h, parts[i] ? parts[i] : "", strlen(parts[i] ? parts[i] : "") + 1);
    char d[SBC_DIGEST_SIZE];
    sbc_sha256_final(&h, d);
    memcpy(out, sbc_digest_hex(d), SBC_HEX_SIZE);
}

int bstate_adopt(bstate *st, const char *id, const char *key, sbc_err *e)
{
    sbc_image img;
    if (sbc_image_lookup(st->b->s, id, &img, e) < 0)
        return -1;
    cJSON_Delete(st->cfg);
    st->cfg = cJSON_Duplicate(img.config, 1);
    memcpy(st->base, img.id, SBC_DIGEST_SIZE);
    st->nlayers = img.nlayers;
    sbc_image_free(&img);
    if (key != st->chain)
        memmove(st->chain, key, SBC_HEX_SIZE);
    st->dirty = 0;
    return 0;
}

int bstate_cached(bstate *st, const char *key)
{
    char id[SBC_DIGEST_SIZE];
    sbc_err e = {0};
    if (st->b->o->no_cache || sbc_bcache_get(st->b->s, key, id) != 1 || bstate_adopt(st, id, key, &e) < 0)
        return 0;
    bnote(st->b, "CACHED");
    st->b->cached = 1;
    return 1;
}

void bstate_history(bstate *st, const char *created_by)
{
    cJSON *h = sbc_json_arr(st->cfg, "history");
    if (!h) {
        cJSON_DeleteItemFromObjectCaseSensitive(st->cfg, "history");
        h = cJSON_AddArrayToObject(st->cfg, "history");
    }
    char now[SBC_TIME_MAX];
    cJSON *it = cJSON_CreateObject();
    cJSON_AddStringToObject(it, "created", sbc_time_now(now, SBC_TIME_NSEC | SBC_TIME_SOURCE_DATE));
    cJSON_AddStringToObject(it, "created_by", created_by);
    cJSON_AddBoolToObject(it, "empty_layer", 1);
    cJSON_AddItemToArray(h, it);
}

/* Write cfg with layers (the base's, then nl when given) as an untagged
 * image and name it in the cache under key. */
static int write_image(bstate *st, cJSON *cfg, const sbc_newlayer *nl, const char *key, char id[SBC_DIGEST_SIZE],
                       sbc_err *e)
{
    sbc_newlayer *all = NULL;
    int n = 0, rc = -1;
    if (st->base[0]) {
        sbc_image img;
        if (sbc_image_lookup(st->b->s, st->base, &img, e) < 0)
            return -1;
        rc = sbc_build_layers_of(&img, &all, &n, e);
        sbc_image_free(&img);
        if (rc < 0)
            return -1;
    }
    if (nl) {
        all = sbc_xrealloc(all, (size_t)(n + 1) * sizeof *all);
        all[n++] = *nl;
    }
    char *text = cJSON_PrintUnformatted(cfg);
    /* the image and its cache entry under one store lock: no prune sees
     * it untagged and unnamed between the two */
    rc = sbc_store_lock(st->b->s, e);
    if (rc == 0) {
        rc = sbc_build_image(st->b->s, text, strlen(text), all, n, NULL, 0, id, e);
        if (rc == 0 && sbc_bcache_put(st->b->s, key, id, e) < 0)
            rc = -1;
        sbc_store_unlock(st->b->s);
    }
    free(text);
    free(all);
    return rc;
}

int bstate_image(bstate *st, sbc_err *e)
{
    if (!st->dirty)
        return 0;
    if (bstate_cached(st, st->chain))
        return 0;
    char now[SBC_TIME_MAX], id[SBC_DIGEST_SIZE];
    cJSON_DeleteItemFromObjectCaseSensitive(st->cfg, "created");
    cJSON_AddStringToObject(st->cfg, "created", sbc_time_now(now, SBC_TIME_NSEC | SBC_TIME_SOURCE_DATE));
    if (write_image(st, st->cfg, NULL, st->chain, id, e) < 0)
        return -1;
    memcpy(st->base, id, SBC_DIGEST_SIZE);
    st->dirty = 0;
    return 0;
}

/* RUN's --mount's, made into the container's binds and tmpfs. */
typedef struct run_mounts {
    sbc_bind b[16];
    sbc_tmpfs t[16];
    int nb, nt;
    const char *net;
} run_mounts;

/* A container of the image so far (created, not started); m: RUN's
 * network and mounts (NULL: COPY's, with no network). */
static int make_ctr(bstate *st, const char *image, char **cmd, int ncmd, char **env, size_t nenv,
                    const run_mounts *m, sbc_container *c, sbc_err *e)
{
    sbc_image img;
    if (sbc_image_lookup(st->b->s, image, &img, e) < 0)
        return -1;
    sbc_create_opts co = {.image = image, .found = &img, .cmd = cmd, .ncmd = ncmd, .entrypoint = "",
                          .entrypoint_set = 1, .env = (const char **)env, .nenv = (int)nenv,
                          .network = m ? m->net : "none", .binds = m ? (sbc_bind *)m->b : NULL,
                          .nbinds = m ? m->nb : 0, .tmpfs = m ? (sbc_tmpfs *)m->t : NULL, .ntmpfs = m ? m->nt : 0};
    if (!env) /* a container for COPY's files: never started, its ids are the image's */
        co.userns = "host";
    int rc = sbc_launch_create(st->b->s, &co, c, e);
    sbc_image_free(&img);
    return rc;
}

static void drop_ctr(bstate *st, sbc_container *c)
{
    sbc_err e2 = {0};
    lap();
    sbc_container_remove(st->b->s->root, c, &e2);
    sbc_container_free(c);
    SBC_DEBUG("build: container removed in %.3fs", lap());
}

static void layer_opts(const bstate *st, sbc_tarw_opts *to)
{
    sbc_tarw_opts_init(to);
    to->compression = st->b->o->compression;
    to->level = st->b->o->level;
}

/* The container's changes as a layer (the commit path), then the image of
 * cfg + that layer; the state becomes it. */
static int commit_ctr(bstate *st, sbc_container *c, const char *created_by, const char *key, sbc_err *e)
{
    SBC_DEBUG("build: step ran in %.3fs", lap());
    sbc_build_ctr ct;
    int isc = sbc_container_for_commit(st->b->s, c->id, &ct, e);
    if (isc <= 0)
        return isc == 0 ? sbc_err_set(e, 125, "build container %.12s is gone", c->id) : -1;
    static const char *const skip[] = {"etc/hostname", "etc/hosts", "etc/resolv.conf", NULL};
    sbc_tarw_opts to;
    layer_opts(st, &to);
    to.exclude = skip;
    sbc_newlayer nl;
    int rc = sbc_build_layer_ctr(st->b->s, &ct, &to, &nl, e);
    sbc_build_ctr_free(&ct);
    if (rc < 0)
        return -1;
    SBC_DEBUG("build: layer made in %.3fs", lap());
    cJSON *cfg = sbc_build_config(st->cfg, &nl, 1, created_by, NULL);
    char id[SBC_DIGEST_SIZE];
    rc = write_image(st, cfg, &nl, key, id, e);
    cJSON_Delete(cfg);
    SBC_DEBUG("build: image written in %.3fs", lap());
    return rc < 0 ? -1 : bstate_adopt(st, id, key, e);
}

/* RUN's argv: the exec form, or the shell with the text; a heredoc that is
 * the whole command is the script, others are given to the shell as
 * written. */
static cJSON *run_argv(bstate *st, const sbc_df_instr *in)
{
    if (in->json || !in->nheredocs)
        return bstate_command(st, in, 0);
    sbc_buf t = {0};
    const char *a = in->nargs ? in->args[0] : "";
    while (*a == ' ' || *a == '\t')
        a++;
    if (in->nheredocs == 1 && !strncmp(a, "<<", 2) && !a[2 + strcspn(a + 2, " \t")]) {
        sbc_buf_adds(&t, in->heredocs[0].body);
    } else {
        sbc_buf_adds(&t, a);
        for (size_t i = 0; i < in->nheredocs; i++)
            sbc_buf_printf(&t, "\n%s%s", in->heredocs[i].body, in->heredocs[i].name);
    }
    sbc_df_instr one = *in;
    char *arg = t.data ? t.data : (char *)"";
    one.args = &arg;
    one.nargs = 1;
    cJSON *r = bstate_command(st, &one, 0);
    sbc_buf_free(&t);
    return r;
}

/* Start c in the foreground with its output on run_fd; its exit code. */
static int run_fg(bstate *st, sbc_container *c, int *code, sbc_err *e)
{
    int fd = st->b->o->run_fd, s1 = dup(1), s2 = dup(2);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
    }
    sbc_fg_stop_signal = 0;
    int rc = sbc_launch_start(st->b->s->root, c, 0, SBC_START_KILL_ON_STOP, code, e);
    if (sbc_fg_stop_signal)
        sbc_build_stop = 1;
    if (s1 >= 0) {
        dup2(s1, 1);
        close(s1);
    }
    if (s2 >= 0) {
        dup2(s2, 2);
        close(s2);
    }
    return rc;
}

static void run_mounts_free(run_mounts *m)
{
    for (int i = 0; i < m->nb; i++) {
        free((char *)m->b[i].spec);
        free(m->b[i].src);
        free(m->b[i].dst);
    }
    for (int i = 0; i < m->nt; i++) {
        free((char *)m->t[i].spec);
        free(m->t[i].dst);
        free(m->t[i].opts);
    }
}

/* --mount=type=cache: a directory of the store kept between builds (by id,
 * default the target), made with mode, uid and gid at first use. */
static int cache_mount(bstate *st, const char *id, const char *mode, const char *uid, const char *gid, char **dir,
                       sbc_err *e)
{
    char d[SBC_DIGEST_SIZE];
    sbc_sha256_digest(id, strlen(id), d);
    char *rel = sbc_xasprintf("build-mounts/%.32s", sbc_digest_hex(d));
    mkdirat(st->b->s->fd, "build-mounts", 0700);
    int rc = 0;
    if (mkdirat(st->b->s->fd, rel, 0700) == 0) {
        if (fchmodat(st->b->s->fd, rel, mode ? (mode_t)strtoul(mode, NULL, 8) & 07777 : 0755, 0) < 0 ||
            fchownat(st->b->s->fd, rel, uid ? (uid_t)atol(uid) : 0, gid ? (gid_t)atol(gid) : 0, AT_SYMLINK_NOFOLLOW) < 0)
            rc = sbc_err_sys(e, "cache mount %s", id);
    } else if (errno != EEXIST) {
        rc = sbc_err_sys(e, "cache mount %s", id);
    }
    *dir = rc == 0 ? sbc_store_path(st->b->s, rel) : NULL;
    free(rel);
    return rc;
}

/* One --mount=type=...,target=... (values already expanded). */
static int run_mount(bstate *st, char *spec, run_mounts *m, sbc_err *e)
{
    const char *type = "bind", *target = NULL, *id = NULL, *mode = NULL, *uid = NULL, *gid = NULL, *size = NULL;
    int ro = 0;
    char *save = NULL;
    for (char *kv = strtok_r(spec, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *v = strchr(kv, '=');
        if (v)
            *v++ = 0;
        if (!strcmp(kv, "type")) type = v ? v : "";
        else if (!strcmp(kv, "target") || !strcmp(kv, "dst") || !strcmp(kv, "destination")) target = v;
        else if (!strcmp(kv, "id")) id = v;
        else if (!strcmp(kv, "mode")) mode = v;
        else if (!strcmp(kv, "uid")) uid = v;
        else if (!strcmp(kv, "gid")) gid = v;
        else if (!strcmp(kv, "size")) size = v;
        else if (!strcmp(kv, "ro") || !strcmp(kv, "readonly")) ro = !v || !strcmp(v, "true");
        else if (strcmp(kv, "sharing") && strcmp(kv, "rw"))
            return sbc_err_set(e, 1, "RUN --mount: option \"%s\" is not supported by sbc-build", kv);
    }
    if (!target || *target != '/')
        return sbc_err_set(e, 1, "RUN --mount: an absolute target is needed");
    if (m->nb == 16 || m->nt == 16)
        return sbc_err_set(e, 1, "RUN --mount: too many mounts");
    if (!strcmp(type, "tmpfs")) {
        m->t[m->nt++] = (sbc_tmpfs){.spec = sbc_xstrdup(target), .dst = sbc_xstrdup(target),
                                    .opts = size ? sbc_xasprintf("size=%s", size) : sbc_xstrdup("")};
        return 0;
    }
    if (strcmp(type, "cache"))
        return sbc_err_set(e, 1, "RUN --mount=type=%s is not supported by sbc-build (cache and tmpfs are)", type);
    char *dir;
    if (cache_mount(st, id ? id : target, mode, uid, gid, &dir, e) < 0)
        return -1;
    m->b[m->nb++] = (sbc_bind){.spec = sbc_xasprintf("%s:%s", dir, target), .src = dir, .dst = sbc_xstrdup(target), .ro = ro};
    return 0;
}

static int run_flags(bstate *st, const sbc_df_instr *in, run_mounts *m, sbc_err *e)
{
    m->net = st->b->o->network ? st->b->o->network : "bridge";
    for (size_t i = 0; i < in->nflags; i++) {
        char *v = sbc_expand_word(strchr(in->flags[i], '=') ? strchr(in->flags[i], '=') + 1 : "", st->b->df->escape,
                                  bstate_lookup, st, e);
        int rc = v ? 0 : -1;
        if (rc == 0 && !strncmp(in->flags[i], "--mount=", 8)) {
            rc = run_mount(st, v, m, e);
        } else if (rc == 0 && !strncmp(in->flags[i], "--network=", 10)) {
            if (!strcmp(v, "none") || !strcmp(v, "host"))
                m->net = !strcmp(v, "none") ? "none" : "host";
            else if (strcmp(v, "default"))
                rc = sbc_err_set(e, 1, "RUN --network=%s: expected default, none or host", v);
        } else if (rc == 0 && strcmp(v, "sandbox")) {
            rc = sbc_err_set(e, 1, "RUN --security=%s is not allowed by sbc-build", v);
        }
        free(v);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int bstep_run(bstate *st, const sbc_df_instr *in, sbc_err *e)
{
    cJSON *argv = run_argv(st, in);
    size_t nenv, nkey;
    char **env = bstate_run_env(st, &nenv, &nkey);
    sbc_buf t = {0};
    if (nkey)
        sbc_buf_printf(&t, "|%zu ", nkey);
    for (size_t i = 0; i < nkey; i++)
        sbc_buf_printf(&t, "%s ", env[i]);
    int n = cJSON_GetArraySize(argv), rc = -1, code = 0;
    char **cmd = sbc_xcalloc((size_t)n + 1, sizeof *cmd);
    for (int i = 0; i < n; i++) {
        cmd[i] = cJSON_GetArrayItem(argv, i)->valuestring;
        sbc_buf_printf(&t, "%s%s", i ? " " : "", cmd[i]);
    }
    run_mounts m = {0};
    char key[SBC_HEX_SIZE];
    if (run_flags(st, in, &m, e) < 0)
        goto out;
    sbc_buf fl = {0};
    for (size_t i = 0; i < in->nflags; i++)
        sbc_buf_printf(&fl, "%s\n", in->flags[i]);
    const char *parts[3] = {"run", t.data, fl.data};
    bkey(st, parts, 3, key);
    sbc_buf_free(&fl);
    if (bstate_cached(st, key)) {
        rc = 0;
        goto out;
    }
    if (bstate_image(st, e) < 0)
        goto out;
    if (!st->nlayers) {
        sbc_err_set(e, 125, "RUN: the image has no files to run (FROM scratch)");
        goto out;
    }
    sbc_container c;
    lap();
    if (make_ctr(st, st->base, cmd, n, env, nenv, &m, &c, e) < 0)
        goto out;
    SBC_DEBUG("build: container made in %.3fs", lap());
    if (run_fg(st, &c, &code, e) == 0) {
        if (sbc_build_stop) {
            sbc_err_set(e, 130, "interrupted");
        } else if (code == 0) {
            rc = commit_ctr(st, &c, t.data, key, e);
        } else {
            char *j = cJSON_PrintUnformatted(argv);
            sbc_err_set(e, 1, "RUN: process %s did not complete successfully: exit code: %d", j, code);
            free(j);
        }
    }
    drop_ctr(st, &c);
out:
    run_mounts_free(&m);
    free(cmd);
    sbc_names_free(env, nenv);
    sbc_buf_free(&t);
    cJSON_Delete(argv);
    return rc;
}

/* ---- COPY and ADD ------------------------------------------------------ */

/* A root to copy from (--from): a created container of the image, its
 * root opened as sbc-cp opens a stopped container's. */
typedef struct from_root {
    sbc_container c;
    sbc_ctrfs fs;
    int made, open;
} from_root;

static int from_open(bstate *st, const char *ref, from_root *fr, sbc_err *e)
{
    char id[SBC_DIGEST_SIZE];
    int r = builder_stage_ref(st->b, (size_t)(st->stage - st->b->stages), ref, id, e);
    if (r == 0)
        r = builder_image(st->b, ref, NULL, id, e);
    if (r < 0)
        return -1;
    char *cmd[] = {"/sbc-build-copy", NULL};
    if (make_ctr(st, id, cmd, 1, NULL, 0, NULL, &fr->c, e) < 0)
        return -1;
    fr->made = 1;
    if (sbc_ctrfs_open(st->b->s->root, fr->c.id, &fr->fs, e) < 0)
        return -1;
    fr->open = 1;
    return 0;
}

static void from_close(bstate *st, from_root *fr)
{
    if (fr->open)
        sbc_ctrfs_close(&fr->fs);
    if (fr->made)
        drop_ctr(st, &fr->c);
}

/* The flags COPY and ADD take here (--link is accepted: every layer is
 * independent of the one below it anyway). */
static int copy_flags(bstate *st, const sbc_df_instr *in, char **from, char **chown, char **chmod, sbc_err *e)
{
    static const char *const keys[] = {"--from=", "--chown=", "--chmod="};
    char **out[] = {from, chown, chmod};
    for (size_t i = 0; i < in->nflags; i++) {
        const char *f = in->flags[i];
        size_t k = 0;
        while (k < 3 && strncmp(f, keys[k], strlen(keys[k])))
            k++;
        if (k == 3) {
            if (!strcmp(f, "--link") || !strcmp(f, "--link=true") || !strcmp(f, "--link=false"))
                continue;
            return sbc_err_set(e, 125, "%s is not supported by sbc-build", f);
        }
        free(*out[k]);
        if (!(*out[k] = sbc_expand_word(f + strlen(keys[k]), st->b->df->escape, bstate_lookup, st, e)))
            return -1;
    }
    return 0;
}

/* Where the files go: the container of the image so far, or, on an image
 * without layers (FROM scratch), a plain directory made into a layer. */
static int copy_apply(bstate *st, const sbc_copy_plan *p, const char *created_by, const char *key, sbc_err *e)
{
    lap();
    if (bstate_image(st, e) < 0)
        return -1;
    if (st->nlayers) {
        sbc_container c;
        char *cmd[] = {"/sbc-build-copy", NULL};
        if (make_ctr(st, st->base, cmd, 1, NULL, 0, NULL, &c, e) < 0)
            return -1;
        sbc_ctrfs fs;
        int rc = sbc_ctrfs_open(st->b->s->root, c.id, &fs, e);
        if (rc == 0) {
            rc = sbc_copy_apply(p, fs.root, e);
            sbc_ctrfs_close(&fs);
        }
        if (rc == 0)
            rc = commit_ctr(st, &c, created_by, key, e);
        drop_ctr(st, &c);
        return rc;
    }
    char tmp[160];
    sbc_build_tmpname(tmp, sizeof tmp, "build-copy");
    if (mkdirat(st->b->s->fd, tmp, 0755) < 0)
        return sbc_err_sys(e, "%s/%s", st->b->s->root, tmp);
    int fd = openat(st->b->s->fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = -1;
    sbc_newlayer nl;
    char *path = sbc_store_path(st->b->s, tmp);
    sbc_tarw_opts to;
    layer_opts(st, &to);
    to.plain = 1;
    if (fd >= 0 && sbc_copy_apply(p, fd, e) == 0 && sbc_build_layer_dir(st->b->s, path, &to, &nl, e) == 0) {
        cJSON *cfg = sbc_build_config(st->cfg, &nl, 1, created_by, NULL);
        char id[SBC_DIGEST_SIZE];
        rc = write_image(st, cfg, &nl, key, id, e);
        cJSON_Delete(cfg);
        if (rc == 0)
            rc = bstate_adopt(st, id, key, e);
    }
    if (fd >= 0)
        close(fd);
    sbc_err e2 = {0};
    sbc_rm_rf(st->b->s->fd, tmp, &e2);
    free(path);
    return rc;
}

int bstep_copy(bstate *st, const sbc_df_instr *in, sbc_err *e)
{
    builder *b = st->b;
    char *from = NULL, *chown = NULL, *chmod = NULL, **args = sbc_xcalloc(in->nargs + 1, sizeof *args);
    from_root fr = {0};
    sbc_copy_plan *p = NULL;
    int rc = -1, add = in->cmd[0] == 'a';
    if (geteuid() != 0) { /* the files go in through an overlay mount of the host's (as sbc-cp's) */
        sbc_err_set(e, 1, "%s: not supported yet in a rootless build (RUN and the metadata steps are)",
                    add ? "ADD" : "COPY");
        goto out;
    }
    if (copy_flags(st, in, &from, &chown, &chmod, e) < 0)
        goto out;
    for (size_t i = 0; i < in->nargs; i++)
        if (!(args[i] = sbc_expand_word(in->args[i], b->df->escape, bstate_lookup, st, e)))
            goto out;
    if (from && from_open(st, from, &fr, e) < 0)
        goto out;
    char *tmpdir = sbc_store_path(b->s, "tmp");
    sbc_copy_req rq = {.src_root = from ? fr.fs.root : b->ctx, .ignore = from ? NULL : b->ign,
                       .srcs = (const char *const *)args, .nsrcs = in->nargs - 1, .dest = args[in->nargs - 1],
                       .workdir = sbc_json_str(sbc_json_obj(st->cfg, "config"), "WorkingDir"),
                       .chown = chown, .chmod = chmod, .add = add, .heredocs = in->heredocs,
                       .nheredocs = in->nheredocs};
    p = sbc_copy_plan_make(&rq, tmpdir, e);
    free(tmpdir);
    char digest[SBC_DIGEST_SIZE];
    if (!p || sbc_copy_digest(p, digest, e) < 0)
        goto out;
    const char *parts[6] = {in->cmd, digest, rq.dest, chown, chmod, rq.workdir};
    char key[SBC_HEX_SIZE];
    bkey(st, parts, 6, key);
    if (bstate_cached(st, key)) {
        rc = 0;
        goto out;
    }
    char *by = sbc_xasprintf("/bin/sh -c #(nop) %s %s:%s in %s ", add ? "ADD" : "COPY", in->nargs > 2 ? "multi" : "file",
                             sbc_digest_hex(digest), rq.dest);
    rc = copy_apply(st, p, by, key, e);
    free(by);
out:
    sbc_copy_free(p);
    from_close(st, &fr);
    sbc_names_free(args, in->nargs);
    free(from);
    free(chown);
    free(chmod);
    return rc;
}
