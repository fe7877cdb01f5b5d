#!/bin/bash
# 56-oci: sbc-oci's contract with its callers (runc's CLI): the create/start
# split with the init parked and reparented, the pid file, the console
# socket as go-runc and conmon receive it, state JSON, the JSON log, kill,
# delete, exec (foreground and detached), pause, ps, update, hooks in the
# spec's order, features/spec/version, and bad bundles leaving nothing.
. "$(dirname "$0")/../lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
O=$T_TMP/bin/sbc-oci
mkdir -p "$T_TMP/bin" && ln -s "$SBC_BIN" "$O"
R=$T_TMP/state
OCI=("$O" --root "$R")
cleanup_oci() {
  for d in "$R"/*/; do [ -d "$d" ] && "${OCI[@]}" delete --force "$(basename "$d")"; done
}
on_exit cleanup_oci
bash "$FIX/mkimage.sh" busybox >/dev/null || { fail "mkimage"; t_done; exit 1; }
ROOTFS=$T_TMP/rootfs
sbc-unpack busybox "$ROOTFS" >/dev/null 2>&1 || { fail "sbc-unpack busybox"; t_done; exit 1; }

# bundle NAME 'python statements on c (the config)': a bundle sharing the rootfs
bundle() {
  local b=$T_TMP/$1
  mkdir -p "$b"
  ln -sfn "$ROOTFS" "$b/rootfs"
  (cd "$b" && rm -f config.json && "$O" spec) || return 1
  python3 - "$b/config.json" "$2" <<'EOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c['process']['terminal'] = False
c['root']['readonly'] = False
exec(sys.argv[2])
json.dump(c, open(p, 'w'))
EOF
  echo "$b"
}
jget() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
status() { "${OCI[@]}" state "$1" 2>/dev/null | jget 'd["status"]'; }
cg_gone() { ! find /sys/fs/cgroup -maxdepth 3 -name "$1" 2>/dev/null | grep -q .; }

# ---- create / start / state / delete --------------------------------------
B=$(bundle life 'c["process"]["args"] = ["sh", "-c", "echo started >/out; sleep 30"]')
run "${OCI[@]}" create --bundle "$B" --pid-file "$T_TMP/life.pid" life
pid=$(cat "$T_TMP/life.pid" 2>/dev/null)
if [ "$RC" = 0 ] && [ "$(status life)" = created ] && [ -n "$pid" ] && [ -d "/proc/$pid" ]; then
  pass "create: exit 0, status created, the init alive ($pid)"
else fail "create ($(_why); status $(status life))"; fi
[ "$(wc -c <"$T_TMP/life.pid")" = "${#pid}" ] && [[ $pid =~ ^[0-9]+$ ]] &&
  pass "pid file: bare digits, no newline" || fail "pid file content: $(od -c "$T_TMP/life.pid" | head -2)"
[ "$(jget 'd["pid"]' <<<"$("${OCI[@]}" state life)")" = "$pid" ] && pass "state's pid is the pid file's" || fail "state pid"
# created: the command has not run; the init is no process of an sbc left running
[ ! -e "$ROOTFS/out" ] && pass "create ran nothing of process.args" || fail "process.args ran at create"
ppid=$(awk '/^PPid:/{print $2}' /proc/$pid/status)
pcomm=$(cat /proc/$ppid/comm 2>/dev/null)
[ "$pcomm" != sbc-oci ] && [ "$pcomm" != sbc ] && pass "the parked init was handed to the caller's reaper (parent: $pcomm), no sbc monitor" ||
  fail "the init's parent is $pcomm ($ppid)"
run "${OCI[@]}" start life
wait_for 5 test -e "$ROOTFS/out"
[ "$RC" = 0 ] && [ "$(cat "$ROOTFS/out" 2>/dev/null)" = started ] && [ "$(status life)" = running ] &&
  pass "start: the process runs, status running" || fail "start ($(_why); status $(status life))"
run "${OCI[@]}" start life
[ "$RC" = 1 ] && grep -q "already running" "$T_TMP/err" && pass "start of a running container: error" || fail "second start ($(_why))"
run "${OCI[@]}" state life
created=$(jget 'd["created"]' <<<"$OUT")
python3 -c 'import sys,datetime; datetime.datetime.strptime(sys.argv[1][:26], "%Y-%m-%dT%H:%M:%S.%f")' "$created" 2>/dev/null &&
  [ "$(jget 'd["ociVersion"][:2]' <<<"$OUT")" = "1." ] && [ "$(jget 'd["bundle"]' <<<"$OUT")" = "$B" ] &&
  pass "state JSON: ociVersion, bundle, RFC 3339 created ($created)" || fail "state JSON: $OUT"
run "${OCI[@]}" delete life
[ "$RC" = 1 ] && grep -q "not stopped" "$T_TMP/err" && [ -d "/proc/$pid" ] &&
  pass "delete of a running container without --force: error, it runs on" || fail "delete running ($(_why))"
run "${OCI[@]}" kill life KILL
wait_for 5 sh -c "[ \"\$(\"$O\" --root \"$R\" state life 2>/dev/null | grep -c stopped)\" = 1 ]"
[ "$RC" = 0 ] && [ "$(status life)" = stopped ] && [ "$(jget 'd["pid"]' <<<"$("${OCI[@]}" state life)")" = 0 ] &&
  pass "kill KILL: stopped, pid 0 in state" || fail "kill ($(_why); $(status life))"
run "${OCI[@]}" kill life TERM
[ "$RC" = 1 ] && grep -q "not running" "$T_TMP/err" && pass "kill of a stopped container: 'not running'" || fail "kill stopped ($(_why))"
expect_rc 0 "kill --all of a stopped container: exit 0 (containerd's KillAll)" "${OCI[@]}" kill --all life 9
expect_rc 0 "delete of a stopped container" "${OCI[@]}" delete life
[ ! -e "$R/life" ] && cg_gone life && pass "delete left no state dir and no cgroup" || fail "left: $(ls "$R") $(find /sys/fs/cgroup -maxdepth 3 -name life)"
run "${OCI[@]}" state life
[ "$RC" = 1 ] && grep -q "does not exist" "$T_TMP/err" && pass "state of an unknown id: 'does not exist'" || fail "unknown ($(_why))"
expect_rc 0 "delete --force of an unknown id: exit 0" "${OCI[@]}" delete --force life
run "${OCI[@]}" delete life
[ "$RC" = 1 ] && grep -q "does not exist" "$T_TMP/err" && pass "delete of an unknown id: 'does not exist'" || fail "delete unknown ($(_why))"
rm -f "$ROOTFS/out"

# a created container is deleted without --force (containerd relies on it)
B=$(bundle cr 'c["process"]["args"] = ["sleep", "30"]')
"${OCI[@]}" create --bundle "$B" --pid-file "$T_TMP/cr.pid" cr
pid=$(cat "$T_TMP/cr.pid")
run "${OCI[@]}" delete cr
gone() { [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
[ "$RC" = 0 ] && gone "$pid" && [ ! -e "$R/cr" ] && pass "delete of a created container kills its init" || fail "delete created ($(_why))"
run "${OCI[@]}" start cr
[ "$RC" = 1 ] && pass "start of a deleted container fails" || fail "start deleted ($(_why))"

# ---- console socket: what go-runc's recvFd and conmon's recvfd check -------
B=$(bundle tty 'c["process"]["terminal"] = True; c["process"]["args"] = ["sh", "-c", "tty; stty size"]; c["process"]["consoleSize"] = {"height": 33, "width": 111}')
cat >"$T_TMP/recv.py" <<'EOF'
import array, os, socket, subprocess, sys, time
path, oci = sys.argv[1], sys.argv[2:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(path); s.listen(1)
p = subprocess.run(oci, capture_output=True, text=True)   # create exits before we accept (containerd's order)
if p.returncode: print("create failed", p.stderr); sys.exit(1)
c, _ = s.accept()
msg, anc, flags, _ = c.recvmsg(4096, socket.CMSG_SPACE(4))
fds = array.array('i')
for lvl, typ, data in anc:
    if lvl == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS: fds.frombytes(data)
oob = sum(socket.CMSG_SPACE(len(d)) for _, _, d in anc)
ok = 0 < len(msg) < 4096 and len(anc) == 1 and len(fds) == 1 and oob == socket.CMSG_SPACE(4) and not flags & socket.MSG_CTRUNC
print("msg-ok" if ok else "msg-bad %r %d %d" % (msg, len(anc), len(fds)))
m = fds[0]
print("isatty" if os.isatty(m) else "not-a-tty")
subprocess.run(oci[:-1 - oci[::-1].index("create")] + ["start", oci[-1]], check=True)
out = b""; end = time.time() + 5
while time.time() < end:
    try: b = os.read(m, 1024)
    except OSError: break
    if not b: break
    out += b
print(out.decode(errors="replace").replace("\r", ""))
EOF
run python3 "$T_TMP/recv.py" "$T_TMP/console.sock" "${OCI[@]}" create --bundle "$B" --console-socket "$T_TMP/console.sock" tty
grep -q '^msg-ok' "$T_TMP/out" && grep -q '^isatty' "$T_TMP/out" &&
  pass "console socket: one message, one SCM_RIGHTS fd, oob CMSG_SPACE(4), a pty master" || fail "console socket ($(_why))"
grep -q '^/dev/pts/0' "$T_TMP/out" && grep -q '^33 111' "$T_TMP/out" &&
  pass "the process has the pty as its tty, sized by consoleSize (33x111)" || fail "tty inside ($(_why))"
"${OCI[@]}" delete --force tty
run "${OCI[@]}" create --bundle "$B" tty2
[ "$RC" = 1 ] && grep -q "console socket" "$T_TMP/err" && [ ! -e "$R/tty2" ] &&
  pass "terminal without --console-socket: error, nothing left" || fail "terminal without socket ($(_why))"

# ---- exec -------------------------------------------------------------------
B=$(bundle ex 'c["process"]["args"] = ["sleep", "60"]; c["process"]["env"].append("FROM_CONFIG=yes")')
"${OCI[@]}" create --bundle "$B" ex && "${OCI[@]}" start ex
expect_out "yes 0 /tmp" "exec ARGS: the container's env, --cwd" "${OCI[@]}" exec --cwd /tmp ex sh -c 'echo $FROM_CONFIG $(id -u) $(pwd)'
expect_rc 7 "exec: the process's exit code" "${OCI[@]}" exec ex sh -c 'exit 7'
expect_rc 137 "exec: 128+N for a process killed by signal N" "${OCI[@]}" exec ex sh -c 'kill -9 $$'
run "${OCI[@]}" exec ex nonexistent-cmd
[ "$RC" = 255 ] && grep -q "executable file not found" "$T_TMP/err" && pass "exec of a missing command: 255, runc's text" || fail "exec missing ($(_why))"
python3 -c 'import json; json.dump({"args": ["sh", "-c", "echo $X > /exec-out; sleep 2"], "env": ["X=fromprocess"], "cwd": "/", "user": {"uid": 0, "gid": 0}}, open("'"$T_TMP/proc.json"'", "w"))'
run "${OCI[@]}" exec --process "$T_TMP/proc.json" --detach --pid-file "$T_TMP/ex.pid" ex
epid=$(cat "$T_TMP/ex.pid" 2>/dev/null)
wait_for 5 test -s "$ROOTFS/exec-out"
[ "$RC" = 0 ] && [ -n "$epid" ] && [ "$(cat "$ROOTFS/exec-out" 2>/dev/null)" = fromprocess ] &&
  pass "exec --process --detach --pid-file: runs, pid $epid written" || fail "exec detach ($(_why))"
run "${OCI[@]}" ps --format json ex
python3 -c 'import json,sys; p=json.loads(sys.argv[1]); sys.exit(0 if isinstance(p, list) and int(sys.argv[2]) in p and len(p) >= 2 else 1)' "$OUT" "$epid" 2>/dev/null &&
  pass "ps --format json: host pids incl. the exec'd one ($OUT)" || fail "ps json ($(_why))"
rm -f "$ROOTFS/exec-out"
# pause / resume
run "${OCI[@]}" pause ex
[ "$RC" = 0 ] && [ "$(status ex)" = paused ] && grep -q '^State:.*T\|^State:.*D\|^State:.*S' /proc/$(jget 'd["pid"]' <<<"$("${OCI[@]}" state ex)")/status &&
  pass "pause: status paused" || fail "pause ($(_why); $(status ex))"
run "${OCI[@]}" exec ex true
[ "$RC" != 0 ] && grep -q paused "$T_TMP/err" && pass "exec into a paused container: error" || fail "exec paused ($(_why))"
run "${OCI[@]}" resume ex
[ "$RC" = 0 ] && [ "$(status ex)" = running ] && pass "resume: running again" || fail "resume ($(_why))"
expect_out ok "exec works after resume" "${OCI[@]}" exec ex echo ok
# update: a memory limit lands in the cgroup
cgp=$(jget 'd["cgroup"]' <"$R/ex/state.json")
run sh -c "echo '{\"memory\": {\"limit\": 67108864}}' | '$O' --root '$R' update --resources - ex"
lim=$(cat "/sys/fs/cgroup/memory/$cgp/memory.limit_in_bytes" 2>/dev/null || cat "/sys/fs/cgroup/$cgp/memory.max" 2>/dev/null)
[ "$RC" = 0 ] && [ "$lim" = 67108864 ] && pass "update --resources -: memory limit 64 MiB in $cgp" || fail "update ($(_why); limit $lim)"
expect_rc 0 "delete --force of a running container" "${OCI[@]}" delete --force ex
[ ! -e "$R/ex" ] && cg_gone ex && pass "delete --force left no state and no cgroup" || fail "delete --force left something"

# ---- hooks: every kind, in the spec's order, state on stdin -----------------
H=$T_TMP/hooks.log
cat >"$T_TMP/hook.sh" <<EOF
read s
echo "\$1 \$(echo "\$s" | grep -o '"status":"[a-z]*"')" >>$H
EOF
B=$(bundle hk "
def h(kind): return [{'path': '/bin/sh', 'args': ['sh', '$T_TMP/hook.sh', kind]}]
c['hooks'] = {k: h(k) for k in ['prestart', 'createRuntime', 'createContainer', 'poststart', 'poststop']}
c['hooks']['startContainer'] = [{'path': '/bin/sh', 'args': ['sh', '-c', 'echo startContainer >> /hook-in-container']}]
c['process']['args'] = ['sh', '-c', 'cat /hook-in-container >> /hook-seen; sleep 1']
")
"${OCI[@]}" create --bundle "$B" hk && "${OCI[@]}" start hk
wait_for 5 test -s "$ROOTFS/hook-seen"
"${OCI[@]}" kill hk KILL; wait_for 5 sh -c "\"$O\" --root \"$R\" state hk | grep -q stopped"
"${OCI[@]}" delete hk
order=$(awk '{print $1}' "$H" | tr '\n' ' ')
[ "$order" = "prestart createRuntime createContainer poststart poststop " ] && grep -q '^prestart "status":"created"' "$H" &&
  pass "hooks ran in order ($order) with the state on stdin" || fail "hooks: $(cat "$H" 2>&1)"
[ "$(cat "$ROOTFS/hook-seen" 2>/dev/null)" = startContainer ] && pass "startContainer ran in the container before the process" ||
  fail "startContainer: $(cat "$ROOTFS/hook-seen" 2>&1)"
rm -f "$ROOTFS/hook-seen" "$ROOTFS/hook-in-container"

# ---- errors: runc's texts and codes, and nothing left ----------------------
LOG=$T_TMP/log.json
bad() { # name 'config edit' 'stderr regex' what
  local b; b=$(bundle "$1" "$2")
  run "${OCI[@]}" --log "$LOG" --log-format json create --bundle "$b" "$1"
  if [ "$RC" = 1 ] && grep -Eq "$3" "$T_TMP/err" && [ ! -e "$R/$1" ] && cg_gone "$1"; then pass "$4: exit 1, '$3', nothing left"
  else fail "$4 ($(_why); left: $(ls "$R" 2>&1))"; fi
}
rm -f "$LOG"
# a command that is not there: process.args belong to the start (as crun
# has it): the process ends with 127 and the message on its stderr
B=$(bundle nofile 'c["process"]["args"] = ["/no/such/prog"]')
run "${OCI[@]}" run --bundle "$B" nofile
[ "$RC" = 127 ] && grep -q '"/no/such/prog": no such file or directory' "$T_TMP/err" && [ ! -e "$R/nofile" ] &&
  pass "a process that cannot be found: exit 127, the message on its stderr, nothing left" || fail "missing command ($(_why))"
B=$(bundle noexec 'c["process"]["args"] = ["/etc/passwd"]')
expect_rc 126 "a command that is no executable: 126" "${OCI[@]}" run --bundle "$B" noexec

B=$(bundle notpath 'c["process"]["args"] = ["no-such-command"]')
run "${OCI[@]}" run --bundle "$B" notpath
[ "$RC" = 127 ] && grep -q 'executable file not found in \$PATH' "$T_TMP/err" && pass "a command not in PATH: 127, runc's text" || fail "not in PATH ($(_why))"
# the JSON log: one error object
rm -f "$LOG"
run "${OCI[@]}" --log "$LOG" --log-format json create --bundle "$T_TMP/nosuch" logged
python3 -c '
import json, sys, datetime
lines = open(sys.argv[1]).read().splitlines()
j = json.loads(lines[-1])
datetime.datetime.strptime(j["time"][:26], "%Y-%m-%dT%H:%M:%S.%f")
sys.exit(0 if len(lines) == 1 and j["level"] == "error" and "nosuch" in j["msg"] else 1)' "$LOG" 2>/dev/null &&
  pass "--log-format json: one error object with level, msg, RFC 3339 time" || fail "json log: $(cat "$LOG" 2>&1)"
bad norootfs 'c["root"]["path"] = "missing"' 'root.path' "a missing rootfs"
bad badns 'c["linux"]["namespaces"].append({"type": "bogus"})' 'bogus' "an unknown namespace type"
if [ ! -e /sys/kernel/security/apparmor ]; then
  bad aa 'c["process"]["apparmorProfile"] = "docker-default"' 'apparmorProfile .*no AppArmor' "an AppArmor profile on a host without AppArmor"
else skip "apparmorProfile refused: this host has AppArmor"; fi
bad rdt 'c["linux"]["intelRdt"] = {"closID": "x"}' 'linux.intelRdt' "linux.intelRdt (not supported)"
bad badver 'c["ociVersion"] = "2.0.0"' 'ociVersion 2.0.0' "an ociVersion other than 1.x"
bad hookfail 'c["hooks"] = {"createRuntime": [{"path": "/bin/false"}]}' 'createRuntime hook /bin/false' "a failing createRuntime hook"
b=$T_TMP/badjson; mkdir -p "$b"; ln -sfn "$ROOTFS" "$b/rootfs"; echo '{"ociVersion": "1.0.2", ' >"$b/config.json"
run "${OCI[@]}" create --bundle "$b" badjson
[ "$RC" = 1 ] && [ -s "$T_TMP/err" ] && [ ! -e "$R/badjson" ] && pass "invalid JSON: exit 1, nothing left" || fail "invalid json ($(_why))"
run "${OCI[@]}" create --bundle "$b" '../escape'
[ "$RC" = 1 ] && grep -q "invalid id" "$T_TMP/err" && pass "an id with a slash: refused" || fail "bad id ($(_why))"
[ -z "$(ls "$R" 2>/dev/null)" ] && pass "no state dir left by any failure" || fail "state left: $(ls "$R")"

# ---- run, features, spec, version, checkpoint ----------------------------------
B=$(bundle rn 'c["process"]["args"] = ["sh", "-c", "exit 3"]')
expect_rc 3 "run: create, start, wait: the process's exit code" "${OCI[@]}" run --bundle "$B" rn
[ ! -e "$R/rn" ] && pass "run removed the container after it ended" || fail "run left $R/rn"
run "${OCI[@]}" features
[ "$RC" = 0 ] && [ "$(jget '",".join(d["hooks"]) + " " + str(d["linux"]["seccomp"]["enabled"]) + " " + d["ociVersionMin"]' <<<"$OUT")" = \
  "prestart,createRuntime,createContainer,startContainer,poststart,poststop True 1.0.0" ] &&
  pass "features: JSON with the hooks, seccomp, ociVersionMin" || fail "features ($(_why))"
run "${OCI[@]}" checkpoint --help
[ "$RC" != 0 ] && grep -q "not supported" "$T_TMP/err" && pass "checkpoint --help: non-zero (podman then knows there is none)" || fail "checkpoint ($(_why))"
run "$O" --version
[ "$RC" = 0 ] && grep -q "^sbc-oci version" "$T_TMP/out" && grep -q "^spec: 1" "$T_TMP/out" && pass "--version" || fail "version ($(_why))"
ln -s "$SBC_BIN" "$T_TMP/bin/runc"
run "$T_TMP/bin/runc" --root "$R" list --format json
[ "$RC" = 0 ] && [ "$OUT" = "[]" ] && pass "linked as runc it answers as sbc-oci (list: [])" || fail "runc name ($(_why))"
run "${OCI[@]}" --systemd-cgroup create --bundle "$T_TMP/rn" sd
if [ -d /run/systemd/system ]; then skip "--systemd-cgroup on a host without systemd: this host runs systemd"
else [ "$RC" = 1 ] && grep -q "does not run systemd" "$T_TMP/err" && pass "--systemd-cgroup without systemd: one clear line" || fail "systemd ($(_why))"; fi
t_done
