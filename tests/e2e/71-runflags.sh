#!/bin/bash
# 71-runflags: the run flags people reach for, against Docker's behaviour:
# --ulimit, --shm-size, --ipc, --pid, --uts, --cgroupns, --expose,
# --stop-timeout, -a/--attach and --sig-proxy.  Each check has its negative
# beside it (the default, or the refused form), so none passes vacuously.
. "$(dirname "$0")/../lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
SHMF=/dev/shm/sbc-71-$$
cleanup_all() { for c in $(sbc-ps -aq --no-trunc 2>/dev/null); do sbc-rm -f "$c"; done; rm -f "$SHMF"; }
on_exit cleanup_all
bash "$FIX/mkimage.sh" busybox >/dev/null || { fail "mkimage"; t_done; exit 1; }
insp() { sbc-inspect -f "$2" "$1"; }
R="sbc-run --rm --network none"

# --- --ulimit: the limits inside, HostConfig.Ulimits, the refused forms
expect_out $'100\n200' "--ulimit nofile=100:200: soft and hard inside" $R --ulimit nofile=100:200 busybox sh -c 'ulimit -n; ulimit -Hn'
run $R busybox sh -c 'ulimit -n'
if [ "$RC" = 0 ] && [ "$OUT" != 100 ]; then pass "without --ulimit: the inherited limit ($OUT)"; else fail "default nofile ($(_why))"; fi
expect_out 50 "--ulimit NAME=N: hard defaults to soft" $R --ulimit nofile=50 busybox sh -c 'ulimit -Hn'
if [ "$(ulimit -Hc)" = unlimited ]; then
  expect_out unlimited "--ulimit core=-1: unlimited" $R --ulimit core=-1 busybox sh -c 'ulimit -c'
else
  skip "--ulimit core=-1: this shell's hard core limit is $(ulimit -Hc), raising it needs CAP_SYS_RESOURCE"
fi
c=$(sbc-create --network none --ulimit nofile=100:200 busybox true)
expect_out '[{"Name":"nofile","Hard":200,"Soft":100}]' "inspect: HostConfig.Ulimits" insp "$c" '{{json .HostConfig.Ulimits}}'
sbc-rm "$c" >/dev/null
expect_rc 125 "--ulimit foo=1 refused" $R --ulimit foo=1 busybox true
grep -q 'invalid ulimit type: foo' "$T_TMP/err" && pass "  ... naming the type" || fail "ulimit type message ($(_why))"
expect_rc 125 "--ulimit nofile=200:100 refused (soft above hard)" $R --ulimit nofile=200:100 busybox true
expect_rc 125 "--ulimit nofile=x refused" $R --ulimit nofile=x busybox true

# --- --shm-size
expect_out 2048 "--shm-size 2m: /dev/shm is 2 MiB" $R --shm-size 2m busybox sh -c "df -k /dev/shm | awk 'NR==2{print \$2}'"
expect_out 65536 "default /dev/shm: 64 MiB" $R busybox sh -c "df -k /dev/shm | awk 'NR==2{print \$2}'"
expect_rc 125 "--shm-size 0 refused" $R --shm-size 0 busybox true

# --- --ipc
hostipc=$(readlink /proc/self/ns/ipc)
echo host-shm >"$SHMF"
run $R busybox readlink /proc/self/ns/ipc
if [ "$RC" = 0 ] && [ -n "$OUT" ] && [ "$OUT" != "$hostipc" ]; then pass "default --ipc private: an IPC namespace of its own"; else fail "ipc private ($(_why))"; fi
expect_out "$hostipc" "--ipc host: the host's IPC namespace" $R --ipc host busybox readlink /proc/self/ns/ipc
expect_out host-shm "--ipc host: the host's /dev/shm" $R --ipc host busybox cat "$SHMF"
expect_rc 1 "private: not the host's /dev/shm" $R busybox cat "$SHMF"
expect_out none "--ipc none: no /dev/shm mounted" $R --ipc none busybox sh -c 'grep -q " /dev/shm " /proc/mounts && echo mounted || echo none'
d=$(sbc-run -d --name ipcdonor --network none --ipc shareable --shm-size 4m busybox sh -c 'echo shared > /dev/shm/x; sleep 300')
wait_for 10 sh -c "sbc-exec ipcdonor test -e /dev/shm/x"
dipc=$(readlink "/proc/$(insp ipcdonor '{{.State.Pid}}')/ns/ipc")
expect_out "$dipc shared" "--ipc container:NAME: its IPC namespace and its /dev/shm" $R --ipc container:ipcdonor busybox sh -c 'echo $(readlink /proc/self/ns/ipc) $(cat /dev/shm/x)'
run $R --ipc container:ipcdonor busybox sh -c 'echo more > /dev/shm/y'
expect_out more "  ... both ways (the joiner's write seen by the donor)" sbc-exec ipcdonor cat /dev/shm/y
expect_out shareable "inspect: HostConfig.IpcMode shareable" insp ipcdonor '{{.HostConfig.IpcMode}}'
p=$(sbc-run -d --name ipcpriv --network none busybox sleep 300)
expect_rc 125 "--ipc container: of a private one refused (Docker's rule)" $R --ipc container:ipcpriv busybox true
grep -q 'private IPC namespace' "$T_TMP/err" && pass "  ... saying why" || fail "ipc private target message ($(_why))"
j=$(sbc-create --network none --ipc container:ipcdonor busybox cat /dev/shm/x)
sbc-stop -t 1 ipcdonor >/dev/null
if grep -q "/containers/$d/shm " /proc/self/mountinfo; then fail "the donor's host-side /dev/shm still mounted after stop"; else pass "the donor's host-side /dev/shm is unmounted when it stops"; fi
expect_rc 125 "start of a joiner whose donor does not run: refused" sbc-start -a "$j"
grep -q 'non running container: ipcdonor' "$T_TMP/err" && pass "  ... naming the donor" || fail "joiner start message ($(_why))"
sbc-start ipcdonor >/dev/null
wait_for 10 sh -c "sbc-exec ipcdonor test -e /dev/shm/x"
expect_out shared "after the donor's restart the joiner joins its new namespace" sbc-start -a "$j"
sbc-rm -f ipcdonor ipcpriv "$j" >/dev/null
if grep -q "/containers/$d/" /proc/self/mountinfo; then fail "a mount of the removed donor is left"; else pass "rm -f: nothing of the donor left mounted"; fi
expect_rc 125 "--ipc bogus refused" $R --ipc bogus busybox true

# --- --pid
run $R busybox sh -c "test -e /proc/$$ && echo seen || echo unseen"
if [ "$OUT" = unseen ]; then pass "default --pid private: host processes unseen"; else fail "pid private ($(_why))"; fi
expect_out seen "--pid host: the host's processes in /proc" $R --pid host busybox sh -c "test -e /proc/$$ && echo seen || echo unseen"
sbc-run -d --name piddonor --network none busybox sleep 301 >/dev/null
expect_out "sleep 301" "--pid container:NAME: its PID 1 is the donor's" $R --pid container:piddonor busybox sh -c "tr '\\0' ' ' </proc/1/cmdline | sed 's/ \$//'"
expect_out container:$(insp piddonor '{{.Id}}') "inspect: HostConfig.PidMode container:ID" sh -c "sbc-create --network none --pid container:piddonor busybox true | xargs sbc-inspect -f '{{.HostConfig.PidMode}}'"
sbc-rm -f piddonor >/dev/null
expect_rc 125 "--pid host refused with --userns remap (Docker's rule)" $R --userns remap --pid host busybox true
grep -q 'cannot be used in a remapped user namespace' "$T_TMP/err" && pass "  ... saying why" || fail "remap message ($(_why))"

# --- --uts
expect_out "$(hostname)" "--uts host: the host's name" $R --uts host busybox hostname
run $R busybox hostname
if [ "$RC" = 0 ] && [ "$OUT" != "$(hostname)" ] && [ ${#OUT} = 12 ]; then pass "default uts: its own name (the short id)"; else fail "uts private ($(_why))"; fi
expect_rc 125 "--uts host with -h refused" $R --uts host -h x busybox true
expect_err_match 'Conflicting options: hostname and the UTS mode' "  ... as Docker says it"

# --- --cgroupns
if [ -e /proc/self/ns/cgroup ]; then
  run $R --cgroupns host busybox cat /proc/self/cgroup
  if [ "$RC" = 0 ] && grep -q '/sbc/' "$T_TMP/out"; then pass "--cgroupns host: the host's cgroup paths"; else fail "cgroupns host ($(_why))"; fi
  run $R busybox cat /proc/self/cgroup
  if [ "$RC" = 0 ] && ! grep -q '/sbc/' "$T_TMP/out"; then pass "default --cgroupns private: its own cgroup is /"; else fail "cgroupns private ($(_why))"; fi
else
  skip "--cgroupns: this kernel has no cgroup namespaces"
fi

# --- --expose (and -P publishes it)
c=$(sbc-create --expose 8080 --expose 7000-7001/udp busybox true)
expect_out '{"7000/udp":{},"7001/udp":{},"8080/tcp":{}}' "--expose: Config.ExposedPorts (a range expanded)" \
  sh -c "sbc-inspect -f '{{json .Config.ExposedPorts}}' $c | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True, separators=(\",\",\":\")))'"
sbc-rm "$c" >/dev/null
c=$(sbc-run -d -P --expose 8080 busybox sleep 300)
run sbc-port "$c"
if [ "$RC" = 0 ] && grep -Eq '^8080/tcp -> 0\.0\.0\.0:[0-9]+$' "$T_TMP/out"; then pass "-P publishes an --expose port"; else fail "-P with --expose ($(_why))"; fi
sbc-rm -f "$c" >/dev/null
c=$(sbc-run -d -P busybox sleep 300)
run sbc-port "$c"
if [ -z "$OUT" ]; then pass "-P without exposed ports publishes nothing"; else fail "-P alone ($(_why))"; fi
sbc-rm -f "$c" >/dev/null
expect_rc 125 "--expose 0 refused" $R --expose 0 busybox true
expect_rc 125 "--expose 80/sctp refused" $R --expose 80/sctp busybox true

# --- --stop-timeout: the grace period sbc-stop takes when -t is not given
c=$(sbc-run -d --network none --stop-timeout 1 busybox sh -c 'trap "" TERM; while :; do sleep 1; done')
wait_for 10 sh -c "[ \"\$(sbc-inspect -f '{{.State.Running}}' $c)\" = true ]"
expect_out 1 "inspect: Config.StopTimeout" insp "$c" '{{.Config.StopTimeout}}'
t0=$(date +%s%N); sbc-stop "$c" >/dev/null; t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
if [ "$ms" -ge 900 ] && [ "$ms" -lt 5000 ]; then pass "sbc-stop waits the container's --stop-timeout 1 ($ms ms)"; else fail "stop with --stop-timeout 1 took $ms ms"; fi
sbc-start "$c" >/dev/null
t0=$(date +%s%N); sbc-stop -t 0 "$c" >/dev/null; t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
if [ "$ms" -lt 900 ]; then pass "sbc-stop -t 0 overrides it ($ms ms)"; else fail "stop -t 0 took $ms ms"; fi
sbc-rm -f "$c" >/dev/null
c=$(sbc-run -d --network none busybox sh -c 'trap "" TERM; while :; do sleep 1; done')
wait_for 10 sh -c "[ \"\$(sbc-inspect -f '{{.State.Running}}' $c)\" = true ]"
t0=$(date +%s%N); sbc-stop "$c" >/dev/null; t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
if [ "$ms" -ge 9000 ]; then pass "without it, the default 10 s ($ms ms)"; else fail "default stop took $ms ms"; fi
sbc-rm -f "$c" >/dev/null
expect_rc 125 "--stop-timeout x refused" $R --stop-timeout x busybox true

# --- -a/--attach
OE='echo out; echo err >&2; exit 3'
expect_rc 3 "-a stdout: the exit code" $R -a stdout busybox sh -c "$OE"
[ "$OUT" = out ] && [ -z "$ERR" ] && pass "  ... stdout only" || fail "-a stdout ($(_why))"
expect_rc 3 "-a STDERR" $R -a STDERR busybox sh -c "$OE"
[ -z "$OUT" ] && [ "$ERR" = err ] && pass "  ... stderr only" || fail "-a stderr ($(_why))"
expect_rc 3 "no -a" $R busybox sh -c "$OE"
[ "$OUT" = out ] && [ "$ERR" = err ] && pass "  ... both streams" || fail "no -a ($(_why))"
# a foreground container's output is logged (sbc-logs after sbc-run), and
# without -t it sees no terminal, as Docker's; -a only hides a stream
sbc-run --name fg1 --network none -a stdout busybox sh -c "$OE" >/dev/null 2>&1
run sbc-logs fg1
[ "$OUT" = out ] && [ "$ERR" = err ] && pass "sbc-logs of a foreground run: both streams, apart (-a stdout hid only the terminal's)" || fail "foreground logs ($(_why))"
sbc-run --name fg2 --network none busybox sh -c 'echo "x\"y"; printf "no newline"' >/dev/null
expect_out $'x"y\nno newline' "  ... quotes and a last line without newline kept" sbc-logs fg2
sbc-rm fg1 fg2 >/dev/null
expect_out notty "without -t the container's stdout is no terminal (sbc-run's may be)" \
  sh -c "script -qec \"sbc-run --name fg3 --network none busybox sh -c '[ -t 1 ] && echo tty || echo notty'\" /dev/null | tr -d '\\r'"
OUT=$(sbc-logs fg3 | tr -d '\r')
[ "$OUT" = notty ] && pass "  ... and logged" || fail "fg3 log: $OUT"
expect_out tty "with -t it is" sh -c "script -qec \"sbc-run --rm -t --network none busybox sh -c '[ -t 1 ] && echo tty || echo notty'\" /dev/null | tr -d '\\r'"
sbc-rm fg3 >/dev/null
run sh -c 'sbc-run --name fg4 --network none busybox sh -c "trap \"\" PIPE; i=0; while [ \$i -lt 100000 ]; do echo line; i=\$((i+1)); done; echo end >&2" | head -1'
[ "$OUT" = line ] && pass "a reader that goes away: the container's writes fail (EPIPE), it goes on" || fail "closed reader ($(_why))"
wait_for 10 sh -c "[ \"\$(sbc-inspect -f '{{.State.Status}}' fg4)\" = exited ]" && pass "  ... and ends (no hang)" || fail "fg4 still $(sbc-inspect -f '{{.State.Status}}' fg4)"
sbc-rm -f fg4 >/dev/null
expect_rc 125 "-a with -d refused" sbc-run -d -a stdout --network none busybox true
expect_rc 125 "-a bogus refused" $R -a bogus busybox true
expect_rc 125 "sbc-create -a refused (sbc-start -a attaches)" sbc-create -a stdout --network none busybox true

# --- --sig-proxy
TRAP='trap "echo trapped; exit 9" TERM; sleep 3 & wait; echo finished'
sbc-run --name sp1 --network none busybox sh -c "$TRAP" >"$T_TMP/sp1" &
cl=$!
wait_for 10 sh -c "[ \"\$(sbc-inspect -f '{{.State.Running}}' sp1)\" = true ]"; sleep 0.3
kill -TERM $cl; wait $cl; rc=$?
if [ "$rc" = 9 ] && grep -q trapped "$T_TMP/sp1"; then pass "default: a signal to sbc-run reaches the container (its trap, exit 9)"; else fail "sig-proxy default: rc=$rc $(cat "$T_TMP/sp1")"; fi
sbc-run --name sp2 --network none --sig-proxy=false busybox sh -c "$TRAP" >"$T_TMP/sp2" &
cl=$!
wait_for 10 sh -c "[ \"\$(sbc-inspect -f '{{.State.Running}}' sp2)\" = true ]"; sleep 0.3
kill -TERM $cl; wait $cl; rc=$?
run sbc-inspect -f '{{.State.Running}}' sp2
if [ "$rc" = 143 ] && [ "$OUT" = true ]; then pass "--sig-proxy=false: the signal ends sbc-run only, the container runs on"; else fail "sig-proxy=false: client rc=$rc running=$OUT"; fi
wait_for 10 sh -c "[ \"\$(sbc-inspect -f '{{.State.Status}}' sp2)\" = exited ]"
expect_out "0 finished" "  ... and ends on its own, its code and output recorded" sh -c "echo \$(sbc-inspect -f '{{.State.ExitCode}}' sp2) \$(sbc-logs sp2)"
expect_rc 4 "--sig-proxy=false --rm: the container's code" $R --sig-proxy=false busybox sh -c 'echo a; echo b >&2; exit 4'
[ "$OUT" = a ] && [ "$ERR" = b ] && pass "  ... its stdout and stderr apart" || fail "sig-proxy=false output ($(_why))"
expect_rc 125 "--sig-proxy=false with -i refused" $R -i --sig-proxy=false busybox true
sbc-rm -f sp1 sp2 >/dev/null
t_done
