#!/bin/bash
# 42-exec: sbc-exec joins the container's namespaces, cgroup, root, env, caps.
. "$(dirname "$0")/../lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
cleanup_all() { for c in $(sbc-ps -aq --no-trunc 2>/dev/null); do sbc-rm -f "$c"; done; }
on_exit cleanup_all
bash "$FIX/mkimage.sh" busybox >/dev/null || { fail "mkimage"; t_done; exit 1; }
run sbc-run -d --name e1 -h ehost -e CE=ctr -m 64m busybox sh -c 'echo marker >/tmp/m; sleep 100'
wait_for 20 sbc-exec e1 test -e /tmp/m
expect_out "marker" "same root" sbc-exec e1 cat /tmp/m
expect_out "ehost" "same uts" sbc-exec e1 hostname
expect_out "ctr" "container env" sbc-exec e1 sh -c 'echo $CE'
expect_out "ctr x" "-e adds" sbc-exec -e X=x e1 sh -c 'echo $CE $X'
expect_out "/tmp" "-w" sbc-exec -w /tmp e1 pwd
expect_out "uid=1000(app) gid=1000(app) groups=1000(app),2000(extra)" "-u" sbc-exec -u app e1 id
run sbc-exec e1 sh -c 'ps -o pid,args | grep -c "sleep 100"'
[ "$OUT" -ge 1 ] && pass "same pid namespace" || fail "pid ns ($(_why))"
expect_out "1" "pid 1 is the container's" sbc-exec e1 sh -c 'cat /proc/1/cmdline | tr "\0" " " | grep -c "sleep 100"'
id=$(sbc-ps -q --no-trunc)
run sbc-exec e1 sh -c 'cat /proc/self/cgroup'
grep -q "^[0-9]*:memory:/$" "$T_TMP/out" && pass "in the container's cgroup (namespaced /)" || fail "cgroup ($(_why))"
[ -z "$(ls /sys/fs/cgroup/memory/sbc/$id/cgroup.procs 2>/dev/null)" ] || { n=$(wc -l </sys/fs/cgroup/memory/sbc/$id/cgroup.procs); pass "cgroup has $n procs"; }
expect_out "00000000a80425fb" "same capabilities" sbc-exec e1 sh -c 'grep CapEff /proc/self/status | cut -f2'
expect_rc 7 "exit code passed on" sbc-exec e1 sh -c 'exit 7'
expect_rc 127 "exec not found" sbc-exec e1 nosuch
out=$(echo piped | sbc-exec -i e1 cat)
[ "$out" = piped ] && pass "exec -i" || fail "exec -i ($out)"
expect_rc 0 "exec -d" sbc-exec -d e1 sh -c 'echo bg >/tmp/bg'
wait_for 20 sbc-exec e1 test -s /tmp/bg
expect_out "bg" "exec -d ran" sbc-exec e1 cat /tmp/bg
if command -v python3 >/dev/null; then
  out=$(cd "$T_TMP" && timeout 20 python3 "$FIX/ptydrive.py" sbc-exec -it e1 sh 2>&1)
  echo "$out" | grep -q '^33 101' && echo "$out" | grep -q A42B && pass "exec -it" || fail "exec -it ($out)"
else
  skip "exec -it: python3 is not installed"
fi
# a process that exits at once must not leave exec waiting (SIGCHLD race)
hung=0
for i in $(seq 1 40); do timeout 10 sbc-exec e1 test -e /nonexistent >/dev/null 2>&1; [ $? = 124 ] && hung=$((hung + 1)); done
[ "$hung" = 0 ] && pass "40 quick execs all return" || fail "$hung of 40 quick execs hung"
run sbc-stop -t 0 e1
expect_rc 125 "exec into a stopped container" sbc-exec e1 true
t_done
