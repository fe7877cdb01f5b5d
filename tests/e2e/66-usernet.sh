#!/bin/bash
# 66-usernet: user networks and stores.  sbc-network create/ls/inspect/rm/
# prune, run --network NAME --network-alias: names resolve within a network
# (hosts files kept up to date), not across networks, which are isolated;
# the default bridge has no names.  Two stores (two SBC_ROOTs) on one host
# never share a bridge: the second is refused with one line and leaves no
# veth, lease or rule; a bridge that is not sbc's is adopted when it has no
# address (or the gateway) and refused when it has another.  Every bridge,
# subnet and netns here is the test's own; nothing leaves the host.
. "$(dirname "$0")/../lib.sh"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
FIX=$TOP/tests/fixtures
for tool in ip nft /bin/busybox; do
  command -v "$tool" >/dev/null || { fail "needs $tool"; t_done; exit; }
done

N3=$(( ($$ % 200) + 20 ))
BR=sbcu$$; BR=${BR:0:15}          # store A's bridge
BRX=sbcx$$; BRX=${BRX:0:15}       # a bridge made by "someone else", with an address
BRY=sbcy$$; BRY=${BRY:0:15}       # a bridge made by "someone else", without one
SA=10.217.$N3; SB=10.218.$N3; SX=10.219.$N3; SY=10.220.$N3
ROOTA=$SBC_ROOT ROOTB=$T_TMP/rootb ROOTC=$T_TMP/rootc
mkdir -p "$T_TMP/etca" "$T_TMP/etcb" "$T_TMP/etcc" "$ROOTB" "$ROOTC"
conf() { echo "{\"bridge\":\"$2\",\"subnet\":\"$3.0/24\"}" >"$T_TMP/etc$1/config.json"; }
# st STORE CMD...: CMD with store a, b or c
st() {
  local s=$1 root; shift
  case $s in a) root=$ROOTA ;; b) root=$ROOTB ;; c) root=$ROOTC ;; esac
  SBC_ROOT=$root SBC_CONFIG_DIR=$T_TMP/etc$s "$@"
}
rm_all() { local s c; for s in a b c; do for c in $(st $s sbc-ps -aq --no-trunc 2>/dev/null); do st $s sbc-rm -f "$c"; done; done; }
for s in a b c; do on_exit "st $s sbc-network rm -f bridge"; done
on_exit 'rm_all'
for b in $BR $BRX $BRY; do on_exit "ip link del $b"; on_exit "nft delete table ip sbc-$b"; done
on_exit 'for l in $(ip -o link show | grep -o "vsbc0ad[9a-d]${N3hex}[0-9a-f]*"); do ip link del $l; done'
N3hex=$(printf %02x "$N3")
# leaked: a veth of subnet $1 (its name is the address in hex)
leaked() { local a b c; IFS=. read -r a b c <<<"$1"; ip -o link show | grep -q "vsbc$(printf %02x%02x%02x "$a" "$b" "$c")"; }
not_leaked() { ! leaked "$1"; }
fails() { ! "$@"; }
# hosts_has CTR WORD: store A's container CTR's /etc/hosts has WORD
hosts_has() { st a sbc-exec "$1" busybox grep -qw "$2" /etc/hosts; }
alias_of() { cat "/sys/class/net/$1/ifalias" 2>/dev/null; }

for s in a b c; do st $s bash "$FIX/mkimage.sh" busybox >/dev/null || fail "mkimage in store $s"; done
IMG=busybox

# --- store A makes its bridge and marks it
conf a "$BR" "$SA"
expect_rc 0 "store A: a container on bridge $BR" st a sbc-run --rm "$IMG" busybox true
check "store A's bridge has its gateway $SA.1" sh -c "ip -4 -o addr show dev $BR | grep -q ' $SA.1/24 '"
check "the bridge is marked as store A's (ifalias)" test "$(alias_of "$BR")" = "sbc:$ROOTA"
st a sbc-run -d --name longa "$IMG" busybox sleep 600 >/dev/null
IPA=$(sed -n "s/^\($SA\.[0-9]*\) .*/\1/p" "$ROOTA/network/bridge/leases" | head -1)
check "store A: a running container with an address in $SA.0/24" sh -c "echo '$IPA' | grep -q '^$SA\.'"

# --- store B on the same bridge name with another subnet: refused, nothing left
conf b "$BR" "$SB"
expect_rc 125 "store B on store A's bridge (another subnet) is refused" st b sbc-run --rm "$IMG" busybox true
expect_err_match "bridge $BR belongs to another sbc store \($ROOTA\)" "the refusal is one line naming the bridge and the other store"
check "no veth of store B's subnet is left" not_leaked "$SB"
check "store B holds no lease" sh -c "! grep -q . '$ROOTB/network/bridge/leases' 2>/dev/null"
check "the bridge keeps store A's gateway only" sh -c "[ \"\$(ip -4 -o addr show dev $BR | wc -l)\" = 1 ] && ip -4 -o addr show dev $BR | grep -q ' $SA.1/24 '"
check "store A's masquerade rule is still there" sh -c "nft list chain ip sbc-$BR postrouting | grep -q 'ip saddr $SA.0/24'"
check "store A's container still has its lease" grep -q "^$IPA " "$ROOTA/network/bridge/leases"
# the same subnet as A (two lease files on one subnet): refused too
conf b "$BR" "$SA"
expect_rc 125 "store B on store A's bridge with A's subnet is refused" st b sbc-run --rm "$IMG" busybox true
expect_err_match "belongs to another sbc store" "that refusal is one line too"
# B's rm and prune leave A's bridge and table alone
expect_rc 0 "store B: network prune" st b sbc-network prune
expect_rc 0 "store B: network rm -f bridge" st b sbc-network rm -f bridge
check "store A's bridge survives store B's rm" test -d "/sys/class/net/$BR"
check "store A's nft table survives store B's rm" nft list table ip "sbc-$BR"
# B with a bridge of its own works (the refusal was about sharing)
conf b "${BR}b" "$SB"
on_exit "ip link del ${BR}b"; on_exit "nft delete table ip sbc-${BR}b"
expect_rc 0 "store B on a bridge of its own works" st b sbc-run --rm "$IMG" busybox true
check "store B's bridge has its gateway $SB.1" sh -c "ip -4 -o addr show dev ${BR}b | grep -q ' $SB.1/24 '"

# --- bridges not made by sbc
ip link add "$BRX" type bridge && ip addr add "$SX.1/24" dev "$BRX" && ip link set "$BRX" up
conf c "$BRX" "$SY"
expect_rc 125 "a bridge with an address that is not the gateway is refused" st c sbc-run --rm "$IMG" busybox true
expect_err_match "bridge $BRX has address $SX.1/24, not the gateway $SY.1/24" "that refusal is one line naming both addresses"
check "no veth of that subnet is left" not_leaked "$SY"
check "the foreign bridge is not marked" test -z "$(alias_of "$BRX")"
check "the foreign bridge is still there" test -d "/sys/class/net/$BRX"
ip link add "$BRY" type bridge && ip link set "$BRY" up
conf c "$BRY" "$SY"
expect_rc 0 "a bridge without an address is adopted" st c sbc-run --rm "$IMG" busybox true
check "the adopted bridge got the gateway $SY.1" sh -c "ip -4 -o addr show dev $BRY | grep -q ' $SY.1/24 '"
check "the adopted bridge is marked as store C's" test "$(alias_of "$BRY")" = "sbc:$ROOTC"

st a sbc-rm -f longa >/dev/null 2>&1

# --- user networks (store A)
S1=10.221.$N3; S2=10.222.$N3
on_exit 'for n in n1 n2 n3; do st a sbc-network rm -f $n; done'
run st a sbc-network create --subnet "$S1.0/24" --label tier=front n1
ID1=$OUT
check "create n1 prints its id" sh -c "echo '$ID1' | grep -Eq '^[0-9a-f]{64}$'"
BR1=sbc-${ID1:0:11}
on_exit "ip link del $BR1"; on_exit "nft delete table ip sbc-$BR1"
check "n1's bridge $BR1 has the gateway $S1.1" sh -c "ip -4 -o addr show dev $BR1 | grep -q ' $S1.1/24 '"
check "n1's bridge is marked as store A's" test "$(alias_of "$BR1")" = "sbc:$ROOTA"
expect_rc 125 "create n1 again is refused" st a sbc-network create n1
expect_err_match "network with name n1 already exists" "that refusal is one line"
expect_rc 125 "a subnet overlapping n1's is refused" st a sbc-network create --subnet "${S1%.*}.0.0/16" nx
expect_err_match "overlaps $S1.0/24" "that refusal names the other subnet"
expect_rc 125 "a bad network name is refused" st a sbc-network create 'a/b'
expect_rc 0 "create n2" st a sbc-network create --subnet "$S2.0/24" n2
BR2=sbc-${OUT:0:11}
on_exit "ip link del $BR2"; on_exit "nft delete table ip sbc-$BR2"
expect_rc 0 "create n3 without a subnet" st a sbc-network create n3
BR3=sbc-${OUT:0:11}
on_exit "ip link del $BR3"; on_exit "nft delete table ip sbc-$BR3"
run st a sbc-network inspect n3
check "n3 got a private subnet of its own" sh -c "echo '$OUT' | grep -Eq '\"Subnet\":[[:space:]]*\"(172|10|192)\.' && ! echo '$OUT' | grep -q '\"Subnet\":[[:space:]]*\"$S1'"
expect_rc 0 "rm n3" st a sbc-network rm n3
check "n3's bridge is gone" test ! -e "/sys/class/net/$BR3"
run st a sbc-network ls
check "ls lists bridge, n1 and n2 with their subnets" sh -c "echo '$OUT' | grep -q '^n1 .* $S1.0/24' && echo '$OUT' | grep -q '^n2 .* $S2.0/24' && ! echo '$OUT' | grep -q '^n3 '"
run st a sbc-network inspect n1
check "inspect n1 has its label" sh -c "echo '$OUT' | tr -d ' \t\n' | grep -q '\"Labels\":{\"tier\":\"front\"}'"
expect_rc 125 "run --network nosuch is refused" st a sbc-run --rm --network nosuch "$IMG" busybox true
expect_err_match "network nosuch not found" "that refusal is one line"
expect_rc 125 "--network-alias on the default bridge is refused" st a sbc-run --rm --network-alias x "$IMG" busybox true

st a sbc-run -d --network n1 --name web1 --network-alias www "$IMG" busybox sh -c \
  'echo hello >/tmp/index.html; exec busybox httpd -f -p 8080 -h /tmp' >/dev/null
st a sbc-run -d --network n1 --name cli1 "$IMG" busybox sleep 600 >/dev/null
st a sbc-run -d --network n2 --name cli2 "$IMG" busybox sleep 600 >/dev/null
st a sbc-run -d --name def1 "$IMG" busybox sleep 600 >/dev/null
IPW=$(st a sbc-exec web1 busybox ip -4 -o addr show eth0 | sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p')
IP2=$(st a sbc-exec cli2 busybox ip -4 -o addr show eth0 | sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p')
check "web1 is on n1 ($S1.0/24)" sh -c "echo '$IPW' | grep -q '^$S1\.'"
check "cli2 is on n2 ($S2.0/24)" sh -c "echo '$IP2' | grep -q '^$S2\.'"
wait_for 10 st a sbc-exec cli1 busybox wget -q -O /dev/null http://web1:8080/index.html
expect_out hello "same network: cli1 reaches web1 by name over TCP" st a sbc-exec cli1 busybox wget -q -O - http://web1:8080/index.html
expect_out hello "same network: cli1 reaches web1 by its alias www" st a sbc-exec cli1 busybox wget -q -O - http://www:8080/index.html
expect_rc 0 "same network: web1 pings cli1 by name (names both ways)" st a sbc-exec web1 busybox ping -c1 -W2 cli1
expect_rc 1 "another network: cli2 does not resolve web1" st a sbc-exec cli2 busybox ping -c1 -W1 web1
check "another network: cli2 cannot reach web1's address over TCP" fails st a sbc-exec cli2 timeout 3 busybox wget -q -O - "http://$IPW:8080/index.html"
expect_rc 1 "another network: web1 cannot ping cli2's address" st a sbc-exec web1 busybox ping -c1 -W1 "$IP2"
expect_rc 1 "the default bridge: def1 does not resolve web1" st a sbc-exec def1 busybox ping -c1 -W1 web1
check "the default bridge: def1 cannot reach web1's address over TCP" fails st a sbc-exec def1 timeout 3 busybox wget -q -O - "http://$IPW:8080/index.html"
check "the default bridge keeps no names in /etc/hosts" fails hosts_has def1 net
# leaving: the others' /etc/hosts (bind mounts) lose the line in place
check "web1's /etc/hosts names cli1" hosts_has web1 cli1
expect_rc 125 "rm n1 with containers attached is refused" st a sbc-network rm n1
expect_err_match "network n1 has 2 active containers" "that refusal is one line"
st a sbc-rm -f cli1 >/dev/null
check "after cli1 is removed, web1's /etc/hosts no longer names it" fails hosts_has web1 cli1
check "web1's /etc/hosts still names web1 itself" hosts_has web1 web1
st a sbc-run -d --network n1 --name cli3 "$IMG" busybox sleep 600 >/dev/null
expect_out hello "a container joining later reaches web1 by name" st a sbc-exec cli3 busybox wget -q -O - http://web1:8080/index.html
check "and web1's /etc/hosts names it" hosts_has web1 cli3
# connect/disconnect: cli2 (n2) joins n1 too, with an alias
expect_rc 0 "network connect --alias c2 n1 cli2" st a sbc-network connect --alias c2 n1 cli2
run st a sbc-exec cli2 busybox ip -4 -o addr show eth1
check "cli2 has a second interface eth1 in $S1.0/24" sh -c "echo '$OUT' | grep -q ' $S1\.'"
expect_rc 0 "connected: cli2 reaches web1 by name" st a sbc-exec cli2 busybox ping -c1 -W2 web1
expect_rc 0 "connected: web1 reaches cli2 by its alias c2" st a sbc-exec web1 busybox ping -c1 -W2 c2
run st a sbc-exec cli2 busybox ip route
check "cli2's default route stays on its first network" sh -c "echo '$OUT' | grep -q '^default via $S2.1 dev eth0'"
expect_rc 125 "connecting again is refused" st a sbc-network connect n1 cli2
expect_err_match "already connected to network n1" "that refusal is one line"
expect_rc 125 "disconnecting the first network is refused" st a sbc-network disconnect n2 cli2
expect_rc 0 "network disconnect n1 cli2" st a sbc-network disconnect n1 cli2
expect_rc 1 "disconnected: cli2 no longer resolves web1" st a sbc-exec cli2 busybox ping -c1 -W1 web1
check "disconnected: web1's /etc/hosts no longer names c2" fails hosts_has web1 c2
check "disconnected: no eth1 in cli2" fails st a sbc-exec cli2 busybox ip link show eth1
expect_rc 0 "connect again" st a sbc-network connect n1 cli2
for c in web1 cli2 cli3 def1; do st a sbc-rm -f $c >/dev/null; done
check "rm -f of a connected container frees its lease on n1 too" fails grep -q . "$ROOTA/network/n1/leases"
# a reboot loses bridges and tables: the network comes back with its first container
ip link del "$BR1"; nft delete table ip "sbc-$BR1"
check "(reboot simulated: n1's bridge is gone)" test ! -e "/sys/class/net/$BR1"
expect_rc 0 "after a reboot, a container on n1 runs" st a sbc-run --rm --network n1 "$IMG" busybox true
check "n1's bridge is back with its gateway $S1.1" sh -c "ip -4 -o addr show dev $BR1 | grep -q ' $S1.1/24 '"
check "n1's nft table is back" nft list table ip "sbc-$BR1"
run st a sbc-network prune
check "prune removes the unused user networks" sh -c "echo '$OUT' | grep -q 'network n1' && echo '$OUT' | grep -q 'network n2'"
check "their bridges are gone" sh -c "[ ! -e /sys/class/net/$BR1 ] && [ ! -e /sys/class/net/$BR2 ]"
check "their nft tables are gone" sh -c "! nft list table ip sbc-$BR1 && ! nft list table ip sbc-$BR2"
check "no veth of n1 is left" not_leaked "$S1"
check "no veth of n2 is left" not_leaked "$S2"
t_done
