/* fuzz_gotmpl.c - the --format template engine (base/gotmpl): parse,
 * execute against a fixed container-like object, header and alignment.
 *
 * Invariants:
 *  - parse and exec either succeed or fail with a message (never crash,
 *    never recurse without bound: nesting is capped);
 *  - a template that parses and executes once executes again to the same
 *    text (no hidden state);
 *  - sbc_tabalign keeps the lines: as many newlines out as in, and no
 *    line gets shorter.
 */
#include "fuzz_common.h"
#include "base/gotmpl.h"

static const char *const titles[] = {"ID", "CONTAINER ID", "Names", "NAMES", "Labels", "LABELS",
                                     "State", "STATE", "Config", "CONFIG", "Mounts", "MOUNTS", NULL};
static const char data[] =
    "{\"ID\":\"abc\",\"Names\":\"web\",\"Labels\":\"a=1,b=two\",\"State\":{\"Status\":\"running\",\"Pid\":42},"
    "\"Config\":{\"Labels\":{\"z\":\"last\",\"k\":\"v\"},\"Env\":[\"A=1\",\"B=2\"],\"Tty\":false,"
    "\"Nested\":[[1,2],[3,[4,{\"x\":null}]]]},\"Mounts\":[]}";

static size_t count_nl(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += s[i] == '\n';
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
    if (size > 70000)
        return 0;
    static cJSON *obj;
    if (!obj)
        obj = cJSON_Parse(data);
    char *src = fuzz_cstr(buf, size);
    /* odd first byte: with the titles (parse-time field checks) */
    const char *const *ti = size && (buf[0] & 1) ? titles : NULL;
    sbc_err e = {0};
    sbc_tmpl *t = sbc_tmpl_parse(src, ti, &e);
    if (!t) {
        FUZZ_ASSERT(e.msg[0], "parse error without a message for \"%.200s\"", src);
        free(src);
        return 0;
    }
    sbc_buf a = {0}, b = {0};
    sbc_tmpl_header(t, &a);
    int r1 = sbc_tmpl_exec(t, obj, &a, &e);
    int r2 = sbc_tmpl_exec(t, obj, &b, &e);
    FUZZ_ASSERT(r1 == r2, "exec differs between runs for \"%.200s\"", src);
    if (r1 < 0) {
        FUZZ_ASSERT(e.msg[0], "exec error without a message for \"%.200s\"", src);
    } else if (a.len) {
        char *al = sbc_tabalign(a.data, a.len);
        size_t n = strlen(al);
        FUZZ_ASSERT(count_nl(al, n) == count_nl(a.data, a.len), "tabalign changed the lines of \"%.200s\"", src);
        FUZZ_ASSERT(n >= a.len || memchr(a.data, 0, a.len), "tabalign shortened \"%.200s\"", src);
        free(al);
    }
    sbc_buf_free(&a);
    sbc_buf_free(&b);
    sbc_tmpl_free(t);
    free(src);
    return 0;
}
