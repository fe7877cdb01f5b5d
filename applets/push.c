/* push.c - sbc-push: upload an image to a registry. */
#include <stdio.h>
#include <stdlib.h>

#include "applets.h"
#include "base/digest.h"
#include "base/io.h"
#include "opt.h"
#include "image/push.h"
#include "image/store.h"
#include "progress.h"

const char push_usage[] =
    "Usage: sbc-push [OPTIONS] IMAGE [NAME[:TAG]]\n"
    "\n"
    "Upload an image to a registry, as IMAGE's name or as NAME[:TAG].  The\n"
    "blobs go first, exactly as stored (pulled images keep their digests):\n"
    "those the registry has are skipped, those in another repository of the\n"
    "same registry are mounted from it, the rest uploaded (monolithic, or in\n"
    "chunks above --chunk-size).  The manifest goes last, so a failed push\n"
    "never shows as the tag.  Credentials come from sbc-login.\n"
    "\n"
    "Options:\n"
    "  -q, --quiet             print only the manifest digest\n"
    "      --chunk-size BYTES  upload in chunks of this size (suffix k, M)\n"
    "                          (default: one PUT up to 32M, 16M chunks above)\n";

/* What sbc-push shows of each blob: on a terminal every blob's line,
 * redrawn; elsewhere, at the end, one plain line for each blob it reached. */
struct push_view {
    progress_board board;
    struct push_view_job {
        char id[13];        /* the digest's first 12 hex digits */
        sbc_push_state state;
        long long done, total;
        char from[256];     /* SBC_PUSH_MOUNTED: the repository */
    } *jobs;
};

static const char *state_text(sbc_push_state s)
{
    switch (s) {
    case SBC_PUSH_WAITING: return "Waiting";
    case SBC_PUSH_PUSHING: return "Pushing";
    case SBC_PUSH_PUSHED: return "Pushed";
    case SBC_PUSH_EXISTS: return "Layer already exists";
    case SBC_PUSH_MOUNTED: return "Mounted from";
    case SBC_PUSH_FAILED: break;
    }
    return "Failed";
}

static void view_line(void *arg, int i, char *l, size_t n)
{
    struct push_view_job *j = &((struct push_view *)arg)->jobs[i];
    if (j->state == SBC_PUSH_PUSHING) {
        char bar[31];
        progress_bar(bar, j->done, j->total, j->total <= 0);
        snprintf(l, n, "%s: %s [%s] %.1fMB/%.1fMB", j->id, state_text(j->state), bar,
                 j->done / 1e6, j->total / 1e6);
    } else if (j->state == SBC_PUSH_MOUNTED) {
        snprintf(l, n, "%s: %s %s", j->id, state_text(j->state), j->from);
    } else {
        snprintf(l, n, "%s: %s", j->id, state_text(j->state));
    }
}

static void on_progress(void *arg, const sbc_push_event *ev)
{
    struct push_view *v = arg;
    if (!v->jobs) { /* the registry let us in */
        fprintf(stderr, "The push refers to repository [%s]\n", ev->repo);
        v->jobs = sbc_xcalloc((size_t)ev->njobs, sizeof *v->jobs);
        progress_init(&v->board, ev->njobs, view_line, v);
    }
    if (ev->job < 0 || ev->job >= v->board.n)
        return;
    struct push_view_job *j = &v->jobs[ev->job];
    snprintf(j->id, sizeof j->id, "%s", ev->digest + SBC_DIGEST_PREFIX_LEN);
    j->state = ev->state;
    j->done = ev->done;
    j->total = ev->total;
    snprintf(j->from, sizeof j->from, "%s", ev->from ? ev->from : "");
    if (ev->state != SBC_PUSH_WAITING)
        progress_draw(&v->board, 0);
}

int push_main(int argc, char **argv)
{
    enum { O_QUIET = 'q', O_CHUNK = 256 };
    static const sbc_option opts[] = {
        {"quiet", 'q', SBC_OPT_NOARG, O_QUIET},
        {"chunk-size", 0, SBC_OPT_ARG, O_CHUNK},
        {0},
    };
    sbc_push_opts po = {0};
    int quiet = 0;
    sbc_opts o;
    int c;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        if (c == O_QUIET) {
            quiet = sbc_opt_bool(&o);
        } else {
            char *end;
            long long v = strtoll(o.arg, &end, 10);
            if (*end == 'k' || *end == 'K')
                v <<= 10, end++;
            else if (*end == 'M' || *end == 'm')
                v <<= 20, end++;
            if (*end || v < 1)
                sbc_usage_error("--chunk-size: expected a size in bytes, got \"%s\"", o.arg);
            po.chunk_size = v;
            po.force_chunked = 1;
        }
    }
    sbc_opt_operands(&o, 1, 2);
    sbc_err e = {0};
    sbc_store s;
    if (sbc_store_open(&s, &e) < 0)
        return sbc_err_print(&e);
    struct push_view view = {0};
    if (!quiet) {
        po.progress = on_progress;
        po.progress_arg = &view;
    }
    sbc_push_result res = {0};
    int rc = sbc_push(&s, o.rest[0], o.nrest > 1 ? o.rest[1] : NULL, &po, &res, &e);
    /* the last state of every line, or a plain line for each blob reached */
    progress_draw(&view.board, 1);
    for (int i = 0; !view.board.tty && i < view.board.n; i++)
        if (view.jobs[i].state != SBC_PUSH_WAITING)
            progress_plain(&view.board, i);
    free(view.jobs);
    sbc_store_close(&s);
    if (rc < 0)
        return sbc_err_print(&e);
    if (quiet) {
        printf("%s\n", res.digest);
    } else {
        fprintf(stderr, "%s: digest: %s size: %zu\n", res.tag, res.digest, res.size);
        printf("%s@%s\n", res.ref, res.digest);
    }
    free(res.ref);
    return 0;
}
