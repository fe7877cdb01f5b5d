/* login.c - sbc login: verify credentials against a registry and store them
 * in Docker's config.json. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "applets.h"
#include "registry/auth.h"
#include "base/io.h"
#include "opt.h"
#include "registry/ref.h"
#include "registry/registry.h"

const char login_usage[] =
    "Usage: sbc-login [OPTIONS] [SERVER]\n"
    "\n"
    "Log in to a registry (default docker.io).  The credentials are checked\n"
    "against the registry, then stored like Docker does in\n"
    "$DOCKER_CONFIG/config.json (default ~/.docker/config.json).\n"
    "\n"
    "Options:\n"
    "  -u, --username USER     user name\n"
    "  -p, --password PASS     password (visible to other users: prefer --password-stdin)\n"
    "      --password-stdin    read the password from standard input\n";

/* One line from f without the newline; NULL at EOF. */
static char *read_line(FILE *f)
{
    sbc_buf b = {0};
    int c;
    while ((c = getc(f)) != EOF && c != '\n') {
        char ch = (char)c;
        sbc_buf_add(&b, &ch, 1);
    }
    if (c == EOF && !b.data)
        return NULL;
    sbc_buf_add(&b, "", 0);
    if (b.len && b.data[b.len - 1] == '\r')
        b.data[--b.len] = 0;
    return b.data;
}

static char *prompt(const char *what, int echo)
{
    struct termios old, t;
    int tty = tcgetattr(STDIN_FILENO, &old) == 0;
    fprintf(stderr, "%s: ", what);
    fflush(stderr);
    if (tty && !echo) {
        t = old;
        t.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
    }
    char *s = read_line(stdin);
    if (tty && !echo) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    return s;
}

/* "https://host:port/v1/" -> "host:port"; docker.io aliases -> docker.io */
static char *server_domain(const char *s)
{
    const char *p = strstr(s, "://");
    p = p ? p + 3 : s;
    char *d = sbc_xstrdup(p);
    d[strcspn(d, "/")] = 0;
    if (!strcmp(d, "index.docker.io") || !strcmp(d, SBC_DOCKER_API_HOST)) {
        free(d);
        d = sbc_xstrdup(SBC_DOCKER_DOMAIN);
    }
    return d;
}

int login_main(int argc, char **argv)
{
    enum { O_USER = 1, O_PASS, O_STDIN };
    static const sbc_option opts[] = {
        {"username", 'u', SBC_OPT_ARG, O_USER},
        {"password", 'p', SBC_OPT_ARG, O_PASS},
        {"password-stdin", 0, SBC_OPT_NOARG, O_STDIN},
        {0},
    };
    sbc_opts o;
    const char *user = NULL, *pass = NULL;
    int pw_stdin = 0, c;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        switch (c) {
        case O_USER: user = o.arg; break;
        case O_PASS: pass = o.arg; break;
        case O_STDIN: pw_stdin = sbc_opt_bool(&o); break;
        }
    }
    sbc_opt_operands(&o, 0, 1);
    if (pw_stdin && pass)
        sbc_usage_error("--password and --password-stdin are mutually exclusive");
    if (pw_stdin && !user)
        sbc_usage_error("--password-stdin requires --username");

    sbc_err e = {0};
    char *domain = server_domain(o.nrest ? o.rest[0] : SBC_DOCKER_DOMAIN);
    /* validate the host with the reference grammar */
    char *probe = sbc_xasprintf("%s/x", domain);
    sbc_ref r;
    if (!*domain || (!strchr(domain, '.') && !strchr(domain, ':') && strcmp(domain, "localhost")) ||
        sbc_ref_parse(probe, &r, &e) < 0) {
        free(probe);
        sbc_err_set(&e, 0, "%s: invalid registry host", o.nrest ? o.rest[0] : "");
        free(domain);
        return sbc_err_print(&e);
    }
    free(probe);
    free(r.path);
    r.path = sbc_xstrdup("");

    char *u = user ? sbc_xstrdup(user) : NULL, *pw = pass ? sbc_xstrdup(pass) : NULL;
    int rc = SBC_EXIT_FAIL;
    if (pass)
        sbc_warn("WARNING! Using --password via the command line is insecure. Use --password-stdin.");
    if (!u && isatty(STDIN_FILENO))
        u = prompt("Username", 1);
    if (!u || !*u) {
        sbc_err_set(&e, 0, "%s: a username is required (-u)", domain);
        goto out;
    }
    if (pw_stdin)
        pw = read_line(stdin);
    else if (!pw && isatty(STDIN_FILENO))
        pw = prompt("Password", 0);
    if (!pw || !*pw) {
        sbc_err_set(&e, 0, "%s: a password is required (-p or --password-stdin)", domain);
        goto out;
    }
    sbc_registry *g = sbc_registry_open(&r, "pull", &e);
    if (!g)
        goto out;
    sbc_registry_set_credentials(g, u, pw);
    int ok = sbc_registry_ping(g, &e) == 0;
    sbc_registry_close(g);
    if (ok && sbc_auth_store(domain, u, pw, &e) == 0) {
        printf("Login Succeeded\n");
        rc = 0;
    }
out:
    if (pw) {
        memset(pw, 0, strlen(pw));
        free(pw);
    }
    free(u);
    free(domain);
    sbc_ref_free(&r);
    return rc ? sbc_err_print(&e) : 0;
}
