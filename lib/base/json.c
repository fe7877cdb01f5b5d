#include "base/json.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "base/io.h"

#define JSON_MAX (64u << 20)

cJSON *sbc_json_parse(const char *s, size_t len, const char *what, sbc_err *e)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(s, len, &end, 0);
    if (!j) {
        size_t off = end && end >= s ? (size_t)(end - s) : 0;
        sbc_err_set(e, 0, "%s: invalid JSON near byte %zu", what, off);
    }
    return j;
}

cJSON *sbc_json_read(int dirfd, const char *path, sbc_err *e)
{
    /* Small files (state, configs: the common case, read by the hundred in
     * ps) go through a stack buffer: a malloc'd buffer per file makes musl's
     * allocator map and unmap a group each time. */
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        sbc_err_sys(e, "%s", path);
        return NULL;
    }
    struct stat st;
    char small[16384];
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < (off_t)sizeof small) {
        ssize_t r;
        do
            r = read(fd, small, sizeof small);
        while (r < 0 && errno == EINTR);
        if (r >= 0 && r < (ssize_t)sizeof small) {
            close(fd);
            return sbc_json_parse(small, (size_t)r, path, e);
        }
    }
    close(fd);
    size_t len;
    char *s = sbc_read_file(dirfd, path, JSON_MAX, &len, e);
    if (!s)
        return NULL;
    cJSON *j = sbc_json_parse(s, len, path, e);
    free(s);
    return j;
}

cJSON *sbc_json_read_in(const char *dir, const char *file, sbc_err *e)
{
    int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        sbc_err_sys(e, "open %s", dir);
        return NULL;
    }
    cJSON *j = sbc_json_read(dfd, file, e);
    close(dfd);
    return j;
}

static int json_write(int dirfd, const char *path, const cJSON *j, int durable, sbc_err *e)
{
    char *s = cJSON_PrintUnformatted(j);
    if (!s)
        return sbc_err_set(e, 0, "%s: cannot serialize JSON", path);
    int rc = durable ? sbc_write_atomic_durable(dirfd, path, s, strlen(s), 0644, e)
                     : sbc_write_atomic_scratch(dirfd, path, s, strlen(s), 0644, e);
    cJSON_free(s);
    return rc;
}

int sbc_json_write_durable(int dirfd, const char *path, const cJSON *j, sbc_err *e)
{
    return json_write(dirfd, path, j, 1, e);
}

int sbc_json_write_scratch(int dirfd, const char *path, const cJSON *j, sbc_err *e)
{
    return json_write(dirfd, path, j, 0, e);
}

const char *sbc_json_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

long long sbc_json_int(const cJSON *o, const char *key, long long def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v))
        return def;
    double d = v->valuedouble;
    if (d != d || d > 9.0e18 || d < -9.0e18)
        return def;
    return (long long)d;
}

int sbc_json_bool(const cJSON *o, const char *key, int def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsTrue(v))
        return 1;
    if (cJSON_IsFalse(v))
        return 0;
    return def;
}

cJSON *sbc_json_obj(const cJSON *o, const char *key)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsObject(v) ? v : NULL;
}

cJSON *sbc_json_arr(const cJSON *o, const char *key)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsArray(v) ? v : NULL;
}

void sbc_json_print(FILE *f, const cJSON *j)
{
    char *s = cJSON_Print(j);
    if (s) {
        fputs(s, f);
        fputc('\n', f);
        cJSON_free(s);
    }
}

void sbc_json_add_str(cJSON *o, const char *key, const char *s)
{
    if (s)
        cJSON_AddStringToObject(o, key, s);
    else
        cJSON_AddNullToObject(o, key);
}
