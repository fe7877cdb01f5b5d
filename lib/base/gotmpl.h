/* gotmpl.h - the subset of Go's text/template that `--format` users type,
 * evaluated against a cJSON value.
 *
 *   {{.}} {{.A.B}}             the value (or a field of it; objects only)
 *   {{json .X}}                the value as compact JSON
 *   {{index .X "k" 0}}         a key of an object, an item of an array, or a
 *                              key of a "k=v,k2=v2" string (Docker's ps Labels)
 *   {{.Label "k"}}             Docker's method: index .Labels "k"
 *   {{if .X}}..{{else}}..{{end}}     empty, false, 0, null: false
 *   {{range .X}}..{{else}}..{{end}}  over array items or object values
 *   {{- x -}}                  trims the blank around the action
 *
 * As Docker's CLI: a leading "table " makes sbc_tmpl_table() true (the
 * caller prints sbc_tmpl_header() first and aligns everything with
 * sbc_tabalign()), the format is trimmed of blanks and the two-character
 * escapes \t and \n become a tab and a newline.  A field that is not there
 * is an error ("can't evaluate field X"); with `fields` given, the first
 * name of every path outside range is checked at parse time, so an unknown
 * one fails before anything is printed.  Hostile input: templates over 64
 * KiB, nesting deeper than 32 and output over 16 MiB are refused.
 */
#ifndef SBC_GOTMPL_H
#define SBC_GOTMPL_H
#include <cjson/cJSON.h>
#include "base/err.h"
#include "base/io.h"

typedef struct sbc_tmpl sbc_tmpl;

/* titles: NULL or pairs {"ID", "CONTAINER ID", ..., NULL}: the known
 * top-level fields and their column titles (others are upper-cased). */
sbc_tmpl *sbc_tmpl_parse(const char *src, const char *const *titles, sbc_err *e);
/* Appends the rendering of v to out; -1 + e on an evaluation error. */
int sbc_tmpl_exec(const sbc_tmpl *t, const cJSON *v, sbc_buf *out, sbc_err *e);
/* "table ..." formats: the header row (fields replaced by their titles). */
int sbc_tmpl_table(const sbc_tmpl *t);
void sbc_tmpl_header(const sbc_tmpl *t, sbc_buf *out);
void sbc_tmpl_free(sbc_tmpl *t);

/* text/tabwriter (minwidth 10, padding 3, blanks) over len bytes of
 * tab-separated lines, as Docker's tables: a new string. */
char *sbc_tabalign(const char *s, size_t len);

#endif
