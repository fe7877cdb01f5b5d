/* usernet.c - a container's network without root (issue 13): outbound
 * through pasta or slirp4netns when the host has one, published ports
 * through sbc's own forwarder (the model is RootlessKit's "builtin" port
 * driver).
 *
 * One process per container does both, the "net keeper".  It is forked by
 * the network hook (so it exists before the container's command runs),
 * leaves the session, and lives as long as the container's init (it holds
 * its pidfd):
 *   1. on the host side it binds the published ports (-p; port 0 takes a
 *      free one) and starts pasta or slirp4netns against the init's pid;
 *   2. then it enters the container's user and network namespaces
 *      (setns: the user owns both), so a socket it makes from then on is
 *      the container's while the listeners stay the host's;
 *   3. it reports the chosen ports (or one line of error) on a pipe, and
 *      relays: each TCP connection accepted on the host gets a socket of
 *      the container connected to its 127.0.0.1:PORT and bytes are copied
 *      both ways (half-closes kept); each UDP client address gets a socket
 *      of the container (idle flows dropped after a minute).
 * When the init exits the keeper ends pasta (recorded in net.json with its
 * start time, so a teardown finds it even after a kill -9 of the keeper);
 * slirp4netns ends by itself when the keeper's exit fd closes.
 *
 * The keeper runs no code of the container's and the container cannot see
 * it (another pid namespace); a connection it relays comes from
 * 127.0.0.1 inside, as with RootlessKit. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "base/io.h"
#include "base/json.h"
#include "net/netint.h"

#define KEEP_MAX_TCP 512
#define KEEP_MAX_UDP 256
#define KEEP_BUF 16384
#define UDP_IDLE_SECS 60

/* A line for the keeper's report pipe (or a tool's fd 2). */
static void say(int fd, const char *fmt, ...)
{
    char line[600];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0)
        sbc_write_full(fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* ---- pasta and slirp4netns ---------------------------------------------- */

/* Where name is on PATH (or a standard dir), or NULL; malloc'd. */
char *net_find_tool(const char *name)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    char *copy = sbc_xstrdup(path), *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *p = sbc_xasprintf("%s/%s", d, name);
        if (*d == '/' && access(p, X_OK) == 0) {
            free(copy);
            return p;
        }
        free(p);
    }
    free(copy);
    return NULL;
}

/* /dev/net/tun, which both tools open inside the namespace as its root
 * (the user's uid on the host): readable and writable by everyone as
 * udev makes it. */
static int tun_usable(char *why, size_t n)
{
    struct stat st;
    if (stat("/dev/net/tun", &st) < 0) {
        snprintf(why, n, "/dev/net/tun: %s", strerror(errno));
        return 0;
    }
    if (getuid() != 0 && (st.st_mode & 06) != 06) {
        snprintf(why, n, "/dev/net/tun is mode %04o, not usable by uid %u (udev makes it 0666)",
                 (unsigned)(st.st_mode & 07777), (unsigned)getuid());
        return 0;
    }
    return 1;
}

/* Run the tool's child with its fd 2 on errfd and fds 0 and 1 on
 * /dev/null; keep lists fds to leave open. */
static pid_t tool_spawn(char *const argv[], int errfd, const int *keep, int nkeep)
{
    pid_t c = fork();
    if (c != 0)
        return c;
    int nul = open("/dev/null", O_RDWR);
    dup2(nul, 0);
    dup2(nul, 1);
    dup2(errfd, 2);
    /* Everything from 3 up closes on exec, the kept ones excepted. */
    sbc_fds_cloexec(3);
    for (int i = 0; i < nkeep; i++)
        if (keep[i] >= 0)
            fcntl(keep[i], F_SETFD, 0);
    execv(argv[0], argv);
    say(2, "exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* The last line the tool wrote on its fd 2 (a pipe's read end) that is not
 * about syslog, for a message. */
static void tool_error(int fd, char *out, size_t n)
{
    char buf[2048];
    ssize_t k = read(fd, buf, sizeof buf - 1);
    buf[k > 0 ? k : 0] = 0;
    snprintf(out, n, "no message");
    for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
        if (*l && !strstr(l, "syslog"))
            snprintf(out, n, "%s", l);
}

/* pasta: it daemonizes once the namespace's interface is configured, so
 * its first process exiting 0 means ready; the daemon's pid from --pid. */
static int start_pasta(const char *tool, const int nsfd[2], const char *dir, pid_t *daemon, char *msg, size_t n)
{
    char *pidfile = sbc_xasprintf("%s/pasta.pid", dir), us[32], ns[32];
    snprintf(us, sizeof us, "/proc/self/fd/%d", nsfd[0]);
    snprintf(ns, sizeof ns, "/proc/self/fd/%d", nsfd[1]);
    /* no ports of pasta's own (sbc forwards -p), no map of the gateway to
     * the host's loopback (as slirp4netns' --disable-host-loopback); the
     * namespace by path is not watched for its end (the keeper ends it) */
    char *argv[] = {(char *)tool, "--config-net", "--no-map-gw", "-q", "-t", "none", "-u", "none", "-T", "none",
                    "-U", "none", "--no-netns-quit", "--pid", pidfile, "--netns", ns,
                    nsfd[0] >= 0 ? "--userns" : NULL, us, NULL};
    int ep[2];
    if (pipe2(ep, O_CLOEXEC) < 0) {
        free(pidfile);
        snprintf(msg, n, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t c = tool_spawn(argv, ep[1], nsfd, 2);
    close(ep[1]);
    int st = 0;
    if (c > 0)
        while (waitpid(c, &st, 0) < 0 && errno == EINTR) {}
    int r = -1;
    if (c > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        char buf[32] = "";
        int fd = open(pidfile, O_RDONLY | O_CLOEXEC);
        ssize_t k = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
        if (fd >= 0)
            close(fd);
        *daemon = k > 0 ? (pid_t)atoi(buf) : 0;
        r = *daemon > 0 ? 0 : -1;
        if (r < 0)
            snprintf(msg, n, "pasta did not write its pid");
    } else {
        char line[256];
        tool_error(ep[0], line, sizeof line);
        snprintf(msg, n, "pasta failed: %s", line);
    }
    close(ep[0]);
    unlink(pidfile);
    free(pidfile);
    return r;
}

/* slirp4netns: ready when it writes on --ready-fd; it exits when the
 * keeper's end of --exit-fd closes (the keeper's exit). */
static int start_slirp(const char *tool, const int nsfd[2], pid_t *child, char *msg, size_t n)
{
    int rp[2], xp[2], ep[2];
    if (pipe2(rp, O_CLOEXEC) < 0 || pipe2(xp, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
        snprintf(msg, n, "pipe: %s", strerror(errno));
        return -1;
    }
    char rfd[24], xfd[24], us[40], ns[32];
    snprintf(rfd, sizeof rfd, "--ready-fd=%d", rp[1]);
    snprintf(xfd, sizeof xfd, "--exit-fd=%d", xp[0]);
    snprintf(us, sizeof us, "--userns-path=/proc/self/fd/%d", nsfd[0]);
    snprintf(ns, sizeof ns, "/proc/self/fd/%d", nsfd[1]);
    char *argv[] = {(char *)tool, "--configure", "--mtu=65520", "--disable-host-loopback", rfd, xfd,
                    "--netns-type=path", ns, "tap0", NULL, NULL};
    if (nsfd[0] >= 0) { /* (before the path and the interface) */
        memmove(argv + 7, argv + 6, 3 * sizeof *argv);
        argv[6] = us;
    }
    int keep[] = {rp[1], xp[0], nsfd[0], nsfd[1]};
    *child = tool_spawn(argv, ep[1], keep, 4);
    close(rp[1]);
    close(xp[0]);
    close(ep[1]);
    char c;
    ssize_t k = *child > 0 ? read(rp[0], &c, 1) : -1;
    close(rp[0]);
    if (k == 1) {
        close(ep[0]);
        return 0; /* xp[1] stays open for the keeper's life */
    }
    char line[256];
    tool_error(ep[0], line, sizeof line);
    close(ep[0]);
    close(xp[1]);
    snprintf(msg, n, "slirp4netns failed: %s", line);
    if (*child > 0)
        waitpid(*child, NULL, 0);
    return -1;
}

/* ---- the relay ------------------------------------------------------------ */

typedef struct tcp_conn {
    int fd[2];            /* 0: the host's client, 1: the container's side */
    int connecting;
    int eof[2];           /* fd[i] has no more to read */
    size_t len[2], off[2]; /* buf[i]: read from fd[i], to write to fd[!i] */
    char buf[2][KEEP_BUF];
} tcp_conn;

typedef struct udp_flow {
    int fd;               /* the container's socket, connected */
    int lsn;              /* index of the host socket */
    struct sockaddr_storage peer;
    socklen_t plen;
    time_t last;
} udp_flow;

typedef struct keeper {
    const sbc_port *ports;
    int nports;
    int *lfd;             /* per port: its host socket */
    tcp_conn *tcp[KEEP_MAX_TCP];
    udp_flow udp[KEEP_MAX_UDP];
    int nudp;
} keeper;

static int ctr_socket(int type, uint16_t port)
{
    int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

static void tcp_close(keeper *k, int i)
{
    tcp_conn *c = k->tcp[i];
    close(c->fd[0]);
    close(c->fd[1]);
    free(c);
    k->tcp[i] = NULL;
}

static void tcp_accept(keeper *k, int p)
{
    int cfd = accept4(k->lfd[p], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (cfd < 0)
        return;
    int slot = -1;
    for (int i = 0; i < KEEP_MAX_TCP && slot < 0; i++)
        if (!k->tcp[i])
            slot = i;
    int sfd = slot >= 0 ? ctr_socket(SOCK_STREAM, k->ports[p].port) : -1;
    if (sfd < 0) {
        close(cfd);
        return;
    }
    tcp_conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(cfd);
        close(sfd);
        return;
    }
    c->fd[0] = cfd;
    c->fd[1] = sfd;
    c->connecting = 1;
    k->tcp[slot] = c;
}

/* Move what can be moved on connection i; 0 while it lives. */
static int tcp_step(tcp_conn *c, const struct pollfd *pf)
{
    if (c->connecting) {
        if (!pf[1].revents)
            return 0;
        int err = 0;
        socklen_t l = sizeof err;
        getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &err, &l);
        if (err) {
            struct linger lg = {1, 0}; /* a reset, as a refused port gives */
            setsockopt(c->fd[0], SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            return -1;
        }
        c->connecting = 0;
    }
    for (int i = 0; i < 2; i++) {
        int o = !i;
        if ((pf[i].revents & (POLLIN | POLLHUP | POLLERR)) && !c->eof[i] && c->len[i] == 0) {
            ssize_t r = read(c->fd[i], c->buf[i], KEEP_BUF);
            if (r > 0) {
                c->len[i] = (size_t)r;
                c->off[i] = 0;
            } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                c->eof[i] = 1;
                if (r < 0)
                    return -1;
            }
        }
        if (c->len[i]) {
            ssize_t w = write(c->fd[o], c->buf[i] + c->off[i], c->len[i]);
            if (w > 0) {
                c->off[i] += (size_t)w;
                c->len[i] -= (size_t)w;
            } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
                return -1;
            }
        }
        if (c->eof[i] == 1 && !c->len[i]) {
            shutdown(c->fd[o], SHUT_WR);
            c->eof[i] = 2;
        }
    }
    return c->eof[0] == 2 && c->eof[1] == 2 ? -1 : 0;
}

static void udp_from_host(keeper *k, int p)
{
    char buf[65536];
    struct sockaddr_storage from;
    socklen_t fl = sizeof from;
    ssize_t r = recvfrom(k->lfd[p], buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
    if (r < 0)
        return;
    udp_flow *f = NULL;
    for (int i = 0; i < k->nudp && !f; i++)
        if (k->udp[i].lsn == p && k->udp[i].plen == fl && !memcmp(&k->udp[i].peer, &from, fl))
            f = &k->udp[i];
    if (!f) {
        if (k->nudp == KEEP_MAX_UDP)
            return;
        int fd = ctr_socket(SOCK_DGRAM, k->ports[p].port);
        if (fd < 0)
            return;
        f = &k->udp[k->nudp++];
        *f = (udp_flow){.fd = fd, .lsn = p, .plen = fl};
        memcpy(&f->peer, &from, fl);
    }
    f->last = time(NULL);
    send(f->fd, buf, (size_t)r, MSG_DONTWAIT);
}

static void udp_to_host(keeper *k, int i)
{
    char buf[65536];
    udp_flow *f = &k->udp[i];
    ssize_t r = recv(f->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (r < 0)
        return;
    f->last = time(NULL);
    sendto(k->lfd[f->lsn], buf, (size_t)r, MSG_DONTWAIT, (struct sockaddr *)&f->peer, f->plen);
}

static void udp_expire(keeper *k)
{
    time_t now = time(NULL);
    for (int i = 0; i < k->nudp;)
        if (now - k->udp[i].last > UDP_IDLE_SECS) {
            close(k->udp[i].fd);
            k->udp[i] = k->udp[--k->nudp];
        } else {
            i++;
        }
}

/* Relay until the container's init exits (pidfd readable). */
static void relay(keeper *k, int pidfd)
{
    int cap = 1 + k->nports + 2 * KEEP_MAX_TCP + KEEP_MAX_UDP;
    struct pollfd *pf = sbc_xmalloc(sizeof *pf * (size_t)cap);
    int map[2 * KEEP_MAX_TCP]; /* poll slot base of each live connection */
    for (;;) {
        int n = 0;
        pf[n++] = (struct pollfd){.fd = pidfd, .events = POLLIN};
        for (int p = 0; p < k->nports; p++)
            pf[n++] = (struct pollfd){.fd = k->lfd[p], .events = POLLIN};
        for (int i = 0; i < KEEP_MAX_TCP; i++) {
            tcp_conn *c = k->tcp[i];
            map[i] = -1;
            if (!c)
                continue;
            map[i] = n;
            for (int s = 0; s < 2; s++) {
                short ev = 0;
                if (c->connecting) {
                    ev = s ? POLLOUT : 0;
                } else {
                    if (!c->eof[s] && !c->len[s])
                        ev |= POLLIN;
                    if (c->len[!s])
                        ev |= POLLOUT;
                }
                pf[n++] = (struct pollfd){.fd = c->fd[s], .events = ev};
            }
        }
        int ubase = n;
        for (int i = 0; i < k->nudp; i++)
            pf[n++] = (struct pollfd){.fd = k->udp[i].fd, .events = POLLIN};
        if (poll(pf, (nfds_t)n, k->nudp ? 10000 : -1) < 0 && errno != EINTR)
            break;
        if (pf[0].revents)
            break;
        for (int p = 0; p < k->nports; p++)
            if (pf[1 + p].revents & POLLIN) {
                if (k->ports[p].proto == IPPROTO_UDP)
                    udp_from_host(k, p);
                else
                    tcp_accept(k, p);
            }
        for (int i = 0; i < KEEP_MAX_TCP; i++)
            if (map[i] >= 0 && k->tcp[i] && tcp_step(k->tcp[i], &pf[map[i]]) < 0)
                tcp_close(k, i);
        for (int i = ubase; i < n; i++)
            if (pf[i].revents & POLLIN)
                udp_to_host(k, i - ubase);
        udp_expire(k);
    }
    free(pf);
}

/* ---- the keeper ---------------------------------------------------------- */

/* Bind port p on the host; its socket, or -1 with msg.  Port 0: the port
 * the kernel chose is written back. */
static int host_listen(sbc_port *p, char *msg, size_t n)
{
    int udp = p->proto == IPPROTO_UDP;
    int fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(p->host_port), .sin_addr.s_addr = htonl(p->host_ip)};
    socklen_t al = sizeof a;
    if (fd < 0 || (!udp && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) ||
        bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || (!udp && listen(fd, 128) < 0) ||
        getsockname(fd, (struct sockaddr *)&a, &al) < 0) {
        int err = errno;
        char ip[16];
        snprintf(msg, n, "publish %s:%u/%s: %s%s", sbc_ip_fmt(p->host_ip, ip), p->host_port, udp ? "udp" : "tcp",
                 strerror(err), err == EACCES && p->host_port < 1024
                     ? " (ports below net.ipv4.ip_unprivileged_port_start need root)" : "");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    p->host_port = ntohs(a.sin_port);
    return fd;
}

/* Enter the container's user namespace (when it has one) and network
 * namespace. */
static int enter_ns(const int nsfd[2], char *msg, size_t n)
{
    static const char *const kinds[] = {"user", "net"};
    for (int i = 0; i < 2; i++)
        if (nsfd[i] >= 0 && setns(nsfd[i], i ? CLONE_NEWNET : CLONE_NEWUSER) < 0) {
            snprintf(msg, n, "enter the container's %s namespace: %s", kinds[i], strerror(errno));
            return -1;
        }
    return 0;
}

/* End pasta and wait (a second at most) until it is gone. */
static void stop_pasta(pid_t pasta)
{
    int fd = pasta > 0 ? (int)syscall(SYS_pidfd_open, pasta, 0) : -1;
    if (fd >= 0 && syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0) == 0)
        poll(&(struct pollfd){.fd = fd, .events = POLLIN}, 1, 1000);
    if (fd >= 0)
        close(fd);
}

/* The keeper's body (in its own session, its std fds on /dev/null, the
 * report pipe rfd).  Reports "P <i> <port>" per port, then "ok <pasta
 * pid>" or "err <message>". */
static _Noreturn void keeper_main(int rfd, pid_t pid, const int nsfd[2], const char *dir, sbc_netopts *o)
{
    char msg[512] = "";
    keeper k = {.ports = o->ports, .nports = o->nports};
    k.lfd = sbc_xmalloc(sizeof *k.lfd * (size_t)(o->nports + 1));
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    pid_t pasta = 0, slirp = 0;
    if (pidfd < 0) {
        snprintf(msg, sizeof msg, "watch the container's init: %s", strerror(errno));
        goto fail;
    }
    for (int i = 0; i < o->nports; i++)
        if ((k.lfd[i] = host_listen(&o->ports[i], msg, sizeof msg)) < 0)
            goto fail;
    if (o->mode == SBC_NET_PASTA || o->mode == SBC_NET_SLIRP) {
        const char *name = o->mode == SBC_NET_PASTA ? "pasta" : "slirp4netns";
        char *tool = net_find_tool(name);
        if (!tool) {
            snprintf(msg, sizeof msg, "--network %s: %s is not installed", name, name);
            goto fail;
        }
        if (!tun_usable(msg, sizeof msg))
            goto fail;
        if (o->mode == SBC_NET_PASTA ? start_pasta(tool, nsfd, dir, &pasta, msg, sizeof msg)
                                     : start_slirp(tool, nsfd, &slirp, msg, sizeof msg))
            goto fail;
        free(tool);
    }
    if (o->nports && enter_ns(nsfd, msg, sizeof msg) < 0)
        goto fail;
    for (int i = 0; i < o->nports; i++)
        say(rfd, "P %d %u\n", i, o->ports[i].host_port);
    say(rfd, "ok %d\n", (int)pasta);
    close(rfd);
    if (o->nports)
        relay(&k, pidfd);
    else
        poll(&(struct pollfd){.fd = pidfd, .events = POLLIN}, 1, -1);
    stop_pasta(pasta);
    _exit(0);
fail:
    stop_pasta(pasta);
    if (slirp > 0)
        kill(slirp, SIGTERM);
    say(rfd, "err %s\n", msg);
    _exit(1);
}

/* Read the keeper's report; 0 with *pasta set, or -1 with its message. */
static int keeper_report(int fd, sbc_netopts *o, pid_t *pasta, sbc_err *e)
{
    sbc_buf b = {0};
    char chunk[512];
    ssize_t r;
    while ((r = read(fd, chunk, sizeof chunk)) > 0 || (r < 0 && errno == EINTR))
        if (r > 0)
            sbc_buf_add(&b, chunk, (size_t)r);
    sbc_buf_adds(&b, "");
    int rc = sbc_err_set(e, SBC_EXIT_FAIL, "network: the port and network keeper ended without a word");
    for (char *line = b.data, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        int i;
        unsigned port;
        if (sscanf(line, "P %d %u", &i, &port) == 2 && i >= 0 && i < o->nports && port && port < 65536) {
            o->ports[i].host_port = (uint16_t)port;
        } else if (!strncmp(line, "ok ", 3)) {
            *pasta = (pid_t)atoi(line + 3);
            e->msg[0] = 0;
            e->code = 0;
            rc = 0;
        } else if (!strncmp(line, "err ", 4)) {
            rc = sbc_err_set(e, SBC_EXIT_FAIL, "%s", line + 4);
        }
    }
    sbc_buf_free(&b);
    return rc;
}

int net_user_start(pid_t pid, const int nsfd[2], const char *state_dir, sbc_netopts *o, pid_t *pasta, pid_t *keeper_pid,
                   sbc_err *e)
{
    int rp[2];
    if (pipe2(rp, O_CLOEXEC) < 0)
        return sbc_err_sys(e, "network: pipe");
    int gp[2]; /* the keeper's pid, from the middle child */
    if (pipe2(gp, O_CLOEXEC) < 0) {
        close(rp[0]);
        close(rp[1]);
        return sbc_err_sys(e, "network: pipe");
    }
    pid_t mid = fork();
    if (mid < 0) {
        close(rp[0]), close(rp[1]), close(gp[0]), close(gp[1]);
        return sbc_err_sys(e, "network: fork");
    }
    if (mid == 0) {
        /* out of the caller's session and process group (a ^C to the
         * foreground run is the container's), its fds left behind */
        setsid();
        pid_t k = fork();
        if (k != 0) {
            (void)!write(gp[1], &k, sizeof k);
            _exit(0);
        }
        for (int s = 1; s < NSIG; s++)
            signal(s, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        int nul = open("/dev/null", O_RDWR);
        dup2(nul, 0), dup2(nul, 1), dup2(nul, 2);
        /* the report pipe on 3, the namespaces on 4 and 5 */
        int fds[] = {rp[1], nsfd[0], nsfd[1]}, mine[3];
        for (int i = 0; i < 3; i++)
            mine[i] = fds[i] < 0 ? -1 : fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
        for (int i = 0; i < 3; i++)
            if (mine[i] >= 0 && (dup3(mine[i], 3 + i, O_CLOEXEC) < 0))
                _exit(1);
        syscall(SYS_close_range, 6U, ~0U, 0U);
        const int ns[2] = {mine[1] < 0 ? -1 : 4, mine[2] < 0 ? -1 : 5};
        keeper_main(3, pid, ns, state_dir, o);
    }
    close(rp[1]);
    close(gp[1]);
    *keeper_pid = 0;
    (void)!read(gp[0], keeper_pid, sizeof *keeper_pid);
    close(gp[0]);
    while (waitpid(mid, NULL, 0) < 0 && errno == EINTR) {}
    int r = keeper_report(rp[0], o, pasta, e);
    close(rp[0]);
    return r;
}

void net_user_kill(const cJSON *j)
{
    static const char *const keys[][2] = {{"keeper_pid", "keeper_start"}, {"pasta_pid", "pasta_start"}};
    for (int i = 0; i < 2; i++) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, keys[i][0]);
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, keys[i][1]);
        if (!cJSON_IsNumber(p) || !cJSON_IsNumber(s) || p->valuedouble < 2 || p->valuedouble > 4194304)
            continue;
        pid_t pid = (pid_t)p->valuedouble;
        int fd = (int)syscall(SYS_pidfd_open, pid, 0);
        /* (checked after the pidfd is open: it cannot be reused then) */
        if (fd >= 0 && s->valuedouble > 0 && sbc_proc_starttime(pid) == (unsigned long long)s->valuedouble &&
            syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0) == 0)
            poll(&(struct pollfd){.fd = fd, .events = POLLIN}, 1, 1000); /* gone before the caller goes on */
        if (fd >= 0)
            close(fd);
    }
}

int sbc_net_tool_check(const char *mode, sbc_err *e)
{
    char *t = net_find_tool(mode), why[160];
    free(t);
    if (!t)
        return sbc_err_set(e, SBC_EXIT_FAIL, "--network %s: %s is not installed (or not on PATH)", mode, mode);
    if (!tun_usable(why, sizeof why))
        return sbc_err_set(e, SBC_EXIT_FAIL, "--network %s: %s", mode, why);
    return 0;
}

const char *sbc_net_user_default(void)
{
    static const char *const tools[] = {"pasta", "slirp4netns"};
    char why[160];
    for (int i = 0; i < 2; i++) {
        char *t = net_find_tool(tools[i]);
        free(t);
        if (t && tun_usable(why, sizeof why))
            return tools[i];
        if (t)
            SBC_DEBUG("network: %s is installed but %s", tools[i], why);
    }
    return "none";
}
