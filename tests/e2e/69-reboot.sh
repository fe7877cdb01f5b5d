#!/bin/bash
# 69-reboot: a reboot simulated on the suite's store.  Containers with every
# restart policy (one unless-stopped stopped by its user), two on a user
# network, one with a named volume, a paused one, a --rm one (its state on
# the tmpfs scratch) and one never started; then what a reboot takes away:
# every monitor and container process (kill -9), the bridges and nf_tables
# tables, the containers' cgroups in every hierarchy (v1 and the v2 tree),
# the scratch's state.  Then: ps tells the truth, sbc-start --all-restart
# (the boot entry point) brings back exactly what the policies say, with
# working networks (re-made) and names, the volume's data, nothing else
# lost; and removing everything leaves no bridge, table, cgroup, veth or
# mount behind.
. "$(dirname "$0")/../lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
cleanup_all() { for c in $(sbc-ps -aq --no-trunc 2>/dev/null); do sbc-rm -f "$c"; done; sbc-network rm -f rbnet; sbc-volume rm -f rbvol; }
on_exit cleanup_all
bash "$FIX/mkimage.sh" busybox >/dev/null || { fail "mkimage"; t_done; exit 1; }
insp() { sbc-inspect "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; print(eval(sys.argv[1]))' "$2"; }
names_up() { sbc-ps --format '{{.Names}}' | sort | tr '\n' ' ' | sed 's/ $//'; }
ip_of() { sbc-exec "$1" busybox ip -4 -o addr show eth0 | sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p'; }
BR=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bridge"])' "$SBC_CONFIG_DIR/config.json")
SRV='echo up >/tmp/index.html; exec busybox httpd -f -p 8080 -h /tmp'

# --- before: every kind of container
run sbc-network create rbnet
NBR=sbc-${OUT:0:11}
[ "$RC" = 0 ] && pass "create the user network rbnet" || fail "network create ($(_why))"
VAL=keep-$RANDOM
run sbc-run --rm --network none -v rbvol:/data busybox sh -c "echo $VAL >/data/f"
[ "$RC" = 0 ] && pass "the named volume rbvol has data" || fail "volume data ($(_why))"
HP=$(free_port)
sbc-run -d --name r-always --restart always -p "$HP:8080" busybox sh -c "$SRV" >/dev/null
sbc-run -d --name r-held --restart unless-stopped --network none busybox sleep 600 >/dev/null
sbc-stop -t 1 r-held >/dev/null
sbc-run -d --name r-unless --restart unless-stopped busybox sleep 600 >/dev/null
sbc-run -d --name r-fail --restart on-failure:3 --network none busybox sleep 600 >/dev/null
sbc-run -d --name r-fail0 --restart on-failure --network none busybox true >/dev/null
sbc-run -d --name r-none --network none busybox sleep 600 >/dev/null
sbc-run -d --name r-net1 --restart always --network rbnet busybox sh -c "$SRV" >/dev/null
sbc-run -d --name r-net2 --restart always --network rbnet busybox sleep 600 >/dev/null
sbc-run -d --name r-vol --restart always --network none -v rbvol:/data busybox sleep 600 >/dev/null
sbc-run -d --name r-paused --restart always --network none busybox sleep 600 >/dev/null
sbc-run -d --rm --name r-rm --network none busybox sleep 600 >/dev/null
sbc-create --name r-created --network none busybox >/dev/null
sbc-run -d --name r-always-held --restart always --network none busybox sleep 600 >/dev/null
sbc-stop -t 1 r-always-held >/dev/null
mkdir -p "$T_TMP/loop"
sbc-run -d --name r-loop --restart always --network none -v "$T_TMP/loop:/l" busybox sh -c '[ -e /l/ok ] && exec sleep 600; sleep 0.2; exit 3' >/dev/null
sbc-pause r-paused >/dev/null
wait_for 10 sh -c '[ "$(sbc-inspect -f "{{.State.Status}}" r-fail0)" = exited ]'
wait_for 10 timeout 3 sbc-exec r-net2 busybox wget -q -O /dev/null http://r-net1:8080/index.html
expect_out up "before: r-net2 reaches r-net1 by name" sbc-exec r-net2 busybox wget -q -O - http://r-net1:8080/index.html
wait_for 10 timeout 3 busybox wget -q -O /dev/null "http://127.0.0.1:$HP/index.html"
expect_out up "before: r-always answers on its published port $HP" timeout 5 busybox wget -q -O - "http://127.0.0.1:$HP/index.html"
BEFORE_ALL=$(sbc-ps -a --format '{{.Names}}' | grep -v '^r-rm$' | sort | tr '\n' ' ')
BEFORE_CR=$(sbc-network ls -f name=rbnet --format '{{.ID}} {{.CreatedAt}}')
BEFORE_IMG=$(sbc-images -q | sort); BEFORE_VOL=$(sbc-volume ls -q | sort); BEFORE_NET=$(sbc-network ls -q | sort)
IDS=$(sbc-ps -aq --no-trunc)
RMID=$(sbc-ps -q --no-trunc -f name=r-rm)
SCR=$(readlink "$SBC_ROOT/containers/$RMID")
[ -d "$SCR" ] && [[ "$SCR" == /* && "$SCR" != "$SBC_ROOT"/* ]] && pass "r-rm's state is on the scratch ($SCR)" || fail "r-rm's scratch '$SCR'"
# what the containers hold outside the store: the veths, the cgroups
VETHS=$(for n in bridge rbnet; do sbc-network inspect "$n" | python3 -c 'import json,sys; [print(c["Veth"]) for c in json.load(sys.stdin)[0]["Containers"]]'; done)
cgdirs() { for id in $IDS; do ls -d /sys/fs/cgroup/*/sbc/"$id" 2>/dev/null; done; }
CG_BEFORE=$(cgdirs | wc -l)
if [ "$(echo "$VETHS" | grep -c .)" = 4 ] && [ "$CG_BEFORE" -gt 0 ] && [ "$(sbc-ps --format '{{.Names}}' | grep -vc r-loop)" = 9 ] &&
  sbc-ps --format '{{.Status}}' -f name=r-paused | grep -q Paused; then
  pass "before: 9 running (r-paused paused), 4 veths, $CG_BEFORE cgroup dirs"
else fail "before: $(sbc-ps -a --format '{{.Names}}={{.Status}}' | tr '\n' ' ') veths=$(echo $VETHS) cgroups=$CG_BEFORE"; fi

# --- the reboot: what a power cycle takes away, r-loop in a back-off of
# seconds (its 6th restart on)
if wait_for 40 sh -c '[ "$(sbc-ps -a -f name=r-loop --format "{{.State}}")" = restarting ] && [ "$(sbc-inspect -f "{{.RestartCount}}" r-loop)" -ge 5 ]'; then
  pass "before: r-loop is in its restart back-off"; else fail "r-loop: $(sbc-ps -a -f name=r-loop --format '{{.Status}}')"; fi
# live_pids ID: the container's monitor and process as its state records
# them, when still the same processes (their start times)
live_pids() { python3 - "$SBC_ROOT/containers/$1/state.json" <<'PY'
import json, sys
try: s = json.load(open(sys.argv[1]))
except Exception: sys.exit(0)
for k in ("MonitorPid", "Pid"):
    p, t = s.get(k, 0), s.get(k.replace("Pid", "Start") if k == "MonitorPid" else "PidStart", 0)
    try: st = open("/proc/%d/stat" % p).read().rsplit(")", 1)[1].split()
    except Exception: continue
    if p and int(st[19]) == t: print(p)
PY
}
for round in 1 2 3; do for id in $IDS; do
  for p in $(live_pids "$id"); do kill -9 "$p" 2>/dev/null; done
  for d in $(ls -d /sys/fs/cgroup/*/sbc/"$id" 2>/dev/null); do
    for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  done
done; sleep 0.2; done
# frozen tasks die once thawed (v1); then the cgroups, empty, go
for id in $IDS; do
  [ -e /sys/fs/cgroup/freezer/sbc/"$id" ] && echo THAWED >/sys/fs/cgroup/freezer/sbc/"$id"/freezer.state 2>/dev/null
  [ -e /sys/fs/cgroup/unified/sbc/"$id" ] && echo 0 >/sys/fs/cgroup/unified/sbc/"$id"/cgroup.freeze 2>/dev/null
done
gone() { for id in $IDS; do for d in $(ls -d /sys/fs/cgroup/*/sbc/"$id" 2>/dev/null); do [ -z "$(cat "$d/cgroup.procs" 2>/dev/null)" ] || return 1; done; done; }
wait_for 10 gone || fail "reboot: processes left in the cgroups"
for id in $IDS; do
  for d in $(ls -d /sys/fs/cgroup/*/sbc/"$id" 2>/dev/null); do find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done
done
ip link del "$BR" 2>/dev/null; ip link del "$NBR" 2>/dev/null
nft delete table ip "sbc-$BR" 2>/dev/null; nft delete table ip "sbc-$NBR" 2>/dev/null
[ -n "$RMID" ] && rm -rf "$SCR"
vgone() { for v in $VETHS; do [ ! -e "/sys/class/net/$v" ] || return 1; done; }
wait_for 10 vgone
if [ -z "$(cgdirs)" ] && ! ip link show "$BR" >/dev/null 2>&1 && ! ip link show "$NBR" >/dev/null 2>&1 &&
  ! nft list table ip "sbc-$BR" >/dev/null 2>&1 && vgone; then
  pass "reboot simulated: no process, cgroup, bridge, table or veth of the store left"
else fail "reboot simulation incomplete: cgroups=$(cgdirs | tr '\n' ' ')"; fi

# --- after: ps tells the truth
run sbc-ps -a --format '{{.Names}} {{.State}} {{.Status}}'
if [ "$RC" = 0 ] && [ -z "$ERR" ] && ! cut -d' ' -f2- "$T_TMP/out" | grep -Eq 'Up|Paused|running|paused|Restarting|restarting' &&
  [ "$(cut -d' ' -f2 "$T_TMP/out" | grep -Ec '^(exited|created)$')" = 13 ] && grep -q '^r-loop exited Exited (3)' "$T_TMP/out" &&
  grep -q '^r-created created Created$' "$T_TMP/out" && grep -q '^r-paused exited Exited' "$T_TMP/out"; then
  pass "ps -a after the reboot: every container exited or created, none Up or Paused"
else fail "ps -a after reboot ($(_why))"; fi
run sbc-ps -q
[ "$RC" = 0 ] && [ -z "$OUT" ] && pass "ps: nothing running" || fail "ps after reboot ($(_why))"
run timeout 5 busybox wget -q -O - "http://127.0.0.1:$HP/index.html"
[ "$RC" != 0 ] && pass "the published port is dead after the reboot" || fail "port $HP answers after the reboot ($(_why))"
expect_out "false false" "inspect r-paused: not running, not paused" sbc-inspect -f '{{.State.Running}} {{.State.Paused}}' r-paused
run sbc-ps -a --format '{{.Names}}'
grep -qx r-rm "$T_TMP/out" && fail "the --rm container whose state the reboot took is listed ($(_why))" || pass "the --rm container whose state is gone is not listed"

# --- sbc-start --all-restart
touch "$T_TMP/loop/ok"
[ -L "$SBC_ROOT/containers/$RMID" ] && [ ! -e "$SBC_ROOT/containers/$RMID" ] && [ -L "$SBC_ROOT/containers/.names/r-rm" ] \
  && pass "before the boot: r-rm's link to the emptied scratch and its name are there" || fail "r-rm's link ($(ls -la "$SBC_ROOT/containers" | head -20))"
run sbc-start --all-restart
[ ! -L "$SBC_ROOT/containers/$RMID" ] && [ ! -L "$SBC_ROOT/containers/.names/r-rm" ] \
  && pass "--all-restart drops the --rm container the reboot took (its link and name)" || fail "r-rm's link or name left"
up=$(names_up)
if [ "$RC" = 0 ] && [ "$up" = "r-always r-always-held r-fail r-loop r-net1 r-net2 r-paused r-unless r-vol" ]; then
  pass "--all-restart: always (even one a user stopped), unless-stopped not stopped by a user, on-failure that failed"
else fail "--all-restart started: '$up' ($(_why))"; fi
run sbc-ps -a --format '{{.Names}}={{.State}}'
grep -Eqx 'r-(held|none|fail0)=exited' "$T_TMP/out" && [ "$(grep -Ec '^r-(held|none|fail0)=exited$' "$T_TMP/out")" = 3 ] && grep -qx r-created=created "$T_TMP/out" \
  && pass "the held, the policy-less, the clean on-failure and the created one stay down" || fail "stayed down ($(_why))"
run sbc-start --all-restart
[ "$RC" = 0 ] && [ -z "$OUT" ] && pass "--all-restart again: nothing more to start" || fail "second --all-restart ($(_why))"
expect_rc 125 "--all-restart takes no container" sbc-start --all-restart r-held

# networking re-made: the bridges, their tables, the user network's names
check "the suite's bridge $BR is back" ip link show "$BR"
check "its nf_tables table is back" nft list table ip "sbc-$BR"
check "rbnet's bridge $NBR is back" ip link show "$NBR"
check "rbnet's table is back" nft list table ip "sbc-$NBR"
IPA=$(ip_of r-always)
[[ "$IPA" =~ ^[0-9.]+$ ]] && pass "r-always has an address ($IPA)" || fail "r-always address '$IPA'"
wait_for 10 timeout 3 busybox wget -q -O /dev/null "http://$IPA:8080/index.html"
expect_out up "the host reaches r-always over the bridge" timeout 5 busybox wget -q -O - "http://$IPA:8080/index.html"
wait_for 10 timeout 3 busybox wget -q -O /dev/null "http://127.0.0.1:$HP/index.html"
expect_out up "after: r-always answers on its published port again" timeout 5 busybox wget -q -O - "http://127.0.0.1:$HP/index.html"
expect_out up "r-unless reaches r-always over the bridge" sbc-exec r-unless busybox timeout 5 busybox wget -q -O - "http://$IPA:8080/index.html"
wait_for 10 timeout 3 sbc-exec r-net2 busybox wget -q -O /dev/null http://r-net1:8080/index.html
expect_out up "after: r-net2 reaches r-net1 by name on rbnet" sbc-exec r-net2 busybox timeout 5 busybox wget -q -O - http://r-net1:8080/index.html
expect_out "$VAL" "the named volume's data survived" sbc-exec r-vol cat /data/f
expect_out "false" "r-paused runs again, not paused" sbc-inspect -f '{{.State.Paused}}' r-paused
expect_rc 0 "r-paused can be paused again" sbc-pause r-paused
expect_out "true" "... and is" sbc-inspect -f '{{.State.Paused}}' r-paused
expect_rc 0 "... and unpaused" sbc-unpause r-paused
[ "$(cgdirs | wc -l)" -gt 0 ] && pass "the started ones have cgroups again" || fail "no cgroups after start"

# nothing lost
[ "$(sbc-ps -a --format '{{.Names}}' | sort | tr '\n' ' ')" = "$BEFORE_ALL" ] && pass "ps -a lists the containers it did before" || fail "containers: $(sbc-ps -a --format '{{.Names}}' | sort | tr '\n' ' ') vs $BEFORE_ALL"
[ "$(sbc-images -q | sort)" = "$BEFORE_IMG" ] && [ -n "$BEFORE_IMG" ] && pass "images as before" || fail "images: $(sbc-images -q)"
[ "$(sbc-volume ls -q | sort)" = "$BEFORE_VOL" ] && echo "$BEFORE_VOL" | grep -qx rbvol && pass "volumes as before" || fail "volumes: $(sbc-volume ls -q)"
expect_out "$BEFORE_CR" "rbnet keeps its ID and creation time (its bridge made again)" sbc-network ls -f name=rbnet --format '{{.ID}} {{.CreatedAt}}'
[ "$(sbc-network ls -q | sort)" = "$BEFORE_NET" ] && echo "$BEFORE_NET" | grep -qx rbnet && pass "networks as before" || fail "networks: $(sbc-network ls -q)"

# --- remove everything: nothing left outside the store
VETHS=$(for n in bridge rbnet; do sbc-network inspect "$n" | python3 -c 'import json,sys; [print(c["Veth"]) for c in json.load(sys.stdin)[0]["Containers"]]'; done)
IDS=$(sbc-ps -aq --no-trunc)
if [ "$(echo "$VETHS" | grep -c .)" = 4 ] && ! vgone; then pass "after the start: 4 veths there"; else fail "veths after start: $(echo $VETHS)"; fi
# sbc mounts in the containers' namespaces only: seen in their processes' tables
store_mounts() { grep -ls -- "$SBC_ROOT" /proc/[0-9]*/mountinfo 2>/dev/null | wc -l; }
[ "$(store_mounts)" -gt 0 ] && pass "the running containers' mount tables name the store" || fail "no mount of the store seen"
for c in $IDS; do sbc-rm -f "$c" >/dev/null; done
expect_rc 0 "rm rbnet" sbc-network rm rbnet
expect_rc 0 "rm the bridge network" sbc-network rm -f bridge
expect_rc 0 "rm rbvol" sbc-volume rm rbvol
check "no bridge $BR left" sh -c "! ip link show $BR"
check "no bridge $NBR left" sh -c "! ip link show $NBR"
check "no nf_tables table of the store left" sh -c "! nft list tables | grep -Eq 'sbc-($BR|$NBR)\$'"
check "no cgroup of its containers left" test -z "$(cgdirs)"
check "no veth left" vgone
check "no mount of the store left in any process" test "$(store_mounts)" = 0
check "no scratch dir left" test ! -e "$SCR"
run sbc-ps -a -q
[ -z "$OUT" ] && pass "ps -a: empty" || fail "ps -a after rm ($(_why))"
check "no container record or name left in the store" test -z "$(ls -A "$SBC_ROOT/containers" "$SBC_ROOT/containers/.names" | grep -v -e '^\.names$' -e ':$' -e '^$')"
t_done
