/* Unit tests for lib/image/buildcache: the build cache's index (get, put,
 * stale and garbage entries, bad keys, ids, drop, concurrent puts). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/io.h"
#include "image/buildcache.h"
#include "image/imgbuild.h"
#include "unit.h"

#define K1 "1111111111111111111111111111111111111111111111111111111111111111"
#define K2 "2222222222222222222222222222222222222222222222222222222222222222"
#define K3 "3333333333333333333333333333333333333333333333333333333333333333"
#define K4 "4444444444444444444444444444444444444444444444444444444444444444"
#define HA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HB "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HC "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define IA "sha256:" HA
#define IB "sha256:" HB
#define IC "sha256:" HC

/* A store of its own (SBC_ROOT) per test, with image records for a, b. */
static int bc_open(sbc_store *s, const char *name)
{
    char root[512];
    snprintf(root, sizeof root, "%s/bc-%s", unit_tmpdir(), name);
    setenv("SBC_ROOT", root, 1);
    sbc_err e = {0};
    if (sbc_store_open(s, &e) < 0) {
        fprintf(stderr, "  store: %s\n", e.msg);
        return -1;
    }
    sbc_write_atomic_scratch(s->fd, "images/" HA ".json", "{}", 2, 0600, &e);
    sbc_write_atomic_scratch(s->fd, "images/" HB ".json", "{}", 2, 0600, &e);
    return 0;
}

static void put_raw(sbc_store *s, const char *key, const char *data)
{
    sbc_err e = {0};
    mkdirat(s->fd, "build-cache", 0700);
    char rel[300];
    snprintf(rel, sizeof rel, "build-cache/%s", key);
    CHECK(sbc_write_atomic_scratch(s->fd, rel, data, strlen(data), 0600, &e) == 0);
}

static int entry_exists(sbc_store *s, const char *key)
{
    char rel[300];
    struct stat st;
    snprintf(rel, sizeof rel, "build-cache/%s", key);
    return fstatat(s->fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

TEST(bcache_put_get)
{
    sbc_store s;
    if (bc_open(&s, "putget") < 0) {
        CHECK(0);
        return;
    }
    sbc_err e = {0};
    char id[SBC_DIGEST_SIZE] = "x";
    CHECK_INT(sbc_bcache_get(&s, K1, id), 0); /* no cache yet */
    CHECK_INT(id[0], 0);
    CHECK_INT(sbc_bcache_put(&s, K1, IA, &e), 0);
    CHECK_INT(sbc_bcache_get(&s, K1, id), 1);
    CHECK_STR(id, IA);
    CHECK_INT(sbc_bcache_get(&s, K2, id), 0);
    /* the entry as documented, the dir and file ours alone */
    size_t len = 0;
    char *raw = sbc_read_file(s.fd, "build-cache/" K1, 4096, &len, &e);
    CHECK_STR(raw, IA "\n");
    free(raw);
    struct stat st;
    CHECK(fstatat(s.fd, "build-cache", &st, 0) == 0 && (st.st_mode & 07777) == 0700);
    CHECK(fstatat(s.fd, "build-cache/" K1, &st, 0) == 0 && (st.st_mode & 07777) == 0600);
    /* put replaces */
    CHECK_INT(sbc_bcache_put(&s, K1, IB, &e), 0);
    CHECK_INT(sbc_bcache_get(&s, K1, id), 1);
    CHECK_STR(id, IB);
    sbc_store_close(&s);
}

TEST(bcache_bad_keys)
{
    sbc_store s;
    if (bc_open(&s, "badkeys") < 0) {
        CHECK(0);
        return;
    }
    static const char *const bad[] = {
        "", "abc", K1 "1", "111111111111111111111111111111111111111111111111111111111111111",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "g111111111111111111111111111111111111111111111111111111111111111",
        "../images/" HA ".jso", "sha256:" HA, NULL};
    char id[SBC_DIGEST_SIZE];
    for (int i = 0; bad[i]; i++) {
        sbc_err e = {0};
        CHECK_INT(sbc_bcache_put(&s, bad[i], IA, &e), -1);
        CHECK(strstr(e.msg, "invalid key") != NULL);
        CHECK_INT(sbc_bcache_get(&s, bad[i], id), 0);
    }
    sbc_err e = {0};
    CHECK_INT(sbc_bcache_put(&s, NULL, IA, &e), -1);
    CHECK_INT(sbc_bcache_get(&s, NULL, id), 0);
    /* and a bad image ID */
    CHECK_INT(sbc_bcache_put(&s, K1, "sha256:abc", &e), -1);
    CHECK_INT(sbc_bcache_put(&s, K1, HA, &e), -1);
    CHECK(!entry_exists(&s, K1));
    /* the good key the bad ones were made from works */
    CHECK_INT(sbc_bcache_put(&s, K1, IA, &e), 0);
    CHECK_INT(sbc_bcache_get(&s, K1, id), 1);
    sbc_store_close(&s);
}

TEST(bcache_stale_and_garbage)
{
    sbc_store s;
    if (bc_open(&s, "stale") < 0) {
        CHECK(0);
        return;
    }
    sbc_err e = {0};
    char id[SBC_DIGEST_SIZE];
    /* an entry naming an image that is gone: a miss, and removed */
    CHECK_INT(sbc_bcache_put(&s, K1, IC, &e), 0);
    CHECK(entry_exists(&s, K1));
    CHECK_INT(sbc_bcache_get(&s, K1, id), 0);
    CHECK(!entry_exists(&s, K1));
    /* the same entry is a hit while the record is there, a miss after */
    CHECK_INT(sbc_bcache_put(&s, K2, IB, &e), 0);
    CHECK_INT(sbc_bcache_get(&s, K2, id), 1);
    CHECK(unlinkat(s.fd, "images/" HB ".json", 0) == 0);
    CHECK_INT(sbc_bcache_get(&s, K2, id), 0);
    CHECK(!entry_exists(&s, K2));
    /* garbage of every shape: misses, removed */
    static const char *const junk[] = {"", "junk", IA "\n\n", IA "x", "sha256:" HA "\nsha256:" HA,
                                       "sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                       "sha256:aaaa\n", "sha512:" HA, NULL};
    for (int i = 0; junk[i]; i++) {
        put_raw(&s, K3, junk[i]);
        CHECK_INT(sbc_bcache_get(&s, K3, id), 0);
        CHECK(!entry_exists(&s, K3));
    }
    /* no newline is taken */
    put_raw(&s, K3, IA);
    CHECK_INT(sbc_bcache_get(&s, K3, id), 1);
    CHECK_STR(id, IA);
    /* a symlink is not followed, a directory is no entry */
    CHECK(symlinkat("../images/" HA ".json", s.fd, "build-cache/" K4) == 0);
    CHECK_INT(sbc_bcache_get(&s, K4, id), 0);
    CHECK(!entry_exists(&s, K4));
    CHECK(mkdirat(s.fd, "build-cache/" K4, 0700) == 0);
    CHECK_INT(sbc_bcache_get(&s, K4, id), 0);
    sbc_store_close(&s);
}

TEST(bcache_ids_drop)
{
    sbc_store s;
    if (bc_open(&s, "ids") < 0) {
        CHECK(0);
        return;
    }
    sbc_err e = {0};
    char **ids = NULL;
    size_t n = 9;
    CHECK_INT(sbc_bcache_ids(&s, &ids, &n, &e), 0); /* no build-cache/ */
    CHECK_INT(n, 0);
    sbc_names_free(ids, n);
    CHECK_INT(sbc_bcache_drop(&s, NULL), 0);
    CHECK_INT(sbc_bcache_put(&s, K1, IB, &e), 0);
    CHECK_INT(sbc_bcache_put(&s, K2, IA, &e), 0);
    CHECK_INT(sbc_bcache_put(&s, K3, IB, &e), 0);
    CHECK_INT(sbc_bcache_put(&s, K4, IC, &e), 0); /* stale */
    put_raw(&s, "notakey", IA "\n");           /* not an entry */
    put_raw(&s, ".tmp-1-" K1, IC "\n");        /* a put under way */
    CHECK_INT(sbc_bcache_ids(&s, &ids, &n, &e), 0);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(ids[0], IA); /* distinct and sorted */
        CHECK_STR(ids[1], IB);
    }
    CHECK(sbc_bcache_has(ids, n, IA) && sbc_bcache_has(ids, n, IB));
    CHECK(!sbc_bcache_has(ids, n, IC) && !sbc_bcache_has(ids, n, NULL));
    sbc_names_free(ids, n);
    /* drop by image: only the entries naming it */
    CHECK_INT(sbc_bcache_drop(&s, IB), 2);
    CHECK(!entry_exists(&s, K1) && !entry_exists(&s, K3));
    CHECK(entry_exists(&s, K2) && entry_exists(&s, K4));
    CHECK_INT(sbc_bcache_drop(&s, IB), 0);
    /* drop all: every entry, the temp file of a put under way stays */
    CHECK_INT(sbc_bcache_drop(&s, NULL), 3);
    CHECK(!entry_exists(&s, K2) && !entry_exists(&s, K4) && !entry_exists(&s, "notakey"));
    CHECK(entry_exists(&s, ".tmp-1-" K1));
    CHECK_INT(sbc_bcache_ids(&s, &ids, &n, &e), 0);
    CHECK_INT(n, 0);
    sbc_names_free(ids, n);
    sbc_store_close(&s);
}

/* Builds at once: writers replacing one entry never let a reader see a
 * part of it (every get after the first put is a hit naming one of the
 * images written). */
TEST(bcache_concurrent)
{
    sbc_store s;
    if (bc_open(&s, "conc") < 0) {
        CHECK(0);
        return;
    }
    sbc_err e = {0};
    CHECK_INT(sbc_bcache_put(&s, K1, IA, &e), 0);
    pid_t kids[4];
    for (int k = 0; k < 4; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            sbc_err ce = {0};
            for (int i = 0; i < 300; i++)
                if (sbc_bcache_put(&s, K1, (i + k) % 2 ? IA : IB, &ce) < 0)
                    _exit(1);
            _exit(0);
        }
    }
    int misses = 0, odd = 0;
    for (int i = 0; i < 1500; i++) {
        char id[SBC_DIGEST_SIZE];
        if (!sbc_bcache_get(&s, K1, id))
            misses++;
        else if (strcmp(id, IA) && strcmp(id, IB))
            odd++;
    }
    for (int k = 0; k < 4; k++) {
        int st = -1;
        CHECK(kids[k] > 0 && waitpid(kids[k], &st, 0) == kids[k] && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    CHECK_INT(misses, 0);
    CHECK_INT(odd, 0);
    sbc_store_close(&s);
}

/* sbc-build's order: the step image and its entry under one store lock,
 * which sbc_build_image keeps when the caller holds it (and still takes
 * and drops itself otherwise). */
TEST(bcache_build_under_lock)
{
    sbc_store s;
    if (bc_open(&s, "lock") < 0) {
        CHECK(0);
        return;
    }
    sbc_err e = {0};
    static const char cfg1[] = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"history\":[{\"created_by\":\"one\"}]}";
    static const char cfg2[] = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"history\":[{\"created_by\":\"two\"}]}";
    char id[SBC_DIGEST_SIZE] = "", got[SBC_DIGEST_SIZE];
    CHECK_INT(sbc_store_lock(&s, &e), 0);
    CHECK_INT(sbc_build_image(&s, cfg1, sizeof cfg1 - 1, NULL, 0, NULL, 0, id, &e), 0);
    CHECK(s.lockfd >= 0); /* still held */
    CHECK_INT(sbc_bcache_put(&s, K1, id, &e), 0);
    sbc_store_unlock(&s);
    CHECK_INT(sbc_bcache_get(&s, K1, got), 1);
    CHECK_STR(got, id);
    CHECK_INT(sbc_build_image(&s, cfg2, sizeof cfg2 - 1, NULL, 0, NULL, 0, id, &e), 0);
    CHECK(s.lockfd < 0); /* taken and dropped */
    sbc_store_close(&s);
}
