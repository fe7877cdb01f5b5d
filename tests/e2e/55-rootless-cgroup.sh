#!/bin/bash
# 55-rootless-cgroup: cgroups for sbc run by an ordinary user (issue 13) on
# this host's cgroup v2 tree (hybrid here: /sys/fs/cgroup/unified, with no
# controller to delegate; the pure v2 host with memory and pids is
# 48-cgroup-vm's v2-rootless phase).
#   no subtree delegated: --memory/--pids-limit/--cpus refused with one line
#     (125), a run without limits works and has no cgroup of its own;
#   a subtree root delegates as systemd does (a root-owned <X>.slice with the
#     user's user@UID.service in it: the dir, cgroup.procs,
#     cgroup.subtree_control and cgroup.threads chowned to the user), the
#     user's shell (runuser) moved into it: the container's processes are in
#     <subtree>/sbc/<id>, seen from the host in /proc/PID/cgroup (the path is
#     longer than a container's old 80-byte cgroup field), sbc-exec lands in
#     it, it is gone when the container ends (its monitor), when it is
#     removed from a shell outside the subtree after its monitor was killed,
#     and after --rm; a limit whose controller is not delegated is refused
#     with one line naming it and what is delegated;
#   a user with subordinate ids (its init is moved in after the clone) and
#     one without (clone3 straight into the cgroup);
#   nothing left: no cgroup, user, process or /dev/shm/sbc-UID.
. "$(dirname "$0")/../lib.sh"
command -v useradd >/dev/null || { skip "rootless cgroups: no useradd to make a test user"; t_done; exit 0; }
if [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 0 ] ||
   [ "$(cat /proc/sys/user/max_user_namespaces)" = 0 ]; then
  skip "rootless cgroups: this host forbids unprivileged user namespaces"; t_done; exit 0
fi
V2=""
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then V2=/sys/fs/cgroup
elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then V2=/sys/fs/cgroup/unified; fi
[ -n "$V2" ] || { skip "rootless cgroups: no cgroup v2 tree on this host"; t_done; exit 0; }
# the test's own cgroup: no subtree is delegated there (it is root's)
own=$(sed -n 's/^0:://p' /proc/self/cgroup)
[ "$(stat -c %u "$V2$own")" = 0 ] || { skip "rootless cgroups: the test runs in a cgroup that is not root's ($own)"; t_done; exit 0; }

# the binary where the users can run it
chmod 755 "$T_TMP"
mkdir -p "$T_TMP/bin" && cp "$SBC_BIN" "$T_TMP/bin/sbc" && chmod 755 "$T_TMP/bin" "$T_TMP/bin/sbc"
"$T_TMP/bin/sbc" --install "$T_TMP/bin" >/dev/null
# the image, made here (no registry) and imported by each user
bash "$(dirname "$0")/../fixtures/mkimage.sh" busybox >/dev/null || { fail "mkimage busybox"; t_done; exit 1; }
sbc-export busybox >"$T_TMP/bb.tar" && chmod 644 "$T_TMP/bb.tar" || { fail "export busybox"; t_done; exit 1; }

# mkuser VAR: a user for the test (VAR, VAR_UID, VAR_HOME), removed at the
# end with its processes (its namespace holder would outlive the test by a
# minute) and scratch dir (no XDG_RUNTIME_DIR here), as a logout's would
mkuser() {
  local u=sbccg$$$1 id
  u=${u:0:16}
  useradd -m -s /bin/sh "$u" || return 1
  on_exit "userdel -r '$u'"
  id=$(id -u "$u")
  on_exit "rm -rf '/dev/shm/sbc-$id'"
  on_exit "pkill -KILL -u '$u'; sleep 0.3"
  eval "$1=$u ${1}_UID=$id ${1}_HOME=$(getent passwd "$u" | cut -d: -f6)"
}
mkuser U || { fail "useradd"; t_done; exit 1; }
if ! runuser -u "$U" -- unshare -Ur true 2>/dev/null; then
  skip "rootless cgroups: $U cannot make a user namespace here ($(runuser -u "$U" -- unshare -Ur true 2>&1 | head -1))"; t_done; exit 0
fi
mkuser U2 || { fail "useradd"; t_done; exit 1; }
# U2 without subordinate ids: one id, no sbc-userns holder, so its init is
# cloned by sbc itself straight into the cgroup (CLONE_INTO_CGROUP); U's
# (with ids) is cloned by a spawner in the holder's namespace, then moved
for f in uid gid; do
  r=$(awk -F: -v u="$U2" '$1 == u {print $2 "-" $2 + $3 - 1; exit}' /etc/sub$f 2>/dev/null)
  [ -n "$r" ] && usermod --del-sub${f}s "$r" "$U2"
done
USUB=0
[ -n "$(command -v newuidmap)" ] && grep -q "^$U:" /etc/subuid && USUB=1

# as USER CMD: CMD as USER in its home, from the test's (root's) cgroup
as() {
  local h
  eval "h=\$${1}_HOME"
  run runuser -u "${!1}" -- env -i HOME="$h" PATH="$T_TMP/bin:/usr/bin:/bin" XDG_RUNTIME_DIR= sh -c "cd; $2"
}
# inside DIR USER CMD: the same, the shell moved into cgroup DIR first
inside() {
  local h
  eval "h=\$${2}_HOME"
  run bash -c "echo \$BASHPID >'$1/cgroup.procs' && exec runuser -u '${!2}' -- env -i HOME='$h' PATH='$T_TMP/bin:/usr/bin:/bin' XDG_RUNTIME_DIR= sh -c \"cd; $3\""
}
one_line() { [ "$RC" = 125 ] && [ -n "$ERR" ] && [ "$(echo "$ERR" | wc -l)" = 1 ]; }
# cg_of PID: the v2 cgroup of PID ("0::" of /proc/PID/cgroup)
cg_of() { sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null; }
# gone_or_zombie PID: PID has ended (a zombie until whoever inherited it reaps it)
gone_or_zombie() { [ ! -e "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
# kids DIR: the cgroups in DIR
kids() { find "$1" -mindepth 1 -maxdepth 1 -type d -printf '%f ' 2>&1; }
# pid_of USER NAME: the container NAME's host pid, from the user's inspect
pid_of() { as "$1" "sbc-inspect $2"; echo "$OUT" | tr -d ' \t\n' | sed -n 's/.*"Pid":\([0-9]*\).*/\1/p' | head -1; }

for w in U U2; do
  as $w "sbc-import -q -c 'CMD [\"sh\"]' $T_TMP/bb.tar busybox:latest >/dev/null"
  [ "$RC" = 0 ] || fail "import busybox as ${!w} ($(_why))"
done

# ---- no subtree delegated ---------------------------------------------------
as U "sbc --version | grep ^cgroup:"
[ "$OUT" = "cgroup: none (no v2 subtree delegated to uid $U_UID: no limits)" ] &&
  pass "--version without a delegated subtree: $OUT" || fail "--version, nothing delegated ($(_why))"
for opt in "--memory 64m" "--pids-limit 10" "--cpus 0.5"; do
  as U "sbc-run --rm --network none $opt busybox true"
  one_line && echo "$ERR" | grep -q "delegates no cgroup v2 subtree to uid $U_UID" &&
    pass "nothing delegated: $opt refused with one line ($ERR)" || fail "nothing delegated: $opt ($(_why))"
done
as U "sbc-run --rm --network none busybox echo plain"
[ "$RC" = 0 ] && [ "$OUT" = plain ] && pass "nothing delegated: a run without limits works" || fail "nothing delegated: plain run ($(_why))"
as U "sbc-run -d --network none --name nocg busybox sleep 300 >/dev/null"
p=$(pid_of U nocg)
[ -n "$p" ] && [ "$(cg_of "$p")" = "$own" ] && pass "nothing delegated: the container has no cgroup of its own ($own, as its user's shell)" ||
  fail "nothing delegated: container pid '$p' in '$(cg_of "$p")'"
as U "sbc-rm -f nocg"
[ "$RC" = 0 ] && pass "nothing delegated: rm -f" || fail "nothing delegated: rm -f ($(_why))"

# ---- a delegated subtree --------------------------------------------------------
# delegate W: $V2/<test>.slice (root's) / user@UID.service (W's), in DW
delegate() {
  local s=$V2/sbccg$$$1.slice d
  eval "d=$s/user@\$${1}_UID.service"
  mkdir -p "$d" || return 1
  # (the user's processes go first; what is left is the subtree sbc made)
  on_exit "pkill -KILL -u '${!1}'; sleep 0.3; find '$s' -depth -mindepth 1 -type d -exec rmdir {} +; rmdir '$s'"
  chown "${!1}:" "$d" "$d/cgroup.procs" "$d/cgroup.subtree_control" "$d/cgroup.threads" || return 1
  eval "D$1=$d"
}
delegate U || fail "delegate a subtree to $U"
delegate U2 || fail "delegate a subtree to $U2"
rel=${DU#$V2}
have=$(cat "$DU/cgroup.controllers")
inside "$DU" U "sbc --version | grep ^cgroup:"
[ "$OUT" = "cgroup: v2, delegated $rel (controllers: ${have:-none})" ] &&
  pass "--version in the subtree: $OUT" || fail "--version, delegated ($(_why))"

# the container in <subtree>/sbc/<id>, its exec too; gone with it
inside "$DU" U "sbc-run -d --network none --name cg busybox sleep 300"
id=$(echo "$OUT" | tail -1)
p=$(pid_of U cg)
[ ${#rel} -gt 0 ] && [ $((${#rel} + 5 + ${#id})) -gt 80 ] || fail "the subtree's path is too short to check long names ($rel)"
[ -n "$id" ] && [ -n "$p" ] && [ "$(cg_of "$p")" = "$rel/sbc/$id" ] && [ -d "$DU/sbc/$id" ] &&
  pass "the container's process ($p) is in $rel/sbc/<id> (from the host)" || fail "delegated: pid '$p' in '$(cg_of "$p")', want $rel/sbc/$id ($(_why))"
inside "$DU" U "sbc-exec cg grep ^0:: /proc/self/cgroup"
[ "$RC" = 0 ] && [ "$OUT" = "0::/" ] && pass "sbc-exec lands in the container's cgroup (the root of its cgroup namespace)" ||
  fail "sbc-exec cgroup ($(_why))"
as U "sbc-inspect cg"
echo "$OUT" | tr -d ' \t\n' | grep -q "\"Running\":true" && pass "inspect of the container, from a shell outside the subtree" || fail "inspect ($(_why))"
inside "$DU" U "sbc-stop -t 1 cg >/dev/null"
[ "$RC" = 0 ] && wait_for 5 test ! -e "$DU/sbc/$id" && pass "stop: its monitor removes the cgroup" || fail "stop left $DU/sbc/$id ($(_why))"
inside "$DU" U "sbc-start cg >/dev/null"
p=$(pid_of U cg)
[ "$RC" = 0 ] && [ -n "$p" ] && [ "$(cg_of "$p")" = "$rel/sbc/$id" ] && pass "start again: back in $rel/sbc/<id>" ||
  fail "start again: pid '$p' in '$(cg_of "$p")' ($(_why))"
# its monitor killed, then rm -f from a shell outside the subtree: the
# cgroup is removed all the same (the dirs are the user's)
mon=$(pgrep -u "$U" -f -- "--sbc-monitor.*$id")
[ -n "$mon" ] && kill -9 $mon
as U "sbc-rm -f cg"
[ -n "$mon" ] && [ "$RC" = 0 ] && [ ! -e "$DU/sbc/$id" ] && wait_for 5 gone_or_zombie "$p" &&
  pass "monitor killed, rm -f from outside the subtree: process and cgroup gone" ||
  fail "rm -f from outside: monitor '$mon', process $p ($(grep -E '^(State|PPid)' /proc/$p/status 2>&1 | tr '\n' ' ')), left: $(kids "$DU/sbc") ($(_why))"
inside "$DU" U "sbc-run -d --network none --name ex busybox true >/dev/null; sbc-wait ex"
[ "$OUT" = 0 ] && wait_for 5 sh -c "[ -z \"\$(find '$DU/sbc' -mindepth 1 -type d)\" ]" && pass "a -d container that ends: its cgroup goes with it" ||
  fail "ended -d container left: $(kids "$DU/sbc") ($(_why))"
as U "sbc-rm ex"
inside "$DU" U "sbc-run --rm --network none busybox grep ^0:: /proc/self/cgroup"
[ "$RC" = 0 ] && [ "$OUT" = "0::/" ] && [ -z "$(kids "$DU/sbc")" ] && pass "run --rm in its own cgroup, gone after" ||
  fail "run --rm: $(kids "$DU/sbc") ($(_why))"

# limits: applied when their controller is delegated, else one line naming it
for l in "memory --memory 64m memory.max 67108864" "pids --pids-limit 20 pids.max 20" "cpu --cpus 0.5 cpu.max 50000_100000"; do
  set -- $l
  if echo " $have " | grep -q " $1 "; then
    inside "$DU" U "sbc-run --rm --network none $2 $3 busybox cat /sys/fs/cgroup/$4"
    [ "$OUT" = "${5/_/ }" ] && pass "$2 $3: $4 in the delegated subtree" || fail "delegated $1: $4 ($(_why))"
  else
    inside "$DU" U "sbc-run --rm --network none $2 $3 busybox true"
    one_line && echo "$ERR" | grep -q "cgroup controller $1 not delegated to uid $U_UID (delegated: ${have:-none})" &&
      pass "$2 $3 without a delegated $1 controller: one line ($ERR)" || fail "$2 $3, $1 not delegated ($(_why))"
  fi
done

# the other placement: cloned straight into the cgroup
inside "$DU2" U2 "sbc-run -d --network none --name cg2 busybox sleep 300"
id2=$(echo "$OUT" | tail -1)
p=$(pid_of U2 cg2)
[ -n "$id2" ] && [ -n "$p" ] && [ "$(cg_of "$p")" = "${DU2#$V2}/sbc/$id2" ] &&
  pass "a user without subordinate ids: its container is born in ${DU2#$V2}/sbc/<id>" ||
  fail "without subordinate ids: pid '$p' in '$(cg_of "$p")' ($(_why))"
inside "$DU2" U2 "sbc-rm -f cg2"
[ "$RC" = 0 ] && [ ! -e "$DU2/sbc/$id2" ] && pass "... and rm -f removes it" || fail "rm -f cg2 left $DU2/sbc/$id2 ($(_why))"
[ "$USUB" = 1 ] || skip "the moved-in placement: newuidmap or an /etc/subuid entry for $U is missing (both were cloned in)"

# nothing left: no container, no container cgroup; then the subtrees go
as U "sbc-ps -aq | wc -l; ls -A /dev/shm/sbc-$U_UID 2>/dev/null | wc -l"
[ "$OUT" = "$(printf '0\n0')" ] && pass "nothing left in the user's store or scratch dir" || fail "leftovers ($(_why))"
pkill -KILL -u "$U"; pkill -KILL -u "$U2"
wait_for 5 sh -c "! pgrep -u '$U' >/dev/null && ! pgrep -u '$U2' >/dev/null"
left=$(find "$DU" "$DU2" -mindepth 2 -type d -path '*/sbc/*')
gone=1
for s in "${DU%/*}" "${DU2%/*}"; do
  find "$s" -depth -mindepth 1 -type d -exec rmdir {} + && rmdir "$s" || gone=0
done
[ -z "$left" ] && [ "$gone" = 1 ] && pass "no container cgroup left; the delegated subtrees removed" ||
  fail "cgroups left: $left (subtrees removed: $gone)"
t_done
