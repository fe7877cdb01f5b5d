/* prunecli.c - the prune applets' questions and reports (prunecli.h). */
#include "prunecli.h"

#include <stdio.h>
#include <string.h>

#include "base/time.h"

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
