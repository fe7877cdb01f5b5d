/* ignore.c - .dockerignore patterns (see ignore.h).
 *
 * A pattern compiles to a list of tokens matched by a simulation of the
 * NFA they form (a set of live token positions advanced one rune of the
 * path at a time), so a pattern like "*a*a*a*b" costs O(path x tokens)
 * whatever the path: no backtracking.  One pass over a path also answers
 * for all its parent directories: the pattern matches parent "a/b" of
 * "a/b/c" when the NFA accepts just before the '/' after "a/b".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/io.h"
#include "build/ignore.h"

enum {
    T_LIT,   /* one rune equal to arg */
    T_ANY,   /* '?': one rune but '/' */
    T_CLASS, /* [...]: one rune in the class at cls[arg] */
    T_STAR,  /* '*': loops on runes but '/'; may be skipped */
    T_ALL,   /* loops on any rune; may be skipped */
    T_SKIP,  /* consumes nothing; goes on at +1 or at +arg */
};

typedef struct tok {
    uint8_t kind;
    uint32_t arg;
} tok;

typedef struct pat {
    tok *t;
    size_t nt;
    uint32_t *cls; /* per class: negated, nranges, then lo, hi pairs */
    size_t ncls;
    int exception;
} pat;

struct sbc_ignore {
    pat *p;
    size_t n;
    size_t maxnt; /* largest nt: the size of the NFA state sets */
};

#define BAD_RUNE(b) (0x110000u + (b)) /* an invalid UTF-8 byte, kept distinct */

/* Decode one rune of s[0..n) (n > 0) into *r; returns its length.
 * Invalid bytes decode one at a time as BAD_RUNE. */
static size_t rune(const unsigned char *s, size_t n, uint32_t *r)
{
    unsigned c = s[0];
    size_t len = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
    if (len == 1) {
        *r = c;
        return 1;
    }
    if (len == 0 || len > n)
        goto bad;
    uint32_t v = c & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            goto bad;
        v = v << 6 | (s[i] & 0x3f);
    }
    if ((len == 3 && (v < 0x800 || (v >= 0xd800 && v < 0xe000))) || (len == 4 && (v < 0x10000 || v > 0x10ffff)))
        goto bad;
    *r = v;
    return len;
bad:
    *r = BAD_RUNE(c);
    return 1;
}

/* Go's filepath.Clean of s[0..n) into a new string ("" gives "."). */
static char *path_clean(const char *s, size_t n)
{
    char *out = sbc_xmalloc(n + 2);
    int rooted = n > 0 && s[0] == '/';
    size_t r = 0, w = 0, dotdot = 0; /* out[0..dotdot) is never popped */
    if (rooted)
        out[w++] = '/', r = 1, dotdot = 1;
    while (r < n) {
        if (s[r] == '/') {
            r++;
        } else if (s[r] == '.' && (r + 1 == n || s[r + 1] == '/')) {
            r++;
        } else if (s[r] == '.' && s[r + 1] == '.' && (r + 2 == n || s[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) { /* drop the last element */
                w--;
                while (w > dotdot && out[w] != '/')
                    w--;
            } else if (!rooted) { /* a leading "..": kept */
                if (w > 0)
                    out[w++] = '/';
                out[w++] = '.', out[w++] = '.';
                dotdot = w;
            }
        } else {
            if (w != (size_t)rooted)
                out[w++] = '/';
            while (r < n && s[r] != '/')
                out[w++] = s[r++];
        }
    }
    if (w == 0)
        out[w++] = '.';
    out[w] = 0;
    return out;
}

/* One end of a range in a class (Go's getEsc): a rune, '\' escaping the
 * next; 0 with *r set, or -1 (bad pattern). */
static int class_char(const unsigned char *s, size_t n, size_t *i, uint32_t *r)
{
    if (*i >= n || s[*i] == '-' || s[*i] == ']')
        return -1;
    if (s[*i] == '\\' && ++*i >= n)
        return -1;
    *i += rune(s + *i, n - *i, r);
    if (*r >= 0x110000 || *i >= n) /* invalid UTF-8, or nothing after: unterminated */
        return -1;
    return 0;
}

/* Parse the class at s[*i] == '[' into p->cls; returns its offset or -1. */
static long parse_class(pat *p, const unsigned char *s, size_t n, size_t *i, size_t *cap)
{
    size_t need = p->ncls + 2 + 2 * n; /* at most n ranges */
    if (need > *cap) {
        *cap = 2 * need;
        p->cls = sbc_xrealloc(p->cls, *cap * sizeof *p->cls);
    }
    size_t at = p->ncls;
    p->cls[at] = 0;
    p->cls[at + 1] = 0;
    p->ncls += 2;
    (*i)++;
    if (*i < n && s[*i] == '^')
        p->cls[at] = 1, (*i)++;
    for (;;) {
        if (*i < n && s[*i] == ']' && p->cls[at + 1] > 0) {
            (*i)++;
            return (long)at;
        }
        uint32_t lo, hi;
        if (class_char(s, n, i, &lo) < 0)
            return -1;
        hi = lo;
        if (s[*i] == '-') {
            (*i)++;
            if (class_char(s, n, i, &hi) < 0)
                return -1;
        }
        p->cls[p->ncls++] = lo;
        p->cls[p->ncls++] = hi;
        p->cls[at + 1]++;
    }
}

static void add_tok(pat *p, size_t *cap, int kind, uint32_t arg)
{
    if (p->nt == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        p->t = sbc_xrealloc(p->t, *cap * sizeof *p->t);
    }
    p->t[p->nt].kind = (uint8_t)kind;
    p->t[p->nt++].arg = arg;
}

/* Compile the cleaned pattern s into p's tokens; -1 on a bad pattern.
 * dstar: moby's "**" (else two '*', as filepath.Match has them). */
static int compile(pat *p, const char *src, int dstar)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t n = strlen(src), i = 0, tcap = 0, ccap = 0;
    while (i < n) {
        uint32_t r;
        if (dstar && s[i] == '*' && i + 1 < n && s[i + 1] == '*') {
            i += 2;
            if (i < n && s[i] == '/')
                i++;
            if (i == n) {
                add_tok(p, &tcap, T_ALL, 0); /* "**" at the end: anything */
            } else {                         /* moby's "(.*\/)?": whole directories or none */
                add_tok(p, &tcap, T_SKIP, 3);
                add_tok(p, &tcap, T_ALL, 0);
                add_tok(p, &tcap, T_LIT, '/');
            }
        } else if (s[i] == '*') {
            add_tok(p, &tcap, T_STAR, 0);
            i++;
        } else if (s[i] == '?') {
            add_tok(p, &tcap, T_ANY, 0);
            i++;
        } else if (s[i] == '[') {
            long at = parse_class(p, s, n, &i, &ccap);
            if (at < 0)
                return -1;
            add_tok(p, &tcap, T_CLASS, (uint32_t)at);
        } else {
            if (s[i] == '\\' && ++i == n)
                return -1; /* a trailing '\' */
            i += rune(s + i, n - i, &r);
            add_tok(p, &tcap, T_LIT, r);
        }
    }
    return 0;
}

static int class_has(const pat *p, uint32_t at, uint32_t r)
{
    const uint32_t *c = p->cls + at;
    if (r >= 0x110000)
        r = 0xfffd; /* Go decodes an invalid byte as RuneError */
    int in = 0;
    for (uint32_t k = 0; k < c[1] && !in; k++)
        in = c[2 + 2 * k] <= r && r <= c[3 + 2 * k];
    return in != (int)c[0];
}

/* Follow the moves that consume nothing from the live states. */
static void closure(const pat *p, unsigned char *st)
{
    for (size_t i = 0; i < p->nt; i++) {
        if (!st[i])
            continue;
        int k = p->t[i].kind;
        if (k == T_STAR || k == T_ALL)
            st[i + 1] = 1;
        else if (k == T_SKIP)
            st[i + 1] = 1, st[i + p->t[i].arg] = 1;
    }
}

/* Advance the states cur by rune r into nxt (closed); returns whether any
 * state is live. */
static int step(const pat *p, const unsigned char *cur, unsigned char *nxt, uint32_t r)
{
    int live = 0;
    memset(nxt, 0, p->nt + 1);
    for (size_t i = 0; i < p->nt; i++) {
        if (!cur[i])
            continue;
        const tok *t = &p->t[i];
        int ok = 0, stay = 0;
        switch (t->kind) {
        case T_LIT: ok = r == t->arg; break;
        case T_ANY: ok = r != '/'; break;
        case T_CLASS: ok = class_has(p, t->arg, r); break;
        case T_STAR: stay = r != '/'; break;
        case T_ALL: stay = 1; break;
        default: break;
        }
        if (ok)
            nxt[i + 1] = live = 1;
        if (stay)
            nxt[i] = live = 1;
    }
    closure(p, nxt);
    return live;
}

/* Run p over path s (n bytes).  Returns 1 when p matches s or one of its
 * parent directories.  With below set, also 1 when p could match some
 * path under directory s (the run goes on over a '/' and any live state
 * counts).  a and b are state sets of p->nt + 1 bytes. */
static int run(const pat *p, const char *path, size_t n, int below, unsigned char *a, unsigned char *b)
{
    const unsigned char *s = (const unsigned char *)path;
    memset(a, 0, p->nt + 1);
    a[0] = 1;
    closure(p, a);
    for (size_t i = 0; i < n;) {
        uint32_t r;
        if (s[i] == '/' && a[p->nt])
            return 1; /* matches the parent s[0..i) */
        i += rune(s + i, n - i, &r);
        if (!step(p, a, b, r))
            return 0;
        unsigned char *x = a;
        a = b, b = x;
    }
    if (a[p->nt])
        return 1;
    return below && step(p, a, b, '/');
}

static char *clean_rel(const char *relpath)
{
    char *c = path_clean(relpath, strlen(relpath));
    if (c[0] == '/' && c[1])
        memmove(c, c + 1, strlen(c));
    else if (c[0] == '/')
        c[0] = '.'; /* the root itself */
    return c;
}

int sbc_ignore_match(const sbc_ignore *ig, const char *relpath)
{
    if (!ig || ig->n == 0)
        return 0;
    char *c = clean_rel(relpath);
    unsigned char *a = sbc_xmalloc(2 * (ig->maxnt + 1)), *b = a + ig->maxnt + 1;
    int res = 0;
    for (size_t k = ig->n; k-- > 0;) { /* the last matching pattern wins */
        if (run(&ig->p[k], c, strlen(c), 0, a, b)) {
            res = !ig->p[k].exception;
            break;
        }
    }
    free(a);
    free(c);
    return res;
}

int sbc_ignore_may_descend(const sbc_ignore *ig, const char *reldir)
{
    if (!ig)
        return 0;
    char *c = clean_rel(reldir);
    unsigned char *a = sbc_xmalloc(2 * (ig->maxnt + 1)), *b = a + ig->maxnt + 1;
    int res = 0;
    for (size_t k = 0; k < ig->n && !res; k++)
        if (ig->p[k].exception)
            res = run(&ig->p[k], c, strlen(c), 1, a, b);
    free(a);
    free(c);
    return res;
}

int sbc_glob_match(const char *pattern, const char *name)
{
    pat p = {0};
    int r = compile(&p, pattern, 0);
    if (r == 0) {
        unsigned char *a = sbc_xmalloc(2 * (p.nt + 1));
        r = run(&p, name, strlen(name), 0, a, a + p.nt + 1);
        free(a);
    }
    free(p.t);
    free(p.cls);
    return r;
}

size_t sbc_ignore_count(const sbc_ignore *ig)
{
    return ig ? ig->n : 0;
}

void sbc_ignore_free(sbc_ignore *ig)
{
    if (!ig)
        return;
    for (size_t k = 0; k < ig->n; k++) {
        free(ig->p[k].t);
        free(ig->p[k].cls);
    }
    free(ig->p);
    free(ig);
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Add the pattern of one line (l[0..n), '#' lines already skipped) to ig;
 * -1 with e set on an error. */
static int add_line(sbc_ignore *ig, size_t *cap, const char *l, size_t n, size_t lineno, sbc_err *e)
{
    while (n && is_space((unsigned char)l[0]))
        l++, n--;
    while (n && is_space((unsigned char)l[n - 1]))
        n--;
    if (n == 0)
        return 0;
    int exception = l[0] == '!';
    if (exception) {
        l++, n--;
        while (n && is_space((unsigned char)l[0]))
            l++, n--;
        if (n == 0)
            return sbc_err_set(e, 0, ".dockerignore:%zu: illegal exclusion pattern: \"!\"", lineno);
    }
    char *c = path_clean(l, n);
    if (c[0] == '/' && c[1])
        memmove(c, c + 1, strlen(c));
    if (ig->n == SBC_IGNORE_MAX_PATTERNS) {
        free(c);
        return sbc_err_set(e, 0, ".dockerignore:%zu: more than %d patterns", lineno, SBC_IGNORE_MAX_PATTERNS);
    }
    if (ig->n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        ig->p = sbc_xrealloc(ig->p, *cap * sizeof *ig->p);
    }
    pat *p = &ig->p[ig->n];
    memset(p, 0, sizeof *p);
    p->exception = exception;
    int r = compile(p, c, 1);
    if (r < 0) {
        sbc_err_set(e, 0, ".dockerignore:%zu: bad pattern \"%s%.900s\"", lineno, exception ? "!" : "", c);
        free(p->t);
        free(p->cls);
    } else {
        ig->n++;
        if (p->nt > ig->maxnt)
            ig->maxnt = p->nt;
    }
    free(c);
    return r;
}

sbc_ignore *sbc_ignore_parse(const char *text, size_t len, sbc_err *e)
{
    sbc_ignore *ig = sbc_xcalloc(1, sizeof *ig);
    size_t cap = 0, lineno = 0, i = 0;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < len) {
        const char *l = text + i;
        const char *nl = memchr(l, '\n', len - i);
        size_t n = nl ? (size_t)(nl - l) : len - i;
        i += n + 1;
        lineno++;
        if (n && l[n - 1] == '\r')
            n--;
        if (n > SBC_IGNORE_MAX_LINE) {
            sbc_err_set(e, 0, ".dockerignore:%zu: line longer than %d bytes", lineno, SBC_IGNORE_MAX_LINE);
            goto fail;
        }
        if (n && l[0] == '#')
            continue;
        if (add_line(ig, &cap, l, n, lineno, e) < 0)
            goto fail;
    }
    return ig;
fail:
    sbc_ignore_free(ig);
    return NULL;
}
