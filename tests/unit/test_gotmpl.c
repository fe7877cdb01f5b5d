/* Unit tests for the --format template engine (base/gotmpl). */
#include <stdlib.h>

#include "base/gotmpl.h"
#include "unit.h"

static const char *const titles[] = {"ID", "CONTAINER ID", "Names", "NAMES", "Labels", "LABELS",
                                     "State", "STATE", "Config", "CONFIG", "N", "N", "Mounts", "MOUNTS", NULL};
static const char data[] =
    "{\"ID\":\"abc\",\"Names\":\"web\",\"Labels\":\"a=1,b=two\",\"State\":{\"Status\":\"running\",\"Pid\":42},"
    "\"Config\":{\"Labels\":{\"z\":\"last\",\"k\":\"v\"},\"Env\":[\"A=1\",\"B=2\"],\"Tty\":false},\"N\":1.5,"
    "\"Mounts\":[]}";

/* render src against data; NULL + *err on error */
static char *render(const char *src, const char *const *ti, char *err, size_t errn)
{
    sbc_err e = {0};
    cJSON *j = cJSON_Parse(data);
    sbc_tmpl *t = sbc_tmpl_parse(src, ti, &e);
    sbc_buf b = {0};
    char *r = NULL;
    if (t && sbc_tmpl_exec(t, j, &b, &e) == 0) {
        sbc_buf_add(&b, "", 1);
        r = b.data;
    } else {
        sbc_buf_free(&b);
    }
    snprintf(err, errn, "%s", e.msg);
    sbc_tmpl_free(t);
    cJSON_Delete(j);
    return r;
}

#define CHECK_RENDER(src, want) do { char er_[1024]; char *r_ = render(src, NULL, er_, sizeof er_); \
    CHECK_STR(r_ ? r_ : er_, want); free(r_); } while (0)
#define CHECK_FAILS(src, ti, part) do { char er_[1024]; char *r_ = render(src, ti, er_, sizeof er_); \
    CHECK(r_ == NULL); CHECK(strstr(er_, part) != NULL); \
    if (!strstr(er_, part)) { fprintf(stderr, "  got: %s\n", er_); } free(r_); } while (0)

TEST(gotmpl_fields_and_text)
{
    CHECK_RENDER("{{.ID}}\\t{{.Names}}\\n", "abc\tweb\n");
    CHECK_RENDER("  id={{.ID}}  ", "id=abc");
    CHECK_RENDER("{{.State.Status}}/{{.State.Pid}}/{{.N}}/{{.Config.Tty}}", "running/42/1.5/false");
    CHECK_RENDER("{{.Config.Labels}} {{.Config.Env}}", "map[k:v z:last] [A=1 B=2]");
    CHECK_RENDER("a {{- .ID -}} b", "aabcb");
    CHECK_RENDER("{{/* note */}}x", "x");
}

TEST(gotmpl_json_index)
{
    CHECK_RENDER("{{json .State}}", "{\"Status\":\"running\",\"Pid\":42}");
    CHECK_RENDER("{{json .Names}}", "\"web\"");
    CHECK_RENDER("{{index .Config.Labels \"k\"}}", "v");
    CHECK_RENDER("{{index .Config.Labels \"nope\"}}", "<no value>");
    CHECK_RENDER("{{index .Config.Env 1}}", "B=2");
    CHECK_RENDER("{{index .Labels \"b\"}}", "two");
    CHECK_FAILS("{{index .Config.Env 5}}", NULL, "index out of range");
    /* Docker's {{.Label "k"}}: a key of Labels, "" when missing */
    CHECK_RENDER("{{.Label \"b\"}}|{{.Label \"nope\"}}|", "two||");
    CHECK_FAILS("{{.Label}}", NULL, "wrong number of args for Label");
    CHECK_FAILS("{{.Label 1}}", NULL, "wrong number of args for Label");
    CHECK_FAILS("{{.Label \"a\" \"b\"}}", NULL, "wrong number of args for Label");
    CHECK_FAILS("{{.Names \"a\"}}", NULL, "too many arguments");
}

TEST(gotmpl_if_range)
{
    CHECK_RENDER("{{if .Config.Tty}}tty{{else}}notty{{end}}", "notty");
    CHECK_RENDER("{{if .State}}{{.State.Status}}{{end}}", "running");
    CHECK_RENDER("{{range .Config.Env}}[{{.}}]{{end}}", "[A=1][B=2]");
    CHECK_RENDER("{{range .Config.Labels}}{{.}},{{end}}", "v,last,");
    CHECK_RENDER("{{range .Mounts}}x{{else}}none{{end}}", "none");
    CHECK_RENDER("{{range .Config.Env}}{{if .}}{{.}}{{end}}{{end}}", "A=1B=2");
}

TEST(gotmpl_errors)
{
    CHECK_FAILS("{{.Nope}}", NULL, "can't evaluate field Nope");
    CHECK_FAILS("x {{.Nope}}", titles, ":1:4: executing \"\" at <.Nope>: can't evaluate field Nope");
    CHECK_FAILS("{{.ID", NULL, "unclosed action");
    CHECK_FAILS("{{if .ID}}x", NULL, "unexpected EOF");
    CHECK_FAILS("{{end}}", NULL, "unexpected {{end}}");
    CHECK_FAILS("{{foo .ID}}", NULL, "function \"foo\" not defined");
    CHECK_FAILS("{{}}", NULL, "missing value");
    CHECK_FAILS("{{index .Config.Labels \"k}}", NULL, "unterminated");
    CHECK_FAILS("{{range .ID}}x{{end}}", NULL, "range can't iterate");
    CHECK_FAILS("{{.ID.X}}", NULL, "can't evaluate field X");
    CHECK_FAILS("{{else}}", NULL, "unexpected {{else}}");
    /* deep nesting is refused, not a stack overflow */
    sbc_buf b = {0};
    for (int i = 0; i < 5000; i++)
        sbc_buf_adds(&b, "{{if .ID}}");
    sbc_buf_add(&b, "", 1);
    CHECK_FAILS(b.data, NULL, "nesting too deep");
    sbc_buf_free(&b);
}

TEST(gotmpl_table)
{
    sbc_err e = {0};
    sbc_tmpl *t = sbc_tmpl_parse("table {{.ID}}\\t{{.Names}}\\t{{.State.Status}}", titles, &e);
    CHECK(t != NULL);
    if (!t)
        return;
    CHECK(sbc_tmpl_table(t));
    sbc_buf b = {0};
    sbc_tmpl_header(t, &b);
    sbc_buf_adds(&b, "\n0123456789abcdef\tx\ty\n");
    char *s = sbc_tabalign(b.data, b.len);
    CHECK_STR(s, "CONTAINER ID       NAMES     STATE STATUS\n0123456789abcdef   x         y\n");
    free(s);
    sbc_buf_free(&b);
    sbc_tmpl_free(t);
    t = sbc_tmpl_parse("{{.Names}}", titles, &e);
    CHECK(t && !sbc_tmpl_table(t));
    sbc_tmpl_free(t);
    t = sbc_tmpl_parse("table {{.Label \"k\"}}\\t{{.Names}}", titles, &e);
    b = (sbc_buf){0};
    if (t)
        sbc_tmpl_header(t, &b);
    sbc_buf_add(&b, "", 1);
    CHECK_STR(b.data, "LABEL\tNAMES");
    sbc_buf_free(&b);
    sbc_tmpl_free(t);
}
