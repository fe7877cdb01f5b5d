/* pty.c - raw mode and window size of the caller's terminal. */
#include "runtime/pty.h"

#include <sys/ioctl.h>
#include <unistd.h>

int sbc_tty_raw(int fd, struct termios *saved)
{
    struct termios t;
    if (!isatty(fd) || tcgetattr(fd, saved) < 0)
        return -1;
    t = *saved;
    cfmakeraw(&t);
    return tcsetattr(fd, TCSADRAIN, &t);
}

void sbc_tty_restore(int fd, const struct termios *saved)
{
    tcsetattr(fd, TCSADRAIN, saved);
}

void sbc_tty_copy_winsize(int from, int to)
{
    struct winsize ws;
    if (ioctl(from, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
        ioctl(to, TIOCSWINSZ, &ws);
}
