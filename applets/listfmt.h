/* listfmt.h - not an applet: the --format and --filter of the listing
 * applets (ps, images, network ls, inspect).
 *
 * --format: "json" (one compact JSON object a line, as before), else a Go
 * template (base/gotmpl.h) run on each row's JSON, "table ..." with a
 * header and aligned columns.  Rows are kept until sbc_fmt_end, so an
 * evaluation error prints nothing of the listing.
 *
 * --filter KEY=VALUE, repeatable: the same key ORs, different keys AND
 * (Docker's rule).  Unknown keys and "KEY" without "=" print one line and
 * exit 125.
 */
#ifndef SBC_LISTFMT_H
#define SBC_LISTFMT_H
#include <cjson/cJSON.h>
#include "base/gotmpl.h"

typedef struct sbc_fmt {
    int json;      /* --format json */
    sbc_tmpl *t;   /* a template, or NULL (json or none) */
    sbc_buf out;
} sbc_fmt;

/* Parse --format arg (titles: gotmpl.h); a bad template prints
 * "sbc-APPLET: --format: why" and exits 125. */
void sbc_fmt_init(sbc_fmt *f, const char *arg, const char *const *titles);
/* Render one row (json or template); -1 + e on a template error. */
int sbc_fmt_row(sbc_fmt *f, const cJSON *row, sbc_err *e);
/* --format's argument: "table" alone is the default listing (NULL),
 * "{{json .}}" is "json" */
const char *sbc_fmt_arg(const char *arg);
/* Print what was rendered (header and alignment for tables), free f. */
void sbc_fmt_end(sbc_fmt *f);
/* The same, keeping f for more rows (a table gets its header again) */
void sbc_fmt_flush(sbc_fmt *f);
void sbc_fmt_free(sbc_fmt *f);

typedef struct sbc_filters {
    const char **key, **val;
    int n;
} sbc_filters;

/* "sbc-APPLET: invalid filter 'KEY[=VAL]'", exit 125 */
_Noreturn void sbc_filter_invalid(const char *key, int keylen, const char *val);
/* Add "KEY=VALUE" when KEY is one of keys (NULL-terminated), else
 * sbc_filter_invalid. */
void sbc_filter_add(sbc_filters *f, const char *arg, const char *const *keys);
/* 1 when every key given has a value m(key, value, ctx) accepts */
typedef int (*sbc_filter_fn)(const char *key, const char *val, void *ctx);
int sbc_filter_match(const sbc_filters *f, sbc_filter_fn m, void *ctx);
/* the first value of key, or NULL */
const char *sbc_filter_get(const sbc_filters *f, const char *key);
void sbc_filters_free(sbc_filters *f);

/* row's "Labels": "k=v,k2=v2" of an object of strings, as Docker's rows */
void sbc_fmt_labels(cJSON *row, const cJSON *labels);
/* an RFC 3339 time as Go's time.String(): "2024-01-02 03:04:05.5 +0000 UTC" */
void sbc_fmt_gotime(const char *rfc3339, char *out, size_t n);

/* label=KEY or label=KEY=VALUE against an object of labels */
int sbc_filter_label(const cJSON *labels, const char *val);

#endif
