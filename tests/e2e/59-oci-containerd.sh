#!/bin/bash
# 59-oci-containerd: containerd (Debian's 1.6.20, started here with a
# private root, state and socket) running sbc-oci through its runc shim, as
# a Kubernetes node does (CRI -> containerd -> containerd-shim-runc-v2 ->
# BinaryName): ctr image import of an sbc-save archive, ctr run with and
# without a tty, task exec, ps, pause/resume, kill, delete.  runc is the
# control in the same run.
. "$(dirname "$0")/../lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
for c in containerd ctr containerd-shim-runc-v2; do
  command -v $c >/dev/null || { skip "containerd: no $c (apt-get install containerd)"; t_done; exit 0; }
done
mkdir -p "$T_TMP/bin"
ln -s "$SBC_BIN" "$T_TMP/bin/sbc-oci"
D=$T_TMP/ctd
mkdir -p "$D"
cat >"$D/config.toml" <<CONF
version = 2
root = "$D/root"
state = "$D/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$D/ctd.sock"
CONF
containerd --config "$D/config.toml" >"$D/log" 2>&1 &
CPID=$!
ctd_stop() {
  ctr -a "$D/ctd.sock" -n sbctest t ls -q 2>/dev/null | while read -r t; do ctr -a "$D/ctd.sock" -n sbctest t kill -s KILL "$t"; ctr -a "$D/ctd.sock" -n sbctest t rm -f "$t"; done
  kill "$CPID"; wait "$CPID"
  grep -o " $D[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l
}
on_exit ctd_stop
C=(ctr -a "$D/ctd.sock" -n sbctest)
wait_for 10 "${C[@]}" version || { fail "containerd did not start ($(tail -3 "$D/log"))"; t_done; exit 1; }
bash "$FIX/mkimage.sh" busybox >/dev/null && sbc-unpack busybox "$T_TMP/rootfs" >/dev/null &&
  sbc-init "$T_TMP/rootfs" localhost/sbctest:1 >/dev/null && sbc-save localhost/sbctest:1 -o "$T_TMP/img.tar" || { fail "sbc-save an image"; t_done; exit 1; }
IMG=localhost/sbctest:1
run "${C[@]}" image import "$T_TMP/img.tar"
[ "$RC" = 0 ] && "${C[@]}" image ls -q | grep -qx "$IMG" && pass "ctr image import of an sbc-save archive" || { fail "import ($(_why))"; t_done; exit 1; }

scenario() { # NAME BINARY
  local n=$1 B=$2
  expect_out hi "$n: ctr run --rm (runc shim v2)" "${C[@]}" run --rm --runtime io.containerd.runc.v2 --runc-binary "$B" "$IMG" "r-$n" echo hi
  expect_rc 5 "$n: the exit code reaches ctr" "${C[@]}" run --rm --runc-binary "$B" "$IMG" "x-$n" sh -c 'exit 5'
  run script -qec "ctr -a $D/ctd.sock -n sbctest run --rm -t --runc-binary $B $IMG t-$n tty" /dev/null
  grep -q '/dev/pts/[0-9]' "$T_TMP/out" && pass "$n: ctr run -t: a pty through the console socket" || fail "$n: run -t ($(_why))"
  run "${C[@]}" run -d --runc-binary "$B" "$IMG" "d-$n" sleep 100
  [ "$RC" = 0 ] && pass "$n: ctr run -d" || fail "$n: run -d ($(_why))"
  expect_out "exec-ok 0" "$n: ctr task exec" "${C[@]}" task exec --exec-id e1 "d-$n" sh -c 'echo exec-ok $(id -u)'
  run script -qec "ctr -a $D/ctd.sock -n sbctest task exec -t --exec-id e2 d-$n tty" /dev/null
  grep -q '/dev/pts/[0-9]' "$T_TMP/out" && pass "$n: ctr task exec -t" || fail "$n: exec -t ($(_why))"
  run "${C[@]}" task ps "d-$n"
  [ "$RC" = 0 ] && [ "$(grep -c '^[0-9]' "$T_TMP/out")" -ge 1 ] && pass "$n: ctr task ps" || fail "$n: ps ($(_why))"
  "${C[@]}" task pause "d-$n"
  st=$("${C[@]}" task ls | awk -v t="d-$n" '$1 == t {print $3}')
  [ "$st" = PAUSED ] && pass "$n: pause" || fail "$n: pause ($st)"
  "${C[@]}" task resume "d-$n"
  st=$("${C[@]}" task ls | awk -v t="d-$n" '$1 == t {print $3}')
  [ "$st" = RUNNING ] && pass "$n: resume" || fail "$n: resume ($st)"
  "${C[@]}" task kill -s KILL "d-$n"
  wait_for 5 sh -c "ctr -a $D/ctd.sock -n sbctest task ls | grep -q 'd-$n.*STOPPED'"
  st=$("${C[@]}" task ls | awk -v t="d-$n" '$1 == t {print $3}')
  [ "$st" = STOPPED ] && pass "$n: kill" || fail "$n: kill ($st)"
  run "${C[@]}" task delete "d-$n"
  [ "$RC" = 0 ] && pass "$n: task delete" || fail "$n: task delete ($(_why))"
  expect_rc 0 "$n: container rm" "${C[@]}" container rm "d-$n"
}
scenario runc "$(command -v runc)"
scenario sbc-oci "$T_TMP/bin/sbc-oci"
run "${C[@]}" run --rm --runc-binary "$T_TMP/bin/sbc-oci" "$IMG" bad-$$ /no/such/cmd
grep -q "no such file or directory" "$T_TMP/err" && [ "$RC" != 0 ] && pass "sbc-oci: a missing command: containerd shows the runtime's error" || fail "missing command ($(_why))"
left=$(ls "$D"/state/io.containerd.runtime.v2.task/sbctest 2>/dev/null | grep -c .)
[ "$left" = 0 ] && pass "no task left in containerd's state" || fail "tasks left: $(ls "$D"/state/io.containerd.runtime.v2.task/sbctest)"
t_done
