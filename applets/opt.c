/* opt.c - the option parser of the applets (see opt.h). */
#include "opt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/io.h"

enum { ID_HELP = -1000, ID_DEBUG = -1001, ID_LIST = -1002, ID_COMPLETE = -1003 };

const char *sbc_usage_text = "";

_Noreturn void sbc_usage_error(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sbc_warn("%s", msg);
    fputs(sbc_usage_text, stderr);
    exit(SBC_EXIT_FAIL);
}

void sbc_opts_init(sbc_opts *o, int argc, char **argv, int interspersed)
{
    memset(o, 0, sizeof *o);
    o->argc = argc;
    o->argv = argv;
    o->ind = 1;
    o->interspersed = interspersed;
}

static void finish(sbc_opts *o)
{
    int tail = o->argc - o->ind;
    if (o->nops) {
        o->ops = sbc_xrealloc(o->ops, sizeof(char *) * (size_t)(o->nops + tail + 1));
        for (int i = 0; i < tail; i++)
            o->ops[o->nops + i] = o->argv[o->ind + i];
        o->nops += tail;
        o->ops[o->nops] = NULL;
        /* operands live in argv order: copy back so argv stays the owner */
        for (int i = 0; i < o->nops; i++)
            o->argv[o->argc - o->nops + i] = o->ops[i];
        free(o->ops);
        o->ops = NULL;
        o->rest = o->argv + o->argc - o->nops;
        o->nrest = o->nops;
    } else {
        o->rest = o->argv + o->ind;
        o->nrest = tail;
    }
    o->ind = o->argc;
}

/* --list-options: the applet's table, for tests/e2e/13-usage.sh */
static _Noreturn void list_options(const sbc_option *t)
{
    for (; t && (t->lng || t->shrt); t++) {
        if (t->lng)
            printf("--%s%s", t->lng, t->shrt ? " " : "");
        if (t->shrt)
            printf("-%c", t->shrt);
        printf("%s\n", t->arg & SBC_OPT_HIDDEN ? " hidden" : "");
    }
    fflush(stdout);
    exit(0);
}

/* --complete-options: the applet's options for bash completion (docgen.c),
 * on one line: "--long= -s" ("=": it takes a value), hidden ones left out. */
static _Noreturn void complete_options(const sbc_option *t)
{
    for (; t && (t->lng || t->shrt); t++) {
        if (t->arg & SBC_OPT_HIDDEN)
            continue;
        const char *eq = (t->arg & SBC_OPT_ARG) ? "=" : "";
        if (t->lng)
            printf("--%s%s ", t->lng, eq);
        if (t->shrt)
            printf("-%c%s ", t->shrt, eq);
    }
    printf("--help\n");
    fflush(stdout);
    exit(0);
}

static int special(const sbc_option *table, int id)
{
    if (id == ID_LIST)
        list_options(table);
    if (id == ID_COMPLETE)
        complete_options(table);
    if (id == ID_HELP) {
        fputs(sbc_usage_text, stdout);
        fflush(stdout);
        exit(0);
    }
    if (id == ID_DEBUG)
        sbc_debug_level = 1;
    return id;
}

static const sbc_option builtin[] = {
    {"help", 0, SBC_OPT_NOARG, ID_HELP},
    {"debug", 0, SBC_OPT_NOARG, ID_DEBUG},
    {"list-options", 0, SBC_OPT_NOARG | SBC_OPT_HIDDEN, ID_LIST},
    {"complete-options", 0, SBC_OPT_NOARG | SBC_OPT_HIDDEN, ID_COMPLETE},
    {NULL, 0, 0, 0},
};

static const sbc_option *find_long(const sbc_option *t, const char *name, size_t n)
{
    for (int pass = 0; pass < 2; pass++) {
        const sbc_option *tab = pass ? builtin : t;
        for (; tab && (tab->lng || tab->shrt); tab++)
            if (tab->lng && strlen(tab->lng) == n && !strncmp(tab->lng, name, n))
                return tab;
    }
    return NULL;
}

static const sbc_option *find_short(const sbc_option *t, int c)
{
    for (; t && (t->lng || t->shrt); t++)
        if (t->shrt == c)
            return t;
    return NULL;
}

int sbc_opt_next(sbc_opts *o, const sbc_option *table)
{
    o->arg = NULL;
    if (o->cluster && *o->cluster) {
        int c = (unsigned char)*o->cluster++;
        const sbc_option *op = find_short(table, c);
        if (!op) {
            if (c == 'h' && !find_short(table, 'h'))
                return special(table, ID_HELP);
            sbc_usage_error("unknown shorthand flag: '%c' in -%c", c, c);
        }
        if (op->arg & SBC_OPT_ARG) {
            if (*o->cluster) {
                o->arg = o->cluster;
            } else if (o->ind < o->argc) {
                o->arg = o->argv[o->ind++];
            } else {
                sbc_usage_error("flag needs an argument: '%c' in -%c", c, c);
            }
            o->cluster = NULL;
        }
        return op->id;
    }
    o->cluster = NULL;
    for (;;) {
        if (o->ind >= o->argc) {
            finish(o);
            return 0;
        }
        char *a = o->argv[o->ind];
        if (!strcmp(a, "--")) {
            o->ind++;
            finish(o);
            return 0;
        }
        if (a[0] != '-' || a[1] == 0) {
            if (!o->interspersed) {
                finish(o);
                return 0;
            }
            o->ops = sbc_xrealloc(o->ops, sizeof(char *) * (size_t)(o->nops + 1));
            o->ops[o->nops++] = a;
            o->ind++;
            continue;
        }
        o->ind++;
        if (a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t n = eq ? (size_t)(eq - name) : strlen(name);
            const sbc_option *op = find_long(table, name, n);
            if (!op)
                sbc_usage_error("unknown flag: --%.*s", (int)n, name);
            if (op->arg & SBC_OPT_ARG) {
                if (eq) {
                    o->arg = eq + 1;
                } else if (o->ind < o->argc) {
                    o->arg = o->argv[o->ind++];
                } else {
                    sbc_usage_error("flag needs an argument: --%s", op->lng);
                }
            } else if (eq) {
                if (strcmp(eq + 1, "true") && strcmp(eq + 1, "false"))
                    sbc_usage_error("invalid argument \"%s\" for \"--%s\" flag", eq + 1, op->lng);
                o->arg = eq + 1;
            }
            return special(table, op->id);
        }
        o->cluster = a + 1;
        return sbc_opt_next(o, table);
    }
}

int sbc_opt_bool(const sbc_opts *o)
{
    return !(o->arg && !strcmp(o->arg, "false"));
}

void sbc_opt_operands(const sbc_opts *o, int min, int max)
{
    if (o->nrest < min) {
        if (min == 1)
            sbc_usage_error("requires at least 1 argument");
        sbc_usage_error("requires at least %d arguments", min);
    }
    if (max >= 0 && o->nrest > max) {
        if (max == 0)
            sbc_usage_error("accepts no arguments");
        sbc_usage_error("accepts at most %d argument%s", max, max == 1 ? "" : "s");
    }
}

void sbc_opt_plain(sbc_opts *o, int argc, char **argv, int min, int max)
{
    static const sbc_option none[] = {{0}};
    sbc_opts_init(o, argc, argv, 1);
    while (sbc_opt_next(o, none))
        ;
    sbc_opt_operands(o, min, max);
}
