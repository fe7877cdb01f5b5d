#!/bin/bash
# 70-health: health checks as Docker has them: --health-* and the image's
# Healthcheck (HEALTHCHECK NONE, --no-healthcheck), run in the container as
# sbc-exec runs a command (its user), healthy / unhealthy after N failures
# (FailingStreak, the Log's exit codes and outputs), the timeout kills the
# check, the start period, ps STATUS and --filter health=, inspect
# State.Health and Config.Healthcheck, a restart by the policy begins at
# "starting" again, a foreground run checks too, and a stop or rm -f while a
# check runs leaves no process behind.
. "$(dirname "$0")/../lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
cleanup_all() { for c in $(sbc-ps -aq --no-trunc 2>/dev/null); do sbc-rm -f "$c"; done; }
on_exit cleanup_all
bash "$FIX/mkimage.sh" busybox >/dev/null || { fail "mkimage"; t_done; exit 1; }
HEALTHCHECK='{"Test":["CMD-SHELL","echo from-image; exit 0"],"Interval":3600000000000,"StartPeriod":3600000000000,"StartInterval":200000000,"Retries":2}' \
  bash "$FIX/mkimage.sh" hcimg >/dev/null || { fail "mkimage hcimg"; t_done; exit 1; }
HEALTHCHECK='{"Test":["NONE"]}' bash "$FIX/mkimage.sh" hcnone >/dev/null || { fail "mkimage hcnone"; t_done; exit 1; }
insp() { sbc-inspect "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; print(eval(sys.argv[1]))' "$2"; }
hstatus() { insp "$1" 'd["State"].get("Health", {}).get("Status", "none")'; }
is() { [ "$(hstatus "$1")" = "$2" ]; }
nlog() { insp "$1" 'len(d["State"].get("Health", {}).get("Log", []))'; }
logs_at_least() { [ "$(nlog "$1")" -ge "$2" ]; }
R="--network none"
# checked every 200 ms until the first success, then hourly: one result
# each, without loading the machine
Q="--health-interval 1h --health-start-period 1h --health-start-interval 200ms"

# --- started together: each runs its checks while the others are set up
st0=$(sbc-run -d $R --name h-st --health-cmd true --health-interval 1h busybox sleep 300)
ok=$(sbc-run -d $R --name h-ok --health-cmd 'echo fine; exit 0' --health-interval 300ms busybox sleep 300)
bad=$(sbc-run -d $R --name h-bad --health-cmd 'echo oops >&2; exit 3' --health-interval 200ms --health-retries 2 busybox sleep 300)
hang=$(sbc-run -d $R --name h-hang --health-cmd 'echo partial; sleep 7171; true' --health-interval 200ms \
  --health-timeout 1500ms --health-retries 1 busybox sleep 300)
usr=$(sbc-run -d $R --name h-usr --user app --health-cmd 'id -u' $Q busybox sleep 300)
big=$(sbc-run -d $R --name h-big --health-cmd 'head -c 5000 /dev/zero | tr "\0" a' $Q busybox sleep 300)
img=$(sbc-run -d $R --name h-img hcimg sleep 300)
none=$(sbc-run -d $R --name h-none --no-healthcheck hcimg sleep 300)
inone=$(sbc-run -d $R --name h-inone hcnone sleep 300)
plain=$(sbc-run -d $R --name h-plain busybox sleep 300)

run sbc-ps --filter name=h-st --format '{{.Status}}'
if [ "$RC" = 0 ] && [[ $OUT == "Up "*" (health: starting)" ]]; then pass "ps STATUS: Up ... (health: starting) before the first check"; else fail "ps starting ($(_why))"; fi

# healthy
if wait_for 15 is "$ok" healthy; then pass "a passing check: healthy"; else fail "healthy: $(hstatus "$ok")"; fi
h=$(insp "$ok" 'd["State"]["Health"]["FailingStreak"], d["State"]["Health"]["Log"][-1]["ExitCode"], d["State"]["Health"]["Log"][-1]["Output"], sorted(d["State"]["Health"]["Log"][-1])')
if [ "$h" = "(0, 0, 'fine\\n', ['End', 'ExitCode', 'Output', 'Start'])" ]; then pass "inspect State.Health: FailingStreak 0, Log {Start, End, ExitCode 0, Output}"; else fail "healthy record: $h"; fi
run sbc-ps --filter name=h-ok --format '{{.Status}}'
if [[ $OUT == "Up "*" (healthy)" ]]; then pass "ps STATUS: (healthy)"; else fail "ps healthy ($(_why))"; fi
c=$(insp "$ok" 'd["Config"]["Healthcheck"]')
if [ "$c" = "{'Test': ['CMD-SHELL', 'echo fine; exit 0'], 'Interval': 300000000}" ]; then pass "inspect Config.Healthcheck: --health-cmd as CMD-SHELL"; else fail "Config.Healthcheck: $c"; fi

# unhealthy after --health-retries failures; the log keeps the last 5
if wait_for 15 is "$bad" unhealthy; then pass "a failing check (exit 3): unhealthy"; else fail "unhealthy: $(hstatus "$bad")"; fi
streak6() { [ "$(insp "$bad" 'd["State"]["Health"]["FailingStreak"]')" -ge 6 ]; }
wait_for 15 streak6
h=$(insp "$bad" 'd["State"]["Health"]["FailingStreak"] >= 6, len(d["State"]["Health"]["Log"]), set((l["ExitCode"], l["Output"]) for l in d["State"]["Health"]["Log"])')
if [ "$h" = "(True, 5, {(3, 'oops\\n')})" ]; then pass "FailingStreak counts on past retries, the Log keeps the last 5 (exit code 3, stderr)"; else fail "unhealthy record: $h"; fi
run sbc-ps --filter name=h-bad --format '{{.Status}}'
if [[ $OUT == "Up "*" (unhealthy)" ]]; then pass "ps STATUS: (unhealthy)"; else fail "ps unhealthy ($(_why))"; fi
sbc-rm -f "$bad" >/dev/null

# the timeout: killed, ExitCode -1, Docker's message with what it printed
if wait_for 15 is "$hang" unhealthy; then pass "a hanging check times out: unhealthy"; else fail "timeout: $(hstatus "$hang")"; fi
h=$(insp "$hang" 'd["State"]["Health"]["Log"][0]["ExitCode"], d["State"]["Health"]["Log"][0]["Output"]')
if [ "$h" = "(-1, 'Health check exceeded timeout (1.5s): partial\\n')" ]; then pass "the timeout's record: ExitCode -1, Docker's message"; else fail "timeout record: $h"; fi
wait_for 15 logs_at_least "$hang" 3
n=$(pgrep -xfc 'sleep 7171')
if [ "$n" -le 1 ]; then pass "three checks timed out and were killed (at most the running one left: $n)"; else fail "$n 'sleep 7171' left"; fi
sbc-rm -f "$hang" >/dev/null

# the start period: failures do not count, then they do
sp=$(sbc-run -d $R --name h-sp --health-cmd 'exit 1' --health-interval 200ms --health-start-interval 200ms \
  --health-start-period 6s --health-retries 1 busybox sleep 300)
sleep 1
h=$(insp "$sp" 'd["State"]["Health"]["Status"], d["State"]["Health"]["FailingStreak"], len(d["State"]["Health"]["Log"]) > 0')
if [ "$h" = "('starting', 0, True)" ]; then pass "in the start period failures do not count"; else fail "start period: $h"; fi
if wait_for 15 is "$sp" unhealthy; then pass "after the start period they do: unhealthy"; else fail "after start period: $(hstatus "$sp")"; fi

# the container's user; the output is cut at 4 KiB as Docker's
wait_for 15 is "$usr" healthy
h=$(insp "$usr" 'd["State"]["Health"]["Log"][-1]["Output"]')
if [ "$h" = "1000" ]; then pass "the check runs as the container's --user"; else fail "check user: '$h'"; fi
wait_for 15 is "$big" healthy
h=$(insp "$big" 'len(d["State"]["Health"]["Log"][-1]["Output"]), d["State"]["Health"]["Log"][-1]["Output"][-5:]')
if [ "$h" = "(4099, 'aa...')" ]; then pass "the output is cut at 4096 bytes with '...'"; else fail "long output: $h"; fi

# the image's Healthcheck, --no-healthcheck, HEALTHCHECK NONE
if wait_for 15 is "$img" healthy && [ "$(insp "$img" 'd["State"]["Health"]["Log"][-1]["Output"]')" = from-image ]; then
  pass "the image's Healthcheck runs without a flag"
else fail "image check: $(hstatus "$img")"; fi
h=$(insp "$none" 'd["Config"]["Healthcheck"]["Test"], "Health" in d["State"]')/$(insp "$inone" '"Health" in d["State"]')
if [ "$h" = "(['NONE'], False)/False" ]; then pass "--no-healthcheck and HEALTHCHECK NONE: no checks"; else fail "no checks: $h"; fi
m=$(sbc-run -d $R --name h-merge --health-retries 7 hcimg sleep 300)
h=$(insp "$m" 'd["Config"]["Healthcheck"]')
wait_for 15 is "$m" healthy
if [ "$h" = "{'Test': ['CMD-SHELL', 'echo from-image; exit 0'], 'Interval': 3600000000000, 'StartPeriod': 3600000000000, 'StartInterval': 200000000, 'Retries': 7}" ]; then pass "a flag overrides one field of the image's check"; else fail "merge: $h"; fi

# the exec form (CMD), and one whose program is missing: ExitCode -1, the error
HEALTHCHECK='{"Test":["CMD","echo","exec","form"],"Interval":200000000}' bash "$FIX/mkimage.sh" hccmd >/dev/null
HEALTHCHECK='{"Test":["CMD","/nonexistent"],"Interval":200000000}' bash "$FIX/mkimage.sh" hcmiss >/dev/null
e1=$(sbc-run -d $R --name h-exec hccmd sleep 300)
e2=$(sbc-run -d $R --name h-miss hcmiss sleep 300)
wait_for 15 is "$e1" healthy
wait_for 15 is "$e2" unhealthy
h=$(insp "$e1" 'd["State"]["Health"]["Log"][-1]["Output"]')/$(insp "$e2" 'd["State"]["Health"]["Log"][-1]["ExitCode"], "/nonexistent" in d["State"]["Health"]["Log"][-1]["Output"]')
if [ "$h" = "exec form/(-1, True)" ]; then pass "CMD exec form runs; a missing program fails with ExitCode -1 and the error"; else fail "exec form: $h"; fi
sbc-rm -f "$e1" "$e2" >/dev/null

# sbc-commit keeps the container's check in the image's config
if sbc-commit h-ok hc-committed >/dev/null; then
  com=$(sbc-run -d $R --name h-com hc-committed sleep 300)
  h=$(sbc-inspect hc-committed | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Config"].get("Healthcheck"))')
  if [ "$h" = "{'Test': ['CMD-SHELL', 'echo fine; exit 0'], 'Interval': 300000000}" ] && wait_for 15 is "$com" healthy; then
    pass "sbc-commit: the image has the container's Healthcheck, and runs it"
  else fail "committed image: $h $(hstatus "$com")"; fi
else fail "sbc-commit h-ok"; fi

# ps --filter health=
names() { sbc-ps -a --filter "health=$1" --format '{{.Names}}' | sort | tr '\n' ' '; }
h="$(names starting)|$(names healthy)|$(names unhealthy)|$(names none)"
if [ "$h" = "h-st |h-big h-com h-img h-merge h-ok h-usr |h-sp |h-inone h-none h-plain " ]; then pass "ps --filter health=starting|healthy|unhealthy|none"; else fail "filters: $h"; fi
expect_rc 125 "ps --filter health=bogus" sbc-ps --filter health=bogus

# a restart by the policy begins at "starting" again (no streak; the Log
# kept): the first run passes its check and exits, the second fails it within
# the start period, so it stays "starting"
rs=$(sbc-run -d $R --name h-rs --restart on-failure:1 $Q --health-cmd 'test ! -e /tmp/second' busybox \
  sh -c 'if [ -e /tmp/ran ]; then touch /tmp/second; sleep 300; else touch /tmp/ran; sleep 2; exit 1; fi')
wait_for 15 is "$rs" healthy; h1=$?
rs_again() { [ "$(insp "$rs" 'd["RestartCount"], d["State"]["Running"], d["State"]["Health"]["Status"], d["State"]["Health"]["FailingStreak"], sorted(set(l["ExitCode"] for l in d["State"]["Health"]["Log"]))')" = "(1, True, 'starting', 0, [0, 1])" ]; }
if [ "$h1" = 0 ] && wait_for 20 rs_again
then pass "restarted by its policy: health: starting again, the Log kept"
else fail "after restart: $h1 $(insp "$rs" 'd["RestartCount"], d["State"].get("Health")')"; fi
sbc-rm -f "$rs" >/dev/null

# create + start, and a foreground run
cr=$(sbc-create $R --name h-cr --health-cmd true --health-interval 200ms busybox sleep 300)
h=$(hstatus "$cr")
sbc-start "$cr" >/dev/null
if [ "$h" = none ] && wait_for 15 is "$cr" healthy; then pass "create: none until started, then checked"; else fail "create/start: $h $(hstatus "$cr")"; fi
sbc-run $R --name h-fg --health-cmd 'echo fg' --health-interval 200ms busybox sleep 5 >/dev/null &
fgp=$!
wait_for 10 sh -c "sbc-ps --filter name=h-fg --format '{{.Status}}' | grep -q '(healthy)'"; r1=$?
wait $fgp
if [ "$r1" = 0 ] && [ "$(insp h-fg 'd["State"]["Health"]["Log"][-1]["Output"]')" = fg ]; then pass "a foreground sbc-run checks its container too"; else fail "foreground: $(insp h-fg 'd["State"].get("Health")')"; fi

# a stop or rm -f while a check runs leaves no process (the check, the probe)
st=$(sbc-run -d $R --name h-stop --health-cmd 'sleep 7272; true' --health-interval 100ms --health-timeout 60s busybox sleep 300)
rmf=$(sbc-run -d $R --name h-rmf --health-cmd 'sleep 7373; true' --health-interval 100ms --health-timeout 60s busybox sleep 300)
wait_for 10 pgrep -f 'sleep 7272'
wait_for 10 pgrep -f 'sleep 7373'
sbc-stop -t 1 "$st" >/dev/null
sbc-rm -f "$rmf" >/dev/null
if ! pgrep -f 'sleep 7[23]7[23]' >/dev/null && ! pgrep -f -- "--sbc-health .*($st|$rmf)" >/dev/null; then pass "stop and rm -f during a check: no check or probe left"
else fail "left: $(pgrep -af 'sleep 7[23]7[23]|--sbc-health' | tr '\n' '|')"; fi
h=$(insp "$st" 'd["State"]["Status"], d["State"]["Health"]["Log"]')
if [ "$h" = "('exited', [])" ] && ! pgrep -f -- "--sbc-health .*$st" >/dev/null; then pass "a stopped container is checked no more (the check the stop killed is not recorded)"; else fail "after stop: $h"; fi
sbc-rm -f "$st0" "$com" "$ok" "$sp" "$usr" "$big" "$img" "$none" "$inone" "$plain" "$m" "$cr" h-fg "$st" >/dev/null
if ! pgrep -f -- "--sbc-health $SBC_ROOT " >/dev/null; then pass "no probe outlives its container"; else fail "probes left: $(pgrep -af -- --sbc-health)"; fi

# refused as Docker refuses them
expect_rc 125 "--no-healthcheck with --health-cmd" sbc-run $R --no-healthcheck --health-cmd true busybox true
expect_rc 125 "a duration without a unit" sbc-run $R --health-interval 10 busybox true
expect_rc 125 "a negative duration" sbc-create $R --health-timeout -1s busybox true
expect_rc 125 "a duration below 1ms" sbc-run $R --health-interval 10us busybox true
expect_rc 125 "--health-retries x" sbc-run $R --health-retries x busybox true
t_done
