#!/bin/bash
# 45-run-network: sbc-run on the bridge network (the default), none, host and
# container:NAME; published ports (tcp, udp, -P), --ip, --dns*, --add-host,
# ps/inspect, and that every removal path leaves no veth, lease or rule.
# A private bridge and subnet ($SBC_CONFIG_DIR/config.json); an "outside"
# netns on a veth stands for the internet (as in 50-network.sh).
. "$(dirname "$0")/../lib.sh"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
FIX=$TOP/tests/fixtures
PEER=$TOP/tests/net/peer.py
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
BB=/bin/busybox
for tool in ip nft nsenter "$PY" "$BB"; do
  command -v "$tool" >/dev/null || { fail "needs $tool"; t_done; exit; }
done

BR=sbcr$$
BR=${BR:0:15}
TABLE=sbc-$BR
N3=$(( ($$ % 200) + 20 ))
NETP=10.216.$N3
SUBNET=$NETP.0/24
OUT_NS=sbcro$$
OUT_H=sbcrh$$
OUT_H=${OUT_H:0:15}
HOST_IP=198.18.$((N3 + 1)).1   # the host's address on the outside link
OUT_IP=198.18.$((N3 + 1)).2
# a private config dir, keeping the suite's registry CA
mkdir -p "$T_TMP/etc"
[ -d "${SBC_CONFIG_DIR:-}/certs.d" ] && cp -r "$SBC_CONFIG_DIR/certs.d" "$T_TMP/etc/"
export SBC_CONFIG_DIR=$T_TMP/etc
echo "{\"bridge\":\"$BR\",\"subnet\":\"$SUBNET\"}" >"$SBC_CONFIG_DIR/config.json"

PIDS=()
kill_bg() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; PIDS=(); }
rm_all() { for c in $(sbc-ps -aq --no-trunc 2>/dev/null); do sbc-rm -f "$c"; done; }
on_exit "ip netns del $OUT_NS"
on_exit "ip link del $OUT_H"
on_exit "nft delete table ip $TABLE"
on_exit "ip link del $BR"
on_exit "sbc-network rm -f bridge"
on_exit 'rm_all'
on_exit 'kill_bg'

# wait_http URL: until it answers (20 s)
# (busybox 1.35's wget -T crashes: timeout(1) instead)
wait_http() { wait_for 20 timeout 2 "$BB" wget -q -O /dev/null "$1"; }
http_get() { timeout 5 "$BB" wget -q -O - "$1"; }
insp() { sbc-inspect "$1" | "$PY" -c "import json,sys; d=json.load(sys.stdin)[0]; print(eval(sys.argv[1]))" "$2"; }
veth_of() { local a b c d; IFS=. read -r a b c d <<<"$1"; printf 'vsbc%02x%02x%02x%02x' "$a" "$b" "$c" "$d"; }
LEASES=$SBC_ROOT/network/bridge/leases

# the image (the registry's busybox has its applets' links only in /bin
# working, so commands run as "busybox APPLET")
IMG=""
if [ -n "${SBC_FIXTURE_ENV:-}" ] && [ -f "$SBC_FIXTURE_ENV" ]; then
  . "$SBC_FIXTURE_ENV"
  if sbc-pull -q "$REGISTRY/busybox" >"$T_TMP/pull.log" 2>&1; then IMG=$REGISTRY/busybox; fi
fi
if [ -z "$IMG" ]; then
  echo "# no registry image: using tests/fixtures/mkimage.sh busybox"
  bash "$FIX/mkimage.sh" busybox >/dev/null && IMG=busybox
fi
[ -n "$IMG" ] || { fail "no busybox image"; t_done; exit; }
# an image with ExposedPorts, for -P
EXPOSED='{"80/tcp":{},"53/udp":{}}' bash "$FIX/mkimage.sh" exposed >/dev/null || fail "mkimage exposed"

# the outside world: a netns on a veth with a connected route
outside_ns "$OUT_NS" "$OUT_H" "$HOST_IP" "$OUT_IP"
check "outside netns is up" ip netns exec "$OUT_NS" true
ip netns exec "$OUT_NS" "$PY" "$PEER" serve tcp 9000 outside </dev/null >/dev/null 2>&1 &
PIDS+=($!)
DEFIF=$(ip route show default | sed -n 's/.* dev \([^ ]*\).*/\1/p' | head -1)
HOSTADDR=$(ip -4 -o addr show dev "$DEFIF" 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -1)

# --- the default: bridge
run sbc-run --rm "$IMG" busybox sh -c 'busybox ip -o -4 addr show eth0; busybox ip route'
if [ "$RC" = 0 ] && echo "$OUT" | grep -q " inet $NETP\.[0-9]*/24 " && echo "$OUT" | grep -q "^default via $NETP.1 dev eth0"; then
  pass "default network: eth0 in $SUBNET and a default route via $NETP.1"; else fail "default network ($(_why))"; fi
check "the network is \"bridge\" on $BR" sh -c "ip -4 -o addr show dev $BR | grep -q ' $NETP.1/24 '"
check "--rm left no lease" sh -c "! grep -q . $LEASES"
# (the kernel deletes the veth with the netns, just after the run returns)
gone_veths() { wait_for 20 sh -c "! ip -o link show master '$BR' | grep -q vsbc"; }
check "--rm left no veth" gone_veths

run sbc-run --rm --network none "$IMG" busybox ip -o link
if [ "$RC" = 0 ] && [ "$(echo "$OUT" | wc -l)" = 1 ] && echo "$OUT" | grep -q '^1: lo:.*UP'; then
  pass "--network none: only lo, up"; else fail "--network none ($(_why))"; fi
run sbc-run --rm "$IMG" busybox ip -o link show lo
if [ "$RC" = 0 ] && echo "$OUT" | grep -q '^1: lo:.*UP'; then
  pass "bridge: lo is up"; else fail "bridge: lo ($(_why))"; fi
run sbc-run --rm --network host "$IMG" busybox ip -o link
if [ "$RC" = 0 ] && echo "$OUT" | grep -q " $OUT_H@"; then pass "--network host sees the host's interfaces"; else fail "--network host ($(_why))"; fi

# --- a web server with published ports (tcp; udp served by a second container)
HP1=$(free_port)
HP2=$(free_port)
expect_rc 0 "run -d --name web -p $HP1:80" sbc-run -d --name web -p "$HP1:80" "$IMG" \
  busybox sh -c 'busybox mkdir -p /www && echo hello-web >/www/index.html && exec busybox httpd -f -p 80 -h /www'
IP1=$(insp web 'd["NetworkSettings"]["IPAddress"]')
check "inspect: IPAddress $IP1 in the subnet" test "${IP1%.*}" = "$NETP"
check "inspect: Gateway, MacAddress, Ports" sh -c "test \"\$(sbc-inspect web | $PY -c 'import json,sys; n=json.load(sys.stdin)[0][\"NetworkSettings\"]; print(n[\"Gateway\"], n[\"MacAddress\"][:6], n[\"Ports\"][\"80/tcp\"][0][\"HostPort\"])')\" = '$NETP.1 02:42: $HP1'"
wait_http "http://127.0.0.1:$HP1/" || true
run http_get "http://127.0.0.1:$HP1/"
if [ "$OUT" = hello-web ]; then pass "-p tcp answers on 127.0.0.1:$HP1"; else fail "-p tcp from 127.0.0.1 ($(_why))"; fi
if [ -n "$HOSTADDR" ]; then
  run http_get "http://$HOSTADDR:$HP1/"
  if [ "$OUT" = hello-web ]; then pass "-p tcp answers on the host's address $HOSTADDR"; else fail "-p tcp from $HOSTADDR ($(_why))"; fi
fi
run ip netns exec "$OUT_NS" timeout 5 "$BB" wget -q -O - "http://$HOST_IP:$HP1/"
if [ "$OUT" = hello-web ]; then pass "-p tcp answers from the outside netns"; else fail "-p tcp from outside ($(_why))"; fi

# udp: python's peer.py in a container (host /usr and /lib bound read-only)
expect_rc 0 "run -d --name udp -p $HP2:53/udp" sbc-run -d --name udp -p "$HP2:53/udp" \
  -v /usr:/usr:ro -v /lib:/lib:ro -v /lib64:/lib64:ro -v "$TOP/tests/net:/peer:ro" "$IMG" /usr/bin/python3 /peer/peer.py serve udp 53 ctr
wait_for 20 sh -c "\"$PY\" \"$PEER\" ask udp 127.0.0.1 $HP2 | grep -q '^ctr '"
run "$PY" "$PEER" ask udp 127.0.0.1 "$HP2"
if [[ "$OUT" == "ctr "* ]]; then pass "-p udp answers on 127.0.0.1:$HP2"; else fail "-p udp from the host ($(_why); $(sbc-logs udp 2>&1 | tail -2 | tr '\n' '|'))"; fi
run ip netns exec "$OUT_NS" "$PY" "$PEER" ask udp "$HOST_IP" "$HP2"
if [ "$OUT" = "ctr $OUT_IP" ]; then pass "-p udp answers from the outside netns (peer seen as $OUT_IP)"; else fail "-p udp from outside ($(_why))"; fi

run sbc-ps
if [ "$RC" = 0 ] && echo "$OUT" | head -1 | grep -q 'STATUS .*PORTS .*NAMES' && echo "$OUT" | grep -q "0.0.0.0:$HP1->80/tcp .*web$" &&
  echo "$OUT" | grep -q "0.0.0.0:$HP2->53/udp .*udp$"; then pass "ps: PORTS column"; else fail "ps ports ($(_why))"; fi
run sbc-ps --format json
if echo "$OUT" | grep -q "\"Ports\":\"0.0.0.0:$HP1->80/tcp\"" ; then pass "ps --format json: Ports"; else fail "ps json ports ($(_why))"; fi

# --- containers reach each other, the outside (masqueraded)
run sbc-run --rm "$IMG" busybox timeout 5 busybox wget -q -O - "http://$IP1/"
if [ "$OUT" = hello-web ]; then pass "a second container reaches web at $IP1 (tcp)"; else fail "container -> container ($(_why))"; fi
expect_rc 0 "a second container pings web" sbc-run --rm "$IMG" busybox ping -c 1 -W 3 "$IP1"
run sbc-run --rm "$IMG" busybox nc -w 3 "$OUT_IP" 9000
if [ "$OUT" = "outside $HOST_IP" ]; then pass "a container reaches the outside, which sees the host's address"; else fail "outside via masquerade ($(_why))"; fi

# --- container:NAME
run sbc-run --rm --network container:web "$IMG" busybox sh -c "busybox ip -o -4 addr show eth0; busybox timeout 5 busybox wget -q -O - http://127.0.0.1/"
if [ "$RC" = 0 ] && echo "$OUT" | grep -q " inet $IP1/24 " && echo "$OUT" | grep -q '^hello-web$'; then
  pass "--network container:web shares web's netns ($IP1, its localhost)"; else fail "container:web ($(_why))"; fi
sbc-create --name stopped "$IMG" true >/dev/null
expect_rc 125 "--network container:STOPPED is refused" sbc-run --rm --network container:stopped "$IMG" true
expect_err_match "non running container: stopped" "... with a clear message"
expect_rc 125 "--network container:UNKNOWN is refused" sbc-run --rm --network container:nosuch "$IMG" true
expect_err_match "No such container: nosuch" "... with a clear message"
sbc-rm stopped >/dev/null 2>&1

# --- -P with the image's ExposedPorts
expect_rc 0 "run -d -P (ExposedPorts 80/tcp, 53/udp)" sbc-run -d --name pall -P exposed \
  sh -c 'mkdir -p /www && echo hello-P >/www/index.html && exec busybox httpd -f -p 80 -h /www'
PP=$(insp pall 'd["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"]')
PU=$(insp pall 'd["NetworkSettings"]["Ports"]["53/udp"][0]["HostPort"]')
check "-P published 80/tcp ($PP) and 53/udp ($PU) on random ports" sh -c "[ '$PP' -gt 0 ] && [ '$PU' -gt 0 ]"
wait_http "http://127.0.0.1:$PP/" || true
run http_get "http://127.0.0.1:$PP/"
if [ "$OUT" = hello-P ]; then pass "-P port answers"; else fail "-P port ($(_why))"; fi
check "ps shows -P's ports" sh -c "sbc-ps | grep pall | grep -q '0.0.0.0:$PP->80/tcp' && sbc-ps | grep pall | grep -q '0.0.0.0:$PU->53/udp'"

# --- --ip, --dns*, --add-host, /etc/hosts
run sbc-run --rm --ip "$NETP.200" "$IMG" busybox ip -o -4 addr show eth0
if echo "$OUT" | grep -q " inet $NETP.200/24 "; then pass "--ip $NETP.200"; else fail "--ip ($(_why))"; fi
run sbc-run --rm --dns 192.0.2.53 --dns-search example.test --dns-option ndots:2 --add-host db:10.1.2.3 \
  --add-host gw:host-gateway "$IMG" busybox sh -c 'cat /etc/resolv.conf; echo ---; cat /etc/hosts'
if [ "$RC" = 0 ] && [ "$(echo "$OUT" | grep '^nameserver')" = "nameserver 192.0.2.53" ] &&
  echo "$OUT" | grep -q '^search example.test$' && echo "$OUT" | grep -q '^options ndots:2$'; then
  pass "--dns, --dns-search, --dns-option in /etc/resolv.conf"; else fail "--dns ($(_why))"; fi
if echo "$OUT" | grep -q "^10.1.2.3	db$" && echo "$OUT" | grep -q "^$NETP.1	gw$"; then
  pass "--add-host (and host-gateway) in /etc/hosts"; else fail "--add-host ($(_why))"; fi
run sbc-run --rm --name named -h myhost "$IMG" busybox sh -c 'busybox ip -o -4 addr show eth0; cat /etc/hosts; busybox hostname'
MYIP=$(echo "$OUT" | sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p')
if [ -n "$MYIP" ] && echo "$OUT" | grep -q "^$MYIP	myhost named$" && echo "$OUT" | grep -q '^myhost$'; then
  pass "/etc/hosts names the container (address, hostname, name)"; else fail "/etc/hosts ($(_why))"; fi

# --- stop releases the network, start sets it up again (from the recorded netopts)
HP3=$(free_port)
sbc-run -d --name again -p "$HP3:80" "$IMG" busybox sh -c 'busybox mkdir -p /www && echo hello-again >/www/index.html && exec busybox httpd -f -p 80 -h /www' >/dev/null
AID=$(insp again 'd["Id"]')
sbc-stop -t 1 again >/dev/null
check "a stopped container holds no lease" sh -c "! grep -q '$AID' $LEASES"
check "... and no port rule" sh -c "! nft list table ip $TABLE | grep -q 'dport $HP3 '"
check "... and ps shows no ports" sh -c "! sbc-ps -a | grep -q ':$HP3->'"
expect_rc 0 "sbc-start again" sbc-start again
wait_http "http://127.0.0.1:$HP3/" || true
run http_get "http://127.0.0.1:$HP3/"
if [ "$OUT" = hello-again ]; then pass "after start, -p $HP3 answers again"; else fail "restart ports ($(_why))"; fi

# --- hostile input: clear one-line errors, exit 125, nothing left behind
# (veths of this script's subnet only: other runs on the host have their own)
VPFX=$(printf 'vsbc%02x%02x%02x' 10 216 "$N3")
netstate() { echo "$(ip -o link show | grep -c "$VPFX") $(grep -c . "$LEASES") $(nft list table ip $TABLE | grep -c dnat)"; }
NCT=$(sbc-ps -aq | wc -l)
BEFORE=$(netstate)
expect_rc 125 "bad -p is refused" sbc-run -d -p 80:99999 "$IMG" true
expect_err_match "invalid port specification" "... with a clear one-line message"
expect_rc 125 "bad -p protocol is refused" sbc-run -d -p 80/sctp "$IMG" true
expect_rc 125 "--ip outside the subnet is refused" sbc-run -d --ip 10.77.0.5 "$IMG" true
expect_err_match "not a free host address" "... with a clear one-line message"
expect_rc 125 "--ip with --network none is refused" sbc-run -d --network none --ip "$NETP.9" "$IMG" true
expect_rc 125 "an unknown network is refused" sbc-run -d --network bogus "$IMG" true
expect_err_match "network bogus not found" "... with a clear one-line message"
expect_rc 125 "bad --add-host is refused" sbc-run -d --add-host nocolon "$IMG" true
expect_rc 125 "bad --dns is refused" sbc-run -d --dns not-an-ip "$IMG" true
check "no container made by the refused runs" test "$(sbc-ps -aq | wc -l)" = "$NCT"
# refused when the network is set up (as Docker, the container stays Created)
expect_rc 125 "--ip of a taken address is refused" sbc-run -d --name takenip --ip "$IP1" "$IMG" true
expect_err_match "already in use" "... with a clear one-line message"
expect_rc 125 "a host port already published is refused" sbc-run -d --name takenport -p "$HP1:81" "$IMG" true
expect_err_match "already allocated" "... with a clear one-line message"
expect_rc 125 "--rm: the same refusal" sbc-run --rm -p "$HP1:81" "$IMG" true
check "... and the --rm container is gone" test "$(sbc-ps -aq | wc -l)" = "$((NCT + 2))"
check "nothing left behind by the refused runs (veths, leases, rules)" test "$(netstate)" = "$BEFORE"
sbc-rm takenip takenport >/dev/null 2>&1

# --- kill -9 of the monitor and the container, then rm -f
HP4=$(free_port)
sbc-run -d --name k9 -p "$HP4:80" "$IMG" busybox sleep 600 >/dev/null
KID=$(insp k9 'd["Id"]')
KIP=$(insp k9 'd["NetworkSettings"]["IPAddress"]')
MPID=$("$PY" -c "import json; d=json.load(open('$SBC_ROOT/containers/$KID/state.json')); print(d['MonitorPid'], d['Pid'])")
kill -9 $MPID
sleep 0.2
check "k9 still holds its lease after kill -9" grep -q "$KID" "$LEASES"
expect_rc 0 "rm -f after kill -9" sbc-rm -f k9
check "... lease released" sh -c "! grep -q '$KID' $LEASES"
check "... veth gone" sh -c "! ip link show $(veth_of "$KIP") 2>/dev/null"
check "... port rules gone" sh -c "! nft list table ip $TABLE | grep -q 'dport $HP4 '"

# --- 20 parallel run -d: 20 distinct addresses, all gone after rm -f
sbc-rm -f web udp pall again >/dev/null 2>&1
for i in $(seq 20); do sbc-run -d --name par$i -p 80 "$IMG" busybox sleep 600 >"$T_TMP/par$i.id" 2>"$T_TMP/par$i.err" & done
wait_ok=1
for j in $(jobs -p); do case " ${PIDS[*]} " in *" $j "*) ;; *) wait "$j" || wait_ok=0 ;; esac; done
check "20 parallel run -d succeed" test "$wait_ok" = 1
for i in $(seq 20); do insp "par$i" 'd["NetworkSettings"]["IPAddress"]'; done >"$T_TMP/paraddrs" 2>/dev/null
N=$(grep -c "^$NETP\." "$T_TMP/paraddrs")
D=$(sort -u "$T_TMP/paraddrs" | grep -c "^$NETP\.")
check "20 containers got 20 distinct addresses ($N, $D distinct)" sh -c "[ $N = 20 ] && [ $D = 20 ]"
check "20 leases" test "$(grep -c . "$LEASES")" = 20
check "20 veths on $BR" test "$(ip -o link show master "$BR" | grep -c vsbc)" = 20
for i in $(seq 20); do sbc-rm -f "par$i" >/dev/null 2>&1 & done
wait_ok=1
for j in $(jobs -p); do case " ${PIDS[*]} " in *" $j "*) ;; *) wait "$j" || wait_ok=0 ;; esac; done
check "20 parallel rm -f succeed" test "$wait_ok" = 1
left=0
while read -r a; do
  ip link show "$(veth_of "$a")" >/dev/null 2>&1 && left=$((left + 1))
  nft list table ip "$TABLE" | grep -q "dnat to $a:" && left=$((left + 1))
done <"$T_TMP/paraddrs"
check "no veth or nft rule of theirs remains" test "$left" = 0
check "no lease remains" test "$(grep -c . "$LEASES")" = 0
check "no veth on $BR remains" test "$(ip -o link show master "$BR" | grep -c vsbc)" = 0
check "no port rule remains" test "$(nft list table ip $TABLE | grep -c 'dnat to')" = 0

rm_all >/dev/null 2>&1
expect_rc 0 "sbc-network rm bridge" sbc-network rm bridge
check "the bridge and table are gone" sh -c "! ip link show $BR 2>/dev/null && ! nft list table ip $TABLE 2>/dev/null"
kill_bg
t_done
