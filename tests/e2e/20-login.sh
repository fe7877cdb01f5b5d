#!/bin/bash
# sbc-login / sbc-logout against the token-auth registry fixture, and the
# TLS checks of sbc's HTTPS client (trusted CA via certs.d, unknown CA).
. "$(dirname "$0")/../lib.sh"
[ -n "${SBC_FIXTURE_ENV:-}" ] || { fail "registry fixture not running"; t_done; exit 1; }
. "$SBC_FIXTURE_ENV"

# a private Docker config dir for this script
export DOCKER_CONFIG="$T_TMP/docker"
CFG="$DOCKER_CONFIG/config.json"
RUSER=${READER_CREDS%%:*}
RPASS=${READER_CREDS#*:}

# other keys in config.json survive
mkdir -p "$DOCKER_CONFIG"
echo '{"auths":{"other.example:5000":{"auth":"eDp5"}},"psFormat":"table"}' >"$CFG"

expect_rc 0 "login with good credentials (-p)" sbc-login -u "$RUSER" -p "$RPASS" "$REGISTRY"
if grep -q '^Login Succeeded$' "$T_TMP/out"; then pass "login prints Login Succeeded"; else fail "login output ($(_why))"; fi
want=$(printf '%s' "$READER_CREDS" | base64)
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["auths"][sys.argv[2]]["auth"]==sys.argv[3]; assert d["psFormat"]=="table"; assert "other.example:5000" in d["auths"]' "$CFG" "$REGISTRY" "$want"; then
  pass "credentials stored in Docker's format, other keys kept"
else
  fail "config.json content: $(cat "$CFG")"
fi
if [ "$(stat -c %a "$CFG")" = 600 ]; then pass "config.json is mode 0600"; else fail "config.json mode $(stat -c %a "$CFG")"; fi

# --password-stdin, and a second registry name for the same server
run sh -c "printf '%s\n' '$RPASS' | sbc-login -u '$RUSER' --password-stdin '$REGISTRY_LOCALHOST'"
if [ "$RC" = 0 ] && grep -q "\"$REGISTRY_LOCALHOST\"" "$CFG"; then pass "login --password-stdin"; else fail "login --password-stdin ($(_why))"; fi

# wrong password: clear message, non-zero, nothing stored
cp "$CFG" "$T_TMP/before.json"
expect_rc 125 "login without a password fails" sbc-login -u "$RUSER" "$REGISTRY"
run sh -c "echo wrong-pw | sbc-login -u '$RUSER' --password-stdin '$REGISTRY'"
if [ "$RC" != 0 ]; then pass "bad password: non-zero exit ($RC)"; else fail "bad password accepted"; fi
expect_err_match "^sbc-login: $REGISTRY: unauthorized: incorrect username or password$" "bad password: one clear line"
if cmp -s "$CFG" "$T_TMP/before.json"; then pass "bad password: config.json unchanged"; else fail "config.json changed after a failed login"; fi

# TLS: without the fixture's CA the server is not trusted
run sh -c "echo '$RPASS' | SBC_CONFIG_DIR='$T_TMP/empty-config' sbc-login -u '$RUSER' --password-stdin '$REGISTRY'"
expect_err_match "$REGISTRY: x509: certificate signed by unknown authority" "unknown CA is rejected with a clear message"
# nothing listening: connect error names the host
run sh -c "echo b | SBC_HTTP_TIMEOUT=5 sbc-login -u a --password-stdin 127.0.0.1:1"
expect_err_match "^sbc-login: 127.0.0.1:1: connect: Connection refused$" "connection refused names host:port"
expect_rc 125 "bad registry host is a usage-style error" sbc-login -u a -p b 'bad host!'

# logout
expect_out "Removing login credentials for $REGISTRY" "logout removes the entry" sbc-logout "$REGISTRY"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert sys.argv[2] not in d["auths"]; assert "other.example:5000" in d["auths"]' "$CFG" "$REGISTRY"; then
  pass "logout removed only that registry"
else
  fail "config.json after logout: $(cat "$CFG")"
fi
expect_out "Not logged in to $REGISTRY" "logout again: not logged in" sbc-logout "$REGISTRY"
t_done
