#!/bin/bash
# 40-run: sbc-run in the foreground: image config, flags, stdio, exit codes.
. "$(dirname "$0")/../lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
cleanup_all() { for c in $(sbc-ps -aq --no-trunc 2>/dev/null); do sbc-rm -f "$c"; done; }
on_exit cleanup_all
bash "$FIX/mkimage.sh" busybox >/dev/null || { fail "mkimage"; t_done; exit 1; }
CMD='["sh","-c","echo cmd:$0:$*"]' ENTRYPOINT= WORKDIR=/home/app ENV='["PATH=/usr/bin:/bin","FOO=img"]' \
  bash "$FIX/mkimage.sh" cfgimg >/dev/null
ENTRYPOINT='["echo","ep"]' CMD='["default"]' bash "$FIX/mkimage.sh" epimg >/dev/null

expect_out "hello" "run echo" sbc-run --rm busybox echo hello
expect_rc 0 "exit 0" sbc-run --rm busybox true
expect_rc 1 "exit 1" sbc-run --rm busybox false
expect_rc 3 "exit 3" sbc-run --rm busybox sh -c 'exit 3'
expect_rc 127 "not found is 127" sbc-run --rm busybox nosuchcmd
expect_err_match 'executable file not found' "not found message"
expect_rc 126 "not executable is 126" sbc-run --rm busybox /etc/passwd
expect_rc 137 "killed by SIGKILL is 137" sbc-run --rm --init busybox sh -c 'kill -9 $$'
expect_rc 125 "unknown image is 125" sbc-run --rm --pull never nosuchimage true
expect_err_match 'No such image' "unknown image message"
expect_rc 125 "bad flag is 125" sbc-run --bogus busybox true

expect_out "cmd:sh:" "image Cmd honoured" sbc-run --rm cfgimg
expect_out "/home/app" "image WorkingDir honoured" sbc-run --rm cfgimg pwd
expect_out "img" "image Env honoured" sbc-run --rm cfgimg sh -c 'echo $FOO'
expect_out "ep default" "image Entrypoint + Cmd" sbc-run --rm epimg
expect_out "ep x y" "Entrypoint + args" sbc-run --rm epimg x y
expect_out "over" "--entrypoint" sbc-run --rm --entrypoint echo epimg over
expect_out "A=1 B=2 C=file" "-e and --env-file" bash -c "printf 'C=file\n# comment\n' >$T_TMP/envf; sbc-run --rm -e A=1 --env B=2 --env-file $T_TMP/envf busybox sh -c 'echo A=\$A B=\$B C=\$C'"
expect_out "/tmp/x" "-w (created)" sbc-run --rm -w /tmp/x busybox pwd
expect_out "uid=1000(app) gid=1000(app) groups=1000(app),2000(extra)" "-u name (groups from the image)" sbc-run --rm -u app busybox id
expect_out "uid=1000(app) gid=2000(extra) groups=2000(extra)" "-u user:group" sbc-run --rm -u app:extra busybox id
expect_out "uid=4242 gid=0(root) groups=0(root)" "-u numeric" sbc-run --rm -u 4242 busybox id
expect_rc 125 "-u unknown" sbc-run --rm -u nobodyhere busybox id
expect_out "myhost" "-h hostname" sbc-run --rm -h myhost busybox hostname
expect_out "myhost" "/etc/hostname" sbc-run --rm -h myhost busybox cat /etc/hostname
check "/etc/hosts has localhost" sbc-run --rm busybox grep -q localhost /etc/hosts
check "/etc/resolv.conf exists" sbc-run --rm busybox test -f /etc/resolv.conf
expect_out "layer2" "upper layer wins" sbc-run --rm busybox cat /etc/layer
expect_rc 1 "whiteout hides a lower file" sbc-run --rm busybox test -e /etc/whiteme

mkdir -p "$T_TMP/vol"; echo data >"$T_TMP/vol/f"
expect_out "data" "-v bind mount" sbc-run --rm -v "$T_TMP/vol:/mnt/v" busybox cat /mnt/v/f
run sbc-run --rm -v "$T_TMP/vol:/mnt/v" busybox sh -c 'echo w >/mnt/v/g'
check "-v is writable" test -f "$T_TMP/vol/g"
expect_rc 1 "-v :ro is read-only" sbc-run --rm -v "$T_TMP/vol:/mnt/v:ro" busybox sh -c 'echo w >/mnt/v/h'
expect_out "tmpfs" "--tmpfs" sbc-run --rm --tmpfs /scratch busybox sh -c 'awk "\$2==\"/scratch\"{print \$3}" /proc/mounts'
expect_rc 1 "--read-only" sbc-run --rm --read-only busybox touch /x
expect_rc 0 "--read-only leaves --tmpfs writable" sbc-run --rm --read-only --tmpfs /tmp busybox touch /tmp/x
expect_out "lo" "--network none: only lo" sbc-run --rm --network none busybox sh -c 'ls /sys/class/net'
run sbc-run --rm --network host busybox sh -c 'ls /sys/class/net | wc -l'
[ "$RC" = 0 ] && [ "$OUT" -ge 1 ] && pass "--network host sees host interfaces" || fail "--network host ($(_why))"
expect_out "1" "PID 1 in a new pid namespace" sbc-run --rm busybox sh -c 'echo $$'
expect_out "sbc-init-zombies:0" "--init reaps zombies" sbc-run --rm --init busybox sh -c '(sleep 0.1 &) ; sleep 0.5; echo sbc-init-zombies:$(ps -o stat | grep -c Z)'

# stdio: byte-exact, separate
head -c 10000000 /dev/urandom >"$T_TMP/rand"
a=$(sha256sum <"$T_TMP/rand" | cut -c1-64)
b=$(sbc-run --rm -i busybox cat <"$T_TMP/rand" | sha256sum | cut -c1-64)
[ "$a" = "$b" ] && pass "10 MB stdin->stdout byte-exact" || fail "10 MB stdin->stdout ($a vs $b)"
out=$(echo hi | sbc-run --rm -i busybox tr a-z A-Z)
[ "$out" = HI ] && pass "pipe through -i" || fail "pipe through -i ($out)"
out=$(echo hi | sbc-run --rm busybox cat)
[ -z "$out" ] && pass "without -i stdin is /dev/null" || fail "without -i stdin ($out)"
n=$(sbc-run --rm busybox tar c /etc 2>/dev/null | tar t 2>/dev/null | grep -c etc/)
[ "$n" -ge 3 ] && pass "tar c | tar t" || fail "tar c | tar t ($n)"
sbc-run --rm busybox sh -c 'echo to-out; echo to-err >&2' >"$T_TMP/o" 2>"$T_TMP/e"
[ "$(cat "$T_TMP/o")" = to-out ] && [ "$(cat "$T_TMP/e")" = to-err ] && pass "stdout and stderr separate" || fail "stdout/stderr separate"

# signals are forwarded (with --init the shell is not PID 1)
sbc-run --rm --init busybox sh -c 'trap "exit 42" TERM; sleep 37 & wait' & p=$!
wait_for 20 pgrep -fx "sleep 37"   # (started after the trap is set)
kill -TERM $p; wait $p; rc=$?
[ $rc = 42 ] && pass "SIGTERM forwarded" || fail "SIGTERM forwarded (rc=$rc)"

# -it through a pty
if command -v python3 >/dev/null; then
  out=$(cd "$T_TMP" && timeout 20 python3 "$FIX/ptydrive.py" sbc-run --rm -it busybox sh 2>&1)
  echo "$out" | grep -q '^33 101' && pass "-it window size" || fail "-it window size ($out)"
  echo "$out" | grep -q 'A42B' && pass "-it command runs" || fail "-it command"
  echo "$out" | grep -q 'EXIT 0' && pass "-it Ctrl-D exits 0" || fail "-it Ctrl-D ($out)"
else
  skip "-it through a pty: python3 is not installed"
fi

# --cidfile, --name, --rm leaves nothing
expect_rc 0 "--cidfile" sbc-run --rm --cidfile "$T_TMP/cid" busybox true
[ "$(wc -c <"$T_TMP/cid")" = 64 ] && pass "--cidfile has the ID" || fail "--cidfile content"
expect_rc 125 "--cidfile exists" sbc-run --rm --cidfile "$T_TMP/cid" busybox true
expect_out "" "--rm leaves no container" sbc-ps -aq
expect_rc 0 "--name" sbc-run --name fixed busybox true
expect_rc 125 "duplicate --name" sbc-run --name fixed busybox true
expect_err_match 'already in use' "duplicate name message"
expect_rc 0 "rm by name" sbc-rm fixed
t_done
