#!/bin/bash
# 43-limits: memory (OOM kill -> 137, OOMKilled), pids, cpu quota; cleanup.
. "$(dirname "$0")/../lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
cleanup_all() { for c in $(sbc-ps -aq --no-trunc 2>/dev/null); do sbc-rm -f "$c"; done; }
on_exit cleanup_all
# every run records its container id, so the end can look for exactly our
# cgroups (other sbc roots on the host may run containers meanwhile)
# (a unique name each time: some runs are in subshells)
sbc-run() { command sbc-run --cidfile "$(mktemp -u "$T_TMP/cid.XXXXXX")" "$@"; }
bash "$FIX/mkimage.sh" busybox >/dev/null || { fail "mkimage"; t_done; exit 1; }
# memory hog: a shell string doubling until the limit
expect_rc 137 "memory limit kills the hog (137)" sbc-run --name oom -m 32m busybox sh -c 'x=aaaaaaaaaaaaaaaa; while :; do x=$x$x; done'
run sbc-inspect oom
echo "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; assert d["State"]["OOMKilled"] is True and d["State"]["ExitCode"]==137' && pass "inspect: OOMKilled true" || fail "OOMKilled ($(_why))"
run sbc-run --rm busybox sh -c 'exit 0'
expect_rc 0 "rm" sbc-rm oom
# pids limit: a fork bomb hits the limit, the container survives it
run sbc-run --rm --pids-limit 5 busybox sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 1 & done; wait; echo all'
[ "$RC" != 0 ] && [ "$OUT" != all ] && grep -qi "fork" "$T_TMP/err" && pass "--pids-limit 5 stops the 6th process" || fail "--pids-limit 5 ($(_why))"
expect_out "all" "--pids-limit 20 allows 10" sbc-run --rm --pids-limit 20 busybox sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 1 & done; wait; echo all'
run timeout -k 5 60 sbc-run --cidfile "$T_TMP/cid.bomb" --rm --pids-limit 30 busybox sh -c 'bomb() { bomb | bomb & }; bomb 2>/dev/null; echo survived'
[ "$OUT" = survived ] && pass "fork bomb stopped by --pids-limit" || fail "fork bomb ($(_why))"
# cpu quota: 0.5 cpu burns about half a second of cpu per second
# (the share never goes above 0.6; below 0.4 only when other work on this
# 2-core machine took the cpu: then once more)
hz=$(getconf CLK_TCK)
for attempt in 1 2 3; do
  ticks=$(sbc-run --rm --cpus 0.5 busybox sh -c 'exec 2>/dev/null; (timeout 2 sh -c "while :; do :; done"); awk "{print \$16+\$17}" /proc/self/stat')
  ratio=$(awk -v t="$ticks" -v hz="$hz" 'BEGIN{printf "%.2f", t/hz/2}')
  awk -v r="$ratio" 'BEGIN{exit !(r>0.60)}' && break
  awk -v r="$ratio" 'BEGIN{exit !(r>=0.40)}' && break
done
awk -v r="$ratio" 'BEGIN{exit !(r>=0.40 && r<=0.60)}' && pass "--cpus 0.5 holds within 20 % ($ratio)" || fail "--cpus 0.5 ($ratio)"
run sbc-run --rm --memory bogus busybox true
[ "$RC" = 125 ] && pass "bad --memory is 125" || fail "bad --memory ($(_why))"
# nothing of the tests left on the host
sleep 0.2
ids=$(for f in "$T_TMP"/cid.*; do cat "$f"; echo; done)
[ "$(echo "$ids" | grep -cE '^[0-9a-f]{64}$')" -ge 6 ] && pass "every run recorded its id" || fail "cidfiles: $(echo $ids)"
left=$(for id in $ids; do ls -d /sys/fs/cgroup/*/sbc/"$id" /sys/fs/cgroup/sbc/"$id" 2>/dev/null; done | wc -l)
[ "$left" = 0 ] && pass "no container cgroups left" || fail "cgroups left: $left"
t_done
