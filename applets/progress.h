/* progress.h - not an applet: the per-layer lines sbc-pull and sbc-push show
 * on stderr.  On a terminal every line is redrawn in place (cursor up, clear
 * line), as Docker does; elsewhere the applet prints plain lines itself.
 * The applet decides what each line says; the board only keeps and draws
 * them. */
#ifndef SBC_APPLET_PROGRESS_H
#define SBC_APPLET_PROGRESS_H
#include <time.h>

#define PROGRESS_LINE 192

typedef struct progress_board {
    int tty;                  /* stderr is a terminal */
    int n;                    /* lines */
    char (*line)[PROGRESS_LINE];
    int drawn;                /* lines on the screen to move up over; 0 after the last draw */
    struct timespec last;     /* the last draw */
} progress_board;

/* n lines, all empty; tty from isatty(2). */
void progress_init(progress_board *b, int n);
void progress_free(progress_board *b);
/* The 30-column bar "=====>    " for done of total; full: all '='. */
void progress_bar(char bar[31], long long done, long long total, int full);
/* Whether 200 ms have passed since the last draw (for redraws on bytes). */
int progress_due(const progress_board *b);
/* Redraw every line on a terminal (nothing elsewhere); final: leave them
 * on the screen, the next output goes below. */
void progress_draw(progress_board *b, int final);
/* Seconds since t (CLOCK_MONOTONIC). */
double progress_since(const struct timespec *t);

#endif
