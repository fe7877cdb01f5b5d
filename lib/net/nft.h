/* nft.h - nf_tables over NETLINK_NETFILTER, family ip (IPv4).
 *
 * A batch is built in an sbc_nlb (sbc_nft_begin ... sbc_nft_end) and sent
 * by sbc_nft_commit() in one sendmsg: the kernel applies it as one
 * transaction, all or nothing.  A rule is opened by sbc_nft_rule(), gets
 * expressions from the sbc_nft_x_* helpers (they use registers 1 and 2)
 * and is closed by sbc_nft_rule_end() with an optional comment (stored as
 * nft's own comment userdata, so `nft list` shows it and sbc finds its
 * rules by it).
 */
#ifndef SBC_NFT_H
#define SBC_NFT_H
#include <stdint.h>
#include "base/err.h"
#include "net/netlink.h"

void sbc_nft_begin(sbc_nlb *b);
void sbc_nft_end(sbc_nlb *b);
void sbc_nft_add_table(sbc_nlb *b, const char *table);
void sbc_nft_del_table(sbc_nlb *b, const char *table);
/* type "nat"/"filter"; hook NF_INET_* with priority prio; hook < 0: a
 * regular chain (a jump target).  Re-adding an existing chain is a no-op. */
void sbc_nft_add_chain(sbc_nlb *b, const char *table, const char *chain, const char *type,
                       int hook, int prio);
/* Delete every rule of the chain. */
void sbc_nft_flush_chain(sbc_nlb *b, const char *table, const char *chain);
void sbc_nft_del_rule(sbc_nlb *b, const char *table, const char *chain, uint64_t handle);

/* Open a rule appended to table/chain; returns the expression list's offset. */
size_t sbc_nft_rule(sbc_nlb *b, const char *table, const char *chain);
void sbc_nft_rule_end(sbc_nlb *b, size_t exprs, const char *comment);

/* Expressions (matches compare for equality, or inequality when neq). */
void sbc_nft_x_ifname(sbc_nlb *b, int out, const char *name, int neq); /* iifname/oifname */
void sbc_nft_x_ip(sbc_nlb *b, int daddr, uint32_t addr, int prefix, int neq); /* ip s/daddr a/len */
void sbc_nft_x_l4proto(sbc_nlb *b, uint8_t proto);   /* meta l4proto */
void sbc_nft_x_dport(sbc_nlb *b, uint16_t port);     /* th dport (after l4proto) */
void sbc_nft_x_local_daddr(sbc_nlb *b);              /* fib daddr type local */
void sbc_nft_x_ct(sbc_nlb *b, int key, uint32_t bits); /* ct state/status & bits != 0 */
void sbc_nft_x_counter(sbc_nlb *b);
void sbc_nft_x_masq(sbc_nlb *b);
void sbc_nft_x_dnat(sbc_nlb *b, uint32_t addr, uint16_t port); /* dnat ip to addr:port */
void sbc_nft_x_verdict(sbc_nlb *b, int code, const char *chain); /* NF_ACCEPT, NFT_JUMP, ... */

/* Send the batch; 0 or -1 (e->errnum from the kernel, message names the
 * failing message). */
int sbc_nft_commit(sbc_nlb *b, sbc_err *e);

/* Call fn for every rule of table/chain that has a comment; a missing table
 * or chain is an empty list. */
typedef int (*sbc_nft_rule_fn)(uint64_t handle, const char *comment, void *arg);
int sbc_nft_rules(const char *table, const char *chain, sbc_nft_rule_fn fn, void *arg, sbc_err *e);
/* The policy (NF_ACCEPT, NF_DROP) of a base chain; -1 when there is none. */
int sbc_nft_chain_policy(const char *table, const char *chain);
/* 1 if the table exists, 0 if not, -1 on error. */
int sbc_nft_table_exists(const char *table, sbc_err *e);

#endif
