/* gotmpl.c - a Go text/template subset over cJSON (gotmpl.h says which). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/gotmpl.h"

#define TMPL_MAX_SRC (64 * 1024)
#define TMPL_MAX_DEPTH 32
#define TMPL_MAX_OUT (16u << 20)

enum { N_TEXT, N_OUT, N_IF, N_RANGE };
enum { F_NONE, F_JSON, F_INDEX };
enum { T_EOF, T_ELSE, T_END };

typedef struct node {
    int kind, fn, line, col, label; /* label: {{.Label "k"}} */
    char *text; /* N_TEXT: the literal; else the path without the first '.' */
    size_t len;
    char **keys; /* index's arguments */
    long *knum;  /* -1: keys[i] is a string, else a number */
    int nkeys;
    struct node *body, *alt, *next;
} node;

struct sbc_tmpl {
    node *root;
    int table;
    const char *const *titles;
};

typedef struct parser {
    const char *s;
    size_t i, n;
    int depth, inrange, trimnext;
    const char *const *titles;
    sbc_err *e;
} parser;

static void node_free(node *n)
{
    while (n) {
        node *next = n->next;
        free(n->text);
        for (int k = 0; k < n->nkeys; k++)
            free(n->keys[k]);
        free(n->keys);
        free(n->knum);
        node_free(n->body);
        node_free(n->alt);
        free(n);
        n = next;
    }
}

static void where(const parser *p, size_t at, int *line, int *col)
{
    *line = 1;
    *col = 0;
    for (size_t k = 0; k < at && k < p->n; k++, (*col)++)
        if (p->s[k] == '\n')
            (*line)++, *col = -1;
}

/* the words of an action: a string literal ("..." with \" \\ \n \t) or a
 * run of non-blank bytes; NULL at its end, *bad on an unterminated string */
static char *word(const char **q, const char *end, int *quoted, int *bad)
{
    while (*q < end && isspace((unsigned char)**q))
        (*q)++;
    if (*q >= end)
        return NULL;
    sbc_buf b = {0};
    *quoted = **q == '"';
    if (*quoted) {
        for ((*q)++; *q < end && **q != '"'; (*q)++) {
            char c = **q;
            if (c == '\\' && *q + 1 < end) {
                c = *++(*q);
                c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
            }
            sbc_buf_add(&b, &c, 1);
        }
        if (*q >= end)
            *bad = 1;
        else
            (*q)++;
    } else {
        const char *w = *q;
        while (*q < end && !isspace((unsigned char)**q))
            (*q)++;
        sbc_buf_add(&b, w, (size_t)(*q - w));
    }
    sbc_buf_add(&b, "", 1);
    return b.data;
}

static int valid_path(const char *w)
{
    if (w[0] != '.')
        return 0;
    if (!w[1])
        return 1;
    for (const char *c = w + 1;; c++) {
        const char *st = c;
        while (isalnum((unsigned char)*c) || *c == '_')
            c++;
        if (c == st)
            return 0;
        if (!*c)
            return 1;
        if (*c != '.')
            return 0;
    }
}

static const char *title_of(const char *const *titles, const char *path)
{
    for (int k = 0; titles && titles[k]; k += 2)
        if (!strcmp(titles[k], path))
            return titles[k + 1];
    return NULL;
}

static int perr(parser *p, size_t at, const char *fmt, const char *arg)
{
    int line, col;
    char what[160];
    where(p, at, &line, &col);
    snprintf(what, sizeof what, fmt, arg ? arg : "");
    return sbc_err_set(p->e, SBC_EXIT_FAIL, "template: :%d:%d: %s", line, col, what);
}

/* "[json|index] .Path [keys...]" into n; -1 + error */
static int parse_cmd(parser *p, node *n, const char *q, const char *end, size_t at)
{
    int quoted = 0, bad = 0;
    char *w = word(&q, end, &quoted, &bad);
    if (!w)
        return perr(p, at, "missing value for command", NULL);
    if (!quoted && (!strcmp(w, "json") || !strcmp(w, "index"))) {
        n->fn = w[0] == 'j' ? F_JSON : F_INDEX;
        free(w);
        w = word(&q, end, &quoted, &bad);
        if (!w) {
            return perr(p, at, n->fn == F_JSON ? "wrong number of args for json: want 1 got 0"
                                               : "wrong number of args for index: want at least 1 got 0", NULL);
        }
    }
    if (quoted || !valid_path(w)) {
        if (bad)
            perr(p, at, "unterminated quoted string", NULL);
        else if (quoted || w[0] == '.')
            perr(p, at, quoted ? "unexpected string in command: %s" : "bad field: %s", w);
        else
            perr(p, at, "function \"%s\" not defined", w);
        free(w);
        return -1;
    }
    /* Docker's {{.Label "k"}}: index .Labels "k" */
    n->label = n->fn == F_NONE && !strcmp(w, ".Label");
    n->text = sbc_xstrdup(n->label ? "Labels" : w + 1);
    n->fn = n->label ? F_INDEX : n->fn;
    free(w);
    if (p->titles && !p->inrange && n->text[0]) {
        char first[128];
        snprintf(first, sizeof first, "%.*s", (int)strcspn(n->text, "."), n->text);
        if (!title_of(p->titles, first)) {
            int line, col;
            where(p, at, &line, &col);
            return sbc_err_set(p->e, SBC_EXIT_FAIL, "template: :%d:%d: executing \"\" at <.%s>: can't evaluate field %s",
                               line, col + 2, n->text, first);
        }
    }
    while ((w = word(&q, end, &quoted, &bad))) {
        if (bad || n->fn != F_INDEX || n->nkeys >= 16) {
            free(w);
            return perr(p, at, bad ? "unterminated quoted string" : "too many arguments", NULL);
        }
        char *num_end = NULL;
        long v = quoted ? -1 : strtol(w, &num_end, 10);
        if (!quoted && (num_end == w || *num_end || v < 0)) {
            perr(p, at, "bad index argument: %s", w);
            free(w);
            return -1;
        }
        n->keys = sbc_xrealloc(n->keys, (size_t)(n->nkeys + 1) * sizeof *n->keys);
        n->knum = sbc_xrealloc(n->knum, (size_t)(n->nkeys + 1) * sizeof *n->knum);
        n->keys[n->nkeys] = w;
        n->knum[n->nkeys++] = v;
    }
    if (n->label && (n->nkeys != 1 || n->knum[0] >= 0))
        return perr(p, at, "wrong number of args for Label: want 1 string", NULL);
    return 0;
}

static node *new_node(int kind, node ***tail)
{
    node *n = sbc_xcalloc(1, sizeof *n);
    n->kind = kind;
    **tail = n;
    *tail = &n->next;
    return n;
}

static int parse_list(parser *p, node **out, int *term);

/* if/range: the body, then {{else}} and its list, then {{end}} */
static int parse_block(parser *p, node *n, size_t at)
{
    int term;
    if (p->depth >= TMPL_MAX_DEPTH)
        return perr(p, at, "nesting too deep", NULL);
    p->depth++;
    int saved = p->inrange;
    p->inrange |= n->kind == N_RANGE;
    int rc = parse_list(p, &n->body, &term);
    p->inrange = saved;
    if (rc == 0 && term == T_ELSE)
        rc = parse_list(p, &n->alt, &term);
    p->depth--;
    if (rc == 0 && term != T_END)
        rc = perr(p, p->n, term == T_EOF ? "unexpected EOF" : "unexpected {{else}}", NULL);
    return rc;
}

/* one action between a and end (the "{{" at `at`); *term set for else/end */
static int parse_action(parser *p, const char *a, const char *end, size_t at, node ***tail, int *term)
{
    const char *q = a;
    while (q < end && isspace((unsigned char)*q))
        q++;
    if (end - q >= 2 && q[0] == '/' && q[1] == '*')
        return 0; /* a comment */
    size_t kw = 0;
    while (q + kw < end && isalpha((unsigned char)q[kw]))
        kw++;
    int blank_after = q + kw == end || isspace((unsigned char)q[kw]);
    if (blank_after && ((kw == 4 && !memcmp(q, "else", 4)) || (kw == 3 && !memcmp(q, "end", 3)))) {
        const char *r = q + kw;
        while (r < end && isspace((unsigned char)*r))
            r++;
        if (r < end)
            return perr(p, at, "unexpected words after {{%s}}", kw == 3 ? "end" : "else");
        *term = kw == 3 ? T_END : T_ELSE;
        return 0;
    }
    int kind = blank_after && kw == 2 && !memcmp(q, "if", 2) ? N_IF
             : blank_after && kw == 5 && !memcmp(q, "range", 5) ? N_RANGE : N_OUT;
    node *n = new_node(kind, tail);
    where(p, at, &n->line, &n->col);
    if (parse_cmd(p, n, kind == N_OUT ? q : q + kw, end, at) < 0)
        return -1;
    if (kind != N_OUT && n->fn == F_JSON)
        return perr(p, at, "json is not a condition", NULL);
    return kind == N_OUT ? 0 : parse_block(p, n, at);
}

static int parse_list(parser *p, node **out, int *term)
{
    node **tail = out;
    *term = T_EOF;
    while (p->i < p->n) {
        const char *s = p->s + p->i, *open = strstr(s, "{{");
        size_t tl = open ? (size_t)(open - s) : p->n - p->i;
        if (p->trimnext)
            while (tl && isspace((unsigned char)*s))
                s++, tl--;
        p->trimnext = 0;
        const char *a = open ? open + 2 : NULL;
        if (a && a[0] == '-' && isspace((unsigned char)a[1])) {
            while (tl && isspace((unsigned char)s[tl - 1]))
                tl--;
            a++;
        }
        if (tl) {
            node *t = new_node(N_TEXT, &tail);
            t->text = sbc_xmalloc(tl);
            memcpy(t->text, s, tl);
            t->len = tl;
        }
        if (!open) {
            p->i = p->n;
            return 0;
        }
        size_t at = (size_t)(open - p->s);
        const char *close = strstr(a, "}}");
        if (!close)
            return perr(p, at, "unclosed action", NULL);
        p->i = (size_t)(close - p->s) + 2;
        const char *end = close;
        if (end - a >= 2 && end[-1] == '-' && isspace((unsigned char)end[-2]))
            end--, p->trimnext = 1;
        if (parse_action(p, a, end, at, &tail, term) < 0)
            return -1;
        if (*term != T_EOF)
            return 0;
    }
    return 0;
}

sbc_tmpl *sbc_tmpl_parse(const char *src, const char *const *titles, sbc_err *e)
{
    size_t n = strlen(src);
    if (n > TMPL_MAX_SRC) {
        sbc_err_set(e, SBC_EXIT_FAIL, "template: longer than %d bytes", TMPL_MAX_SRC);
        return NULL;
    }
    sbc_tmpl *t = sbc_xcalloc(1, sizeof *t);
    t->titles = titles;
    /* Docker's preFormat: "table" prefix, trimmed, \t and \n escapes */
    while (n && src[n - 1] == ' ')
        n--;
    while (n && *src == ' ')
        src++, n--;
    if (n >= 5 && !memcmp(src, "table", 5)) {
        t->table = 1;
        src += 5, n -= 5;
        while (n && *src == ' ')
            src++, n--;
    }
    sbc_buf b = {0};
    for (size_t k = 0; k < n; k++) {
        char c = src[k];
        if (c == '\\' && k + 1 < n && (src[k + 1] == 't' || src[k + 1] == 'n'))
            c = src[++k] == 't' ? '\t' : '\n';
        sbc_buf_add(&b, &c, 1);
    }
    sbc_buf_add(&b, "", 1);
    parser p = {.s = b.data, .n = b.len - 1, .titles = titles, .e = e};
    int term;
    int rc = parse_list(&p, &t->root, &term);
    if (rc == 0 && term != T_EOF)
        rc = perr(&p, p.i, term == T_ELSE ? "unexpected {{else}}" : "unexpected {{end}}", NULL);
    sbc_buf_free(&b);
    if (rc < 0) {
        sbc_tmpl_free(t);
        return NULL;
    }
    return t;
}

void sbc_tmpl_free(sbc_tmpl *t)
{
    if (t) {
        node_free(t->root);
        free(t);
    }
}

int sbc_tmpl_table(const sbc_tmpl *t)
{
    return t->table;
}

/* ---- execution */

typedef struct exec {
    sbc_buf *out;
    sbc_err *e;
    size_t start;
} exec;

static int xerr(exec *x, const node *n, const char *fmt, const char *a, const char *b)
{
    sbc_err_set(x->e, SBC_EXIT_FAIL, "template: :%d:%d: executing \"\" at <%s%s>: ", n->line, n->col + 2,
                n->fn == F_JSON ? "json ." : n->fn == F_INDEX ? "index ." : ".", n->text);
    size_t l = strlen(x->e->msg);
    snprintf(x->e->msg + l, sizeof x->e->msg - l, fmt, a, b);
    return -1;
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp((*(cJSON *const *)a)->string, (*(cJSON *const *)b)->string);
}

/* the children of an object sorted by key (Go's map order), of an array
 * in order; a new array of n pointers */
static cJSON **children(const cJSON *v, int *n)
{
    *n = cJSON_GetArraySize(v);
    cJSON **c = sbc_xcalloc((size_t)*n + 1, sizeof *c), *it;
    int k = 0;
    cJSON_ArrayForEach(it, v) c[k++] = it;
    if (cJSON_IsObject(v))
        qsort(c, (size_t)k, sizeof *c, cmp_keys);
    return c;
}

/* Go's fmt of a decoded JSON value: map[k:v] [a b] 1.5 true <no value> */
static void print_value(sbc_buf *b, const cJSON *v)
{
    if (!v || cJSON_IsNull(v)) {
        sbc_buf_adds(b, "<no value>");
    } else if (cJSON_IsString(v)) {
        sbc_buf_adds(b, v->valuestring);
    } else if (cJSON_IsBool(v)) {
        sbc_buf_adds(b, cJSON_IsTrue(v) ? "true" : "false");
    } else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == (double)(long long)d && d < 9e18 && d > -9e18)
            sbc_buf_printf(b, "%lld", (long long)d);
        else
            sbc_buf_printf(b, "%g", d);
    } else {
        int n, obj = cJSON_IsObject(v);
        cJSON **c = children(v, &n);
        sbc_buf_adds(b, obj ? "map[" : "[");
        for (int k = 0; k < n; k++) {
            if (k)
                sbc_buf_adds(b, " ");
            if (obj)
                sbc_buf_printf(b, "%s:", c[k]->string);
            print_value(b, c[k]);
        }
        sbc_buf_adds(b, "]");
        free(c);
    }
}

static int truth(const cJSON *v)
{
    if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v))
        return 0;
    if (cJSON_IsNumber(v))
        return v->valuedouble != 0;
    if (cJSON_IsString(v))
        return v->valuestring[0] != 0;
    return !(cJSON_IsArray(v) || cJSON_IsObject(v)) || v->child != NULL;
}

/* "k=v,k2=v2" (Docker's ps Labels) looked up as a map; a new string */
static cJSON *kv_lookup(const char *s, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = s; *p;) {
        size_t l = strcspn(p, ",");
        if (l > kl && !strncmp(p, key, kl) && p[kl] == '=') {
            char *v = sbc_xasprintf("%.*s", (int)(l - kl - 1), p + kl + 1);
            cJSON *r = cJSON_CreateString(v);
            free(v);
            return r;
        }
        p += l + (p[l] == ',');
    }
    return cJSON_CreateNull();
}

/* the value of n's path (and index keys) from dot; *owned: the caller
 * deletes it */
static int eval(exec *x, const node *n, const cJSON *dot, const cJSON **res, cJSON **owned)
{
    *owned = NULL;
    const cJSON *v = dot;
    for (const char *p = n->text; *p;) {
        size_t l = strcspn(p, ".");
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)l, p);
        const cJSON *f = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, name) : NULL;
        if (!f)
            return xerr(x, n, "can't evaluate field %s%s", name, cJSON_IsObject(v) ? "" : " (not an object)");
        v = f;
        p += l + (p[l] == '.');
    }
    for (int k = 0; k < n->nkeys; k++) {
        const char *key = n->keys[k];
        if (n->knum[k] >= 0 && cJSON_IsArray(v)) {
            if (n->knum[k] >= cJSON_GetArraySize(v))
                return xerr(x, n, "error calling index: index out of range: %s%s", key, "");
            v = cJSON_GetArrayItem(v, (int)n->knum[k]);
        } else if (n->knum[k] < 0 && cJSON_IsObject(v)) {
            v = cJSON_GetObjectItemCaseSensitive(v, key);
        } else if (n->knum[k] < 0 && cJSON_IsString(v) && !*owned) {
            v = *owned = kv_lookup(v->valuestring, key);
        } else {
            cJSON_Delete(*owned);
            *owned = NULL;
            return xerr(x, n, "error calling index: can't index item with %s%s", key, "");
        }
        if (!v)
            break; /* a missing map key: Go's zero value */
    }
    *res = v;
    return 0;
}

static int exec_list(exec *x, const node *n, const cJSON *dot)
{
    for (; n; n = n->next) {
        if (x->out->len - x->start > TMPL_MAX_OUT)
            return sbc_err_set(x->e, SBC_EXIT_FAIL, "template: output larger than %u bytes", TMPL_MAX_OUT);
        if (n->kind == N_TEXT) {
            sbc_buf_add(x->out, n->text, n->len);
            continue;
        }
        const cJSON *v;
        cJSON *owned;
        if (eval(x, n, dot, &v, &owned) < 0)
            return -1;
        int rc = 0;
        if (n->kind == N_OUT && n->fn == F_JSON) {
            char *s = v ? cJSON_PrintUnformatted(v) : NULL;
            sbc_buf_adds(x->out, s ? s : "null");
            cJSON_free(s);
        } else if (n->kind == N_OUT) {
            if (!n->label || cJSON_IsString(v)) /* (a missing label: "") */
                print_value(x->out, v);
        } else if (n->kind == N_IF) {
            rc = exec_list(x, truth(v) ? n->body : n->alt, dot);
        } else if (!truth(v) || !(cJSON_IsArray(v) || cJSON_IsObject(v))) {
            if (truth(v))
                rc = xerr(x, n, "range can't iterate over %s%s", "a scalar", "");
            else
                rc = exec_list(x, n->alt, dot);
        } else {
            int cnt;
            cJSON **c = children(v, &cnt);
            for (int k = 0; k < cnt && rc == 0; k++)
                rc = exec_list(x, n->body, c[k]);
            free(c);
        }
        cJSON_Delete(owned);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int sbc_tmpl_exec(const sbc_tmpl *t, const cJSON *v, sbc_buf *out, sbc_err *e)
{
    exec x = {out, e, out->len};
    return exec_list(&x, t->root, v);
}

void sbc_tmpl_header(const sbc_tmpl *t, sbc_buf *out)
{
    for (const node *n = t->root; n; n = n->next) {
        if (n->kind == N_TEXT) {
            sbc_buf_add(out, n->text, n->len);
        } else if (n->kind == N_OUT && (n->fn != F_INDEX || n->label)) {
            const char *ti = n->label ? "LABEL" : title_of(t->titles, n->text);
            if (ti) {
                sbc_buf_adds(out, ti);
                continue;
            }
            for (const char *c = n->text; *c; c++)
                sbc_buf_printf(out, "%c", *c == '.' ? ' ' : toupper((unsigned char)*c));
        }
    }
}

/* ---- text/tabwriter, as Docker's tables use it */

static size_t runes(const char *s, size_t n)
{
    size_t r = 0;
    for (size_t k = 0; k < n; k++)
        r += ((unsigned char)s[k] & 0xc0) != 0x80;
    return r;
}

char *sbc_tabalign(const char *s, size_t len)
{
    size_t *w = NULL, nw = 0;
    /* pass 1: the widest tab-terminated cell of each column */
    for (size_t i = 0, col = 0, st = 0; i < len; i++) {
        if (s[i] == '\n') {
            col = 0, st = i + 1;
        } else if (s[i] == '\t') {
            if (col >= nw) {
                w = sbc_xrealloc(w, (col + 1) * sizeof *w);
                for (; nw <= col; nw++)
                    w[nw] = 10;
            }
            size_t cw = runes(s + st, i - st) + 3;
            if (cw > w[col])
                w[col] = cw;
            col++, st = i + 1;
        }
    }
    sbc_buf b = {0};
    for (size_t i = 0, col = 0, st = 0; i < len; i++) {
        if (s[i] == '\n') {
            sbc_buf_add(&b, s + st, i + 1 - st);
            col = 0, st = i + 1;
        } else if (s[i] == '\t') {
            sbc_buf_printf(&b, "%.*s%*s", (int)(i - st), s + st, (int)(w[col] - runes(s + st, i - st)), "");
            col++, st = i + 1;
        } else if (i + 1 == len) {
            sbc_buf_add(&b, s + st, len - st);
        }
    }
    sbc_buf_add(&b, "", 1);
    free(w);
    return b.data;
}
