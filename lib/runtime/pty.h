/* pty.h - the caller's terminal: raw mode, restore, window size. */
#ifndef SBC_PTY_H
#define SBC_PTY_H
#include <termios.h>

/* Put fd in raw mode, saving the old settings; -1 when fd is no tty. */
int sbc_tty_raw(int fd, struct termios *saved);
void sbc_tty_restore(int fd, const struct termios *saved);
/* Copy the window size of tty `from` to pty `to` (no-op if from is no tty). */
void sbc_tty_copy_winsize(int from, int to);

#endif
