/* auth.h - registry credentials in Docker's config.json:
 * $DOCKER_CONFIG/config.json, default ~/.docker/config.json:
 *   {"auths": {"HOST[:PORT]": {"auth": "base64(user:pass)"}}, ...}
 * docker.io is stored under "https://index.docker.io/v1/" like Docker.
 * Lookups also accept keys written as "https://HOST/..." or "http://HOST".
 * Credential helpers (credsStore) are not supported (they are programs).
 */
#ifndef SBC_AUTH_H
#define SBC_AUTH_H
#include "base/err.h"

/* malloc'd path of the config file. */
char *sbc_auth_config_path(void);
/* The key credentials for domain are stored under (static or domain). */
const char *sbc_auth_key(const char *domain);
/* 0 and *user, *pass malloc'd when found; 1 when none; -1 on error
 * (unreadable or malformed file). */
int sbc_auth_get(const char *domain, char **user, char **pass, sbc_err *e);
/* Store (replacing), preserving other keys; atomic, mode 0600. */
int sbc_auth_store(const char *domain, const char *user, const char *pass, sbc_err *e);
/* 0 removed, 1 was not logged in, -1 error. */
int sbc_auth_erase(const char *domain, sbc_err *e);

#endif
