/* pull.c - sbc-pull: fetch an image from a registry into the store. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "applets.h"
#include "base/digest.h"
#include "base/io.h"
#include "opt.h"
#include "image/pull.h"
#include "image/store.h"
#include "progress.h"

const char pull_usage[] =
    "Usage: sbc-pull [OPTIONS] NAME[:TAG|@DIGEST]\n"
    "\n"
    "Download an image from a registry (Docker Hub by default) into the store\n"
    "($SBC_ROOT, default /var/lib/sbc).  Every manifest, config and layer is\n"
    "verified by sha256; an interrupted pull resumes where it stopped.\n"
    "\n"
    "Options:\n"
    "      --platform string   os/arch[/variant] (default: this host's)\n"
    "  -q, --quiet             print only the full image reference\n"
    "  -j, --jobs N            layers downloaded at once (default 3)\n";

/* What sbc-pull shows of each layer: on a terminal every layer's line,
 * redrawn; elsewhere one plain line as each layer the pull worked on ends. */
struct pull_view {
    progress_board board;
    struct view_job {
        char id[13];          /* the digest's first 12 hex digits */
        int seen;             /* an event came */
        sbc_pull_state state;
        long long done, total;
        struct timespec t0;   /* download start, for the rate */
    } *jobs;
};

static const char *state_text(sbc_pull_state s)
{
    switch (s) {
    case SBC_PULL_WAITING: return "Waiting";
    case SBC_PULL_DOWNLOADING: return "Downloading";
    case SBC_PULL_COMPLETE: return "Pull complete";
    case SBC_PULL_EXISTS: return "Already exists";
    case SBC_PULL_FAILED: break;
    }
    return "Failed";
}

static void view_line(void *arg, int i, char *l, size_t n)
{
    struct view_job *j = &((struct pull_view *)arg)->jobs[i];
    if (j->state == SBC_PULL_DOWNLOADING) {
        char bar[31];
        progress_bar(bar, j->done, j->total, 0);
        double dt = progress_since(&j->t0);
        snprintf(l, n, "%s: %s [%s] %.1fMB/%.1fMB %.1fMB/s", j->id, state_text(j->state), bar,
                 j->done / 1e6, j->total / 1e6, dt > 0.05 ? j->done / 1e6 / dt : 0.0);
    } else {
        snprintf(l, n, "%s: %s", j->id, state_text(j->state));
    }
}

static void on_progress(void *arg, const sbc_pull_event *ev)
{
    struct pull_view *v = arg;
    if (!v->jobs) {
        v->jobs = sbc_xcalloc((size_t)ev->njobs, sizeof *v->jobs);
        progress_init(&v->board, ev->njobs, view_line, v);
    }
    if (ev->job < 0 || ev->job >= v->board.n)
        return;
    struct view_job *j = &v->jobs[ev->job];
    int seen = j->seen, changed = !seen || ev->state != j->state;
    snprintf(j->id, sizeof j->id, "%s", sbc_digest_hex(ev->digest));
    if (changed && ev->state == SBC_PULL_DOWNLOADING)
        clock_gettime(CLOCK_MONOTONIC, &j->t0);
    j->seen = 1;
    j->state = ev->state;
    j->done = ev->done;
    j->total = ev->total;
    /* (the first news of a layer is where it starts: not drawn, not printed) */
    if (!v->board.tty) {
        if (seen && changed && (j->state == SBC_PULL_COMPLETE || j->state == SBC_PULL_EXISTS))
            progress_plain(&v->board, ev->job);
    } else if (seen && (changed || progress_due(&v->board))) {
        progress_draw(&v->board, 0);
    }
}

int pull_main(int argc, char **argv)
{
    enum { O_PLATFORM = 256, O_QUIET = 'q', O_JOBS = 'j' };
    static const sbc_option opts[] = {
        {"platform", 0, SBC_OPT_ARG, O_PLATFORM},
        {"quiet", 'q', SBC_OPT_NOARG, O_QUIET},
        {"jobs", 'j', SBC_OPT_ARG, O_JOBS},
        {0},
    };
    sbc_pull_opts po = {0};
    int quiet = 0;
    sbc_opts o;
    int c;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        switch (c) {
        case O_PLATFORM: po.platform = o.arg; break;
        case O_QUIET: quiet = sbc_opt_bool(&o); break;
        case O_JOBS:
            po.jobs = atoi(o.arg);
            if (po.jobs < 1 || po.jobs > 16)
                sbc_usage_error("--jobs: expected 1..16, got \"%s\"", o.arg);
            break;
        }
    }
    sbc_opt_operands(&o, 1, 1);
    sbc_err e = {0};
    sbc_store s;
    if (sbc_store_open(&s, &e) < 0)
        return sbc_err_print(&e);
    struct pull_view view = {0};
    if (!quiet) {
        po.progress = on_progress;
        po.progress_arg = &view;
    }
    char *full = NULL, id[SBC_DIGEST_SIZE];
    int rc = sbc_pull(&s, o.rest[0], &po, &full, id, &e);
    progress_draw(&view.board, 1); /* the last state of every line */
    free(view.jobs);
    sbc_store_close(&s);
    if (rc < 0)
        return sbc_err_print(&e);
    if (!quiet)
        fprintf(stderr, "Image ID: %s\nStatus: Downloaded %s\n", id, full);
    printf("%s\n", full);
    free(full);
    return 0;
}
