/* options.h - a container's network options.
 *
 * On disk they are JSON (config.json's NetOpts, written by create); every
 * key is optional:
 * netopts (the JSON `run` hands over; every key optional):
 *   "mode":       "bridge" (default) | "none" | "host" | "container" |
 *                 "pasta" | "slirp4netns" (outbound through that tool,
 *                 published ports through sbc's forwarder: usernet.c)
 *   "container_state_dir": for "container": the target's state dir (its
 *                 hosts/resolv.conf are shared)
 *   "name":       container name (added to /etc/hosts)
 *   "hostname":   the container's hostname (default: first 12 of the id)
 *   "ip":         fixed address in the subnet (--ip)
 *   "publish":    ["[IP:][HOSTPORT:]CTRPORT[/tcp|udp]", ...] (-p)
 *   "publish_all": true (-P), with
 *   "exposed":    ["80/tcp", "53/udp", ...] (the image's ExposedPorts keys)
 *   "dns": [...], "dns_search": [...], "dns_options": [...]
 *   "add_hosts":  ["host:ip", ...] (ip may be "host-gateway")
 *   "network":    a user network's name (mode "bridge"), and
 *   "aliases":    [names...] the container's other names there
 *
 *
 * sbc_netopts_parse checks that document (it may be hostile) once and
 * gives the struct the network code works with.
 */
#ifndef SBC_NET_OPTIONS_H
#define SBC_NET_OPTIONS_H
#include <stdint.h>
#include <cjson/cJSON.h>
#include "base/err.h"
#include "net/ports.h"

typedef enum sbc_net_mode { SBC_NET_BRIDGE, SBC_NET_NONE, SBC_NET_HOST, SBC_NET_CONTAINER, SBC_NET_PASTA, SBC_NET_SLIRP } sbc_net_mode;
/* The mode's name as netopts' "mode" has it ("slirp4netns" for SLIRP). */
const char *sbc_net_mode_name(sbc_net_mode m);

typedef struct sbc_netopts {
    sbc_net_mode mode;
    uint32_t ip;                    /* --ip (host order), 0 = any */
    sbc_port *ports;                /* -p, then with -P the exposed ones (malloc'd) */
    int nports;
    int publish_all;
    /* these point into the parsed document, which must outlive the struct */
    const char *name, *hostname;
    const char *ctr_dir;            /* container: the target's state dir */
    const char *network;            /* a user network's name (NULL: bridge) */
    const cJSON *dns, *search, *options, *add_hosts, *exposed;  /* string arrays or NULL */
    const cJSON *aliases;           /* --network-alias: names on a user network */
} sbc_netopts;

/* Parse and check netopts j (NULL: the defaults); 0, or -1 with a clear
 * one-line message. */
int sbc_netopts_parse(const cJSON *j, sbc_netopts *o, sbc_err *e);
void sbc_netopts_free(sbc_netopts *o);

#endif
