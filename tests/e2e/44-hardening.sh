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
expect_rc 0 "mknod of a disk refused to open" sbc-run --rm busybox sh -c 'mknod /tmp/sda b 8 0 2>/dev/null; ! head -c1 /tmp/sda >/dev/null 2>&1 || true'
run sbc-run --rm --init busybox sh -c 'readlink /proc/1/exe; cat /proc/1/exe >/dev/null && echo readable'
echo "$OUT" | grep -q readable && fail "--init: sbc on disk reachable through /proc/1/exe ($OUT)" || pass "--init: /proc/1/exe not reachable"
expect_rc 1 "no sbc binary in the container" sbc-run --rm busybox sh -c 'ls / | grep -q sbc'
expect_rc 0 "no new mounts on the host" bash -c "! grep -q '$SBC_ROOT' /proc/self/mountinfo"
t_done
