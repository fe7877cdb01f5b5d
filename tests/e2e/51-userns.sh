#!/bin/bash
# 51-userns: remapped root (--userns=remap, config.json's "userns-remap"):
# the container's 0..65535 are a range of host ids; layers shared through
# idmapped mounts; volumes, exec, commit and export; what cannot be remapped.
. "$(dirname "$0")/../lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
cleanup_all() { for c in $(sbc-ps -aq --no-trunc 2>/dev/null); do sbc-rm -f "$c"; done; }
on_exit cleanup_all
bash "$FIX/mkimage.sh" busybox >/dev/null || { fail "mkimage"; t_done; exit 1; }
uname_ok=$(awk -F. '{print ($1 > 5 || ($1 == 5 && $2 >= 19))}' <<<"$(uname -r)")
[ "$uname_ok" = 1 ] || { skip "remapped containers: kernel $(uname -r) has no idmapped overlay layers (5.19)"; t_done; exit 0; }

# the range sbc allocates for "default": above every /etc/subuid entry
R=(sbc-run --rm --network none)
run "${R[@]}" --userns remap busybox cat /proc/self/uid_map /proc/self/gid_map
base=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["uid"])' "$SBC_ROOT/userns.json" 2>/dev/null)
if [ "$RC" = 0 ] && [ -n "$base" ] && [ "$(echo "$OUT" | awk '{print $1, $2, $3}' | sort -u)" = "0 $base 65536" ]; then
  pass "uid_map and gid_map inside: 0 $base 65536 (the range in userns.json)"
else fail "remapped uid_map ($(_why); userns.json: $(cat "$SBC_ROOT/userns.json" 2>&1))"; fi
max=$(cat /etc/subuid /etc/subgid 2>/dev/null | awk -F: '{e=$2+$3; if (e>m) m=e} END{print m+0}')
[ -n "$base" ] && [ "$base" -ge "$max" ] && [ "$base" -ge 1048576 ] && pass "the allocated range ($base) is above every /etc/subuid and /etc/subgid entry ($max)" ||
  fail "allocated range $base overlaps the listed ones (up to $max)"
# control: without remap the map is the host's
expect_out "0 0 4294967295" "control: --userns=host shows the host's identity map" "${R[@]}" --userns host busybox sh -c 'awk "{print \$1, \$2, \$3}" /proc/self/uid_map'

# the image's files keep their owners inside; the container's root can
# write its own root file system; its processes are the range's on the host
run "${R[@]}" --userns remap busybox sh -c 'stat -c "%u:%g" /bin/busybox /etc; id -u; touch /newfile && stat -c %u /newfile; echo x >/dev/null && echo devnull'
[ "$OUT" = "$(printf '0:0\n0:0\n0\n0\ndevnull')" ] && pass "inside: image files root-owned, id 0, writes its root, /dev/null works" || fail "remapped view ($(_why))"
id=$(sbc-run -d --userns remap --network none --name um busybox sleep 60)
pid=$(sbc-inspect um | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"]["Pid"])')
[ "$(stat -c %u /proc/$pid)" = "$base" ] && pass "on the host the container's root runs as uid $base" || fail "host uid of the container's PID 1: $(stat -c %u /proc/$pid 2>&1)"
# sbc-exec joins the user namespace
run sbc-exec um sh -c 'id -u; awk "{print \$2}" /proc/self/uid_map'
[ "$OUT" = "$(printf '0\n%s' "$base")" ] && pass "sbc-exec runs in the container's user namespace" || fail "sbc-exec remapped ($(_why))"
run sbc-exec -u 1000 um sh -c 'id -u'
hpid=$(pgrep -f "sleep 60" | while read p; do [ "$(stat -c %u /proc/$p)" = "$base" ] && echo $p; done | head -1)
[ "$OUT" = 1000 ] && [ -n "$hpid" ] && pass "sbc-exec -u 1000 in a remapped container" || fail "sbc-exec -u ($(_why))"
# a volume: what the container's root writes is owned by the range on the host
V=$T_TMP/vol
mkdir -p "$V" && chmod 777 "$V"
run "${R[@]}" --userns remap -v "$V:/v" busybox sh -c 'echo hi >/v/f && id -u >/v/g'
[ "$RC" = 0 ] && [ "$(stat -c %u:%g "$V/f")" = "$base:$base" ] && pass "a file the container's root writes to a volume is $base:$base on the host, not 0" ||
  fail "volume owner: $(stat -c %u:%g "$V/f" 2>&1) ($(_why))"
# control: without remap it is root's
run "${R[@]}" --userns host -v "$V:/v" busybox sh -c 'echo hi >/v/h'
[ "$(stat -c %u "$V/h")" = 0 ] && pass "control: without remap the same write is root's (0)" || fail "control volume owner $(stat -c %u "$V/h" 2>&1)"
# the host's root-owned 0755 directory is not the container root's to write
R755=$T_TMP/ro755
mkdir -p "$R755" && chmod 755 "$R755"
run "${R[@]}" --userns remap -v "$R755:/v" busybox sh -c 'touch /v/x'
[ "$RC" != 0 ] && [ ! -e "$R755/x" ] && pass "a host root 0755 directory is not writable to the remapped root" || fail "remapped root wrote into a root-owned dir"
run "${R[@]}" --userns host -v "$R755:/v" busybox sh -c 'touch /v/x'
[ "$RC" = 0 ] && [ -e "$R755/x" ] && pass "control: the unmapped root writes there" || fail "control: host root write ($(_why))"
# a missing -v source sbc makes is the range root's (as Docker does), so
# the container's root writes there; made without remap it is root's
run "${R[@]}" --userns remap -v "$T_TMP/made/a:/v" busybox sh -c 'touch /v/x'
[ "$RC" = 0 ] && [ "$(stat -c %u:%g "$T_TMP/made/a")" = "$base:$base" ] && [ "$(stat -c %u "$T_TMP/made")" = 0 ] &&
  pass "a -v source sbc makes for a remapped container is $base:$base (its parents root's), and writable to it" ||
  fail "made volume source: $(stat -c %u:%g "$T_TMP/made/a" 2>&1) ($(_why))"
run "${R[@]}" --userns host -v "$T_TMP/made/b:/v" busybox true
[ "$(stat -c %u "$T_TMP/made/b")" = 0 ] && pass "control: made without remap it is root's" || fail "control made source $(stat -c %u "$T_TMP/made/b" 2>&1)"

# commit and export keep the container's view of owners
run sbc-exec um sh -c 'echo c >/byroot && mkdir -p /home/u && touch /home/u/f && chown -R 1000:1000 /home/u'
expect_rc 0 "commit a remapped container" sbc-commit um remapped:1
run "${R[@]}" remapped:1 stat -c '%u %n' /byroot /home/u/f
[ "$OUT" = "$(printf '0 /byroot\n1000 /home/u/f')" ] && pass "commit: the image has 0 and 1000, not the host's $base and $((base + 1000))" || fail "commit owners ($(_why))"
sbc-export um | tar -tvf - >"$T_TMP/x.lst" 2>/dev/null
grep -q ' 0/0 .* byroot$' "$T_TMP/x.lst" && grep -q ' 1000/1000 .* home/u/f$' "$T_TMP/x.lst" && pass "export: the container's owners" || fail "export owners: $(grep -E 'byroot|home/u/f' "$T_TMP/x.lst" | tr '\n' '|')"
sbc-inspect um | grep -q '"UsernsMode":.*"remap"' && sbc-inspect um | grep -q '"Idmap"' && pass "inspect: UsernsMode remap and how the layers are mapped" || fail "inspect remap fields"
sbc-rm -f um >/dev/null

# the copy driver: a private copy chowned into the range; its commit holds
# the change only (owners compared in the container's view)
CR=$T_TMP/copyroot
SBC_ROOT=$CR bash "$FIX/mkimage.sh" busybox >/dev/null
run env SBC_ROOT="$CR" SBC_STORAGE_DRIVER=copy sbc-run --name cpr --userns remap --network none busybox sh -c 'echo x >/newf; stat -c %u /bin/busybox'
cbase=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["uid"])' "$CR/userns.json" 2>/dev/null)
[ "$RC" = 0 ] && [ "$OUT" = 0 ] && [ "$(stat -c %u "$CR"/containers/*/rootfs/bin/busybox)" = "$cbase" ] &&
  pass "copy driver: the private copy is the range's on the host, root inside" || fail "copy driver remap ($(_why))"
before=$(ls "$CR/blobs/sha256" | wc -l)
run env SBC_ROOT="$CR" SBC_STORAGE_DRIVER=copy sbc-commit cpr cpimg:1
new=$(cd "$CR/blobs/sha256" && ls -t | head -3 | xargs stat -c %s | sort -n | tail -1)
[ "$RC" = 0 ] && [ "$new" -lt 4096 ] && pass "copy driver: the commit stores the change only (largest new blob $new bytes)" ||
  fail "copy driver commit (rc=$RC, largest new blob ${new:-?} bytes, blobs $before -> $(ls "$CR/blobs/sha256" | wc -l))"
env SBC_ROOT="$CR" sbc-rm -f cpr >/dev/null 2>&1

# what cannot be remapped: one line, nothing made
for bad in "--privileged" "--network host" "--device /dev/null"; do
  run sbc-run --rm --userns remap $bad busybox true
  n=$(sbc-ps -aq | wc -l)
  [ "$RC" = 125 ] && [ "$(echo "$ERR" | wc -l)" = 1 ] && echo "$ERR" | grep -q 'userns=host' && [ "$n" = 0 ] &&
    pass "--userns remap with $bad: one line, rc 125, nothing left" || fail "remap $bad ($(_why), $n containers)"
done
expect_rc 125 "--userns bogus refused" sbc-run --rm --userns bogus busybox true

# config.json "userns-remap": a named user's /etc/subuid range, or a clear error
CFG=$SBC_CONFIG_DIR/config.json
cp "$CFG" "$T_TMP/cfg.bak" 2>/dev/null
echo '{"userns-remap": "sbc-no-such-user"}' >"$CFG"
run sbc-run --rm --network none busybox true
[ "$RC" = 125 ] && echo "$ERR" | grep -q 'sbc-no-such-user has no range' && [ "$(sbc-ps -aq | wc -l)" = 0 ] &&
  pass "userns-remap for a user without /etc/subuid entries: one clear line, nothing left" || fail "missing subuid entry ($(_why))"
# a named user's range that overlaps another user's: refused, nothing made
# (two entries this test adds to /etc/subuid and takes out again)
OA=sbcova$$ OB=sbcovb$$
printf '%s:3000000000:65536\n%s:3000030000:65536\n' "$OA" "$OB" >>/etc/subuid
on_exit "sed -i '/^$OA:/d; /^$OB:/d' /etc/subuid"
printf '%s:3000000000:65536\n' "$OA" >>/etc/subgid
on_exit "sed -i '/^$OA:/d' /etc/subgid"
echo "{\"userns-remap\": \"$OA\"}" >"$CFG"
run sbc-run --rm --network none busybox true
[ "$RC" = 125 ] && [ "$(echo "$ERR" | wc -l)" = 1 ] && echo "$ERR" | grep -q "overlaps $OB's" && [ "$(sbc-ps -aq | wc -l)" = 0 ] &&
  pass "userns-remap with a range overlapping another user's: one line, nothing left ($ERR)" || fail "overlapping range ($(_why))"
# ... and the same user's range once it overlaps nobody's: the control
sed -i "/^$OB:/d" /etc/subuid
run sbc-run --rm --network none busybox sh -c 'awk "{print \$2}" /proc/self/uid_map'
[ "$RC" = 0 ] && [ "$OUT" = 3000000000 ] && pass "the same range without the overlap is used (uid_map 0 3000000000)" ||
  fail "named range control ($(_why))"
# a store on a file system without idmapped mounts (ramfs): one line, nothing left
mkdir -p "$T_TMP/ramfs" && mount -t ramfs none "$T_TMP/ramfs" && on_exit "umount -l '$T_TMP/ramfs'" || fail "mount ramfs"
RS=$T_TMP/ramfs/store
echo '{"userns-remap": "default"}' >"$CFG"
sbc-export "$(sbc-create --network none busybox true)" >"$T_TMP/bb.tar" && sbc-rm -f "$(sbc-ps -aq | head -1)" >/dev/null
SBC_ROOT=$RS sbc-import -q "$T_TMP/bb.tar" busybox >/dev/null
run env SBC_ROOT="$RS" sbc-run --rm --network none --userns host busybox true
ctl=$RC
run env SBC_ROOT="$RS" sbc-run --rm --network none busybox true
[ "$ctl" = 0 ] && [ "$RC" = 125 ] && [ "$(echo "$ERR" | wc -l)" = 1 ] && echo "$ERR" | grep -q "no idmapped mounts" &&
  [ -z "$(ls -A "$RS/containers" | grep -v '^.names$')" ] &&
  pass "remap with the store on ramfs (no idmapped mounts): one line, nothing left; --userns host runs" ||
  fail "remap on ramfs (control rc $ctl; $(_why))"
expect_out "$base" "userns-remap default makes remap the default" "${R[@]}" busybox sh -c 'awk "{print \$2}" /proc/self/uid_map'
expect_out "0" "--userns=host overrides it" "${R[@]}" --userns host busybox sh -c 'awk "{print \$2}" /proc/self/uid_map'
if [ -f "$T_TMP/cfg.bak" ]; then cp "$T_TMP/cfg.bak" "$CFG"; else rm -f "$CFG"; fi
t_done
