#!/bin/bash
# The bridge network on "fake containers": processes in their own netns
# (unshare -n), driven through tests/net/netharness (lib/net/net.c's
# sbc_net_setup/teardown) until sbc-run uses it.  An "outside" netns on a
# veth stands for the internet.  Only addresses the test made are targets.
. "$(dirname "$0")/../lib.sh"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
PEER="$TOP/tests/net/peer.py"
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)

for tool in ip nft unshare nsenter "$PY"; do
  command -v "$tool" >/dev/null || { fail "needs $tool"; t_done; exit; }
done
NH=$T_TMP/netharness
if ! sh "$TOP/tests/net/build.sh" "$NH" >"$T_TMP/build.log" 2>&1; then
  fail "build netharness ($(head -c 300 "$T_TMP/build.log"))"; t_done; exit
fi

BR=sbct$$
BR=${BR:0:15}
TABLE=sbc-$BR
N3=$(( ($$ % 200) + 20 ))
SUBNET=10.213.$N3.0/24
NETP=10.213.$N3
OUT_NS=sbco$$
OUT_H=sbcoh$$            # host end of the outside link
HOST_IP=198.18.$N3.1     # host's address on the outside link (RFC 2544 test range)
OUT_IP=198.18.$N3.2
export SBC_CONFIG_DIR=$T_TMP/etc
mkdir -p "$SBC_CONFIG_DIR"
echo "{\"bridge\":\"$BR\",\"subnet\":\"$SUBNET\"}" >"$SBC_CONFIG_DIR/config.json"

PIDS=()   # background processes of this shell
# fake NAME: a process in a new netns; echoes its pid (also kept in
# $T_TMP/fakes, as $(fake) runs in a subshell); state dir $T_TMP/NAME
fake() {
  mkdir -p "$T_TMP/$1"
  unshare -n sleep 600 </dev/null >/dev/null 2>&1 &
  local p=$!
  echo "$p" >>"$T_TMP/fakes"
  # wait until it is in its own netns
  wait_for 20 sh -c "[ \"\$(readlink /proc/$p/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]"
  echo "$p"
}
kill_fakes() {
  local p
  for p in "${PIDS[@]}" $(cat "$T_TMP/fakes" 2>/dev/null); do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  PIDS=()
  : >"$T_TMP/fakes"
}
HP1=$(free_port)
HP2=$(free_port)
on_exit 'kill_fakes'
on_exit "nft delete table ip $TABLE"
on_exit "ip link del $BR"
on_exit "ip netns del $OUT_NS"
on_exit "ip link del $OUT_H"
on_exit 'for l in $(ip -o link show | grep -o "vsbc0ad5${N3hex}[0-9a-f]*"); do ip link del $l; done'
N3hex=$(printf %02x "$N3")

# the outside world: a netns on a veth, a route to it (connected)
outside_ns "$OUT_NS" "$OUT_H" "$HOST_IP" "$OUT_IP"
check "outside netns is up" ip netns exec "$OUT_NS" true
ip netns exec "$OUT_NS" "$PY" "$PEER" serve tcp 9000 outside </dev/null >/dev/null 2>&1 &
PIDS+=($!)
ip netns exec "$OUT_NS" "$PY" "$PEER" serve udp 9001 outside </dev/null >/dev/null 2>&1 &
PIDS+=($!)

# --- one container with published ports
P1=$(fake c1)
expect_rc 0 "setup c1 with -p $HP1:80 -p $HP2:53/udp" \
  "$NH" setup c1 "$P1" "$T_TMP/c1" "{\"name\":\"web\",\"publish\":[\"$HP1:80\",\"$HP2:53/udp\"]}"
IP1=$(sed -n 's/.*"ip":"\([0-9.]*\)".*/\1/p' "$T_TMP/c1/net.json")
check "c1 got an address of the subnet" test "${IP1%.*}" = "$NETP"
check "bridge $BR has the gateway $NETP.1" sh -c "ip -4 -o addr show dev $BR | grep -q ' $NETP.1/24 '"
check "eth0 in c1 has $IP1 and the MAC derived from it" sh -c \
  "nsenter -t $P1 -n ip -o addr show dev eth0 | grep -q ' $IP1/24 ' && nsenter -t $P1 -n ip link show eth0 | grep -q 'link/ether 02:42:0a:d5:$N3hex:'"
check "c1 has a default route via the gateway" sh -c "nsenter -t $P1 -n ip route | grep -q '^default via $NETP.1 dev eth0'"
# (lo is set up by the container's init, not by the network setup: 45-run-network)
check "host end is on the bridge" sh -c "ip -o link show master $BR | grep -q vsbc"
check "ip_forward is on" grep -qx 1 /proc/sys/net/ipv4/ip_forward
check "hosts names c1 by address" grep -q "^$IP1	c1 web$" "$T_TMP/c1/hosts"
check "resolv.conf has a nameserver" grep -q '^nameserver ' "$T_TMP/c1/resolv.conf"
expect_out "0.0.0.0:$HP1->80/tcp, 0.0.0.0:$HP2->53/udp" "ports as ps shows them" "$NH" ports "$T_TMP/c1"
check "rules live in sbc's own table" sh -c "nft list table ip $TABLE | grep -q 'dnat to $IP1:80'"

# masquerade: the outside sees the host's address
run nsenter -t "$P1" -n "$PY" "$PEER" ask tcp "$OUT_IP" 9000
if [ "$OUT" = "outside $HOST_IP" ]; then pass "c1 reaches the outside, which sees the host's address (tcp)"; else fail "outside via tcp ($(_why))"; fi
run nsenter -t "$P1" -n "$PY" "$PEER" ask udp "$OUT_IP" 9001
if [ "$OUT" = "outside $HOST_IP" ]; then pass "c1 reaches the outside, masqueraded (udp)"; else fail "outside via udp ($(_why))"; fi

# published ports answer from outside and from the host itself
nsenter -t "$P1" -n "$PY" "$PEER" serve tcp 80 c1 </dev/null >/dev/null 2>&1 &
PIDS+=($!)
nsenter -t "$P1" -n "$PY" "$PEER" serve udp 53 c1 </dev/null >/dev/null 2>&1 &
PIDS+=($!)
wait_for 20 sh -c "nsenter -t $P1 -n ss -ltn | grep -q ':80 ' && nsenter -t $P1 -n ss -lun | grep -q ':53 '"
run ip netns exec "$OUT_NS" "$PY" "$PEER" ask tcp "$HOST_IP" "$HP1"
if [ "$OUT" = "c1 $OUT_IP" ]; then pass "published tcp port answers from outside"; else fail "published tcp from outside ($(_why))"; fi
run ip netns exec "$OUT_NS" "$PY" "$PEER" ask udp "$HOST_IP" "$HP2"
if [ "$OUT" = "c1 $OUT_IP" ]; then pass "published udp port answers from outside"; else fail "published udp from outside ($(_why))"; fi
for dst in 127.0.0.1 "$HOST_IP"; do
  run "$PY" "$PEER" ask tcp "$dst" "$HP1"
  if [[ "$OUT" == "c1 "* ]]; then pass "published tcp port answers from the host ($dst)"; else fail "published tcp from host $dst ($(_why))"; fi
  run "$PY" "$PEER" ask udp "$dst" "$HP2"
  if [[ "$OUT" == "c1 "* ]]; then pass "published udp port answers from the host ($dst)"; else fail "published udp from host $dst ($(_why))"; fi
done

# a second container: reaches c1 by address, and c1's published port (hairpin)
P2=$(fake c2)
expect_rc 0 "setup c2" "$NH" setup c2 "$P2" "$T_TMP/c2" '{"add_hosts":["db:10.1.2.3","gw:host-gateway"],"dns":["192.0.2.53"]}'
IP2=$(sed -n 's/.*"ip":"\([0-9.]*\)".*/\1/p' "$T_TMP/c2/net.json")
check "c2 got another address" test -n "$IP2" -a "$IP2" != "$IP1"
run nsenter -t "$P2" -n "$PY" "$PEER" ask tcp "$IP1" 80
if [ "$OUT" = "c1 $IP2" ]; then pass "c2 reaches c1 by address over the bridge"; else fail "c2 -> c1 ($(_why))"; fi
run nsenter -t "$P2" -n "$PY" "$PEER" ask tcp "$HOST_IP" "$HP1"
if [[ "$OUT" == "c1 "* ]]; then pass "c2 reaches c1's published port via the host (hairpin)"; else fail "hairpin ($(_why))"; fi
check "--add-host and host-gateway in hosts" sh -c "grep -q '^10.1.2.3	db$' $T_TMP/c2/hosts && grep -q '^$NETP.1	gw$' $T_TMP/c2/hosts"
check "--dns replaces the nameservers" sh -c "test \"\$(grep ^nameserver $T_TMP/c2/resolv.conf)\" = 'nameserver 192.0.2.53'"

# container:NAME shares c1's netns (the runtime joins it; net only shares the files)
P3=$(nsenter -t "$P1" -n sh -c 'sleep 600 </dev/null >/dev/null 2>&1 & echo $!')
PIDS+=("$P3")
mkdir -p "$T_TMP/c3"
expect_rc 0 "setup c3 in c1's network" "$NH" setup c3 "$P3" "$T_TMP/c3" "{\"mode\":\"container\",\"container_state_dir\":\"$T_TMP/c1\"}"
check "container:c1 sees c1's address" sh -c "nsenter -t $P3 -n ip -o addr show dev eth0 | grep -q ' $IP1/'"
check "container:c1 shares c1's hosts" cmp -s "$T_TMP/c1/hosts" "$T_TMP/c3/hosts"
expect_rc 0 "teardown of a container:c1 container" "$NH" teardown "$T_TMP/c3"
check "c1 still has its eth0" sh -c "nsenter -t $P1 -n ip link show eth0 >/dev/null"

# none: lo only
P4=$(fake c4)
expect_rc 0 "setup --network none" "$NH" setup c4 "$P4" "$T_TMP/c4" '{"mode":"none"}'
check "none: only lo" sh -c "test \"\$(nsenter -t $P4 -n ip -o link | wc -l)\" = 1"

# --ip
P5=$(fake c5)
expect_rc 0 "setup --ip $NETP.200" "$NH" setup c5 "$P5" "$T_TMP/c5" "{\"ip\":\"$NETP.200\"}"
check "--ip address is used" sh -c "nsenter -t $P5 -n ip -o addr show dev eth0 | grep -q ' $NETP.200/24 '"

# hostile input: clear errors, nothing left behind
snapshot() { echo "$(ip -o link show | grep -c "vsbc0ad5${N3hex}") $(wc -l <"$SBC_ROOT/network/bridge/leases") $(nft -a list chain ip $TABLE ports | grep -c comment)"; }
BEFORE=$(snapshot)
P6=$(fake c6)
expect_rc 125 "--ip outside the subnet is refused" "$NH" setup c6 "$P6" "$T_TMP/c6" '{"ip":"10.77.0.5"}'
expect_err_match "not a free host address|not a host address" "... with a clear message"
expect_rc 125 "--ip of a taken address is refused" "$NH" setup c6 "$P6" "$T_TMP/c6" "{\"ip\":\"$IP1\"}"
expect_err_match "already in use" "... with a clear message"
expect_rc 125 "--ip of the gateway is refused" "$NH" setup c6 "$P6" "$T_TMP/c6" "{\"ip\":\"$NETP.1\"}"
expect_rc 125 "bad -p is refused" "$NH" setup c6 "$P6" "$T_TMP/c6" '{"publish":["80:99999"]}'
expect_err_match "invalid port specification" "... with a clear message"
expect_rc 125 "a host port taken by another container is refused" "$NH" setup c6 "$P6" "$T_TMP/c6" "{\"publish\":[\"$HP1:81\"]}"
expect_err_match "already allocated" "... with a clear message"
HP3=$(free_port)
"$PY" -c "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', $HP3)); s.listen(); time.sleep(60)" &
LPID=$!; PIDS+=("$LPID")
wait_for 20 sh -c "ss -ltn | grep -q ':$HP3 '"
expect_rc 125 "a host port in use on the host is refused" "$NH" setup c6 "$P6" "$T_TMP/c6" "{\"publish\":[\"$HP3:80\"]}"
expect_err_match "already allocated|in use" "... with a clear message"
kill "$LPID" 2>/dev/null
LONG=$(printf 'n%.0s' $(seq 300))
expect_rc 125 "overlong name is refused" "$NH" setup c6 "$P6" "$T_TMP/c6" "{\"name\":\"$LONG\"}"
expect_rc 125 "overlong container id is refused" "$NH" setup "$LONG" "$P6" "$T_TMP/c6" '{}'
expect_rc 125 "unknown network mode is refused" "$NH" setup c6 "$P6" "$T_TMP/c6" '{"mode":"bogus"}'
check "nothing left behind by refused setups (veths, leases, rules)" test "$(snapshot)" = "$BEFORE"
check "no eth0 was made in the refused container" sh -c "! nsenter -t $P6 -n ip link show eth0 2>/dev/null"

# inspect shows the egress (default-route) interface and the containers
run sbc-network inspect
DEFIF=$(ip route show default | sed -n 's/.* dev \([^ ]*\).*/\1/p' | head -1)
if [ "$RC" = 0 ] && grep -q "\"EgressInterface\":[[:space:]]*\"$DEFIF\"" "$T_TMP/out" && grep -q "\"$IP1\"" "$T_TMP/out"; then
  pass "sbc-network inspect shows egress $DEFIF and c1"; else fail "inspect ($(_why))"; fi
run sbc-network ls
if [ "$RC" = 0 ] && echo "$OUT" | grep -Eq "^bridge +bridge +$BR +$SUBNET +$NETP.1$"; then pass "sbc-network ls"; else fail "ls ($(_why))"; fi

# teardown and prune
expect_rc 0 "teardown c1" "$NH" teardown "$T_TMP/c1"
expect_rc 0 "teardown c1 again (idempotent)" "$NH" teardown "$T_TMP/c1"
check "c1's rules are gone" sh -c "! nft list table ip $TABLE | grep -q 'dnat to $IP1:'"
check "c1's lease is gone" sh -c "! grep -q ' c1 ' $SBC_ROOT/network/bridge/leases"
check "c1's veth is gone" sh -c "! ip -o link show | grep -q vsbc$(printf %08x $(( (10<<24) + (213<<16) + (N3<<8) + ${IP1##*.} )))"
rm -rf "$T_TMP/c2"   # c2's container is "gone" without teardown
run sbc-network prune
if [ "$RC" = 0 ] && echo "$OUT" | grep -q "lease $IP2 of c2"; then pass "prune reclaims the lease of a vanished container"; else fail "prune ($(_why))"; fi
check "prune removed c2's veth and lease" sh -c "! grep -q ' c2 ' $SBC_ROOT/network/bridge/leases"
expect_rc 125 "network rm refuses while containers are attached" sbc-network rm bridge
expect_err_match "active container" "... with a clear message"
for c in c4 c5; do "$NH" teardown "$T_TMP/$c"; done
kill_fakes

# 32 parallel setups: 32 distinct addresses; all gone after teardown
PP=()
for i in $(seq 32); do PP+=("$(fake p$i)"); done
for i in $(seq 32); do
  "$NH" setup "p$i" "${PP[$((i - 1))]}" "$T_TMP/p$i" "{\"publish\":[\"80\",\"53/udp\"]}" >"$T_TMP/p$i.log" 2>&1 &
done
wait_ok=1
for j in $(jobs -p); do case " ${PIDS[*]} " in *" $j "*) ;; *) wait "$j" || wait_ok=0 ;; esac; done
check "32 parallel setups succeed" test "$wait_ok" = 1
ADDRS=$(cat "$T_TMP"/p*/net.json 2>/dev/null | grep -o '"ip":"[0-9.]*"' | sort -u | wc -l)
check "32 parallel setups got 32 distinct addresses ($ADDRS)" test "$ADDRS" = 32
check "32 leases" test "$(grep -c ' p[0-9]* ' "$SBC_ROOT/network/bridge/leases")" = 32
check "32 veths on the bridge" test "$(ip -o link show master "$BR" | grep -c vsbc)" = 32
check "64 port rules" test "$(nft list chain ip $TABLE ports | grep -c 'dnat to')" = 64
HPORTS=$(cat "$T_TMP"/p*/net.json 2>/dev/null | grep -o '"proto":"[a-z]*","host_ip":"[0-9.]*","host_port":[0-9]*' | sort -u | wc -l)
check "64 random host ports, all distinct ($HPORTS)" test "$HPORTS" = 64
for i in $(seq 32); do "$NH" teardown "$T_TMP/p$i" >"$T_TMP/t$i.log" 2>&1 & done
wait_ok=1
for j in $(jobs -p); do case " ${PIDS[*]} " in *" $j "*) ;; *) wait "$j" || wait_ok=0 ;; esac; done
[ "$wait_ok" = 1 ] && pass "32 parallel teardowns succeed" || fail "32 parallel teardowns: $(cat "$T_TMP"/t*.log | sort | uniq -c | head -3 | tr '\n' '|')"
check "no veth left on the bridge" test "$(ip -o link show master "$BR" | grep -c vsbc)" = 0
check "no lease left" test "$(grep -c . "$SBC_ROOT/network/bridge/leases")" = 0
check "no port rule left" test "$(nft list chain ip $TABLE ports | grep -c 'dnat')" = 0
kill_fakes

expect_rc 0 "sbc-network rm bridge" sbc-network rm bridge
check "the bridge is gone" sh -c "! ip link show $BR 2>/dev/null"
check "the table is gone" sh -c "! nft list table ip $TABLE 2>/dev/null"
check "the network's state is gone" test ! -e "$SBC_ROOT/network/bridge"
check "other tables untouched (none of ours remain)" sh -c "! nft list tables | grep -q 'sbc-$BR'"

# automatic subnet choice avoids a subnet the test occupies with a route
ROOT2=$T_TMP/root2
BR2=sbcu$$
BR2=${BR2:0:15}
mkdir -p "$T_TMP/etc2"
echo "{\"bridge\":\"$BR2\"}" >"$T_TMP/etc2/config.json"
on_exit "nft delete table ip sbc-$BR2"
on_exit "ip link del $BR2"
ADDED=""
for n in 17 18 19; do
  if ! ip -4 route show | grep -q "^172\.$n\."; then ip route add blackhole 172.$n.0.0/16 && ADDED="$ADDED $n"; fi
done
on_exit 'for n in $ADDED; do ip route del blackhole 172.$n.0.0/16; done'
P7=$(fake auto)
expect_rc 0 "setup with an automatic subnet" env SBC_ROOT="$ROOT2" SBC_CONFIG_DIR="$T_TMP/etc2" "$NH" setup auto "$P7" "$T_TMP/auto" '{}'
SUB2=$(sed -n 's/.*"subnet":"\([^"]*\)".*/\1/p' "$ROOT2/network/bridge/network.json" 2>/dev/null)
check "automatic subnet ($SUB2) is not 172.17-19 (occupied by routes)" sh -c "test -n '$SUB2' && ! echo '$SUB2' | grep -Eq '^172\.(17|18|19)\.'"
check "automatic subnet overlaps no other host route or address" "$PY" -c "
import ipaddress, subprocess, sys
me = ipaddress.ip_network('$SUB2')
out = subprocess.run(['ip', '-4', '-o', 'route', 'show', 'table', 'main'], capture_output=True, text=True).stdout
for line in out.splitlines():
    d = line.split()[0] if line.split()[0] != 'blackhole' else line.split()[1]
    if d == 'default' or ' dev $BR2 ' in line + ' ': continue
    if ipaddress.ip_network(d, strict=False).overlaps(me): sys.exit(1)
"
expect_rc 0 "teardown auto" env SBC_ROOT="$ROOT2" "$NH" teardown "$T_TMP/auto"
expect_rc 0 "sbc-network rm of the automatic network" env SBC_ROOT="$ROOT2" SBC_CONFIG_DIR="$T_TMP/etc2" sbc-network rm bridge
kill_fakes

t_done
