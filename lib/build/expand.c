/* expand.c - Docker's word processing (see expand.h): one pass over the
 * text, writing into a sink that either keeps one word or splits at the
 * blanks that were neither quoted nor escaped. */
#include "build/expand.h"

#include <stdlib.h>
#include <string.h>

#include "base/io.h"

#define MAX_DEPTH 32

typedef struct sink {
    sbc_buf cur;
    int inword;
    int split;
    char **w;
    size_t n;
} sink;

typedef struct lex {
    const char *p;
    char esc;
    int depth;
    sbc_expand_lookup fn;
    void *arg;
    sbc_err *e;
} lex;

static int blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void finish(sink *k)
{
    if (!k->inword)
        return;
    if (!(k->n & (k->n + 1)) || k->n == 0)
        k->w = sbc_xrealloc(k->w, sizeof *k->w * (k->n + 1) * 2);
    char *s = sbc_xmalloc(k->cur.len + 1);
    memcpy(s, k->cur.len ? k->cur.data : "", k->cur.len);
    s[k->cur.len] = 0;
    k->w[k->n++] = s;
    k->w[k->n] = NULL;
    k->cur.len = 0;
    k->inword = 0;
}

/* s[0..n) into the sink; raw: quoted or escaped (never splits). */
static void put(sink *k, const char *s, size_t n, int raw)
{
    if (raw || !k->split) {
        sbc_buf_add(&k->cur, s, n);
        k->inword = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (blank(s[i])) {
            finish(k);
        } else {
            sbc_buf_add(&k->cur, s + i, 1);
            k->inword = 1;
        }
    }
}

static int process(lex *L, sink *k, char stop);

static int namechar(char c, int first)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
}

/* A name at L->p (advanced): [A-Za-z_][A-Za-z0-9_]*, digits, or one special char. */
static size_t name_len(const char *p)
{
    size_t n = 0;
    if (namechar(p[0], 1)) {
        while (namechar(p[n], 0))
            n++;
    } else if (p[0] >= '0' && p[0] <= '9') {
        while (p[n] >= '0' && p[n] <= '9')
            n++;
    } else if (p[0] && strchr("*#@!?-$", p[0])) {
        n = 1;
    }
    return n;
}

/* ${name OP word}: L->p after the name. */
static int braced(lex *L, sink *k, const char *name, int quoted)
{
    const char *val = L->fn ? L->fn(name, L->arg) : NULL;
    int colon = 0;
    if (*L->p == '}') {
        L->p++;
        put(k, val ? val : "", val ? strlen(val) : 0, quoted);
        return 0;
    }
    if (*L->p == ':') {
        colon = 1;
        L->p++;
    }
    char op = *L->p;
    if (!op)
        return sbc_err_set(L->e, 125, "missing '}' in the substitution of %s", name);
    if (!strchr("-+?", op))
        return sbc_err_set(L->e, 125, "unsupported modifier (%c) in substitution of %s", op ? op : ' ', name);
    if (L->depth >= MAX_DEPTH)
        return sbc_err_set(L->e, 125, "substitution nested more than %d deep", MAX_DEPTH);
    L->p++;
    sink w = {0};
    L->depth++;
    int rc = process(L, &w, '}');
    L->depth--;
    if (rc == 0 && *L->p != '}')
        rc = sbc_err_set(L->e, 125, "missing '}' in the substitution of %s", name);
    if (rc == 0) {
        L->p++;
        int set = val != NULL, full = set && *val;
        int have = colon ? full : set;
        const char *word = w.cur.len ? w.cur.data : "";
        const char *r = op == '-' ? (have ? val : word) : op == '+' ? (have ? word : "") : val;
        if (op == '?' && !have)
            rc = sbc_err_set(L->e, 125, "%s: %s", name, *word ? word : "is not allowed to be unset");
        else
            put(k, r, strlen(r), quoted);
    }
    sbc_buf_free(&w.cur);
    return rc;
}

/* L->p at '$'. */
static int dollar(lex *L, sink *k, int quoted)
{
    L->p++;
    int br = *L->p == '{';
    size_t n = name_len(L->p + br);
    if (!n) {
        if (br)
            return sbc_err_set(L->e, 125, "bad substitution: no name after ${");
        put(k, "$", 1, quoted);
        return 0;
    }
    char name[256];
    if (n >= sizeof name)
        return sbc_err_set(L->e, 125, "a variable name longer than %zu bytes", sizeof name - 1);
    memcpy(name, L->p + br, n);
    name[n] = 0;
    L->p += br + n;
    if (br)
        return braced(L, k, name, quoted);
    const char *val = L->fn ? L->fn(name, L->arg) : NULL;
    if (val)
        put(k, val, strlen(val), quoted);
    return 0;
}

static int dquote(lex *L, sink *k)
{
    put(k, "", 0, 1);
    for (L->p++; *L->p != '"'; ) {
        char c = *L->p;
        if (!c)
            return sbc_err_set(L->e, 125, "unexpected end of statement while looking for matching double-quote");
        if (c == '$') {
            if (dollar(L, k, 1) < 0)
                return -1;
            continue;
        }
        if (c == L->esc && L->p[1] && (L->p[1] == '"' || L->p[1] == '$' || L->p[1] == L->esc))
            c = *++L->p;
        put(k, &c, 1, 1);
        L->p++;
    }
    L->p++;
    return 0;
}

static int process(lex *L, sink *k, char stop)
{
    while (*L->p && !(stop && *L->p == stop)) {
        char c = *L->p;
        if (c == '\'') {
            const char *q = strchr(L->p + 1, '\'');
            if (!q)
                return sbc_err_set(L->e, 125, "unexpected end of statement while looking for matching single-quote");
            put(k, L->p + 1, (size_t)(q - L->p - 1), 1);
            L->p = q + 1;
        } else if (c == '"') {
            if (dquote(L, k) < 0)
                return -1;
        } else if (c == '$') {
            if (dollar(L, k, 0) < 0)
                return -1;
        } else if (c == L->esc) {
            if (!L->p[1]) {
                L->p++;
                break;
            }
            put(k, L->p + 1, 1, 1);
            L->p += 2;
        } else {
            put(k, &c, 1, 0);
            L->p++;
        }
    }
    return 0;
}

static void sink_free(sink *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->w[i]);
    free(k->w);
    sbc_buf_free(&k->cur);
}

char *sbc_expand_word(const char *s, char esc, sbc_expand_lookup fn, void *arg, sbc_err *e)
{
    lex L = {.p = s, .esc = esc, .fn = fn, .arg = arg, .e = e};
    sink k = {0};
    if (process(&L, &k, 0) < 0) {
        sink_free(&k);
        return NULL;
    }
    char *r = sbc_xmalloc(k.cur.len + 1);
    memcpy(r, k.cur.len ? k.cur.data : "", k.cur.len);
    r[k.cur.len] = 0;
    sink_free(&k);
    return r;
}

int sbc_expand_words(const char *s, char esc, sbc_expand_lookup fn, void *arg,
                     char ***words, size_t *n, sbc_err *e)
{
    lex L = {.p = s, .esc = esc, .fn = fn, .arg = arg, .e = e};
    sink k = {.split = 1};
    *words = NULL;
    *n = 0;
    if (process(&L, &k, 0) < 0) {
        sink_free(&k);
        return -1;
    }
    finish(&k);
    if (!k.w)
        k.w = sbc_xcalloc(1, sizeof *k.w);
    sbc_buf_free(&k.cur);
    *words = k.w;
    *n = k.n;
    return 0;
}
