/* hooks.c - running OCI hooks (see hooks.h). */
#include "runtime/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/io.h"
#include "base/json.h"

static const char *const kinds[] = {"prestart", "createRuntime", "createContainer",
                                    "startContainer", "poststart", "poststop"};

static int strings(const cJSON *a, const char *kind, const char *what, sbc_err *e)
{
    const cJSON *it;
    if (!a)
        return 0;
    if (!cJSON_IsArray(a))
        return sbc_err_set(e, 0, "config.json: hooks.%s: %s must be an array of strings", kind, what);
    cJSON_ArrayForEach(it, a)
        if (!cJSON_IsString(it))
            return sbc_err_set(e, 0, "config.json: hooks.%s: %s must be an array of strings", kind, what);
    return 0;
}

int sbc_hooks_check(const cJSON *hooks, sbc_err *e)
{
    const cJSON *k, *h;
    if (!hooks)
        return 0;
    if (!cJSON_IsObject(hooks))
        return sbc_err_set(e, 0, "config.json: hooks must be an object");
    cJSON_ArrayForEach(k, hooks) {
        size_t i = 0;
        while (i < sizeof kinds / sizeof *kinds && strcmp(kinds[i], k->string))
            i++;
        if (i == sizeof kinds / sizeof *kinds)
            return sbc_err_set(e, 0, "config.json: unknown hook kind hooks.%s", k->string);
        if (!cJSON_IsArray(k))
            return sbc_err_set(e, 0, "config.json: hooks.%s must be an array", k->string);
        cJSON_ArrayForEach(h, k) {
            const char *path = sbc_json_str(h, "path");
            if (!path || path[0] != '/')
                return sbc_err_set(e, 0, "config.json: hooks.%s: path must be absolute (%s)", k->string,
                                   path ? path : "missing");
            if (strings(sbc_json_arr(h, "args"), k->string, "args", e) < 0 ||
                strings(sbc_json_arr(h, "env"), k->string, "env", e) < 0)
                return -1;
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(h, "timeout");
            if (t && (!cJSON_IsNumber(t) || t->valuedouble < 1 || t->valuedouble > 86400))
                return sbc_err_set(e, 0, "config.json: hooks.%s: timeout must be a number of seconds > 0", k->string);
            const cJSON *f;
            cJSON_ArrayForEach(f, h)
                if (strcmp(f->string, "path") && strcmp(f->string, "args") && strcmp(f->string, "env") &&
                    strcmp(f->string, "timeout"))
                    return sbc_err_set(e, 0, "config.json: hooks.%s: unknown field %s", k->string, f->string);
        }
    }
    return 0;
}

static char **argv_of(const cJSON *a, const char *first)
{
    int n = cJSON_GetArraySize(a);
    char **v = calloc((size_t)n + 2, sizeof *v);
    int i = 0;
    const cJSON *it;
    if (!v)
        return NULL;
    cJSON_ArrayForEach(it, a)
        v[i++] = it->valuestring;
    if (!i && first)
        v[i++] = (char *)first;
    return v;
}

static int run_one(const cJSON *h, const char *kind, const char *state, int nspidfd, int nsflags, sbc_err *e)
{
    const char *path = sbc_json_str(h, "path");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(h, "timeout");
    int timeout = t && cJSON_IsNumber(t) ? (int)t->valuedouble : -1;
    char **argv = argv_of(sbc_json_arr(h, "args"), path), **envp = argv_of(sbc_json_arr(h, "env"), NULL);
    int p[2];
    if (!argv || !envp || pipe2(p, O_CLOEXEC) < 0) {
        free(argv);
        free(envp);
        return sbc_err_sys(e, "%s hook %s", kind, path);
    }
    pid_t c = fork();
    if (c == 0) {
        if (nspidfd >= 0 && setns(nspidfd, nsflags) < 0)
            _exit(126);
        dup2(p[0], 0);
        sbc_fds_cloexec(3);
        signal(SIGPIPE, SIG_DFL);
        execve(path, argv, envp);
        _exit(errno == ENOENT ? 127 : 126);
    }
    int err = errno;
    free(argv);
    free(envp);
    close(p[0]);
    if (c < 0) {
        close(p[1]);
        errno = err;
        return sbc_err_sys(e, "%s hook %s: fork", kind, path);
    }
    /* the state, as much as fits: a hook need not read it */
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigaction(SIGPIPE, &ign, &old);
    if (write(p[1], state, strlen(state)) < 0) {
        /* (EPIPE: the hook ended without reading) */
    }
    sigaction(SIGPIPE, &old, NULL);
    close(p[1]);
    int pfd = (int)syscall(SYS_pidfd_open, c, 0), st = 0, timed_out = 0;
    if (pfd >= 0 && timeout > 0) {
        struct pollfd q = {.fd = pfd, .events = POLLIN};
        int r;
        while ((r = poll(&q, 1, timeout * 1000)) < 0 && errno == EINTR)
            ;
        if (r == 0) {
            kill(c, SIGKILL);
            timed_out = 1;
        }
    }
    if (pfd >= 0)
        close(pfd);
    while (waitpid(c, &st, 0) < 0 && errno == EINTR)
        ;
    if (timed_out)
        return sbc_err_set(e, 0, "%s hook %s: timed out after %d s", kind, path, timeout);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
        return sbc_err_set(e, 0, "%s hook %s: no such file or directory", kind, path);
    if (WIFEXITED(st))
        return sbc_err_set(e, 0, "%s hook %s: exit status %d", kind, path, WEXITSTATUS(st));
    return sbc_err_set(e, 0, "%s hook %s: killed by signal %d", kind, path, WTERMSIG(st));
}

int sbc_hooks_run(const cJSON *hooks, const char *kind, const char *state, int nspidfd, int nsflags,
                  sbc_err *e)
{
    const cJSON *h;
    cJSON_ArrayForEach(h, sbc_json_arr(hooks, kind))
        if (run_one(h, kind, state, nspidfd, nsflags, e) < 0)
            return -1;
    return 0;
}

int sbc_hooks_run_all(const cJSON *hooks, const char *kind, const char *state, sbc_err *w)
{
    const cJSON *h;
    int rc = 0;
    cJSON_ArrayForEach(h, sbc_json_arr(hooks, kind)) {
        sbc_err e = {0};
        if (run_one(h, kind, state, -1, 0, &e) < 0 && rc == 0) {
            *w = e;
            rc = -1;
        }
    }
    return rc;
}
