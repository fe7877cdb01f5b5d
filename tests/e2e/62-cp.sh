#!/bin/bash
# 62-cp: sbc-cp both ways (running, created and exited containers), docker
# cp's path rules (dir, dir/., existing or new DEST), tar streams, and the
# container's symlinks and a swap race never reaching the host.
. "$(dirname "$0")/../lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
cleanup_all() { for c in $(sbc-ps -aq --no-trunc 2>/dev/null); do sbc-rm -f "$c"; done; }
on_exit cleanup_all
bash "$FIX/mkimage.sh" busybox >/dev/null || { fail "mkimage"; t_done; exit 1; }

H=$T_TMP/h
mkdir -p "$H/dir/sub"
S=sbc-cp-sentinel-$$ P=sbc-cp-planted-$$
echo HOSTSECRET-$$ >"/etc/$S"
on_exit rm -f "/etc/$S" "/etc/$P" "/$P"
host_clean() { [ "$(cat "/etc/$S")" = "HOSTSECRET-$$" ] && [ ! -e "/etc/$P" ] && [ ! -e "/$P" ]; }
head -c 100000 /dev/urandom >"$H/f.bin"
chmod 0640 "$H/f.bin"
chown 1234:1234 "$H/f.bin"
echo a >"$H/dir/a"
echo b >"$H/dir/sub/b"
chmod 0750 "$H/dir/sub"
ln -s a "$H/dir/link"
echo planted >"$H/plant"

run sbc-run -d --network none --name r busybox sh -c \
  "ln -s /etc /abs; ln -s ../../../../../../etc /rel; ln -s /etc/$S /direct; mkdir /tmp/empty; touch /ready; while :; do sleep 1; done"
[ "$RC" = 0 ] || fail "run ($(_why))"
wait_for 20 sbc-exec r test -e /ready || fail "container not ready"

# ---- files and dirs, in and out (running) ----
expect_rc 0 "file in" sbc-cp "$H/f.bin" r:/tmp/f.bin
expect_out "0:0 640" "file in: root's, mode kept" sbc-exec r stat -c '%u:%g %a' /tmp/f.bin
expect_rc 0 "file in -a" sbc-cp -a "$H/f.bin" r:/tmp/fa.bin
expect_out "1234:1234" "-a keeps the owner" sbc-exec r stat -c '%u:%g' /tmp/fa.bin
expect_rc 0 "file out" sbc-cp r:/tmp/f.bin "$H/back.bin"
check "file out: byte-exact" cmp "$H/f.bin" "$H/back.bin"
expect_out "640" "file out: mode kept" stat -c %a "$H/back.bin"
mkdir "$H/into"
expect_rc 0 "file out into an existing dir" sbc-cp r:/tmp/f.bin "$H/into"
check "  lands as DIR/NAME" cmp "$H/f.bin" "$H/into/f.bin"
expect_rc 0 "file out into an existing dir/" sbc-cp r:/tmp/fa.bin "$H/into/"
check "  lands as DIR/NAME" cmp "$H/f.bin" "$H/into/fa.bin"
expect_rc 1 "a file SRC with a trailing / refused" sbc-cp r:/tmp/f.bin/ "$H/into"
expect_err_match "/tmp/f.bin/ in container r: not a directory" "  one line"
expect_rc 1 "file to a missing dir/ refused" sbc-cp r:/tmp/f.bin "$H/nodir/"
expect_err_match "does not exist" "  one line"

expect_rc 0 "dir in (to an existing dir)" sbc-cp "$H/dir" r:/tmp/
expect_out "a b 750 a" "  dir/ contents, mode, symlink" sbc-exec r sh -c 'echo $(cat /tmp/dir/a /tmp/dir/sub/b) $(stat -c %a /tmp/dir/sub) $(readlink /tmp/dir/link)'
expect_rc 0 "dir/. into an existing dir" sbc-cp "$H/dir/." r:/tmp/empty
expect_out "a" "  the contents, not the dir" sbc-exec r sh -c 'cat /tmp/empty/a; test ! -e /tmp/empty/dir'
expect_rc 0 "dir to a new name" sbc-cp "$H/dir" r:/tmp/new
expect_out "b" "  DEST is the dir" sbc-exec r cat /tmp/new/sub/b
expect_rc 0 "dir out to a new name" sbc-cp r:/tmp/dir "$H/o1"
check "  same tree" diff -r --no-dereference "$H/dir" "$H/o1"
mkdir "$H/o2" "$H/o3"
expect_rc 0 "dir out into an existing dir" sbc-cp r:/tmp/dir "$H/o2"
check "  as DIR/NAME" diff -r --no-dereference "$H/dir" "$H/o2/dir"
expect_rc 0 "dir/. out into an existing dir" sbc-cp r:/tmp/dir/. "$H/o3"
check "  the contents" diff -r --no-dereference "$H/dir" "$H/o3"
expect_rc 1 "dir onto a file refused" sbc-cp r:/tmp/dir "$H/f.bin"
expect_err_match "cannot copy a directory to a file" "  one line"

sbc-exec r sh -c 'cp /bin/busybox /tmp/suid; chmod 4755 /tmp/suid'
expect_rc 0 "a setuid file out" sbc-cp r:/tmp/suid "$H/suid"
expect_out "755" "  without its setuid bit" stat -c %a "$H/suid"
expect_rc 0 "-a: with it" sbc-cp -a r:/tmp/suid "$H/suid-a"
expect_out "4755" "  4755" stat -c %a "$H/suid-a"

# ---- tar streams ----
sbc-cp r:/tmp/dir - >"$H/t1.tar" 2>/dev/null
[ "$(tar tf "$H/t1.tar" | sort | tr '\n' ' ')" = "dir/ dir/a dir/link dir/sub/ dir/sub/b " ] && pass "tar out: names under dir/" || fail "tar out ($(tar tf "$H/t1.tar" | tr '\n' ' '))"
sbc-cp r:/tmp/dir/. - >"$H/t2.tar" 2>/dev/null
tar tf "$H/t2.tar" | grep -qx './sub/b' && pass "tar out of dir/.: ./ names" || fail "tar out dir/. ($(tar tf "$H/t2.tar" | tr '\n' ' '))"
tar -C "$H/dir" -cf "$H/in.tar" .
sbc-cp - r:/tmp/fromtar <"$H/in.tar" >/dev/null 2>&1 && fail "tar in to a missing dir accepted" || pass "tar in needs an existing dir"
sbc-cp - r:/tmp/empty <"$H/in.tar" >/dev/null 2>"$T_TMP/e" && pass "tar in" || fail "tar in ($(cat "$T_TMP/e"))"
expect_out "b" "  extracted" sbc-exec r cat /tmp/empty/sub/b
# a tar's hardlinks are made as links (GNU tar's '1' entries)
mkdir -p "$H/hl" && echo h >"$H/hl/one" && ln "$H/hl/one" "$H/hl/two"
tar -C "$H/hl" -cf "$H/hl.tar" .
sbc-exec r mkdir /tmp/hl
sbc-cp - r:/tmp/hl <"$H/hl.tar" >/dev/null 2>"$T_TMP/e" || fail "tar in with a hardlink ($(cat "$T_TMP/e"))"
expect_out "same h" "  a hardlink in a tar stays one" sbc-exec r sh -c 'set -- $(ls -i /tmp/hl/one /tmp/hl/two); [ "$1" = "$3" ] && echo same $(cat /tmp/hl/two)'

# ---- the container's symlinks out of it: resolved in its root ----
expect_rc 1 "abs symlink as SRC parent: container's /etc" sbc-cp r:/abs/$S "$H/leak1"
expect_rc 1 "../ symlink as SRC parent" sbc-cp r:/rel/$S "$H/leak2"
expect_rc 0 "a symlink SRC is copied as a symlink" sbc-cp r:/direct "$H/leak3"
[ -L "$H/leak3" ] && [ "$(readlink "$H/leak3")" = "/etc/$S" ] && pass "  not followed (the link itself)" || fail "  followed"
expect_rc 1 "-L follows it in the container (nothing there)" sbc-cp -L r:/direct "$H/leak4"
expect_rc 0 "-L abs symlink to a dir: the container's /etc" sbc-cp -L r:/abs "$H/leak5"
[ -f "$H/leak5/passwd" ] && [ ! -e "$H/leak5/$S" ] && pass "  container's, no host file" || fail "  leak5 ($(ls "$H/leak5" | head))"
expect_rc 0 "abs symlink as DEST parent" sbc-cp "$H/plant" r:/abs/$P
expect_rc 0 "../ symlink as DEST parent" sbc-cp "$H/plant" r:/rel/
expect_out "planted" "  written in the container" sbc-exec r cat /etc/$P
python3 - "$H/evil.tar" "$P" <<'EOF'
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w")
l = tarfile.TarInfo("l"); l.type = tarfile.SYMTYPE; l.linkname = "/etc"; t.addfile(l)
f = tarfile.TarInfo("l/" + sys.argv[2]); f.size = 5; t.addfile(f, io.BytesIO(b"evil\n"))
t.close()
t = tarfile.open(sys.argv[1] + ".dots", "w")
f = tarfile.TarInfo("../../../../" + sys.argv[2]); f.size = 5; t.addfile(f, io.BytesIO(b"evil\n"))
t.close()
EOF
sbc-cp - r:/tmp <"$H/evil.tar" >/dev/null 2>&1
sbc-cp - r:/tmp <"$H/evil.tar.dots" >/dev/null 2>"$T_TMP/e" && fail "tar in: ../ name accepted" || pass "tar in: ../ name refused"
mkdir "$H/ev"
sbc-cp r:/tmp/l "$H/ev" >/dev/null 2>&1
check "host untouched after the symlink attacks" host_clean

# ---- a swap race: /w/x is a dir and a symlink to / in turn ----
# (the container has no /etc/$S and no /w/x/etc/$S: any copy out that
# succeeds read the host's; a copy in through /w/x/etc lands in the
# container's /w/x/etc or /etc, never the host's)
Q=sbc-cp-race-$$
on_exit rm -f "/etc/$Q" "/$Q"
sbc-exec -d r sh -c 'mkdir -p /w; while :; do rm -rf /w/x; mkdir -p /w/x/etc; echo inner >/w/x/etc/f; rm -rf /w/x; ln -s / /w/x; done'
leak=0
for i in $(seq 40); do
  sbc-cp r:/w/x/etc/$S "$H/race$i" >/dev/null 2>&1 && leak=1
  sbc-cp r:/w/x - 2>/dev/null | grep -qa HOSTSECRET && leak=1
  sbc-cp -L r:/w/x/etc "$H/rd$i" >/dev/null 2>&1
  sbc-cp "$H/plant" r:/w/x/etc/$Q >/dev/null 2>&1
  sbc-cp "$H/plant" r:/w/x/$Q >/dev/null 2>&1
done
grep -rqas HOSTSECRET "$H"/race* "$H"/rd* && leak=1
ls "$H"/rd*/$S >/dev/null 2>&1 && leak=1
[ "$leak" = 0 ] && pass "swap race: nothing of the host read" || fail "swap race: host file leaked"
[ ! -e "/etc/$Q" ] && [ ! -e "/$Q" ] && pass "swap race: nothing of the host written" || fail "swap race: written on the host"
check "  sentinel intact" host_clean
ls "$H"/rd*/f >/dev/null 2>&1 && pass "  copies of the dir state happened" || skip "race: the dir state never copied"
sbc-exec r sh -c "test -e /etc/$Q -o -e /$Q" && pass "  copies through the symlink state went into the container" ||
  skip "race: no copy in met the symlink state"

# ---- stopped containers: exited and created ----
expect_rc 0 "stop" sbc-stop -t 1 r
expect_rc 0 "file out of an exited container" sbc-cp r:/tmp/f.bin "$H/back2.bin"
check "  byte-exact" cmp "$H/f.bin" "$H/back2.bin"
expect_rc 0 "dir into an exited container" sbc-cp "$H/dir" r:/tmp/dir3
expect_rc 1 "abs symlink as SRC parent (exited)" sbc-cp r:/abs/$S "$H/leak6"
expect_rc 0 "abs symlink as DEST parent (exited)" sbc-cp "$H/plant" r:/abs/$P
check "  host untouched" host_clean
run sbc-create --network none --name c busybox cat /tmp/dir3/sub/b
expect_rc 0 "file into a created container" sbc-cp "$H/dir" c:/tmp/dir3
expect_rc 0 "out of it" sbc-cp c:/tmp/dir3/sub/b "$H/cb"
[ "$(cat "$H/cb")" = b ] && pass "  content" || fail "  content"
expect_rc 0 "start r again" sbc-start r
expect_out "b" "  the copy in is in its root" sbc-exec r cat /tmp/dir3/sub/b

# ---- the copy driver's rootfs dir ----
if SBC_STORAGE_DRIVER=copy sbc-create --network none --name cc busybox true >/dev/null 2>&1; then
  expect_rc 0 "copy driver: dir in" sbc-cp "$H/dir" cc:/tmp/d
  expect_rc 0 "copy driver: out" sbc-cp cc:/tmp/d/sub/b "$H/ccb"
  [ "$(cat "$H/ccb")" = b ] && pass "  content" || fail "  content"
  python3 -c '
import sys, tarfile
t = tarfile.open(sys.argv[1], "w")
for n, l in (("abs", "/etc"), ("rel", "../../../../../etc")):
    i = tarfile.TarInfo(n); i.type = tarfile.SYMTYPE; i.linkname = l; t.addfile(i)
t.close()' "$H/links.tar"
  sbc-cp - cc:/ <"$H/links.tar" >/dev/null 2>&1 && pass "copy driver: symlinks in by tar" || fail "copy driver: tar in"
  expect_rc 0 "copy driver: abs symlink as DEST parent" sbc-cp "$H/plant" cc:/abs/$P
  expect_rc 0 "copy driver: ../ symlink as DEST parent" sbc-cp "$H/plant" cc:/rel/
  expect_rc 1 "copy driver: abs symlink as SRC parent" sbc-cp cc:/abs/$S "$H/leak7"
  check "  host untouched" host_clean
  expect_rc 0 "  the copy is in its /etc" sbc-cp cc:/etc/$P "$H/ccp"
else
  skip "copy driver: cannot create a container with it here"
fi

# ---- a remapped container (--userns remap): owners as it sees them ----
if sbc-run -d --userns remap --network none --name um busybox sh -c 'echo x >/mine; chown 7:7 /mine; touch /ready; sleep 1000' >/dev/null 2>&1 &&
   wait_for 20 sbc-exec um test -e /ready; then
  expect_rc 0 "remapped: file in" sbc-cp "$H/f.bin" um:/tmp/f.bin
  expect_out "0:0" "  root's inside" sbc-exec um stat -c %u:%g /tmp/f.bin
  expect_rc 0 "remapped: -a keeps the owner" sbc-cp -a "$H/f.bin" um:/tmp/fa.bin
  expect_out "1234:1234" "  1234 inside" sbc-exec um stat -c %u:%g /tmp/fa.bin
  sbc-cp -a um:/mine - 2>/dev/null | tar tvf - 2>/dev/null | grep -q ' 7/7 ' && pass "remapped: tar out has its ids" || fail "remapped: tar out ids ($(sbc-cp -a um:/mine - 2>&1 | tar tvf - 2>&1))"
  sbc-stop -t 1 um >/dev/null 2>&1
  expect_rc 0 "remapped, exited: file in" sbc-cp "$H/plant" um:/tmp/p2
  expect_rc 0 "start it again" sbc-start um
  wait_for 20 sbc-exec um test -e /tmp/p2
  expect_out "0:0" "  root's inside" sbc-exec um stat -c %u:%g /tmp/p2
else
  skip "remapped: --userns remap does not run here"
fi

# ---- errors ----
expect_rc 1 "no such container" sbc-cp nosuch:/x "$H/q"
expect_err_match "No such container: nosuch" "  one line"
expect_rc 1 "no such path in the container" sbc-cp r:/nope "$H/q"
expect_err_match "^sbc-cp: Could not find the file /nope in container r: No such file" "  one line naming it"
expect_rc 1 "no such path on the host" sbc-cp "$H/nope" r:/tmp/
expect_err_match "^sbc-cp: Could not find the file $H/nope on the host" "  one line naming it"
expect_rc 125 "no container named" sbc-cp "$H/a" "$H/b"
expect_rc 125 "two containers" sbc-cp r:/a c:/b
expect_rc 125 "one operand" sbc-cp r:/a
t_done
