/* etcfiles.h - the /etc/hosts and /etc/resolv.conf a container gets. */
#ifndef SBC_NET_ETCFILES_H
#define SBC_NET_ETCFILES_H
#include <cjson/cJSON.h>
#include "base/err.h"
#include "base/io.h"

/* /etc/hosts: localhost lines, "ip hostname [name]" (when ip), then
 * add_hosts ("host:ip"; "host-gateway" = gateway). */
int sbc_net_hosts(sbc_buf *out, const char *ip, const char *hostname, const char *name,
                  const cJSON *add_hosts, const char *gateway, sbc_err *e);
/* /etc/resolv.conf from the host's text: its search/options lines and
 * nameservers, except loopback ones (unusable in a netns) which are replaced
 * by the non-loopback nameservers of systemd_text (systemd-resolved's
 * upstream list, may be NULL), else 8.8.8.8 and 8.8.4.4.  dns/search/
 * options (JSON string arrays, may be NULL) replace the host's.  keep_loopback
 * for host networking. */
void sbc_net_resolv(sbc_buf *out, const char *host_text, const char *systemd_text, const cJSON *dns,
                    const cJSON *search, const cJSON *options, int keep_loopback);

#endif
