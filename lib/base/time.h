/* time.h - times as sbc writes and reads them, and the human forms Docker
 * prints: RFC 3339 in UTC ("now" and a parser), durations ("3 minutes",
 * "About an hour"), and, beside them, sizes ("4.26MB").  One formatter, one
 * parser: every time in a record or on a terminal goes through here. */
#ifndef SBC_TIME_H
#define SBC_TIME_H
#include <stddef.h>
#include <time.h>

/* Room for any time sbc_time_fmt writes, with its NUL
 * ("2024-01-02T03:04:05.123456789Z" is 31). */
#define SBC_TIME_MAX 40

/* Flags of sbc_time_fmt and sbc_time_now. */
#define SBC_TIME_NSEC 0x1        /* nanoseconds, always 9 digits (container state, Docker's
                                  * StartedAt); without it whole seconds */
#define SBC_TIME_SOURCE_DATE 0x2 /* now: $SOURCE_DATE_EPOCH when valid (then whole seconds,
                                  * for reproducible images), else the clock */

/* t as RFC 3339 in UTC into buf ("2024-01-02T03:04:05Z", with
 * SBC_TIME_NSEC "2024-01-02T03:04:05.000000123Z"); returns buf. */
char *sbc_time_fmt(char buf[SBC_TIME_MAX], const struct timespec *t, unsigned flags);
/* The same for the real-time clock now. */
char *sbc_time_now(char buf[SBC_TIME_MAX], unsigned flags);
/* $SOURCE_DATE_EPOCH: its seconds, or -1 when unset or not a whole number >= 0. */
long long sbc_source_date_epoch(void);

/* Parse RFC 3339 ("2024-01-02T03:04:05Z", ".5Z", "+01:00"; no zone is taken
 * as UTC) into *t, the fraction to nanoseconds (digits past 9 ignored).
 * 0, or -1 (NULL, malformed, a field out of range) with *t set to {0, 0}. */
int sbc_time_parse(const char *s, struct timespec *t);

/* Docker's HumanDuration for secs: "Less than a second", "1 second",
 * "N seconds", "About a minute", "N minutes", "About an hour", "N hours"
 * (below 48), "N days" (below 14), "N weeks" (below 60 days), "N months"
 * (below 2 years), "N years". */
void sbc_human_duration(long long secs, char *buf, size_t n);
/* "3 days ago" for an RFC 3339 time: the duration until now plus " ago";
 * "N/A" when it does not parse or is before 1970 (Go's zero time
 * "0001-01-01T00:00:00Z" that some image builders write). */
void sbc_human_since(const char *rfc3339, char *buf, size_t n);
/* Go's time.ParseDuration ("1m30s", "500ms", "1.5h", "0"; units ns us µs
 * ms s m h, no sign) into *ns; -1 when malformed or out of range. */
int sbc_go_duration(const char *s, long long *ns);
/* Go's Duration.String of ns >= 0 ("30s", "1m30s", "1h0m0s", "1.5s",
 * "500ms", "0s"; below a millisecond in ms fractions) into buf. */
void sbc_go_duration_str(long long ns, char *buf, size_t n);
/* Docker's decimal sizes: "512B", "4.26MB", "1.2GB" (3 significant digits). */
void sbc_human_size(long long bytes, char *buf, size_t n);

#endif
