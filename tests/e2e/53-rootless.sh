#!/bin/bash
# 53-rootless: sbc run by an ordinary user the test creates: its own store
# and state, a pull from the test registry, containers in a user namespace
# of its own uid (run, -d, exec, logs, commit, rm), what needs root refused
# with one line, and nothing left in its home or runtime dir.
. "$(dirname "$0")/../lib.sh"
[ -n "${SBC_FIXTURE_ENV:-}" ] || { fail "registry fixture not running"; t_done; exit 1; }
. "$SBC_FIXTURE_ENV"
command -v useradd >/dev/null || { skip "rootless: no useradd to make a test user"; t_done; exit 0; }
if [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 0 ] ||
   [ "$(cat /proc/sys/user/max_user_namespaces)" = 0 ]; then
  skip "rootless: this host forbids unprivileged user namespaces"; t_done; exit 0
fi
U=sbcrl$$
U=${U:0:16}
useradd -m -s /bin/sh "$U" || { fail "useradd $U"; t_done; exit 1; }
on_exit "userdel -r '$U'"
# (the user's namespace holder, sbc-userns, would outlive the test by a
# minute: it goes first)
on_exit "pkill -TERM -u '$U' -x sbc-userns; sleep 0.2"
UID_=$(id -u "$U") GID_=$(id -g "$U") H=$(getent passwd "$U" | cut -d: -f6)
# its scratch dir (no XDG_RUNTIME_DIR here) goes with it, as a logout's would
on_exit "rm -rf '/dev/shm/sbc-$UID_'"
# (Ubuntu's AppArmor may refuse user namespaces to unconfined programs)
if ! runuser -u "$U" -- unshare -Ur true 2>/dev/null; then
  skip "rootless: user $U cannot make a user namespace here ($(runuser -u "$U" -- unshare -Ur true 2>&1 | head -1))"; t_done; exit 0
fi
# the binary where the user can run it, the fixture's CA in its config
chmod 755 "$T_TMP"
mkdir -p "$T_TMP/bin" && cp "$SBC_BIN" "$T_TMP/bin/sbc" && chmod 755 "$T_TMP/bin" "$T_TMP/bin/sbc"
"$T_TMP/bin/sbc" --install "$T_TMP/bin" >/dev/null
mkdir -p "$H/.config/sbc" && cp -r "$FIXTURE_DIR/certs.d" "$H/.config/sbc/" && chown -R "$U:" "$H/.config"
IMG=$REGISTRY/busybox:latest
as() { run runuser -u "$U" -- env -i HOME="$H" PATH="$T_TMP/bin:/usr/bin:/bin" XDG_RUNTIME_DIR= sh -c "cd; $1"; }

# a user without subordinate ids: one id only (the second user, U2, below
# has its entries taken away when the system gave it some)
SUB=$(grep -c "^$U:" /etc/subuid 2>/dev/null)
if [ -z "$(command -v newuidmap)" ] || [ "${SUB:-0}" = 0 ]; then SUB=0; fi
as 'sbc --version'
echo "$OUT" | grep -q "^mode: rootless (uid $UID_): store $H/.local/share/sbc, config $H/.config/sbc" &&
  pass "--version says rootless, with the user's store and config" || fail "--version rootless ($(_why))"
as "sbc-pull -q $IMG"
[ "$RC" = 0 ] && pass "pull as an ordinary user" || fail "rootless pull ($(_why))"
# (the user's, or with subordinate ids the image's other owners among them)
s0=$(awk -F: -v u="$U" '$1 == u {print $2; exit}' /etc/subuid)
n=$(find "$H/.local/share/sbc/layers" -mindepth 1 -printf '%U\n' 2>/dev/null |
  awk -v u="$UID_" -v s="${s0:-0}" '$1 != u && !(s > 0 && $1 >= s && $1 < s + 65536)' | wc -l)
[ "$RC" = 0 ] && [ "$n" = 0 ] && pass "the layers are the user's files (or its subordinate ids'; nothing of another owner)" || fail "layer owners: $n not the user's"
as "sbc-run --rm $IMG sh -c 'awk \"{print \\\$1, \\\$2, \\\$3}\" /proc/self/uid_map | head -1; id -u; touch /x && echo wrote; grep Seccomp: /proc/self/status | cut -f2'"
[ "$OUT" = "$(printf '0 %s 1\n0\nwrote\n2' "$UID_")" ] && pass "run: uid_map 0 $UID_ 1, root inside, writes its root, seccomp on" || fail "rootless run ($(_why))"
if [ "$SUB" != 0 ]; then
  # newuidmap/newgidmap: the user's subordinate ids are the container's 1..
  start=$(awk -F: -v u="$U" '$1 == u {print $2; exit}' /etc/subuid)
  as "sbc-run --rm $IMG sh -c 'sed -n 2p /proc/self/uid_map | awk \"{print \\\$1, \\\$2}\"; mkdir /h && chown 1000:1000 /h && stat -c %u /h; su -s /bin/sh nobody -c \"id -u\"'"
  [ "$OUT" = "$(printf '1 %s\n1000\n65534' "$start")" ] && pass "subordinate ids through newuidmap: 1.. are $start.., chown 1000 and su nobody work" ||
    fail "rootless subordinate ids ($(_why))"
  # the namespace is made once and kept by sbc-userns: two containers are
  # born in the same one (no set-uid helper per container)
  as "sbc-run --rm $IMG readlink /proc/self/ns/user; sbc-run --rm $IMG readlink /proc/self/ns/user"
  hp=$(awk '{print $1}' "$H/.local/share/sbc/userns.pid" 2>/dev/null)
  [ "$RC" = 0 ] && [ "$(echo "$OUT" | sort -u | wc -l)" = 1 ] && [ -n "$hp" ] && [ "$(cat /proc/$hp/comm)" = sbc-userns ] &&
    [ "$(readlink /proc/$hp/ns/user)" = "$(echo "$OUT" | head -1)" ] &&
    pass "rootless containers are born in the user's namespace kept by sbc-userns (pid $hp)" || fail "rootless namespace holder ($(_why); holder '$hp')"
  # files of the container's other users (the host's subordinate ids) are
  # removed with the container, through a namespace of the same map
  as "sbc-run -d --name sub $IMG sleep 30 >/dev/null; sbc-exec sub sh -c 'mkdir -p /d/e && touch /d/e/f && chown -R 1000 /d && chmod 700 /d/e'; sbc-rm -f sub"
  [ "$RC" = 0 ] && [ -z "$(ls -A "$H/.local/share/sbc/containers" | grep -v '^.names$')" ] &&
    pass "a container with files of subordinate ids is removed, nothing left" || fail "rm with subordinate-id files ($(_why))"
  # an image with owners other than root (made here as root): the layer
  # gets them in a namespace of the same map, so the container sees the
  # image's owners and modes (set-uid kept); export and commit read files
  # only those ids can read (in that namespace too) and record the
  # container's view; rmi removes the layers of subordinate ids
  OI=$T_TMP/oimg
  mkdir -p "$OI/opt/sbco/priv" && echo s >"$OI/opt/sbco/priv/secret" && chown -R 1000:1000 "$OI/opt/sbco" &&
    chmod 700 "$OI/opt/sbco/priv" && echo x >"$OI/suid" && chown 0:50 "$OI/suid" && chmod 4755 "$OI/suid" &&
    tar -C "$OI" -cf "$T_TMP/oimg.tar" . && chmod 644 "$T_TMP/oimg.tar" || fail "make the owners image"
  as "sbc-import -q -c 'CMD [\"sh\"]' $T_TMP/oimg.tar owners:1 >/dev/null && sbc-export \$(sbc-create $IMG true) | sbc-import -q - bb:1 >/dev/null && sbc-rm -f \$(sbc-ps -aq) >/dev/null"
  # (one image of both: busybox below, the owners' layer on top)
  as "sbc-run -d --name own $IMG sleep 30 >/dev/null && sbc-exec -i own sh -c 'tar -xf - -C /' <$T_TMP/oimg.tar; sbc-commit own owners:2 >/dev/null; sbc-rm -f own >/dev/null; sbc-run --rm owners:2 sh -c 'stat -c \"%u:%g %a %n\" /opt/sbco/priv /opt/sbco/priv/secret /suid; su -s /bin/sh nobody -c \"cat /opt/sbco/priv/secret\" 2>&1 | grep -c denied'"
  [ "$OUT" = "$(printf '1000:1000 700 /opt/sbco/priv\n1000:1000 644 /opt/sbco/priv/secret\n0:50 4755 /suid\n1')" ] &&
    pass "a commit of subordinate owners (0700 dir of 1000) runs with the image's owners and modes" || fail "rootless owners via commit ($(_why))"
  as "sbc-run -d --name own2 owners:2 sleep 30 >/dev/null && sbc-exec own2 sh -c 'echo n >/opt/sbco/priv/n && chown 1000:1000 /opt/sbco/priv/n' && sbc-export own2 | tar -tvf - opt/sbco/priv/n opt/sbco/priv/secret | awk '{print \$2, \$6}'; sbc-commit own2 owners:3 >/dev/null && sbc-run --rm owners:3 stat -c '%u:%g %n' /opt/sbco/priv/n; sbc-rm -f own2 >/dev/null"
  [ "$OUT" = "$(printf '1000/1000 opt/sbco/priv/n\n1000/1000 opt/sbco/priv/secret\n1000:1000 /opt/sbco/priv/n')" ] &&
    pass "export and commit read files only subordinate ids can read, with the container's owners" || fail "rootless export/commit of subordinate files ($(_why))"
  # the copy driver (the fallback where overlay cannot be mounted in a user
  # namespace): copied, compared and committed in the same namespace
  as "export SBC_STORAGE_DRIVER=copy; sbc-run -d --name cp1 owners:2 sleep 30 >/dev/null && sbc-exec cp1 sh -c 'stat -c \"%u:%g %a\" /opt/sbco/priv; echo z >/opt/sbco/priv/z && chown 1000 /opt/sbco/priv/z' && sbc-commit cp1 owners:4 >/dev/null && sbc-run --rm owners:4 stat -c '%u %n' /opt/sbco/priv/z; sbc-rm -f cp1 >/dev/null; sbc-rmi owners:4 >/dev/null"
  [ "$OUT" = "$(printf '1000:1000 700\n1000 /opt/sbco/priv/z')" ] &&
    pass "the copy driver rootless: the image's owners in the copy, commit of a subordinate-only dir" || fail "rootless copy driver ($(_why))"
  as "sbc-rmi owners:3 owners:2 >/dev/null; sbc-rmi owners:1 bb:1 >/dev/null 2>&1; ls -A ~/.local/share/sbc/tmp | wc -l"
  [ "$OUT" = 0 ] && [ -z "$(find "$H/.local/share/sbc/layers" -mindepth 2 -maxdepth 3 -path '*/opt/sbco*' 2>/dev/null)" ] &&
    pass "rmi removes layers with files of subordinate ids, nothing left in tmp" || fail "rootless rmi of subordinate layers ($(_why))"
else
  skip "rootless subordinate ids: newuidmap or an /etc/subuid entry for $U is missing"
fi
# the sbc a rootless container can reach is the sealed copy its init
# switched to (no re-exec in the parent: exeseal.h): --init's PID 1 runs it,
# a "#!/proc/self/exe" script runs it and cannot open it for writing
SUM=$(sha256sum <"$T_TMP/bin/sbc")
mkdir -p "$T_TMP/evil" && printf '#!/proc/self/exe --version\n' >"$T_TMP/evil/e" && chmod 755 "$T_TMP/evil" "$T_TMP/evil/e"
as "sbc-run --rm --init $IMG readlink /proc/1/exe; sbc-run --rm -v $T_TMP/evil:/evil:ro $IMG /evil/e | head -1; sbc-run --rm --init $IMG sh -c '(echo x >>/proc/1/exe) 2>/dev/null && echo WROTE || echo refused'"
[ "$(echo "$OUT" | head -1)" = "/memfd:sbc (deleted)" ] && echo "$OUT" | grep -q '^sbc version' && [ "$(echo "$OUT" | tail -1)" = refused ] &&
  [ "$(sha256sum <"$T_TMP/bin/sbc")" = "$SUM" ] &&
  pass "rootless: --init PID 1 and a #!/proc/self/exe script run the sealed copy; the user's sbc is unchanged" ||
  fail "rootless seal ($(_why))"
# a file the container's root writes into a volume is the user's on the host
V=$H/vol
runuser -u "$U" -- mkdir -p "$V"
as "sbc-run --rm -v $V:/v $IMG sh -c 'echo hi >/v/f'"
[ "$RC" = 0 ] && [ "$(stat -c %u "$V/f")" = "$UID_" ] && pass "a volume file written by the container's root is uid $UID_ on the host" ||
  fail "volume owner $(stat -c %u "$V/f" 2>&1) ($(_why))"
# the container's root is not the host's: the host's root-only files stay shut
as "sbc-run --rm -v /etc:/hostetc:ro $IMG sh -c 'cat /hostetc/shadow >/dev/null 2>&1 && echo READ || echo refused'"
[ "$OUT" = refused ] && pass "the container's root cannot read the host's /etc/shadow" || fail "rootless root read /etc/shadow ($(_why))"
as "sbc-run -d --name web $IMG sh -c 'echo started; sleep 30'"
sleep 0.3
as "sbc-logs web; sbc-exec web sh -c 'echo inexec >/f; id -u'"
[ "$OUT" = "$(printf 'started\n0')" ] && pass "-d, logs and exec" || fail "rootless -d/logs/exec ($(_why))"
as "sbc-commit web mine:1 >/dev/null && sbc-run --rm mine:1 stat -c '%u %n' /f"
[ "$OUT" = "0 /f" ] && pass "commit: the image has the container's owner (0), not $UID_" || fail "rootless commit ($(_why))"
# save/load, login, push and a pull of what was pushed, all as the user
as "sbc-save mine:1 | sbc-load >/dev/null && sbc-login -u ${ADMIN_CREDS%%:*} -p ${ADMIN_CREDS#*:} $REGISTRY >/dev/null 2>&1 && sbc-push mine:1 $REGISTRY/rl$$/mine:1 >/dev/null && sbc-rmi mine:1 >/dev/null && sbc-pull -q $REGISTRY/rl$$/mine:1 >/dev/null && sbc-run --rm $REGISTRY/rl$$/mine:1 cat /f && sbc-rmi $REGISTRY/rl$$/mine:1 >/dev/null"
[ "$RC" = 0 ] && [ "$OUT" = inexec ] && pass "save | load, login, push and pull back as the user" || fail "rootless save/load/push ($(_why))"
as "sbc-rm -f web"
[ "$RC" = 0 ] && pass "rm -f" || fail "rootless rm ($(_why))"
# what needs root: one line, nothing made
for bad in "--network bridge" "--memory 64m" "--userns remap"; do
  as "sbc-run --rm $bad $IMG true"
  [ "$RC" = 125 ] && [ "$(echo "$ERR" | wc -l)" = 1 ] && pass "rootless $bad: one line ($ERR)" || fail "rootless $bad ($(_why))"
done
as "sbc-run --rm --network host $IMG sh -c 'ls /sys/class/net | grep -c .'"
[ "$RC" = 0 ] && [ "$OUT" -ge 1 ] && pass "--network host works rootless" || fail "rootless --network host ($(_why))"
# ---- networking without root ---------------------------------------------
# -p: sbc's own forwarder (host listener, a socket of the container's netns
# per connection): TCP answered from the host, a chosen port shown by ps,
# UDP with a probe (busybox has no UDP server), below 1024 refused
PROBE=$T_TMP/probe
musl-gcc -static -Os -o "$PROBE" "$(dirname "$0")/../fixtures/probe.c" && chmod 755 "$PROBE" ||
  fail "build the probe (musl-gcc)"
as "sbc-run -d --name pub -p 127.0.0.1::80 -p 127.0.0.1::53/udp -v $PROBE:/probe:ro $IMG sh -c 'httpd -p 80 -h /etc; /probe udp-echo 53'"
sleep 0.3
as "sbc-ps"
TP=$(echo "$OUT" | grep -o '127.0.0.1:[0-9]*->80/tcp' | sed 's/127.0.0.1:\([0-9]*\)-.*/\1/')
UP=$(echo "$OUT" | grep -o '127.0.0.1:[0-9]*->53/udp' | sed 's/127.0.0.1:\([0-9]*\)-.*/\1/')
got=""
if [ -n "$TP" ] && exec 5<>"/dev/tcp/127.0.0.1/$TP"; then
  printf 'GET /hostname HTTP/1.0\r\n\r\n' >&5
  got=$(timeout 5 cat <&5 | tail -1)
  exec 5<&-
fi
CID=$(as "sbc-ps -q" >/dev/null; echo "$OUT")
[ -n "$got" ] && [ "$got" = "$CID" ] && pass "-p 127.0.0.1::80 rootless: the host's connection is answered by the container ($TP -> 80)" ||
  fail "rootless -p tcp: port '$TP', got '$got' want '$CID'"
got=""
if [ -n "$UP" ] && exec 6<>"/dev/udp/127.0.0.1/$UP"; then
  printf ping >&6
  got=$(timeout 5 head -c 9 <&6)
  exec 6<&-
fi
[ "$got" = "echo:ping" ] && pass "-p 53/udp rootless: a datagram from the host is answered through the forwarder" ||
  fail "rootless -p udp: port '$UP', got '$got'"
as "sbc-rm -f pub"
[ "$RC" = 0 ] && [ -z "$(ps -u "$U" -o stat=,comm= | grep -v '^Z' | grep -v ' sbc-userns$')" ] &&
  pass "rm -f: the forwarder went with the container (no process of $U left but its namespace holder)" ||
  fail "rootless forwarder left: $(ps -u "$U" -o pid=,args= | head -3) ($(_why))"
if [ "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" -gt 80 ]; then
  as "sbc-run --rm -p 80:80 $IMG true"
  [ "$RC" = 125 ] && [ "$(echo "$ERR" | wc -l)" = 1 ] && echo "$ERR" | grep -q "0.0.0.0:80/tcp.*unprivileged_port_start" &&
    pass "rootless -p 80: one line ($ERR)" || fail "rootless -p 80 ($(_why))"
fi
# outbound: pasta, then slirp4netns, to an address of the host's (one
# this test adds to lo, served by a root container on the host's network;
# not 127.x, which both keep closed): the default network is the first
# one installed
DADDR=198.51.100.$(( $$ % 200 + 20 ))
ip addr add "$DADDR/32" dev lo && on_exit "ip addr del '$DADDR/32' dev lo" || fail "add $DADDR to lo"
sbc-pull -q "$IMG" >/dev/null
HP=$(( 20000 + $$ % 20000 ))
run sbc-run -d --name "rlhttp$$" --network host "$IMG" sh -c "httpd -p 127.0.0.1:$HP -h /etc; httpd -f -p $DADDR:$HP -h /etc"
on_exit "sbc-rm -f 'rlhttp$$' >/dev/null 2>&1"
sleep 0.3
want=$(cat /etc/hostname)
lo_open=""
if exec 5<>"/dev/tcp/127.0.0.1/$HP"; then
  printf 'GET /hostname HTTP/1.0\r\n\r\n' >&5
  lo_open=$(timeout 5 cat <&5 | tail -1)
  exec 5<&-
fi
first=""
for tool in pasta slirp4netns; do
  if ! command -v $tool >/dev/null; then
    skip "rootless --network $tool: $tool is not installed (bootstrap installs it)"
    continue
  fi
  first=${first:-$tool}
  as "sbc-run --rm --network $tool $IMG sh -c 'timeout 5 wget -qO- http://$DADDR:$HP/hostname; ip -4 route | grep -c default'"
  [ "$RC" = 0 ] && [ "$OUT" = "$(printf '%s\n1' "$want")" ] &&
    pass "rootless --network $tool: the container reaches the host's $DADDR:$HP" || fail "rootless --network $tool ($(_why))"
  # the host's loopback stays closed (no gateway map, --disable-host-loopback):
  # the same server answers on the host's 127.0.0.1, not through the gateway
  as "sbc-run --rm --network $tool $IMG sh -c 'gw=\$(ip -4 route | awk \"/default/ {print \\\$3}\"); timeout 3 wget -qO- http://\$gw:$HP/hostname; r=\$?; [ \$r = 1 ] || [ \$r = 143 ] && echo closed || echo rc \$r'"
  [ "$lo_open" = "$want" ] && [ "$OUT" = closed ] && pass "rootless --network $tool: the host's 127.0.0.1 is not reachable through the gateway" ||
    fail "rootless --network $tool: host loopback ($(_why))"
done
if [ -n "$first" ]; then
  as "sbc-run --rm $IMG sh -c 'ip -4 route | grep -c default'"
  [ "$OUT" = 1 ] && pass "rootless default network: $first (outbound route)" || fail "rootless default network ($(_why))"
fi
# no tool on PATH: one clear line
run runuser -u "$U" -- env -i HOME="$H" PATH="$T_TMP/bin" sbc-run --rm --network slirp4netns "$IMG" true
[ "$RC" = 125 ] && [ "$(echo "$ERR" | wc -l)" = 1 ] && echo "$ERR" | grep -q "slirp4netns is not installed" &&
  pass "--network slirp4netns without the tool: one line ($ERR)" || fail "rootless missing tool ($(_why))"

# ---- cgroups: a v2 subtree delegated to the user -----------------------------
# (root makes it and moves the user's shell into a leaf of it, as systemd's
# Delegate= would; without it, limits are refused above)
V2=""
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then V2=/sys/fs/cgroup
elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then V2=/sys/fs/cgroup/unified; fi
if [ -z "$V2" ]; then
  skip "rootless delegated cgroup: no cgroup v2 tree on this host"
else
  D=$V2/sbcrl$$
  # (the user's namespace holder may be born in the leaf: it goes first)
  mkdir -p "$D/leaf" && on_exit "pkill -u '$U' -x sbc-userns; sleep 0.3; rmdir '$D/sbc' '$D/leaf' '$D'"
  for x in "$D" "$D/leaf"; do chown "$U:" "$x" "$x/cgroup.procs" "$x/cgroup.subtree_control" "$x/cgroup.threads"; done
  ctl=$(tr ' ' '\n' <"$D/cgroup.controllers" | grep -xE 'memory|pids|cpu' | sort | paste -sd' ')
  inside() { run bash -c "echo \$BASHPID >'$D/leaf/cgroup.procs' && exec runuser -u '$U' -- env -i HOME='$H' PATH='$T_TMP/bin:/usr/bin:/bin' XDG_RUNTIME_DIR= sh -c \"cd; $1\""; }
  have=$(cat "$D/cgroup.controllers")
  inside "sbc --version | grep ^cgroup:"
  [ "$OUT" = "cgroup: v2, delegated /${D#$V2/} (controllers: ${have:-none})" ] &&
    pass "--version names the delegated subtree and its controllers ($OUT)" || fail "rootless --version cgroup ($(_why))"
  inside "sbc-run -d --name cg $IMG sleep 30"
  sleep 0.3
  cp=$(pgrep -u "$U" -f 'sleep 30' | head -1)
  cgp=$(grep '^0::' "/proc/$cp/cgroup" 2>/dev/null | cut -d: -f3)
  id=$(echo "$OUT" | tail -1)
  [ "$RC" = 0 ] && [ "$cgp" = "/${D#$V2/}/sbc/$id" ] && pass "rootless container in its own cgroup under the delegated subtree ($cgp)" ||
    fail "rootless delegated cgroup: process in '$cgp' ($(_why))"
  as "sbc-rm -f cg"
  [ "$RC" = 0 ] && [ ! -e "$D/sbc/$id" ] && pass "its cgroup is removed with it" || fail "rootless cgroup left: $(ls "$D/sbc" 2>&1)"
  # a limit: applied when its controller is delegated, else one line naming it
  if echo " $ctl " | grep -q ' pids '; then
    inside "sbc-run --rm --pids-limit 7 $IMG cat /sys/fs/cgroup/pids.max"
    [ "$OUT" = 7 ] && pass "rootless --pids-limit 7 through the delegated pids controller" || fail "rootless pids.max ($(_why))"
  else
    inside "sbc-run --rm --pids-limit 7 $IMG true"
    [ "$RC" = 125 ] && [ "$(echo "$ERR" | wc -l)" = 1 ] && echo "$ERR" | grep -q "controller pids not delegated" &&
      pass "rootless --pids-limit without a delegated pids controller: one line ($ERR)" || fail "rootless pids undelegated ($(_why))"
  fi
  inside "sbc-run --rm $IMG true"
  [ "$RC" = 0 ] && pass "a run without limits in the delegated subtree" || fail "rootless run in delegated cgroup ($(_why))"
fi

# a user without /etc/subuid entries: one id, with a note of what that
# cannot do, and the same container runs
U2=${U}b
useradd -m -s /bin/sh "$U2" && on_exit "userdel -r '$U2'" && on_exit "pkill -TERM -u '$U2' -x sbc-userns; sleep 0.2" && on_exit "rm -rf '/dev/shm/sbc-$(id -u "$U2")'"
for f in uid gid; do
  r=$(awk -F: -v u="$U2" '$1 == u {print $2 "-" $2 + $3 - 1; exit}' /etc/sub$f 2>/dev/null)
  [ -n "$r" ] && usermod --del-sub${f}s "$r" "$U2"
done
H2=$(getent passwd "$U2" | cut -d: -f6)
mkdir -p "$H2/.config/sbc" && cp -r "$FIXTURE_DIR/certs.d" "$H2/.config/sbc/" && chown -R "$U2:" "$H2/.config"
run runuser -u "$U2" -- env -i HOME="$H2" PATH="$T_TMP/bin:/usr/bin:/bin" sh -c "cd; sbc-pull -q $IMG >/dev/null && sbc-run --rm $IMG sh -c 'grep -c . /proc/self/uid_map; id -u'"
[ "$OUT" = "$(printf '1\n0')" ] && ! grep -q "^$U2:" /etc/subuid && pass "a user without /etc/subuid entries: one id mapped, the container runs" ||
  fail "rootless without subordinate ids ($(_why))"
# nothing left: no container state in the store, nothing in the scratch dir
as "sbc-ps -aq | wc -l; ls -A ~/.local/share/sbc/containers | grep -v '^.names\$' | wc -l; ls -A /dev/shm/sbc-$UID_ 2>/dev/null | wc -l"
[ "$OUT" = "$(printf '0\n0\n0')" ] && pass "nothing left in the user's store or scratch dir" || fail "rootless leftovers ($(_why))"
t_done
