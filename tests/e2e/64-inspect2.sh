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

# ---- restart
run sbc-run -d --name r1 busybox sh -c 'echo start >>/log; while :; do sleep 0.1; done'
pid1=$(inspect r1 'd["State"]["Pid"]')
expect_out "r1" "restart a running container" sbc-restart -t 1 r1
pid2=$(inspect r1 'd["State"]["Pid"]')
[ "$pid2" -gt 0 ] && [ "$pid2" != "$pid1" ] && [ -d "/proc/$pid2" ] && pass "restart: a new process runs" || fail "restart: pid $pid1 -> $pid2"
[ -d "/proc/$pid1" ] && fail "restart: the old process $pid1 lives on" || pass "restart: the old process is gone"
expect_out "running False True" "restart: running" state r1
wait_for 10 sh -c "[ \$(sbc-exec r1 cat /log | wc -l) = 2 ]" && pass "restart: same root, two starts" || fail "restart: /log $(sbc-exec r1 cat /log | tr '\n' ' ')"
sbc-stop -t 1 r1 >/dev/null
expect_out "r1" "restart a stopped container" sbc-restart r1
expect_out "running False True" "restart of a stopped one: running" state r1
sbc-pause r1 >/dev/null
expect_out "r1" "restart a paused container" sbc-restart -t 1 r1
expect_out "running False True" "restart of a paused one: running, not paused" state r1
expect_rc 125 "restart: bad -t" sbc-restart -t x r1
expect_rc 125 "restart of an unknown container" sbc-restart nosuch

# ---- rename
run sbc-run -d --name n1 busybox sleep 100
id=$(inspect n1 'd["Id"]')
run sbc-run -d --name n2 busybox sleep 100
expect_rc 0 "rename" sbc-rename n1 m1
expect_out "/m1" "inspect shows the new name" inspect m1 'd["Name"]'
expect_out "$id" "the new name finds the container" inspect m1 'd["Id"]'
expect_rc 1 "the old name is gone" sbc-inspect n1
run sbc-ps
echo "$OUT" | grep -qw m1 && ! echo "$OUT" | grep -qw n1 && pass "ps shows the new name" || fail "ps after rename ($(_why))"
expect_rc 1 "rename onto a name in use" sbc-rename m1 n2
expect_err_match 'sbc-rename: Conflict\. The container name "/n2" is already in use' "conflict message"
expect_out "/m1" "a refused rename changes nothing" inspect m1 'd["Name"]'
expect_rc 1 "invalid name" sbc-rename m1 'bad/name'
expect_err_match 'Invalid container name \(bad/name\)' "invalid name message"
expect_rc 1 "invalid first character" sbc-rename m1 '_x'
expect_rc 1 "same name" sbc-rename m1 m1
expect_rc 125 "rename of an unknown container" sbc-rename nosuch x1
expect_rc 125 "rename: one operand" sbc-rename m1
expect_rc 0 "the old name is free for another" sbc-run -d --name n1 busybox true
sbc-stop -t 1 m1 >/dev/null
expect_rc 0 "rename a stopped container" sbc-rename m1 k1
expect_rc 0 "start it under the new name" sbc-start k1
expect_rc 0 "rm by the new name" sbc-rm -f k1

# ---- top
run sbc-run -d --name t1 busybox sh -c 'sleep 1001 & sleep 1002 & wait'
tpid=$(inspect t1 'd["State"]["Pid"]')
wait_for 10 sh -c "sbc-top t1 | grep -q 'sleep 1002'"
run sbc-top t1
echo "$OUT" | head -1 | grep -Eq '^UID +PID +PPID +C +STIME +TTY +TIME +CMD$' && pass "top: ps -ef header" || fail "top header ($(_why))"
[ "$(echo "$OUT" | sed 1d | wc -l)" = 3 ] && pass "top: the container's three processes" || fail "top rows ($(_why))"
echo "$OUT" | grep -Eq "^root +$tpid +[0-9]+ .*sh -c sleep 1001" && pass "top: the init with its host pid and command" || fail "top init ($(_why))"
echo "$OUT" | grep -Eq "^root +[0-9]+ +$tpid .*sleep 1002$" && pass "top: a child, its PPID the init" || fail "top child ($(_why))"
echo "$OUT" | grep -q "sbc-top" && fail "top: a host process listed ($(_why))" || pass "top: no host process"
if command -v ps >/dev/null && ps -o pid,comm >/dev/null 2>&1; then
  run sbc-top t1 -o pid,args
  [ "$RC" = 0 ] && echo "$OUT" | head -1 | grep -q PID && [ "$(echo "$OUT" | sed 1d | wc -l)" = 3 ] &&
    echo "$OUT" | grep -q 'sleep 1001' && pass "top with ps options: the container's rows of the host's ps" || fail "top -o ($(_why))"
  expect_rc 1 "top with ps options without a PID column" sbc-top t1 -o comm
  expect_err_match "Couldn't find PID field in ps output" "no PID column message"
else
  skip "top with ps options: no host ps"
fi
sbc-stop -t 1 t1 >/dev/null
expect_rc 1 "top of a stopped container" sbc-top t1
expect_err_match 'sbc-top: Container [0-9a-f]+ is not running' "top: not running message"
expect_rc 125 "top of an unknown container" sbc-top nosuch

# ---- port
hp=$(free_port); hq=$(free_port)
run sbc-run -d --name o1 -p "$hp:80" -p "127.0.0.1:$hq:53/udp" busybox sleep 100
if [ "$RC" = 0 ]; then
  run sbc-port o1
  [ "$RC" = 0 ] && [ "$OUT" = "80/tcp -> 0.0.0.0:$hp
53/udp -> 127.0.0.1:$hq" ] && pass "port: every mapping" || fail "port ($(_why))"
  expect_out "0.0.0.0:$hp" "port 80" sbc-port o1 80
  expect_out "0.0.0.0:$hp" "port 80/tcp" sbc-port o1 80/tcp
  expect_out "127.0.0.1:$hq" "port 53/udp" sbc-port o1 53/udp
  expect_rc 1 "port not published" sbc-port o1 81
  expect_err_match "sbc-port: No public port '81/tcp' published for o1" "not published message"
  expect_rc 1 "port 53/tcp is not 53/udp" sbc-port o1 53
  expect_rc 125 "port: invalid port" sbc-port o1 80/sctp
  expect_rc 125 "port: unknown container" sbc-port nosuch
  sbc-stop -t 1 o1 >/dev/null
  expect_out "" "port of a stopped container: nothing" sbc-port o1
else
  fail "run -p ($(_why))"
fi

# ---- stats
cleanup_all >/dev/null
run sbc-run -d --name s1 -m 64m busybox sh -c 'head -c 20m /dev/zero >/dev/shm/x; while :; do :; done'
run sbc-run -d --name s2 --network none busybox sleep 100
wait_for 10 sh -c "[ \$(stat -c %s /proc/$(inspect s1 'd["State"]["Pid"]')/root/dev/shm/x 2>/dev/null || echo 0) = 20971520 ]"
run timeout 20 sbc-stats --format json
lines=$(echo "$OUT" | wc -l)
[ "$RC" = 0 ] && [ "$lines" = 2 ] && pass "stats to a pipe: one snapshot of the two running containers" || fail "stats snapshot ($(_why))"
echo "$OUT" | python3 -c '
import json,sys
for l in sys.stdin:
    d=json.loads(l)
    assert sorted(d)==["BlockIO","CPUPerc","Container","ID","MemPerc","MemUsage","Name","NetIO","PIDs"], sorted(d)
' && pass "stats json: Docker's keys" || fail "stats json keys ($(_why))"
s1=$(echo "$OUT" | grep '"Name":"s1"')
echo "$s1" | python3 -c '
import json,sys,re
d=json.load(sys.stdin)
cpu=float(d["CPUPerc"].rstrip("%"))
assert cpu>=10, d
m=re.match(r"([0-9.]+)(B|KiB|MiB|GiB) / 64MiB$", d["MemUsage"]); assert m, d
mib=float(m.group(1))*{"B":1/1048576,"KiB":1/1024,"MiB":1,"GiB":1024}[m.group(2)]
assert 20<=mib<64, d
assert 30<=float(d["MemPerc"].rstrip("%"))<100, d
assert int(d["PIDs"])>=1, d
assert re.match(r"[0-9.]+[kMG]?B / [0-9.]+[kMG]?B$", d["NetIO"]) and re.match(r"[0-9.]+[kMG]?B / [0-9.]+[kMG]?B$", d["BlockIO"]), d
' && pass "stats: a busy loop's CPU %, 20 MiB of its 64 MiB limit, pids" || fail "stats values ($s1)"
run timeout 20 sbc-stats --no-stream s2
echo "$OUT" | head -1 | grep -Eq '^CONTAINER ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET I/O +BLOCK I/O +PIDS$' && pass "stats table header" || fail "stats header ($(_why))"
echo "$OUT" | sed -n 2p | grep -Eq "^[0-9a-f]{12} +s2 +0\.[0-9]{2}% +.* 0B / 0B +.* 1$" && pass "stats: an idle container without a network: 0B net, 1 pid" || fail "stats s2 ($(_why))"
[ "$(echo "$OUT" | wc -l)" = 2 ] && pass "stats CONTAINER: only that one" || fail "stats s2 lines ($(_why))"
sbc-stop -t 1 s2 >/dev/null
run timeout 20 sbc-stats -a --no-stream --format json
echo "$OUT" | grep '"Name":"s2"' | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["CPUPerc"]=="0.00%" and d["PIDs"]=="0" and d["MemUsage"].startswith("0B /"), d' &&
  pass "stats -a: a stopped container at zero" || fail "stats stopped ($(_why))"
run timeout 20 sbc-stats --no-stream
echo "$OUT" | grep -q ' s2 ' && fail "stats without -a lists a stopped container ($(_why))" || pass "stats: running ones only by default"
expect_rc 1 "stats of an unknown container" sbc-stats --no-stream nosuch
expect_err_match 'No such container: nosuch' "stats: unknown container message"
expect_rc 125 "stats --format with an unknown field" sbc-stats --no-stream --format '{{.Bogus}}'
run timeout 20 sbc-stats --no-stream --format table s1
[ "$RC" = 0 ] && head -1 "$T_TMP/out" | grep -q '^CONTAINER ID ' && pass "stats --format table: the default table" || fail "stats --format table ($(_why))"
# on a terminal it redraws until interrupted
if command -v script >/dev/null; then
  timeout 4 script -qc "sbc-stats s1" /dev/null >"$T_TMP/tty" 2>&1
  [ "$(grep -o $'\033\[2J' "$T_TMP/tty" | wc -l)" -ge 2 ] && pass "stats on a tty: redrawn each second" || fail "stats tty ($(head -c 300 "$T_TMP/tty" | od -c | head -5))"
else
  skip "stats on a tty: no script(1)"
fi
sbc-rm -f s1 s2 >/dev/null

# ---- diff
run sbc-run --name df1 busybox sh -c 'echo n >/new; mkdir -p /d/e; : >/d/e/f; echo c >>/etc/passwd; rm /etc/group; echo w >/etc/whiteme'
expect_out "A /d
A /d/e
A /d/e/f
C /etc
D /etc/group
C /etc/passwd
A /etc/whiteme
A /new" "diff: A/C/D sorted (a file the image's top layer whited out is A)" sbc-diff df1
run sbc-create --name df2 busybox true
expect_out "" "diff of a container never started: nothing" sbc-diff df2
expect_rc 1 "diff of an unknown container" sbc-diff nosuch
expect_err_match 'sbc-diff: No such container: nosuch' "diff: unknown container message"
expect_rc 125 "diff: two operands" sbc-diff df1 df2

# ---- history
run sbc-run --name h1 busybox sh -c 'echo hi >/hi'
run sbc-commit -m "a note" h1 hist:1
hid=$(sbc-images -q --no-trunc hist:1 2>/dev/null | head -1)
run sbc-history hist:1
echo "$OUT" | head -1 | grep -Eq '^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$' && pass "history header" || fail "history header ($(_why))"
[ "$(echo "$OUT" | wc -l)" = 4 ] && pass "history: the commit's step and the two layers below" || fail "history rows ($(_why))"
echo "$OUT" | sed -n 2p | grep -Eq '^[0-9a-f]{12} +(Less than a second|[0-9]+ seconds?) ago +sh -c echo hi >/hi +3B +a note$' &&
  pass "history: ID, created, command, layer size, comment" || fail "history top row ($(_why))"
echo "$OUT" | sed -n 4p | grep -Eq '^<missing> +.* [0-9.]+MB +$' && pass "history: the base layer's size, <missing> ID" || fail "history base row ($(_why))"
run sbc-history -q hist:1
[ "$(echo "$OUT" | head -1)" = "$(echo "$hid" | sed 's/^sha256://' | cut -c1-12)" ] && [ "$(echo "$OUT" | sed -n 2p)" = "<missing>" ] && pass "history -q" || fail "history -q ($(_why); $hid)"
run sbc-history --no-trunc --format json hist:1
echo "$OUT" | head -1 | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["ID"].startswith("sha256:") and len(d["ID"])==71 and d["CreatedBy"]=="sh -c echo hi >/hi" and d["Comment"]=="a note" and d["Size"]=="3B", d' &&
  pass "history --no-trunc --format json" || fail "history json ($(_why))"
run sbc-run --name h2 busybox sh -c 'echo 0123456789012345678901234567890123456789012345678901234567890 >/x'
run sbc-commit h2 hist:2
run sbc-history hist:2
echo "$OUT" | sed -n 2p | grep -q 'sh -c echo 012345678901234567890123456789012… ' && pass "history: CREATED BY cut at 45" || fail "history trunc ($(_why))"
expect_rc 1 "history of an unknown image" sbc-history nosuch:1
expect_err_match 'sbc-history: No such image: nosuch:1' "history: unknown image message"
expect_rc 125 "history --format other" sbc-history --format table hist:1

t_done
