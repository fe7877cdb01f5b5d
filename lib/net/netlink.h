/* netlink.h - raw netlink: a message builder shared by rtnetlink and
 * nf_tables, a socket that sends a whole buffer of messages in one sendmsg
 * and collects their acks, and the rtnetlink requests sbc needs (bridge,
 * veth with its peer made directly in a container's netns, addresses,
 * routes, links up/down/rename/move, and dumps of addresses and routes).
 *
 * Builder: messages are appended to one growable buffer; every attribute
 * added updates the length of the message being built, nests are closed by
 * sbc_nlb_end().  Sequence numbers are assigned when the buffer is sent.
 */
#ifndef SBC_NETLINK_H
#define SBC_NETLINK_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/netlink.h>
#include "base/err.h"

typedef struct sbc_nlb {
    unsigned char *data;
    size_t len, cap;
    size_t msg; /* offset of the message being built */
} sbc_nlb;

void sbc_nlb_free(sbc_nlb *b);
/* Start a message: nlmsghdr (NLM_F_REQUEST is added) + hdrlen bytes of hdr. */
void sbc_nlb_msg(sbc_nlb *b, uint16_t type, uint16_t flags, const void *hdr, size_t hdrlen);
void sbc_nlb_put(sbc_nlb *b, uint16_t type, const void *p, size_t n);
void sbc_nlb_str(sbc_nlb *b, uint16_t type, const char *s); /* with its NUL */
void sbc_nlb_u8(sbc_nlb *b, uint16_t type, uint8_t v);
void sbc_nlb_u32(sbc_nlb *b, uint16_t type, uint32_t v);     /* host order */
void sbc_nlb_be32(sbc_nlb *b, uint16_t type, uint32_t v);    /* v in host order, sent big-endian */
void sbc_nlb_be64(sbc_nlb *b, uint16_t type, uint64_t v);
size_t sbc_nlb_nest(sbc_nlb *b, uint16_t type);               /* returns the nest's offset */
void sbc_nlb_end(sbc_nlb *b, size_t nest);
/* The message being built / the first message (for tests). */
struct nlmsghdr *sbc_nlb_cur(sbc_nlb *b);

/* Walking attributes of a received message: calls fn for each attribute in
 * [p, p+len). */
struct nlattr;
typedef void (*sbc_nla_fn)(const struct nlattr *a, void *arg);
void sbc_nla_each(const void *p, size_t len, sbc_nla_fn fn, void *arg);
/* Fill tb[0..max] with the attributes of p/len (NULL when absent). */
void sbc_nla_parse(const struct nlattr **tb, int max, const void *p, size_t len);
const void *sbc_nla_data(const struct nlattr *a);
size_t sbc_nla_len(const struct nlattr *a);

typedef struct sbc_nl {
    int fd;
    uint32_t seq;
    int err_index; /* after a failed talk: index of the message that failed */
} sbc_nl;

/* proto: NETLINK_ROUTE or NETLINK_NETFILTER. */
int sbc_nl_open(sbc_nl *nl, int proto, sbc_err *e);
/* A NETLINK_ROUTE socket inside the network namespace of pid (the socket
 * stays there after this process switches back). */
int sbc_nl_open_netns(sbc_nl *nl, pid_t pid, sbc_err *e);
void sbc_nl_close(sbc_nl *nl);
/* Send every message of b in one sendmsg and wait for their answers: each
 * message with NLM_F_ACK gets its ack, a NLM_F_DUMP its NLMSG_DONE; other
 * messages (replies, dump parts) go to cb.  On an error ack: -1 with
 * e->errnum = the error and nl->err_index = the failing message's index;
 * the message is "netlink: strerror" for the caller to wrap. */
typedef int (*sbc_nl_cb)(const struct nlmsghdr *h, void *arg);
int sbc_nl_talk(sbc_nl *nl, sbc_nlb *b, sbc_nl_cb cb, void *arg, sbc_err *e);

/* ---- rtnetlink message builders (append one request to b) ---- */
/* A bridge named name, up, with a fixed MAC (so it does not change as ports come and go). */
void sbc_rtnl_msg_bridge(sbc_nlb *b, const char *name, const uint8_t mac[6]);
/* A veth pair: host end `host` (up, enslaved to master when > 0) and peer
 * `peer` created directly in the netns of peer_pid (when > 0) or of the netns
 * fd peer_nsfd (when >= 0), down, with MAC peer_mac (when non-NULL). */
void sbc_rtnl_msg_veth(sbc_nlb *b, const char *host, int master, const char *peer,
                       pid_t peer_pid, int peer_nsfd, const uint8_t peer_mac[6]);
/* Change a link (by ifindex, or by name when ifindex is 0): up (1), down
 * (0) or unchanged (-1); rename to newname; move to the netns of ns_pid. */
void sbc_rtnl_msg_setlink(sbc_nlb *b, int ifindex, const char *name, int up,
                          const char *newname, pid_t ns_pid, int master);
void sbc_rtnl_msg_dellink(sbc_nlb *b, int ifindex, const char *name);
void sbc_rtnl_msg_getlink(sbc_nlb *b, const char *name);
/* IPv4 address (host order) with prefix length on ifindex. */
void sbc_rtnl_msg_addr(sbc_nlb *b, int add, int ifindex, uint32_t addr, int prefix);
/* IPv4 route dst/prefix (0/0 = default) via gw (0 = none) dev oif (0 = any). */
void sbc_rtnl_msg_route(sbc_nlb *b, int add, uint32_t dst, int prefix, uint32_t gw, int oif);

/* ---- rtnetlink requests ---- */
/* ifindex of a link in this netns (SIOCGIFINDEX); 0 when there is none. */
int sbc_link_index(const char *name);
/* Delete a link by name; a missing link is fine (returns 0). */
int sbc_link_del(sbc_nl *nl, const char *name, sbc_err *e);
/* ifindex of link `name` through nl (e.g. a socket in another netns). */
int sbc_link_get(sbc_nl *nl, const char *name, sbc_err *e);

typedef struct sbc_prefix {
    uint32_t addr; /* host order */
    int len;
} sbc_prefix;
/* The IPv4 prefixes in use on this host: every address's subnet and every
 * route except default routes and the local table.  *defif gets the name of
 * the interface of the main table's default route ("" when none).
 * *out is malloc'd. */
int sbc_host_prefixes(sbc_prefix **out, int *n, char defif[16], sbc_err *e);

#endif
