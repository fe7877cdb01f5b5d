/* builder.c - sbc-build's driver (builder.h): the context, the Dockerfile,
 * its stages and build arguments, and the instructions that only change
 * the config.  The steps that make layers are in bstep.c. */
#include "build/builder.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/io.h"
#include "base/json.h"
#include "base/time.h"
#include "build/bint.h"
#include "build/expand.h"
#include "image/buildcache.h"
#include "image/imgbuild.h"
#include "image/pull.h"
#include "image/rootfs.h"
#include "registry/registry.h"
#include "base/path.h"
#include "base/unz.h"
#include "image/tarw.h"
#include "runtime/ctrfs.h"
#include "runtime/launch.h"

/* Docker's predefined args: usable without ARG, kept out of the history
 * and the cache key. */
static const char *const proxy_args[] = {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY",
                                         "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", NULL};

static int is_proxy(const char *k)
{
    for (int i = 0; proxy_args[i]; i++)
        if (!strcmp(k, proxy_args[i]))
            return 1;
    return 0;
}

const char *bargs_get(const bargs *a, const char *k, int *declared)
{
    for (size_t i = a->n; i-- > 0;)
        if (!strcmp(a->k[i], k)) {
            if (declared)
                *declared = 1;
            return a->v[i];
        }
    if (declared)
        *declared = 0;
    return NULL;
}

void bargs_set(bargs *a, const char *k, const char *v)
{
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->k[i], k)) {
            free(a->v[i]);
            a->v[i] = v ? sbc_xstrdup(v) : NULL;
            return;
        }
    a->k = sbc_xrealloc(a->k, (a->n + 1) * sizeof *a->k);
    a->v = sbc_xrealloc(a->v, (a->n + 1) * sizeof *a->v);
    a->k[a->n] = sbc_xstrdup(k);
    a->v[a->n++] = v ? sbc_xstrdup(v) : NULL;
}

void bargs_free(bargs *a)
{
    for (size_t i = 0; i < a->n; i++) {
        free(a->k[i]);
        free(a->v[i]);
    }
    free(a->k);
    free(a->v);
    *a = (bargs){0};
}

/* --build-arg K: its value, and it counts as consumed.  NULL: not given. */
static const char *given_arg(builder *b, const char *k)
{
    size_t kl = strlen(k);
    for (int i = b->o->nbuild_args - 1; i >= 0; i--) {
        const char *a = b->o->build_args[i];
        if (strncmp(a, k, kl) || (a[kl] && a[kl] != '='))
            continue;
        b->used[i] = 1;
        return a[kl] == '=' ? a + kl + 1 : getenv(k);
    }
    return NULL;
}

static const char *env_get(const cJSON *cfg, const char *name)
{
    cJSON *it, *env = sbc_json_arr(sbc_json_obj(cfg, "config"), "Env");
    size_t nl = strlen(name);
    cJSON_ArrayForEach(it, env) if (cJSON_IsString(it) && !strncmp(it->valuestring, name, nl) &&
                                    it->valuestring[nl] == '=') return it->valuestring + nl + 1;
    return NULL;
}

const char *bstate_lookup(const char *name, void *arg)
{
    bstate *st = arg;
    const char *v = env_get(st->cfg, name);
    if (v)
        return v;
    int decl;
    v = bargs_get(&st->args, name, &decl);
    if (!decl && is_proxy(name))
        v = given_arg(st->b, name);
    return v;
}

static const char *meta_lookup(const char *name, void *arg)
{
    return bargs_get(&((builder *)arg)->meta, name, NULL);
}

char **bstate_run_env(const bstate *st, size_t *n, size_t *nkey)
{
    char **v = sbc_xcalloc(st->args.n + 11, sizeof *v);
    *n = 0;
    for (size_t i = 0; i < st->args.n; i++)
        if (st->args.v[i] && !env_get(st->cfg, st->args.k[i]))
            v[(*n)++] = sbc_xasprintf("%s=%s", st->args.k[i], st->args.v[i]);
    *nkey = *n;
    for (int i = 0; proxy_args[i]; i++) {
        int decl;
        bargs_get(&st->args, proxy_args[i], &decl);
        const char *pv = decl ? NULL : given_arg(st->b, proxy_args[i]);
        if (pv)
            v[(*n)++] = sbc_xasprintf("%s=%s", proxy_args[i], pv);
    }
    return v;
}

void bnote(builder *b, const char *fmt, ...)
{
    if (!b->o->note)
        return;
    char line[1024];
    int k = snprintf(line, sizeof line, "#%d ", b->stepno);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + k, sizeof line - (size_t)k, fmt, ap);
    va_end(ap);
    b->o->note(b->o->note_arg, line);
}

/* ---- the context ---------------------------------------------------- */

static int scratch_dir(builder *b, sbc_err *e)
{
    sbc_build_tmpname(b->scratch, sizeof b->scratch, "build-ctx");
    if (mkdirat(b->s->fd, b->scratch, 0755) < 0) {
        sbc_err_sys(e, "%s/%s", b->s->root, b->scratch);
        b->scratch[0] = 0;
        return -1;
    }
    b->ctx = openat(b->s->fd, b->scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (b->ctx >= 0)
        fchmod(b->ctx, 0755); /* as a context dir would be ("COPY . /x/" gives /x its mode) */
    return b->ctx < 0 ? sbc_err_sys(e, "%s/%s", b->s->root, b->scratch) : 0;
}

/* An unlinked file of the store's tmp/ (large contexts stay off /tmp). */
static int tmp_file(builder *b, sbc_err *e)
{
    char tmp[160];
    sbc_build_tmpname(tmp, sizeof tmp, "build-in");
    int fd = openat(b->s->fd, tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return sbc_err_sys(e, "%s/%s", b->s->root, tmp);
    unlinkat(b->s->fd, tmp, 0);
    return fd;
}

/* fd (at its start) decompressed into a new unlinked file, when it is gzip
 * or zstd: the fd of the plain tar (fd itself when it is one), or -1. */
static int plain_tar(builder *b, int fd, sbc_err *e)
{
    unsigned char in[65536];
    ssize_t n = pread(fd, in, 8, 0);
    int comp = sbc_comp_sniff(in, n > 0 ? (size_t)n : 0);
    if (comp == SBC_COMP_NONE)
        return fd;
    sbc_unz *u = sbc_unz_new(comp, e);
    int out = u ? tmp_file(b, e) : -1, eof = 0;
    while (out >= 0 && !eof) {
        n = read(fd, in, sizeof in);
        if (n < 0) {
            sbc_err_sys(e, "reading the context");
            break;
        }
        eof = n == 0;
        const unsigned char *p = in;
        size_t left = (size_t)n;
        ssize_t k;
        static unsigned char buf[65536];
        while ((k = sbc_unz_run(u, &p, &left, eof, buf, sizeof buf, e)) > 0)
            if (sbc_write_full(out, buf, (size_t)k) < 0)
                k = sbc_err_sys(e, "writing the context");
        if (k < 0)
            break;
    }
    sbc_unz_free(u);
    if (out >= 0 && (!eof || lseek(out, 0, SEEK_SET) < 0)) {
        close(out);
        out = -1;
    }
    return out;
}

/* A tar (plain, gzip or zstd) from fd extracted into the scratch context. */
static int untar_context(builder *b, int fd, sbc_err *e)
{
    if (scratch_dir(b, e) < 0)
        return -1;
    int t = plain_tar(b, fd, e);
    if (t < 0)
        return -1;
    sbc_cp_end end = {.root = b->ctx, .path = "/", .name = "build context"};
    sbc_cp_opts co = {.archive = 1};
    int rc = sbc_cp_tar_in(&end, &co, t, e);
    if (t != fd)
        close(t);
    return rc;
}

/* "-": a tar, or a Dockerfile alone (an empty context), as Docker reads
 * stdin.  *text gets the Dockerfile in that case. */
static int stdin_context(builder *b, char **text, size_t *len, sbc_err *e)
{
    int fd = tmp_file(b, e);
    if (fd < 0)
        return -1;
    unsigned char head[512] = {0};
    int rc = -1;
    if (sbc_copy_data(0, fd) < 0) {
        sbc_err_sys(e, "reading the context from standard input");
        goto out;
    }
    ssize_t n = pread(fd, head, sizeof head, 0);
    int tar = n == 512 && !memcmp(head + 257, "ustar", 5);
    if (tar || sbc_comp_sniff(head, n > 0 ? (size_t)n : 0) != SBC_COMP_NONE) {
        lseek(fd, 0, SEEK_SET);
        rc = untar_context(b, fd, e);
    } else if (scratch_dir(b, e) == 0) {
        lseek(fd, 0, SEEK_SET);
        rc = (*text = sbc_read_whole_fd(fd, "standard input", SBC_DF_MAX_BYTES, len, e)) ? 0 : -1;
    }
out:
    close(fd);
    return rc;
}

/* The context's root, its .dockerignore and the Dockerfile's text. */
static int load_context(builder *b, char **text, size_t *len, sbc_err *e)
{
    const char *c = b->o->context;
    *text = NULL;
    if (!strcmp(c, "-")) {
        if (b->o->dockerfile && !strcmp(b->o->dockerfile, "-"))
            return sbc_err_set(e, 125, "-f - and a context on standard input: only one can be read from it");
        if (stdin_context(b, text, len, e) < 0)
            return -1;
    } else {
        int fd = open(c, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
            if (fd >= 0)
                close(fd);
            return sbc_err_set(e, 1, "unable to prepare context: path \"%s\" not found", c);
        }
        if (S_ISDIR(st.st_mode)) {
            b->ctx = fd;
        } else {
            int rc = untar_context(b, fd, e);
            close(fd);
            if (rc < 0)
                return -1;
        }
    }
    size_t il = 0;
    char *ig = sbc_read_file(b->ctx, ".dockerignore", 1 << 20, &il, NULL);
    b->ign = sbc_ignore_parse(ig ? ig : "", ig ? il : 0, e);
    free(ig);
    if (!b->ign)
        return -1;
    if (*text)
        return 0;
    const char *f = b->o->dockerfile ? b->o->dockerfile : "Dockerfile";
    if (!strcmp(f, "-"))
        *text = sbc_read_whole_fd(0, "standard input", SBC_DF_MAX_BYTES, len, e);
    else if (b->o->dockerfile && !b->scratch[0])
        *text = sbc_read_file(AT_FDCWD, f, SBC_DF_MAX_BYTES, len, e);
    else
        *text = sbc_read_file(b->ctx, f, SBC_DF_MAX_BYTES, len, e);
    if (!*text && e->errnum == ENOENT) {
        sbc_err_clear(e);
        return sbc_err_set(e, 1, "failed to read dockerfile: open %s: no such file or directory", f);
    }
    return *text ? 0 : -1;
}

/* ---- stages and arguments ------------------------------------------- */

/* BuildKit's automatic platform args, in the global scope (a stage sees
 * them after ARG NAME): TARGET* from --platform, BUILD* from this host. */
static void platform_args(builder *b)
{
    const char *pl[2] = {b->o->platform ? b->o->platform : sbc_host_platform(), sbc_host_platform()};
    static const char *const pre[2] = {"TARGET", "BUILD"};
    for (int k = 0; k < 2; k++) {
        char v[64], name[32];
        snprintf(v, sizeof v, "%s", pl[k]);
        snprintf(name, sizeof name, "%sPLATFORM", pre[k]);
        bargs_set(&b->meta, name, v);
        char *arch = strchr(v, '/'), *var = arch ? strchr(arch + 1, '/') : NULL;
        if (arch)
            *arch++ = 0;
        if (var)
            *var++ = 0;
        snprintf(name, sizeof name, "%sOS", pre[k]);
        bargs_set(&b->meta, name, v);
        snprintf(name, sizeof name, "%sARCH", pre[k]);
        bargs_set(&b->meta, name, arch ? arch : "");
        snprintf(name, sizeof name, "%sVARIANT", pre[k]);
        bargs_set(&b->meta, name, var ? var : "");
    }
}

static int split_stages(builder *b, sbc_err *e)
{
    sbc_dockerfile *df = b->df;
    size_t i = 0;
    platform_args(b);
    for (; i < df->n && strcmp(df->v[i].cmd, "from"); i++) {
        sbc_df_instr *in = &df->v[i];
        if (strcmp(in->cmd, "arg"))
            return sbc_err_set(e, 125, "Dockerfile:%d: no build stage in current context", in->line);
        for (size_t k = 0; k < in->nargs; k++) {
            char *eq = strchr(in->args[k], '='), *name = sbc_xstrdup(in->args[k]);
            if (eq)
                name[eq - in->args[k]] = 0;
            const char *g = given_arg(b, name);
            char *dv = NULL;
            if (!g && eq && !(dv = sbc_expand_word(eq + 1, df->escape, meta_lookup, b, e))) {
                free(name);
                return sbc_err_wrap(e, "Dockerfile:%d", in->line), -1;
            }
            bargs_set(&b->meta, name, g ? g : dv);
            free(dv);
            free(name);
        }
    }
    if (i == df->n)
        return sbc_err_set(e, 125, "the Dockerfile has no FROM: nothing to build");
    for (; i < df->n; i++) {
        if (strcmp(df->v[i].cmd, "from"))
            continue;
        b->stages = sbc_xrealloc(b->stages, (b->nstages + 1) * sizeof *b->stages);
        bstage *s = &b->stages[b->nstages++];
        *s = (bstage){.first = i, .end = df->n};
        if (b->nstages > 1)
            s[-1].end = i;
        if (df->v[i].nargs == 3) {
            s->name = sbc_xstrdup(df->v[i].args[2]);
            for (char *p = s->name; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        }
    }
    return 0;
}

static int build_stage(builder *b, size_t idx, sbc_err *e);

int builder_stage_ref(builder *b, size_t before, const char *ref, char id[SBC_DIGEST_SIZE], sbc_err *e)
{
    size_t idx = b->nstages;
    char *end;
    long n = strtol(ref, &end, 10);
    if (*ref && !*end && n >= 0 && (size_t)n < before)
        idx = (size_t)n;
    for (size_t i = 0; i < before && idx == b->nstages; i++)
        if (b->stages[i].name && !strcasecmp(b->stages[i].name, ref))
            idx = i;
    if (idx == b->nstages)
        return 0;
    if (b->stages[idx].state == 1)
        return sbc_err_set(e, 125, "stage %s depends on itself", ref);
    if (b->stages[idx].state == 0 && build_stage(b, idx, e) < 0)
        return -1;
    memcpy(id, b->stages[idx].id, SBC_DIGEST_SIZE);
    return 1;
}

int builder_image(builder *b, const char *ref, const char *platform, char id[SBC_DIGEST_SIZE], sbc_err *e)
{
    sbc_image img;
    if (!b->o->pull && sbc_image_lookup(b->s, ref, &img, e) == 0) {
        memcpy(id, img.id, SBC_DIGEST_SIZE);
        sbc_image_free(&img);
        return 0;
    }
    if (!b->o->pull && e->errnum != ENOENT)
        return -1;
    sbc_err_clear(e);
    bnote(b, "pulling %s", ref);
    sbc_pull_opts po = {.platform = platform ? platform : b->o->platform};
    return sbc_pull(b->s, ref, &po, NULL, id, e);
}

/* ---- metadata instructions ------------------------------------------ */

static cJSON *cc_of(bstate *st)
{
    cJSON *cc = sbc_json_obj(st->cfg, "config");
    if (!cc) {
        cJSON_DeleteItemFromObjectCaseSensitive(st->cfg, "config");
        cc = cJSON_AddObjectToObject(st->cfg, "config");
    }
    return cc;
}

static cJSON *cc_field(bstate *st, const char *k, int array)
{
    cJSON *cc = cc_of(st), *f = cJSON_GetObjectItemCaseSensitive(cc, k);
    if (f && (array ? cJSON_IsArray(f) : cJSON_IsObject(f)))
        return f;
    cJSON_DeleteItemFromObjectCaseSensitive(cc, k);
    return array ? cJSON_AddArrayToObject(cc, k) : cJSON_AddObjectToObject(cc, k);
}

static void cc_set(bstate *st, const char *k, cJSON *v)
{
    cJSON *cc = cc_of(st);
    cJSON_DeleteItemFromObjectCaseSensitive(cc, k);
    cJSON_AddItemToObject(cc, k, v);
}

static cJSON *str_array(char *const *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
    return a;
}

/* A command as CMD, ENTRYPOINT, HEALTHCHECK CMD take it: the exec form's
 * strings, or the config's Shell (default /bin/sh -c) and the text. */
cJSON *bstate_command(bstate *st, const sbc_df_instr *in, size_t from)
{
    if (in->json)
        return str_array(in->args + from, in->nargs - from);
    cJSON *sh = sbc_json_arr(sbc_json_obj(st->cfg, "config"), "Shell");
    cJSON *a = sh && cJSON_GetArraySize(sh) ? cJSON_Duplicate(sh, 1) : NULL;
    if (!a) {
        a = cJSON_CreateArray();
        cJSON_AddItemToArray(a, cJSON_CreateString("/bin/sh"));
        cJSON_AddItemToArray(a, cJSON_CreateString("-c"));
    }
    if (in->nargs > from)
        cJSON_AddItemToArray(a, cJSON_CreateString(in->args[from]));
    return a;
}

static void env_set(bstate *st, const char *k, const char *v)
{
    cJSON *env = cc_field(st, "Env", 1);
    size_t kl = strlen(k);
    for (int i = cJSON_GetArraySize(env) - 1; i >= 0; i--) {
        const char *s = cJSON_GetArrayItem(env, i)->valuestring;
        if (s && !strncmp(s, k, kl) && (s[kl] == '=' || !s[kl]))
            cJSON_DeleteItemFromArray(env, i);
    }
    char *kv = sbc_xasprintf("%s=%s", k, v);
    cJSON_AddItemToArray(env, cJSON_CreateString(kv));
    free(kv);
}

static char *expand(bstate *st, const char *s, sbc_err *e)
{
    return sbc_expand_word(s, st->b->df->escape, bstate_lookup, st, e);
}

/* ENV and LABEL: name/value pairs, all expanded with the values from
 * before the instruction (Docker's: `ENV A=1 B=$A` gives B the old A),
 * then set. */
static int pairs(bstate *st, const sbc_df_instr *in, int label, sbc_buf *text, sbc_err *e)
{
    size_t n = in->nargs / 2 * 2;
    char **v = sbc_xcalloc(n + 1, sizeof *v);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (!(v[i] = expand(st, in->args[i], e)))
            rc = -1;
    for (size_t i = 0; i + 1 < n && rc == 0; i += 2) {
        if (label)
            sbc_json_add_str(cc_field(st, "Labels", 0), v[i], v[i + 1]);
        else
            env_set(st, v[i], v[i + 1]);
        sbc_buf_printf(text, " %s=%s", v[i], v[i + 1]);
    }
    sbc_names_free(v, n);
    return rc;
}

static int arg_step(bstate *st, const sbc_df_instr *in, sbc_buf *text, sbc_err *e)
{
    for (size_t i = 0; i < in->nargs; i++) {
        char *eq = strchr(in->args[i], '='), *name = sbc_xstrdup(in->args[i]);
        if (eq)
            name[eq - in->args[i]] = 0;
        const char *g = given_arg(st->b, name);
        char *dv = NULL;
        if (!g && eq && !(dv = expand(st, eq + 1, e))) {
            free(name);
            return -1;
        }
        if (!g && !eq)
            g = bargs_get(&st->b->meta, name, NULL);
        bargs_set(&st->args, name, g ? g : dv);
        sbc_buf_printf(text, " %s%s%s", name, g || dv ? "=" : "", g ? g : dv ? dv : "");
        free(dv);
        free(name);
    }
    return 0;
}

/* WORKDIR: relative to the one before. */
static int workdir_step(bstate *st, const sbc_df_instr *in, sbc_err *e)
{
    char *w = expand(st, in->args[0], e);
    if (!w)
        return -1;
    const char *cur = sbc_json_str(sbc_json_obj(st->cfg, "config"), "WorkingDir");
    char *p = w[0] == '/' ? sbc_xstrdup(w) : sbc_xasprintf("%s/%s", cur && *cur ? cur : "", w);
    char clean[4096] = "/";
    if (sbc_path_norm(p, clean + 1, sizeof clean - 1) < 0 && errno != EXDEV) {
        free(p);
        free(w);
        return sbc_err_set(e, 125, "WORKDIR: path too long");
    }
    cc_set(st, "WorkingDir", cJSON_CreateString(clean));
    free(p);
    free(w);
    return 0;
}

static int words_step(bstate *st, const sbc_df_instr *in, int expose, sbc_err *e)
{
    cJSON *o = cc_field(st, expose ? "ExposedPorts" : "Volumes", 0);
    for (size_t i = 0; i < in->nargs; i++) {
        char **w = NULL;
        size_t n = 0;
        if (sbc_expand_words(in->args[i], st->b->df->escape, bstate_lookup, st, &w, &n, e) < 0)
            return -1;
        for (size_t k = 0; k < n; k++) {
            char *key = expose && !strchr(w[k], '/') ? sbc_xasprintf("%s/tcp", w[k]) : sbc_xstrdup(w[k]);
            if (!expose && !*key) {
                free(key);
                sbc_names_free(w, n);
                return sbc_err_set(e, 125, "VOLUME specified can not be an empty string");
            }
            cJSON_DeleteItemFromObjectCaseSensitive(o, key);
            cJSON_AddObjectToObject(o, key);
            free(key);
        }
        sbc_names_free(w, n);
    }
    return 0;
}

static int health_step(bstate *st, const sbc_df_instr *in, sbc_err *e)
{
    cJSON *h = cJSON_CreateObject(), *test;
    if (!strcasecmp(in->args[0], "none")) {
        test = cJSON_CreateArray();
        cJSON_AddItemToArray(test, cJSON_CreateString("NONE"));
    } else if (in->json) {
        test = str_array(in->args + 1, in->nargs - 1);
        cJSON_InsertItemInArray(test, 0, cJSON_CreateString("CMD"));
    } else {
        test = cJSON_CreateArray();
        cJSON_AddItemToArray(test, cJSON_CreateString("CMD-SHELL"));
        cJSON_AddItemToArray(test, cJSON_CreateString(in->args[1]));
    }
    cJSON_AddItemToObject(h, "Test", test);
    static const char *const keys[][2] = {{"--interval=", "Interval"}, {"--timeout=", "Timeout"},
                                          {"--start-period=", "StartPeriod"}, {"--start-interval=", "StartInterval"}};
    for (size_t i = 0; i < in->nflags; i++) {
        const char *f = in->flags[i];
        if (!strncmp(f, "--retries=", 10)) {
            cJSON_AddNumberToObject(h, "Retries", atoi(f + 10));
            continue;
        }
        for (size_t k = 0; k < 4; k++) {
            size_t kl = strlen(keys[k][0]);
            long long ns;
            if (strncmp(f, keys[k][0], kl))
                continue;
            if (sbc_go_duration(f + kl, &ns) < 0 || ns < 0) {
                cJSON_Delete(h);
                return sbc_err_set(e, 125, "HEALTHCHECK %.*s: bad duration \"%s\"", (int)kl - 1, f, f + kl);
            }
            cJSON_AddNumberToObject(h, keys[k][1], (double)ns);
        }
    }
    cc_set(st, "Healthcheck", h);
    return 0;
}

/* An instruction that only changes the config; text gets what the
 * history and the cache key say of it. */
static int meta_step(bstate *st, const sbc_df_instr *in, sbc_buf *text, sbc_err *e)
{
    const char *c = in->cmd;
    char *v = NULL;
    if (!strcmp(c, "env") || !strcmp(c, "label"))
        return pairs(st, in, c[0] == 'l', text, e);
    if (!strcmp(c, "arg"))
        return arg_step(st, in, text, e);
    if (!strcmp(c, "cmd") || !strcmp(c, "entrypoint")) {
        cc_set(st, c[0] == 'c' ? "Cmd" : "Entrypoint", bstate_command(st, in, 0));
        if (c[0] == 'c')
            st->cmd_set = 1;
        else if (!st->cmd_set) /* as Docker: a new entrypoint drops the base image's Cmd */
            cJSON_DeleteItemFromObjectCaseSensitive(cc_of(st), "Cmd");
        return 0;
    }
    if (!strcmp(c, "shell")) {
        cc_set(st, "Shell", str_array(in->args, in->nargs));
        return 0;
    }
    if (!strcmp(c, "workdir"))
        return workdir_step(st, in, e);
    if (!strcmp(c, "expose") || !strcmp(c, "volume"))
        return words_step(st, in, c[0] == 'e', e);
    if (!strcmp(c, "healthcheck"))
        return health_step(st, in, e);
    if (!strcmp(c, "onbuild")) {
        cJSON_AddItemToArray(cc_field(st, "OnBuild", 1), cJSON_CreateString(in->args[0]));
        return 0;
    }
    if (!(v = expand(st, in->nargs ? in->args[0] : "", e)))
        return -1;
    if (!strcmp(c, "maintainer")) {
        cJSON_DeleteItemFromObjectCaseSensitive(st->cfg, "author");
        cJSON_AddStringToObject(st->cfg, "author", v);
    } else if (!strcmp(c, "stopsignal") && sbc_signal_from_name(v) < 0) {
        sbc_err_set(e, 125, "Invalid signal: %s", v);
        free(v);
        return -1;
    } else {
        cc_set(st, !strcmp(c, "user") ? "User" : "StopSignal", cJSON_CreateString(v));
    }
    free(v);
    return 0;
}

/* ---- dispatch ------------------------------------------------------- */

/* What the history says of a metadata step: the instruction as written
 * (ARG: the names only, as buildah and Docker show it, values stay out). */
static char *history_text(const sbc_df_instr *in)
{
    if (strcmp(in->cmd, "arg"))
        return sbc_xasprintf("/bin/sh -c #(nop) %s", in->orig);
    sbc_buf t = {0};
    sbc_buf_adds(&t, "/bin/sh -c #(nop) ARG");
    for (size_t i = 0; i < in->nargs; i++)
        sbc_buf_printf(&t, " %.*s", (int)strcspn(in->args[i], "="), in->args[i]);
    return t.data;
}

static int step(bstate *st, const sbc_df_instr *in, sbc_err *e)
{
    if (!strcmp(in->cmd, "run"))
        return bstep_run(st, in, e);
    if (!strcmp(in->cmd, "copy") || !strcmp(in->cmd, "add"))
        return bstep_copy(st, in, e);
    sbc_buf text = {0};
    sbc_buf_adds(&text, "");
    int rc = meta_step(st, in, &text, e);
    if (rc == 0) {
        /* the history shows the instruction as written, the key what it
         * did (values expanded); like Docker's classic builder, each step
         * ends as an image: the next build finds it CACHED */
        const char *parts[3] = {"meta", in->orig, text.data};
        char key[SBC_HEX_SIZE];
        bkey(st, parts, 3, key);
        if (!bstate_cached(st, key)) {
            memcpy(st->chain, key, sizeof key);
            char *by = history_text(in);
            bstate_history(st, by);
            free(by);
            st->dirty = 1;
            rc = bstate_image(st, e);
        }
    }
    sbc_buf_free(&text);
    return rc;
}

volatile sig_atomic_t sbc_build_stop;

static int run_step(bstate *st, const sbc_df_instr *in, const char *label, sbc_err *e)
{
    builder *b = st->b;
    if (sbc_build_stop)
        return sbc_err_set(e, 130, "interrupted");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    b->stepno++;
    bnote(b, "[%s%s%d/%d] %s", label ? label : "", label ? " " : "", st->index, st->count, in->orig);
    b->cached = 0;
    int rc = step(st, in, e);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc < 0) {
        if (strncmp(e->msg, "Dockerfile:", 11))
            sbc_err_wrap(e, "Dockerfile:%d", in->line);
        bnote(b, "ERROR: %s", e->msg);
        return -1;
    }
    if (!b->cached)
        bnote(b, "DONE %.1fs", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 0;
}

/* The base image's ONBUILD triggers run after FROM; the new image keeps
 * none of them. */
static int onbuild(bstate *st, const char *label, sbc_err *e)
{
    cJSON *cc = sbc_json_obj(st->cfg, "config"), *ob = cc ? cJSON_DetachItemFromObjectCaseSensitive(cc, "OnBuild") : NULL;
    int rc = 0;
    cJSON *it;
    cJSON_ArrayForEach(it, ob) {
        if (!cJSON_IsString(it) || rc < 0)
            continue;
        sbc_dockerfile *t = sbc_df_parse(it->valuestring, strlen(it->valuestring), e);
        if (!t || t->n != 1 || !strcmp(t->v[0].cmd, "from") || !strcmp(t->v[0].cmd, "onbuild")) {
            if (t)
                sbc_err_set(e, 125, "bad ONBUILD trigger in the base image: %.200s", it->valuestring);
            rc = -1;
        } else {
            t->v[0].line = st->b->df->v[st->stage->first].line;
            rc = run_step(st, &t->v[0], label, e);
        }
        sbc_df_free(t);
    }
    if (ob) {
        cJSON_Delete(ob);
        const char *parts[1] = {"onbuild-done"};
        bkey(st, parts, 1, st->chain);
        st->dirty = 1;
    }
    return rc;
}

static int from_step(bstate *st, const sbc_df_instr *in, const char *lb, sbc_err *e)
{
    builder *b = st->b;
    char *ref = sbc_expand_word(in->args[0], b->df->escape, meta_lookup, b, e);
    b->stepno++;
    bnote(b, "[%s%s1/%d] FROM %s", lb ? lb : "", lb ? " " : "", st->count, ref ? ref : in->args[0]);
    if (!ref)
        return -1;
    int rc = 0;
    if (!strcasecmp(ref, "scratch")) {
        st->cfg = sbc_build_config(NULL, NULL, 0, NULL, NULL);
        cJSON_DeleteItemFromObjectCaseSensitive(st->cfg, "created");
        st->dirty = 1;
        memset(st->chain, '0', SBC_HEX_LEN);
    } else {
        char id[SBC_DIGEST_SIZE];
        char *plat = NULL;
        for (size_t i = 0; i < in->nflags; i++)
            if (!strncmp(in->flags[i], "--platform=", 11)) {
                free(plat);
                if (!(plat = sbc_expand_word(in->flags[i] + 11, b->df->escape, meta_lookup, b, e)))
                    rc = -1;
            }
        if (rc == 0)
            rc = builder_stage_ref(b, (size_t)(st->stage - b->stages), ref, id, e);
        if (rc == 0)
            rc = builder_image(b, ref, plat, id, e);
        free(plat);
        if (rc >= 0)
            rc = bstate_adopt(st, id, sbc_digest_hex(id), e);
    }
    free(ref);
    return rc < 0 ? -1 : 0;
}

/* --label: on the target's config, with a history entry as Docker's
 * classic builder and buildah write it. */
static void cli_labels(bstate *st)
{
    sbc_buf t = {0};
    sbc_buf_adds(&t, "/bin/sh -c #(nop) LABEL");
    for (int i = 0; i < st->b->o->nlabels; i++) {
        char *k = sbc_xstrdup(st->b->o->labels[i]), *eq = strchr(k, '=');
        if (eq)
            *eq++ = 0;
        sbc_json_add_str(cc_field(st, "Labels", 0), k, eq ? eq : "");
        sbc_buf_printf(&t, " \"%s\"=\"%s\"", k, eq ? eq : "");
        free(k);
    }
    const char *parts[2] = {"label", t.data};
    bkey(st, parts, 2, st->chain);
    bstate_history(st, t.data);
    sbc_buf_free(&t);
    st->dirty = 1;
}

static int build_stage(builder *b, size_t idx, sbc_err *e)
{
    bstage *sg = &b->stages[idx];
    sg->state = 1;
    bstate st = {.b = b, .stage = sg, .count = (int)(sg->end - sg->first)};
    char label[80];
    snprintf(label, sizeof label, "%s", sg->name ? sg->name : b->nstages > 1 ? "stage" : "");
    if (!sg->name && b->nstages > 1)
        snprintf(label, sizeof label, "stage-%zu", idx);
    const char *lb = *label ? label : NULL;
    const sbc_df_instr *from = &b->df->v[sg->first];
    st.index = 1;
    int rc = from_step(&st, from, lb, e);
    if (rc < 0) {
        sbc_err_wrap(e, "Dockerfile:%d", from->line);
        bnote(b, "ERROR: %s", e->msg);
    }
    if (rc == 0)
        bnote(b, "DONE 0.0s");
    if (rc == 0)
        rc = onbuild(&st, lb, e);
    for (size_t i = sg->first + 1; i < sg->end && rc == 0; i++) {
        st.index = (int)(i - sg->first) + 1;
        rc = run_step(&st, &b->df->v[i], lb, e);
    }
    if (rc == 0 && b->o->nlabels && idx == b->target)
        cli_labels(&st);
    if (rc == 0)
        rc = bstate_image(&st, e);
    if (rc == 0)
        memcpy(sg->id, st.base, SBC_DIGEST_SIZE);
    sg->state = rc == 0 ? 2 : 1;
    cJSON_Delete(st.cfg);
    bargs_free(&st.args);
    return rc;
}

/* ---- the whole build ------------------------------------------------ */

static int find_target(builder *b, size_t *idx, sbc_err *e)
{
    *idx = b->nstages - 1;
    if (!b->o->target)
        return 0;
    for (size_t i = 0; i < b->nstages; i++)
        if (b->stages[i].name && !strcasecmp(b->stages[i].name, b->o->target)) {
            *idx = i;
            return 0;
        }
    return sbc_err_set(e, 1, "target stage \"%s\" could not be found", b->o->target);
}

static int tag_all(builder *b, const char *id, sbc_err *e)
{
    if (!b->o->ntags)
        return 0;
    if (sbc_store_lock(b->s, e) < 0)
        return -1;
    int rc = 0;
    for (int i = 0; i < b->o->ntags && rc == 0; i++) {
        char *t = sbc_build_tagname(b->o->tags[i], e);
        rc = t ? sbc_store_tag_set(b->s, t, id, e) : -1;
        if (rc == 0) {
            b->stepno = b->stepno ? b->stepno : 1;
            bnote(b, "naming to %s done", t);
        }
        free(t);
    }
    sbc_store_unlock(b->s);
    return rc;
}

static void builder_free(builder *b)
{
    if (b->ctx >= 0)
        close(b->ctx);
    if (b->scratch[0]) {
        sbc_err e2 = {0};
        sbc_rm_rf(b->s->fd, b->scratch, &e2);
    }
    sbc_ignore_free(b->ign);
    sbc_df_free(b->df);
    for (size_t i = 0; i < b->nstages; i++)
        free(b->stages[i].name);
    free(b->stages);
    bargs_free(&b->meta);
    free(b->used);
}

int sbc_build_dockerfile(sbc_store *s, const sbc_build_opts *o, char id[SBC_DIGEST_SIZE], sbc_err *e)
{
    for (int i = 0; i < o->ntags; i++)
        if (sbc_build_tagname_ok(o->tags[i], e) < 0)
            return -1;
    if (sbc_rootfs_driver_check(e) < 0)
        return -1;
    builder b = {.s = s, .o = o, .ctx = -1, .used = sbc_xcalloc((size_t)o->nbuild_args + 1, 1)};
    char *text = NULL;
    size_t len = 0, target;
    int rc = -1;
    if (load_context(&b, &text, &len, e) < 0 || !(b.df = sbc_df_parse(text, len, e)))
        goto out;
    if (split_stages(&b, e) < 0 || find_target(&b, &target, e) < 0)
        goto out;
    b.target = target;
    if (b.df->syntax)
        bnote(&b, "note: # syntax=%s is ignored: sbc builds with its own frontend", b.df->syntax);
    if (build_stage(&b, target, e) < 0)
        goto out;
    memcpy(id, b.stages[target].id, SBC_DIGEST_SIZE);
    b.stepno++;
    bnote(&b, "writing image %s done", id);
    rc = tag_all(&b, id, e);
    for (int i = 0; rc == 0 && i < o->nbuild_args; i++)
        if (!b.used[i] && o->note) {
            char *k = sbc_xstrdup(o->build_args[i]);
            k[strcspn(k, "=")] = 0;
            if (is_proxy(k)) {
                free(k);
                continue;
            }
            char line[300];
            snprintf(line, sizeof line, "[Warning] One or more build-args [%.200s] were not consumed", k);
            o->note(o->note_arg, line);
            free(k);
        }
out:
    if (rc < 0)
        e->code = sbc_build_stop ? 130 : 1; /* as docker build: any failed build */
    free(text);
    builder_free(&b);
    return rc;
}
