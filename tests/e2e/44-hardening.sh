#!/bin/bash
# 44-hardening: escape attempts against the baseline hardening.
. "$(dirname "$0")/../lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
cleanup_all() { for c in $(sbc-ps -aq --no-trunc 2>/dev/null); do sbc-rm -f "$c"; done; }
on_exit cleanup_all
bash "$FIX/mkimage.sh" busybox >/dev/null || { fail "mkimage"; t_done; exit 1; }
expect_out "00000000a80425fb" "Docker's 14 caps effective" sbc-run --rm busybox sh -c 'grep CapEff /proc/self/status | cut -f2'
expect_out "00000000a80425fb" "bounding = the 14" sbc-run --rm busybox sh -c 'grep CapBnd /proc/self/status | cut -f2'
expect_out "0000000000000000" "inheritable empty" sbc-run --rm busybox sh -c 'grep CapInh /proc/self/status | cut -f2'
expect_out "0000000000000000" "ambient empty" sbc-run --rm busybox sh -c 'grep CapAmb /proc/self/status | cut -f2'
expect_out "0000000000000000" "non-root user: no effective caps" sbc-run --rm -u app busybox sh -c 'grep CapEff /proc/self/status | cut -f2'
expect_rc 1 "write to /proc/sys refused" sbc-run --rm busybox sh -c 'echo 1 >/proc/sys/kernel/domainname'
expect_rc 1 "sysrq-trigger read-only" sbc-run --rm busybox sh -c 'echo h >/proc/sysrq-trigger'
expect_out "refused" "mount refused" sbc-run --rm busybox sh -c 'mount -t tmpfs none /mnt 2>/dev/null && echo mounted || echo refused'
expect_rc 1 "remount / refused" sbc-run --rm busybox mount -o remount,rw /proc/sys
expect_out "" "/proc/kcore masked" sbc-run --rm busybox sh -c 'cat /proc/kcore 2>/dev/null | head -c 16'
expect_out "" "/proc/keys masked" sbc-run --rm busybox cat /proc/keys
expect_out "" "/proc/timer_list masked" sbc-run --rm busybox cat /proc/timer_list
expect_out "" "/sys/firmware masked" sbc-run --rm busybox ls /sys/firmware
expect_rc 1 "/sys read-only" sbc-run --rm busybox sh -c 'echo x >/sys/kernel/uevent_helper'
run sbc-run --rm --init busybox sh -c 'for f in /proc/1/fd/* /proc/$$/fd/*; do n=${f##*/}; [ "$n" -gt 2 ] && readlink $f; done; true'
[ "$RC" = 0 ] && [ -z "$OUT" ] && pass "no fd beyond 0-2 in init or the command" || fail "extra fds ($(_why))"
# Devices (Docker's policy: mknod of anything, use of a few).  The probe is
# the host's tty1 (c 4:1), which root opens outside a container (the
# control); "opened"/"made" are echoed only after the step worked, and the
# refusal must be EPERM (the device cgroup's answer), not ENXIO or EACCES.
if [ -c /dev/tty1 ] && timeout 5 sh -c 'exec 3</dev/tty1' 2>/dev/null; then
  run sbc-run --rm --network none busybox sh -c 'mknod /tmp/t c 4 1 && echo made; exec 3</tmp/t && echo opened'
  [ "$OUT" = made ] && grep -q 'Operation not permitted' "$T_TMP/err" && pass "devices: mknod c 4:1 works, opening it is refused (EPERM)" ||
    fail "devices: mknod + open in a default container ($(_why))"
  run sbc-run --rm --network none busybox sh -c 'mknod /tmp/b b 7 0 && echo made; exec 3</tmp/b && echo opened'
  [ "$OUT" = made ] && grep -q 'Operation not permitted' "$T_TMP/err" && pass "devices: block node b 7:0 made, open refused" || fail "devices: block node ($(_why))"
  expect_out "$(printf 'made\nopened')" "devices: --device /dev/tty1 opens c 4:1 (and its node is there)" \
    sbc-run --rm --network none --device /dev/tty1 busybox sh -c '[ -c /dev/tty1 ] && mknod /tmp/t c 4 1 && echo made; exec 3</tmp/t && echo opened'
  run sbc-run --rm --network none --device /dev/tty1:/dev/probe:r busybox sh -c 'exec 3</dev/probe && echo read; exec 4>/dev/probe && echo wrote'
  [ "$OUT" = read ] && grep -q 'Operation not permitted' "$T_TMP/err" && pass "devices: --device /dev/tty1:/dev/probe:r reads, cannot write" || fail "devices: --device :r ($(_why))"
  expect_out "$(printf 'made\nopened')" "devices: --privileged opens c 4:1 (control)" \
    sbc-run --rm --network none --privileged busybox sh -c 'mknod /tmp/t c 4 1 && echo made; exec 3</tmp/t && echo opened'
else
  skip "devices: root cannot open /dev/tty1 on this host, so no probe device"
fi
expect_out "5 4" "devices: /dev/null, zero, urandom work" sbc-run --rm --network none busybox sh -c 'echo x >/dev/null && echo $(head -c 5 /dev/zero | wc -c) $(head -c 4 /dev/urandom | wc -c)'
expect_rc 125 "--device /etc/passwd refused" sbc-run --rm --network none --device /etc/passwd busybox true
expect_err_match '^sbc-run: .*not a character or block device' "--device /etc/passwd: one line"

# Seccomp: Docker's default filter in run, exec and the --init command
# (and its PID 1); none with seccomp=unconfined or --privileged
expect_out "2" "seccomp: sbc-run is filtered" sbc-run --rm --network none busybox sh -c 'grep Seccomp: /proc/self/status | cut -f2'
expect_out "$(printf '2\n2')" "seccomp: --init command and PID 1 are filtered" sbc-run --rm --network none --init busybox sh -c 'grep Seccomp: /proc/self/status /proc/1/status | cut -f2'
expect_out "0" "seccomp: seccomp=unconfined is not" sbc-run --rm --network none --security-opt seccomp=unconfined busybox sh -c 'grep Seccomp: /proc/self/status | cut -f2'
expect_out "0" "seccomp: --privileged is not" sbc-run --rm --network none --privileged busybox sh -c 'grep Seccomp: /proc/self/status | cut -f2'
run sbc-run -d --name sx --network none busybox sleep 600
expect_out "2" "seccomp: sbc-exec is filtered" sbc-exec sx sh -c 'grep Seccomp: /proc/self/status | cut -f2'
expect_out "$(grep CapPrm /proc/self/status | cut -f2)" "sbc-exec --privileged: every capability sbc holds" sbc-exec --privileged sx sh -c 'grep CapEff /proc/self/status | cut -f2'
expect_out "2" "sbc-exec --privileged keeps the container's filter" sbc-exec --privileged sx sh -c 'grep Seccomp: /proc/self/status | cut -f2'
sbc-rm -f sx >/dev/null 2>&1
# unshare(CLONE_NEWUSER) (the kernel allows it to uid 0 here: the control)
run sbc-run --rm --network none busybox sh -c 'unshare -U true && echo unshared'
[ "$RC" != 0 ] && [ -z "$OUT" ] && grep -q 'Operation not permitted' "$T_TMP/err" && pass "seccomp: unshare -U refused (EPERM)" || fail "seccomp: unshare -U ($(_why))"
expect_out "unshared" "seccomp=unconfined: unshare -U works (control)" sbc-run --rm --network none --security-opt seccomp=unconfined busybox sh -c 'unshare -U true && echo unshared'
# a profile of one's own (Docker's format): mkdir gets the profile's errno
printf '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}' >"$T_TMP/nomkdir.json"
run sbc-run --rm --network none --security-opt seccomp="$T_TMP/nomkdir.json" busybox sh -c 'mkdir /tmp/x && echo made'
[ "$RC" != 0 ] && [ -z "$OUT" ] && grep -q 'Permission denied' "$T_TMP/err" && pass "seccomp profile: mkdir fails with its errno (EACCES)" || fail "seccomp profile: mkdir ($(_why))"
expect_out "made" "seccomp profile: mkdir works without it (control)" sbc-run --rm --network none busybox sh -c 'mkdir /tmp/x && echo made'
echo '{"defaultAction":"SCMP_ACT_NOPE"}' >"$T_TMP/bad.json"
expect_rc 125 "seccomp profile: a bad action is refused" sbc-run --rm --network none --security-opt seccomp="$T_TMP/bad.json" busybox true
expect_err_match '^sbc-run: seccomp profile: .*SCMP_ACT_NOPE' "seccomp profile: one line naming it"
expect_rc 125 "--security-opt bogus refused" sbc-run --rm --network none --security-opt bogus busybox true
expect_out "1" "no-new-privileges" sbc-run --rm --network none --security-opt no-new-privileges busybox sh -c 'grep NoNewPrivs /proc/self/status | cut -f2'

# Keyrings: a fresh session keyring "_ses.<id>" per container, and the key
# syscalls blocked by the default filter.  busybox has no keyctl: the host's
# runs through its own loader from a read-only /usr.
KEYCTL=$(command -v keyctl || true)
LDSO=$(ls /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 /usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1 2>/dev/null | head -1)
if [ -n "$KEYCTL" ] && [ -n "$LDSO" ] && [ "${KEYCTL#/usr/}" != "$KEYCTL" ]; then
  K="/h$LDSO --library-path /h$(dirname "$LDSO") /h$KEYCTL show @s"
  run sbc-run --rm --network none --cidfile "$T_TMP/cid" --security-opt seccomp=unconfined -v /usr:/h/usr:ro busybox sh -c "$K"
  cid=$(cat "$T_TMP/cid" 2>/dev/null)
  [ "$RC" = 0 ] && [ -n "$cid" ] && echo "$OUT" | grep -q "keyring: _ses.$cid\$" && ! echo "$OUT" | grep -q "_uid_ses" &&
    pass "keyring: the container's session keyring is its own _ses.<id>" || fail "keyring: session keyring ($(_why))"
  run sbc-run --rm --network none -v /usr:/h/usr:ro busybox sh -c "$K"
  [ "$RC" != 0 ] && grep -q 'Operation not permitted' "$T_TMP/err" && pass "keyring: keyctl blocked by the default filter" || fail "keyring: keyctl under the default filter ($(_why))"
else
  skip "keyring: no host keyctl under /usr to probe with"
fi

# Capabilities: --cap-drop, --cap-add, --privileged
expect_out "0000000000000000" "--cap-drop ALL: no capabilities" sbc-run --rm --network none --cap-drop ALL busybox sh -c 'grep CapEff /proc/self/status | cut -f2'
expect_out "00000000a80425fa" "--cap-drop chown (lower case, no CAP_)" sbc-run --rm --network none --cap-drop chown busybox sh -c 'grep CapEff /proc/self/status | cut -f2'
expect_out "mounted" "--cap-add SYS_ADMIN: mount -t tmpfs works" sbc-run --rm --network none --cap-add CAP_SYS_ADMIN busybox sh -c 'mkdir -p /mnt && mount -t tmpfs none /mnt && echo mounted'
expect_out "refused" "without it: mount -t tmpfs refused (control)" sbc-run --rm --network none busybox sh -c 'mkdir -p /mnt && mount -t tmpfs none /mnt 2>/dev/null && echo mounted || echo refused'
expect_rc 125 "--cap-add NOPE refused" sbc-run --rm --network none --cap-add NOPE busybox true
HOSTPRM=$(grep CapPrm /proc/self/status | cut -f2)
expect_out "$HOSTPRM" "--privileged: every capability sbc holds" sbc-run --rm --network none --privileged busybox sh -c 'grep CapEff /proc/self/status | cut -f2'
expect_out "rw" "--privileged: /sys read-write, nothing masked" sbc-run --rm --network none --privileged busybox sh -c 'grep -q " /proc/keys " /proc/mounts && echo masked; grep " /sys " /proc/mounts | cut -d" " -f4 | cut -d, -f1'

# Sysctls: namespaced ones, written in the container's namespaces only
HOSTSHM=$(cat /proc/sys/kernel/shmmax)
expect_out "$(printf '12345\n1')" "--sysctl kernel.shmmax and net.ipv4.ip_forward set inside" \
  sbc-run --rm --network none --sysctl kernel.shmmax=12345 --sysctl net.ipv4.ip_forward=1 busybox cat /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_forward
[ "$(cat /proc/sys/kernel/shmmax)" = "$HOSTSHM" ] && pass "--sysctl: the host's kernel.shmmax is untouched" || fail "--sysctl changed the host's kernel.shmmax"
expect_rc 125 "--sysctl kernel.hostname refused (not namespaced)" sbc-run --rm --network none --sysctl kernel.hostname=x busybox true
expect_err_match "^sbc-run: sysctl 'kernel.hostname' is not allowed" "--sysctl refusal: one line"
expect_rc 125 "--sysctl net.* refused with --network host" sbc-run --rm --network host --sysctl net.ipv4.ip_forward=1 busybox true
expect_out "" "refused runs leave no container behind" sbc-ps -aq

# inspect: HostConfig as Docker names it
run sbc-create --name hc --privileged --cap-add NET_ADMIN --cap-drop chown --device /dev/null:/dev/xnull:rw --sysctl kernel.shmmax=99 --security-opt no-new-privileges busybox
run sbc-inspect hc
hc=$(echo "$OUT" | tr -d ' \n\t')
case "$hc" in *'"Privileged":true'*'"CapAdd":["NET_ADMIN"],"CapDrop":["chown"],"SecurityOpt":["no-new-privileges"],"Devices":[{"PathOnHost":"/dev/null","PathInContainer":"/dev/xnull","CgroupPermissions":"rw"}],"Sysctls":{"kernel.shmmax":"99"}'*)
  pass "inspect: Privileged, CapAdd, CapDrop, SecurityOpt, Devices, Sysctls" ;;
*) fail "inspect HostConfig ($(echo "$hc" | grep -o '"Privileged.*' | head -c 400))" ;;
esac
sbc-rm -f hc >/dev/null 2>&1
run sbc-run --rm --init busybox sh -c 'readlink /proc/1/exe; cat /proc/1/exe >/dev/null && echo readable'
echo "$OUT" | grep -q readable && fail "--init: sbc on disk reachable through /proc/1/exe ($OUT)" || pass "--init: /proc/1/exe not reachable"
expect_rc 1 "no sbc binary in the container" sbc-run --rm busybox sh -c 'ls / | grep -q sbc'
expect_rc 0 "no new mounts on the host" bash -c "! grep -q '$SBC_ROOT' /proc/self/mountinfo"
t_done
