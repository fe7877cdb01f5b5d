/* docgen.c - what the binary says about itself: bash completion, man pages
 * made from the applets' usage texts, and the names completion offers
 * (docgen.h). */
#include "docgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets.h"
#include "base/config.h"
#include "base/err.h"
#include "base/version.h"
#include "image/store.h"
#include "net/net.h"
#include "runtime/container.h"
#include "runtime/volume.h"

/* The script asks the binary for everything it completes: the applets
 * (--list), an applet's options (--complete-options, "=" after those that
 * take a value), its subcommands and operand kinds (its --help), and the
 * store's names (--complete KIND), so it never goes stale. */
static const char bash_script[] =
    "# bash completion for sbc: eval \"$(sbc --completion bash)\"\n"
    "_sbc_bin=${_sbc_bin:-sbc}\n"
    "_sbc_ask() { \"$_sbc_bin\" \"$@\" 2>/dev/null; }\n"
    "_sbc_cache() { # _sbc_cache VAR CMD...: CMD's output, once per shell\n"
    "  local v=$1; shift\n"
    "  [[ -n ${!v+x} ]] || printf -v \"$v\" '%s' \"$(_sbc_ask \"$@\")\"\n"
    "  printf '%s' \"${!v}\"\n"
    "}\n"
    "_sbc_names() { local k; for k; do _sbc_ask --complete \"$k\"; done; }\n"
    "_sbc_applet() { # _sbc_applet APPLET FIRST: complete COMP_WORDS[FIRST..]\n"
    "  local a=$1 first=$2 cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
    "  local v=${a//[^a-z]/_} opts help cmds kinds=\"\" w i nops=0\n"
    "  opts=$(_sbc_cache \"_sbc_o_$v\" \"$a\" --complete-options)\n"
    "  opts=${opts//$'\\n'/ }\n"
    "  help=$(_sbc_cache \"_sbc_h_$v\" \"$a\" --help)\n"
    "  if [[ $cur == -* ]]; then\n"
    "    COMPREPLY=($(compgen -W \"${opts//=/}\" -- \"$cur\")); return\n"
    "  fi\n"
    "  if [[ $prev == -* && \" $opts \" == *\" $prev= \"* ]]; then\n"
    "    case $prev in\n"
    "    --network|--net) COMPREPLY=($(compgen -W \"$(_sbc_names networks)\" -- \"$cur\")) ;;\n"
    "    -v|--volume) COMPREPLY=($(compgen -W \"$(_sbc_names volumes)\" -- \"$cur\") $(compgen -f -- \"$cur\")) ;;\n"
    "    *) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
    "    esac\n"
    "    return\n"
    "  fi\n"
    "  for ((i = first; i < COMP_CWORD; i++)); do\n"
    "    w=${COMP_WORDS[i]}\n"
    "    [[ $w == -* ]] && continue\n"
    "    [[ $i -gt $first && ${COMP_WORDS[i-1]} == -* && \" $opts \" == *\" ${COMP_WORDS[i-1]}= \"* ]] && continue\n"
    "    nops=$((nops + 1))\n"
    "  done\n"
    "  cmds=$(sed -n '/^Commands:/,/^$/s/^  \\([a-z][a-z-]*\\) .*/\\1/p' <<<\"$help\")\n"
    "  if [[ -n $cmds && $nops == 0 ]]; then COMPREPLY=($(compgen -W \"$cmds\" -- \"$cur\")); return; fi\n"
    "  w=$(sed -n '1s/^Usage: //p' <<<\"$help\")\n"
    "  [[ $w == *CONTAINER* ]] && kinds+=\" containers\"\n"
    "  [[ $w == *IMAGE* || $w == *SOURCE* ]] && kinds+=\" images\"\n"
    "  [[ $w == *NETWORK* || $help == *'network'*'NAME'* && $a == network ]] && kinds+=\" networks\"\n"
    "  [[ $w == *VOLUME* || $a == volume ]] && kinds+=\" volumes\"\n"
    "  if [[ -n $kinds ]]; then COMPREPLY=($(compgen -W \"$(_sbc_names $kinds)\" -- \"$cur\"))\n"
    "  else COMPREPLY=($(compgen -f -- \"$cur\")); fi\n"
    "}\n"
    "_sbc() {\n"
    "  local cur=${COMP_WORDS[COMP_CWORD]} i=1\n"
    "  while [[ $i -lt $COMP_CWORD && ${COMP_WORDS[i]} == --debug ]]; do i=$((i + 1)); done\n"
    "  if [[ $COMP_CWORD == \"$i\" ]]; then\n"
    "    COMPREPLY=($(compgen -W \"$(_sbc_cache _sbc_list --list) --debug --help --list --version --licenses --install --completion --man\" -- \"$cur\"))\n"
    "    return\n"
    "  fi\n"
    "  case ${COMP_WORDS[i]} in\n"
    "  --man) COMPREPLY=($(compgen -W \"sbc $(_sbc_cache _sbc_list --list)\" -- \"$cur\")) ;;\n"
    "  --completion) COMPREPLY=($(compgen -W bash -- \"$cur\")) ;;\n"
    "  --install) COMPREPLY=($(compgen -d -- \"$cur\")) ;;\n"
    "  -*) ;;\n"
    "  *) _sbc_applet \"${COMP_WORDS[i]}\" $((i + 1)) ;;\n"
    "  esac\n"
    "}\n"
    "_sbc_dash() { local a=${COMP_WORDS[0]##*/}; _sbc_applet \"${a#sbc-}\" 1; }\n"
    "complete -F _sbc sbc\n";

int sbc_completion_print(FILE *f, const char *shell)
{
    if (strcmp(shell, "bash"))
        return -1;
    fputs(bash_script, f);
    fputs("complete -F _sbc_dash", f);
    for (int i = 0; i < sbc_napplets; i++)
        fprintf(f, " sbc-%s", sbc_applets[i].name);
    fputs("\n", f);
    return 0;
}

/* ---- man pages -------------------------------------------------------- */

/* A line of text for roff: backslashes doubled, a leading . or ' guarded. */
static void roff_line(FILE *f, const char *s, size_t n)
{
    if (n && (*s == '.' || *s == '\''))
        fputs("\\&", f);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\')
            fputs("\\e", f);
        else if (s[i] == '-')
            fputs("\\-", f);
        else
            fputc(s[i], f);
    }
    fputc('\n', f);
}

/* An option line of a usage ("  -d, --detach   text", "      --rm  text"):
 * the flags part and the text part split at the first run of two spaces. */
static int option_line(const char *l, size_t n, size_t *flags_at, size_t *flags_len, size_t *text_at)
{
    size_t i = 0;
    while (i < n && l[i] == ' ')
        i++;
    if (i < 2 || i >= n || l[i] != '-')
        return 0;
    *flags_at = i;
    const char *gap = NULL;
    for (size_t k = i; k + 1 < n; k++)
        if (l[k] == ' ' && l[k + 1] == ' ') {
            gap = l + k;
            break;
        }
    *flags_len = (size_t)((gap ? gap : l + n) - (l + i));
    size_t t = gap ? (size_t)(gap - l) : n;
    while (t < n && l[t] == ' ')
        t++;
    *text_at = t;
    return 1;
}

static void man_body(FILE *f, const char *usage)
{
    enum { SYN, DESC, LIST } part = SYN;
    const char *p = usage;
    fputs(".SH SYNOPSIS\n.nf\n", f);
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        size_t fa, fl, ta;
        if (part == SYN && n == 0) {
            fputs(".fi\n.SH DESCRIPTION\n", f);
            part = DESC;
        } else if (part == SYN) {
            size_t skip = !strncmp(p, "Usage: ", 7) ? 7 : 0;
            while (skip < n && p[skip] == ' ')
                skip++;
            roff_line(f, p + skip, n - skip);
        } else if (n && p[n - 1] == ':' && p[0] != ' ') { /* "Options:", "Commands:" */
            fputs(".SH ", f);
            for (size_t i = 0; i + 1 < n; i++)
                fputc(p[i] >= 'a' && p[i] <= 'z' ? p[i] - 32 : p[i], f);
            fputc('\n', f);
            part = LIST;
        } else if (part == LIST && option_line(p, n, &fa, &fl, &ta)) {
            fputs(".TP\n.B ", f);
            roff_line(f, p + fa, fl);
            roff_line(f, p + ta, n - ta);
        } else if (part == LIST && n > 2 && p[0] == ' ' && p[2] != ' ' && p[2] != '-') {
            /* a command of a "Commands:" list: "  ls    list networks" */
            size_t fa2 = 2, fl2, ta2;
            const char *gap = strstr(p + 2, "  ");
            fl2 = gap && gap < p + n ? (size_t)(gap - p) - 2 : n - 2;
            ta2 = fa2 + fl2;
            while (ta2 < n && p[ta2] == ' ')
                ta2++;
            fputs(".TP\n.B ", f);
            roff_line(f, p + fa2, fl2);
            roff_line(f, p + ta2, n - ta2);
        } else if (n == 0) {
            fputs(part == DESC ? ".PP\n" : "", f);
        } else {
            size_t k = 0;
            while (k < n && p[k] == ' ')
                k++;
            roff_line(f, p + k, n - k); /* a continued option text, or prose */
        }
        p += n + (nl ? 1 : 0);
    }
    if (part == SYN)
        fputs(".fi\n", f);
}

int sbc_man_print(FILE *f, const char *name, const char *multi_usage)
{
    const struct sbc_applet_entry *a = NULL;
    for (int i = 0; i < sbc_napplets; i++)
        if (!strcmp(sbc_applets[i].name, name))
            a = &sbc_applets[i];
    if (!a && strcmp(name, "sbc"))
        return -1;
    char title[64];
    snprintf(title, sizeof title, "%s%s", a ? "SBC-" : "SBC", a ? a->name : "");
    for (char *c = title; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 32);
    fprintf(f, ".TH %s 1 \"\" \"sbc %s\" \"sbc manual\"\n.SH NAME\n", title, SBC_VERSION);
    if (a)
        fprintf(f, "sbc\\-%s \\- %s\n", a->name, a->summary);
    else
        fputs("sbc \\- a container tool in one static binary\n", f);
    man_body(f, a ? a->usage : multi_usage);
    if (!a) {
        fputs(".SH COMMANDS\n", f);
        for (int i = 0; i < sbc_napplets; i++)
            fprintf(f, ".TP\n.B sbc\\-%s\n%s\n", sbc_applets[i].name, sbc_applets[i].summary);
    }
    fputs(".SH SEE ALSO\n", f);
    fputs(a ? ".BR sbc (1)\n" : "sbc \\-\\-completion bash, sbc COMMAND \\-\\-help\n", f);
    return 0;
}

/* ---- names for completion ----------------------------------------------- */

/* Print a list of names and free it. */
static void put_names(FILE *f, char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s\n", names[i]);
        free(names[i]);
    }
    free(names);
}

int sbc_complete_names(FILE *f, const char *kind)
{
    char **names = NULL;
    size_t n = 0;
    sbc_err ne = {0};
    if (!strcmp(kind, "containers")) {
        if (sbc_container_names(sbc_root_dir(), &names, &n, &ne) == 0)
            put_names(f, names, n);
    } else if (!strcmp(kind, "volumes")) {
        if (sbc_volume_list(sbc_root_dir(), &names, &n, &ne) == 0)
            put_names(f, names, n);
    } else if (!strcmp(kind, "networks")) {
        fputs("bridge\nhost\nnone\n", f);
        if (sbc_net_user_names(&names, &n) == 0)
            put_names(f, names, n);
    } else if (!strcmp(kind, "images")) {
        sbc_err e = {0};
        sbc_store s;
        sbc_image_row *rows = NULL;
        size_t n = 0;
        if (sbc_store_open(&s, &e) == 0 && sbc_image_list(&s, NULL, &rows, &n, &e) == 0)
            for (size_t i = 0; i < n; i++)
                if (strcmp(rows[i].repo, "<none>"))
                    fprintf(f, "%s:%s\n", rows[i].repo, rows[i].tag);
        sbc_image_rows_free(rows, n);
        if (s.fd >= 0)
            sbc_store_close(&s);
    } else {
        return -1;
    }
    return 0;
}
