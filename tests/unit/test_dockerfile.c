/* Unit tests for the Dockerfile parser (build/dockerfile) and Docker's
 * variable substitution (build/expand). */
#include <stdlib.h>

#include "build/dockerfile.h"
#include "build/expand.h"
#include "unit.h"

static sbc_dockerfile *P(const char *s)
{
    sbc_err e = {0};
    sbc_dockerfile *d = sbc_df_parse(s, strlen(s), &e);
    if (!d)
        fprintf(stderr, "  parse: %s\n", e.msg);
    return d;
}

/* the error message of parsing s, or "" when it parses */
static const char *perr(const char *s, sbc_err *e)
{
    sbc_dockerfile *d = sbc_df_parse(s, strlen(s), e);
    if (d) {
        sbc_df_free(d);
        return "(parsed)";
    }
    return e->msg;
}

#define CHECK_ERR(src, want) do { sbc_err e_ = {0}; CHECK_STR(perr(src, &e_), want); } while (0)
#define ARG(d, i, j) ((d) && (i) < (d)->n && (j) < (d)->v[i].nargs ? (d)->v[i].args[j] : "(none)")
#define FLAG(d, i, j) ((d) && (i) < (d)->n && (j) < (d)->v[i].nflags ? (d)->v[i].flags[j] : "(none)")

TEST(df_basic_and_lines)
{
    sbc_dockerfile *d = P("# a comment\n\nfrom alpine:3.19 AS build\n  RUN echo hi\r\nCMD [\"sh\", \"-c\", \"x\"]\n");
    CHECK(d != NULL);
    if (!d)
        return;
    CHECK_INT(d->n, 3);
    CHECK_STR(d->v[0].cmd, "from");
    CHECK_INT(d->v[0].line, 3);
    CHECK_INT(d->v[0].nargs, 3);
    CHECK_STR(ARG(d, 0, 0), "alpine:3.19");
    CHECK_STR(ARG(d, 0, 2), "build");
    CHECK_STR(d->v[1].cmd, "run");
    CHECK_INT(d->v[1].line, 4);
    CHECK_INT(d->v[1].json, 0);
    CHECK_STR(ARG(d, 1, 0), "echo hi");
    CHECK_STR(d->v[1].orig, "RUN echo hi");
    CHECK_INT(d->v[2].json, 1);
    CHECK_INT(d->v[2].nargs, 3);
    CHECK_STR(ARG(d, 2, 2), "x");
    CHECK_INT(d->escape, '\\');
    CHECK(d->syntax == NULL);
    sbc_df_free(d);
}

TEST(df_continuations)
{
    sbc_dockerfile *d = P("FROM a\nRUN apt-get update && \\\n    apt-get install -y \\  \n"
                          "# a comment inside\n\n      curl\nUSER nobody\n");
    CHECK(d && d->n == 3);
    if (!d || d->n != 3)
        return;
    CHECK_STR(ARG(d, 1, 0), "apt-get update &&     apt-get install -y       curl");
    CHECK_INT(d->v[1].line, 2);
    CHECK_INT(d->v[2].line, 7);
    CHECK_STR(ARG(d, 2, 0), "nobody");
    sbc_df_free(d);
    CHECK_ERR("FROM a\nRUN echo \\\n", "Dockerfile:2: unterminated line continuation at the end of the file");
    CHECK_ERR("FROM a\nRUN echo \\\n# only a comment\n\n", "Dockerfile:2: unterminated line continuation at the end of the file");
}

TEST(df_escape_directive)
{
    sbc_dockerfile *d = P("# escape=`\n\nFROM mcr.microsoft.com/windows/servercore\n"
                          "COPY testfile.txt c:\\\nRUN dir c:\\ `\n  /s\n");
    CHECK(d && d->n == 3);
    if (!d || d->n != 3)
        return;
    CHECK_INT(d->escape, '`');
    CHECK_INT(d->v[1].nargs, 2);
    CHECK_STR(ARG(d, 1, 1), "c:\\");
    CHECK_STR(ARG(d, 2, 0), "dir c:\\   /s");
    CHECK_INT(d->v[2].line, 5);
    sbc_df_free(d);
    /* without the directive, the trailing backslash continues the line */
    d = P("FROM w\nCOPY testfile.txt c:\\\nRUN dir c:\\\nUSER x\n");
    CHECK(d && d->n == 2);
    if (d && d->n == 2) {
        CHECK_INT(d->v[1].nargs, 5);
        CHECK_STR(ARG(d, 1, 1), "c:RUN");
        CHECK_STR(ARG(d, 1, 3), "c:USER");
    }
    sbc_df_free(d);
}

TEST(df_directives_only_at_top)
{
    sbc_dockerfile *d = P("# syntax=docker/dockerfile:1\n#  ESCAPE = `\nFROM a\n");
    CHECK(d && d->syntax && d->escape == '`');
    if (d)
        CHECK_STR(d->syntax, "docker/dockerfile:1");
    sbc_df_free(d);
    d = P("# a comment\n# escape=`\nFROM a\n");
    CHECK(d && d->escape == '\\');
    sbc_df_free(d);
    d = P("\n# escape=`\nFROM a\n");
    CHECK(d && d->escape == '\\');
    sbc_df_free(d);
    d = P("# unknowndirective=value\n# escape=`\nFROM a\n");
    CHECK(d && d->escape == '\\');
    sbc_df_free(d);
    d = P("FROM a\n# escape=`\nRUN x\n");
    CHECK(d && d->escape == '\\' && d->n == 2);
    sbc_df_free(d);
    CHECK_ERR("# escape=`\n# escape=\\\nFROM a\n", "Dockerfile:2: only one escape parser directive can be used");
    CHECK_ERR("# escape=x\nFROM a\n", "Dockerfile:1: invalid escape token 'x' does not match ` or \\");
}

TEST(df_flags)
{
    sbc_dockerfile *d = P("FROM --platform=linux/arm64 a AS b\nCOPY --from=b --chown=1:2 --chmod=644 --link x /y\n"
                          "RUN --mount=type=cache,target=/c --mount=type=tmpfs,target=/t --network=none make\n"
                          "ADD --link=false --checksum=sha256:00 http://e/f /g\n");
    CHECK(d && d->n == 4);
    if (!d || d->n != 4)
        return;
    CHECK_STR(FLAG(d, 0, 0), "--platform=linux/arm64");
    CHECK_INT(d->v[1].nflags, 4);
    CHECK_STR(FLAG(d, 1, 3), "--link");
    CHECK_STR(ARG(d, 1, 0), "x");
    CHECK_INT(d->v[2].nflags, 3);
    CHECK_STR(FLAG(d, 2, 1), "--mount=type=tmpfs,target=/t");
    CHECK_STR(ARG(d, 2, 0), "make");
    CHECK_STR(FLAG(d, 3, 0), "--link=false");
    sbc_df_free(d);
    d = P("FROM a\nCOPY --chown=\"a b\" -- --weird /d\n");
    CHECK(d && d->n == 2);
    if (d && d->n == 2) {
        CHECK_STR(FLAG(d, 1, 0), "--chown=a b");
        CHECK_STR(ARG(d, 1, 0), "--weird");
    }
    sbc_df_free(d);
    CHECK_ERR("FROM a\n\nRUN --from=x ls\n", "Dockerfile:3: unknown flag: --from");
    CHECK_ERR("FROM a\nCOPY --from x /y\n", "Dockerfile:2: missing a value on flag: --from");
    CHECK_ERR("FROM a\nCOPY --from=a --from=b x /y\n", "Dockerfile:2: duplicate flag specified: --from");
    CHECK_ERR("FROM a\nCOPY --link=maybe x /y\n", "Dockerfile:2: expecting boolean value for flag --link");
    CHECK_ERR("FROM --chown=1 a\n", "Dockerfile:1: unknown flag: --chown");
    CHECK_ERR("FROM a\nUSER --platform=x bob\n", "Dockerfile:2: unknown flag: --platform");
}

TEST(df_exec_and_shell_forms)
{
    sbc_dockerfile *d = P("FROM a\nENTRYPOINT [\"/bin/echo\", \"a\\\"b\"]\nCMD [\"x\", 1]\nCMD [ 'single' ]\n"
                          "SHELL [\"powershell\", \"-command\"]\nCOPY [\"a b\", \"/c d/\"]\nVOLUME /a /b\n"
                          "VOLUME [\"/v\"]\nRUN [\"echo\"] extra\nCMD []\n");
    CHECK(d && d->n == 10);
    if (!d || d->n != 10)
        return;
    CHECK(d->v[1].json && d->v[1].nargs == 2);
    CHECK_STR(ARG(d, 1, 1), "a\"b");
    CHECK(!d->v[2].json && d->v[2].nargs == 1);
    CHECK_STR(ARG(d, 2, 0), "[\"x\", 1]");
    CHECK(!d->v[3].json);
    CHECK(d->v[4].json && d->v[4].nargs == 2);
    CHECK(d->v[5].json);
    CHECK_STR(ARG(d, 5, 1), "/c d/");
    CHECK(!d->v[6].json && d->v[6].nargs == 2);
    CHECK(d->v[7].json && d->v[7].nargs == 1);
    CHECK(!d->v[8].json);
    CHECK(d->v[9].json && d->v[9].nargs == 0);
    sbc_df_free(d);
    CHECK_ERR("FROM a\nSHELL /bin/sh -c\n", "Dockerfile:2: SHELL requires the arguments to be in JSON form");
    CHECK_ERR("FROM a\nSHELL [\"sh\", 3]\n", "Dockerfile:2: SHELL requires the arguments to be in JSON form");
}

TEST(df_env_label_arg)
{
    sbc_dockerfile *d = P("FROM a\nENV A=1 B=\"two words\" C=three\\ four\nENV LEGACY the whole   value\n"
                          "LABEL \"com.example\"=x version='1.0'\nARG V\nARG W=dflt X=\"y z\"\n");
    CHECK(d && d->n == 6);
    if (!d || d->n != 6)
        return;
    CHECK_INT(d->v[1].nargs, 6);
    CHECK_STR(ARG(d, 1, 2), "B");
    CHECK_STR(ARG(d, 1, 3), "\"two words\"");
    CHECK_STR(ARG(d, 1, 5), "three\\ four");
    CHECK_INT(d->v[2].nargs, 2);
    CHECK_STR(ARG(d, 2, 0), "LEGACY");
    CHECK_STR(ARG(d, 2, 1), "the whole   value");
    CHECK_STR(ARG(d, 3, 0), "\"com.example\"");
    CHECK_STR(ARG(d, 3, 3), "'1.0'");
    CHECK_INT(d->v[4].nargs, 1);
    CHECK_STR(ARG(d, 4, 0), "V");
    CHECK_INT(d->v[5].nargs, 2);
    CHECK_STR(ARG(d, 5, 0), "W=dflt");
    CHECK_STR(ARG(d, 5, 1), "X=\"y z\"");
    sbc_df_free(d);
    CHECK_ERR("FROM a\nENV ONLY\n", "Dockerfile:2: ENV must have two arguments");
    CHECK_ERR("FROM a\nENV A=1 B\n", "Dockerfile:2: syntax error - can't find = in \"B\"; must be of the form: name=value");
    CHECK_ERR("FROM a\nLABEL =x\n", "Dockerfile:2: LABEL names can not be blank");
    CHECK_ERR("FROM a\nENV\n", "Dockerfile:2: ENV requires at least one argument");
    CHECK_ERR("FROM a\nARG\n", "Dockerfile:2: ARG requires at least one argument");
}

TEST(df_healthcheck)
{
    sbc_dockerfile *d = P("FROM a\nHEALTHCHECK --interval=5m --timeout=3s --start-period=1s --start-interval=2s "
                          "--retries=3 CMD curl -f http://localhost/ || exit 1\nHEALTHCHECK none\n"
                          "HEALTHCHECK CMD [\"/bin/check\", \"-q\"]\n");
    CHECK(d && d->n == 4);
    if (!d || d->n != 4)
        return;
    CHECK_INT(d->v[1].nflags, 5);
    CHECK_STR(FLAG(d, 1, 4), "--retries=3");
    CHECK_INT(d->v[1].nargs, 2);
    CHECK_STR(ARG(d, 1, 0), "CMD");
    CHECK_STR(ARG(d, 1, 1), "curl -f http://localhost/ || exit 1");
    CHECK_STR(ARG(d, 2, 0), "none");
    CHECK(d->v[3].json && d->v[3].nargs == 3);
    CHECK_STR(ARG(d, 3, 2), "-q");
    sbc_df_free(d);
    CHECK_ERR("FROM a\nHEALTHCHECK NONE x\n", "Dockerfile:2: HEALTHCHECK NONE takes no arguments");
    CHECK_ERR("FROM a\nHEALTHCHECK --retries=1 NONE\n", "Dockerfile:2: HEALTHCHECK NONE takes no arguments");
    CHECK_ERR("FROM a\nHEALTHCHECK CMD\n", "Dockerfile:2: missing command after HEALTHCHECK CMD");
    CHECK_ERR("FROM a\nHEALTHCHECK RUN x\n", "Dockerfile:2: unknown type \"RUN\" in HEALTHCHECK (try CMD)");
    CHECK_ERR("FROM a\nHEALTHCHECK --retries=x CMD y\n", "Dockerfile:2: HEALTHCHECK --retries must be a number, not \"x\"");
    CHECK_ERR("FROM a\nHEALTHCHECK --mount=x CMD y\n", "Dockerfile:2: unknown flag: --mount");
}

TEST(df_onbuild_and_misc)
{
    sbc_dockerfile *d = P("FROM a\nONBUILD ADD . /app/src\nonbuild run --mount=type=cache,target=/x make\n"
                          "MAINTAINER me <me@x>\nSTOPSIGNAL SIGKILL\nWORKDIR /a b\nEXPOSE 80/tcp 53/udp\n");
    CHECK(d && d->n == 7);
    if (!d || d->n != 7)
        return;
    CHECK(d->v[1].inner != NULL);
    if (d->v[1].inner) {
        CHECK_STR(d->v[1].inner->cmd, "add");
        CHECK_STR(d->v[1].inner->args[1], "/app/src");
    }
    CHECK_STR(ARG(d, 1, 0), "ADD . /app/src");
    if (d->v[2].inner)
        CHECK_STR(d->v[2].inner->flags[0], "--mount=type=cache,target=/x");
    CHECK(d->v[2].inner != NULL);
    CHECK_STR(ARG(d, 3, 0), "me <me@x>");
    CHECK_STR(ARG(d, 4, 0), "SIGKILL");
    CHECK_STR(ARG(d, 5, 0), "/a b");
    CHECK_INT(d->v[6].nargs, 2);
    CHECK_STR(ARG(d, 6, 1), "53/udp");
    sbc_df_free(d);
    CHECK_ERR("FROM a\nONBUILD ONBUILD RUN x\n", "Dockerfile:2: chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    CHECK_ERR("FROM a\nONBUILD FROM b\n", "Dockerfile:2: FROM isn't allowed as an ONBUILD trigger");
    CHECK_ERR("FROM a\nONBUILD MAINTAINER b\n", "Dockerfile:2: MAINTAINER isn't allowed as an ONBUILD trigger");
    CHECK_ERR("FROM a\nONBUILD FOO b\n", "Dockerfile:2: unknown instruction: FOO");
}

TEST(df_errors_name_the_line)
{
    CHECK_ERR("FROM a\n# c\nRUN x \\\n  y\n\n\n\n\n\n\n\nFOOO bar\n", "Dockerfile:12: unknown instruction: FOOO");
    CHECK_ERR("FROM\n", "Dockerfile:1: FROM requires either one or three arguments");
    CHECK_ERR("FROM a b\n", "Dockerfile:1: FROM requires either one or three arguments");
    CHECK_ERR("FROM a FOR b\n", "Dockerfile:1: FROM requires either one or three arguments");
    CHECK_ERR("FROM a\nCOPY x\n", "Dockerfile:2: COPY requires at least two arguments");
    CHECK_ERR("FROM a\nRUN\n", "Dockerfile:2: RUN requires at least one argument");
    CHECK_ERR("FROM a\nWORKDIR   \n", "Dockerfile:2: WORKDIR requires at least one argument");
    CHECK_ERR("FROM a\nRUN x\0y\n", "(parsed)"); /* strlen stops at the NUL */
    sbc_err e = {0};
    CHECK(sbc_df_parse("FROM a\nRUN x\0y\n", 14, &e) == NULL);
    CHECK_STR(e.msg, "Dockerfile:2: a NUL byte");
    char *big = calloc(SBC_DF_MAX_BYTES + 2, 1);
    memset(big, '\n', SBC_DF_MAX_BYTES + 1);
    CHECK(sbc_df_parse(big, SBC_DF_MAX_BYTES + 1, &e) == NULL);
    CHECK(sbc_df_parse(big, SBC_DF_MAX_BYTES, &e) == NULL);
    CHECK(strstr(e.msg, "more than") != NULL);
    sbc_dockerfile *d = sbc_df_parse(big, SBC_DF_MAX_LINES, &e);
    CHECK(d && d->n == 0);
    sbc_df_free(d);
    free(big);
}

/* ---- expand */

static const char *env(const char *name, void *arg)
{
    (void)arg;
    if (!strcmp(name, "A"))
        return "apple";
    if (!strcmp(name, "E"))
        return "";
    if (!strcmp(name, "S"))
        return "two  words";
    return NULL;
}

static const char *xw(const char *s, char esc, char *buf, size_t n)
{
    sbc_err e = {0};
    char *r = sbc_expand_word(s, esc, env, NULL, &e);
    snprintf(buf, n, "%s", r ? r : e.msg);
    free(r);
    return buf;
}

#define CHECK_X(s, want) do { char b_[512]; CHECK_STR(xw(s, '\\', b_, sizeof b_), want); } while (0)
#define CHECK_XB(s, want) do { char b_[512]; CHECK_STR(xw(s, '`', b_, sizeof b_), want); } while (0)

TEST(expand_word)
{
    CHECK_X("$A", "apple");
    CHECK_X("${A}s", "apples");
    CHECK_X("x$Ay", "x");
    CHECK_X("$NOPE.", ".");
    CHECK_X("${NOPE:-dflt}", "dflt");
    CHECK_X("${E:-dflt}", "dflt");
    CHECK_X("${E-dflt}", "");
    CHECK_X("${NOPE-dflt}", "dflt");
    CHECK_X("${A:+alt}", "alt");
    CHECK_X("${E:+alt}", "");
    CHECK_X("${E+alt}", "alt");
    CHECK_X("${NOPE+alt}", "");
    CHECK_X("${NOPE:-${A}-x}", "apple-x");
    CHECK_X("${NOPE:-'q}'}", "q}");
    CHECK_X("\\$A", "$A");
    CHECK_X("'$A'", "$A");
    CHECK_X("\"$A\"", "apple");
    CHECK_X("\"\\$A \\\" \\x\"", "$A \" \\x");
    CHECK_X("a\\ b", "a b");
    CHECK_X("$", "$");
    CHECK_X("a$ b", "a$ b");
    CHECK_X("$1x", "x");
    CHECK_X("trail\\", "trail");
    CHECK_XB("`$A\\$A", "$A\\apple");
    CHECK_XB("\"c:\\path`\"\"", "c:\\path\"");
    CHECK_X("${NOPE:?must be set}", "NOPE: must be set");
    CHECK_X("${E?}", "");
    CHECK_X("${NOPE?}", "NOPE: is not allowed to be unset");
    CHECK_X("${A", "missing '}' in the substitution of A");
    CHECK_X("${A%x}", "unsupported modifier (%) in substitution of A");
    CHECK_X("${}", "bad substitution: no name after ${");
    CHECK_X("'open", "unexpected end of statement while looking for matching single-quote");
    CHECK_X("\"open", "unexpected end of statement while looking for matching double-quote");
    char deep[400] = "";
    for (int i = 0; i < 40; i++)
        strcat(deep, "${X:-");
    CHECK_X(deep, "substitution nested more than 32 deep");
}

TEST(expand_words)
{
    char **w;
    size_t n;
    sbc_err e = {0};
    CHECK(sbc_expand_words("  a \"b c\" $S d\\ e '' ${S}x", '\\', env, NULL, &w, &n, &e) == 0);
    CHECK_INT(n, 8);
    if (n == 8) {
        CHECK_STR(w[0], "a");
        CHECK_STR(w[1], "b c");
        CHECK_STR(w[2], "two");
        CHECK_STR(w[3], "words");
        CHECK_STR(w[4], "d e");
        CHECK_STR(w[5], "");
        CHECK_STR(w[6], "two");
        CHECK_STR(w[7], "wordsx");
    }
    for (size_t i = 0; i < n; i++)
        free(w[i]);
    free(w);
    CHECK(sbc_expand_words("\"$S\" $E", '\\', env, NULL, &w, &n, &e) == 0);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_STR(w[0], "two  words");
    CHECK(w[n] == NULL);
    free(w[0]);
    free(w);
    CHECK(sbc_expand_words("   ", '\\', env, NULL, &w, &n, &e) == 0);
    CHECK(n == 0 && w && !w[0]);
    free(w);
    CHECK(sbc_expand_words("'x", '\\', env, NULL, &w, &n, &e) == -1);
    CHECK(w == NULL && n == 0);
}

TEST(df_heredocs)
{
    sbc_dockerfile *d = P("FROM a\nRUN <<EOF\necho one\n# not a comment\n\necho two\nEOF\n"
                          "COPY <<-\"A\" <<B /dest/\n\tx $V\n\tA\ny\nB\nRUN [\"<<C\"]\nUSER u\n");
    CHECK(d && d->n == 5);
    if (!d || d->n != 5)
        return;
    CHECK_INT(d->v[1].nheredocs, 1);
    if (d->v[1].nheredocs == 1) {
        CHECK_STR(d->v[1].heredocs[0].name, "EOF");
        CHECK_STR(d->v[1].heredocs[0].body, "echo one\n# not a comment\n\necho two\n");
        CHECK_INT(d->v[1].heredocs[0].expand, 1);
    }
    CHECK_INT(d->v[2].line, 8);
    CHECK_INT(d->v[2].nheredocs, 2);
    if (d->v[2].nheredocs == 2) {
        CHECK_STR(d->v[2].heredocs[0].name, "A");
        CHECK_STR(d->v[2].heredocs[0].body, "x $V\n");
        CHECK_INT(d->v[2].heredocs[0].expand, 0);
        CHECK_STR(d->v[2].heredocs[1].body, "y\n");
        CHECK_INT(d->v[2].heredocs[1].expand, 1);
    }
    CHECK_INT(d->v[3].nheredocs, 0);
    CHECK_INT(d->v[4].line, 14);
    sbc_df_free(d);
    d = P("FROM a\nRUN echo \"<<X\" <<'Y'\nY\n");
    CHECK(d && d->n == 2 && d->v[1].nheredocs == 1);
    if (d && d->n == 2 && d->v[1].nheredocs == 1)
        CHECK_STR(d->v[1].heredocs[0].body, "");
    sbc_df_free(d);
    CHECK_ERR("FROM a\nRUN <<EOF\necho\n EOF\n", "Dockerfile:2: unterminated heredoc EOF");
    CHECK_ERR("FROM a\nRUN cat <<-EOF\n\techo\n  EOF\n", "Dockerfile:2: unterminated heredoc EOF");
}
