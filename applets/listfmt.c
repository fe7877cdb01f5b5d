/* listfmt.c - not an applet: --format and --filter of the listings
 * (listfmt.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "listfmt.h"
#include "base/io.h"
#include "base/time.h"
#include "opt.h"

void sbc_fmt_init(sbc_fmt *f, const char *arg, const char *const *titles)
{
    memset(f, 0, sizeof *f);
    if (!arg)
        return;
    if (!strcmp(arg, "json")) {
        f->json = 1;
        return;
    }
    sbc_err e = {0};
    if (!(f->t = sbc_tmpl_parse(arg, titles, &e))) {
        sbc_warn("--format: %s", e.msg);
        exit(SBC_EXIT_FAIL);
    }
}

int sbc_fmt_row(sbc_fmt *f, const cJSON *row, sbc_err *e)
{
    if (f->json) {
        char *s = cJSON_PrintUnformatted(row);
        sbc_buf_adds(&f->out, s);
        cJSON_free(s);
    } else if (sbc_tmpl_exec(f->t, row, &f->out, e) < 0) {
        sbc_err_wrap(e, "--format");
        return -1;
    }
    sbc_buf_add(&f->out, "\n", 1);
    return 0;
}

const char *sbc_fmt_arg(const char *arg)
{
    return !strcmp(arg, "table") ? NULL : !strcmp(arg, "{{json .}}") ? "json" : arg;
}

void sbc_fmt_end(sbc_fmt *f)
{
    sbc_fmt_flush(f);
    sbc_fmt_free(f);
}

void sbc_fmt_flush(sbc_fmt *f)
{
    if (f->t && sbc_tmpl_table(f->t)) {
        sbc_buf all = {0};
        sbc_tmpl_header(f->t, &all);
        sbc_buf_add(&all, "\n", 1);
        sbc_buf_add(&all, f->out.data, f->out.len);
        char *s = sbc_tabalign(all.data, all.len);
        fputs(s, stdout);
        free(s);
        sbc_buf_free(&all);
    } else if (f->out.len) {
        fwrite(f->out.data, 1, f->out.len, stdout);
    }
    f->out.len = 0;
}

void sbc_fmt_free(sbc_fmt *f)
{
    sbc_tmpl_free(f->t);
    sbc_buf_free(&f->out);
    memset(f, 0, sizeof *f);
}

void sbc_filter_invalid(const char *key, int keylen, const char *val)
{
    sbc_warn("invalid filter '%.*s%s%s'", keylen, key, val ? "=" : "", val ? val : "");
    exit(SBC_EXIT_FAIL);
}

void sbc_filter_add(sbc_filters *f, const char *arg, const char *const *keys)
{
    const char *eq = strchr(arg, '=');
    if (!eq) {
        sbc_warn("bad format of filter (expected name=value): %s", arg);
        exit(SBC_EXIT_FAIL);
    }
    int known = 0;
    for (int k = 0; keys[k]; k++)
        known |= strlen(keys[k]) == (size_t)(eq - arg) && !strncmp(keys[k], arg, (size_t)(eq - arg));
    if (!known)
        sbc_filter_invalid(arg, (int)(eq - arg), NULL);
    f->key = sbc_xrealloc(f->key, (size_t)(f->n + 1) * sizeof *f->key);
    f->val = sbc_xrealloc(f->val, (size_t)(f->n + 1) * sizeof *f->val);
    f->key[f->n] = sbc_xasprintf("%.*s", (int)(eq - arg), arg);
    f->val[f->n++] = eq + 1;
}

int sbc_filter_match(const sbc_filters *f, sbc_filter_fn m, void *ctx)
{
    for (int i = 0; i < f->n; i++) {
        int any = 0, first = 1;
        for (int j = 0; j < f->n; j++) {
            if (strcmp(f->key[i], f->key[j]))
                continue;
            if (j < i) {
                first = 0; /* this key was decided already */
                break;
            }
            if (m(f->key[j], f->val[j], ctx)) {
                any = 1;
                break;
            }
        }
        if (first && !any)
            return 0;
    }
    return 1;
}

const char *sbc_filter_get(const sbc_filters *f, const char *key)
{
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->key[i], key))
            return f->val[i];
    return NULL;
}

void sbc_filters_free(sbc_filters *f)
{
    for (int i = 0; i < f->n; i++)
        free((char *)f->key[i]);
    free(f->key);
    free(f->val);
}

int sbc_filter_label(const cJSON *labels, const char *val)
{
    const char *eq = strchr(val, '=');
    char *k = eq ? sbc_xasprintf("%.*s", (int)(eq - val), val) : sbc_xstrdup(val);
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(labels, k);
    free(k);
    return l && (!eq || (cJSON_IsString(l) && !strcmp(l->valuestring, eq + 1)));
}

void sbc_fmt_labels(cJSON *row, const cJSON *labels)
{
    sbc_buf b = {0};
    const cJSON *it;
    cJSON_ArrayForEach(it, labels) if (cJSON_IsString(it))
        sbc_buf_printf(&b, "%s%s=%s", b.len ? "," : "", it->string, it->valuestring);
    cJSON_AddStringToObject(row, "Labels", b.len ? b.data : "");
    sbc_buf_free(&b);
}

void sbc_fmt_gotime(const char *rfc3339, char *out, size_t n)
{
    struct timespec t;
    struct tm tm;
    char ns[12] = "";
    sbc_time_parse(rfc3339, &t);
    gmtime_r(&t.tv_sec, &tm);
    if (t.tv_nsec) {
        snprintf(ns, sizeof ns, ".%09ld", t.tv_nsec);
        for (size_t l = strlen(ns); ns[l - 1] == '0'; l--)
            ns[l - 1] = 0;
    }
    snprintf(out, n, "%04d-%02d-%02d %02d:%02d:%02d%s +0000 UTC", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, ns);
}
