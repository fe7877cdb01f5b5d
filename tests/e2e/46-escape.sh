#!/bin/bash
# 46-escape: what an attacker inside a container (or a hostile image) tries,
# class by class (T1-T19 of shared/notes/security.md §5, issue 12).  Each
# attack must fail in the default configuration, and each has a control: the
# same probe succeeding where it should (on the host, with --privileged,
# --security-opt seccomp=unconfined, --device, --cap-add), so no check can
# pass because the probe itself is broken.  A control that needs an option
# sbc-run does not have yet FAILS naming the option (issue 12 requires it);
# a result that depends on the kernel (no i386 ABI, userns off, a config
# option) is a SKIP with the reason.
# The attacker is tests/fixtures/probe.c, built here with musl-gcc and put in
# test images made from mkimage.sh's busybox (export, change, import).
. "$(dirname "$0")/../lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
START=$SECONDS
unset SBC_SCRATCH # the default scratch dir (T13)
cleanup_all() { for c in $(sbc-ps -aq --no-trunc 2>/dev/null); do sbc-rm -f "$c"; done; }
on_exit cleanup_all
bail() { fail "$1"; t_done; exit 1; }
# the sbc binary the applets run (build/sbc, or sbc-debug in the ASan pass)
SBC_EXE=$(readlink -f "$(command -v sbc-run)")
[ -x "$SBC_EXE" ] || bail "no sbc-run on PATH"
# 54-escape-rootless runs this script again with every container of an
# ordinary user (made here): sbc-* on PATH become wrappers that run the
# user's copy of sbc as the user; a control that needs the host's root
# (--privileged, --device, --network host) passes --as-root (in HOSTNS),
# which the wrapper turns into root's sbc; the "host sbc" of T2 is the
# user's copy, the store of T17 and the scratch dir of T13 the user's
STORE=$SBC_ROOT SH=/dev/shm/sbc SH_OWNER=root
if [ "${ESCAPE_USERNS:-}" = rootless ]; then
  if [ "$(cat /proc/sys/user/max_user_namespaces)" = 0 ]; then
    skip "rootless escape suite: this host forbids unprivileged user namespaces"; t_done; exit 0
  fi
  EU=sbcesc$$
  EU=${EU:0:16}
  useradd -m -s /bin/sh "$EU" || bail "useradd $EU"
  on_exit "userdel -r '$EU'"
  on_exit "pkill -KILL -u '$EU'; sleep 0.3"
  EUID_=$(id -u "$EU") EH=$(getent passwd "$EU" | cut -d: -f6)
  on_exit "rm -rf '/dev/shm/sbc-$EUID_'"
  chmod 755 "$T_TMP"
  ROOTBIN=$(dirname "$(command -v sbc-run)")
  UB=$T_TMP/ubin WR=$T_TMP/wrap
  mkdir -p "$UB" "$WR" && cp "$SBC_EXE" "$UB/sbc" && chmod 755 "$UB" "$UB/sbc" && "$UB/sbc" --install "$UB" >/dev/null ||
    bail "install the user's sbc"
  for a in run exec rm ps import export create start stop logs wait inspect rmi commit kill; do
    cat >"$WR/sbc-$a" <<WRAP
#!/bin/bash
for x in "\$@"; do [ "\$x" = --as-root ] && root=1; done
if [ -n "\${root:-}" ]; then
  args=(); for x in "\$@"; do [ "\$x" = --as-root ] || args+=("\$x"); done
  exec "$ROOTBIN/sbc-$a" "\${args[@]}"
fi
exec runuser -u "$EU" -- env -i HOME="$EH" PATH="$UB:/usr/bin:/bin" XDG_RUNTIME_DIR= "$UB/sbc-$a" "\$@"
WRAP
    chmod 755 "$WR/sbc-$a"
  done
  PATH=$WR:$PATH
  SBC_EXE=$UB/sbc STORE=$EH/.local/share/sbc SH=/dev/shm/sbc-$EUID_ SH_OWNER=$EU
fi
HOSTEXE=$(stat -L -c %d:%i "$SBC_EXE")
SUM0=$(sha256sum <"$SBC_EXE" | cut -c1-64)

# ---- the probe and the images -------------------------------------------
PROBE=$T_TMP/probe
command -v musl-gcc >/dev/null || bail "musl-gcc is not installed (bootstrap.sh installs musl-tools)"
musl-gcc -static -Os -o "$PROBE" "$FIX/probe.c" 2>"$T_TMP/cc.err" || bail "build the probe: $(head -c 300 "$T_TMP/cc.err")"
bash "$FIX/mkimage.sh" busybox >/dev/null || bail "mkimage busybox"
if [ -n "${EU:-}" ]; then # the same image in the user's store
  "$ROOTBIN/sbc-export" busybox >"$T_TMP/bb.tar" && chmod 644 "$T_TMP/bb.tar" &&
    sbc-import -q -c 'CMD ["sh"]' "$T_TMP/bb.tar" busybox >/dev/null || bail "busybox in the user's store"
fi
BASE=$T_TMP/base
mkdir -p "$BASE"
sbc-export busybox | tar -x -C "$BASE" || bail "export busybox"
cp "$PROBE" "$BASE/bin/probe"
# CVE-2019-5736: a "script" whose interpreter is the runtime itself
printf '#!/proc/self/exe --version\n' >"$BASE/bin/evil"
chmod 755 "$BASE/bin/evil"
# mkimg NAME [CHANGE...]: an image of $BASE as changed by the shell commands
# in $PREP (run in its copy), with Dockerfile CHANGEs
mkimg() {
  local name=$1 d=$T_TMP/img-$1
  shift
  rm -rf "$d" && cp -a "$BASE" "$d" || return 1
  (cd "$d" && eval "${PREP:-:}") || return 1
  local c=(-c 'CMD ["sh"]' -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
  for x in "$@"; do c+=(-c "$x"); done
  tar -C "$d" -c . >"$d.tar" && chmod 644 "$d.tar" && sbc-import -q --compress none "${c[@]}" "$d.tar" "$name:latest" >/dev/null || return 1
  # (rootless: root's store too, for the controls that run as root)
  if [ -n "${EU:-}" ]; then "$ROOTBIN/sbc-import" -q --compress none "${c[@]}" "$d.tar" "$name:latest" >/dev/null || return 1; fi
  rm -rf "$d" "$d.tar"
}
mkimg probeimg || bail "import the probe image"
R=(sbc-run --rm --network none)
# 52-escape-remap runs this script again with every container remapped
# (config.json's "userns-remap"); the controls that need the host's
# namespaces (--privileged, --device) then ask for them with --userns=host
HOSTNS=()
[ -n "${EU:-}" ] && HOSTNS=(--as-root)
if [ "${ESCAPE_USERNS:-}" = remap ]; then
  CFG=$SBC_CONFIG_DIR/config.json
  [ -f "$CFG" ] && cp "$CFG" "$T_TMP/cfg.bak"
  on_exit "if [ -f '$T_TMP/cfg.bak' ]; then cp '$T_TMP/cfg.bak' '$CFG'; else rm -f '$CFG'; fi"
  echo '{"userns-remap": "default"}' >"$CFG"
  HOSTNS=(--userns host)
fi

# res NAME: the probe's result for NAME in $OUT ("ok ..." or "errno E (N)")
res() { printf '%s\n' "$OUT" | sed -n "s/^$1: //p" | head -1; }
# has_opt OPT: sbc-run's usage names OPT
has_opt() { sbc-run --help 2>&1 | grep -q -- "$1\b"; }
# runs_ok: the last run worked (else the control failed)
why1() { echo "rc=$RC out=$(echo "$OUT" | head -c 160 | tr '\n' '|') err=$(echo "$ERR" | head -c 200 | tr '\n' '|')"; }
# control WHAT OPTION: fail when sbc-run lacks OPTION (the issue requires it)
need_opt() {
  has_opt "$2" && return 0
  fail "$1: control needs sbc-run $2, which is not implemented"
  return 1
}

# ---- T1 devices ------------------------------------------------------------
# a character device root can open on this host (the control), made with
# mknod in the container, and shipped as a node in an image layer
DEV= DMAJ= DMIN=
for d in /dev/tty1 /dev/tty2 /dev/tty63 /dev/kmsg /dev/mem /dev/fuse; do
  [ -c "$d" ] || continue
  run "$PROBE" open-dev "$d"
  [ "$RC" = 0 ] && { DEV=$d; break; }
done
if [ -z "$DEV" ]; then
  fail "T1 devices: no character device root can open on this host (tried tty1, tty2, tty63, kmsg, mem, fuse): the check has no control"
else
  set -- $(stat -c '%t %T' "$DEV"); DMAJ=$((0x$1)); DMIN=$((0x$2))
  run bash -c "cd '$T_TMP' && '$PROBE' mknod-open c $DMAJ $DMIN"
  [ "$RC" = 0 ] && pass "T1 control: root on the host makes c $DMAJ:$DMIN ($DEV) and opens it" ||
    fail "T1 control: host mknod-open c $DMAJ:$DMIN ($(why1))"
  run "${R[@]}" probeimg sh -c "cd /tmp && probe mknod-open c $DMAJ $DMIN"
  if [ "$(res mknod)" = ok ] && [ "$(res open)" = "errno EPERM (1)" ]; then
    pass "T1 mknod c $DMAJ:$DMIN works in a container, open is refused (EPERM)"
  elif [ -n "${HOSTNS[*]}" ] && [ "$(res mknod)" = "errno EPERM (1)" ]; then
    pass "T1 in a user namespace (remapped or rootless): mknod c $DMAJ:$DMIN itself is refused (no CAP_MKNOD over devices in a user namespace)"
  else
    fail "T1 container root opened a host device: mknod c $DMAJ:$DMIN then open gave '$(res mknod)' / '$(res open)' (want mknod ok, open EPERM; $(why1))"
  fi
  # the same through sbc-exec
  run sbc-run -d --network none --name t1 probeimg sleep 60
  run sbc-exec t1 sh -c "cd /tmp && probe mknod-open c $DMAJ $DMIN"
  [ "$(res open)" = "errno EPERM (1)" ] || { [ -n "${HOSTNS[*]}" ] && [ "$(res mknod)" = "errno EPERM (1)" ]; } &&
    pass "T1 sbc-exec: c $DMAJ:$DMIN not opened (EPERM: $(res mknod) / $(res open))" ||
    fail "T1 sbc-exec opened a host device c $DMAJ:$DMIN: '$(res mknod)' / '$(res open)' ($(why1))"
  sbc-rm -f t1 >/dev/null 2>&1
  # a node shipped in an image layer: no mknod needed
  PREP="mknod probe-dev c $DMAJ $DMIN" mkimg devimg || fail "T1 import an image with a device node"
  run "${R[@]}" devimg sh -c 'stat -c %t:%T /probe-dev; probe open-dev /probe-dev'
  case "$(res open-dev)" in
  "errno EPERM (1)") pass "T1 image layer node c $DMAJ:$DMIN ($(echo "$OUT" | head -1)): open refused (EPERM)" ;;
  "errno ENOENT (2)") pass "T1 image layer node c $DMAJ:$DMIN was not extracted" ;;
  *) fail "T1 a device node from an image layer (c $DMAJ:$DMIN) opened: '$(res open-dev)' ($(why1))" ;;
  esac
  # block devices: the host's disks (often nobody can open them on a VM)
  blk=$(awk 'NR > 2 && $4 !~ /[0-9]$/ { print $1, $2, $4; exit }' /proc/partitions)
  if [ -n "$blk" ]; then
    set -- $blk
    run bash -c "cd '$T_TMP' && '$PROBE' mknod-open b $1 $2"
    if [ "$(res open)" = ok ]; then
      run "${R[@]}" probeimg sh -c "cd /tmp && probe mknod-open b $1 $2"
      [ "$(res open)" = "errno EPERM (1)" ] && pass "T1 block device b $1:$2 ($3): open refused (EPERM)" ||
        fail "T1 container root opened the host disk b $1:$2 ($3): '$(res mknod)' / '$(res open)' ($(why1))"
    else
      skip "T1 block device: root on this host cannot open its disk b $1:$2 ($3) either ($(res open)), no control"
    fi
  fi
  # controls that open the device deliberately
  if need_opt "T1 --device $DEV" --device; then
    run "${R[@]}" "${HOSTNS[@]}" --device "$DEV" probeimg probe open-dev "$DEV"
    [ "$(res open-dev)" = ok ] && pass "T1 control: --device $DEV opens it" || fail "T1 control: --device $DEV ($(why1))"
  fi
  if need_opt "T1 --privileged" --privileged; then
    run "${R[@]}" "${HOSTNS[@]}" --privileged probeimg sh -c "cd /tmp && probe mknod-open c $DMAJ $DMIN"
    [ "$(res open)" = ok ] && pass "T1 control: --privileged opens c $DMAJ:$DMIN" || fail "T1 control: --privileged mknod-open ($(why1))"
  fi
fi
run "${R[@]}" probeimg sh -c 'for d in null zero full random urandom ptmx; do probe open-dev /dev/$d; done'
[ "$RC" = 0 ] && [ "$(echo "$OUT" | grep -c ': ok$')" = 6 ] && pass "T1 the default devices open (null zero full random urandom ptmx)" ||
  fail "T1 default devices ($(why1))"

# ---- T2 / T14: the host sbc binary reached from inside ----------------------
# control: the watcher finds a process running an unsealed binary in its pid
# namespace and, once it is gone, opens that binary for writing (the attack
# of CVE-2019-5736; nothing is written).  A copy of sbc stands for the host's,
# so no other sbc process on the host can make it busy.
cp "$SBC_EXE" "$T_TMP/sbc-copy"
COPYEXE=$(stat -c %d:%i "$T_TMP/sbc-copy")
run unshare -pf --mount-proc sh -c "'$PROBE' exe-watch 2 $COPYEXE & for i in 1 2 3 4 5 6 7 8 9 10 11 12; do '$T_TMP/sbc-copy' --version >/dev/null; sleep 0.1; done; wait"
echo "$OUT" | grep -q 'runs the host binary' && echo "$OUT" | grep -q 'WRITABLE after exit' &&
  pass "T2 control: exe-watch finds an unsealed sbc beside it and can open it for writing once it is gone" ||
  fail "T2 control: exe-watch did not reach an unsealed sbc run beside it ($(why1))"
run sbc-run -d --network none --init --name ew probeimg probe exe-watch 8 "$HOSTEXE"
ew_id=$OUT
[ "$RC" = 0 ] || fail "T2 start the watcher container ($(why1))"
evil_ran=0
for i in 1 2 3 4 5 6 7 8; do
  run timeout 10 sbc-exec ew /bin/evil
  echo "$OUT" | grep -q '^sbc version' && evil_ran=$((evil_ran + 1))
  run timeout 10 sbc-exec ew sh -c true
done
if [ "$evil_ran" -gt 0 ]; then
  pass "T2 control: sbc-exec of a #!/proc/self/exe script runs sbc inside the container ($evil_ran of 8)"
elif [ "${SBC_TEST_SANITIZED:-0}" = 1 ] && ! file -L "$SBC_EXE" | grep -q 'statically linked'; then
  skip "T2 #!/proc/self/exe: the sanitizer build is dynamically linked, so it cannot run inside the container (the static build's pass covers it)"
else
  fail "T2 control: the #!/proc/self/exe script never ran sbc ($(why1))"
fi
run timeout 30 sbc-wait ew
run sbc-logs ew
wr=$(echo "$OUT" | grep 'WRITABLE after exit')
seen=$(echo "$OUT" | grep -c 'runs the host binary')
if echo "$OUT" | grep -q '^exe-watch: ok'; then
  pass "T14 no sbc helper (sbc-exec's joiner, --init PID 1) lets the container write the host sbc ($(echo "$OUT" | tail -1))"
  # by design, not by luck: each one reached is on a read-only mount (a
  # busy binary's ETXTBSY alone would not hold once nothing runs it)
  kept=$(echo "$OUT" | grep -c 'after exit: open for writing')
  if [ "$evil_ran" -gt 0 ] && [ "$seen" -gt 0 ] && [ "$kept" = "$(echo "$OUT" | grep 'after exit: open for writing' | grep -c 'read-only mount$')" ]; then
    pass "T2 #!/proc/self/exe: the sbc it ran was never writable, then or after exit ($seen reached, each on a read-only mount: $(echo "$OUT" | grep -o 'errno [A-Z]*' | sort | uniq -c | tr -s ' ' | paste -sd, -))"
  elif [ "$evil_ran" -gt 0 ] && [ "$seen" = 0 ] && ! echo "$OUT" | grep -q 'runs the host binary'; then
    pass "T2 #!/proc/self/exe: the sbc it ran is not the host's inode at all (a sealed copy)"
  elif [ "$evil_ran" = 0 ]; then
    : # the script never ran sbc: reported above (a failure, or the sanitizer build's skip)
  else
    fail "T2 #!/proc/self/exe: a reached sbc is not on a read-only mount ($(echo "$OUT" | grep 'after exit' | grep -v 'read-only mount$' | head -2 | tr '\n' '|'))"
  fi
elif [ -z "$OUT" ]; then
  fail "T2/T14 the watcher printed nothing (rc=$RC)"
else
  fail "T2/T14 the container could open the host sbc for writing: $(echo "$wr" | head -3 | tr '\n' '|') ($(echo "$OUT" | tail -1))"
fi
[ "$(sha256sum <"$SBC_EXE" | cut -c1-64)" = "$SUM0" ] && pass "T2 the host sbc binary is unchanged (sha256)" ||
  fail "T2 the host sbc binary CHANGED"
sbc-rm -f ew >/dev/null 2>&1

# ---- T3 leaked fd / cwd (CVE-2024-21626) ------------------------------------
MARK=sbc-escape-mark-$$-$RANDOM
echo "$MARK" >"/tmp/$MARK"
on_exit "rm -f '/tmp/$MARK'"
run bash -c "exec 7</; cd /proc/self/fd/7 && cat tmp/$MARK"
[ "$OUT" = "$MARK" ] && pass "T3 control: a cwd through /proc/self/fd/N of a host dir fd reads host files" || fail "T3 control ($(why1))"
UP='cd ../../../../../../../../.. 2>/dev/null; cat tmp/'$MARK' 2>/dev/null; probe fds'
bad= n_fds=
for n in $(seq 3 20); do
  run "${R[@]}" -w /proc/self/fd/$n probeimg sh -c "$UP"
  echo "$OUT" | grep -q "$MARK" && bad="$bad $n"
  echo "$OUT" | grep -q '^fd ' && n_fds="$n_fds $n"
done
[ -z "$bad" ] && pass "T3 sbc-run -w /proc/self/fd/3..20 never reaches a host file" || fail "T3 sbc-run -w /proc/self/fd/N reached the host marker for N =$bad"
[ -z "$n_fds" ] && pass "T3 sbc-run: no fd beyond 0-2 in the container" || fail "T3 sbc-run: fds beyond 0-2 leaked (-w fd$n_fds): $(echo "$OUT" | grep '^fd ' | head -3 | tr '\n' '|')"
run sbc-run -d --network none --name t3 probeimg sleep 120
bad=
for n in $(seq 3 20); do
  run sbc-exec -w /proc/self/fd/$n t3 sh -c "$UP"
  echo "$OUT" | grep -q "$MARK" && bad="$bad $n"
done
[ -z "$bad" ] && pass "T3 sbc-exec -w /proc/self/fd/3..20 never reaches a host file" || fail "T3 sbc-exec -w /proc/self/fd/N reached the host marker for N =$bad"
run sbc-exec t3 probe fds
[ "$(res fds)" = ok ] && pass "T3 sbc-exec: no fd beyond 0-2" || fail "T3 sbc-exec leaks fds: $(echo "$OUT" | tr '\n' '|')"
sbc-rm -f t3 >/dev/null 2>&1
bad=
for n in 3 4 5 6 7 8 9 10; do
  mkimg wd$n "WORKDIR /proc/self/fd/$n" || { fail "T3 import WorkingDir image"; break; }
  run "${R[@]}" wd$n sh -c "$UP"
  echo "$OUT" | grep -q "$MARK" && bad="$bad $n"
  sbc-rmi wd$n >/dev/null 2>&1
done
[ -z "$bad" ] && pass "T3 image WorkingDir /proc/self/fd/3..10 never reaches a host file" || fail "T3 image WorkingDir /proc/self/fd/N reached the host marker for N =$bad"

# ---- T4 mount race through a shared volume ----------------------------------
S=$T_TMP/shared SRC=$T_TMP/src
mkdir -p "$S" "$SRC"
# (a remapped container's root is not the host's: the volumes are opened to it)
[ -n "${HOSTNS[*]}" ] && chmod 777 "$S" "$SRC"
echo "src-$MARK" >"$SRC/marker"
MI0=$(wc -l </proc/self/mountinfo)
ls -a / >"$T_TMP/root.before"
run sbc-run -d --network none --name swapper -v "$S:/shared" busybox sh -c \
  'cd /shared; while :; do rm -f sub 2>/dev/null || rmdir sub 2>/dev/null; mkdir sub; rmdir sub; ln -s / sub; done'
if wait_for 10 test -L "$S/sub" && wait_for 10 test -d "$S/sub" -a ! -L "$S/sub"; then
  pass "T4 control: the swapper flips /shared/sub between a dir and a symlink to /"
else
  fail "T4 control: the swapper does not swap ($(ls -la "$S" | tr '\n' '|'))"
fi
good=0 wrote=0 other=0 end=$((SECONDS + 40)) i=0
while [ $i -lt 50 ] && [ $SECONDS -lt $end ]; do
  i=$((i + 1))
  # (the swapper may replace /data/sub after the container started: only a
  # file that lands in the source counts)
  run "${R[@]}" -v "$S:/data" -v "$SRC:/data/sub:ro" busybox sh -c 'm=$(cat /data/sub/marker 2>/dev/null); echo "$m"; [ -n "$m" ] && touch /data/sub/w 2>/dev/null && grep -E " /data| / " /proc/self/mountinfo | cut -d" " -f4-6 | tr "\n" ";"'
  if [ -e "$SRC/w" ]; then
    wrote=$((wrote + 1)); wrote_how=$(echo "$OUT" | tail -1); rm -f "$SRC/w"
  elif [ "$(echo "$OUT" | head -1)" = "src-$MARK" ]; then
    good=$((good + 1))
  else
    other=$((other + 1))
  fi
done
sbc-rm -f swapper >/dev/null 2>&1
[ "$wrote" = 0 ] && pass "T4 $i racing runs: the :ro volume was never writable ($good marker, $other refused/other)" ||
  fail "T4 the :ro volume became writable in $wrote of $i racing runs: the container created $SRC/w (its mounts: $wrote_how)"
# the controls, without the swapper (whether a racing run lands on the
# directory is timing): the same probe reads the marker through the same
# mounts, and writes where the volume is not :ro
rm -rf "$S/sub"; mkdir "$S/sub"
P4='m=$(cat /data/sub/marker 2>/dev/null); echo "$m"; [ -n "$m" ] && touch /data/sub/w 2>/dev/null && echo wrote'
run "${R[@]}" -v "$S:/data" -v "$SRC:/data/sub:ro" busybox sh -c "$P4"
[ "$OUT" = "src-$MARK" ] && [ ! -e "$SRC/w" ] && pass "T4 control: the probe reads the :ro volume's marker and cannot write ($good of $i racing runs read it too)" ||
  fail "T4 control: the probe through the :ro volume ($(why1))"
run "${R[@]}" -v "$S:/data" -v "$SRC:/data/sub" busybox sh -c "$P4"
[ "$(echo "$OUT" | tail -1)" = wrote ] && [ -e "$SRC/w" ] && pass "T4 control: the same probe writes a rw volume" ||
  fail "T4 control: the probe cannot write a rw volume ($(why1))"
rm -f "$SRC/w"
ls -a / >"$T_TMP/root.after"
[ ! -e /w ] && cmp -s "$T_TMP/root.before" "$T_TMP/root.after" &&
  pass "T4 no file appeared on the host (/w, the source, /)" || fail "T4 a file appeared on the host: $(diff "$T_TMP/root.before" "$T_TMP/root.after" | tr '\n' ' ') $(ls /w "$SRC/w" 2>/dev/null)"
[ "$(wc -l </proc/self/mountinfo)" = "$MI0" ] && pass "T4 the host's mounts are unchanged" || fail "T4 host mounts changed: $MI0 -> $(wc -l </proc/self/mountinfo)"
# :ro is recursive: a submount of the source stays read-only
mkdir -p "$SRC/sub2"
if mount -t tmpfs -o size=1m sbc-escape "$SRC/sub2"; then
  on_exit "umount '$SRC/sub2'"
  run "${R[@]}" -v "$SRC:/data" busybox sh -c 'touch /data/sub2/x && echo wrote'
  [ "$OUT" = wrote ] && pass "T4 control: a submount of a rw volume is writable" || fail "T4 control: rw submount ($(why1))"
  run "${R[@]}" -v "$SRC:/data:ro" busybox sh -c 'touch /data/sub2/y && echo wrote'
  [ "$OUT" != wrote ] && [ ! -e "$SRC/sub2/y" ] && pass "T4 :ro is recursive: the submount is read-only" ||
    fail "T4 :ro is not recursive: a container wrote into a submount of a :ro volume ($SRC/sub2/y)"
  umount "$SRC/sub2"
else
  skip "T4 recursive :ro: cannot mount a tmpfs here"
fi

# ---- T5 masked paths with a swapped /dev/null (CVE-2025-31133) -------------
CP0=$(cat /proc/sys/kernel/core_pattern)
MASKS='n=$(head -c 16 /proc/kcore 2>/dev/null | wc -c); k=$(cat /proc/keys 2>/dev/null | wc -c); t=$(cat /proc/timer_list 2>/dev/null | wc -c); echo masks:$n:$k:$t; v=$(cat /proc/sys/kernel/core_pattern); (echo "$v" >/proc/sys/kernel/core_pattern) 2>/dev/null && echo CP-WRITTEN; stat -c null:%F:%t:%T /dev/null'
[ -n "$(head -c 16 /proc/timer_list)" ] && pass "T5 control: /proc/timer_list is readable on the host" || fail "T5 control: /proc/timer_list unreadable on the host"
PREP='rm -rf dev && mkdir dev && ln -s /proc/sys/kernel/core_pattern dev/null' mkimg nullimg || fail "T5 import nullimg"
run "${R[@]}" nullimg sh -c "$MASKS"
if [ "$RC" = 0 ] && echo "$OUT" | grep -q '^masks:0:0:0$' && ! echo "$OUT" | grep -q CP-WRITTEN && echo "$OUT" | grep -q '^null:character special file:1:3$'; then
  pass "T5 image /dev/null -> core_pattern: masks hold, /dev/null is c 1:3"
elif [ "$RC" = 125 ]; then
  pass "T5 image /dev/null -> core_pattern: refused ($(echo "$ERR" | head -1))"
else
  fail "T5 image /dev/null -> core_pattern: masks or /dev/null broken ($(why1))"
fi
D=$T_TMP/devvol
mkdir -p "$D" && ln -sfn /proc/sys/kernel/core_pattern "$D/null"
run "${R[@]}" -v "$D:/dev" busybox sh -c "$MASKS"
if [ "$RC" = 125 ] || { echo "$OUT" | grep -q '^masks:0:0:0$' && ! echo "$OUT" | grep -q CP-WRITTEN; }; then
  pass "T5 -v DIR:/dev with null -> core_pattern: refused or masks hold (rc=$RC)"
else
  fail "T5 -v DIR:/dev with null -> core_pattern: a mask became a window ($(why1))"
fi
[ "$(cat /proc/sys/kernel/core_pattern)" = "$CP0" ] && pass "T5 host core_pattern unchanged" || fail "T5 host core_pattern CHANGED: $(cat /proc/sys/kernel/core_pattern)"
[ -L "$D/null" ] && [ "$(readlink "$D/null")" = /proc/sys/kernel/core_pattern ] && pass "T5 the volume's symlink is untouched" || fail "T5 the volume's /dev/null changed: $(ls -la "$D" | tr '\n' '|')"

# ---- T6 console swap (CVE-2025-52565), T6b image /dev symlink ---------------
CONS='stat -c console:%t:%T /dev/console 2>&1; (echo x >/dev/console) 2>/dev/null && echo console-written'
run script -qec "sbc-run --rm --network none -t busybox sh -c '$CONS'" /dev/null
OUT=$(echo "$OUT" | tr -d '\r')
echo "$OUT" | grep -q '^console:88:' && pass "T6 control: with -t /dev/console is a pty (major 136)" || fail "T6 control: -t /dev/console ($(why1))"
P=$T_TMP/ptsvol
mkdir -p "$P" && for k in 0 1 2 3 ptmx; do ln -sfn /proc/sys/kernel/core_pattern "$P/$k"; done
run script -qec "sbc-run --rm --network none -t -v $P:/dev/pts busybox sh -c '$CONS'" /dev/null
OUT=$(echo "$OUT" | tr -d '\r')
[ "$(cat /proc/sys/kernel/core_pattern)" = "$CP0" ] && { echo "$OUT" | grep -q '^console:88:' || ! echo "$OUT" | grep -q console-written; } &&
  pass "T6 -t -v DIR:/dev/pts with symlinks to core_pattern: the console is a pty or the run failed" ||
  fail "T6 console swap: $(why1); core_pattern now $(cat /proc/sys/kernel/core_pattern)"
ls -a /tmp >"$T_TMP/tmp.before"
for tgt in /proc/sys/kernel ../../../../tmp; do
  PREP="rm -rf dev && ln -s $tgt dev" mkimg devlink || { fail "T6b import devlink"; continue; }
  run "${R[@]}" devlink sh -c 'stat -c null:%F:%t:%T /dev/null'
  if [ "$RC" = 125 ] || { [ "$RC" = 0 ] && [ "$OUT" = "null:character special file:1:3" ]; }; then
    pass "T6b image /dev -> $tgt: refused or a sane /dev (rc=$RC)"
  else
    fail "T6b image /dev -> $tgt ($(why1))"
  fi
  sbc-rmi devlink >/dev/null 2>&1
done
ls -a /tmp >"$T_TMP/tmp.after"
new=$(diff "$T_TMP/tmp.before" "$T_TMP/tmp.after" | grep '^>' | grep -Ew 'null|zero|full|random|urandom|tty|console|pts|shm|mqueue|ptmx|fd|stdin|stdout|stderr|core')
[ -z "$new" ] && [ "$(cat /proc/sys/kernel/core_pattern)" = "$CP0" ] && pass "T6b nothing created in the host's /tmp, core_pattern unchanged" || fail "T6b host changed: $new"

# ---- T8 user namespaces from inside; T10 the seccomp table ------------------
run setpriv --reuid 65534 --regid 65534 --clear-groups unshare -Ur true
if [ "$RC" != 0 ]; then
  skip "T8 userns: this host refuses an unprivileged unshare -Ur itself (user.max_user_namespaces, an LSM: $(why1))"
  USERNS=0
else
  USERNS=1
fi
HAS_UNC=0; has_opt --security-opt && HAS_UNC=1
if [ "$USERNS" = 1 ]; then
  for cmd in "unshare -Ur true" "unshare -Urn ip link set lo up" "unshare -Urm sh -c 'mkdir -p /tmp/c && mount -t cgroup -o none,name=sbcprobe cgroup /tmp/c'"; do
    run "${R[@]}" probeimg sh -c "$cmd"
    [ "$RC" != 0 ] && pass "T8 '$cmd' refused in a container ($(echo "$ERR" | head -1))" ||
      fail "T8 '$cmd' worked in a default container: a user namespace with full caps is reachable"
    if [ "$HAS_UNC" = 1 ]; then
      run "${R[@]}" --security-opt seccomp=unconfined probeimg sh -c "$cmd"
      if [ "$RC" = 0 ]; then pass "T8 control: '$cmd' works with seccomp=unconfined"
      elif [ "$cmd" = "unshare -Ur true" ]; then fail "T8 control: '$cmd' with seccomp=unconfined ($(why1))"
      else skip "T8 control: '$cmd' fails even unconfined: the kernel refuses it ($(echo "$ERR" | head -1))"; fi
    else
      fail "T8 control for '$cmd': needs sbc-run --security-opt seccomp=unconfined, which is not implemented"
    fi
  done
fi
# T10: the probe's table in a default container, with --privileged (no
# filter, all caps) and with seccomp=unconfined (the default caps)
run "$PROBE" syscalls; HOST=$OUT
run "${R[@]}" probeimg probe syscalls; DEF=$OUT; DEF_RC=$RC
[ "$DEF_RC" = 0 ] && [ -n "$DEF" ] || fail "T10 probe syscalls in a container ($(why1))"
PRIV=; UNC=
if need_opt "T10 the seccomp table" --privileged; then
  run "${R[@]}" "${HOSTNS[@]}" --privileged probeimg probe syscalls; PRIV=$OUT
  [ -n "$PRIV" ] || fail "T10 probe syscalls with --privileged ($(why1))"
fi
if [ "$HAS_UNC" = 1 ]; then
  run "${R[@]}" --security-opt seccomp=unconfined probeimg probe syscalls; UNC=$OUT
  [ -n "$UNC" ] || fail "T10 probe syscalls with seccomp=unconfined ($(why1))"
else
  fail "T10 the seccomp table: control needs sbc-run --security-opt seccomp=unconfined, which is not implemented"
fi
get() { printf '%s\n' "$1" | sed -n "s/^$2: //p" | head -1; }
# blocked by Docker's profile without extra caps; the control that can reach
# the kernel: unconfined (default caps) or privileged (all caps)
for s in keyctl:U add_key:U request_key:U bpf:U perf_event_open:U userfaultfd:U io_uring_setup:U \
  kexec_load:P open_by_handle_at:P init_module:P mount:P umount2:P pivot_root:P setns:P \
  unshare_newuser:U unshare_newuser_i386:U clone_newuser:U clone3:U socket_vsock:U socket_alg:U \
  personality_rie:U swapon:P reboot:P syslog:P acct:P settimeofday:P; do
  name=${s%:*}
  want="errno EPERM (1)"; [ "$name" = clone3 ] && want="errno ENOSYS (38)"
  d=$(get "$DEF" "$name")
  if [ "$name" = unshare_newuser_i386 ] && [ "$(get "$HOST" "$name")" = "errno ENOEXEC (8)" ]; then
    skip "T10 $name: this kernel has no i386 ABI (int 0x80 kills the process)"; continue
  fi
  if [ "${s#*:}" = U ]; then c=$(get "$UNC" "$name"); cn="seccomp=unconfined"; else c=$(get "$PRIV" "$name"); cn="--privileged"; fi
  if [ "$d" != "$want" ]; then
    fail "T10 $name reached the kernel in a default container: '$d' (want $want from the filter)"
  elif [ -z "$c" ]; then
    fail "T10 $name: blocked ($d), but no $cn control ran to show the probe reaches it"
  elif [ "$c" = "$d" ]; then
    skip "T10 $name: the kernel answers '$c' even with $cn, so the filter cannot be told apart here"
  else
    pass "T10 $name blocked ($d; with $cn: $c)"
  fi
done
for name in ptrace_traceme name_to_handle_at fork; do
  d=$(get "$DEF" "$name")
  case "$d" in ok* | "errno EOPNOTSUPP"*) pass "T10 $name allowed ($d)" ;; *) fail "T10 $name should be allowed: '$d'" ;; esac
done
# Seccomp: 2 in run, exec and the --init command
[ "$(get "$(cd "$T_TMP" && "$PROBE" seccomp)" seccomp)" = "ok 0" ] && pass "T10 control: the probe reads Seccomp: 0 on the host" || fail "T10 control: probe seccomp on the host"
run "${R[@]}" probeimg probe seccomp
[ "$(res seccomp)" = "ok 2" ] && pass "T10 sbc-run: Seccomp: 2" || fail "T10 sbc-run: no seccomp filter: '$(res seccomp)'"
run "${R[@]}" --init probeimg probe seccomp
[ "$(res seccomp)" = "ok 2" ] && pass "T10 --init command: Seccomp: 2" || fail "T10 --init command: no seccomp filter: '$(res seccomp)'"
run sbc-run -d --network none --name t10 probeimg sleep 60
run sbc-exec t10 probe seccomp
[ "$(res seccomp)" = "ok 2" ] && pass "T10 sbc-exec: Seccomp: 2" || fail "T10 sbc-exec: no seccomp filter: '$(res seccomp)'"
sbc-rm -f t10 >/dev/null 2>&1
if [ "$HAS_UNC" = 1 ]; then
  run "${R[@]}" --security-opt seccomp=unconfined probeimg probe seccomp
  [ "$(res seccomp)" = "ok 0" ] && pass "T10 control: seccomp=unconfined: Seccomp: 0" || fail "T10 control: seccomp=unconfined: '$(res seccomp)'"
fi

# ---- T9 keyrings; T9b FIFO /etc/passwd -------------------------------------
if command -v keyctl >/dev/null; then
  KID=$(keyctl add user sbc-probe s3cret @u 2>/dev/null)
  if [ -n "$KID" ]; then
    on_exit "keyctl unlink $KID @u"
    run "$PROBE" keyring sbc-probe
    [ "$(res key-read)" = "ok s3cret" ] && pass "T9 control: the probe reads root's key sbc-probe on the host" || fail "T9 control: host key read ($(why1))"
    HOSTSES=$(res keyring | cut -d' ' -f2)
    run "${R[@]}" probeimg probe keyring sbc-probe
    case "$(res key-read)" in
    ok*) fail "T9 a default container read root's key sbc-probe from @u: '$(res key-read)'" ;;
    "") fail "T9 probe keyring in a container ($(why1))" ;;
    *) pass "T9 root's key is unreadable in a container ($(res key-read))" ;;
    esac
    cs=$(res keyring)
    [ "$(echo "$cs" | cut -d' ' -f2)" != "$HOSTSES" ] && pass "T9 the container's session keyring is not the caller's ($cs)" || fail "T9 the container shares the caller's session keyring: $cs"
    if [ "$HAS_UNC" = 1 ]; then
      run "${R[@]}" --security-opt seccomp=unconfined probeimg probe keyring sbc-probe
      case "$(res keyring)" in
      ok*_ses*) [ "$(res keyring | cut -d' ' -f2)" != "$HOSTSES" ] && pass "T9 control: unconfined, keyctl works and the session keyring is the container's own ($(res keyring))" ||
        fail "T9 unconfined: the session keyring is the caller's ($(res keyring))" ;;
      *) fail "T9 control: unconfined, no session keyring of its own: '$(res keyring)'" ;;
      esac
    else
      fail "T9 control: needs sbc-run --security-opt seccomp=unconfined, which is not implemented"
    fi
  else
    fail "T9 keyctl add user sbc-probe on the host failed"
  fi
else
  skip "T9 keyrings: keyctl (package keyutils) is not installed"
fi
run sbc-run -d --network none --name t9b probeimg sleep 120
run timeout 10 sbc-exec -u app t9b id -u
[ "$OUT" = 1000 ] && pass "T9b control: sbc-exec -u app reads /etc/passwd (uid 1000)" || fail "T9b control: sbc-exec -u app ($(why1))"
run sbc-exec t9b sh -c 'rm /etc/passwd /etc/group && mkfifo /etc/passwd /etc/group && test -p /etc/passwd && echo fifo'
[ "$OUT" = fifo ] || fail "T9b mkfifo /etc/passwd in the container ($(why1))"
for u in "" "-u app"; do
  t0=$SECONDS
  run timeout 10 sbc-exec $u t9b true
  [ "$RC" != 124 ] && pass "T9b FIFO /etc/passwd: sbc-exec $u returns in $((SECONDS - t0)) s (rc=$RC)" || fail "T9b FIFO /etc/passwd: sbc-exec $u hangs (killed after 10 s)"
done
sbc-rm -f t9b >/dev/null 2>&1

# ---- T11 uid/gid overflow ----------------------------------------------------
expect_out 4242 "T11 control: -u 4242 runs as uid 4242" "${R[@]}" -u 4242 busybox id -u
for u in 4294967296 4294967295 1000:4294967295 4294967296:0 -1; do
  run "${R[@]}" -u "$u" busybox sh -c 'id -u; id -g'
  if [ "$RC" = 125 ] && [ "$(echo "$ERR" | wc -l)" = 1 ]; then
    pass "T11 -u $u refused: $ERR"
  else
    fail "T11 -u $u accepted: ran as uid:gid $(echo "$OUT" | tr '\n' ':') (want rc 125 and one error line; $(why1))"
  fi
done
USER_=4294967296 bash "$FIX/mkimage.sh" uidimg >/dev/null || fail "T11 mkimage uidimg"
run "${R[@]}" uidimg id -u
[ "$RC" = 125 ] && pass "T11 image User 4294967296 refused: $ERR" || fail "T11 image User 4294967296 ran as uid '$OUT' ($(why1))"
run sbc-run -d --network none --name t11 busybox sleep 60
run sbc-exec -u 4294967296 t11 id -u
[ "$RC" != 0 ] && [ "$OUT" != 0 ] && pass "T11 sbc-exec -u 4294967296 refused (rc=$RC)" || fail "T11 sbc-exec -u 4294967296 ran as uid '$OUT'"
sbc-rm -f t11 >/dev/null 2>&1

# ---- T15 --init capabilities --------------------------------------------------
run "${R[@]}" probeimg probe caps
[ "$(res caps-pid1)" = "ok 00000000a80425fb" ] && pass "T15 control: without --init, pid 1 (the command) has Docker's 14 caps" || fail "T15 control ($(why1))"
run "${R[@]}" --init probeimg probe caps
[ "$(res caps-pid1)" = "ok 00000000a80425fb" ] && [ "$(res caps-self)" = "ok 00000000a80425fb" ] &&
  pass "T15 --init: PID 1 and the command have Docker's 14 caps" || fail "T15 --init: PID 1 has CapEff '$(res caps-pid1)', the command '$(res caps-self)' (want 00000000a80425fb)"
if need_opt "T15 --init follows the cap set" --cap-add; then
  run "${R[@]}" --init --cap-add SYS_ADMIN probeimg probe caps
  [ "$(res caps-pid1)" = "ok 00000000a82425fb" ] && pass "T15 control: --init --cap-add SYS_ADMIN: PID 1 has SYS_ADMIN too" || fail "T15 control: --cap-add SYS_ADMIN: pid 1 '$(res caps-pid1)'"
fi

# ---- T16 /proc and /sys writes -------------------------------------------------
on_exit "rmdir /sys/fs/cgroup/sbc-escape-probe /sys/fs/cgroup/*/sbc-escape-probe"
W='for f in /proc/sys/kernel/core_pattern /proc/sys/kernel/modprobe; do v=$(cat $f); (echo "$v" >$f) 2>/dev/null && echo "wrote $f"; done
(echo sbc-bogus >/proc/sys/fs/binfmt_misc/register) 2>/dev/null && echo "wrote register"
mkdir /sys/fs/cgroup/sbc-escape-probe 2>/dev/null && echo "mkdir cgroup"
for f in /sys/fs/cgroup/cgroup.procs /sys/fs/cgroup/*/cgroup.procs; do [ -e $f ] && (echo 0 >$f) 2>/dev/null && echo "wrote $f"; done
mount -t debugfs none /sys/kernel/debug 2>/dev/null && echo "mounted debugfs"
[ -n "$(ls /sys/kernel/debug 2>/dev/null)" ] && echo "debugfs visible"
echo done'
run sh -c 'v=$(cat /proc/sys/kernel/core_pattern); echo "$v" >/proc/sys/kernel/core_pattern && echo wrote'
[ "$OUT" = wrote ] && pass "T16 control: root on the host writes core_pattern (same value)" || fail "T16 control: host core_pattern write ($(why1))"
for net in none host; do
  x=(); [ $net = host ] && x=("${HOSTNS[@]}") # (no host network in a remapped namespace)
  run sbc-run --rm --network $net "${x[@]}" probeimg sh -c "$W"
  [ "$RC" = 0 ] && [ "$OUT" = done ] && pass "T16 --network $net: core_pattern, modprobe, binfmt_misc, /sys/fs/cgroup, debugfs all refused" ||
    fail "T16 --network $net: reached: $(echo "$OUT" | grep -v '^done$' | tr '\n' ';') (rc=$RC)"
done
[ "$(cat /proc/sys/kernel/core_pattern)" = "$CP0" ] && pass "T16 host core_pattern unchanged" || fail "T16 host core_pattern CHANGED"
if need_opt "T16 control" --privileged; then
  run sbc-run --rm --network none "${HOSTNS[@]}" --privileged probeimg sh -c "$W"
  echo "$OUT" | grep -q 'wrote /proc/sys/kernel/core_pattern' && pass "T16 control: --privileged writes core_pattern (same value)" || fail "T16 control: --privileged ($(why1))"
fi

# ---- T17 export / commit race ---------------------------------------------------
HD=/tmp/sbc-escape-host-$$
mkdir -p "$HD" && echo "HOST-$MARK" >"$HD/marker"
on_exit "rm -rf '$HD'"
tar -C / -chf - "${HD#/}" | grep -q "HOST-$MARK" && pass "T17 control: a tar that follows the link holds the host marker" || fail "T17 control: host tar"
run sbc-run -d --network none --name t17 busybox sh -c \
  "mkdir -p /data; cd /data; while :; do rm -f sub 2>/dev/null || rm -rf sub; mkdir sub; echo ctr >sub/marker; rm -rf sub; ln -s $HD sub; done"
wait_for 10 sbc-exec t17 test -L /data/sub || fail "T17 the swapper does not run"
leak=0 links=0 end=$((SECONDS + 30)) i=0
while [ $i -lt 10 ] && [ $SECONDS -lt $end ]; do
  i=$((i + 1))
  sbc-export t17 >"$T_TMP/x.tar" 2>/dev/null
  grep -q "HOST-$MARK" "$T_TMP/x.tar" && leak=$((leak + 1))
  tar -tvf "$T_TMP/x.tar" 2>/dev/null | grep -q "data/sub -> $HD" && links=$((links + 1))
done
[ "$leak" = 0 ] && pass "T17 $i sbc-export runs during the swap: no host file in the archive" || fail "T17 sbc-export put the host marker ($HD/marker) in $leak of $i archives"
[ "$links" -gt 0 ] && pass "T17 control: $links archives hold data/sub as the symlink" || echo "note: no archive caught the symlink"
leak=0
for i in 1 2 3 4 5; do
  run sbc-commit t17 esc-commit:$i
  [ "$RC" = 0 ] || { fail "T17 sbc-commit ($(why1))"; break; }
done
for b in "$STORE"/blobs/sha256/*; do
  zcat -f "$b" 2>/dev/null | grep -q "HOST-$MARK" && leak=$((leak + 1))
done
grep -rqs "HOST-$MARK" "$STORE/layers" && leak=$((leak + 1))
[ "$leak" = 0 ] && pass "T17 5 sbc-commit runs during the swap: no host file in any blob or layer" || fail "T17 sbc-commit stored the host marker ($leak places)"
sbc-rm -f t17 >/dev/null 2>&1

# ---- T19 TIOCSTI ------------------------------------------------------------------
# (the pushed space echoes before the line)
run script -qec "$PROBE tiocsti" /dev/null
OUT=$(echo "$OUT" | tr -d '\r' | sed 's/^ *//')
if [ "$(res tiocsti | cut -c1-2)" = ok ]; then
  pass "T19 control: on the host the probe pushes input into its terminal"
  run script -qec "sbc-run --rm --network none probeimg probe tiocsti" /dev/null
  OUT=$(echo "$OUT" | tr -d '\r' | sed 's/^ *//')
  case "$(res tiocsti)" in
  ok*) fail "T19 a foreground container pushed input into the caller's terminal: $(res tiocsti)" ;;
  "") fail "T19 probe tiocsti in a container ($(why1))" ;;
  *) pass "T19 TIOCSTI into the caller's terminal refused ($(res tiocsti))" ;;
  esac
else
  skip "T19 TIOCSTI: refused on the host too ($(why1); dev.tty.legacy_tiocsti=0?)"
fi

# ---- T13 scratch dir takeover -----------------------------------------------------
if [ -n "$(ls -A "$SH" 2>/dev/null)" ]; then
  skip "T13 scratch dir: $SH holds $(ls "$SH" | wc -l) entries of running containers; not touched"
else
  if [ -e "$SH" ] || [ -L "$SH" ]; then
    on_exit "rm -rf $SH; mkdir -m 700 $SH"
  else
    on_exit "rm -rf $SH"
  fi
  rm -rf "$SH"
  setpriv --reuid 65534 --regid 65534 --clear-groups mkdir -m 777 "$SH"
  [ "$(stat -c %u "$SH" 2>/dev/null)" = 65534 ] || fail "T13 could not make $SH as nobody"
  run "${R[@]}" busybox echo ran
  left=$(ls -A "$SH" 2>/dev/null)
  [ "$RC" = 125 ] && [ -z "$left" ] && pass "T13 $SH made by nobody: refused ($ERR)" ||
    fail "T13 a --rm container used $SH made by nobody (rc=$RC out=$OUT; entries: $left)"
  rm -rf "$SH"
  ln -s "$T_TMP" "$SH"
  run "${R[@]}" busybox echo ran
  [ "$RC" = 125 ] && pass "T13 $SH a symlink: refused ($ERR)" || fail "T13 a --rm container used $SH as a symlink to $T_TMP (rc=$RC)"
  rm -f "$SH"
  run "${R[@]}" busybox echo ran
  [ "$RC" = 0 ] && [ "$OUT" = ran ] && [ "$(stat -c '%U %a %F' "$SH")" = "$SH_OWNER 700 directory" ] &&
    pass "T13 control: without it, sbc makes $SH $SH_OWNER 700 and runs" || fail "T13 control: fresh $SH: $(stat -c '%U %a %F' "$SH" 2>&1) ($(why1))"
fi

echo "time: $((SECONDS - START)) s"
t_done
