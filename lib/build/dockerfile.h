/* dockerfile.h - a Dockerfile's text parsed into instructions, as
 * BuildKit's parser does (no variable expansion: build/expand.h does it
 * when the builder dispatches an instruction).
 *
 * Parser directives (`# escape=` \ or `, `# syntax=`, `# check=`) are read
 * only before any other line; comments, blank lines and line continuations
 * (the escape char, then optional blanks, at the end of a line; comment and
 * empty lines inside a continuation are skipped) are handled; each
 * instruction keeps its first line's number, its joined text, the flags
 * given before its arguments and its arguments split as Docker splits them:
 *
 *   FROM             words: image [AS name]  (1 or 3 words)
 *   RUN CMD ENTRYPOINT SHELL
 *                    exec form (json=1): the array's strings; shell form:
 *                    one argument, the rest of the line (SHELL needs JSON)
 *   COPY ADD VOLUME  exec form: the strings; else whitespace-split words
 *   ENV LABEL        key, value, key, value ... raw (quotes and escapes kept
 *                    for sbc_expand_word); `ENV key the value` (legacy) too
 *   ARG              words, each name or name=default, raw
 *   EXPOSE           whitespace-split words
 *   USER WORKDIR STOPSIGNAL MAINTAINER
 *                    one argument, the rest of the line
 *   HEALTHCHECK      "NONE", or "CMD" then the command as RUN's (json set)
 *   ONBUILD          one argument, the trigger's text; `inner` is the
 *                    trigger parsed (not ONBUILD, FROM or MAINTAINER)
 *
 * Flags are kept raw ("--from=build", "--link") after a check that the
 * instruction takes them.  Errors name the line: "Dockerfile:12: unknown
 * instruction: FOOO".  Input is capped (SBC_DF_MAX_BYTES, SBC_DF_MAX_LINES).
 * Heredocs: in RUN (shell form), COPY and ADD, each argument word
 * <<NAME, <<-NAME (leading tabs stripped from the body and the end line),
 * <<"NAME" or <<'NAME' (no expansion) takes the lines that follow, up to
 * a line that is NAME, as its body (in order of the words).
 */
#ifndef SBC_BUILD_DOCKERFILE_H
#define SBC_BUILD_DOCKERFILE_H
#include <stddef.h>

#include "base/err.h"

#define SBC_DF_MAX_BYTES (1u << 20)
#define SBC_DF_MAX_LINES 100000

typedef struct sbc_df_heredoc {
    char *name;    /* the delimiter, quotes removed */
    char *body;    /* the lines between, each ending in \n */
    int expand;    /* unquoted delimiter: the body takes expansion */
} sbc_df_heredoc;

typedef struct sbc_df_instr {
    int line;                   /* first line, 1-based */
    char *cmd;                  /* keyword in lower case: "run" */
    char *orig;                 /* the instruction's text, continuations joined */
    char **flags;               /* raw flags, quotes removed: "--from=build" */
    size_t nflags;
    char **args;                /* the arguments (see above) */
    size_t nargs;
    int json;                   /* exec (JSON array) form */
    struct sbc_df_instr *inner; /* ONBUILD's trigger, else NULL */
    sbc_df_heredoc *heredocs;   /* RUN COPY ADD: <<NAME bodies */
    size_t nheredocs;
} sbc_df_instr;

typedef struct sbc_dockerfile {
    sbc_df_instr *v;
    size_t n;
    char escape;  /* '\\' or '`' */
    char *syntax; /* the # syntax= directive, or NULL (recorded, ignored) */
} sbc_dockerfile;

/* Parse text[0..len) (need not be NUL-terminated).  NULL + e on error;
 * free the result with sbc_df_free. */
sbc_dockerfile *sbc_df_parse(const char *text, size_t len, sbc_err *e);
void sbc_df_free(sbc_dockerfile *df);

#endif
