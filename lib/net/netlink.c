/* netlink.c - netlink message builder, socket talk, rtnetlink requests. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "base/io.h"
#include "net/netlink.h"

#define ALIGN4(n) (((n) + 3u) & ~3u)

void sbc_nlb_free(sbc_nlb *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static void *grow(sbc_nlb *b, size_t n)
{
    size_t need = b->len + ALIGN4(n);
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < need)
            cap *= 2;
        b->data = sbc_xrealloc(b->data, cap);
        b->cap = cap;
    }
    void *p = b->data + b->len;
    memset(p, 0, ALIGN4(n));
    b->len = need;
    ((struct nlmsghdr *)(b->data + b->msg))->nlmsg_len = (uint32_t)(b->len - b->msg);
    return p;
}

struct nlmsghdr *sbc_nlb_cur(sbc_nlb *b)
{
    return (struct nlmsghdr *)(b->data + b->msg);
}

void sbc_nlb_msg(sbc_nlb *b, uint16_t type, uint16_t flags, const void *hdr, size_t hdrlen)
{
    size_t n = NLMSG_HDRLEN + ALIGN4(hdrlen);
    if (b->len + n > b->cap) { /* grow() updates the current header: make room first */
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n)
            cap *= 2;
        b->data = sbc_xrealloc(b->data, cap);
        b->cap = cap;
    }
    b->msg = b->len;
    struct nlmsghdr *h = grow(b, n);
    h->nlmsg_type = type;
    h->nlmsg_flags = flags | NLM_F_REQUEST;
    if (hdrlen)
        memcpy((char *)h + NLMSG_HDRLEN, hdr, hdrlen);
}

void sbc_nlb_put(sbc_nlb *b, uint16_t type, const void *p, size_t n)
{
    struct nlattr *a = grow(b, NLA_HDRLEN + n);
    a->nla_type = type;
    a->nla_len = (uint16_t)(NLA_HDRLEN + n);
    if (n)
        memcpy((char *)a + NLA_HDRLEN, p, n);
}

void sbc_nlb_str(sbc_nlb *b, uint16_t type, const char *s) { sbc_nlb_put(b, type, s, strlen(s) + 1); }
void sbc_nlb_u8(sbc_nlb *b, uint16_t type, uint8_t v) { sbc_nlb_put(b, type, &v, 1); }
void sbc_nlb_u32(sbc_nlb *b, uint16_t type, uint32_t v) { sbc_nlb_put(b, type, &v, 4); }
void sbc_nlb_be32(sbc_nlb *b, uint16_t type, uint32_t v)
{
    v = htonl(v);
    sbc_nlb_put(b, type, &v, 4);
}
void sbc_nlb_be64(sbc_nlb *b, uint16_t type, uint64_t v)
{
    uint32_t w[2] = {htonl((uint32_t)(v >> 32)), htonl((uint32_t)v)};
    sbc_nlb_put(b, type, w, 8);
}

size_t sbc_nlb_nest(sbc_nlb *b, uint16_t type)
{
    size_t off = b->len;
    sbc_nlb_put(b, type | NLA_F_NESTED, NULL, 0);
    return off;
}

void sbc_nlb_end(sbc_nlb *b, size_t nest)
{
    ((struct nlattr *)(b->data + nest))->nla_len = (uint16_t)(b->len - nest);
}

/* ---- parsing ---- */
const void *sbc_nla_data(const struct nlattr *a) { return (const char *)a + NLA_HDRLEN; }
size_t sbc_nla_len(const struct nlattr *a) { return a->nla_len - NLA_HDRLEN; }

void sbc_nla_each(const void *p, size_t len, sbc_nla_fn fn, void *arg)
{
    const char *c = p;
    while (len >= NLA_HDRLEN) {
        const struct nlattr *a = (const struct nlattr *)c;
        if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
            return;
        fn(a, arg);
        size_t step = ALIGN4(a->nla_len);
        if (step >= len)
            return;
        c += step;
        len -= step;
    }
}

struct parse_arg {
    const struct nlattr **tb;
    int max;
};
static void parse_one(const struct nlattr *a, void *arg)
{
    struct parse_arg *p = arg;
    int t = a->nla_type & NLA_TYPE_MASK;
    if (t <= p->max)
        p->tb[t] = a;
}
void sbc_nla_parse(const struct nlattr **tb, int max, const void *p, size_t len)
{
    memset(tb, 0, sizeof *tb * (size_t)(max + 1));
    struct parse_arg pa = {tb, max};
    sbc_nla_each(p, len, parse_one, &pa);
}

/* ---- sockets ---- */
int sbc_nl_open(sbc_nl *nl, int proto, sbc_err *e)
{
    nl->seq = (uint32_t)time(NULL) << 8;
    nl->err_index = -1;
    nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
    if (nl->fd < 0)
        return sbc_err_sys(e, "netlink socket");
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    struct timeval tv = {10, 0}; /* never hang on a lost answer */
    int one = 1;
    setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    if (bind(nl->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        sbc_err_sys(e, "netlink bind");
        close(nl->fd);
        nl->fd = -1;
        return -1;
    }
    return 0;
}

int sbc_nl_open_netns(sbc_nl *nl, pid_t pid, sbc_err *e)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/ns/net", (int)pid);
    int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (self < 0)
        return sbc_err_sys(e, "open /proc/self/ns/net");
    int target = open(p, O_RDONLY | O_CLOEXEC);
    if (target < 0) {
        sbc_err_sys(e, "open %s", p);
        close(self);
        return -1;
    }
    int r = -1;
    if (setns(target, CLONE_NEWNET) < 0) {
        sbc_err_sys(e, "setns %s", p);
    } else {
        r = sbc_nl_open(nl, NETLINK_ROUTE, e);
        if (setns(self, CLONE_NEWNET) < 0) /* cannot stay in the container's netns */
            sbc_die(SBC_EXIT_FAIL, "setns back to the host network namespace: %s", strerror(errno));
    }
    close(self);
    close(target);
    return r;
}

void sbc_nl_close(sbc_nl *nl)
{
    if (nl->fd >= 0)
        close(nl->fd);
    nl->fd = -1;
}

int sbc_nl_talk(sbc_nl *nl, sbc_nlb *b, sbc_nl_cb cb, void *arg, sbc_err *e)
{
    /* Number the messages and count the answers to wait for. */
    uint32_t first = nl->seq + 1;
    int nmsg = 0, pending = 0;
    nl->err_index = -1;
    for (size_t off = 0; off + NLMSG_HDRLEN <= b->len;) {
        struct nlmsghdr *h = (struct nlmsghdr *)(b->data + off);
        h->nlmsg_seq = ++nl->seq;
        if (h->nlmsg_flags & (NLM_F_ACK | NLM_F_DUMP))
            pending++;
        nmsg++;
        off += ALIGN4(h->nlmsg_len);
    }
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    struct iovec iov = {b->data, b->len};
    struct msghdr mh = {.msg_name = &sa, .msg_namelen = sizeof sa, .msg_iov = &iov, .msg_iovlen = 1};
    ssize_t w;
    do
        w = sendmsg(nl->fd, &mh, 0);
    while (w < 0 && errno == EINTR);
    if (w < 0)
        return sbc_err_sys(e, "netlink send");
    size_t cap = 65536;
    char *buf = sbc_xmalloc(cap);
    int err = 0, r = 0, intr = 0;
    while (pending > 0) {
        ssize_t n = recv(nl->fd, buf, cap, err ? MSG_DONTWAIT : 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (err && (errno == EAGAIN || errno == EWOULDBLOCK))
                break; /* after an error, take what is there */
            r = sbc_err_sys(e, "netlink receive");
            goto out;
        }
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_seq < first || h->nlmsg_seq >= first + (uint32_t)nmsg)
                continue; /* not ours */
            if (h->nlmsg_flags & NLM_F_DUMP_INTR)
                intr = 1; /* the dump saw a change half-way: it may miss some */
            if (h->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *me = NLMSG_DATA(h);
                int whole = h->nlmsg_len >= NLMSG_LENGTH(sizeof *me);
                pending--;
                if (whole && me->error && !err) {
                    err = -me->error;
                    nl->err_index = (int)(h->nlmsg_seq - first);
                }
            } else if (h->nlmsg_type == NLMSG_DONE) {
                pending--;
            } else if (cb && !err) {
                if (cb(h, arg) < 0 && !err)
                    err = EPROTO;
            }
        }
    }
    if (err) {
        errno = err;
        r = sbc_err_sys(e, "netlink");
    } else if (intr) {
        r = sbc_err_set(e, EINTR, "netlink: a dump was interrupted by a concurrent change");
    }
out:
    free(buf);
    return r;
}

/* ---- rtnetlink builders ---- */
static void ifmsg(sbc_nlb *b, uint16_t type, uint16_t flags, int index, int up)
{
    struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = index};
    if (up >= 0) {
        ifi.ifi_change = IFF_UP;
        ifi.ifi_flags = up ? IFF_UP : 0;
    }
    sbc_nlb_msg(b, type, flags, &ifi, sizeof ifi);
}

void sbc_rtnl_msg_bridge(sbc_nlb *b, const char *name, const uint8_t mac[6])
{
    ifmsg(b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, 0, 1);
    sbc_nlb_str(b, IFLA_IFNAME, name);
    if (mac)
        sbc_nlb_put(b, IFLA_ADDRESS, mac, 6);
    size_t li = sbc_nlb_nest(b, IFLA_LINKINFO);
    sbc_nlb_str(b, IFLA_INFO_KIND, "bridge");
    sbc_nlb_end(b, li);
}

void sbc_rtnl_msg_veth(sbc_nlb *b, const char *host, int master, const char *peer,
                       pid_t peer_pid, int peer_nsfd, const uint8_t peer_mac[6])
{
    ifmsg(b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, 0, 1);
    sbc_nlb_str(b, IFLA_IFNAME, host);
    if (master > 0)
        sbc_nlb_u32(b, IFLA_MASTER, (uint32_t)master);
    size_t li = sbc_nlb_nest(b, IFLA_LINKINFO);
    sbc_nlb_str(b, IFLA_INFO_KIND, "veth");
    size_t data = sbc_nlb_nest(b, IFLA_INFO_DATA);
    size_t pe = sbc_nlb_nest(b, VETH_INFO_PEER);
    /* VETH_INFO_PEER carries an ifinfomsg, then the peer's attributes. */
    struct ifinfomsg *ifi = grow(b, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC; /* not IFF_UP here: veth_open() of an unpaired peer fails */
    sbc_nlb_str(b, IFLA_IFNAME, peer);
    if (peer_mac)
        sbc_nlb_put(b, IFLA_ADDRESS, peer_mac, 6);
    if (peer_pid > 0)
        sbc_nlb_u32(b, IFLA_NET_NS_PID, (uint32_t)peer_pid);
    else if (peer_nsfd >= 0)
        sbc_nlb_u32(b, IFLA_NET_NS_FD, (uint32_t)peer_nsfd);
    sbc_nlb_end(b, pe);
    sbc_nlb_end(b, data);
    sbc_nlb_end(b, li);
}

void sbc_rtnl_msg_setlink(sbc_nlb *b, int ifindex, const char *name, int up,
                          const char *newname, pid_t ns_pid, int master)
{
    ifmsg(b, RTM_NEWLINK, NLM_F_ACK, ifindex, up);
    if (!ifindex && name)
        sbc_nlb_str(b, IFLA_IFNAME, name);
    if (newname)
        sbc_nlb_str(b, IFLA_IFNAME, newname);
    if (ns_pid > 0)
        sbc_nlb_u32(b, IFLA_NET_NS_PID, (uint32_t)ns_pid);
    if (master >= 0)
        sbc_nlb_u32(b, IFLA_MASTER, (uint32_t)master);
}

void sbc_rtnl_msg_dellink(sbc_nlb *b, int ifindex, const char *name)
{
    ifmsg(b, RTM_DELLINK, NLM_F_ACK, ifindex, -1);
    if (!ifindex)
        sbc_nlb_str(b, IFLA_IFNAME, name);
}

void sbc_rtnl_msg_getlink(sbc_nlb *b, const char *name)
{
    ifmsg(b, RTM_GETLINK, 0, 0, -1);
    sbc_nlb_str(b, IFLA_IFNAME, name);
    sbc_nlb_u32(b, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
}

void sbc_rtnl_msg_addr(sbc_nlb *b, int add, int ifindex, uint32_t addr, int prefix)
{
    struct ifaddrmsg ifa = {.ifa_family = AF_INET, .ifa_prefixlen = (uint8_t)prefix,
                            .ifa_scope = RT_SCOPE_UNIVERSE, .ifa_index = (uint32_t)ifindex};
    sbc_nlb_msg(b, add ? RTM_NEWADDR : RTM_DELADDR,
                add ? NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK : NLM_F_ACK, &ifa, sizeof ifa);
    uint32_t a = htonl(addr);
    sbc_nlb_put(b, IFA_LOCAL, &a, 4);
    sbc_nlb_put(b, IFA_ADDRESS, &a, 4);
    if (prefix < 31) {
        uint32_t bc = htonl(addr | (prefix ? 0xffffffffu >> prefix : 0xffffffffu));
        sbc_nlb_put(b, IFA_BROADCAST, &bc, 4);
    }
}

void sbc_rtnl_msg_route(sbc_nlb *b, int add, uint32_t dst, int prefix, uint32_t gw, int oif)
{
    struct rtmsg rt = {.rtm_family = AF_INET, .rtm_dst_len = (uint8_t)prefix, .rtm_table = RT_TABLE_MAIN,
                       .rtm_protocol = RTPROT_BOOT, .rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK,
                       .rtm_type = RTN_UNICAST};
    sbc_nlb_msg(b, add ? RTM_NEWROUTE : RTM_DELROUTE,
                add ? NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK : NLM_F_ACK, &rt, sizeof rt);
    if (prefix) {
        uint32_t d = htonl(dst);
        sbc_nlb_put(b, RTA_DST, &d, 4);
    }
    if (gw) {
        uint32_t g = htonl(gw);
        sbc_nlb_put(b, RTA_GATEWAY, &g, 4);
    }
    if (oif)
        sbc_nlb_u32(b, RTA_OIF, (uint32_t)oif);
}

/* ---- requests ---- */
int sbc_link_index(const char *name)
{
    if (strlen(name) >= IFNAMSIZ)
        return 0;
    return (int)if_nametoindex(name);
}

int sbc_link_del(sbc_nl *nl, const char *name, sbc_err *e)
{
    sbc_nlb b = {0};
    sbc_rtnl_msg_dellink(&b, 0, name);
    int r = sbc_nl_talk(nl, &b, NULL, NULL, e);
    sbc_nlb_free(&b);
    if (r < 0 && (e->errnum == ENODEV || e->errnum == ENOENT))
        return 0;
    if (r < 0)
        sbc_err_wrap(e, "delete link %s", name);
    return r;
}

static int getlink_cb(const struct nlmsghdr *h, void *arg)
{
    if (h->nlmsg_type == RTM_NEWLINK && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg)))
        *(int *)arg = ((const struct ifinfomsg *)NLMSG_DATA(h))->ifi_index;
    return 0;
}

int sbc_link_get(sbc_nl *nl, const char *name, sbc_err *e)
{
    sbc_nlb b = {0};
    int idx = 0;
    sbc_rtnl_msg_getlink(&b, name);
    sbc_nlb_cur(&b)->nlmsg_flags |= NLM_F_ACK; /* a reply, then the ack */
    int r = sbc_nl_talk(nl, &b, getlink_cb, &idx, e);
    sbc_nlb_free(&b);
    if (r < 0) {
        sbc_err_wrap(e, "link %s", name);
        return -1;
    }
    if (idx <= 0)
        return sbc_err_set(e, SBC_EXIT_FAIL, "link %s: not found", name);
    return idx;
}

struct pfx_acc {
    sbc_prefix *v;
    int n, cap;
    char *defif;
};

static void pfx_add(struct pfx_acc *a, uint32_t addr, int len)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->v = sbc_xrealloc(a->v, sizeof *a->v * (size_t)a->cap);
    }
    uint32_t mask = len ? 0xffffffffu << (32 - len) : 0;
    a->v[a->n].addr = addr & mask;
    a->v[a->n].len = len;
    a->n++;
}

static int pfx_cb(const struct nlmsghdr *h, void *arg)
{
    struct pfx_acc *a = arg;
    const struct nlattr *tb[RTA_MAX + 1];
    if (h->nlmsg_type == RTM_NEWADDR) {
        const struct ifaddrmsg *ifa = NLMSG_DATA(h);
        if (ifa->ifa_family != AF_INET)
            return 0;
        sbc_nla_parse(tb, IFA_MAX, (const char *)ifa + NLMSG_ALIGN(sizeof *ifa),
                      h->nlmsg_len - NLMSG_LENGTH(sizeof *ifa));
        const struct nlattr *x = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
        if (x && sbc_nla_len(x) == 4) {
            uint32_t v;
            memcpy(&v, sbc_nla_data(x), 4);
            pfx_add(a, ntohl(v), ifa->ifa_prefixlen);
        }
    } else if (h->nlmsg_type == RTM_NEWROUTE) {
        const struct rtmsg *rt = NLMSG_DATA(h);
        if (rt->rtm_family != AF_INET)
            return 0;
        sbc_nla_parse(tb, RTA_MAX, (const char *)rt + NLMSG_ALIGN(sizeof *rt),
                      h->nlmsg_len - NLMSG_LENGTH(sizeof *rt));
        uint32_t table = rt->rtm_table;
        if (tb[RTA_TABLE])
            memcpy(&table, sbc_nla_data(tb[RTA_TABLE]), 4);
        if (table == RT_TABLE_LOCAL || rt->rtm_type == RTN_LOCAL || rt->rtm_type == RTN_BROADCAST)
            return 0;
        if (rt->rtm_dst_len == 0) {
            if (table == RT_TABLE_MAIN && tb[RTA_OIF] && !a->defif[0]) {
                uint32_t oif;
                memcpy(&oif, sbc_nla_data(tb[RTA_OIF]), 4);
                char nm[IF_NAMESIZE];
                if (if_indextoname(oif, nm))
                    snprintf(a->defif, 16, "%s", nm);
            }
            return 0;
        }
        if (tb[RTA_DST] && sbc_nla_len(tb[RTA_DST]) == 4) {
            uint32_t v;
            memcpy(&v, sbc_nla_data(tb[RTA_DST]), 4);
            pfx_add(a, ntohl(v), rt->rtm_dst_len);
        }
    }
    return 0;
}

int sbc_host_prefixes(sbc_prefix **out, int *n, char defif[16], sbc_err *e)
{
    sbc_nl nl;
    if (sbc_nl_open(&nl, NETLINK_ROUTE, e) < 0)
        return -1;
    struct pfx_acc a = {.defif = defif};
    sbc_nlb b = {0};
    int r;
    for (int attempt = 0;; attempt++) { /* again while a change interrupts */
        free(a.v);
        a = (struct pfx_acc){.defif = defif};
        defif[0] = 0;
        /* Two dumps cannot share one socket at once: one talk each. */
        b.len = b.msg = 0;
        struct ifaddrmsg ifa = {.ifa_family = AF_INET};
        sbc_nlb_msg(&b, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof ifa);
        r = sbc_nl_talk(&nl, &b, pfx_cb, &a, e);
        if (r == 0) {
            b.len = b.msg = 0;
            struct rtmsg rt = {.rtm_family = AF_INET};
            sbc_nlb_msg(&b, RTM_GETROUTE, NLM_F_DUMP, &rt, sizeof rt);
            r = sbc_nl_talk(&nl, &b, pfx_cb, &a, e);
        }
        if (r == 0 || e->errnum != EINTR || attempt == 9)
            break;
    }
    sbc_nlb_free(&b);
    sbc_nl_close(&nl);
    if (r < 0) {
        free(a.v);
        sbc_err_wrap(e, "read host addresses and routes");
        return -1;
    }
    *out = a.v;
    *n = a.n;
    return 0;
}
