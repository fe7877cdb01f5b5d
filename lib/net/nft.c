/* nft.c - nf_tables batches and rule expressions over raw netlink. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>

#include "net/nft.h"

#define MSG(t) ((uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | (t)))
#define REG1 NFT_REG_1
#define REG2 NFT_REG_2
#define UDATA_COMMENT 0 /* nftnl's rule comment TLV type */

static void genmsg(sbc_nlb *b, uint16_t type, uint16_t flags, uint8_t family, uint16_t res)
{
    struct nfgenmsg g = {.nfgen_family = family, .version = NFNETLINK_V0, .res_id = htons(res)};
    sbc_nlb_msg(b, type, flags, &g, sizeof g);
}

void sbc_nft_begin(sbc_nlb *b) { genmsg(b, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES); }
void sbc_nft_end(sbc_nlb *b) { genmsg(b, NFNL_MSG_BATCH_END, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES); }

void sbc_nft_add_table(sbc_nlb *b, const char *table)
{
    genmsg(b, MSG(NFT_MSG_NEWTABLE), NLM_F_CREATE | NLM_F_ACK, NFPROTO_IPV4, 0);
    sbc_nlb_str(b, NFTA_TABLE_NAME, table);
}

void sbc_nft_del_table(sbc_nlb *b, const char *table)
{
    genmsg(b, MSG(NFT_MSG_DELTABLE), NLM_F_ACK, NFPROTO_IPV4, 0);
    sbc_nlb_str(b, NFTA_TABLE_NAME, table);
}

void sbc_nft_add_chain(sbc_nlb *b, const char *table, const char *chain, const char *type,
                       int hook, int prio)
{
    genmsg(b, MSG(NFT_MSG_NEWCHAIN), NLM_F_CREATE | NLM_F_ACK, NFPROTO_IPV4, 0);
    sbc_nlb_str(b, NFTA_CHAIN_TABLE, table);
    sbc_nlb_str(b, NFTA_CHAIN_NAME, chain);
    if (hook >= 0) {
        size_t h = sbc_nlb_nest(b, NFTA_CHAIN_HOOK);
        sbc_nlb_be32(b, NFTA_HOOK_HOOKNUM, (uint32_t)hook);
        sbc_nlb_be32(b, NFTA_HOOK_PRIORITY, (uint32_t)prio);
        sbc_nlb_end(b, h);
        sbc_nlb_be32(b, NFTA_CHAIN_POLICY, NF_ACCEPT);
        sbc_nlb_str(b, NFTA_CHAIN_TYPE, type);
    }
}

void sbc_nft_flush_chain(sbc_nlb *b, const char *table, const char *chain)
{
    genmsg(b, MSG(NFT_MSG_DELRULE), NLM_F_ACK, NFPROTO_IPV4, 0);
    sbc_nlb_str(b, NFTA_RULE_TABLE, table);
    sbc_nlb_str(b, NFTA_RULE_CHAIN, chain);
}

void sbc_nft_del_rule(sbc_nlb *b, const char *table, const char *chain, uint64_t handle)
{
    sbc_nft_flush_chain(b, table, chain);
    sbc_nlb_be64(b, NFTA_RULE_HANDLE, handle);
}

size_t sbc_nft_rule(sbc_nlb *b, const char *table, const char *chain)
{
    genmsg(b, MSG(NFT_MSG_NEWRULE), NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK, NFPROTO_IPV4, 0);
    sbc_nlb_str(b, NFTA_RULE_TABLE, table);
    sbc_nlb_str(b, NFTA_RULE_CHAIN, chain);
    return sbc_nlb_nest(b, NFTA_RULE_EXPRESSIONS);
}

void sbc_nft_rule_end(sbc_nlb *b, size_t exprs, const char *comment)
{
    sbc_nlb_end(b, exprs);
    if (comment && *comment) {
        unsigned char ud[258];
        size_t n = strlen(comment) + 1;
        if (n > 255)
            n = 255;
        ud[0] = UDATA_COMMENT;
        ud[1] = (unsigned char)n;
        memcpy(ud + 2, comment, n - 1);
        ud[1 + n] = 0;
        sbc_nlb_put(b, NFTA_RULE_USERDATA, ud, n + 2);
    }
}

/* ---- expressions ---- */
static size_t x_open(sbc_nlb *b, const char *name, size_t *elem)
{
    *elem = sbc_nlb_nest(b, NFTA_LIST_ELEM);
    sbc_nlb_str(b, NFTA_EXPR_NAME, name);
    return sbc_nlb_nest(b, NFTA_EXPR_DATA);
}

static void x_close(sbc_nlb *b, size_t data, size_t elem)
{
    sbc_nlb_end(b, data);
    sbc_nlb_end(b, elem);
}

static void x_data(sbc_nlb *b, uint16_t type, const void *p, size_t n)
{
    size_t d = sbc_nlb_nest(b, type);
    sbc_nlb_put(b, NFTA_DATA_VALUE, p, n);
    sbc_nlb_end(b, d);
}

static void x_meta(sbc_nlb *b, uint32_t key)
{
    size_t el, d = x_open(b, "meta", &el);
    sbc_nlb_be32(b, NFTA_META_KEY, key);
    sbc_nlb_be32(b, NFTA_META_DREG, REG1);
    x_close(b, d, el);
}

static void x_cmp(sbc_nlb *b, int neq, const void *p, size_t n)
{
    size_t el, d = x_open(b, "cmp", &el);
    sbc_nlb_be32(b, NFTA_CMP_SREG, REG1);
    sbc_nlb_be32(b, NFTA_CMP_OP, neq ? NFT_CMP_NEQ : NFT_CMP_EQ);
    x_data(b, NFTA_CMP_DATA, p, n);
    x_close(b, d, el);
}

static void x_payload(sbc_nlb *b, uint32_t base, uint32_t off, uint32_t len)
{
    size_t el, d = x_open(b, "payload", &el);
    sbc_nlb_be32(b, NFTA_PAYLOAD_DREG, REG1);
    sbc_nlb_be32(b, NFTA_PAYLOAD_BASE, base);
    sbc_nlb_be32(b, NFTA_PAYLOAD_OFFSET, off);
    sbc_nlb_be32(b, NFTA_PAYLOAD_LEN, len);
    x_close(b, d, el);
}

static void x_bitwise(sbc_nlb *b, const void *mask, size_t n)
{
    static const unsigned char zero[16];
    size_t el, d = x_open(b, "bitwise", &el);
    sbc_nlb_be32(b, NFTA_BITWISE_SREG, REG1);
    sbc_nlb_be32(b, NFTA_BITWISE_DREG, REG1);
    sbc_nlb_be32(b, NFTA_BITWISE_LEN, (uint32_t)n);
    x_data(b, NFTA_BITWISE_MASK, mask, n);
    x_data(b, NFTA_BITWISE_XOR, zero, n);
    x_close(b, d, el);
}

void sbc_nft_x_ifname(sbc_nlb *b, int out, const char *name, int neq)
{
    char nm[IFNAMSIZ] = {0};
    snprintf(nm, sizeof nm, "%s", name);
    x_meta(b, out ? NFT_META_OIFNAME : NFT_META_IIFNAME);
    x_cmp(b, neq, nm, sizeof nm);
}

void sbc_nft_x_ip(sbc_nlb *b, int daddr, uint32_t addr, int prefix, int neq)
{
    x_payload(b, NFT_PAYLOAD_NETWORK_HEADER, daddr ? 16 : 12, 4);
    uint32_t mask = prefix ? 0xffffffffu << (32 - prefix) : 0;
    if (prefix < 32) {
        uint32_t m = htonl(mask);
        x_bitwise(b, &m, 4);
    }
    uint32_t a = htonl(addr & mask);
    x_cmp(b, neq, &a, 4);
}

void sbc_nft_x_l4proto(sbc_nlb *b, uint8_t proto)
{
    x_meta(b, NFT_META_L4PROTO);
    x_cmp(b, 0, &proto, 1);
}

void sbc_nft_x_dport(sbc_nlb *b, uint16_t port)
{
    x_payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
    uint16_t p = htons(port);
    x_cmp(b, 0, &p, 2);
}

static void x_fib_local(sbc_nlb *b, uint32_t flag)
{
    size_t el, d = x_open(b, "fib", &el);
    sbc_nlb_be32(b, NFTA_FIB_DREG, REG1);
    sbc_nlb_be32(b, NFTA_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
    sbc_nlb_be32(b, NFTA_FIB_FLAGS, flag);
    x_close(b, d, el);
    uint32_t local = RTN_LOCAL;
    x_cmp(b, 0, &local, 4);
}
void sbc_nft_x_local_daddr(sbc_nlb *b) { x_fib_local(b, NFTA_FIB_F_DADDR); }

void sbc_nft_x_ct(sbc_nlb *b, int key, uint32_t bits)
{
    size_t el, d = x_open(b, "ct", &el);
    sbc_nlb_be32(b, NFTA_CT_KEY, (uint32_t)key);
    sbc_nlb_be32(b, NFTA_CT_DREG, REG1);
    x_close(b, d, el);
    x_bitwise(b, &bits, 4);
    uint32_t zero = 0;
    x_cmp(b, 1, &zero, 4);
}

static void x_empty(sbc_nlb *b, const char *name)
{
    size_t el, d = x_open(b, name, &el);
    x_close(b, d, el);
}
void sbc_nft_x_counter(sbc_nlb *b) { x_empty(b, "counter"); }
void sbc_nft_x_masq(sbc_nlb *b) { x_empty(b, "masq"); }

static void x_imm(sbc_nlb *b, uint32_t reg, const void *p, size_t n)
{
    size_t el, d = x_open(b, "immediate", &el);
    sbc_nlb_be32(b, NFTA_IMMEDIATE_DREG, reg);
    x_data(b, NFTA_IMMEDIATE_DATA, p, n);
    x_close(b, d, el);
}

void sbc_nft_x_dnat(sbc_nlb *b, uint32_t addr, uint16_t port)
{
    uint32_t a = htonl(addr);
    uint16_t p = htons(port);
    x_imm(b, REG1, &a, 4);
    x_imm(b, REG2, &p, 2);
    size_t el, d = x_open(b, "nat", &el);
    sbc_nlb_be32(b, NFTA_NAT_TYPE, NFT_NAT_DNAT);
    sbc_nlb_be32(b, NFTA_NAT_FAMILY, NFPROTO_IPV4);
    sbc_nlb_be32(b, NFTA_NAT_REG_ADDR_MIN, REG1);
    sbc_nlb_be32(b, NFTA_NAT_REG_PROTO_MIN, REG2);
    x_close(b, d, el);
}

void sbc_nft_x_verdict(sbc_nlb *b, int code, const char *chain)
{
    size_t el, d = x_open(b, "immediate", &el);
    sbc_nlb_be32(b, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
    size_t data = sbc_nlb_nest(b, NFTA_IMMEDIATE_DATA);
    size_t v = sbc_nlb_nest(b, NFTA_DATA_VERDICT);
    sbc_nlb_be32(b, NFTA_VERDICT_CODE, (uint32_t)code);
    if (chain)
        sbc_nlb_str(b, NFTA_VERDICT_CHAIN, chain);
    sbc_nlb_end(b, v);
    sbc_nlb_end(b, data);
    x_close(b, d, el);
}

/* ---- talking ---- */
static const char *msg_name(int t)
{
    switch (t) {
    case NFT_MSG_NEWTABLE: return "add table";
    case NFT_MSG_DELTABLE: return "delete table";
    case NFT_MSG_NEWCHAIN: return "add chain";
    case NFT_MSG_NEWRULE: return "add rule";
    case NFT_MSG_DELRULE: return "delete rule";
    default: return "request";
    }
}

int sbc_nft_commit(sbc_nlb *b, sbc_err *e)
{
    sbc_nl nl;
    if (sbc_nl_open(&nl, NETLINK_NETFILTER, e) < 0) {
        sbc_err_wrap(e, "nf_tables");
        return -1;
    }
    /* Errors come back for any message; one ack (on the last message
     * before BATCH_END) is enough to know the batch is done. */
    struct nlmsghdr *last = NULL;
    for (size_t off = 0; off + NLMSG_HDRLEN <= b->len;) {
        struct nlmsghdr *h = (struct nlmsghdr *)(b->data + off);
        if (h->nlmsg_type != NFNL_MSG_BATCH_BEGIN && h->nlmsg_type != NFNL_MSG_BATCH_END) {
            h->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
            last = h;
        }
        off += (h->nlmsg_len + 3u) & ~3u;
    }
    if (last)
        last->nlmsg_flags |= NLM_F_ACK;
    int r = sbc_nl_talk(&nl, b, NULL, NULL, e);
    if (r < 0) {
        /* name the failing message */
        int type = -1, i = 0;
        for (size_t off = 0; off + NLMSG_HDRLEN <= b->len; i++) {
            struct nlmsghdr *h = (struct nlmsghdr *)(b->data + off);
            if (i == nl.err_index)
                type = h->nlmsg_type & 0xff;
            off += (h->nlmsg_len + 3u) & ~3u;
        }
        sbc_err_wrap(e, "nf_tables: %s", type >= 0 ? msg_name(type) : "batch");
    }
    sbc_nl_close(&nl);
    return r;
}

struct rules_arg {
    sbc_nft_rule_fn fn;
    void *arg;
    int r;
};

static int rules_cb(const struct nlmsghdr *h, void *arg)
{
    struct rules_arg *ra = arg;
    if (h->nlmsg_type != MSG(NFT_MSG_NEWRULE) || ra->r < 0)
        return 0;
    const struct nlattr *tb[NFTA_RULE_MAX + 1];
    size_t hl = NLMSG_LENGTH(sizeof(struct nfgenmsg));
    if (h->nlmsg_len < hl)
        return 0;
    sbc_nla_parse(tb, NFTA_RULE_MAX, (const char *)h + NLMSG_ALIGN(hl), h->nlmsg_len - NLMSG_ALIGN(hl));
    if (!tb[NFTA_RULE_HANDLE] || sbc_nla_len(tb[NFTA_RULE_HANDLE]) != 8 || !tb[NFTA_RULE_USERDATA])
        return 0;
    uint32_t w[2];
    memcpy(w, sbc_nla_data(tb[NFTA_RULE_HANDLE]), 8);
    uint64_t handle = ((uint64_t)ntohl(w[0]) << 32) | ntohl(w[1]);
    /* userdata: TLVs (type, len, value) */
    const unsigned char *u = sbc_nla_data(tb[NFTA_RULE_USERDATA]);
    size_t n = sbc_nla_len(tb[NFTA_RULE_USERDATA]);
    while (n >= 2 && (size_t)u[1] + 2 <= n) {
        if (u[0] == UDATA_COMMENT && u[1] > 0) {
            char c[256];
            memcpy(c, u + 2, u[1]);
            c[u[1]] = 0;
            if (ra->fn(handle, c, ra->arg) < 0)
                ra->r = -1;
            break;
        }
        n -= (size_t)u[1] + 2;
        u += (size_t)u[1] + 2;
    }
    return 0;
}

int sbc_nft_rules(const char *table, const char *chain, sbc_nft_rule_fn fn, void *arg, sbc_err *e)
{
    sbc_nl nl;
    if (sbc_nl_open(&nl, NETLINK_NETFILTER, e) < 0)
        return -1;
    sbc_nlb b = {0};
    genmsg(&b, MSG(NFT_MSG_GETRULE), NLM_F_DUMP, NFPROTO_IPV4, 0);
    sbc_nlb_str(&b, NFTA_RULE_TABLE, table);
    sbc_nlb_str(&b, NFTA_RULE_CHAIN, chain);
    struct rules_arg ra = {fn, arg, 0};
    int r = sbc_nl_talk(&nl, &b, rules_cb, &ra, e);
    sbc_nlb_free(&b);
    sbc_nl_close(&nl);
    if (r < 0 && e->errnum == ENOENT)
        return 0;
    if (r < 0) {
        sbc_err_wrap(e, "nf_tables: list rules of %s %s", table, chain);
        return -1;
    }
    return ra.r;
}

struct policy_arg {
    int policy;
};

static int policy_cb(const struct nlmsghdr *h, void *arg)
{
    const struct nlattr *tb[NFTA_CHAIN_MAX + 1];
    size_t hl = NLMSG_LENGTH(sizeof(struct nfgenmsg));
    if (h->nlmsg_type != MSG(NFT_MSG_NEWCHAIN) || h->nlmsg_len < hl)
        return 0;
    sbc_nla_parse(tb, NFTA_CHAIN_MAX, (const char *)h + NLMSG_ALIGN(hl), h->nlmsg_len - NLMSG_ALIGN(hl));
    if (tb[NFTA_CHAIN_POLICY] && sbc_nla_len(tb[NFTA_CHAIN_POLICY]) == 4) {
        uint32_t v;
        memcpy(&v, sbc_nla_data(tb[NFTA_CHAIN_POLICY]), 4);
        ((struct policy_arg *)arg)->policy = (int)ntohl(v);
    }
    return 0;
}

int sbc_nft_chain_policy(const char *table, const char *chain)
{
    sbc_err e = {0};
    sbc_nl nl;
    if (sbc_nl_open(&nl, NETLINK_NETFILTER, &e) < 0)
        return -1;
    sbc_nlb b = {0};
    genmsg(&b, MSG(NFT_MSG_GETCHAIN), NLM_F_ACK, NFPROTO_IPV4, 0);
    sbc_nlb_str(&b, NFTA_CHAIN_TABLE, table);
    sbc_nlb_str(&b, NFTA_CHAIN_NAME, chain);
    struct policy_arg pa = {-1};
    int r = sbc_nl_talk(&nl, &b, policy_cb, &pa, &e);
    sbc_nlb_free(&b);
    sbc_nl_close(&nl);
    return r < 0 ? -1 : pa.policy;
}

int sbc_nft_table_exists(const char *table, sbc_err *e)
{
    sbc_nl nl;
    if (sbc_nl_open(&nl, NETLINK_NETFILTER, e) < 0)
        return -1;
    sbc_nlb b = {0};
    genmsg(&b, MSG(NFT_MSG_GETTABLE), NLM_F_ACK, NFPROTO_IPV4, 0);
    sbc_nlb_str(&b, NFTA_TABLE_NAME, table);
    int r = sbc_nl_talk(&nl, &b, NULL, NULL, e);
    sbc_nlb_free(&b);
    sbc_nl_close(&nl);
    if (r < 0 && e->errnum == ENOENT)
        return 0;
    if (r < 0) {
        sbc_err_wrap(e, "nf_tables: get table %s", table);
        return -1;
    }
    return 1;
}
