/* err.h - the one error type of sbc.
 *
 * Library functions take a `sbc_err *` as their last argument, fill it on
 * failure and return -1 (or NULL).  Only the applet prints it, once, as
 * "sbc-NAME: what: why".  `code` is the exit code the applet should use
 * (Docker's: 125 sbc failed, 126 cannot invoke, 127 not found, ...).
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
extern const char *sbc_usage_text;
extern int sbc_debug_level; /* --debug or SBC_DEBUG=1 */
extern int sbc_quiet;

void sbc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sbc_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "sbc-NAME: msg" for e and return e->code (or 125). */
int sbc_err_print(const sbc_err *e);
_Noreturn void sbc_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "sbc-NAME: msg" then the usage on stderr, exit 125. */
_Noreturn void sbc_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define SBC_DEBUG(...) do { if (sbc_debug_level) sbc_debug(__VA_ARGS__); } while (0)

#endif
