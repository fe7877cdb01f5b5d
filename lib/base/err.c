#include "base/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *sbc_applet = "sbc";
int sbc_debug_level;

static void prefix_name(FILE *f)
{
    if (strcmp(sbc_applet, "sbc") == 0)
        fputs("sbc: ", f);
    else
        fprintf(f, "sbc-%s: ", sbc_applet);
}

int sbc_err_set(sbc_err *e, int code, const char *fmt, ...)
{
    if (!e)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    e->code = code ? code : SBC_EXIT_FAIL;
    e->errnum = 0;
    return -1;
}

int sbc_err_sys(sbc_err *e, const char *fmt, ...)
{
    int saved = errno;
    if (!e)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n < sizeof e->msg)
        snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(saved));
    e->code = SBC_EXIT_FAIL;
    e->errnum = saved;
    errno = saved;
    return -1;
}

void sbc_err_wrap(sbc_err *e, const char *fmt, ...)
{
    if (!e)
        return;
    char pre[512], old[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    snprintf(e->msg, sizeof e->msg, "%s: %s", pre, old);
    if (!e->code)
        e->code = SBC_EXIT_FAIL;
}

void sbc_err_clear(sbc_err *e)
{
    if (e) {
        e->code = 0;
        e->errnum = 0;
        e->msg[0] = 0;
    }
}

int sbc_err_print(const sbc_err *e)
{
    fflush(stdout);
    prefix_name(stderr);
    fprintf(stderr, "%s\n", e && e->msg[0] ? e->msg : "unknown error");
    return e && e->code ? e->code : SBC_EXIT_FAIL;
}

/* "sbc-NAME: message" on stderr, after whatever stdout holds */
static void vmsg(const char *fmt, va_list ap)
{
    fflush(stdout);
    prefix_name(stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void sbc_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(fmt, ap);
    va_end(ap);
}

void sbc_debug(const char *fmt, ...)
{
    if (!sbc_debug_level)
        return;
    va_list ap;
    prefix_name(stderr);
    fputs("debug: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

_Noreturn void sbc_die(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(fmt, ap);
    va_end(ap);
    exit(code ? code : SBC_EXIT_FAIL);
}
