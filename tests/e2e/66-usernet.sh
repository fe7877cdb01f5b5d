#!/bin/bash
# 66-usernet: bridges and stores.  Two stores (two SBC_ROOTs) on one host
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
t_done
