/* tls.h - TLS 1.2 client connections on BearSSL.
 *
 * Trust: the system CA bundle (SSL_CERT_FILE, else the usual distro paths;
 * plus every file in SSL_CERT_DIR when set), loaded once on first use and
 * shared read-only, plus for the host being contacted only:
 * $SBC_CONFIG_DIR/certs.d/HOST[:PORT]/ *.crt (default /etc/sbc) and
 * /etc/docker/certs.d/HOST[:PORT]/ *.crt.  A chain is trusted when any of
 * them is its root; they are tried in tiers (the host's, the bundle,
 * SSL_CERT_DIR), a tier read only when those before do not trust the chain,
 * so a registry with its CA in certs.d costs no system bundle.  The server name is checked against
 * DNS SANs (BearSSL); for an IP-literal host the IP SAN is checked here (and
 * no SNI is sent).  A minimal profile: TLS 1.2, ECDHE with AES-GCM or
 * ChaCha20-Poly1305, RSA or ECDSA certificates.
 *
 * Each sbc_tls has its own buffers (~34 KiB): one connection per thread.
 */
#ifndef SBC_TLS_H
#define SBC_TLS_H
#include <sys/types.h>
#include "base/err.h"

typedef struct sbc_tls sbc_tls;

/* Handshake over the connected socket fd (taken over: closed by
 * sbc_tls_close).  host: name or IP literal (no brackets, no port) to
 * verify; hostport: "host[:port]" for certs.d lookup and messages.
 * insecure: skip all certificate checks.  timeout_ms bounds each wait for
 * the socket.  Errors: "HOSTPORT: certificate signed by unknown authority",
 * "HOSTPORT: certificate is not valid for HOST", ... */
sbc_tls *sbc_tls_connect(int fd, const char *host, const char *hostport, int insecure,
                         int timeout_ms, sbc_err *e);
/* >0 bytes, 0 at end of stream (close_notify or TCP close), -1 error. */
ssize_t sbc_tls_read(sbc_tls *t, void *buf, size_t n, sbc_err *e);
/* Write all of buf and flush; 0 or -1. */
int sbc_tls_write(sbc_tls *t, const void *buf, size_t n, sbc_err *e);
/* Close the socket too (no close_notify: we never reuse a failed stream). */
void sbc_tls_close(sbc_tls *t);

/* Number of system trust anchors loaded (loads them); for tests/debug. */
size_t sbc_tls_system_anchors(void);

#endif
