/* ports.h - published ports (-p [IP:][HOSTPORT:]CTRPORT[/tcp|udp], -P). */
#ifndef SBC_NET_PORTS_H
#define SBC_NET_PORTS_H
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"

typedef struct sbc_port {
    uint32_t host_ip;    /* host order; 0 = all addresses */
    uint16_t host_port;  /* 0 = choose a free one */
    uint16_t port;       /* in the container */
    uint8_t proto;       /* IPPROTO_TCP / IPPROTO_UDP */
} sbc_port;
/* Parse "[IP:][HOSTPORT:]CTRPORT[/tcp|udp]" (Docker's -p); 0 or -1. */
int sbc_port_parse(const char *spec, sbc_port *p, sbc_err *e);
/* "0.0.0.0:8080->80/tcp" */
void sbc_port_fmt(const sbc_port *p, char *buf, size_t n);
/* The published ports of the container whose state dir is given, as
 * `docker ps` shows them ("0.0.0.0:8080->80/tcp, 0.0.0.0:5353->53/udp");
 * "" when none.  malloc'd, never NULL. */
char *sbc_net_ports_string(const char *state_dir);

#endif
