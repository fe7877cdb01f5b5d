/* progress.c - the redrawn layer lines of sbc-pull and sbc-push (see progress.h). */
#include "progress.h"

#include <stdio.h>
#include <unistd.h>

enum { LINE_BYTES = 320 }; /* "ID: Mounted from REPO" with a 255-byte REPO */

void progress_init(progress_board *b, int n, progress_line_fn *line, void *arg)
{
    b->tty = isatty(2);
    b->n = n;
    b->drawn = 0;
    b->line = line;
    b->arg = arg;
    clock_gettime(CLOCK_MONOTONIC, &b->last);
}

void progress_bar(char bar[31], long long done, long long total, int full)
{
    int w = full ? 30 : total > 0 ? (int)(30 * (done > total ? total : done) / total) : 0;
    for (int k = 0; k < 30; k++)
        bar[k] = k < w ? '=' : (k == w ? '>' : ' ');
    bar[30] = 0;
}

double progress_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (now.tv_nsec - t->tv_nsec) / 1e9;
}

int progress_due(const progress_board *b)
{
    return progress_since(&b->last) >= 0.2;
}

void progress_draw(progress_board *b, int final)
{
    if (!b->tty || !b->line)
        return;
    char l[LINE_BYTES];
    if (b->drawn)
        fprintf(stderr, "\033[%dA", b->drawn);
    for (int i = 0; i < b->n; i++) {
        b->line(b->arg, i, l, sizeof l);
        fprintf(stderr, "\033[2K%s\n", l);
    }
    b->drawn = final ? 0 : b->n;
    clock_gettime(CLOCK_MONOTONIC, &b->last);
}

void progress_plain(const progress_board *b, int i)
{
    char l[LINE_BYTES];
    b->line(b->arg, i, l, sizeof l);
    fprintf(stderr, "%s\n", l);
}
