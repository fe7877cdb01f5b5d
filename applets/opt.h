/* opt.h - not an applet: the Docker-style option parser of every applet,
 * with its usage errors (the command line is the applets' business, so it
 * lives here, not in lib/, which never prints).
 *
 * Short clusters (-it), short with value (-eA=1, -e A=1), long (--name=x,
 * --name x), repeated options (-e A=1 -e B=2), `--` ends options, `-` is an
 * operand.  Every applet also accepts --help (usage on stdout, exit 0),
 * --debug, and boolean --flag=true|false.  Errors print the usage on stderr
 * and exit 125.
 *
 * Every option in a table is named in the applet's usage text (13-usage
 * checks it through the hidden --list-options, which prints the table, one
 * option a line: "--long -s", "--long" or "-s", then " hidden" for one
 * marked SBC_OPT_HIDDEN: a Docker spelling kept for scripts, whose usage
 * line names the documented one).
 */
#ifndef SBC_OPT_H
#define SBC_OPT_H

enum { SBC_OPT_NOARG = 0, SBC_OPT_ARG = 1, SBC_OPT_HIDDEN = 2 };

typedef struct sbc_option {
    const char *lng; /* long name without "--", or NULL */
    int shrt;        /* short letter, or 0 */
    int arg;         /* SBC_OPT_NOARG or SBC_OPT_ARG, | SBC_OPT_HIDDEN */
    int id;          /* value returned for it (nonzero) */
} sbc_option;

typedef struct sbc_opts {
    int argc;
    char **argv;
    int ind;                 /* next argv index */
    const char *arg;         /* value of the option just returned (or NULL) */
    const char *cluster;     /* rest of a short-option cluster */
    int interspersed;        /* operands may come before options */
    char **rest;             /* operands, after sbc_opt_next returned 0 */
    int nrest;
    char **ops;              /* (internal) operands collected while interspersed */
    int nops;
} sbc_opts;

/* interspersed=0: the first operand ends option parsing (run IMAGE CMD...). */
void sbc_opts_init(sbc_opts *o, int argc, char **argv, int interspersed);
/* Next option id; 0 when done (then o->rest/o->nrest hold the operands). */
int sbc_opt_next(sbc_opts *o, const sbc_option *table);
/* For a boolean option: 0 if it was given as --flag=false. */
int sbc_opt_bool(const sbc_opts *o);
/* Require between min and max operands (max < 0: unlimited), else usage error. */
void sbc_opt_operands(const sbc_opts *o, int min, int max);
/* An applet without options of its own (--help and --debug only): parse,
 * then sbc_opt_operands(o, min, max). */
void sbc_opt_plain(sbc_opts *o, int argc, char **argv, int min, int max);

/* The running applet's usage (set by main), for --help and usage errors. */
extern const char *sbc_usage_text;
/* "sbc-NAME: msg" then the usage on stderr, exit 125. */
_Noreturn void sbc_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
