#!/bin/bash
# sbc-pull and the image applets against the local registry fixture.
. "$(dirname "$0")/../lib.sh"
[ -n "${SBC_FIXTURE_ENV:-}" ] || { fail "registry fixture not running"; t_done; exit 1; }
. "$SBC_FIXTURE_ENV"
. "$(dirname "$SBC_FIXTURE_ENV")/images.env"
R=$REGISTRY
TREECMP="$(dirname "$0")/../treecmp.py"
nimages() { sbc-images -q 2>/dev/null | wc -l; }
sentinel=/etc/sbc-hostile-abs

# --- a plain pull
expect_out "$R/busybox:latest" "pull -q prints only the full reference" sbc-pull -q "$R/busybox"
run sbc-images
if echo "$OUT" | grep -Eq "^$R/busybox +latest +[0-9a-f]{12} "; then pass "images lists it"; else fail "images ($(_why))"; fi
run sbc-images -q
if [ "$OUT" = "$(echo "${BUSYBOX_CONFIG_DIGEST#sha256:}" | cut -c1-12)" ]; then pass "images -q: the image ID is the config digest"; else fail "images -q ($(_why))"; fi
run sbc-images --format json
if python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' <"$T_TMP/out" && grep -q '"Repository":"'"$R"'/busybox"' "$T_TMP/out"; then pass "images --format json"; else fail "images json ($(_why))"; fi
run sbc-images --digests
if grep -q "$BUSYBOX_DIGEST" "$T_TMP/out"; then pass "images --digests shows the manifest digest"; else fail "images --digests ($(_why))"; fi
expect_rc 0 "unpack busybox" sbc-unpack "$R/busybox" "$T_TMP/bb"
if cmp -s "$T_TMP/bb/bin/busybox" /bin/busybox; then pass "unpacked /bin/busybox is byte-exact"; else fail "unpacked busybox differs"; fi
if [ "$(chroot "$T_TMP/bb" /bin/echo hello 2>&1)" = hello ]; then pass "chroot into the unpacked image runs echo"; else fail "chroot echo"; fi
run sbc-pull "$R/busybox"
if [ "$RC" = 0 ] && ! grep -q "Pull complete" "$T_TMP/err"; then pass "second pull downloads no layer again"; else fail "repull ($(_why))"; fi
expect_out "$R/busybox@$BUSYBOX_DIGEST" "pull by digest prints the digest reference" sbc-pull -q "$R/busybox@$BUSYBOX_DIGEST"
expect_rc 0 "pull by ID prefix resolves for unpack" sbc-unpack "$(sbc-images -q | head -1)" "$T_TMP/byid"

# --- many layers: whiteouts, opaque dirs, links, modes, xattrs, against umoci's unpack
expect_rc 0 "pull layers (5 layers, whiteouts, opaque dir)" sbc-pull "$R/layers"
expect_rc 0 "unpack layers" sbc-unpack "$R/layers" "$T_TMP/layers"
if command -v umoci >/dev/null; then
  umoci unpack --image "$OCI_LAYOUT:layers" "$T_TMP/umoci" >/dev/null 2>&1
  # One known, deliberate difference: layer 3 writes lib64/through-abs-link
  # while lib64 is a symlink in layer 2.  umoci follows the symlink; sbc
  # unpacks each layer on its own, like Docker's overlay2, so in the container
  # (and in sbc-unpack) lib64 becomes a directory.  Compare all the rest.
  rm -rf "$T_TMP/umoci/rootfs/lib64" "$T_TMP/umoci/rootfs/usr/lib/through-abs-link" "$T_TMP/layers-cmp"
  cp -a "$T_TMP/layers" "$T_TMP/layers-cmp"; rm -rf "$T_TMP/layers-cmp/lib64"
  run python3 "$TREECMP" "$T_TMP/umoci/rootfs" "$T_TMP/layers-cmp"
  if [ "$RC" = 0 ]; then pass "unpacked tree equals umoci's (owners, modes, links, contents, xattrs)"; else fail "tree differs from umoci: $(head -c 600 "$T_TMP/out")"; fi
else
  skip "unpacked tree against umoci's: umoci is not installed"
fi
L=$T_TMP/layers
check "whiteout removed data/deleted.txt" test ! -e "$L/data/deleted.txt"
check "whiteout removed data/gone-dir" test ! -e "$L/data/gone-dir"
check "opaque dir hides the lower content" test ! -e "$L/opaque/old1" -a -f "$L/opaque/new1"
check "absolute (dangling) symlink target kept" test "$(readlink "$L/data/dangling")" = /nonexistent/target
check "lib64 is a directory, as Docker's overlay2 makes it" test -d "$L/lib64" -a ! -L "$L/lib64" -a -f "$L/lib64/through-abs-link"
check "setuid bit restored" test -u "$L/usr/local/bin/suid-true"
check "owner 1000:1000 restored" test "$(stat -c %u:%g "$L/data/owned-by-app")" = 1000:1000
check "hardlinks share an inode" test "$(stat -c %i "$L/data/hardlink-src")" = "$(stat -c %i "$L/data/hardlink-dst")"
check "security.capability restored" sh -c "getfattr -n security.capability '$L/usr/local/bin/cap-file' 2>/dev/null | grep -q capability || python3 -c 'import os,sys; os.getxattr(sys.argv[1],\"security.capability\")' '$L/usr/local/bin/cap-file'"

# --- compression variants and platforms
expect_rc 0 "pull a zstd-compressed image" sbc-pull "$R/zstd"
expect_rc 0 "pull an uncompressed image" sbc-pull "$R/uncompressed"
sbc-unpack "$R/zstd" "$T_TMP/z" >/dev/null 2>&1
if cmp -s "$T_TMP/z/bin/busybox" /bin/busybox; then pass "zstd layer unpacked byte-exact"; else fail "zstd unpack"; fi
expect_rc 0 "pull a multi-arch OCI index (host platform)" sbc-pull "$R/multi"
sbc-unpack "$R/multi" "$T_TMP/m1" >/dev/null 2>&1
check "index: the amd64 image was chosen" test "$(cat "$T_TMP/m1/arch" 2>/dev/null)" = amd64
expect_rc 0 "pull --platform linux/arm64 from a Docker manifest list" sbc-pull --platform linux/arm64 "$R/multi-docker"
sbc-unpack "$R/multi-docker" "$T_TMP/m2" >/dev/null 2>&1
check "manifest list: the arm64 image was chosen" test "$(cat "$T_TMP/m2/arch" 2>/dev/null)" = arm64
expect_rc 125 "a platform that is not there" sbc-pull --platform linux/s390x "$R/multi"
expect_err_match "s390x" "missing platform: one line naming it"

# --- auth
before=$(nimages)
run sbc-pull "$R/private/busybox"
if [ "$RC" != 0 ] && grep -Eqi "denied|unauthorized|authentication" "$T_TMP/err" && [ "$(wc -l <"$T_TMP/err")" = 1 ]; then pass "private repo without credentials: clear error"; else fail "private anonymous ($(_why))"; fi
check "nothing stored after the auth failure" test "$(nimages)" = "$before"
mkdir -p "$DOCKER_CONFIG"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$R" "$(printf %s "$READER_CREDS" | base64 -w0)" > "$DOCKER_CONFIG/config.json"
expect_rc 0 "private repo with credentials from config.json" sbc-pull "$R/private/busybox"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$R" "$(printf %s "reader:wrong" | base64 -w0)" > "$DOCKER_CONFIG/config.json"
run sbc-pull "$R/private/busybox:nope"
if [ "$RC" != 0 ] && grep -Eqi "unauthorized|denied|password|credentials" "$T_TMP/err"; then pass "wrong password: clear error"; else fail "wrong password ($(_why))"; fi
rm -f "$DOCKER_CONFIG/config.json"

# --- bad answers: each a one-line error, non-zero, nothing added (an empty
# store, so no layer is skipped as already there)
export SBC_ROOT_SAVE=$SBC_ROOT
export SBC_ROOT=$T_TMP/store-liar
before=$(nimages)
for mode in notfound baddigest badblob truncated brokenjson schema1 html bigmanifest ratelimited denied authloop redirectloop error500; do
  run timeout 60 sbc-pull "$LIAR/$mode/busybox:latest"
  if [ "$RC" != 0 ] && [ "$RC" != 124 ] && [ "$(wc -l <"$T_TMP/err")" = 1 ] && grep -q "sbc-pull: " "$T_TMP/err"; then
    pass "lying registry ($mode): $(head -c 120 "$T_TMP/err")"
  else
    fail "lying registry ($mode) ($(_why))"
  fi
done
grep -qi "manifest unknown" <(timeout 30 sbc-pull "$LIAR/notfound/busybox:latest" 2>&1) && pass "404 says manifest unknown" || fail "404 message"
grep -qi "toomanyrequests\|rate" <(timeout 30 sbc-pull "$LIAR/ratelimited/busybox:latest" 2>&1) && pass "429 says toomanyrequests" || fail "429 message"
grep -qi "digest" <(timeout 30 sbc-pull "$LIAR/badblob/busybox:latest" 2>&1) && pass "bad blob says digest mismatch" || fail "bad blob message"
grep -qi "schema 1\|schema1\|schemaVersion 1" <(timeout 30 sbc-pull "$LIAR/schema1/busybox:latest" 2>&1) && pass "schema 1 refused by name" || fail "schema1 message"
check "no image added by the bad answers" test "$(nimages)" = "$before"
expect_rc 0 "the lying registry's ok mode pulls (resuming the truncated blob)" timeout 60 sbc-pull "$LIAR/ok/busybox:latest"
check "no partial blobs left after a complete pull" sh -c "! ls '$SBC_ROOT'/tmp/*.part 2>/dev/null | grep -q ."
export SBC_ROOT=$SBC_ROOT_SAVE

# --- resume: a truncated download is kept and continued with Range
export SBC_ROOT=$T_TMP/store-resume
mkdir -p "$SBC_ROOT/blobs/sha256"   # the config is there already: the layer is what gets cut
cp "$SBC_ROOT_SAVE/blobs/sha256/${BUSYBOX_CONFIG_DIGEST#sha256:}" "$SBC_ROOT/blobs/sha256/"
run timeout 60 sbc-pull "$LIAR/truncated/busybox:latest"
part=$(ls "$SBC_ROOT"/tmp/*.part 2>/dev/null | head -1)
if [ "$RC" != 0 ] && [ -n "$part" ] && [ "$(stat -c %s "$part")" -gt 0 ]; then pass "truncated download fails and keeps $(stat -c %s "$part") bytes for resume"; else fail "truncated keeps a partial blob ($(_why))"; fi
expect_rc 0 "the next pull resumes it" timeout 60 sbc-pull "$LIAR/ok/busybox:latest"
if grep -q "GET /v2/ok/busybox/blobs/$BUSYBOX_LAYER0_DIGEST HTTP/1.1\" 206" "$FIXTURE_DIR/liar.log"; then pass "resumed with a Range request (206)"; else fail "no 206 Range request in the liar log"; fi
sbc-unpack "$LIAR/ok/busybox:latest" "$T_TMP/resumed" >/dev/null 2>&1
check "the resumed layer is byte-exact" cmp -s "$T_TMP/resumed/bin/busybox" /bin/busybox
export SBC_ROOT=$SBC_ROOT_SAVE

# --- through an HTTPS proxy (CONNECT), and NO_PROXY
python3 "$(dirname "$0")/../fixtures/proxy.py" "$T_TMP/proxy.port" "$T_TMP/proxy.log" </dev/null >/dev/null 2>&1 &
PROXY_PID=$!
on_exit "kill $PROXY_PID"
wait_for 20 test -s "$T_TMP/proxy.port"
PP=$(cat "$T_TMP/proxy.port" 2>/dev/null)
export SBC_ROOT=$T_TMP/store-proxy
run env HTTPS_PROXY="http://127.0.0.1:$PP" NO_PROXY= no_proxy= sbc-pull -q "$R/busybox"
if [ "$RC" = 0 ] && grep -q "^CONNECT $R " "$T_TMP/proxy.log"; then pass "pull through HTTPS_PROXY uses CONNECT"; else fail "proxy pull ($(_why); log: $(head -c 200 "$T_TMP/proxy.log" 2>/dev/null))"; fi
: > "$T_TMP/proxy.log"
rm -rf "$SBC_ROOT"
run env HTTPS_PROXY="http://127.0.0.1:$PP" NO_PROXY=127.0.0.1 sbc-pull -q "$R/busybox"
if [ "$RC" = 0 ] && [ ! -s "$T_TMP/proxy.log" ]; then pass "NO_PROXY bypasses the proxy"; else fail "NO_PROXY ($(_why))"; fi
export SBC_ROOT=$SBC_ROOT_SAVE

# --- progress: bars on a terminal, one line per layer otherwise
export SBC_ROOT=$T_TMP/store-tty
script -qec "sbc-pull $R/layers" /dev/null >"$T_TMP/tty.out" 2>&1 </dev/null
if grep -q $'\033\[' "$T_TMP/tty.out" && grep -q "Pull complete" "$T_TMP/tty.out"; then pass "a terminal gets redrawn per-layer progress lines"; else fail "tty progress: $(head -c 300 "$T_TMP/tty.out" | cat -v)"; fi
rm -rf "$SBC_ROOT"
run sbc-pull "$R/layers"
if [ "$(grep -c "Pull complete" "$T_TMP/err")" = 5 ] && ! grep -q $'\033' "$T_TMP/err"; then pass "no terminal: one plain line per layer"; else fail "non-tty progress ($(_why))"; fi
export SBC_ROOT=$SBC_ROOT_SAVE

# --- config.json: registry-mirrors for docker.io, insecure-registries
export SBC_ROOT=$T_TMP/store-mirror
if skopeo copy -q --src-cert-dir "$CERT_DIR" --dest-cert-dir "$CERT_DIR" --dest-creds "$ADMIN_CREDS" \
     "docker://$R/busybox:latest" "docker://$R/library/busybox:latest" >/dev/null 2>&1; then
  cp "$SBC_CONFIG_DIR/config.json" "$T_TMP/config.save" 2>/dev/null || echo '{}' >"$T_TMP/config.save"
  on_exit "cp '$T_TMP/config.save' '$SBC_CONFIG_DIR/config.json'"
  python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c["registry-mirrors"]=["https://"+sys.argv[2]]; json.dump(c,open(sys.argv[3],"w"))' \
    "$T_TMP/config.save" "$R" "$SBC_CONFIG_DIR/config.json"
  run sbc-pull -q busybox
  if [ "$RC" = 0 ] && [ "$OUT" = docker.io/library/busybox:latest ]; then pass "docker.io pulls go to the configured mirror (no internet needed)"; else fail "registry mirror ($(_why))"; fi
  cp "$T_TMP/config.save" "$SBC_CONFIG_DIR/config.json"
else
  fail "could not copy busybox to library/busybox for the mirror test"
fi
rm -rf "$SBC_ROOT"
mkdir -p "$T_TMP/insecure"
run env SBC_CONFIG_DIR="$T_TMP/insecure" sbc-pull -q "$R/busybox"
if [ "$RC" != 0 ]; then pass "without the CA the registry is refused"; else fail "pulled without the CA"; fi
echo "{\"insecure-registries\":[\"$R\"]}" >"$T_TMP/insecure/config.json"
run env SBC_CONFIG_DIR="$T_TMP/insecure" sbc-pull -q "$R/busybox"
if [ "$RC" = 0 ]; then pass "insecure-registries: unverified TLS allowed for the listed registry"; else fail "insecure registry ($(_why))"; fi
export SBC_ROOT=$SBC_ROOT_SAVE

# --- a stalled download ends with a timeout message, not a hang
export SBC_ROOT=$T_TMP/store-stall
mkdir -p "$SBC_ROOT/blobs/sha256"
cp "$SBC_ROOT_SAVE/blobs/sha256/${BUSYBOX_CONFIG_DIGEST#sha256:}" "$SBC_ROOT/blobs/sha256/"
t0=$(date +%s)
run env SBC_HTTP_TIMEOUT=2 timeout 25 sbc-pull "$LIAR/stallblob/busybox:latest"
t1=$(date +%s)
if [ "$RC" != 0 ] && [ "$RC" != 124 ] && grep -qi "timed out\|timeout" "$T_TMP/err" && [ $((t1 - t0)) -lt 20 ]; then pass "a stalled blob times out with a clear message ($((t1 - t0)) s)"; else fail "stalled blob ($(_why))"; fi
export SBC_ROOT=$SBC_ROOT_SAVE

# --- inspect an image
run sbc-inspect "$R/busybox"
if [ "$RC" = 0 ] && python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; assert d["Id"]==sys.argv[1] and d["RootFS"]["diff_ids"] and d["Config"]["Cmd"]==["sh"] and any(x.endswith("@"+sys.argv[2]) for x in d["RepoDigests"])' "$BUSYBOX_CONFIG_DIGEST" "$BUSYBOX_DIGEST" <"$T_TMP/out"; then pass "inspect IMAGE: id, config, rootfs, repo digest"; else fail "inspect image ($(_why))"; fi
expect_rc 1 "inspect of a missing image fails" sbc-inspect nosuchimage:nope

# --- TLS: an unknown CA is refused
run env SBC_CONFIG_DIR="$T_TMP/noca" SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt sbc-pull "$R/busybox"
if [ "$RC" != 0 ] && grep -Eqi "certificate|authority|x509|trust" "$T_TMP/err"; then pass "unknown CA refused: $(head -c 100 "$T_TMP/err")"; else fail "unknown CA ($(_why))"; fi

# --- TLS: the trust anchors come in tiers (the host's certs.d CAs, the
# system bundle, SSL_CERT_DIR), each read only when the ones before do not
# trust the chain: the registry's CA found in each tier, certs.d holding
# another CA first (the chain is checked again, not refused)
other=$(ls /etc/ssl/certs/*.pem | head -1)
mkdir -p "$T_TMP/tier/certs.d/$R" "$T_TMP/tierdir"
cp "$other" "$T_TMP/tier/certs.d/$R/other.crt"
cp "$CA_CERT" "$T_TMP/tierdir/registry-ca.pem"
empty=$T_TMP/tier-empty.pem; : >"$empty"
for how in "bundle:SSL_CERT_FILE=$CA_CERT SSL_CERT_DIR=" "dir:SSL_CERT_FILE=$empty SSL_CERT_DIR=$T_TMP/tierdir"; do
  # shellcheck disable=SC2086
  run env SBC_CONFIG_DIR="$T_TMP/tier" SBC_ROOT="$T_TMP/tier-store" ${how#*:} sbc-pull -q "$R/busybox"
  if [ "$RC" = 0 ]; then pass "the CA in the ${how%%:*} tier, an unrelated CA in certs.d: pulled"; else fail "CA in the ${how%%:*} tier ($(_why))"; fi
done
run env SBC_CONFIG_DIR="$T_TMP/tier" SBC_ROOT="$T_TMP/tier-store" SSL_CERT_FILE="$empty" SSL_CERT_DIR= sbc-pull -q "$R/busybox"
if [ "$RC" != 0 ] && grep -qi "unknown authority" "$T_TMP/err"; then pass "the CA in no tier: refused"; else fail "CA in no tier ($(_why))"; fi

# --- bad references
for bad in "UPPER/case" "a//b" "x:" "x@sha256:1234" "-x" "a:b:c"; do
  run sbc-pull -- "$bad"
  if [ "$RC" = 125 ] && [ "$(wc -l <"$T_TMP/err")" = 1 ]; then pass "bad reference '$bad': exit 125, one line"; else fail "bad reference '$bad' ($(_why))"; fi
done

# --- hostile layers: rejected, entry named, nothing outside, no image
run sbc-pull "$R/hostile-abs"
sbc-unpack "$R/hostile-abs" "$T_TMP/habs" >/dev/null 2>&1
if [ "$RC" = 0 ] && [ -f "$T_TMP/habs/etc/sbc-hostile-abs" ]; then pass "an absolute member name lands inside the layer (as Docker)"; else fail "hostile abs ($(_why))"; fi
sbc-rmi "$R/hostile-abs" >/dev/null 2>&1
for h in dotdot symlink-dir symlink-rel hardlink-dotdot hardlink-abs symlink-dot symlink-slash deep-dotdot; do
  run sbc-pull "$R/hostile-$h"
  if [ "$RC" != 0 ] && grep -q "entry\|escape\|outside\|unsafe" "$T_TMP/err"; then pass "hostile layer $h rejected: $(head -c 140 "$T_TMP/err")"; else fail "hostile $h ($(_why))"; fi
done
check "nothing was written outside the layers" sh -c "! ls /etc/sbc-hostile-* /tmp/sbc-hostile-* '$SBC_ROOT'/sbc-hostile-* '$SBC_ROOT'/outside 2>/dev/null | grep -q ."
check "no hostile image recorded" sh -c "! sbc-images | grep -q hostile"

# --- concurrency and crashes
export SBC_ROOT_SAVE=$SBC_ROOT
export SBC_ROOT=$T_TMP/store2
sbc-pull -q "$R/layers" >"$T_TMP/c1" 2>&1 & p1=$!
sbc-pull -q "$R/layers" >"$T_TMP/c2" 2>&1 & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
if [ $r1 = 0 ] && [ $r2 = 0 ]; then pass "two concurrent pulls of the same image both succeed"; else fail "concurrent pulls: $r1 $r2 $(cat "$T_TMP/c1" "$T_TMP/c2" | head -c 300)"; fi
check "stored once: one image, 5 distinct layers" test "$(sbc-images -q | wc -l)" = 1 -a "$(ls "$SBC_ROOT/layers" | wc -l)" = 5
export SBC_ROOT=$T_TMP/store3
sh -c 'timeout -s KILL 1 sbc-pull -q "$1/slow/busybox:latest" >/dev/null 2>&1' sh "$LIAR"
check "after kill -9 mid-pull no image is listed" test "$(sbc-images -q | wc -l)" = 0
expect_rc 0 "the next pull completes" sbc-pull -q "$R/busybox"
check "and images lists it" test "$(sbc-images -q | wc -l)" = 1
export SBC_ROOT=$SBC_ROOT_SAVE

# --- tag and rmi
expect_rc 0 "tag" sbc-tag "$R/busybox" mybox:1
check "images shows the new tag" sh -c "sbc-images | grep -Eq '^mybox +1 '"
run sbc-rmi mybox:1
if [ "$RC" = 0 ] && grep -q "Untagged: docker.io/library/mybox:1" "$T_TMP/out" && sbc-images | grep -q "$R/busybox"; then pass "rmi of one of two tags only untags"; else fail "rmi untag ($(_why))"; fi
# an image a container records as its ImageID stays (by ID: no other name
# to fall back to untagging); -f only untags it
bb_id=$(sbc-images -q --no-trunc "$R/busybox")
cid=$(sbc-create --network none "$R/busybox" true 2>/dev/null)
run sbc-rmi "$bb_id"
if [ "$RC" = 1 ] && grep -q "conflict: unable to remove $bb_id: image is being used by container ${cid:0:12}" "$T_TMP/err" && sbc-images | grep -q "$R/busybox"; then pass "rmi of an image a container uses is refused"; else fail "rmi in use ($(_why))"; fi
run sbc-rmi -f "$bb_id"
if [ "$RC" = 0 ] && grep -q "Untagged: $R/busybox:latest" "$T_TMP/out" && ! grep -q "Deleted" "$T_TMP/out" && sbc-images -q --no-trunc | grep -q "$bb_id"; then pass "rmi -f of an image in use only untags it"; else fail "rmi -f in use ($(_why))"; fi
sbc-rm "$cid" >/dev/null
expect_rc 0 "tag the untagged image again by ID" sbc-tag "$bb_id" "$R/busybox"
n_layers=$(ls "$SBC_ROOT/layers" | wc -l)
expect_rc 0 "rmi layers" sbc-rmi "$R/layers"
check "rmi dropped the 4 layers only layers:latest used" test "$(ls "$SBC_ROOT/layers" | wc -l)" = $((n_layers - 4))
check "and their blobs, config and manifest" sh -c "! ls '$SBC_ROOT/blobs/sha256' | grep -q '${LAYERS_CONFIG_DIGEST#sha256:}\|${LAYERS_DIGEST#sha256:}\|${LAYERS_LAYER2_DIGEST#sha256:}'"
expect_rc 1 "rmi of a missing image fails" sbc-rmi nosuchimage
expect_err_match "No such image: nosuchimage" "rmi: No such image"
t_done
