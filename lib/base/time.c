#include "base/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *sbc_time_fmt(char buf[SBC_TIME_MAX], const struct timespec *t, unsigned flags)
{
    struct tm tm;
    time_t s = t->tv_sec;
    if (!gmtime_r(&s, &tm))
        memset(&tm, 0, sizeof tm); /* beyond struct tm's years: show the epoch */
    int n = snprintf(buf, SBC_TIME_MAX, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (n < 0)
        n = 0;
    if (flags & SBC_TIME_NSEC)
        snprintf(buf + n, SBC_TIME_MAX - (size_t)n, ".%09ldZ", (long)t->tv_nsec);
    else
        snprintf(buf + n, SBC_TIME_MAX - (size_t)n, "Z");
    return buf;
}

long long sbc_source_date_epoch(void)
{
    const char *s = getenv("SOURCE_DATE_EPOCH");
    if (!s || !*s)
        return -1;
    char *end;
    long long v = strtoll(s, &end, 10);
    return *end || v < 0 ? -1 : v;
}

char *sbc_time_now(char buf[SBC_TIME_MAX], unsigned flags)
{
    struct timespec ts;
    long long sde;
    if ((flags & SBC_TIME_SOURCE_DATE) && (sde = sbc_source_date_epoch()) >= 0) {
        ts.tv_sec = (time_t)sde;
        ts.tv_nsec = 0;
        flags &= ~(unsigned)SBC_TIME_NSEC;
    } else {
        clock_gettime(CLOCK_REALTIME, &ts);
    }
    return sbc_time_fmt(buf, &ts, flags);
}

/* n decimal digits at *p (n >= 1) into *v; the end, or NULL. */
static const char *digits(const char *p, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++, p++) {
        if (*p < '0' || *p > '9')
            return NULL;
        *v = *v * 10 + (*p - '0');
    }
    return p;
}

int sbc_time_parse(const char *s, struct timespec *t)
{
    t->tv_sec = 0;
    t->tv_nsec = 0;
    int Y, M, D, h, m, sec;
    const char *p = s;
    if (!p || !(p = digits(p, 4, &Y)) || *p++ != '-' || !(p = digits(p, 2, &M)) || *p++ != '-' ||
        !(p = digits(p, 2, &D)) || *p++ != 'T' || !(p = digits(p, 2, &h)) || *p++ != ':' ||
        !(p = digits(p, 2, &m)) || *p++ != ':' || !(p = digits(p, 2, &sec)))
        return -1;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return -1;
    long nsec = 0;
    if (*p == '.') {
        int k = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, k++)
            if (k < 9)
                nsec = nsec * 10 + (*p - '0');
        for (; k < 9; k++)
            nsec *= 10;
    }
    long off = 0;
    if (*p == '+' || *p == '-') {
        int oh, om;
        const char *q = p + 1;
        if (!(q = digits(q, 2, &oh)) || *q++ != ':' || !digits(q, 2, &om) || oh > 23 || om > 59)
            return -1;
        off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
    } else if (*p != 'Z' && *p != 'z' && *p) {
        return -1;
    }
    struct tm tm = {0};
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;
    t->tv_sec = timegm(&tm) - off;
    t->tv_nsec = nsec;
    return 0;
}

void sbc_human_duration(long long s, char *buf, size_t n)
{
    if (s < 1)
        snprintf(buf, n, "Less than a second");
    else if (s == 1)
        snprintf(buf, n, "1 second");
    else if (s < 60)
        snprintf(buf, n, "%lld seconds", s);
    else if (s < 120)
        snprintf(buf, n, "About a minute");
    else if (s < 3600)
        snprintf(buf, n, "%lld minutes", s / 60);
    else if (s < 7200)
        snprintf(buf, n, "About an hour");
    else if (s < 48 * 3600)
        snprintf(buf, n, "%lld hours", s / 3600);
    else if (s < 14 * 86400)
        snprintf(buf, n, "%lld days", s / 86400);
    else if (s < 60 * 86400)
        snprintf(buf, n, "%lld weeks", s / (7 * 86400));
    else if (s < 2 * 365 * 86400)
        snprintf(buf, n, "%lld months", s / (30 * 86400));
    else
        snprintf(buf, n, "%lld years", s / (365 * 86400));
}

void sbc_human_since(const char *rfc3339, char *buf, size_t n)
{
    struct timespec t;
    if (sbc_time_parse(rfc3339, &t) < 0 || t.tv_sec < 0) {
        snprintf(buf, n, "N/A");
        return;
    }
    char d[64];
    sbc_human_duration((long long)time(NULL) - t.tv_sec, d, sizeof d);
    snprintf(buf, n, "%s ago", d);
}

void sbc_human_size(long long b, char *buf, size_t n)
{
    static const char *const u[] = {"B", "kB", "MB", "GB", "TB"};
    double v = (double)b;
    int i = 0;
    while (v >= 1000 && i < 4) {
        v /= 1000;
        i++;
    }
    if (i == 0)
        snprintf(buf, n, "%lldB", b);
    else
        snprintf(buf, n, "%.3g%s", v, u[i]);
}

int sbc_go_duration(const char *s, long long *ns)
{
    static const struct {
        const char *u;
        double mul;
    } units[] = {{"ns", 1}, {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 6e10}, {"h", 3.6e12}};
    double total = 0;
    if (!s || !*s)
        return -1;
    if (!strcmp(s, "0")) {
        *ns = 0;
        return 0;
    }
    while (*s) {
        const char *end = s;
        double v = 0, scale = 1;
        int digits = 0, dot = 0;
        for (; (*end >= '0' && *end <= '9') || (*end == '.' && !dot); end++) {
            if (*end == '.') {
                dot = 1;
                continue;
            }
            digits++;
            if (dot)
                scale /= 10;
            v = v * 10 + (*end - '0');
        }
        if (!digits)
            return -1;
        v *= scale;
        size_t best = 0, bl = 0;
        for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
            size_t l = strlen(units[i].u);
            if (!strncmp(end, units[i].u, l) && l > bl)
                best = i, bl = l;
        }
        if (!bl)
            return -1;
        total += v * units[best].mul;
        s = end + bl;
    }
    if (total > 9.2e18)
        return -1;
    *ns = (long long)(total + 0.5);
    return 0;
}

void sbc_go_duration_str(long long ns, char *buf, size_t n)
{
    char frac[16] = "";
    if (ns < 1000000000LL) {
        long long ms = ns / 1000000, f = ns % 1000000;
        if (f) {
            snprintf(frac, sizeof frac, ".%06lld", f);
            for (size_t l = strlen(frac); frac[l - 1] == '0'; l--)
                frac[l - 1] = 0;
        }
        snprintf(buf, n, ns ? "%lld%sms" : "0s", ms, frac);
        return;
    }
    long long s = ns / 1000000000LL, f = ns % 1000000000LL, h = s / 3600, m = s / 60 % 60;
    if (f) {
        snprintf(frac, sizeof frac, ".%09lld", f);
        for (size_t l = strlen(frac); frac[l - 1] == '0'; l--)
            frac[l - 1] = 0;
    }
    if (h)
        snprintf(buf, n, "%lldh%lldm%lld%ss", h, m, s % 60, frac);
    else if (m)
        snprintf(buf, n, "%lldm%lld%ss", m, s % 60, frac);
    else
        snprintf(buf, n, "%lld%ss", s, frac);
}
