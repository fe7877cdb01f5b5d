/* commit.c - sbc-commit: a container's changes become a new image. */
#include "applets.h"
#include "imgopts.h"
#include "runtime/commit.h"

const char commit_usage[] =
    "Usage: sbc-commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]\n"
    "\n"
    "Create a new image from a container's changes (also while it runs): they\n"
    "become one new layer on top of its image's layers (deleted files and\n"
    "replaced directories become .wh. whiteouts).  With the overlay storage\n"
    "driver the changes are its upper dir; with btrfs and copy, what differs\n"
    "from its image, compared file by file (Docker's naive diff).  The\n"
    "container's Cmd, Entrypoint, Env, WorkingDir, User and Healthcheck go into\n"
    "the config, with a history entry.  Prints the new image ID.\n"
    "\n"
    "Options:\n"
    "  -a, --author string    author (\"Name <mail>\")\n"
    "  -c, --change list      apply a Dockerfile instruction to the config\n"
    "                         (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME,\n"
    "                         WORKDIR, STOPSIGNAL)\n"
    "  -m, --message string   commit message (history comment)\n"
    "      --compress string  gzip[:LEVEL]|zstd[:LEVEL]|none (default gzip:1: the\n"
    "                         fastest level, 1 MiB blocks compressed in parallel,\n"
    "                         incompressible data stored; gzip alone means level 6)\n"
    "  -q, --quiet            print nothing but the ID\n"
    "  -p, --pause            accepted for Docker's scripts, but ignored: the\n"
    "                         container runs on while its changes are read (stop\n"
    "                         it first for a consistent snapshot)\n";

int commit_main(int argc, char **argv)
{
    enum { O_AUTHOR = 'a', O_PAUSE = 'p' };
    static const sbc_option opts[] = {
        {"author", 'a', SBC_OPT_ARG, O_AUTHOR}, BUILD_OPTIONS, {"pause", 'p', SBC_OPT_NOARG, O_PAUSE}, {0},
    };
    build_cli b;
    build_cli_init(&b, argc);
    const char *author = NULL;
    sbc_opts o;
    int c;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts)))
        if (c == O_AUTHOR)
            author = o.arg;
        else
            build_cli_opt(&b, c, &o);
    sbc_opt_operands(&o, 1, 2);
    /* gzip like init/import, but at level 1 unless asked: a commit is
     * interactive.  With lib/image/tarw.c's parallel writer a 100 MB random change
     * takes ~0.5 s (uncompressed ~0.37 s, gzip:6 ~0.7 s); on compressible
     * data level 1 is ~2.4x faster than 6 for a ~10% bigger blob.  push and
     * save send the blob as stored. */
    if (!b.comp_set)
        b.to.level = 1; /* default: gzip:1 */
    sbc_store s;
    int rc = build_cli_begin(&b, &o, 1, &s);
    if (rc)
        return rc;
    sbc_err e = {0};
    sbc_build_ctr ct;
    sbc_newlayer nl;
    int isc = sbc_container_for_commit(&s, o.rest[0], &ct, &e);
    rc = -1;
    if (isc == 0)
        sbc_err_set(&e, 0, "No such container: %s", o.rest[0]);
    if (isc > 0) {
        /* the runtime's bind-mount targets are not the container's changes */
        static const char *const skip[] = {"etc/hostname", "etc/hosts", "etc/resolv.conf", NULL};
        b.to.exclude = skip;
        rc = sbc_build_layer_ctr(&s, &ct, &b.to, &nl, &e);
    }
    rc = build_cli_finish(&b, &s, rc, &nl, isc > 0 ? &ct.img : NULL, isc > 0 ? ct.fields : NULL,
                          isc > 0 ? ct.cmdline : NULL, b.message, author, &e);
    if (isc > 0)
        sbc_build_ctr_free(&ct);
    return rc;
}
