#!/bin/bash
# 58-oci-podman: podman (Debian's 4.3.1, conmon 2.1.6) with sbc-oci as its
# OCI runtime (--runtime), on a private store, with an image made by sbc
# (sbc-init, sbc-save, podman load).  The same scenario runs with runc as
# the control, so a failure with sbc-oci is sbc's.
. "$(dirname "$0")/../lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
command -v podman >/dev/null || { skip "podman: not installed (apt-get install podman)"; t_done; exit 0; }
command -v conmon >/dev/null || { skip "podman: no conmon"; t_done; exit 0; }
mkdir -p "$T_TMP/bin"
ln -s "$SBC_BIN" "$T_TMP/bin/sbc-oci"
P=$T_TMP/podman
mkdir -p "$P"
cat >"$P/containers.conf" <<EOF
[containers]
default_ulimits = []
default_sysctls = []
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$P/tmp"
runtime_supports_json = ["crun", "runc", "sbc-oci"]
EOF
cat >"$P/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$P/graph"
runroot = "$P/run"
EOF
export CONTAINERS_CONF=$P/containers.conf CONTAINERS_STORAGE_CONF=$P/storage.conf
unset DOCKER_CONFIG REGISTRY_AUTH_FILE # (sbc's, not podman's)
podman_clean() {
  podman pod rm -af -t 0 >/dev/null 2>&1
  podman rm -af -t 0 >/dev/null 2>&1
  podman system reset -f >/dev/null 2>&1
  grep -o " $P[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l
}
on_exit podman_clean
bash "$FIX/mkimage.sh" busybox >/dev/null && sbc-unpack busybox "$T_TMP/rootfs" >/dev/null &&
  sbc-init "$T_TMP/rootfs" localhost/sbctest:1 >/dev/null && sbc-save localhost/sbctest:1 -o "$T_TMP/img.tar" &&
  podman load -i "$T_TMP/img.tar" >/dev/null 2>&1 || { fail "an sbc-saved image into podman ($(podman load -i "$T_TMP/img.tar" 2>&1 | tail -1))"; t_done; exit 1; }
IMG=localhost/sbctest:1
pass "podman loaded an image saved by sbc-save"

scenario() { # NAME RUNTIME
  local n=$1 R=(podman --runtime "$2") id
  expect_out hi "$n: podman run --rm echo hi" "${R[@]}" run --rm --network none "$IMG" echo hi
  expect_rc 3 "$n: podman run --rm passes the exit code" "${R[@]}" run --rm --network none "$IMG" sh -c 'exit 3'
  run "${R[@]}" run --rm --network none "$IMG" no-such-cmd
  [ "$RC" = 127 ] && pass "$n: a missing command: 127" || fail "$n: missing command ($(_why))"
  run "${R[@]}" run -d --name "d-$n" --network none "$IMG" sh -c 'echo logline; trap "exit 0" TERM; sleep 100 & wait'
  wait_for 5 sh -c "podman logs d-$n 2>/dev/null | grep -q logline"
  expect_out logline "$n: run -d, then logs" podman logs "d-$n"
  expect_out "in-exec 0" "$n: exec" "${R[@]}" exec "d-$n" sh -c 'echo in-exec $(id -u)'
  run "${R[@]}" top "d-$n"
  grep -q "sleep 100" "$T_TMP/out" && pass "$n: podman top lists the container's processes" || fail "$n: top ($(_why))"
  run "${R[@]}" pause "d-$n"
  st=$(podman inspect -f '{{.State.Status}}' "d-$n")
  [ "$RC" = 0 ] && [ "$st" = paused ] && pass "$n: pause" || fail "$n: pause ($(_why); $st)"
  run "${R[@]}" unpause "d-$n"
  st=$(podman inspect -f '{{.State.Status}}' "d-$n")
  [ "$RC" = 0 ] && [ "$st" = running ] && pass "$n: unpause" || fail "$n: unpause ($(_why); $st)"
  run "${R[@]}" stop -t 5 "d-$n"
  st=$(podman inspect -f '{{.State.Status}} {{.State.ExitCode}}' "d-$n")
  [ "$RC" = 0 ] && [ "$st" = "exited 0" ] && pass "$n: stop (SIGTERM reaches the trap: exit 0)" || fail "$n: stop ($(_why); $st)"
  expect_rc 0 "$n: rm" "${R[@]}" rm "d-$n"
  run script -qec "${R[*]} run --rm -it --network none $IMG sh -c 'tty; stty size'" /dev/null
  grep -q '/dev/pts/[0-9]' "$T_TMP/out" && pass "$n: run -it: the process has a pty" || fail "$n: run -it ($(_why))"
  run "${R[@]}" run --rm --network none --memory 64m "$IMG" sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max'
  [ "$OUT" = 67108864 ] && pass "$n: --memory 64m seen inside" || fail "$n: --memory ($(_why))"
  if command -v catatonit >/dev/null; then
    "${R[@]}" pod create --name "p-$n" >/dev/null 2>&1
    "${R[@]}" run -d --pod "p-$n" --name "srv-$n" "$IMG" nc -l -p 8080 -e echo hello-pod >/dev/null 2>&1
    run "${R[@]}" run --rm --pod "p-$n" "$IMG" sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do nc 127.0.0.1 8080 </dev/null && exit; sleep 0.2; done; exit 1'
    [ "$RC" = 0 ] && [ "$OUT" = hello-pod ] && pass "$n: a pod of two sharing a network namespace" || fail "$n: pod ($(_why))"
    podman pod rm -f -t 0 "p-$n" >/dev/null 2>&1
  else skip "$n: pods: no catatonit (podman's pause binary; apt-get install catatonit)"; fi
}
before=$(ls /run/sbc-oci 2>/dev/null | grep -c .)
scenario runc "$(command -v runc)"
scenario sbc-oci "$T_TMP/bin/sbc-oci"
left=$(ls /run/sbc-oci 2>/dev/null | grep -c . )
[ "$left" -le "$before" ] && pass "no sbc-oci state left" || fail "sbc-oci state left: $(ls /run/sbc-oci)"
t_done
