#!/bin/bash
# 65-volumes: sbc-volume create/ls/inspect/rm/prune, -v NAME:/DIR, -v /DIR,
# --mount, the image's Volumes, copy-up from the image, rm -v, in use,
# hostile names, planted symlinks, remapped containers.
. "$(dirname "$0")/../lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
cleanup_all() { for c in $(sbc-ps -aq --no-trunc 2>/dev/null); do sbc-rm -f "$c"; done; }
on_exit cleanup_all
bash "$FIX/mkimage.sh" busybox >/dev/null || { fail "mkimage"; t_done; exit 1; }
VOLUMES='{"/home/app":{}}' bash "$FIX/mkimage.sh" volimg >/dev/null || { fail "mkimage volimg"; t_done; exit 1; }
R=(sbc-run --rm --network none)
V=$SBC_ROOT/volumes
export V

# --- sbc-volume create / inspect / ls ---
expect_out "v1" "create NAME prints the name" sbc-volume create --label team=a v1
[ -d "$V/v1/_data" ] && [ "$(stat -c '%a %u' "$V/v1/_data")" = "755 0" ] && pass "_data is 0755 root" || fail "_data mode $(stat -c '%a %u' "$V/v1/_data" 2>&1)"
run sbc-volume inspect v1
echo "$OUT" | python3 -c 'import json,sys,os; d=json.load(sys.stdin)[0]; assert d["Name"]=="v1" and d["Driver"]=="local" and d["Scope"]=="local" and d["Labels"]=={"team":"a"} and d["Mountpoint"]==os.environ["V"]+"/v1/_data" and d["CreatedAt"].startswith("20") and d["Options"]=={}' && pass "inspect: Docker's fields" || fail "inspect ($(_why))"
expect_rc 1 "inspect of a missing volume fails" sbc-volume inspect nosuch
expect_err_match 'No such volume: nosuch' "inspect names the missing volume"
run sbc-volume create
[ "$RC" = 0 ] && [[ "$OUT" =~ ^[0-9a-f]{64}$ ]] && [ -d "$V/$OUT/_data" ] && pass "create without NAME: a 64-hex name" || fail "create anonymous ($(_why))"
gen=$OUT
expect_out "v1" "create of an existing volume keeps it" sbc-volume create v1
run sbc-volume ls
echo "$OUT" | grep -Eq '^DRIVER +VOLUME NAME$' && echo "$OUT" | grep -Eq '^local +v1$' && pass "ls table" || fail "ls ($(_why))"
run sbc-volume ls -q
[ "$(echo "$OUT" | sort)" = "$(printf '%s\nv1' "$gen" | sort)" ] && pass "ls -q" || fail "ls -q ($(_why))"
expect_out "v1" "ls --filter name=" sbc-volume ls -q --filter name=v1
run sbc-volume ls --format json
echo "$OUT" | python3 -c 'import json,sys; n=[json.loads(l)["Name"] for l in sys.stdin]; assert "v1" in n and len(n)==2' && pass "ls --format json" || fail "ls json ($(_why))"
expect_rc 125 "create -o refused (no local options here)" sbc-volume create -o type=nfs v9
expect_err_match 'create v9: unknown option type=nfs' "create -o: one line naming the option"
expect_rc 125 "create -d other refused" sbc-volume create -d nfs v9
expect_err_match 'create v9: driver nfs' "create -d: one line naming the driver"
check "refused creates made nothing" test ! -e "$V/v9"

# hostile names
for bad in '../x' 'a/b' '.hidden' '-x' "$(printf 'a%.0s' {1..200})"; do
  expect_rc 125 "create '${bad:0:20}' refused" sbc-volume create "$bad"
done
mkdir -p "$SBC_ROOT/outside"
expect_rc 1 "volume rm ../outside refused" sbc-volume rm ../outside
expect_err_match 'No such volume: \.\./outside' "rm of a hostile name: no such volume"
check "rm ../outside removed nothing outside the volumes" test -d "$SBC_ROOT/outside"
expect_rc 1 "volume inspect ../outside refused" sbc-volume inspect ../outside
check "no volume escaped the store" test ! -e "$SBC_ROOT/x" -a ! -e "$V/a"
expect_rc 125 "-v ../x:/d refused" "${R[@]}" -v ../x:/d busybox true
expect_err_match 'invalid volume specification' "-v ../x: one clear line"
expect_rc 125 "-v a/b:/d refused" "${R[@]}" -v a/b:/d busybox true
expect_rc 125 "-v :/d (empty name) refused" "${R[@]}" -v :/d busybox true
expect_rc 125 "-v NAME:relative refused" "${R[@]}" -v v1:d busybox true
check "no volume a/ or x made" test ! -e "$V/a" -a ! -e "$SBC_ROOT/x"

# --- -v NAME:/DIR: made on first use, shared, survives rm ---
expect_rc 0 "-v NAME:/DIR makes the volume" "${R[@]}" -v shared:/s busybox sh -c 'echo hello >/s/f'
check "the write is in the volume's _data" grep -qx hello "$V/shared/_data/f"
id=$(sbc-run -d --network none -v shared:/s busybox sleep 60)
expect_out hello "a second container reads what the first wrote" sbc-exec "$id" cat /s/f
expect_rc 1 "volume rm of a volume in use fails" sbc-volume rm shared
expect_err_match "remove shared: volume is in use - \[$id\]" "in use: Docker's message with the container"
expect_rc 1 "volume rm -f of a volume in use still fails" sbc-volume rm -f shared
check "the volume is still there" test -f "$V/shared/_data/f"
run sbc-volume ls -q --filter dangling=true
! echo "$OUT" | grep -qx shared && echo "$OUT" | grep -qx v1 && pass "dangling=true: v1, not the used one" || fail "dangling ($(_why))"
expect_out shared "dangling=false" sbc-volume ls -q --filter dangling=false
run sbc-inspect "$id"
echo "$OUT" | python3 -c 'import json,sys; m=json.load(sys.stdin)[0]["Mounts"]; assert any(x["Type"]=="volume" and x["Name"]=="shared" and x["Destination"]=="/s" for x in m)' && pass "inspect Mounts: Type volume, Name" || fail "inspect Mounts ($(_why))"
sbc-rm -f "$id" >/dev/null
check "volume survives rm -f of its container" test -f "$V/shared/_data/f"
expect_out shared "volume rm once unused" sbc-volume rm shared
check "its directory is gone" test ! -e "$V/shared"
expect_rc 1 "volume rm of a missing volume fails" sbc-volume rm shared
expect_rc 0 "volume rm -f of a missing volume is fine" sbc-volume rm -f shared

# :ro
run "${R[@]}" -v v1:/s:ro busybox sh -c 'echo x >/s/f'
[ "$RC" != 0 ] && [ ! -e "$V/v1/_data/f" ] && pass "NAME:/DIR:ro is read-only" || fail ":ro ($(_why))"

# --- copy-up ---
run "${R[@]}" -v etcv:/etc busybox true
[ "$RC" = 0 ] && grep -qx layer2 "$V/etcv/_data/layer" && [ ! -e "$V/etcv/_data/whiteme" ] && [ -s "$V/etcv/_data/passwd" ] && pass "copy-up: the image's /etc, top layer wins, whiteouts applied" || fail "copy-up ($(_why))"
echo changed >"$V/etcv/_data/layer"
expect_out changed "no copy-up into a volume that has content" "${R[@]}" -v etcv:/etc busybox cat /etc/layer
run "${R[@]}" --mount type=volume,source=nocp,target=/etc,volume-nocopy busybox /bin/true
[ "$RC" = 0 ] && [ -d "$V/nocp/_data" ] && [ -z "$(ls -A "$V/nocp/_data")" ] && pass "volume-nocopy: left empty" || fail "nocopy ($(_why))"
run "${R[@]}" -v homev:/home busybox true
[ "$(stat -c %u "$V/homev/_data/app" 2>&1)" = 1000 ] && pass "copy-up keeps owners (home/app 1000)" || fail "copy-up owner ($(stat -c %u "$V/homev/_data/app" 2>&1))"
run "${R[@]}" -v binv:/bin busybox true
[ -L "$V/binv/_data/sh" ] && [ "$(readlink "$V/binv/_data/sh")" = busybox ] && pass "copy-up keeps symlinks as links" || fail "copy-up symlink ($(ls -l "$V/binv/_data/sh" 2>&1))"
# a symlink in the image path is never followed: /bin/sh is one (to busybox)
run "${R[@]}" -v lnk:/bin/sh/x busybox true
[ -z "$(ls -A "$V/lnk/_data" 2>/dev/null)" ] && pass "copy-up through an image symlink copies nothing" || fail "copy-up followed a symlink ($(ls "$V/lnk/_data" 2>&1 | head -3))"

# --- planted symlinks in _data: never followed to the host ---
mkdir -p "$T_TMP/host"; echo secret >"$T_TMP/host/keep"
sbc-volume create evil >/dev/null
ln -s "$T_TMP/host" "$V/evil/_data/link"
ln -s "$T_TMP/host/keep" "$V/evil/_data/flink"
expect_rc 0 "a volume with planted links mounts (not empty: no copy-up)" "${R[@]}" -v evil:/etc busybox true
check "copy-up wrote nothing through the link" test ! -e "$T_TMP/host/passwd"
expect_out evil "volume rm of the planted volume" sbc-volume rm evil
[ "$(cat "$T_TMP/host/keep" 2>&1)" = secret ] && pass "rm did not follow the planted links" || fail "host file touched"

# --- --mount ---
mkdir -p "$T_TMP/bsrc"; echo b >"$T_TMP/bsrc/f"
expect_out b "--mount type=bind" "${R[@]}" --mount "type=bind,source=$T_TMP/bsrc,target=/b,readonly" busybox cat /b/f
run "${R[@]}" --mount "type=bind,source=$T_TMP/bsrc,target=/b,readonly" busybox sh -c 'echo x >/b/g'
[ "$RC" != 0 ] && [ ! -e "$T_TMP/bsrc/g" ] && pass "--mount readonly" || fail "--mount readonly ($(_why))"
expect_rc 125 "--mount bind with a missing source" "${R[@]}" --mount "type=bind,source=$T_TMP/none,target=/b" busybox true
expect_err_match 'bind source path does not exist' "--mount: missing source named"
expect_out "mv" "--mount type=volume,source=NAME" "${R[@]}" --mount type=volume,source=mv,target=/m busybox sh -c 'echo mv >/m/f; cat /m/f'
check "--mount volume wrote into the volume" grep -qx mv "$V/mv/_data/f"
run "${R[@]}" --mount type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1770 busybox sh -c 'stat -c %a /t; grep " /t " /proc/mounts'
echo "$OUT" | head -1 | grep -qx 1770 && echo "$OUT" | grep -q 'tmpfs /t tmpfs .*size=1024k' && pass "--mount type=tmpfs with size and mode" || fail "--mount tmpfs ($(_why))"
expect_rc 125 "--mount unknown key refused" "${R[@]}" --mount type=volume,target=/m,bogus=1 busybox true
expect_err_match "unknown or malformed key 'bogus'" "--mount: the unknown key named"
expect_rc 125 "--mount unknown type refused" "${R[@]}" --mount type=nfs,target=/m busybox true
expect_rc 125 "--mount without target refused" "${R[@]}" --mount type=volume,source=x busybox true
expect_rc 125 "--mount hostile volume name refused" "${R[@]}" --mount type=volume,source=../x,target=/m busybox true

# --- anonymous volumes: -v /DIR, the image's Volumes, rm -v, prune ---
before=$(sbc-volume ls -q | sort)
cid=$(sbc-create --network none -v /anon volimg true)
after=$(sbc-volume ls -q | sort)
new=$(comm -13 <(echo "$before") <(echo "$after"))
[ "$(echo "$new" | grep -cE '^[0-9a-f]{64}$')" = 2 ] && pass "-v /DIR and the image's Volumes: two anonymous volumes" || fail "anonymous ($new)"
hv=$(sbc-inspect "$cid" | python3 -c 'import json,sys; print([m["Name"] for m in json.load(sys.stdin)[0]["Mounts"] if m["Destination"]=="/home/app"][0])')
[ -n "$hv" ] && [ "$(stat -c %u "$V/$hv/_data" 2>&1)" = 1000 ] && pass "image Volume recorded in Mounts, copied up with its owner (1000)" || fail "image volume ($hv: $(stat -c %u "$V/$hv/_data" 2>&1))"
run sbc-volume inspect "$hv"
echo "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; assert "com.docker.volume.anonymous" in d["Labels"]' && pass "anonymous label" || fail "anon label ($(_why))"
cid2=$(sbc-create --network none -v named1:/n -v /anon2 busybox true)
sbc-rm "$cid2" >/dev/null
check "rm without -v keeps the anonymous volume (dangling)" test "$(sbc-volume ls -q | wc -l)" -gt "$(echo "$after" | wc -l)"
sbc-rm -v "$cid" >/dev/null
[ ! -e "$V/$hv" ] && pass "rm -v removes the container's anonymous volumes" || fail "rm -v left $hv"
check "rm -v keeps named volumes" test -d "$V/named1/_data"
before=$(sbc-volume ls -q | sort)
expect_rc 0 "--rm with -v /DIR and a named volume" sbc-run --rm --network none -v /rmanon -v rmnamed:/n volimg true
[ "$(sbc-volume ls -q | sort)" = "$(printf '%s\nrmnamed' "$before" | sed '/^$/d' | sort)" ] && pass "--rm removes its anonymous volumes (the image's too), keeps the named one" || fail "--rm volumes ($(comm -3 <(echo "$before") <(sbc-volume ls -q | sort) | tr '\n' ' '))"
bid=$(sbc-run -d --network none --rm -v /rmanon2 busybox sleep 60)
rv=$(sbc-inspect "$bid" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Mounts"][0]["Name"])')
sbc-kill "$bid" >/dev/null
wait_for 20 test ! -e "$V/$rv"
[ -n "$rv" ] && [ ! -e "$V/$rv" ] && pass "-d --rm: the monitor removes the anonymous volume" || fail "-d --rm left $rv"
busy=$(sbc-run -d --network none -v /busyanon busybox sleep 60)
ba=$(sbc-inspect "$busy" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Mounts"][0]["Name"])')
run sbc-volume prune -f
echo "$OUT" | head -1 | grep -qx 'Deleted Volumes:' && echo "$OUT" | tail -1 | grep -Eq '^Total reclaimed space: [0-9]+' && pass "prune output" || fail "prune output ($(_why))"
[ -d "$V/$ba" ] && [ -d "$V/named1" ] && [ -d "$V/v1" ] && [ -z "$(sbc-volume ls -q --filter dangling=true | grep -E '^[0-9a-f]{64}$')" ] && pass "prune: unused anonymous ones gone, used and named kept" || fail "prune kept/removed wrong ($(sbc-volume ls -q | tr '\n' ' '))"
sbc-rm -f "$busy" >/dev/null
run sbc-volume prune -a -f
[ ! -e "$V/named1" ] && [ ! -e "$V/v1" ] && [ ! -e "$V/rmnamed" ] && [ -z "$(sbc-volume ls -q)" ] && pass "prune -a: every unused volume" || fail "prune -a ($(sbc-volume ls -q | tr '\n' ' '))"

# --- remapped containers ---
if run sbc-run --rm --network none --userns remap busybox true && [ "$RC" = 0 ]; then
  base=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["uid"])' "$SBC_ROOT/userns.json")
  run sbc-run --rm --network none --userns remap -v rv:/r busybox sh -c 'echo hi >/r/f && stat -c %u /r/f'
  [ "$RC" = 0 ] && [ "$OUT" = 0 ] && [ "$(stat -c %u "$V/rv/_data/f")" = "$base" ] && pass "remapped: a new volume is its root's" || fail "remapped volume ($(_why))"
  run sbc-run --rm --network none --userns remap -v rh:/home busybox stat -c %u /home/app
  [ "$OUT" = 1000 ] && [ "$(stat -c %u "$V/rh/_data/app")" = $((base + 1000)) ] && pass "remapped copy-up: owners shifted into the range" || fail "remapped copy-up ($(_why))"
  run sbc-run --rm --network none --userns host -v rv:/r busybox sh -c 'echo h >/r/g'
  [ "$(stat -c %u "$V/rv/_data/g")" = 0 ] && pass "control: host userns writes as 0" || fail "control ($(_why))"
else
  skip "remapped volumes: --userns remap does not run here ($(_why))"
fi
t_done
