/* main.c - the multicall dispatcher.
 *
 * argv[0]'s basename picks the applet: "sbc-pull" (or plain "pull") runs
 * pull; "sbc" takes the applet from argv[1].  A name that is neither is
 * followed through its chain of symlinks until one is.  Multiplexer flags:
 * --list, --install DIR [--force], --version, --licenses, --help, --debug,
 * --completion bash, --man NAME (docgen.h) and the hidden --complete KIND.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "applets.h"
#include "docgen.h"
#include "base/arena.h"
#include "base/config.h"
#include "base/err.h"
#include "base/licenses.h"
#include "base/version.h"
#include "opt.h"
#include "runtime/exeseal.h"

const struct sbc_applet_entry sbc_applets[] = {
#define APPLET(name, summary) {#name, summary, name##_main, name##_usage},
#include "applets.def"
#undef APPLET
};
const int sbc_napplets = sizeof sbc_applets / sizeof sbc_applets[0];

static const char sbc_usage[] =
    "Usage: sbc [--debug] COMMAND [ARG...]\n"
    "       sbc-COMMAND [ARG...]\n"
    "       sbc --list | --version | --licenses | --install DIR [--force]\n"
    "       sbc --completion bash | --man COMMAND\n"
    "\n"
    "A container tool in one static binary.  Run 'sbc COMMAND --help' for\n"
    "more on a command.  Run 'sbc --list' for the commands.\n";

static const struct sbc_applet_entry *find(const char *name)
{
    for (int i = 0; i < sbc_napplets; i++)
        if (!strcmp(sbc_applets[i].name, name))
            return &sbc_applets[i];
    return NULL;
}

static const char *base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* "sbc-pull" or "pull" -> applet; "sbc" -> multiplexer (returns NULL, *multi=1). */
static const struct sbc_applet_entry *by_name(const char *name, int *multi)
{
    if (!strcmp(name, "sbc")) {
        *multi = 1;
        return NULL;
    }
    if (!strncmp(name, "sbc-", 4))
        return find(name + 4);
    if (!strcmp(name, "runc")) /* (linked under runc's name for a caller) */
        return find("oci");
    return find(name);
}

static char **orig_argv;

/* The applets whose processes enter containers run from a sealed copy of
 * the binary (runtime/exeseal.h), whatever their arguments (a "--help"
 * may be the container command's). */
static void seal_if_needed(const struct sbc_applet_entry *a, int argc, char **argv)
{
    if (a->main != run_main && a->main != start_main && a->main != exec_main &&
        !(a->main == oci_main && oci_enters(argc, argv)))
        return;
    sbc_err e = {0};
    if (a->main != exec_main) /* (sbc-exec's joiner is no init of a new user namespace) */
        sbc_exe_seal_defer();
    if (sbc_exe_seal(orig_argv, environ, &e) < 0) {
        sbc_applet = a->name;
        exit(sbc_err_print(&e));
    }
}

static int run(const struct sbc_applet_entry *a, int argc, char **argv)
{
    seal_if_needed(a, argc, argv);
    sbc_applet = a->name;
    sbc_usage_text = a->usage;
    /* short-lived applets allocate from a pre-faulted arena (see arena.h);
     * not the monitor, which lives on and must stay small */
    if (!(argc > 1 && !strcmp(argv[1], "--sbc-monitor")))
        sbc_arena_init(SBC_ARENA_SIZE);
    int rc = a->main(argc, argv);
    SBC_DEBUG("arena: %zu of %d bytes used", sbc_arena_used(), SBC_ARENA_SIZE);
    if (fflush(stdout) == EOF || ferror(stdout)) {
        if (errno != EPIPE)
            sbc_warn("write error on stdout: %s", strerror(errno));
        if (!rc)
            rc = 1;
    }
    return rc;
}

static int list(void)
{
    for (int i = 0; i < sbc_napplets; i++)
        printf("%s\n", sbc_applets[i].name);
    return 0;
}

static int install(const char *dir, int force)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        sbc_die(SBC_EXIT_FAIL, "--install: cannot find own path: %s", strerror(errno));
    self[n] = 0;
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
        sbc_die(SBC_EXIT_FAIL, "--install: %s: not a directory", dir);
    int rc = 0;
    for (int i = 0; i < sbc_napplets; i++) {
        char path[PATH_MAX], cur[PATH_MAX];
        snprintf(path, sizeof path, "%s/sbc-%s", dir, sbc_applets[i].name);
        ssize_t m = readlink(path, cur, sizeof cur - 1);
        if (m >= 0) {
            cur[m] = 0;
            if (!strcmp(cur, self))
                continue; /* already ours */
        }
        if (m >= 0 || lstat(path, &st) == 0) {
            if (!force) {
                sbc_warn("--install: %s exists (use --force to replace)", path);
                rc = SBC_EXIT_FAIL;
                continue;
            }
            if (unlink(path) < 0) {
                sbc_warn("--install: %s: %s", path, strerror(errno));
                rc = SBC_EXIT_FAIL;
                continue;
            }
        }
        if (symlink(self, path) < 0) {
            sbc_warn("--install: %s: %s", path, strerror(errno));
            rc = SBC_EXIT_FAIL;
        }
    }
    return rc;
}

static int multiplexer(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--debug")) {
            sbc_debug_level = 1;
        } else if (!strcmp(a, "--version") || !strcmp(a, "-v")) {
            sbc_version_print(stdout);
            return fflush(stdout) ? 1 : 0;
        } else if (!strcmp(a, "--licenses")) {
            sbc_err e = {0};
            return sbc_licenses_print(stdout, &e) ? sbc_err_print(&e) : 0;
        } else if (!strcmp(a, "--list")) {
            list();
            return fflush(stdout) ? 1 : 0;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(sbc_usage, stdout);
            return 0;
        } else if ((!strcmp(a, "--completion") || !strcmp(a, "--man") || !strcmp(a, "--complete")) &&
                   i + 1 < argc) {
            int r = !strcmp(a, "--completion") ? sbc_completion_print(stdout, argv[i + 1])
                    : !strcmp(a, "--man")      ? sbc_man_print(stdout, argv[i + 1], sbc_usage)
                                               : sbc_complete_names(stdout, argv[i + 1]);
            if (r < 0) {
                sbc_usage_text = sbc_usage;
                sbc_usage_error("%s: unknown %s \"%s\"", a,
                                !strcmp(a, "--completion") ? "shell (bash is)" : !strcmp(a, "--man") ? "command" : "kind",
                                argv[i + 1]);
            }
            return fflush(stdout) ? 1 : 0;
        } else if (!strcmp(a, "--install")) {
            int force = 0;
            const char *dir = NULL;
            for (int j = i + 1; j < argc; j++) {
                if (!strcmp(argv[j], "--force") || !strcmp(argv[j], "-f"))
                    force = 1;
                else if (!dir)
                    dir = argv[j];
                else
                    dir = NULL, j = argc;
            }
            if (!dir) {
                sbc_usage_text = sbc_usage;
                sbc_usage_error("--install needs one directory");
            }
            return install(dir, force);
        } else {
            sbc_usage_text = sbc_usage;
            sbc_usage_error("unknown flag: %s", a);
        }
    }
    if (i >= argc) {
        sbc_usage_text = sbc_usage;
        sbc_usage_error("missing command");
    }
    const struct sbc_applet_entry *a = find(argv[i]);
    if (!a) {
        fprintf(stderr, "sbc: '%s' is not an sbc command (see 'sbc --list')\n", argv[i]);
        return SBC_EXIT_NOTFOUND;
    }
    return run(a, argc - i, argv + i);
}

int main(int argc, char **argv)
{
    if (getenv("SBC_DEBUG") && *getenv("SBC_DEBUG") && strcmp(getenv("SBC_DEBUG"), "0"))
        sbc_debug_level = 1;
    if (argc < 1 || !argv[0])
        return SBC_EXIT_FAIL;
    /* decided once, here: code run later as root of a user namespace of
     * the user's ids (base/subid.h) is still rootless sbc */
    (void)sbc_rootless();
    orig_argv = argv;
    int multi = 0;
    const struct sbc_applet_entry *a = by_name(base(argv[0]), &multi);
    if (!a && !multi && strncmp(base(argv[0]), "sbc-", 4)) {
        /* follow a chain of symlinks: mylink -> sbc-run -> sbc */
        char cur[PATH_MAX], next[PATH_MAX];
        snprintf(cur, sizeof cur, "%s", argv[0]);
        for (int hop = 0; hop < 16 && !a && !multi; hop++) {
            ssize_t n = readlink(cur, next, sizeof next - 1);
            if (n <= 0)
                break;
            next[n] = 0;
            if (next[0] != '/' && strchr(cur, '/')) {
                char tmp[PATH_MAX];
                snprintf(tmp, sizeof tmp, "%.*s/%s", (int)(strrchr(cur, '/') - cur), cur, next);
                snprintf(cur, sizeof cur, "%s", tmp);
            } else {
                snprintf(cur, sizeof cur, "%s", next);
            }
            a = by_name(base(cur), &multi);
        }
    }
    if (a)
        return run(a, argc, argv);
    if (!multi && !strncmp(base(argv[0]), "sbc-", 4)) {
        fprintf(stderr, "sbc: '%s' is not an sbc command (see 'sbc --list')\n",
                base(argv[0]) + 4);
        return SBC_EXIT_NOTFOUND;
    }
    /* "sbc", or a renamed copy of it ("sbc.new", "a.out"): the multiplexer */
    return multiplexer(argc, argv);
}
