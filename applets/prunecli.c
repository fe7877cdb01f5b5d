/* prunecli.c - the prune applets' questions and reports (prunecli.h). */
#include "prunecli.h"

#include <stdio.h>
#include <string.h>

#include "applets.h"
#include "base/time.h"
#include "opt.h"

int sbc_prune_confirm(int force, const char *what)
{
    if (force)
        return 1;
    printf("WARNING! This will remove %s.\nAre you sure you want to continue? [y/N] ", what);
    fflush(stdout);
    char line[64];
    if (!fgets(line, sizeof line, stdin))
        return 0;
    return !strcmp(line, "y\n") || !strcmp(line, "Y\n") || !strcmp(line, "yes\n") || !strcmp(line, "y") ||
           !strcmp(line, "yes");
}

void sbc_prune_print(void *arg, const char *kind, const char *what)
{
    sbc_prune_report *r = arg;
    const char *h = !strcmp(kind, "container") ? "Deleted Containers:"
                    : !strcmp(kind, "volume")  ? "Deleted Volumes:"
                    : !strcmp(kind, "cache")   ? "Deleted build cache objects:"
                                               : "Deleted Images:";
    if (!r->heading || strcmp(r->heading, h))
        printf("%s%s\n", r->heading ? "\n" : "", h);
    r->heading = h;
    if (!strcmp(kind, "untagged") || !strcmp(kind, "deleted"))
        printf("%s: %s\n", kind, what);
    else
        printf("%s\n", what);
}

void sbc_prune_total(long long bytes)
{
    char b[32];
    sbc_human_size(bytes, b, sizeof b);
    printf("\nTotal reclaimed space: %s\n", b);
}

int sbc_prune_cmd(int argc, char **argv, const char *choices, const char *what, const char *what_all,
                  sbc_prune_run_fn *run)
{
    static const sbc_option with_all[] = {{"all", 'a', SBC_OPT_NOARG, 'a'}, {"force", 'f', SBC_OPT_NOARG, 'f'}, {0}};
    int all = 0, force = 0, c;
    sbc_opts o;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, what_all ? with_all : with_all + 1))) {
        if (c == 'a')
            all = sbc_opt_bool(&o);
        else if (c == 'f')
            force = sbc_opt_bool(&o);
    }
    sbc_opt_operands(&o, 1, 1);
    if (strcmp(o.rest[0], "prune"))
        sbc_usage_error("unknown command \"%s\" (%s)", o.rest[0], choices);
    if (!sbc_prune_confirm(force, all ? what_all : what))
        return 0;
    sbc_err e = {0};
    sbc_store s;
    if (sbc_store_open(&s, &e) < 0)
        return sbc_err_print(&e);
    long long freed = 0;
    sbc_prune_report rep = {0};
    int rc = run(&s, all, sbc_prune_print, &rep, &freed, &e) < 0 ? sbc_err_print(&e) : 0;
    sbc_prune_total(freed);
    sbc_store_close(&s);
    return rc;
}
