/* config.h - sbc's own configuration: $SBC_CONFIG_DIR/config.json
 * (default /etc/sbc/config.json), Docker daemon.json style:
 *   {"insecure-registries": ["myreg:5000", "10.0.0.0/8"],
 *    "registry-mirrors": ["https://mirror.example.com"]}
 * A missing file is an empty configuration; a malformed one is an error.
 */
#ifndef SBC_CONFIG_H
#define SBC_CONFIG_H
#include "base/err.h"

/* 1 when sbc runs as an ordinary user (rootless: its store, state and
 * config are the user's own, its containers in a user namespace). */
int sbc_rootless(void);
/* $SBC_CONFIG_DIR or "/etc/sbc"; rootless, $XDG_CONFIG_HOME/sbc or
 * ~/.config/sbc. */
const char *sbc_config_dir(void);
/* The store: $SBC_ROOT or "/var/lib/sbc" (rootless: $XDG_DATA_HOME/sbc or
 * ~/.local/share/sbc) (as given: may be relative;
 * sbc_store_open makes it absolute).  The one place that knows the default. */
const char *sbc_root_dir(void);

typedef struct sbc_config {
    char **insecure; /* "host[:port]" or CIDR */
    int ninsecure;
    char **mirrors; /* base URLs, e.g. "https://mirror:5000" (no trailing /) */
    int nmirrors;
    char *userns_remap; /* "userns-remap": "default" or a user (NULL: off) */
} sbc_config;

int sbc_config_load(sbc_config *c, sbc_err *e);
void sbc_config_free(sbc_config *c);
/* 1 if hostport ("host[:port]") is listed as insecure: exact match, host
 * without port, or an IP within a listed CIDR.  localhost and 127.0.0.0/8
 * are NOT implicitly insecure (tests rely on real TLS there). */
int sbc_config_insecure(const sbc_config *c, const char *hostport);

#endif
