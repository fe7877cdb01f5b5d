/* fuzz_dockerfile.c - the Dockerfile parser (build/dockerfile) and Docker's
 * variable substitution (build/expand) on every argument it returns.
 *
 * Invariants:
 *  - parse succeeds, or fails with a message that names the Dockerfile;
 *  - a parse is deterministic (the same instructions twice);
 *  - instructions come in line order, each with a known lower-case keyword,
 *    a line within the file, and ONBUILD (only) with a parsed trigger;
 *  - the exec form is only set where Docker reads JSON; heredocs only on
 *    RUN, COPY and ADD in shell form, each with a name and a body;
 *  - expansion of each argument either succeeds or fails with a message;
 *    word splitting returns a NULL-terminated list of n words, and the
 *    one-word expansion of a text with no blank is one of its words' joins.
 */
#include "fuzz_common.h"
#include "build/dockerfile.h"
#include "build/expand.h"

static const char *lookup(const char *name, void *arg)
{
    (void)arg;
    if (!strcmp(name, "A"))
        return "a";
    if (!strcmp(name, "E"))
        return "";
    if (!strcmp(name, "S"))
        return "x  y";
    return NULL;
}

static void expand_one(const char *s, char esc)
{
    sbc_err e = {0};
    char *w = sbc_expand_word(s, esc, lookup, NULL, &e);
    FUZZ_ASSERT(w || e.msg[0], "expand_word failed without a message for \"%.200s\"", s);
    char **v;
    size_t n;
    sbc_err e2 = {0};
    int rc = sbc_expand_words(s, esc, lookup, NULL, &v, &n, &e2);
    FUZZ_ASSERT((rc == 0) == (w != NULL), "expand_word and expand_words disagree on \"%.200s\"", s);
    if (rc == 0) {
        FUZZ_ASSERT(v && v[n] == NULL, "words not NULL-terminated for \"%.200s\"", s);
        for (size_t i = 0; i < n; i++)
            free(v[i]);
        free(v);
    } else {
        FUZZ_ASSERT(e2.msg[0], "expand_words failed without a message for \"%.200s\"", s);
    }
    free(w);
}

static int lines_of(const uint8_t *buf, size_t size)
{
    int n = 1;
    for (size_t i = 0; i < size; i++)
        n += buf[i] == '\n';
    return n;
}

static void check_instr(const sbc_df_instr *in, int maxline, int nested)
{
    static const char *const kw[] = {"add", "arg", "cmd", "copy", "entrypoint", "env", "expose", "from",
                                     "healthcheck", "label", "maintainer", "onbuild", "run", "shell",
                                     "stopsignal", "user", "volume", "workdir", NULL};
    int known = 0;
    for (int i = 0; kw[i]; i++)
        known |= !strcmp(kw[i], in->cmd);
    FUZZ_ASSERT(known, "unknown keyword \"%.100s\" accepted", in->cmd);
    FUZZ_ASSERT(in->line >= 1 && in->line <= maxline, "line %d out of 1..%d", in->line, maxline);
    FUZZ_ASSERT(!in->json || strstr(" run cmd entrypoint shell copy add volume healthcheck ", in->cmd),
                "exec form on %s", in->cmd);
    FUZZ_ASSERT(!strcmp(in->cmd, "onbuild") == (in->inner != NULL), "trigger on %s", in->cmd);
    FUZZ_ASSERT(!nested || strcmp(in->cmd, "onbuild"), "ONBUILD ONBUILD accepted");
    for (size_t i = 0; i < in->nflags; i++)
        FUZZ_ASSERT(!strncmp(in->flags[i], "--", 2), "flag \"%.100s\" without --", in->flags[i]);
    FUZZ_ASSERT(!in->nheredocs || (!in->json && strstr(" run copy add ", in->cmd)), "heredoc on %s", in->cmd);
    for (size_t i = 0; i < in->nheredocs; i++) {
        FUZZ_ASSERT(in->heredocs[i].name[0] && in->heredocs[i].body, "heredoc %zu without name or body", i);
        if (in->heredocs[i].expand)
            expand_one(in->heredocs[i].body, '\\');
    }
    if (in->inner)
        check_instr(in->inner, maxline, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
    sbc_err e = {0}, e2 = {0};
    sbc_dockerfile *d = sbc_df_parse((const char *)buf, size, &e);
    sbc_dockerfile *d2 = sbc_df_parse((const char *)buf, size, &e2);
    FUZZ_ASSERT(!d == !d2, "parse is not deterministic");
    if (!d) {
        FUZZ_ASSERT(!strncmp(e.msg, "Dockerfile", 10), "error \"%.200s\" does not name the Dockerfile", e.msg);
        FUZZ_ASSERT(!strcmp(e.msg, e2.msg), "two errors: %.200s / %.200s", e.msg, e2.msg);
        return 0;
    }
    FUZZ_ASSERT(d->n == d2->n, "%zu then %zu instructions", d->n, d2->n);
    int maxline = lines_of(buf, size);
    for (size_t i = 0; i < d->n; i++) {
        const sbc_df_instr *in = &d->v[i];
        FUZZ_ASSERT(!strcmp(in->orig, d2->v[i].orig), "instruction %zu differs between parses", i);
        FUZZ_ASSERT(i == 0 || in->line > d->v[i - 1].line, "instruction %zu out of line order", i);
        check_instr(in, maxline, 0);
        for (size_t j = 0; j < in->nargs && j < 16; j++)
            expand_one(in->args[j], d->escape);
    }
    sbc_df_free(d);
    sbc_df_free(d2);
    return 0;
}
