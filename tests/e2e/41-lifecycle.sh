#!/bin/bash
# 41-lifecycle: -d, monitor, ps, logs, stop/start/kill/wait/rm, create, inspect.
. "$(dirname "$0")/../lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
cleanup_all() { for c in $(sbc-ps -aq --no-trunc 2>/dev/null); do sbc-rm -f "$c"; done; }
on_exit cleanup_all
bash "$FIX/mkimage.sh" busybox >/dev/null || { fail "mkimage"; t_done; exit 1; }
STOPSIGNAL=SIGUSR1 CMD='["sh","-c","trap \"echo got-usr1; exit 5\" USR1; while :; do sleep 0.1; done"]' \
  bash "$FIX/mkimage.sh" stopimg >/dev/null

run sbc-run -d --name d1 busybox sh -c 'echo out1; echo err1 >&2; while :; do sleep 0.2; done'
id=$OUT
[ "$RC" = 0 ] && [ ${#id} = 64 ] && pass "-d prints the ID" || fail "-d ($(_why))"
wait_for 20 sh -c "grep -q out1 '$SBC_ROOT/containers/$id/container.log' && grep -q err1 '$SBC_ROOT/containers/$id/container.log'"
run sbc-ps
echo "$OUT" | grep -q "d1" && echo "$OUT" | grep -q "Up " && pass "ps shows it Up" || fail "ps ($(_why))"
echo "$OUT" | head -1 | grep -q "CONTAINER ID.*IMAGE.*COMMAND.*CREATED.*STATUS.*NAMES" && pass "ps header" || fail "ps header"
expect_out "${id:0:12}" "ps -q" sbc-ps -q
expect_out "$id" "ps -q --no-trunc" sbc-ps -q --no-trunc
run sbc-ps --format json
echo "$OUT" | python3 -c 'import json,sys; d=json.loads(sys.stdin.readline()); assert d["Names"]=="d1" and d["State"]=="running"' && pass "ps --format json" || fail "ps --format json ($(_why))"
sbc-logs d1 >"$T_TMP/lo" 2>"$T_TMP/le"
[ "$(cat "$T_TMP/lo")" = out1 ] && [ "$(cat "$T_TMP/le")" = err1 ] && pass "logs: stdout and stderr apart" || fail "logs ($(cat "$T_TMP/lo") / $(cat "$T_TMP/le"))"
grep -q '{"log":"out1\\n","stream":"stdout","time":"20' "$SBC_ROOT/containers/$id/container.log" && pass "json-file log format" || fail "json-file format"
run sbc-logs -t d1
echo "$OUT" | grep -Eq '^20[0-9-]+T[0-9:.]+Z out1$' && pass "logs -t" || fail "logs -t ($(_why))"
run sbc-inspect "${id:0:8}"
echo "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; assert d["State"]["Running"] and d["Name"]=="/d1" and d["State"]["Pid"]>0 and d["GraphDriver"]["Name"]' && pass "inspect by prefix" || fail "inspect ($(_why))"
expect_rc 1 "inspect unknown" sbc-inspect nosuchthing
expect_rc 125 "unknown container" sbc-stop nosuch
expect_err_match 'No such container: nosuch' "unknown container message"
expect_rc 125 "rm of a running container refused" sbc-rm d1

# monitor killed: status stays true, logs stay readable
# What an idle monitor costs is its own memory: RssAnon (heap, stack, the
# written data pages).  Its code pages are clean page cache shared with every
# sbc process; the monitor drops their mappings when idle (trim_text), but a
# kernel that maps whole large folios on a fault (6.x) maps much of the binary
# back for the few pages it touches, so VmRSS says little there; it is shown.
# (a loaded machine may delay the trim: up to 5 s)
mon=$(pgrep -f -- "--sbc-monitor .* $id ")
for _ in $(seq 20); do
  sleep 0.25
  anon=$(awk '/RssAnon/{print $2}' /proc/$mon/status)
  [ -n "$anon" ] && [ "$anon" -le 128 ] && break
done
rss=$(awk '/VmRSS/{print $2}' /proc/$mon/status)
# (a sanitizer build's monitor carries its shadow memory: no goal there)
if [ -z "${SBC_TEST_SANITIZED:-}" ]; then
  [ -n "$anon" ] && [ "$anon" -le 128 ] && pass "idle monitor: RssAnon ${anon} KiB <= 128 (VmRSS ${rss} KiB)" || fail "idle monitor RssAnon ${anon} KiB (VmRSS ${rss} KiB)"
fi
kill -9 $mon; sleep 0.3
run sbc-ps
echo "$OUT" | grep -q "Up " && pass "ps: Up after the monitor was SIGKILLed" || fail "ps after monitor kill ($(_why))"
expect_out "out1" "logs after the monitor was SIGKILLed" sbc-logs d1
expect_rc 0 "stop" sbc-stop -t 1 d1
run sbc-ps -a
echo "$OUT" | grep d1 | grep -q "Exited (" && pass "ps -a: Exited after stop" || fail "ps after stop ($(_why))"
expect_rc 0 "rm" sbc-rm d1
expect_out "" "gone" sbc-ps -aq

# stop signal from the image, exit code, wait
run sbc-run -d --name s1 stopimg
# (the signal must find the trap set: PID 1 ignores a signal it has no handler for)
pid=$(python3 -c "import json;print(json.load(open('$SBC_ROOT/containers/$OUT/state.json'))['Pid'])")
wait_for 20 catches "$pid" 10
expect_rc 0 "stop with the image's StopSignal" sbc-stop -t 5 s1
expect_out "5" "wait prints the exit code" sbc-wait s1
expect_out "got-usr1" "the StopSignal reached the process" sbc-logs s1
# start again on the same root
run sbc-run -d --name r1 busybox sh -c 'cat /state 2>/dev/null; echo x >>/state; sleep 0.2'
expect_out "0" "wait" sbc-wait r1
expect_rc 0 "start again" sbc-start r1
expect_out "0" "wait again" sbc-wait r1
expect_out "x" "second run saw the first run's file" sbc-logs r1
expect_rc 0 "rm" sbc-rm r1

# the long spellings the usages name (13-usage checks that they are named)
run sbc-run -d --name lf busybox sleep 100
expect_rc 0 "inspect --type container" sbc-inspect --type container lf
expect_rc 1 "inspect --type image: a container's name is no image" sbc-inspect --type image lf
expect_rc 125 "inspect --type of another kind is a usage error" sbc-inspect --type volume lf
expect_rc 0 "kill --signal" sbc-kill --signal=KILL lf
expect_out "137" "kill --signal: killed" sbc-wait lf
expect_rc 0 "start again" sbc-start lf
expect_rc 0 "stop --timeout" sbc-stop --timeout 0 lf
expect_rc 0 "start again" sbc-start lf
expect_rc 0 "stop --time (Docker's older spelling)" sbc-stop --time 0 lf
expect_rc 0 "rm --volumes" sbc-rm --volumes lf

# kill, rm -f
run sbc-run -d --name k1 busybox sleep 100
expect_rc 0 "kill -s" sbc-kill -s KILL k1
expect_out "137" "killed: 137" sbc-wait k1
expect_rc 125 "kill of a stopped container" sbc-kill k1
sbc-rm s1 k1 >/dev/null
run sbc-run -d --name f1 busybox sleep 100
expect_rc 0 "rm -f of a running container" sbc-rm -f f1
expect_out "" "rm -f leaves nothing" sbc-ps -aq

# a slow monitor: the exit code is the monitor's to record, nobody guesses
# (a stopped monitor stands for one slowed down by a loaded machine)
run sbc-run -d --name sm busybox sleep 100
id=$OUT; sleep 0.3
mon=$(pgrep -f -- "--sbc-monitor .* $id ")
pid=$(python3 -c "import json;print(json.load(open('$SBC_ROOT/containers/$id/state.json'))['Pid'])")
kill -STOP $mon; kill -9 "$pid"
sbc-wait sm >"$T_TMP/smw" 2>&1 & wpid=$!
sleep 1.2
check "wait waits for a slow monitor" test ! -s "$T_TMP/smw"
expect_rc 125 "kill of an exiting container" sbc-kill sm
kill -CONT $mon; wait $wpid
[ "$(cat "$T_TMP/smw")" = 137 ] && pass "then wait prints the monitor's code (137)" || fail "slow monitor: wait ($(cat "$T_TMP/smw"))"
run sbc-inspect sm
echo "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]["State"]; assert d["ExitCode"]==137 and d["Status"]=="exited"' && pass "inspect: the monitor's record" || fail "slow monitor inspect ($(_why))"
run sbc-run -d --name sm2 busybox sleep 100
id=$OUT; sleep 0.3
mon=$(pgrep -f -- "--sbc-monitor .* $id ")
kill -STOP $mon
(sleep 1; kill -CONT $mon) &
expect_rc 0 "stop with a slow monitor" sbc-stop -t 1 sm2
expect_out "137" "stop returns once the exit is recorded" sbc-wait sm2
sbc-rm sm sm2 >/dev/null

# everything killed -9: rm -f still cleans up
run sbc-run -d --name k9 -m 64m busybox sleep 100
id=$OUT; sleep 0.3
mon=$(pgrep -f -- "--sbc-monitor .* $id ")
kill -9 $mon; kill -9 $(awk -F: '/"Pid"/{print}' /dev/null) 2>/dev/null
pid=$(python3 -c "import json;print(json.load(open('$SBC_ROOT/containers/$id/state.json'))['Pid'])")
kill -9 "$pid"; sleep 0.3
expect_rc 0 "rm -f after kill -9 of everything" sbc-rm -f k9
check "cgroup removed" test ! -e "/sys/fs/cgroup/memory/sbc/$id" -a ! -e "/sys/fs/cgroup/sbc/$id"

# --rm detached removes itself
run sbc-run -d --rm busybox true
wait_for 20 sh -c '[ -z "$(sbc-ps -aq)" ]'
expect_out "" "-d --rm removes itself" sbc-ps -aq
# ... and sbc-wait still gets its exit code (Docker's wait does), also of a
# foreground --rm run, and of a --rm container removed with rm -f
run sbc-run -d --rm --name rw1 busybox sh -c 'sleep 1; exit 3'
expect_out "3" "wait on a -d --rm container: its exit code" sbc-wait rw1
expect_rc 1 "... and it is gone" sbc-inspect rw1
sbc-run --rm --name rw2 busybox sh -c 'sleep 1; exit 4' >/dev/null 2>&1 &
wait_for 20 sbc-inspect rw2
expect_out "4" "wait on a foreground --rm run: its exit code" sbc-wait rw2
wait
run sbc-run -d --rm --name rw3 busybox sleep 100
sbc-wait rw3 >"$T_TMP/rw3" 2>&1 & wpid=$!
wait_for 20 sh -c "ls '$SBC_ROOT/containers/$OUT/' | grep -q '^wait-'"
expect_rc 0 "rm -f of a waited --rm container" sbc-rm -f rw3
wait $wpid
[ "$(cat "$T_TMP/rw3")" = 137 ] && pass "... the waiter gets 137" || fail "wait on rm -f'd --rm container ($(cat "$T_TMP/rw3"))"
expect_out "" "... no container left" sbc-ps -aq

# create + start -a
run sbc-create --name c1 busybox sh -c 'echo created-run; exit 4'
[ "$RC" = 0 ] && pass "create" || fail "create ($(_why))"
run sbc-ps -a
echo "$OUT" | grep c1 | grep -q Created && pass "ps: Created" || fail "ps Created ($(_why))"
expect_rc 4 "start -a exit code" sbc-start -a c1
run sbc-start -a c1
[ "$OUT" = created-run ] && pass "start -a output" || fail "start -a output ($(_why))"

# logs -f ends when the container exits
run sbc-run -d --name lf busybox sh -c 'for i in 1 2 3; do echo l$i; sleep 0.2; done'
out=$(timeout 10 sbc-logs -f lf | tr '\n' ' ')
[ "$out" = "l1 l2 l3 " ] && pass "logs -f follows to the end" || fail "logs -f ($out)"
expect_out "l3" "logs --tail 1" sbc-logs --tail 1 lf

# 20 parallel run -d
for i in $(seq 20); do sbc-run -d busybox sh -c "echo p$i; sleep 60" >"$T_TMP/par$i" 2>&1 & done; wait
n=$(cat "$T_TMP"/par* | grep -Ec '^[0-9a-f]{64}$')
[ "$n" = 20 ] && pass "20 parallel run -d" || fail "20 parallel run -d ($n; $(cat "$T_TMP"/par* | grep -Ev '^[0-9a-f]{64}$' | head -3))"
n=$(sbc-ps -q | wc -l)
[ "$n" -ge 20 ] && pass "20 running at once" || fail "20 running ($n)"
names=$(sbc-ps -a --format json | python3 -c 'import json,sys; n=[json.loads(l)["Names"] for l in sys.stdin]; print(len(n), len(set(n)))')
set -- $names; [ "$1" = "$2" ] && pass "generated names are unique" || fail "names ($names)"
t_done
