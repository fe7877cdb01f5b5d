/* err.h - the one error type of sbc, and the rule that the library never
 * prints.
 *
 * Library functions take a `sbc_err *` as their last argument, fill it on
 * failure and return -1 (or NULL).  Only the applet prints it, once, as
 * "sbc-NAME: what: why".  `code` is the exit code the applet should use
 * (Docker's: 125 sbc failed, 126 cannot invoke, 127 not found, ...).
 *
 * Nothing in lib/ writes to stdout or stderr: results go back in return
 * values, buffers and structs the caller owns, and news along the way
 * (pull and push progress, what sbc_net_prune removed) through callbacks
 * with a context pointer, so the applet decides what to print.  The
 * printers below are the applets'.  The only exceptions, each one line:
 *   - out of memory: the sbc_x* allocators of io.h die (sbc_die, 125)
 *     rather than make every caller handle it (so does sbc_xasprintf on a
 *     format that cannot be rendered);
 *   - a thread that cannot setns() back into the host's network namespace
 *     (net/netlink.c) dies: it would go on in the container's;
 *   - sbc_debug (SBC_DEBUG), under --debug or SBC_DEBUG=1 only.
 * (A container's own output, which the runtime relays to the terminal, is
 * data, not the library printing.)
 */
#ifndef SBC_ERR_H
#define SBC_ERR_H
#include <stdarg.h>

#define SBC_EXIT_FAIL 125   /* sbc itself failed */
#define SBC_EXIT_NOEXEC 126 /* command cannot be invoked */
#define SBC_EXIT_NOTFOUND 127

typedef struct sbc_err {
    int code;      /* exit code for the applet; 0 = no error */
    int errnum;    /* errno at the failure, or 0 */
    char msg[1024];
} sbc_err;

/* Fill e with a formatted message; returns -1. */
int sbc_err_set(sbc_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, appending ": strerror(errno)"; code SBC_EXIT_FAIL; returns -1. */
int sbc_err_sys(sbc_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefix the existing message with "ctx: ". */
void sbc_err_wrap(sbc_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbc_err_clear(sbc_err *e);

/* The running applet ("pull"), set by main; messages print as sbc-pull. */
extern const char *sbc_applet;
extern int sbc_debug_level; /* --debug or SBC_DEBUG=1 */

/* "sbc-NAME: debug: msg" on stderr when sbc_debug_level is set. */
void sbc_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Dies with "sbc-NAME: msg" (only for the exceptions above). */
_Noreturn void sbc_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* For applets: "sbc-NAME: msg" on stderr. */
void sbc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For applets: print "sbc-NAME: msg" for e and return e->code (or 125). */
int sbc_err_print(const sbc_err *e);

#define SBC_DEBUG(...) do { if (sbc_debug_level) sbc_debug(__VA_ARGS__); } while (0)

#endif
