/* fuzz_net.h - fake connections for the HTTP and registry harnesses.
 *
 * The harness #includes lib/registry/http.c (to reach the connection inside an
 * sbc_http) and hands sbc_http a socketpair whose other end already holds
 * the fuzzed server bytes followed by EOF.  Name lookups are interposed so
 * that nothing ever leaves the process: a redirect or token realm on
 * another host fails with "lookup ...".
 */
#ifndef SBC_FUZZ_NET_H
#define SBC_FUZZ_NET_H
#include <netdb.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

/* No DNS, no connections: every lookup fails. */
int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res)
{
    (void)node, (void)service, (void)hints;
    *res = NULL;
    return EAI_NONAME;
}

static void fuzz_net_init(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    signal(SIGPIPE, SIG_IGN);
    const char *vars[] = {"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy",
                          "NO_PROXY", "no_proxy", "SBC_HTTP_TIMEOUT", "SBC_DEBUG"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
}

/* A socketpair: returns the client end; the server end (*srv) has the
 * bytes written and its write side shut down (the client sees EOF after
 * them).  The server end stays open so the client's requests can be
 * written; close it after the exchange. */
static int fuzz_server_bytes(const void *p, size_t n, int *srv)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        abort();
    int big = 4 << 20;
    setsockopt(sv[1], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big);
    setsockopt(sv[0], SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
    setsockopt(sv[1], SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
    const char *q = p;
    while (n) {
        ssize_t k = write(sv[1], q, n);
        if (k <= 0)
            abort(); /* would block forever: keep -max_len below the buffer */
        q += k;
        n -= (size_t)k;
    }
    shutdown(sv[1], SHUT_WR);
    *srv = sv[1];
    return sv[0];
}

/* Make h believe it holds a kept-alive connection to origin ("http://host"
 * or "https://host[:port]", as conn_open formats its key) on fd. */
static void fuzz_http_attach(sbc_http *h, int fd, const char *scheme, const char *hostport)
{
    h->c.fd = fd;
    h->c.tls = NULL;
    h->c.timeout_ms = 2000;
    h->connect_ms = h->read_ms = 2000;
    snprintf(h->c.key, sizeof h->c.key, "%s://%s||0", scheme, hostport);
    snprintf(h->c.hostport, sizeof h->c.hostport, "%s", hostport);
}

#endif
