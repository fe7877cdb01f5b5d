#!/bin/bash
# 64-inspect2: pause/unpause, restart, rename, top, port, stats, diff, history.
. "$(dirname "$0")/../lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
cleanup_all() { for c in $(sbc-ps -aq --no-trunc 2>/dev/null); do sbc-rm -f "$c"; done; }
on_exit cleanup_all
bash "$FIX/mkimage.sh" busybox >/dev/null || { fail "mkimage"; t_done; exit 1; }
inspect() { sbc-inspect "$1" | python3 -c "import json,sys; d=json.load(sys.stdin)[0]; print($2)"; }
state() { inspect "$1" 'd["State"]["Status"], d["State"]["Paused"], d["State"]["Running"]'; }
# a counter the container bumps every 50 ms, read through its init's root
# (an exec would join the frozen cgroup)
count() { cat "/proc/$(inspect "$1" 'd["State"]["Pid"]')/root/n"; }
moves() { local a; a=$(count "$1"); sleep 0.4; [ "$a" != "$(count "$1")" ]; }
COUNTER='i=0; while :; do i=$((i+1)); echo $i >/n; sleep 0.05; done'

# ---- pause / unpause
run sbc-run -d --name p1 busybox sh -c "$COUNTER"
wait_for 10 test -s "/proc/$(inspect p1 'd["State"]["Pid"]')/root/n"
check "the counter moves while running" moves p1
expect_out "p1" "pause prints the name" sbc-pause p1
expect_out "paused True True" "inspect: State.Status paused, Paused true" state p1
if moves p1; then fail "paused: the counter still moves"; else pass "paused: the counter stands still"; fi
run sbc-ps
echo "$OUT" | grep p1 | grep -Eq 'Up .* \(Paused\)' && pass "ps: Up ... (Paused)" || fail "ps paused ($(_why))"
run sbc-ps --format json
echo "$OUT" | python3 -c 'import json,sys; d=json.loads(sys.stdin.readline()); assert d["State"]=="paused"' && pass "ps json: State paused" || fail "ps json paused ($(_why))"
expect_rc 1 "pause of a paused container" sbc-pause p1
expect_err_match 'sbc-pause: Container [0-9a-f]+ is already paused' "already paused message"
expect_out "p1" "unpause" sbc-unpause p1
expect_out "running False True" "inspect after unpause: running" state p1
check "unpaused: the counter moves again" moves p1
run sbc-ps
echo "$OUT" | grep p1 | grep -q 'Paused' && fail "ps still says Paused ($(_why))" || pass "ps: no (Paused) after unpause"
expect_rc 1 "unpause of a running container" sbc-unpause p1
expect_err_match 'sbc-unpause: Container [0-9a-f]+ is not paused' "not paused message"
# stop, kill and rm -f of a paused container
sbc-pause p1 >/dev/null
expect_rc 0 "stop of a paused container" sbc-stop -t 5 p1
expect_out "exited False False" "stopped after pause" state p1
expect_rc 1 "pause of a stopped container" sbc-pause p1
expect_err_match 'sbc-pause: Container [0-9a-f]+ is not running' "not running message"
expect_rc 125 "pause of an unknown container" sbc-pause nosuch
expect_err_match 'No such container: nosuch' "unknown container message"
sbc-start p1 >/dev/null && sbc-pause p1 >/dev/null
expect_rc 0 "kill of a paused container" sbc-kill p1
wait_for 10 sh -c "sbc-ps -a | grep p1 | grep -q Exited" && pass "killed while paused: Exited" || fail "kill paused ($(sbc-ps -a | grep p1))"
sbc-start p1 >/dev/null && sbc-pause p1 >/dev/null
expect_rc 0 "rm -f of a paused container" sbc-rm -f p1
expect_out "" "gone" sbc-ps -aq

t_done
