#!/bin/bash
# 49-harden: strict users and groups (F6, F9), the scratch dir (F2), the
# --init PID 1's capabilities (F7), atomic recursive :ro volumes (F8),
# thermal_throttle masks (F11) and the sealed sbc binary (F5, CVE-2019-5736).
# Each attack is paired with a control that must work, so no check passes
# because nothing ran.
. "$(dirname "$0")/../lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
cleanup_all() { for c in $(sbc-ps -aq --no-trunc 2>/dev/null); do sbc-rm -f "$c"; done; }
on_exit cleanup_all
bash "$FIX/mkimage.sh" busybox >/dev/null || { fail "mkimage"; t_done; exit 1; }
no_containers() { [ -z "$(sbc-ps -aq 2>/dev/null)" ]; }

# ---- F6: users and groups -------------------------------------------------
for u in 4294967296 4294967295 -1 1000:4294967295 2147483648 99999999999999999999999 1000: : 0x0 a:b:c; do
  run sbc-run --rm -u "$u" busybox id -u
  if [ "$RC" = 125 ] && [ -z "$OUT" ] && [ "$(wc -l <"$T_TMP/err")" = 1 ]; then
    pass "-u '$u' refused with one line, rc 125"
  else fail "-u '$u' (want rc 125, one line, no output; $(_why))"; fi
done
check "refused -u runs leave no container" no_containers
expect_out "2147483647" "-u 2147483647 (the largest id) works" sbc-run --rm -u 2147483647 busybox id -u
expect_out "1000 2000" "-u 1000:2000 works" sbc-run --rm -u 1000:2000 busybox sh -c 'echo $(id -u) $(id -g)'
expect_out "0" "-u 0 is root" sbc-run --rm -u 0 busybox id -u
USER_=4294967296 bash "$FIX/mkimage.sh" baduser >/dev/null
expect_rc 125 "image User 4294967296 refused" sbc-run --rm baduser id -u
expect_err_match 'out of range 0-2147483647' "image User: the error says why"
USER_=app bash "$FIX/mkimage.sh" gooduser >/dev/null
expect_out "1000" "control: image User app" sbc-run --rm gooduser id -u
expect_out "0 2000 3000" "--group-add extra --group-add 3000" \
  sbc-run --rm --group-add extra --group-add 3000 busybox sh -c 'id -G | tr " " "\n" | sort -un | tr "\n" " " | sed "s/ $//"'
expect_out "0" "control: no --group-add, no extra group" sbc-run --rm busybox sh -c 'id -G | tr " " "\n" | sort -un | tr "\n" " " | sed "s/ $//"'
expect_rc 125 "--group-add 4294967296 refused" sbc-run --rm --group-add 4294967296 busybox true
expect_rc 125 "--group-add of a missing group refused" sbc-run --rm --group-add nosuchgroup busybox true
expect_err_match 'unable to find group nosuchgroup' "--group-add: the error names the group"

run sbc-run -d --name hu busybox sleep 1000
[ "$RC" = 0 ] || fail "start hu ($(_why))"
expect_out "1000" "control: sbc-exec -u app" sbc-exec -u app hu id -u
for u in 4294967296 4294967295 -1 1000:4294967295; do
  run sbc-exec -u "$u" hu id -u
  if [ "$RC" = 126 ] && [ -z "$OUT" ] && [ "$(wc -l <"$T_TMP/err")" = 1 ]; then
    pass "sbc-exec -u '$u' refused (rc 126, as docker exec)"
  else fail "sbc-exec -u '$u' (want rc 126, one line; $(_why))"; fi
done
# F9: a FIFO as the container's /etc/passwd must not hang sbc-exec
expect_rc 0 "make /etc/passwd a FIFO" sbc-exec hu sh -c 'rm /etc/passwd && mkfifo /etc/passwd'
run timeout 10 sbc-exec -u app hu id -u
if [ "$RC" = 126 ] && grep -q 'not a regular file' "$T_TMP/err"; then
  pass "FIFO /etc/passwd: sbc-exec fails at once"
else fail "FIFO /etc/passwd (want rc 126 within 10 s; $(_why))"; fi
run timeout 10 sbc-exec hu true
[ "$RC" = 126 ] && pass "FIFO /etc/passwd: also as root" || fail "FIFO /etc/passwd as root ($(_why))"
sbc-rm -f hu >/dev/null 2>&1

# ---- F2: the scratch dir of --rm containers -------------------------------
S=/dev/shm/sbc-h49-$$
on_exit rm -rf "$S"
rm -rf "$S"
if ! command -v setpriv >/dev/null; then
  skip "scratch takeover: no setpriv"
else
  setpriv --reuid=65534 --regid=65534 --clear-groups mkdir -m 777 "$S"
  run env SBC_SCRATCH="$S" sbc-run --rm busybox true
  if [ "$RC" = 125 ] && grep -q 'refusing the scratch directory' "$T_TMP/err" && [ "$(wc -l <"$T_TMP/err")" = 1 ]; then
    pass "scratch dir made by nobody: refused"
  else fail "scratch dir made by nobody (want rc 125, one line; $(_why))"; fi
  [ -z "$(ls -A "$S")" ] && pass "nothing made in nobody's dir" || fail "entries in nobody's dir: $(ls -A "$S")"
  check "refused run leaves no container" no_containers
  rm -rf "$S"; mkdir -m 777 "$S"
  expect_rc 125 "root-owned but world-writable scratch dir refused" env SBC_SCRATCH="$S" sbc-run --rm busybox true
  rm -rf "$S"; mkdir -m 700 "$T_TMP/elsewhere"; ln -s "$T_TMP/elsewhere" "$S"
  expect_rc 125 "scratch dir as a symlink refused" env SBC_SCRATCH="$S" sbc-run --rm busybox true
  rm -f "$S"
  expect_out "ok" "control: a fresh scratch dir works" env SBC_SCRATCH="$S" sbc-run --rm busybox echo ok
  if [ -d "$S" ]; then
    expect_out "0 700 directory" "the scratch dir is made root-owned 0700" stat -c '%u %a %F' "$S"
  else
    skip "scratch dir: this SBC_ROOT's driver does not use it ($(sbc-version 2>/dev/null | grep -i storage))"
  fi
fi
run stat -c %a "$SBC_ROOT"
case "$OUT" in ?[0145][0145]) pass "SBC_ROOT ($OUT) is not group/world-writable" ;; *) fail "SBC_ROOT mode $OUT" ;; esac
expect_out "700 700" "SBC_ROOT's containers/ and locks/ (made by sbc) are 0700" \
  sh -c 'cd "$SBC_ROOT" && echo $(stat -c %a containers locks)'
run sh -c 'cd "$SBC_ROOT" && stat -c %a blobs layers images tmp'
echo "$OUT" | grep -qv '^.[0145][0145]$' && fail "store dirs writable by others: $OUT" || pass "no store dir writable by others ($(echo $OUT))"
R2=$T_TMP/root2
mkdir -p "$R2/layers" && chmod 777 "$R2/layers"
run env SBC_ROOT="$R2" sbc-images -q
[ "$RC" = 125 ] && grep -q 'refusing the store directory' "$T_TMP/err" && pass "a store whose layers/ others can write is refused" ||
  fail "store with layers/ 0777 ($(_why))"
chmod 700 "$R2/layers"; chmod 777 "$R2"
expect_rc 125 "a world-writable SBC_ROOT is refused" env SBC_ROOT="$R2" sbc-images -q
chmod 755 "$R2"
expect_rc 0 "control: a store of ours works" env SBC_ROOT="$R2" sbc-images -q

# ---- F7: the --init PID 1 ---------------------------------------------------
expect_out "00000000a80425fb" "--init: PID 1 has the container's caps" \
  sbc-run --rm --init busybox sh -c 'grep CapEff /proc/1/status | cut -f2'
expect_out "00000000a80425fb" "--init: PID 1's bounding set" \
  sbc-run --rm --init busybox sh -c 'grep CapBnd /proc/1/status | cut -f2'
expect_out "0" "--init still reaps orphans" \
  sbc-run --rm --init busybox sh -c '(sleep 0.1 &); sleep 0.6; grep -l "^State:.*Z" /proc/[0-9]*/status 2>/dev/null | wc -l'
run sbc-run -d --init --name hi busybox sh -c 'trap "exit 3" TERM; while :; do sleep 0.1; done'
wait_for 10 sbc-exec hi true
run sbc-kill -s TERM hi
run sbc-wait hi
[ "$OUT" = 3 ] && pass "--init forwards SIGTERM to the command" || fail "--init signal forwarding ($(_why))"
sbc-rm -f hi >/dev/null 2>&1

# ---- F8: :ro volumes, recursively --------------------------------------------
V=$T_TMP/vol
mkdir -p "$V/sub"
if mount -t tmpfs -o size=1m h49 "$V/sub"; then
  on_exit umount -l "$V/sub"
  expect_rc 1 ":ro volume: its top is read-only" sbc-run --rm -v "$V:/data:ro" busybox touch /data/top
  expect_rc 1 ":ro volume: a submount is read-only too" sbc-run --rm -v "$V:/data:ro" busybox touch /data/sub/x
  expect_out "ro" ":ro volume: the submount's mount is ro" \
    sbc-run --rm -v "$V:/data:ro" busybox sh -c 'grep " /data/sub " /proc/self/mountinfo | cut -d" " -f6 | cut -d, -f1'
  expect_rc 0 "control: without :ro the submount is writable" sbc-run --rm -v "$V:/data" busybox touch /data/sub/x
  [ -f "$V/sub/x" ] && pass "control: the write reached the host's submount" || fail "no $V/sub/x on the host"
else
  skip ":ro submount: cannot mount a tmpfs here"
fi

# the console is bound by fd: still the pty (devpts major 136) with -t
if command -v script >/dev/null; then
  run script -qec "sbc-run --rm -t busybox sh -c 'stat -c %t /dev/console; readlink /proc/self/fd/0'" /dev/null
  if echo "$OUT" | tr -d '\r' | grep -qx 88 && echo "$OUT" | tr -d '\r' | grep -q '^/dev/pts/'; then
    pass "-t: /dev/console is the container's pty"
  else fail "-t: /dev/console ($(_why))"; fi
else
  skip "-t console: no script(1)"
fi

# ---- F11: thermal_throttle masks ---------------------------------------------
n=$(ls -d /sys/devices/system/cpu/cpu[0-9]*/thermal_throttle 2>/dev/null | wc -l)
run sbc-create --name th busybox true
id=$OUT
m=$(grep -o '/sys/devices/system/cpu/cpu[0-9]*/thermal_throttle/' "$SBC_ROOT/containers/$id/spec.json" 2>/dev/null | sort -u | wc -l)
[ "$m" = "$n" ] && pass "spec.json masks each of the $n thermal_throttle dirs present" || fail "thermal masks: spec has $m, host has $n"
sbc-rm -f th >/dev/null 2>&1
if [ "$n" -gt 0 ]; then
  expect_out "" "thermal_throttle masked" sbc-run --rm busybox ls /sys/devices/system/cpu/cpu0/thermal_throttle
else
  skip "thermal_throttle masked in the container: this machine has none (a VM), spec.json checked instead"
fi

# ---- F5: the host's sbc is never reachable from inside ----------------------
if [ "${SBC_TEST_SANITIZED:-0}" = 1 ]; then
  # the ASan build is a dynamic glibc program: as an interpreter inside a
  # busybox container it cannot even start, so the probe would see nothing
  skip "#!/proc/self/exe checks: the ASan build cannot run inside a busybox image (the static build's pass runs them)"
  t_done
  exit
fi
SBC_HOST=$(readlink -f "$(command -v sbc-run)")
HOST_ID=$(stat -c %d:%i "$SBC_HOST")
SUM=$(sha256sum <"$SBC_HOST")
# an image whose /bin/sh is "#!/proc/self/exe --licenses": the kernel runs
# the exec'ing process's own binary inside the container, and --licenses
# writes ~58 KiB, so with a 4 KiB pipe as stdout it stays blocked there
run sbc-run --name mkevil busybox sh -c 'rm /bin/sh && printf "#!/proc/self/exe --licenses\n" >/bin/sh && chmod 755 /bin/sh'
expect_rc 0 "make the #!/proc/self/exe image" sbc-commit mkevil evil
sbc-rm -f mkevil >/dev/null 2>&1
run sbc-run -d --name ev -e HID="$HOST_ID" evil /bin/busybox sh -c '
  : >/tmp/seen
  while :; do
    for p in /proc/[0-9]*; do
      [ "$p" = /proc/self ] && continue
      id=$(/bin/busybox stat -L -c %d:%i $p/exe 2>/dev/null) || continue
      grep -qx "R $id" /tmp/seen || echo "R $id" >>/tmp/seen
      if { : ; } 2>/dev/null 3>>$p/exe; then echo "W $id" >>/tmp/seen; fi
      # the host binary: hold it open (read) and write through that once
      # the process is gone
      [ "$id" = "$HID" ] || continue
      exec 4<$p/exe 2>/dev/null || continue
      while [ -e $p ]; do :; done
      if { : ; } 2>/dev/null 3>>/proc/self/fd/4; then echo "W $id after exit" >>/tmp/seen; fi
      exec 4<&-
    done
  done'
[ "$RC" = 0 ] || fail "start the scanner ($(_why))"
# host side: every process in another pid namespace whose exe is sbc's inode
# on a writable mount (sbc runs it from a private read-only mount, or from a
# sealed copy, which is another inode)
cat >"$T_TMP/trigger.py" <<'PY'
import fcntl, os, subprocess, sys, time
host_id, seen_file = sys.argv[1], sys.argv[2]
cmd = sys.argv[3:]
mine = os.readlink("/proc/self/ns/pid")
def host_inode_in_containers():
    bad = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{p}/ns/pid") == mine:
                continue
            st = os.stat(f"/proc/{p}/exe")
            ro = os.statvfs(f"/proc/{p}/exe").f_flag & os.ST_RDONLY
        except OSError:
            continue
        if f"{st.st_dev}:{st.st_ino}" == host_id and not ro:
            bad.append(p)
    return bad
r, w = os.pipe()
fcntl.fcntl(w, 1031, 4096)  # F_SETPIPE_SZ: the interpreter blocks on its output
p = subprocess.Popen(cmd, stdout=w, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
os.close(w)
fcntl.fcntl(r, fcntl.F_SETFL, os.O_NONBLOCK)
got, bad, t0 = 0, set(), time.time()
while time.time() - t0 < 3:   # the interpreter blocked: the scanner gets its turn
    bad.update(host_inode_in_containers())
    try:
        got += len(os.read(r, 1 << 16)) if time.time() - t0 > 2 else 0
    except BlockingIOError:
        pass
    time.sleep(0.05)
fcntl.fcntl(r, fcntl.F_SETFL, 0)
while True:
    b = os.read(r, 1 << 16)
    if not b:
        break
    got += len(b)
p.wait()
print(f"bytes={got} host_inode_pids={len(bad)}")
PY
run python3 "$T_TMP/trigger.py" "$HOST_ID" x sbc-exec ev /bin/sh
if echo "$OUT" | grep -q 'host_inode_pids=0' && [ "$(echo "$OUT" | sed 's/.*bytes=\([0-9]*\).*/\1/')" -gt 50000 ]; then
  pass "sbc-exec of a #!/proc/self/exe /bin/sh: the interpreter ran (--licenses), never as a writable host binary"
else fail "sbc-exec #!/proc/self/exe ($(_why))"; fi
run sbc-exec ev cat /tmp/seen
if [ "$RC" = 0 ] && echo "$OUT" | grep -q '^R ' && ! echo "$OUT" | grep -q '^W '; then
  pass "the scanner saw exes ($(echo "$OUT" | grep -c '^R '), the host's sbc $(echo "$OUT" | grep -c "^R $HOST_ID") times), none writable, then or after exit"
else fail "scanner inside: host $HOST_ID ($(_why))"; fi
run python3 "$T_TMP/trigger.py" "$HOST_ID" x sbc-run --rm evil /bin/sh
echo "$OUT" | grep -q 'host_inode_pids=0 *$' && echo "$OUT" | grep -q 'bytes=[0-9]\{5\}' &&
  pass "sbc-run of the image: its #!/proc/self/exe init is not a writable host binary" || fail "sbc-run evil ($(_why))"
run python3 "$T_TMP/trigger.py" "$HOST_ID" x sbc-run --rm --init evil /bin/sh
echo "$OUT" | grep -q 'host_inode_pids=0 *$' && echo "$OUT" | grep -q 'bytes=[0-9]\{5\}' &&
  pass "sbc-run --init: neither PID 1 nor the command is a writable host binary" || fail "sbc-run --init evil ($(_why))"
# control: the check above can see a writable host binary: a process in
# another pid namespace running the host's binary directly is found
run python3 "$T_TMP/trigger.py" "$HOST_ID" x unshare -pf --mount-proc "$SBC_HOST" --licenses
echo "$OUT" | grep -q 'host_inode_pids=[1-9]' && pass "control: the host-inode check finds an unsealed sbc" ||
  fail "control: the host-inode check is blind ($(_why))"
[ "$(sha256sum <"$SBC_HOST")" = "$SUM" ] && pass "the host's sbc is unchanged" || fail "the host's sbc changed"
sbc-rm -f ev >/dev/null 2>&1
# the two ways of sealing, seen from the host: the --init PID 1 of a default
# run has the binary from a private read-only mount; with SBC_SEAL_COPY=1
# (and wherever the kernel or the privileges refuse the first), a sealed memfd
ipid() { sbc-inspect "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"]["Pid"])'; }
for mode in ro copy; do
  if [ $mode = copy ]; then run env SBC_SEAL_COPY=1 sbc-run -d --init --name seal-$mode busybox sleep 60
  else run sbc-run -d --init --name seal-$mode busybox sleep 60; fi
  p=$(ipid seal-$mode)
  link=$(readlink /proc/$p/exe) ro=$(python3 -c "import os,sys; print(int(bool(os.statvfs('/proc/$p/exe').f_flag & os.ST_RDONLY)))")
  seals=$(python3 -c "import fcntl,os; fd=os.open('/proc/$p/exe', os.O_RDONLY); print(fcntl.fcntl(fd, 1034))" 2>/dev/null) # F_GET_SEALS
  [ -n "$seals" ] && [ $((seals & 15)) = 15 ] && seals=sealed:$seals  # SEAL, SHRINK, GROW, WRITE
  case "$mode:$link:$ro:$seals" in
    ro:/:1:*) pass "seal (default): the --init PID 1 runs sbc from a read-only mount ($link, ro)" ;;
    copy:/memfd:sbc*:*:sealed:*) pass "seal (SBC_SEAL_COPY=1): the --init PID 1 runs a sealed memfd copy (seals $seals)" ;;
    *) fail "seal $mode: PID 1 exe is '$link' (ro=$ro, seals=$seals)" ;;
  esac
  sbc-rm -f seal-$mode >/dev/null 2>&1
done
t_done
