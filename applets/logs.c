/* logs.c - sbc-logs: the json-file log of a container. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "applets.h"
#include "runtime/container.h"
#include "base/io.h"
#include "base/json.h"
#include "base/time.h"
#include "opt.h"

const char logs_usage[] =
    "Usage: sbc-logs [-f] [--tail N] [-t] [--since TIME] CONTAINER\n"
    "\n"
    "Print the logs of a container (detached, or run in the foreground\n"
    "without --rm): its stdout to stdout, its stderr to stderr.\n"
    "\n"
    "Options:\n"
    "  -f, --follow        keep printing until the container exits\n"
    "  -n, --tail N        only the last N lines (default all)\n"
    "  -t, --timestamps    prefix each line with its time\n"
    "      --since TIME    only since TIME (RFC 3339, unix seconds, or 10s/5m/2h ago)\n";

static int ts_flag, follow; /* the options, for emit() and logs_one() */
static int stream_mask = 6, attach_fifo = -1, attach_code = 255, attach_log = -1; /* (logs_attach) */
static long tail = -1;
static double since;

static double parse_since(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end != s && (*end == 's' || *end == 'm' || *end == 'h') && !end[1]) {
        double mult = *end == 's' ? 1 : *end == 'm' ? 60 : 3600;
        return (double)time(NULL) - v * mult;
    }
    if (end != s && !*end)
        return v;
    struct timespec t;
    if (sbc_time_parse(s, &t) < 0)
        sbc_usage_error("invalid --since: %s", s);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Print one json-file record to its stream, unless it is older than --since. */
static void emit(const char *line, size_t len)
{
    sbc_err e;
    cJSON *j = sbc_json_parse(line, len, "log", &e);
    if (!j)
        return;
    const cJSON *lg = cJSON_GetObjectItemCaseSensitive(j, "log");
    const char *stream = sbc_json_str(j, "stream"), *t = sbc_json_str(j, "time");
    int err = stream && !strcmp(stream, "stderr");
    if (cJSON_IsString(lg) && (stream_mask & (err ? 4 : 2))) {
        struct timespec ts; /* (one that does not parse: 1970) */
        sbc_time_parse(t, &ts);
        double when = (double)ts.tv_sec + ts.tv_nsec / 1e9;
        if (!since || when >= since) {
            FILE *f = err ? stderr : stdout;
            if (ts_flag)
                fprintf(f, "%s ", t ? t : "");
            fputs(lg->valuestring, f);
            fflush(f);
        }
    }
    cJSON_Delete(j);
}

/* Whether the container id has ended (its code into attach_code: through
 * attach_fifo for a --rm one, whose record goes with it). */
static int ended(const char *root, const char *id)
{
    char b[16];
    ssize_t n = attach_fifo >= 0 ? read(attach_fifo, b, sizeof b - 1) : -1;
    if (n > 0) {
        b[n] = 0;
        attach_code = atoi(b);
        return 1;
    }
    sbc_container c2;
    sbc_err e;
    if (sbc_container_load(root, id, &c2, &e) < 0)
        return 1;
    int running = sbc_container_refresh(&c2) || (attach_fifo >= 0 && c2.state.status == SBC_CTR_CREATED);
    if (!running)
        attach_code = c2.state.exit_code;
    sbc_container_free(&c2);
    return !running;
}

static int logs_one(const char *root, const char *ref, sbc_container *ct, void *arg, sbc_err *e)
{
    char *path = sbc_container_log_path(ct);
    int fd = attach_log >= 0 ? attach_log : open(path, O_RDONLY | O_CLOEXEC);
    sbc_buf b = {0};
    size_t done = 0;
    if (fd >= 0) {
        char buf[65536];
        ssize_t r;
        while ((r = read(fd, buf, sizeof buf)) > 0)
            sbc_buf_add(&b, buf, (size_t)r);
    }
    /* --tail: start after the Nth newline from the end */
    size_t start = 0;
    if (tail >= 0) {
        long seen = 0;
        start = b.len;
        for (size_t i = b.len; i > 0; i--)
            if (b.data[i - 1] == '\n' && i != b.len && ++seen == tail) {
                start = i;
                break;
            }
        if (seen < tail)
            start = 0;
        if (tail == 0)
            start = b.len;
    }
    done = start;
    for (;;) {
        char *nl;
        while (b.len > done && (nl = memchr(b.data + done, '\n', b.len - done))) {
            emit(b.data + done, (size_t)(nl - (b.data + done)));
            done = (size_t)(nl - b.data) + 1;
        }
        if (!follow)
            break;
        char buf[65536];
        ssize_t r = fd >= 0 ? read(fd, buf, sizeof buf) : 0;
        if (r > 0) {
            sbc_buf_add(&b, buf, (size_t)r);
            continue;
        }
        if (fd < 0)
            fd = open(path, O_RDONLY | O_CLOEXEC);
        if (ended(root, ct->id)) {
            /* the monitor is done: read what is left, then stop */
            while (fd >= 0 && (r = read(fd, buf, sizeof buf)) > 0)
                sbc_buf_add(&b, buf, (size_t)r);
            follow = 0;
            continue;
        }
        struct timespec t = {0, 50 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
    if (fd >= 0)
        close(fd);
    sbc_buf_free(&b);
    free(path);
    return 0;
}

int logs_attach(const char *root, sbc_container *c, int logfd, int mask, int fifo)
{
    sbc_err e;
    stream_mask = mask, attach_fifo = fifo, attach_log = logfd, follow = 1;
    logs_one(root, c->id, c, NULL, &e);
    return attach_code;
}

int logs_main(int argc, char **argv)
{
    enum { O_SINCE = 256 };
    static const sbc_option opts[] = {
        {"follow", 'f', SBC_OPT_NOARG, 'f'}, {"tail", 'n', SBC_OPT_ARG, 'n'},
        {"timestamps", 't', SBC_OPT_NOARG, 't'}, {"since", 0, SBC_OPT_ARG, O_SINCE}, {0}};
    sbc_opts o;
    int c;
    sbc_opts_init(&o, argc, argv, 1);
    while ((c = sbc_opt_next(&o, opts))) {
        switch (c) {
        case 'f': follow = sbc_opt_bool(&o); break;
        case 't': ts_flag = sbc_opt_bool(&o); break;
        case 'n': tail = strcmp(o.arg, "all") ? atol(o.arg) : -1; break;
        case O_SINCE: since = parse_since(o.arg); break;
        }
    }
    sbc_opt_operands(&o, 1, 1);
    return sbc_container_each(o.rest, 1, logs_one, NULL);
}
