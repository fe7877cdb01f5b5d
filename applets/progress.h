/* progress.h - not an applet: the per-layer lines sbc-pull and sbc-push show
 * on stderr.  On a terminal every line is redrawn in place (cursor up, clear
 * line), as Docker does; elsewhere the applet prints plain lines when it
 * decides to.  The applet says what line i reads (the line callback); the
 * board draws. */
#ifndef SBC_APPLET_PROGRESS_H
#define SBC_APPLET_PROGRESS_H
#include <stddef.h>
#include <time.h>

/* Write line i (no newline) into buf (n bytes). */
typedef void progress_line_fn(void *arg, int i, char *buf, size_t n);

typedef struct progress_board {
    int tty;                  /* stderr is a terminal */
    int n;                    /* lines */
    int drawn;                /* lines on the screen to move up over; 0 after the last draw */
    struct timespec last;     /* the last draw */
    progress_line_fn *line;
    void *arg;
} progress_board;

/* n lines read from line(arg, i, ...); tty from isatty(2). */
void progress_init(progress_board *b, int n, progress_line_fn *line, void *arg);
/* Whether 200 ms have passed since the last draw (for redraws on bytes). */
int progress_due(const progress_board *b);
/* On a terminal: (re)draw every line (nothing elsewhere); final: leave
 * them, the next output goes below. */
void progress_draw(progress_board *b, int final);
/* Line i as a plain line (for stderr that is no terminal). */
void progress_plain(const progress_board *b, int i);
/* The 30-column bar "=====>    " for done of total; full: all '='. */
void progress_bar(char bar[31], long long done, long long total, int full);
/* Seconds since t (CLOCK_MONOTONIC). */
double progress_since(const struct timespec *t);

#endif
