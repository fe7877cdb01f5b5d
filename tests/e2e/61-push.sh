#!/bin/bash
# sbc-push against the registry fixture: credentials, HEAD skips, mounts,
# monolithic and chunked uploads, digests checked with skopeo and sbc-pull.
. "$(dirname "$0")/../lib.sh"
[ -n "${SBC_FIXTURE_ENV:-}" ] || { fail "registry fixture not running"; t_done; exit 1; }
. "$SBC_FIXTURE_ENV"
. "$(dirname "$SBC_FIXTURE_ENV")/images.env"
R=$REGISTRY
T=$T_TMP
export DOCKER_CONFIG="$T/docker"
mkdir -p "$DOCKER_CONFIG"
SK=(--cert-dir "$CERT_DIR" --creds "$ADMIN_CREDS")
U=u$$$RANDOM   # unique repositories: the fixture's storage outlives the test
on_exit "rm -rf --one-file-system '$T/empty-store'"

# --- no credentials / wrong password / read-only user: clear error, no tag
expect_rc 0 "pull busybox" sbc-pull -q "$R/busybox"
run sbc-push "$R/busybox" "$R/$U/nocreds:1"
if [ "$RC" != 0 ] && tail -1 "$T/err" | grep -Eq "^sbc-push: .*(unauthorized|denied)"; then pass "push without credentials fails clearly"; else fail "no creds ($(_why))"; fi
printf '{"auths":{"%s":{"auth":"%s"}}}' "$R" "$(printf admin:wrong | base64)" >"$DOCKER_CONFIG/config.json"
run sbc-push "$R/busybox" "$R/$U/wrongpw:1"
if [ "$RC" != 0 ] && tail -1 "$T/err" | grep -q "incorrect username or password"; then pass "push with a wrong password: clear error"; else fail "wrong password ($(_why))"; fi
if ! skopeo inspect "${SK[@]}" "docker://$R/$U/wrongpw:1" >/dev/null 2>&1; then pass "nothing half-pushed shows as the tag"; else fail "the tag exists after a failed push"; fi
printf '{"auths":{"%s":{"auth":"%s"}}}' "$R" "$(printf %s "$READER_CREDS" | base64)" >"$DOCKER_CONFIG/config.json"
run sbc-push "$R/busybox" "$R/$U/reader:1"
if [ "$RC" != 0 ] && grep -Eq "denied|unauthorized" "$T/err"; then pass "push with pull-only rights is refused"; else fail "reader push ($(_why))"; fi

expect_rc 0 "login with push rights" sbc-login -u "${ADMIN_CREDS%%:*}" -p "${ADMIN_CREDS#*:}" "$R"

# --- a pulled image: mounted from its repository, manifest digest kept
run sbc-push "$R/busybox" "$R/$U/busybox:copy"
if [ "$RC" = 0 ] && grep -q "Mounted from busybox" "$T/err"; then pass "cross-repository mount of the pulled layers"; else fail "mount ($(_why))"; fi
if [ "$OUT" = "$R/$U/busybox:copy@$BUSYBOX_DIGEST" ]; then pass "the pushed manifest has the pulled digest"; else fail "digest kept ($OUT vs $BUSYBOX_DIGEST)"; fi
run sbc-push "$R/busybox" "$R/$U/busybox:copy"
if [ "$RC" = 0 ] && grep -q "Layer already exists" "$T/err" && ! grep -q "Pushed" "$T/err"; then pass "second push: HEAD skips every blob"; else fail "second push ($(_why))"; fi

# --- a built image: monolithic and chunked uploads
S=$T/src; mkdir -p "$S/data"
head -c 3000000 /dev/urandom >"$S/data/random"
echo hello >"$S/data/hello"
ID=$(sbc-init "$S" built:1)
run sbc-push built:1 "$R/$U/mono:1"
if [ "$RC" = 0 ] && grep -q "Pushed" "$T/err"; then pass "monolithic upload of a new layer"; else fail "mono ($(_why))"; fi
DIG_MONO=${OUT##*@}
run sbc-push --chunk-size 1M built:1 "$R/$U/chunked:1"
if [ "$RC" = 0 ]; then pass "push --chunk-size (PATCH with Content-Range)"; else fail "chunked ($(_why))"; fi
DIG_CHUNK=${OUT##*@}
if grep -q "Mounted from $U/mono" "$T/err"; then pass "a blob pushed before is mounted from that repository"; else fail "mount from the pushed repo ($(_why))"; fi
# force a real chunked upload: a fresh layer
head -c 2500000 /dev/urandom >"$S/data/random"
sbc-init "$S" built:2 >/dev/null
run sbc-push --chunk-size 1M built:2 "$R/$U/chunked:2"
if [ "$RC" = 0 ] && grep -q "Pushed" "$T/err"; then pass "a 2.5 MB layer uploaded in 1 MB chunks"; else fail "chunked upload ($(_why))"; fi
LAYER=$(python3 -c 'import json,sys,glob; print(json.load(open(glob.glob(sys.argv[1]+"/images/"+sys.argv[2].split(":")[1]+".json")[0]))["Layers"][0]["Digest"])' "$SBC_ROOT" "$(sbc-inspect built:2 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])')")
run skopeo inspect "${SK[@]}" --raw "docker://$R/$U/chunked:2"
if [ "$RC" = 0 ] && echo "$OUT" | grep -q "$LAYER"; then pass "the registry serves the chunked manifest with the stored layer digest"; else fail "skopeo inspect chunked ($(_why))"; fi

# --- read back with skopeo and with sbc into an empty store
run skopeo copy --src-cert-dir "$CERT_DIR" --src-creds "$ADMIN_CREDS" "docker://$R/$U/mono:1" "oci:$T/sk:mono"
if [ "$RC" = 0 ]; then pass "skopeo copies the pushed image (digests verified)"; else fail "skopeo copy ($(_why))"; fi
SKD=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]+"/index.json"))["manifests"][0]["digest"])' "$T/sk")
if [ "$SKD" = "$DIG_MONO" ]; then pass "skopeo sees the manifest digest sbc pushed"; else fail "skopeo digest $SKD vs $DIG_MONO"; fi
run env SBC_ROOT="$T/empty-store" sbc-pull -q "$R/$U/chunked:1"
ID2=$(SBC_ROOT="$T/empty-store" sbc-inspect "$R/$U/chunked:1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])' 2>/dev/null)
if [ "$RC" = 0 ] && [ "$ID2" = "$ID" ]; then pass "sbc-pull into an empty store gives the same image ID"; else fail "pull back ($ID2 vs $ID; $(_why))"; fi
if [ "$DIG_CHUNK" = "$DIG_MONO" ]; then pass "the same image pushed twice has one manifest digest"; else fail "digests $DIG_CHUNK $DIG_MONO"; fi
t_done
