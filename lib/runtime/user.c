/* user.c - strict user and group ids (see user.h). */
#include "runtime/user.h"

#include <string.h>

int sbc_id_numeric(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

int sbc_id_parse(const char *s, uint32_t *id)
{
    uint64_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > SBC_ID_MAX) /* checked every digit: no overflow */
            return -1;
    }
    *id = (uint32_t)v;
    return 0;
}

static int check_part(const char *spec, const char *part, size_t n, const char *what, sbc_err *e)
{
    char buf[256];
    uint32_t id;
    if (n == 0)
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid %s \"%s\": empty %s", what, spec, what);
    if (n >= sizeof buf)
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid %s \"%.64s...\": too long", what, spec);
    memcpy(buf, part, n);
    buf[n] = 0;
    if (sbc_id_numeric(buf) && sbc_id_parse(buf, &id) < 0)
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid %s \"%s\": %s %s is out of range 0-%u",
                           what, spec, what, buf, SBC_ID_MAX);
    return 0;
}

int sbc_user_check(const char *spec, const char *what, sbc_err *e)
{
    const char *colon = strchr(spec, ':');
    /* a control character is not echoed (one clean error line) */
    for (const char *p = spec; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '/')
            return sbc_err_set(e, SBC_EXIT_FAIL, "invalid %s: a control character or '/' in its name", what);
    if (!strcmp(what, "group")) {
        if (colon)
            return sbc_err_set(e, SBC_EXIT_FAIL, "invalid group \"%s\"", spec);
        return check_part(spec, spec, strlen(spec), "group", e);
    }
    if (colon && strchr(colon + 1, ':'))
        return sbc_err_set(e, SBC_EXIT_FAIL, "invalid user \"%s\": more than one ':'", spec);
    if (check_part(spec, spec, colon ? (size_t)(colon - spec) : strlen(spec), "user", e) < 0)
        return -1;
    return colon ? check_part(spec, colon + 1, strlen(colon + 1), "group", e) : 0;
}
