/* ipam.h - IPv4 address management: CIDR parsing, the automatic choice of
 * a private subnet that conflicts with nothing on the host, and the lease
 * file of a network.
 *
 * Leases: $SBC_ROOT/network/<net>/leases, one line per address:
 *   IP CONTAINER-ID STATE-DIR PORTS
 * PORTS is "-" or "proto:hostip:hostport:ctrport,..." (published ports, so
 * two containers cannot publish the same host port).  The file is only read
 * and written under flock(LOCK_EX) of <net>/leases.lock and replaced
 * atomically (temp + rename).  A lease whose state dir no longer exists is
 * stale: its container is gone, the address and ports are free again.
 */
#ifndef SBC_IPAM_H
#define SBC_IPAM_H
#include <stdint.h>
#include "base/err.h"
#include "net/netlink.h"

/* "a.b.c.d" -> host order; 0 or -1. */
int sbc_ip_parse(const char *s, uint32_t *ip);
/* host order -> "a.b.c.d" in buf (16 bytes). */
char *sbc_ip_fmt(uint32_t ip, char buf[16]);
/* "a.b.c.d/n" (host bits must be 0 unless loose) -> prefix; 0 or -1. */
int sbc_cidr_parse(const char *s, sbc_prefix *p, int loose);
int sbc_prefix_overlap(sbc_prefix a, sbc_prefix b);
int sbc_prefix_contains(sbc_prefix p, uint32_t ip);
/* The first candidate subnet (172.17..31.0.0/16, then 10.200..10.254 /16,
 * then 192.168.N.0/24) overlapping none of used[0..n); 0 or -1. */
int sbc_subnet_pick(const sbc_prefix *used, int n, sbc_prefix *out);

typedef struct sbc_lease {
    uint32_t ip;
    char *cid, *state_dir, *ports;
} sbc_lease;

typedef struct sbc_leases {
    int fd;      /* leases.lock, held */
    char *dir;   /* the network's dir */
    sbc_lease *v;
    int n;
} sbc_leases;

/* Lock <dir>/leases.lock (creating dir) and read <dir>/leases. */
int sbc_leases_open(sbc_leases *l, const char *dir, sbc_err *e);
/* Write the leases back (atomically) while still holding the lock. */
int sbc_leases_save(sbc_leases *l, sbc_err *e);
/* Unlock and free. */
void sbc_leases_close(sbc_leases *l);
/* Is the lease's container still there (its state dir exists)? */
int sbc_lease_live(const sbc_lease *x);
int sbc_lease_find(const sbc_leases *l, const char *cid);
/* Add a lease (strings copied). */
void sbc_lease_add(sbc_leases *l, uint32_t ip, const char *cid, const char *state_dir, const char *ports);
/* Remove lease i (frees it). */
void sbc_lease_del(sbc_leases *l, int i);
/* Choose an address in net for a new lease: `want` (0 = any) must be a
 * host address of net, not gw, not held by a live lease.  Addresses held
 * by stale leases count as free only when reclaim is set.  0 or -1. */
int sbc_lease_pick(const sbc_leases *l, sbc_prefix net, uint32_t gw, uint32_t want, int reclaim,
                   uint32_t *out, sbc_err *e);

#endif
