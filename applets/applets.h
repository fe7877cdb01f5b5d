/* applets.h - declarations generated from applets.def. */
#ifndef SBC_APPLETS_H
#define SBC_APPLETS_H
#include <stdio.h>

#define APPLET(name, summary) \
    int name##_main(int argc, char **argv); \
    extern const char name##_usage[];
#include "applets.def"
#undef APPLET

struct sbc_applet_entry {
    const char *name;
    const char *summary;
    int (*main)(int, char **);
    const char *usage;
};
extern const struct sbc_applet_entry sbc_applets[];
extern const int sbc_napplets;

/* sbc-oci: 1 when the verb makes or enters a container (create, run,
 * exec), which must run from the sealed copy of sbc (runtime/exeseal.h). */
int oci_enters(int argc, char **argv);

/* sbc --version and sbc-version (applets/version.c) */
void sbc_version_print(FILE *f);

/* The loop of the applets that take CONTAINER operands (applets/each.c):
 * open the store, then for each ref open the container, call fn and free
 * it; close the store.  fn returns 0, an exit code > 0, or -1 with e set.
 * A failure is printed ("sbc-NAME: ...") and the loop goes on; returns the
 * last failure's exit code (Docker's), or 0. */
struct sbc_container;
struct sbc_err;
/* sbc-run --sig-proxy=false (applets/logs.c): print the log records of c
 * (logfd: its log, opened before the start, so a --rm one's is not gone
 * first) of the streams in mask (2 stdout, 4 stderr) as they come, until
 * it exits; its exit code (told through fifo, sbc_wait_fifo's, for a --rm
 * one), 255 when unknown. */
int logs_attach(const char *root, struct sbc_container *c, int logfd, int mask, int fifo);
typedef int (*sbc_container_fn)(const char *root, const char *ref, struct sbc_container *c,
                                void *arg, struct sbc_err *e);
int sbc_container_each(char *const *refs, int n, sbc_container_fn fn, void *arg);

#endif
