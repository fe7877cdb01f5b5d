/* dockerfile.c - the Dockerfile parser (see dockerfile.h).  The steps are
 * BuildKit's: lines (directives, comments, continuations) -> one joined
 * line per instruction -> keyword, leading flags, arguments split by the
 * instruction's rule -> checks Docker makes when it dispatches. */
#include "build/dockerfile.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "base/io.h"

enum { K_WORDS, K_STRING, K_JSON, K_JSONLIST, K_NAMEVAL, K_NAMES, K_HEALTH, K_ONBUILD };

/* flags: " name" then '=' (takes a value), '*' (value, may repeat), '?' (bool) */
static const struct kw {
    const char *name;
    unsigned char kind;
    const char *flags;
} kws[] = {
    {"add", K_JSONLIST, " chown= chmod= link? keep-git-dir? checksum= exclude* unpack?"},
    {"arg", K_NAMES, ""},
    {"cmd", K_JSON, ""},
    {"copy", K_JSONLIST, " from= chown= chmod= link? parents? exclude*"},
    {"entrypoint", K_JSON, ""},
    {"env", K_NAMEVAL, ""},
    {"expose", K_WORDS, ""},
    {"from", K_WORDS, " platform="},
    {"healthcheck", K_HEALTH, " interval= timeout= start-period= start-interval= retries="},
    {"label", K_NAMEVAL, ""},
    {"maintainer", K_STRING, ""},
    {"onbuild", K_ONBUILD, ""},
    {"run", K_JSON, " mount* network= security="},
    {"shell", K_JSON, ""},
    {"stopsignal", K_STRING, ""},
    {"user", K_STRING, ""},
    {"volume", K_JSONLIST, ""},
    {"workdir", K_STRING, ""},
};

typedef struct pstate {
    sbc_dockerfile *df;
    int done;       /* no more directives */
    int seen_esc;
    int seen_syntax;
} pstate;

static int is_ws(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void vpush(char ***v, size_t *n, char *s)
{
    if (*n == 0 || (*n >= 4 && !(*n & (*n - 1))))
        *v = sbc_xrealloc(*v, sizeof **v * (*n < 4 ? 4 : *n * 2));
    (*v)[(*n)++] = s;
}

static char *xstrndup(const char *s, size_t n)
{
    char *r = sbc_xmalloc(n + 1);
    memcpy(r, s, n);
    r[n] = 0;
    return r;
}

static void upper(char *dst, size_t dn, const char *s)
{
    size_t i = 0;
    for (; s[i] && i + 1 < dn; i++)
        dst[i] = (char)toupper((unsigned char)s[i]);
    dst[i] = 0;
}

static int is_comment(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_ws((unsigned char)s[i]))
        i++;
    return i < n && s[i] == '#';
}

/* A parser directive on line s[0..n) (left-trimmed), while they may appear. */
static int directive(pstate *st, const char *s, size_t n, int lineno, sbc_err *e)
{
    if (st->done)
        return 0;
    size_t i = 1, ns, ne, vs, ve = n;
    if (!n || s[0] != '#')
        return st->done = 1, 0;
    while (i < n && is_ws((unsigned char)s[i]))
        i++;
    ns = i;
    if (i < n && isalpha((unsigned char)s[i]))
        while (i < n && isalnum((unsigned char)s[i]))
            i++;
    ne = i;
    while (i < n && is_ws((unsigned char)s[i]))
        i++;
    if (ne == ns || i >= n || s[i] != '=')
        return st->done = 1, 0;
    for (i++; i < n && is_ws((unsigned char)s[i]); i++)
        ;
    vs = i;
    while (ve > vs && is_ws((unsigned char)s[ve - 1]))
        ve--;
    if (ve == vs)
        return st->done = 1, 0;
    size_t nl = ne - ns, vl = ve - vs;
    if (nl == 6 && !strncasecmp(s + ns, "escape", 6)) {
        if (st->seen_esc++)
            return sbc_err_set(e, 125, "Dockerfile:%d: only one escape parser directive can be used", lineno);
        if (vl != 1 || (s[vs] != '\\' && s[vs] != '`'))
            return sbc_err_set(e, 125, "Dockerfile:%d: invalid escape token '%.*s' does not match ` or \\",
                               lineno, (int)(vl > 64 ? 64 : vl), s + vs);
        st->df->escape = s[vs];
    } else if (nl == 6 && !strncasecmp(s + ns, "syntax", 6)) {
        if (st->seen_syntax++)
            return sbc_err_set(e, 125, "Dockerfile:%d: only one syntax parser directive can be used", lineno);
        st->df->syntax = xstrndup(s + vs, vl);
    } else if (!(nl == 5 && !strncasecmp(s + ns, "check", 5))) {
        st->done = 1; /* an unknown directive is a comment, and ends them */
    }
    return 0;
}

/* Length of s[0..n) without a trailing escape + blanks; *more = it had one. */
static size_t trim_cont(const char *s, size_t n, char esc, int *more)
{
    size_t i = n;
    while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
        i--;
    *more = i > 0 && s[i - 1] == esc;
    return *more ? i - 1 : n;
}

/* Docker's extractBuilderFlags: leading "--" words (quotes removed). */
static const char *take_flags(const char *s, sbc_df_instr *in)
{
    for (;;) {
        while (is_ws((unsigned char)*s))
            s++;
        if (s[0] != '-' || s[1] != '-')
            return s;
        sbc_buf b = {0};
        int blank_ok = 0;
        char q = 0;
        sbc_buf_add(&b, "", 0);
        for (; *s && (q || !is_ws((unsigned char)*s)); s++) {
            if (q && *s == q) {
                q = 0;
            } else if (!q && (*s == '\'' || *s == '"')) {
                q = *s;
                blank_ok = 1;
            } else {
                if (*s == '\\' && s[1])
                    s++;
                else if (*s == '\\')
                    continue;
                sbc_buf_add(&b, s, 1);
            }
        }
        if (b.len == 2 && !memcmp(b.data, "--", 2)) {
            sbc_buf_free(&b);
            while (is_ws((unsigned char)*s))
                s++;
            return s;
        }
        if (b.len || blank_ok)
            vpush(&in->flags, &in->nflags, xstrndup(b.data, b.len));
        sbc_buf_free(&b);
    }
}

static int check_flags(const struct kw *k, sbc_df_instr *in, int lineno, sbc_err *e)
{
    for (size_t i = 0; i < in->nflags; i++) {
        const char *f = in->flags[i] + (strncmp(in->flags[i], "--", 2) ? 0 : 2);
        size_t nl = strcspn(f, "=");
        const char *p = k->flags;
        while ((p = strstr(p, " ")) && !(!strncmp(p + 1, f, nl) && strchr("=*?", p[1 + nl]) && nl))
            p++;
        if (!p)
            return sbc_err_set(e, 125, "Dockerfile:%d: unknown flag: --%.*s", lineno, (int)(nl > 64 ? 64 : nl), f);
        char kind = p[1 + nl];
        if (kind != '?' && !f[nl])
            return sbc_err_set(e, 125, "Dockerfile:%d: missing a value on flag: --%.*s", lineno, (int)nl, f);
        if (kind == '?' && f[nl] && strcmp(f + nl, "=true") && strcmp(f + nl, "=false"))
            return sbc_err_set(e, 125, "Dockerfile:%d: expecting boolean value for flag --%.*s", lineno, (int)nl, f);
        for (size_t j = 0; kind != '*' && j < i; j++) {
            const char *g = in->flags[j] + (strncmp(in->flags[j], "--", 2) ? 0 : 2);
            if (!strncmp(g, f, nl) && (g[nl] == '=' || !g[nl]))
                return sbc_err_set(e, 125, "Dockerfile:%d: duplicate flag specified: --%.*s", lineno, (int)nl, f);
        }
    }
    return 0;
}

/* Whitespace-separated words, kept raw. */
static void split_ws(const char *s, char ***v, size_t *n)
{
    for (;;) {
        while (is_ws((unsigned char)*s))
            s++;
        if (!*s)
            return;
        const char *w = s;
        while (*s && !is_ws((unsigned char)*s))
            s++;
        vpush(v, n, xstrndup(w, (size_t)(s - w)));
    }
}

/* Docker's parseWords: words split at unquoted blanks, quotes and escapes kept. */
static void split_words(const char *s, char esc, char ***v, size_t *n)
{
    for (;;) {
        while (is_ws((unsigned char)*s))
            s++;
        if (!*s)
            return;
        sbc_buf b = {0};
        char q = 0;
        sbc_buf_add(&b, "", 0);
        for (; *s && (q || !is_ws((unsigned char)*s)); s++) {
            if (*s == esc && (!q || q != '\'')) {
                if (!s[1])
                    continue; /* an escape at the end is dropped */
                sbc_buf_add(&b, s++, 1);
            } else if (q && *s == q) {
                q = 0;
            } else if (!q && (*s == '\'' || *s == '"')) {
                q = *s;
            }
            sbc_buf_add(&b, s, 1);
        }
        vpush(v, n, xstrndup(b.data, b.len));
        sbc_buf_free(&b);
    }
}

/* A JSON array of strings -> args + json=1; anything else -> 0. */
static int try_json(const char *s, sbc_df_instr *in)
{
    if (*s != '[')
        return 0;
    cJSON *j = cJSON_ParseWithOpts(s, NULL, 1), *it;
    if (!cJSON_IsArray(j)) {
        cJSON_Delete(j);
        return 0;
    }
    cJSON_ArrayForEach(it, j) {
        if (!cJSON_IsString(it)) {
            cJSON_Delete(j);
            return 0;
        }
    }
    cJSON_ArrayForEach(it, j) {
        vpush(&in->args, &in->nargs, sbc_xstrdup(it->valuestring));
    }
    cJSON_Delete(j);
    return in->json = 1;
}

/* ENV and LABEL: key=value words, or the legacy "key the value". */
static int parse_nameval(const char *s, char esc, sbc_df_instr *in, int lineno, sbc_err *e)
{
    char **w = NULL;
    size_t nw = 0;
    int rc = 0;
    split_words(s, esc, &w, &nw);
    if (nw && !strchr(w[0], '=')) {
        size_t kl = strcspn(s, " \t\n\r\v\f");
        const char *v = s + kl;
        while (is_ws((unsigned char)*v))
            v++;
        if (!*v) {
            rc = sbc_err_set(e, 125, "Dockerfile:%d: %s must have two arguments", lineno,
                             !strcmp(in->cmd, "env") ? "ENV" : "LABEL");
        } else {
            vpush(&in->args, &in->nargs, xstrndup(s, kl));
            vpush(&in->args, &in->nargs, sbc_xstrdup(v));
        }
    }
    for (size_t i = 0; nw && strchr(w[0], '=') && i < nw && !rc; i++) {
        char *eq = strchr(w[i], '=');
        if (!eq)
            rc = sbc_err_set(e, 125, "Dockerfile:%d: syntax error - can't find = in \"%.200s\"; must be of the form: name=value",
                             lineno, w[i]);
        else if (eq == w[i])
            rc = sbc_err_set(e, 125, "Dockerfile:%d: %s names can not be blank", lineno,
                             !strcmp(in->cmd, "env") ? "ENV" : "LABEL");
        else {
            vpush(&in->args, &in->nargs, xstrndup(w[i], (size_t)(eq - w[i])));
            vpush(&in->args, &in->nargs, sbc_xstrdup(eq + 1));
        }
    }
    for (size_t i = 0; i < nw; i++)
        free(w[i]);
    free(w);
    return rc;
}

static int parse_instr(const char *line, int lineno, char esc, int nested, sbc_df_instr *in, sbc_err *e);

/* HEALTHCHECK and ONBUILD: the first word, then the rest. */
static int parse_sub(const struct kw *k, const char *s, char esc, int lineno, sbc_df_instr *in, sbc_err *e)
{
    if (k->kind == K_ONBUILD) {
        if (!*s)
            return 0;
        vpush(&in->args, &in->nargs, sbc_xstrdup(s));
        in->inner = sbc_xcalloc(1, sizeof *in->inner);
        if (parse_instr(s, lineno, esc, 1, in->inner, e) < 0)
            return -1;
        const char *c = in->inner->cmd;
        if (!strcmp(c, "from") || !strcmp(c, "maintainer"))
            return sbc_err_set(e, 125, "Dockerfile:%d: %s isn't allowed as an ONBUILD trigger", lineno,
                               !strcmp(c, "from") ? "FROM" : "MAINTAINER");
        return 0;
    }
    size_t tl = strcspn(s, " \t\n\r\v\f");
    if (!tl)
        return 0;
    char *typ = xstrndup(s, tl);
    vpush(&in->args, &in->nargs, typ);
    for (s += tl; is_ws((unsigned char)*s);)
        s++;
    if (!strcasecmp(typ, "none")) {
        if (*s || in->nflags)
            return sbc_err_set(e, 125, "Dockerfile:%d: HEALTHCHECK NONE takes no arguments", lineno);
        return 0;
    }
    if (strcasecmp(typ, "cmd"))
        return sbc_err_set(e, 125, "Dockerfile:%d: unknown type \"%.64s\" in HEALTHCHECK (try CMD)", lineno, typ);
    if (!try_json(s, in) && *s)
        vpush(&in->args, &in->nargs, sbc_xstrdup(s));
    if (in->nargs < 2)
        return sbc_err_set(e, 125, "Dockerfile:%d: missing command after HEALTHCHECK CMD", lineno);
    for (size_t i = 0; i < in->nflags; i++) {
        const char *v = strchr(in->flags[i], '=');
        if (!strncmp(in->flags[i], "--retries=", 10) && (!v[1] || v[strspn(v + 1, "0123456789") + 1]))
            return sbc_err_set(e, 125, "Dockerfile:%d: HEALTHCHECK --retries must be a number, not \"%.64s\"", lineno, v + 1);
    }
    return 0;
}

/* The checks Docker makes on an instruction's arguments. */
static int check_args(const char *up, sbc_df_instr *in, int lineno, sbc_err *e)
{
    const char *c = in->cmd;
    if (!strcmp(c, "from")) {
        if (in->nargs != 1 && !(in->nargs == 3 && !strcasecmp(in->args[1], "as")))
            return sbc_err_set(e, 125, "Dockerfile:%d: FROM requires either one or three arguments", lineno);
        return 0;
    }
    if (!strcmp(c, "shell") && !in->json)
        return sbc_err_set(e, 125, "Dockerfile:%d: SHELL requires the arguments to be in JSON form", lineno);
    if (!in->nargs && !(in->json && (!strcmp(c, "cmd") || !strcmp(c, "entrypoint"))))
        return sbc_err_set(e, 125, "Dockerfile:%d: %s requires at least one argument", lineno, up);
    if ((!strcmp(c, "copy") || !strcmp(c, "add")) && in->nargs < 2)
        return sbc_err_set(e, 125, "Dockerfile:%d: %s requires at least two arguments", lineno, up);
    return 0;
}

/* One joined line -> in.  nested: ONBUILD's trigger. */
static int parse_instr(const char *line, int lineno, char esc, int nested, sbc_df_instr *in, sbc_err *e)
{
    while (is_ws((unsigned char)*line))
        line++;
    size_t n = strlen(line);
    while (n && is_ws((unsigned char)line[n - 1]))
        n--;
    char *t = xstrndup(line, n);
    size_t cl = strcspn(t, " \t\n\r\v\f");
    char up[32];
    in->line = lineno;
    in->orig = t;
    in->cmd = xstrndup(t, cl);
    for (char *p = in->cmd; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    upper(up, sizeof up, in->cmd);
    const struct kw *k = NULL;
    for (size_t i = 0; i < sizeof kws / sizeof kws[0] && !k; i++)
        if (!strcmp(kws[i].name, in->cmd))
            k = &kws[i];
    if (!k)
        return sbc_err_set(e, 125, "Dockerfile:%d: unknown instruction: %s%s", lineno, up, strlen(in->cmd) >= sizeof up ? "..." : "");
    if (nested && k->kind == K_ONBUILD)
        return sbc_err_set(e, 125, "Dockerfile:%d: chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", lineno);
    const char *rest = take_flags(t + cl, in);
    if (check_flags(k, in, lineno, e) < 0)
        return -1;
    switch (k->kind) {
    case K_WORDS:
        split_ws(rest, &in->args, &in->nargs);
        break;
    case K_STRING:
        if (*rest)
            vpush(&in->args, &in->nargs, sbc_xstrdup(rest));
        break;
    case K_JSON:
        if (!try_json(rest, in) && *rest)
            vpush(&in->args, &in->nargs, sbc_xstrdup(rest));
        break;
    case K_JSONLIST:
        if (!try_json(rest, in))
            split_ws(rest, &in->args, &in->nargs);
        break;
    case K_NAMEVAL:
        if (parse_nameval(rest, esc, in, lineno, e) < 0)
            return -1;
        break;
    case K_NAMES:
        split_words(rest, esc, &in->args, &in->nargs);
        break;
    default:
        if (parse_sub(k, rest, esc, lineno, in, e) < 0)
            return -1;
    }
    return check_args(up, in, lineno, e);
}

static void instr_free(sbc_df_instr *in)
{
    if (!in)
        return;
    sbc_names_free(in->flags, in->nflags);
    sbc_names_free(in->args, in->nargs);
    free(in->cmd);
    free(in->orig);
    for (size_t i = 0; i < in->nheredocs; i++) {
        free(in->heredocs[i].name);
        free(in->heredocs[i].body);
    }
    free(in->heredocs);
    if (in->inner) {
        instr_free(in->inner);
        free(in->inner);
    }
}

void sbc_df_free(sbc_dockerfile *df)
{
    if (!df)
        return;
    for (size_t i = 0; i < df->n; i++)
        instr_free(&df->v[i]);
    free(df->v);
    free(df->syntax);
    free(df);
}

/* The next line of text at *pos (without its \n or \r\n) -> s, n. */
static int next_line(const char *text, size_t len, size_t *pos, const char **s, size_t *n)
{
    if (*pos >= len)
        return 0;
    const char *p = text + *pos, *nl = memchr(p, '\n', len - *pos);
    size_t l = nl ? (size_t)(nl - p) : len - *pos;
    *pos += l + (nl != NULL);
    if (l && p[l - 1] == '\r')
        l--;
    *s = p;
    *n = l;
    return 1;
}

/* A heredoc word: <<[-]["']NAME["'] -> its parts; 0 if w is not one. */
static int heredoc_word(const char *w, int *chomp, int *expand, const char **name, size_t *nl)
{
    if (strncmp(w, "<<", 2))
        return 0;
    w += 2;
    *chomp = *w == '-';
    w += *chomp;
    char q = (*w == '"' || *w == '\'') ? *w++ : 0;
    size_t n = 0;
    while (w[n] && (isalnum((unsigned char)w[n]) || strchr("_.-", w[n])))
        n++;
    if (!n || !isalpha((unsigned char)w[0]) || (q ? !(w[n] == q && !w[n + 1]) : w[n] != 0))
        return 0;
    *expand = !q;
    *name = w;
    *nl = n;
    return 1;
}

/* The bodies of in's heredocs, from the lines after the instruction. */
static int read_heredocs(const char *text, size_t len, size_t *pos, int *lineno, sbc_df_instr *in, sbc_err *e)
{
    if (in->json || (strcmp(in->cmd, "run") && strcmp(in->cmd, "copy") && strcmp(in->cmd, "add")))
        return 0;
    char **w = NULL;
    size_t nw = 0;
    int rc = 0;
    for (size_t i = 0; i < in->nargs; i++)
        split_ws(in->args[i], &w, &nw);
    for (size_t i = 0; i < nw && !rc; i++) {
        int chomp, expand;
        const char *name, *s;
        size_t nl, n;
        if (!heredoc_word(w[i], &chomp, &expand, &name, &nl))
            continue;
        sbc_buf b = {0};
        sbc_buf_add(&b, "", 0);
        for (;;) {
            if (!next_line(text, len, pos, &s, &n)) {
                rc = sbc_err_set(e, 125, "Dockerfile:%d: unterminated heredoc %.*s", in->line, (int)nl, name);
                break;
            }
            ++*lineno;
            while (chomp && n && *s == '\t')
                s++, n--;
            if (n == nl && !memcmp(s, name, nl))
                break;
            sbc_buf_add(&b, s, n);
            sbc_buf_add(&b, "\n", 1);
        }
        if (in->nheredocs == 0 || (in->nheredocs >= 4 && !(in->nheredocs & (in->nheredocs - 1))))
            in->heredocs = sbc_xrealloc(in->heredocs, sizeof *in->heredocs * (in->nheredocs < 4 ? 4 : in->nheredocs * 2));
        in->heredocs[in->nheredocs++] = (sbc_df_heredoc){xstrndup(name, nl), xstrndup(b.data, b.len), expand};
        sbc_buf_free(&b);
    }
    for (size_t i = 0; i < nw; i++)
        free(w[i]);
    free(w);
    return rc;
}

/* One instruction from the line s[0..n) and its continuations. */
static int read_instr(pstate *st, const char *text, size_t len, size_t *pos, int *lineno,
                      const char *s, size_t n, sbc_err *e)
{
    char esc = st->df->escape;
    int start = *lineno, more;
    sbc_buf b = {0};
    sbc_buf_add(&b, s, trim_cont(s, n, esc, &more));
    while (more) {
        if (!next_line(text, len, pos, &s, &n)) {
            sbc_buf_free(&b);
            return sbc_err_set(e, 125, "Dockerfile:%d: unterminated line continuation at the end of the file", start);
        }
        ++*lineno;
        size_t i = 0;
        while (i < n && is_ws((unsigned char)s[i]))
            i++;
        if (i == n || s[i] == '#')
            continue; /* empty and comment lines inside a continuation */
        sbc_buf_add(&b, s, trim_cont(s, n, esc, &more));
    }
    sbc_df_instr in = {0};
    int rc = parse_instr(b.data, start, esc, 0, &in, e);
    sbc_buf_free(&b);
    if (rc == 0)
        rc = read_heredocs(text, len, pos, lineno, &in, e);
    if (rc < 0) {
        instr_free(&in);
        return -1;
    }
    if (st->df->n == 0 || (st->df->n >= 4 && !(st->df->n & (st->df->n - 1))))
        st->df->v = sbc_xrealloc(st->df->v, sizeof *st->df->v * (st->df->n < 4 ? 4 : st->df->n * 2));
    st->df->v[st->df->n++] = in;
    return 0;
}

sbc_dockerfile *sbc_df_parse(const char *text, size_t len, sbc_err *e)
{
    if (len > SBC_DF_MAX_BYTES)
        return sbc_err_set(e, 125, "Dockerfile: larger than %u bytes", SBC_DF_MAX_BYTES), NULL;
    const char *nul = memchr(text, 0, len);
    if (nul) {
        int l = 1;
        for (const char *p = text; p < nul; p++)
            l += *p == '\n';
        return sbc_err_set(e, 125, "Dockerfile:%d: a NUL byte", l), NULL;
    }
    pstate st = {.df = sbc_xcalloc(1, sizeof *st.df)};
    st.df->escape = '\\';
    size_t pos = 0, n;
    const char *s;
    int lineno = 0;
    if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
        pos = 3;
    while (next_line(text, len, &pos, &s, &n)) {
        if (++lineno > SBC_DF_MAX_LINES) {
            sbc_err_set(e, 125, "Dockerfile: more than %d lines", SBC_DF_MAX_LINES);
            goto fail;
        }
        while (n && is_ws((unsigned char)*s))
            s++, n--;
        if (directive(&st, s, n, lineno, e) < 0)
            goto fail;
        if (is_comment(s, n))
            continue;
        int more;
        if (trim_cont(s, n, st.df->escape, &more) == 0 && !more)
            continue; /* a blank line */
        if (read_instr(&st, text, len, &pos, &lineno, s, n, e) < 0)
            goto fail;
        if (lineno > SBC_DF_MAX_LINES) {
            sbc_err_set(e, 125, "Dockerfile: more than %d lines", SBC_DF_MAX_LINES);
            goto fail;
        }
    }
    return st.df;
fail:
    sbc_df_free(st.df);
    return NULL;
}
