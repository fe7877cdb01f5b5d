/* json.h - small helpers on cJSON: parse with a clear error, typed getters
 * that never crash on hostile input, atomic writes. */
#ifndef SBC_JSON_H
#define SBC_JSON_H
#include <stddef.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include "base/err.h"

/* Parse len bytes; `what` names the object in the error ("manifest"). */
cJSON *sbc_json_parse(const char *s, size_t len, const char *what, sbc_err *e);
cJSON *sbc_json_read(int dirfd, const char *path, sbc_err *e);
/* The same for file in the directory dir ("open DIR: why" when dir is not
 * there). */
cJSON *sbc_json_read_in(const char *dir, const char *file, sbc_err *e);
/* Write compact JSON (mode 0644) with sbc_write_atomic_durable or
 * sbc_write_atomic_scratch (io.h says which guarantees what). */
int sbc_json_write_durable(int dirfd, const char *path, const cJSON *j, sbc_err *e);
int sbc_json_write_scratch(int dirfd, const char *path, const cJSON *j, sbc_err *e);
/* Typed getters: NULL / def when missing or of another type. */
const char *sbc_json_str(const cJSON *o, const char *key);
long long sbc_json_int(const cJSON *o, const char *key, long long def);
int sbc_json_bool(const cJSON *o, const char *key, int def);
cJSON *sbc_json_obj(const cJSON *o, const char *key);
cJSON *sbc_json_arr(const cJSON *o, const char *key);
/* Pretty-print to f with a trailing newline. */
void sbc_json_print(FILE *f, const cJSON *j);
/* Add a string, or JSON null when s is NULL. */
void sbc_json_add_str(cJSON *o, const char *key, const char *s);

/* A cJSON tree deleted at the end of its scope (base/cleanup.h has the
 * idiom):  sbc_cleanup_json cJSON *j = NULL; */
static inline void sbc_json_deletep(cJSON **j)
{
    cJSON_Delete(*j);
}
#define sbc_cleanup_json __attribute__((cleanup(sbc_json_deletep)))

#endif
