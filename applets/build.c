/* build.c - sbc-build: an image from a Dockerfile (lib/build/builder.h). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applets.h"
#include "base/io.h"
#include "build/builder.h"
#include "image/imgbuild.h"
#include "image/tarw.h"
#include "opt.h"

const char build_usage[] =
    "Usage: sbc-build [OPTIONS] PATH | TARBALL | -\n"
    "\n"
    "Build an image from a Dockerfile.  PATH is the build context: a directory,\n"
    "a tar archive (plain, gzip or zstd), or - for one on standard input (or, when\n"
    "what is read is not a tar, a Dockerfile with an empty context).  The\n"
    "context's .dockerignore leaves files out.  Each RUN runs in a container of\n"
    "this engine, with the same security defaults as sbc-run; each RUN, COPY and\n"
    "ADD adds a layer; the other instructions change the config.  Steps whose\n"
    "parent, instruction, build args and (COPY/ADD) source files are unchanged\n"
    "reuse the layer cache (sbc-system df shows it, sbc-builder prune clears it).\n"
    "Progress goes to stderr as Docker's --progress plain; the image ID to stdout.\n"
    "SOURCE_DATE_EPOCH fixes the times in layers and config: the same context\n"
    "then builds to the same image ID.\n"
    "\n"
    "Options:\n"
    "      --build-arg list   set a build-time variable (K=V, or K: from the\n"
    "                         environment)\n"
    "      --compress string  the new layers: gzip[:LEVEL]|zstd[:LEVEL]|none (default\n"
    "                         gzip:1, as sbc-commit; none is fastest, but push\n"
    "                         then sends the layers as they are)\n"
    "  -f, --file string      the Dockerfile (default PATH/Dockerfile; - : stdin)\n"
    "      --iidfile string   write the image ID to this file\n"
    "      --label list       set a label on the image (K=V)\n"
    "      --network string   RUN's network: bridge (default), none or host\n"
    "      --no-cache         do not use the cache\n"
    "      --platform string  the platform of the images FROM pulls\n"
    "      --progress string  plain or tty (both print plain lines) or quiet\n"
    "      --pull             always pull the FROM images\n"
    "  -q, --quiet            print nothing but the image ID (RUN's output only\n"
    "                         when a step fails)\n"
    "  -t, --tag list         name the image REPOSITORY[:TAG] (more than once)\n"
    "      --target string    build this stage (and the stages it needs) only\n";

static void on_signal(int sig)
{
    (void)sig;
    sbc_build_stop = 1;
}

static void note_line(void *arg, const char *line)
{
    (void)arg;
    fprintf(stderr, "%s\n", line);
}

/* -q: RUN's output kept in an unlinked file, shown when the build fails. */
static int quiet_fd(void)
{
    const char *t = getenv("TMPDIR");
    char *p = sbc_xasprintf("%s/sbc-build.XXXXXX", t && *t ? t : "/tmp");
    int fd = mkstemp(p);
    if (fd >= 0)
        unlink(p);
    free(p);
    return fd;
}

static void show_quiet(int fd)
{
    if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0)
        return;
    fflush(stderr);
    sbc_copy_data(fd, 2);
}

int build_main(int argc, char **argv)
{
    enum { O_ARG = 256, O_COMP, O_IID, O_LABEL, O_NET, O_NOCACHE, O_PLAT, O_PROG, O_PULL, O_TARGET, O_RM, O_FILE = 'f', O_Q = 'q', O_T = 't' };
    static const sbc_option opts[] = {
        {"build-arg", 0, SBC_OPT_ARG, O_ARG}, {"compress", 0, SBC_OPT_ARG, O_COMP}, {"file", 'f', SBC_OPT_ARG, O_FILE}, {"iidfile", 0, SBC_OPT_ARG, O_IID},
        {"label", 0, SBC_OPT_ARG, O_LABEL}, {"network", 0, SBC_OPT_ARG, O_NET}, {"no-cache", 0, SBC_OPT_NOARG, O_NOCACHE},
        {"platform", 0, SBC_OPT_ARG, O_PLAT}, {"progress", 0, SBC_OPT_ARG, O_PROG}, {"pull", 0, SBC_OPT_NOARG, O_PULL},
        {"quiet", 'q', SBC_OPT_NOARG, O_Q}, {"rm", 0, SBC_OPT_NOARG | SBC_OPT_HIDDEN, O_RM},
        {"force-rm", 0, SBC_OPT_NOARG | SBC_OPT_HIDDEN, O_RM}, {"tag", 't', SBC_OPT_ARG, O_T}, {"target", 0, SBC_OPT_ARG, O_TARGET},
        {0},
    };
    const char **args = sbc_xcalloc((size_t)argc, sizeof *args), **labels = sbc_xcalloc((size_t)argc, sizeof *labels),
               **tags = sbc_xcalloc((size_t)argc, sizeof *tags);
    sbc_build_opts bo = {.build_args = args, .labels = labels, .tags = tags, .run_fd = 2, .note = note_line,
                         .compression = SBC_COMP_GZIP, .level = 1};
    const char *iidfile = NULL;
    int quiet = 0, c;
    sbc_opts o;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        switch (c) {
        case O_ARG: args[bo.nbuild_args++] = o.arg; break;
        case O_LABEL: labels[bo.nlabels++] = o.arg; break;
        case O_T: tags[bo.ntags++] = o.arg; break;
        case O_FILE: bo.dockerfile = o.arg; break;
        case O_COMP:
            if ((bo.compression = sbc_comp_parse(o.arg, &bo.level)) < 0)
                sbc_usage_error("--compress: expected gzip, zstd or none, got \"%s\"", o.arg);
            break;
        case O_IID: iidfile = o.arg; break;
        case O_NET:
            if (strcmp(o.arg, "bridge") && strcmp(o.arg, "none") && strcmp(o.arg, "host") && strcmp(o.arg, "default"))
                sbc_usage_error("--network: expected bridge, none or host, got \"%s\"", o.arg);
            bo.network = strcmp(o.arg, "default") ? o.arg : NULL;
            break;
        case O_NOCACHE: bo.no_cache = 1; break;
        case O_PLAT: bo.platform = o.arg; break;
        case O_PULL: bo.pull = 1; break;
        case O_TARGET: bo.target = o.arg; break;
        case O_Q: quiet = 1; break;
        case O_RM: break; /* Docker's classic builder's: step containers always go */
        case O_PROG:
            if (strcmp(o.arg, "plain") && strcmp(o.arg, "tty") && strcmp(o.arg, "auto") && strcmp(o.arg, "quiet"))
                sbc_usage_error("--progress: expected plain, tty, auto or quiet, got \"%s\"", o.arg);
            quiet |= !strcmp(o.arg, "quiet");
            break;
        }
    }
    sbc_opt_operands(&o, 1, 1);
    bo.context = o.rest[0];
    if (quiet) {
        bo.note = NULL;
        bo.run_fd = quiet_fd();
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sbc_err e = {0};
    sbc_store s;
    char id[SBC_DIGEST_SIZE];
    int rc = sbc_store_open(&s, &e);
    if (rc == 0) {
        rc = sbc_build_dockerfile(&s, &bo, id, &e);
        sbc_store_close(&s);
    }
    if (rc == 0 && iidfile) {
        int fd = open(iidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || sbc_write_full(fd, id, strlen(id)) < 0)
            rc = sbc_err_sys(&e, "--iidfile %s", iidfile);
        if (fd >= 0)
            close(fd);
    }
    if (rc < 0 && quiet)
        show_quiet(bo.run_fd);
    if (quiet && bo.run_fd >= 0)
        close(bo.run_fd);
    free(args);
    free(labels);
    free(tags);
    if (rc < 0)
        return sbc_err_print(&e);
    printf("%s\n", id);
    return 0;
}
