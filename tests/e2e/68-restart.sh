#!/bin/bash
# 68-restart: restart policies kept by the detached monitor (Docker's
# back-off), and a user's stop/kill holds them.  After a reboot,
# sbc-start --all-restart brings back what the policies say: 69-reboot.
. "$(dirname "$0")/../lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
cleanup_all() { for c in $(sbc-ps -aq --no-trunc 2>/dev/null); do sbc-rm -f "$c"; done; }
on_exit cleanup_all
bash "$FIX/mkimage.sh" busybox >/dev/null || { fail "mkimage"; t_done; exit 1; }
insp() { sbc-inspect "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; print(eval(sys.argv[1]))' "$2"; }
count() { insp "$1" 'd["RestartCount"]'; }
state_of() { cat "$(sbc-inspect "$1" >/dev/null; readlink -f "$SBC_ROOT/containers/$1")/state.json"; }
at_least() { [ "$(count "$1")" -ge "$2" ]; }

# --- always: restarted, with a growing back-off
a=$(sbc-run -d --restart always --network none busybox sh -c 'sleep 0.1; exit 3')
if wait_for 20 at_least "$a" 3; then pass "always: restarted ($(count "$a") times)"; else fail "always: RestartCount $(count "$a")"; fi
b1=$(state_of "$a" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("BackoffMs",0))')
n=$(count "$a")
wait_for 30 at_least "$a" $((n + 2))
b2=$(state_of "$a" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("BackoffMs",0))')
if [ "$b2" -gt "$b1" ] && [ "$b1" -ge 100 ]; then pass "the back-off doubles ($b1 -> $b2 ms)"; else fail "back-off $b1 -> $b2"; fi
if wait_for 10 sh -c "sbc-ps -a | grep -q 'Restarting (3)'"; then pass "ps shows Restarting (3)"; else fail "ps: $(sbc-ps -a | tail -1)"; fi
rp=$(insp "$a" 'd["HostConfig"]["RestartPolicy"]["Name"], d["State"]["Restarting"] in (True, False)')
if [ "$rp" = "('always', True)" ]; then pass "inspect: HostConfig.RestartPolicy always, State.Restarting"; else fail "inspect policy: $rp"; fi
# a user's stop holds it
sbc-stop -t 1 "$a" >/dev/null
n1=$(count "$a"); sleep 1.5; n2=$(count "$a")
if [ "$n1" = "$n2" ] && [ "$(insp "$a" 'd["State"]["Status"]')" = exited ]; then pass "stop: no more restarts ($n2)"; else fail "after stop: $n1 -> $n2, $(insp "$a" 'd["State"]["Status"]')"; fi
sbc-rm -f "$a" >/dev/null

# --- on-failure[:N], no
f=$(sbc-run -d --restart on-failure:2 --network none busybox sh -c 'exit 1')
wait_for 15 at_least "$f" 2; sleep 1
if [ "$(count "$f")" = 2 ] && [ "$(insp "$f" 'd["State"]["Status"]')" = exited ]; then pass "on-failure:2: two restarts, then it stays down"; else fail "on-failure:2: $(count "$f") $(insp "$f" 'd["State"]["Status"]')"; fi
z=$(sbc-run -d --restart on-failure --network none busybox true)
nz=$(sbc-run -d --network none busybox sh -c 'exit 1')
sleep 1.5
if [ "$(count "$z")" = 0 ] && [ "$(count "$nz")" = 0 ]; then pass "on-failure after exit 0, and no policy: no restart"; else fail "restarts: $(count "$z") $(count "$nz")"; fi

# --- kill -9 from outside comes back; sbc-kill (a user's) does not
k=$(sbc-run -d --restart always --network none busybox sleep 60)
p1=$(insp "$k" 'd["State"]["Pid"]')
kill -9 "$p1"
if wait_for 10 sh -c "[ \"\$(sbc-inspect $k | python3 -c 'import json,sys; s=json.load(sys.stdin)[0][\"State\"]; print(s[\"Running\"] and s[\"Pid\"])')\" != False ] && [ \"\$(sbc-inspect $k | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"State\"][\"Pid\"])')\" != $p1 ]"; then
  pass "kill -9 of its process: restarted (pid $p1 -> $(insp "$k" 'd["State"]["Pid"]'))"
else fail "kill -9: not back ($(insp "$k" 'd["State"]'))"; fi
wait_for 5 sh -c "sbc-ps -q | grep -q ${k:0:12}"
sbc-kill "$k" >/dev/null; sleep 1.5
if [ "$(insp "$k" 'd["State"]["Status"]')" = exited ]; then pass "sbc-kill: stays down"; else fail "sbc-kill: $(insp "$k" 'd["State"]["Status"]')"; fi
run sbc-start "$k"
if [ "$RC" = 0 ] && [ "$(count "$k")" = 0 ] && [ "$(insp "$k" 'd["State"]["Running"]')" = True ]; then pass "a user's start: runs again, the count begins anew"; else fail "start after kill ($(_why))"; fi
sbc-rm -f "$k" "$f" "$z" "$nz" >/dev/null

# --- refused
expect_rc 125 "--restart with --rm" sbc-run -d --rm --restart always busybox true
expect_rc 125 "an unknown policy" sbc-run -d --restart sometimes busybox true
expect_rc 125 "on-failure:x" sbc-run -d --restart on-failure:x busybox true
expect_rc 125 "--restart in the foreground" sbc-run --restart always busybox true

# (a reboot and sbc-start --all-restart: 69-reboot)
t_done
