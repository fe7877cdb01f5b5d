/* Unit tests for err, io, opt, json, arena and time. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "base/io.h"
#include "base/json.h"
#include "opt.h"
#include "unit.h"

TEST(err_set_and_wrap)
{
    sbc_err e = {0};
    CHECK_INT(sbc_err_set(&e, 0, "manifest unknown"), -1);
    CHECK_INT(e.code, 125);
    sbc_err_wrap(&e, "%s", "docker.io/library/alpine");
    CHECK_STR(e.msg, "docker.io/library/alpine: manifest unknown");
    errno = ENOENT;
    sbc_err_sys(&e, "open %s", "x");
    CHECK_STR(e.msg, "open x: No such file or directory");
    CHECK_INT(e.errnum, ENOENT);
}

TEST(io_atomic_write_and_read)
{
    sbc_err e = {0};
    char p[512];
    snprintf(p, sizeof p, "%s/a.txt", unit_tmpdir());
    CHECK_INT(sbc_write_atomic_durable(AT_FDCWD, p, "hello", 5, 0600, &e), 0);
    size_t n = 0;
    char *s = sbc_read_file(AT_FDCWD, p, 100, &n, &e);
    CHECK_STR(s, "hello");
    CHECK_INT(n, 5);
    free(s);
    struct stat st;
    CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(sbc_read_file(AT_FDCWD, p, 3, NULL, &e) == NULL); /* over the limit */
    CHECK(sbc_read_file(AT_FDCWD, "/nonexistent/x", 3, NULL, &e) == NULL);
    CHECK(strstr(e.msg, "No such file") != NULL);
}

/* Both variants replace the file whole and leave no temp file behind; a
 * failed write leaves the old content. */
TEST(io_atomic_scratch_and_durable)
{
    sbc_err e = {0};
    char d[512], p[600];
    snprintf(d, sizeof d, "%s/atomic", unit_tmpdir());
    CHECK(mkdir(d, 0755) == 0);
    snprintf(p, sizeof p, "%s/state.json", d);
    CHECK_INT(sbc_write_atomic_scratch(AT_FDCWD, p, "old", 3, 0644, &e), 0);
    CHECK_INT(sbc_write_atomic_scratch(AT_FDCWD, p, "newer", 5, 0644, &e), 0);
    char *s = sbc_read_file(AT_FDCWD, p, 100, NULL, &e);
    CHECK_STR(s, "newer");
    free(s);
    int dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CHECK(dfd >= 0);
    CHECK_INT(sbc_write_atomic_durable(dfd, "state.json", "durable", 7, 0600, &e), 0);
    s = sbc_read_file(dfd, "state.json", 100, NULL, &e);
    CHECK_STR(s, "durable");
    free(s);
    char **names;
    size_t n;
    CHECK_INT(sbc_dir_names(dfd, &names, &n), 0);
    CHECK_INT(n, 1); /* no .tmp-* left */
    sbc_names_free(names, n);
    /* the temp file cannot be made (a dir of its name is in the way) */
    char tmp[64];
    snprintf(tmp, sizeof tmp, ".tmp-%ld-state.json", (long)getpid());
    CHECK(mkdirat(dfd, tmp, 0755) == 0);
    CHECK_INT(sbc_write_atomic_scratch(dfd, "state.json", "lost", 4, 0644, &e), -1);
    CHECK_INT(sbc_write_atomic_durable(dfd, "state.json", "lost", 4, 0644, &e), -1);
    s = sbc_read_file(dfd, "state.json", 100, NULL, &e);
    CHECK_STR(s, "durable");
    free(s);
    /* the rename fails (path is a non-empty dir): the temp file is removed */
    unlinkat(dfd, tmp, AT_REMOVEDIR);
    CHECK(mkdirat(dfd, "busy", 0755) == 0 && mkdirat(dfd, "busy/x", 0755) == 0);
    CHECK_INT(sbc_write_atomic_scratch(dfd, "busy", "x", 1, 0644, &e), -1);
    CHECK_INT(sbc_dir_names(dfd, &names, &n), 0);
    CHECK_INT(n, 2); /* state.json and busy: no .tmp-* left */
    sbc_names_free(names, n);
    close(dfd);
}

TEST(io_full_rw_pipe)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK_INT(sbc_write_full(fds[1], "abcdef", 6), 0);
    close(fds[1]);
    char b[16];
    CHECK_INT(sbc_read_full(fds[0], b, sizeof b), 6);
    close(fds[0]);
}

TEST(io_mkdir_p_and_rm_rf)
{
    sbc_err e = {0};
    char p[512], q[512];
    snprintf(p, sizeof p, "%s/x/y/z", unit_tmpdir());
    CHECK_INT(sbc_mkdir_p(p, 0755, &e), 0);
    CHECK_INT(sbc_mkdir_p(p, 0755, &e), 0);
    snprintf(q, sizeof q, "%s/x/y/link", unit_tmpdir());
    CHECK(symlink("/etc", q) == 0); /* rm -rf must not follow it */
    snprintf(q, sizeof q, "%s/x", unit_tmpdir());
    CHECK_INT(sbc_rm_rf(AT_FDCWD, q, &e), 0);
    CHECK(access(q, F_OK) < 0);
    CHECK(access("/etc/passwd", F_OK) == 0);
    CHECK_INT(sbc_rm_rf(AT_FDCWD, q, &e), 0); /* missing is fine */
}

TEST(buf_printf)
{
    sbc_buf b = {0};
    for (int i = 0; i < 1000; i++)
        sbc_buf_printf(&b, "%d,", i);
    CHECK(b.len > 3000);
    CHECK(!strncmp(b.data, "0,1,2,", 6));
    sbc_buf_free(&b);
}

enum { O_I = 'i', O_T = 't', O_E = 'e', O_NAME = 256, O_RM };
static const sbc_option topts[] = {
    {"interactive", 'i', SBC_OPT_NOARG, O_I},
    {"tty", 't', SBC_OPT_NOARG, O_T},
    {"env", 'e', SBC_OPT_ARG, O_E},
    {"name", 0, SBC_OPT_ARG, O_NAME},
    {"rm", 0, SBC_OPT_NOARG, O_RM},
    {0},
};

TEST(opt_docker_style)
{
    char *argv[] = {"run", "-it", "--name=x", "-e", "A=1", "-eB=2", "--env", "C=3",
                    "--rm=false", "img", "cmd", "-e", NULL};
    sbc_opts o;
    sbc_opts_init(&o, 12, argv, 0);
    int i = 0, t = 0, rm = -1, c;
    const char *name = NULL, *env[3] = {0};
    int ne = 0;
    while ((c = sbc_opt_next(&o, topts))) {
        switch (c) {
        case O_I: i = 1; break;
        case O_T: t = 1; break;
        case O_NAME: name = o.arg; break;
        case O_E: if (ne < 3) env[ne++] = o.arg; break;
        case O_RM: rm = sbc_opt_bool(&o); break;
        }
    }
    CHECK(i && t);
    CHECK_STR(name, "x");
    CHECK_INT(ne, 3);
    CHECK_STR(env[0], "A=1");
    CHECK_STR(env[1], "B=2");
    CHECK_STR(env[2], "C=3");
    CHECK_INT(rm, 0);
    CHECK_INT(o.nrest, 3);
    CHECK_STR(o.rest[0], "img");
    CHECK_STR(o.rest[2], "-e"); /* after the image: the container's */
}

TEST(opt_interspersed_and_dashdash)
{
    char *argv[] = {"rm", "a", "-i", "b", "--", "-t", NULL};
    sbc_opts o;
    sbc_opts_init(&o, 6, argv, 1);
    int c, i = 0, t = 0;
    while ((c = sbc_opt_next(&o, topts))) {
        if (c == O_I) i = 1;
        if (c == O_T) t = 1;
    }
    CHECK(i && !t);
    CHECK_INT(o.nrest, 3);
    CHECK_STR(o.rest[0], "a");
    CHECK_STR(o.rest[1], "b");
    CHECK_STR(o.rest[2], "-t");
}

TEST(json_getters_hostile)
{
    sbc_err e = {0};
    const char *s = "{\"a\":\"x\",\"n\":1e300,\"o\":{\"b\":true},\"arr\":[1]}";
    cJSON *j = sbc_json_parse(s, strlen(s), "cfg", &e);
    CHECK(j != NULL);
    CHECK_STR(sbc_json_str(j, "a"), "x");
    CHECK(sbc_json_str(j, "n") == NULL);
    CHECK_INT(sbc_json_int(j, "n", 7), 7); /* out of range -> default */
    CHECK_INT(sbc_json_bool(sbc_json_obj(j, "o"), "b", 0), 1);
    CHECK(sbc_json_obj(j, "arr") == NULL);
    CHECK(sbc_json_arr(j, "arr") != NULL);
    cJSON_Delete(j);
    CHECK(sbc_json_parse("{\"a\":", 5, "manifest", &e) == NULL);
    CHECK(strncmp(e.msg, "manifest: invalid JSON", 22) == 0);
}

#include <stdint.h>
#include <stdlib.h>
#include "base/arena.h"

/* The arena in front of malloc (a no-op in the glibc/sanitizer build): the
 * usual malloc contract, alignment, zeroed calloc, realloc keeping the
 * contents, and the fall-back to musl's malloc once it is used up. */
TEST(arena_malloc)
{
    CHECK_INT(sbc_arena_init(64 << 10), 0);
    char *a = malloc(10);
    CHECK(a && ((uintptr_t)a & 15) == 0);
    memset(a, 'x', 10);
    unsigned char *b = calloc(100, 4);
    CHECK(b != NULL);
    int zero = 1;
    for (int i = 0; b && i < 400; i++)
        zero &= b[i] == 0;
    CHECK(zero);
    char *c = realloc(a, 5000);
    CHECK(c && !memcmp(c, "xxxxxxxxxx", 10));
    char *d = realloc(c, 3); /* shrinking keeps the contents */
    CHECK(d && d[0] == 'x' && d[2] == 'x');
    free(b);
    free(d);
    free(NULL);
    void *p[100];
    int ok = 1;
    for (int i = 0; i < 100; i++) { /* 400 KiB: well past the arena */
        p[i] = malloc(4096);
        if (!p[i] || ((uintptr_t)p[i] & 15))
            ok = 0;
        else
            memset(p[i], i, 4096);
    }
    for (int i = 0; i < 100; i++)
        if (p[i] && ((unsigned char *)p[i])[4095] != (unsigned char)i)
            ok = 0;
    CHECK(ok);
    for (int i = 0; i < 100; i++)
        free(p[i]);
#ifdef SBC_ARENA
    volatile size_t huge = SIZE_MAX / 2; /* (volatile: no compile-time warning) */
    CHECK(calloc(huge, 4) == NULL);      /* (ASan aborts on this one instead) */
    CHECK(sbc_arena_used() > 5000 && sbc_arena_used() <= (64 << 10));
#endif
}

#include "base/time.h"

TEST(time_fmt_and_now)
{
    char b[SBC_TIME_MAX];
    struct timespec t = {1704164645, 5};
    CHECK_STR(sbc_time_fmt(b, &t, 0), "2024-01-02T03:04:05Z");
    CHECK_STR(sbc_time_fmt(b, &t, SBC_TIME_NSEC), "2024-01-02T03:04:05.000000005Z");
    t.tv_nsec = 0;
    CHECK_STR(sbc_time_fmt(b, &t, SBC_TIME_NSEC), "2024-01-02T03:04:05.000000000Z");
    struct timespec now;
    CHECK_INT(sbc_time_parse(sbc_time_now(b, SBC_TIME_NSEC), &now), 0);
    CHECK(now.tv_sec > 1600000000 && strlen(b) == 30);
    CHECK_INT(strlen(sbc_time_now(b, 0)), 20);
    setenv("SOURCE_DATE_EPOCH", "1704164645", 1);
    CHECK_STR(sbc_time_now(b, SBC_TIME_NSEC | SBC_TIME_SOURCE_DATE), "2024-01-02T03:04:05Z");
    CHECK_INT(strlen(sbc_time_now(b, SBC_TIME_NSEC)), 30); /* not asked: the clock */
    setenv("SOURCE_DATE_EPOCH", "12x", 1);                  /* not a number: the clock */
    CHECK_INT(sbc_source_date_epoch(), -1);
    CHECK_INT(strlen(sbc_time_now(b, SBC_TIME_NSEC | SBC_TIME_SOURCE_DATE)), 30);
    setenv("SOURCE_DATE_EPOCH", "-5", 1);
    CHECK_INT(sbc_source_date_epoch(), -1);
    setenv("SOURCE_DATE_EPOCH", "0", 1);
    CHECK_INT(sbc_source_date_epoch(), 0);
    unsetenv("SOURCE_DATE_EPOCH");
    CHECK_INT(sbc_source_date_epoch(), -1);
}

TEST(time_parse)
{
    struct timespec t;
    CHECK_INT(sbc_time_parse("2024-01-02T03:04:05Z", &t), 0);
    CHECK_INT(t.tv_sec, 1704164645);
    CHECK_INT(t.tv_nsec, 0);
    CHECK_INT(sbc_time_parse("2024-01-02T03:04:05.5Z", &t), 0);
    CHECK_INT(t.tv_nsec, 500000000);
    CHECK_INT(sbc_time_parse("2024-01-02T03:04:05.1234567891234Z", &t), 0);
    CHECK_INT(t.tv_nsec, 123456789);
    CHECK_INT(sbc_time_parse("2024-01-02T04:04:05.000000001+01:00", &t), 0);
    CHECK_INT(t.tv_sec, 1704164645);
    CHECK_INT(t.tv_nsec, 1);
    CHECK_INT(sbc_time_parse("2024-01-02T01:34:05-01:30", &t), 0);
    CHECK_INT(t.tv_sec, 1704164645);
    CHECK_INT(sbc_time_parse("2024-01-02T03:04:05", &t), 0); /* no zone: UTC */
    CHECK_INT(t.tv_sec, 1704164645);
    CHECK_INT(sbc_time_parse("1970-01-01T00:00:00Z", &t), 0);
    CHECK_INT(t.tv_sec, 0);
    CHECK_INT(sbc_time_parse("0001-01-01T00:00:00Z", &t), 0); /* Go's zero time */
    CHECK(t.tv_sec < 0);
    /* one failure convention: -1 and {0, 0} */
    static const char *const bad[] = {
        "", "2024", "2024-01-02", "2024-01-02 03:04:05Z", "2024-1-02T03:04:05Z",
        "2024-13-02T03:04:05Z", "2024-00-02T03:04:05Z", "2024-01-32T03:04:05Z",
        "2024-01-02T24:04:05Z", "2024-01-02T03:60:05Z", "2024-01-02T03:04:61Z",
        "2024-01-02T03:04:05+1:00", "2024-01-02T03:04:05+01", "2024-01-02T03:04:05X",
        "2024-01-02T03:04:05.5junk", "+024-01-02T03:04:05Z", " 2024-01-02T03:04:05Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t.tv_sec = t.tv_nsec = 7;
        if (sbc_time_parse(bad[i], &t) != -1 || t.tv_sec || t.tv_nsec) {
            fprintf(stderr, "  taken: \"%s\"\n", bad[i]);
            CHECK(0);
        }
    }
    CHECK_INT(sbc_time_parse(NULL, &t), -1);
    /* what sbc writes reads back */
    char b[SBC_TIME_MAX];
    struct timespec u = {1704164645, 123456789};
    CHECK_INT(sbc_time_parse(sbc_time_fmt(b, &u, SBC_TIME_NSEC), &t), 0);
    CHECK(t.tv_sec == u.tv_sec && t.tv_nsec == u.tv_nsec);
}

TEST(go_duration)
{
    static const struct {
        const char *s;
        long long ns;
        const char *str; /* Go's String() */
    } d[] = {
        {"0", 0, "0s"}, {"30s", 30000000000LL, "30s"}, {"1m30s", 90000000000LL, "1m30s"},
        {"500ms", 500000000, "500ms"}, {"1.5s", 1500000000, "1.5s"}, {"1h", 3600000000000LL, "1h0m0s"},
        {"1.5h", 5400000000000LL, "1h30m0s"}, {"2m", 120000000000LL, "2m0s"}, {"1ms", 1000000, "1ms"},
        {"10us", 10000, "0.01ms"}, {"3h2m1.25s", 10921250000000LL, "3h2m1.25s"}, {".5s", 500000000, "500ms"},
    };
    char b[40];
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        long long ns = -7;
        if (sbc_go_duration(d[i].s, &ns) != 0 || ns != d[i].ns)
            fprintf(stderr, "  %s: %lld\n", d[i].s, ns);
        CHECK_INT(ns, d[i].ns);
        sbc_go_duration_str(d[i].ns, b, sizeof b);
        CHECK_STR(b, d[i].str);
    }
    static const char *const bad[] = {"", "10", "1x", "s", "-1s", "+1s", "1s ", " 1s", "1.2.3s", "1e3s", "9999999999h"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long long ns;
        if (sbc_go_duration(bad[i], &ns) != -1) {
            fprintf(stderr, "  taken: \"%s\"\n", bad[i]);
            CHECK(0);
        }
    }
    CHECK_INT(sbc_go_duration(NULL, &(long long){0}), -1);
}

TEST(time_human)
{
    static const struct {
        long long s;
        const char *want;
    } d[] = {
        {-5, "Less than a second"}, {0, "Less than a second"}, {1, "1 second"},
        {59, "59 seconds"}, {60, "About a minute"}, {119, "About a minute"},
        {120, "2 minutes"}, {3599, "59 minutes"}, {3600, "About an hour"},
        {7199, "About an hour"}, {7200, "2 hours"}, {48 * 3600 - 1, "47 hours"},
        {48 * 3600, "2 days"}, {14 * 86400 - 1, "13 days"}, {14 * 86400, "2 weeks"},
        {60 * 86400 - 1, "8 weeks"}, {60 * 86400, "2 months"}, {400 * 86400, "13 months"},
        {730 * 86400 - 1, "24 months"}, {730 * 86400, "2 years"},
    };
    char b[64];
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        sbc_human_duration(d[i].s, b, sizeof b);
        CHECK_STR(b, d[i].want);
    }
    char t[SBC_TIME_MAX];
    struct timespec then = {time(NULL) - 3 * 3600 - 5, 0};
    sbc_human_since(sbc_time_fmt(t, &then, SBC_TIME_NSEC), b, sizeof b);
    CHECK_STR(b, "3 hours ago");
    sbc_human_since("0001-01-01T00:00:00Z", b, sizeof b);
    CHECK_STR(b, "N/A");
    sbc_human_since("yesterday", b, sizeof b);
    CHECK_STR(b, "N/A");
    sbc_human_since(NULL, b, sizeof b);
    CHECK_STR(b, "N/A");
    static const struct {
        long long n;
        const char *want;
    } z[] = {
        {0, "0B"}, {999, "999B"}, {1000, "1kB"}, {4260000, "4.26MB"}, {1234567890, "1.23GB"},
        {2500000000000LL, "2.5TB"},
    };
    for (size_t i = 0; i < sizeof z / sizeof z[0]; i++) {
        sbc_human_size(z[i].n, b, sizeof b);
        CHECK_STR(b, z[i].want);
    }
}

#include "base/path.h"

/* The normaliser of layer entries and archive members: nothing climbs out. */
TEST(path_norm)
{
    static const struct {
        const char *in, *want; /* want NULL: EXDEV */
    } c[] = {
        {"a/b", "a/b"}, {"./a//b/../c", "a/c"}, {"/etc/passwd", "etc/passwd"},
        {"//a///b//", "a/b"}, {"", ""}, {".", ""}, {"./", ""}, {"/", ""}, {"a/..", ""},
        {"a/b/..", "a"}, {"...", "..."}, {"a/..b", "a/..b"}, {"..a/b", "..a/b"},
        {".hidden/.", ".hidden"}, {"a/./b/./", "a/b"}, {"a/b/../../c", "c"},
        {"..", NULL}, {"../x", NULL}, {"a/../../x", NULL}, {"/..", NULL}, {"/../etc", NULL},
        {"a/b/../../..", NULL}, {"./../a", NULL}, {"a/../b/../..", NULL},
    };
    char out[64];
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        errno = 0;
        int r = sbc_path_norm(c[i].in, out, sizeof out);
        if (c[i].want) {
            CHECK_INT(r, 0);
            CHECK_STR(out, c[i].want);
        } else if (r != -1 || errno != EXDEV) {
            fprintf(stderr, "  \"%s\" did not escape\n", c[i].in);
            CHECK(0);
        }
    }
    /* exactly fits, one too long */
    CHECK_INT(sbc_path_norm("/abc/d", out, 6), 0);
    CHECK_STR(out, "abc/d");
    errno = 0;
    CHECK_INT(sbc_path_norm("abc/de", out, 6), -1);
    CHECK_INT(errno, ENAMETOOLONG);
    CHECK_INT(sbc_path_norm("x/../abcde", out, 6), 0); /* what is dropped does not count */
    CHECK_STR(out, "abcde");
    CHECK_INT(sbc_path_norm("", out, 1), 0);
    CHECK_STR(out, "");
    CHECK_INT(sbc_path_norm("a", out, 0), -1);
}

/* sbc_rm_rf_hook: the hook removes what it claims (as rootfs destroys a
 * btrfs subvolume), the walk empties the rest. */
static int rm_hook(int dfd, const char *name, int fd, void *arg)
{
    (*(int *)arg)++;
    if (strcmp(name, "sub"))
        return 0;
    sbc_err e = {0};
    return sbc_rm_rf(dfd, name, &e) == 0 ? 1 : -1;
}

TEST(io_rm_rf_hook)
{
    sbc_err e = {0};
    char p[512];
    snprintf(p, sizeof p, "%s/h/a/sub/deep", unit_tmpdir());
    CHECK_INT(sbc_mkdir_p(p, 0755, &e), 0);
    snprintf(p, sizeof p, "%s/h/a/f", unit_tmpdir());
    CHECK_INT(sbc_write_atomic_scratch(AT_FDCWD, p, "x", 1, 0644, &e), 0);
    int calls = 0;
    snprintf(p, sizeof p, "%s/h", unit_tmpdir());
    CHECK_INT(sbc_rm_rf_hook(AT_FDCWD, p, rm_hook, &calls, &e), 0);
    CHECK_INT(calls, 3); /* h, a, sub: not sub/deep */
    CHECK(access(p, F_OK) < 0);
}

#include "base/links.h"

TEST(links_map)
{
    sbc_links l = {0};
    CHECK(sbc_links_find(&l, 1, 2) == NULL);
    for (int i = 0; i < 100; i++) {
        char p[16];
        snprintf(p, sizeof p, "f%d", i);
        sbc_links_add(&l, 1, (ino_t)i, p);
    }
    CHECK_STR(sbc_links_find(&l, 1, 42), "f42");
    CHECK(sbc_links_find(&l, 2, 42) == NULL); /* another device */
    sbc_links_clear(&l);
    CHECK(sbc_links_find(&l, 1, 42) == NULL);
    sbc_links_add(&l, 3, 4, "again");
    CHECK_STR(sbc_links_find(&l, 3, 4), "again");
    sbc_links_free(&l);
}
