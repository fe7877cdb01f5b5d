/* prunecli.h - what the prune applets (system, container, image) print
 * and ask, as Docker does. */
#ifndef SBC_PRUNECLI_H
#define SBC_PRUNECLI_H

/* Unless force: "WARNING! This will remove WHAT." and a [y/N] question on
 * stdin; 1 to go on. */
int sbc_prune_confirm(int force, const char *what);

/* The sbc_prune_fn (runtime/prune.h) that prints each removal under its
 * heading ("Deleted Containers:", "Deleted Images:", "Deleted build cache
 * objects:"); arg: a report. */
typedef struct sbc_prune_report {
    const char *heading; /* the last heading printed */
} sbc_prune_report;
void sbc_prune_print(void *arg, const char *kind, const char *what);
/* "Total reclaimed space: 1.2MB" after a blank line. */
void sbc_prune_total(long long bytes);

/* The "prune" command of sbc-container, sbc-image and sbc-builder: -f (and
 * -a when what_all is given), the one operand "prune" (else a usage error
 * naming choices), the question (what, or what_all with -a), then run over
 * the store, each removal printed, and the total.  The exit code. */
#include "base/err.h"
#include "image/store.h"
#include "runtime/prune.h"
typedef int sbc_prune_run_fn(sbc_store *s, int all, sbc_prune_fn fn, void *arg, long long *freed, sbc_err *e);
int sbc_prune_cmd(int argc, char **argv, const char *choices, const char *what, const char *what_all,
                  sbc_prune_run_fn *run);

#endif
