#!/bin/bash
# 47-drivers: the btrfs and copy storage drivers (lib/image/rootfs.c), sbc-commit
# of their containers (lib/image/fsdiff.c: a diff against the image), overlay as
# the default, and an unknown SBC_STORAGE_DRIVER refused.  btrfs runs on a
# loop-mounted file system made here, which the exit trap unmounts and
# detaches whatever happens.
. "$(dirname "$0")/../lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
TREECMP="$(dirname "$0")/../treecmp.py"
T=$T_TMP
NONET=(--network none)
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
ctr_rootfs() { sbc-inspect "$1" | json 'd[0]["GraphDriver"]["Data"]["MergedDir"]'; }
# subvolumes below the btrfs mount (paths relative to it), sorted
subvols() { btrfs subvolume list "$MNT" 2>/dev/null | awk '{print $NF}' | sort; }
# the name of an image's flattened subvolume: sha256 of its layer dir names
imgkey() {
  sbc-inspect "$1" | python3 -c 'import hashlib,json,os,sys
d = json.load(sys.stdin)[0]["GraphDriver"]["LayerDirs"]
print(hashlib.sha256(b"".join(os.path.basename(p).encode() + b"\0" for p in d)).hexdigest())'
}
rm_all() { for c in $(sbc-ps -aq --no-trunc 2>/dev/null); do sbc-rm -f "$c"; done; }
has_overlay_leftovers() { # whiteout devices or overlay xattrs in a flattened tree
  python3 - "$1" <<'PY'
import os, stat, sys
for dp, ds, fs in os.walk(sys.argv[1]):
    for n in ds + fs:
        p = os.path.join(dp, n); st = os.lstat(p)
        if stat.S_ISCHR(st.st_mode) and st.st_rdev == 0: print("whiteout", p); sys.exit(0)
        if not stat.S_ISLNK(st.st_mode) and any(x.startswith("trusted.overlay.") for x in os.listxattr(p)):
            print("xattr", p); sys.exit(0)
sys.exit(1)
PY
}

# --- a source tree with what must survive a copy: modes (setuid, 0700),
# owners, symlinks, a hard link, a fifo, xattrs, mtimes
S=$T/src
mkdir -p "$S/bin" "$S/etc" "$S/data/dir/sub" "$S/data/f2" "$S/opq/old" "$S/empty"
rmdir "$S/data/f2"
cp /bin/busybox "$S/bin/busybox"
for a in sh ls cat echo rm mkdir sleep touch stat test readlink ln true sort wc; do ln -s busybox "$S/bin/$a"; done
echo keep >"$S/data/keep"; echo del >"$S/data/del"; echo old >"$S/data/repl"; echo f2 >"$S/data/f2"
echo f >"$S/data/dir/sub/f"; echo o >"$S/opq/old/x"; ln -s del "$S/data/lnk"
ln "$S/data/keep" "$S/data/hardlink"
chmod 4755 "$S/bin/busybox"; chown 1000:1000 "$S/data/del"; chown 1000:2000 "$S/empty"; chmod 0700 "$S/empty"
mkfifo "$S/data/fifo"
python3 -c 'import os,sys; os.setxattr(sys.argv[1], "user.test", b"hello")' "$S/data/keep"
python3 -c 'import os,sys; os.setxattr(sys.argv[1], "security.capability", bytes.fromhex("0000000200040000000000000000000000000000"))' "$S/data/dir/sub/f" 2>/dev/null
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$S/etc/passwd"
touch -d 2024-01-01 "$S/data/keep" "$S/data/del" "$S/data/dir/sub/f" "$S/opq/old/x"
chmod 755 "$S"
mkdir "$T/victim" && echo precious >"$T/victim/file"

# Images in the current $SBC_ROOT: busybox (2 layers, the second deletes
# /etc/whiteme and replaces /etc/layer), src:1 (the tree), multi:2 (src:1 +
# 2 layers of deletions, replacements and an opaque dir, committed from
# overlay containers, which work on btrfs too).
make_images() {
  bash "$FIX/mkimage.sh" busybox >/dev/null &&
    sbc-init "$S" src:1 >/dev/null &&
    SBC_STORAGE_DRIVER=overlay sbc-run "${NONET[@]}" --name mk1 src:1 sh -c \
      'echo new >/data/repl; rm /data/del; rm -r /data/dir; echo file >/data/dir; rm /data/f2;
       mkdir /data/f2; echo in >/data/f2/x; ln -sf keep /data/lnk; echo n >/data/new;
       rm -rf /opq; mkdir -p /opq/fresh; echo n >/opq/fresh/f' >/dev/null &&
    sbc-commit mk1 multi:1 >/dev/null &&
    SBC_STORAGE_DRIVER=overlay sbc-run "${NONET[@]}" --name mk2 multi:1 sh -c 'rm /data/new; echo v3 >/opq/fresh/f' >/dev/null &&
    sbc-commit mk2 multi:2 >/dev/null &&
    sbc-rm mk1 mk2 >/dev/null
}

# The checks both drivers must pass; $SBC_ROOT and the driver are set.
driver_checks() {
  local D=$1 rw r1 r2 rh ino1 ino2
  run "$SBC_BIN" --version
  if echo "$OUT" | grep -qx "storage driver: $D"; then pass "$D: sbc --version says $D"; else fail "$D: version ($(_why))"; fi
  expect_out "$D" "$D: inspect IMAGE shows GraphDriver.Name $D" sh -c "sbc-inspect busybox | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"GraphDriver\"][\"Name\"])'"
  expect_out hi "$D: run --rm busybox echo hi" sbc-run --rm "${NONET[@]}" busybox echo hi
  expect_rc 7 "$D: the exit code passes through" sbc-run --rm "${NONET[@]}" busybox sh -c 'exit 7'
  expect_rc 127 "$D: a missing command is 127" sbc-run --rm "${NONET[@]}" busybox nosuchcmd
  expect_out "" "$D: --rm leaves no container" sbc-ps -aq

  # writes and deletions stay in the container
  run sbc-run "${NONET[@]}" --name w1 busybox sh -c 'echo mine >/newfile; rm /bin/ls; echo changed >/etc/layer'
  run sbc-inspect w1
  if [ "$(echo "$OUT" | json 'd[0]["Driver"] + " " + d[0]["GraphDriver"]["Name"]')" = "$D $D" ]; then
    pass "$D: inspect shows Driver and GraphDriver $D"; else fail "$D: inspect driver ($(_why))"; fi
  rw=$(ctr_rootfs w1)
  if [ "$(cat "$rw/newfile" 2>&1)" = mine ] && [ ! -e "$rw/bin/ls" ] && [ ! -L "$rw/bin/ls" ]; then
    pass "$D: the container's changes are in its rootfs dir"; else fail "$D: rootfs $rw: $(ls "$rw" 2>&1 | tr '\n' ' ')"; fi
  expect_out $'layer2\nno-newfile\nno-whiteme' "$D: a second container sees the image, not the first's changes, and the image's whiteouts" \
    sbc-run --rm "${NONET[@]}" busybox sh -c 'ls /bin/ls >/dev/null && cat /etc/layer; test -e /newfile || echo no-newfile; test -e /etc/whiteme || echo no-whiteme'
  if ! ls "$SBC_ROOT"/layers/*/newfile >/dev/null 2>&1 && [ -L "$(ls -d "$SBC_ROOT"/layers/*/bin | head -1)/ls" ]; then
    pass "$D: the image's layers are untouched"; else fail "$D: layers changed"; fi

  # a multi-layer image: deletions, replacements, opaque dir of later layers
  expect_out $'new\nfile\nin\nv3\nkeep\nkeep\nfresh\nno-/data/del\nno-/data/new\nno-/opq/old' \
    "$D: a 3-layer image shows later layers' deletions, replacements and opaque dir" \
    sbc-run --rm "${NONET[@]}" multi:2 sh -c 'cat /data/repl /data/dir /data/f2/x /opq/fresh/f /data/keep; readlink /data/lnk; ls /opq
      for f in /data/del /data/new /opq/old; do test -e $f || echo no-$f; done'
  run sbc-create "${NONET[@]}" --name m2 multi:2
  r2=$(ctr_rootfs m2)
  if [ "$RC" = 0 ] && [ -f "$r2/data/dir" ] && ! has_overlay_leftovers "$r2" >/dev/null; then
    pass "$D: no whiteout devices or overlay xattrs in the rootfs"; else fail "$D: leftovers in $r2: $(has_overlay_leftovers "$r2")"; fi

  # metadata: the created rootfs equals the source tree
  run sbc-create "${NONET[@]}" --name m1 src:1 true
  run python3 "$TREECMP" "$S" "$(ctr_rootfs m1)"
  if [ "$RC" = 0 ]; then pass "$D: modes, owners, symlinks, hard links, fifo, xattrs and mtimes survive"; else fail "$D: tree: $(head -c 600 "$T/out")"; fi
  expect_out $'4755 0:0\n700 1000:2000\n644 1000:1000\n1\np' "$D: the same seen in the container (setuid, owners, one inode for the hard link, fifo)" \
    sbc-run --rm "${NONET[@]}" src:1 sh -c 'stat -c "%a %u:%g" /bin/busybox /empty /data/del; stat -c %i /data/keep /data/hardlink | sort -u | wc -l
      test -p /data/fifo && echo p'
  sbc-rm m1 m2 >/dev/null

  # --read-only
  run sbc-run --rm "${NONET[@]}" --read-only busybox touch /x
  if [ "$RC" != 0 ] && grep -qi "read-only" "$T/err"; then pass "$D: --read-only refuses writes"; else fail "$D: --read-only ($(_why))"; fi
  expect_out layer2 "$D: --read-only reads" sbc-run --rm "${NONET[@]}" --read-only busybox cat /etc/layer

  # stop and start: the same root, files kept
  run sbc-run -d "${NONET[@]}" --name d1 busybox sh -c 'cat /state 2>/dev/null; echo x >>/state; exec sleep 100'
  r1=$(ctr_rootfs d1)
  wait_for 20 test -s "$r1/state"
  r1=$(ctr_rootfs d1); ino1=$(stat -c %i "$r1/state" 2>/dev/null)
  run sbc-stop -t 1 d1
  run sbc-start d1
  wait_for 20 sh -c "[ \"\$(wc -l <'$r1/state')\" = 2 ] && sbc-logs d1 | grep -qx x"
  ino2=$(stat -c %i "$r1/state" 2>/dev/null)
  if [ "$RC" = 0 ] && [ -n "$ino1" ] && [ "$ino1" = "$ino2" ] && [ "$(ctr_rootfs d1)" = "$r1" ]; then
    pass "$D: start after stop uses the same rootfs"; else fail "$D: restart ($ino1 vs $ino2; $(_why))"; fi
  expect_out $'x\nx' "$D: the second run saw the first run's file" sbc-exec d1 cat /state
  expect_out x "$D: ... and its output says so" sbc-logs d1
  sbc-stop -t 1 d1 >/dev/null

  # rm: the rootfs goes, symlinks out of it are not followed
  run sbc-run "${NONET[@]}" --name h1 busybox sh -c "ln -s $T/victim /v; mkdir -p /a/b; ln -s $T/victim /a/b/v; ln -s $T/victim/file /f"
  rh=$(ctr_rootfs h1)
  expect_rc 0 "$D: rm" sbc-rm w1 d1 h1
  if [ -n "$rh" ] && [ ! -e "$rw" ] && [ ! -e "$r1" ] && [ ! -e "$rh" ] && [ "$(cat "$T/victim/file")" = precious ]; then
    pass "$D: rm removes the rootfs, not what its symlinks point to"; else fail "$D: after rm: $(ls -d "$rw" "$r1" "$rh" 2>&1) $(ls "$T/victim")"; fi
  expect_out "" "$D: nothing left in containers/" sh -c "ls '$SBC_ROOT/containers'"
}

# The last layer of image $2 in store $1: one line per tar entry, in order:
# name, type (d f l h), mode, uid:gid, link target, xattr names.
layer_ls() {
  python3 - "$1" "$2" <<'PY'
import json, sys, tarfile
root, iid = sys.argv[1], sys.argv[2].split(":")[-1]
d = json.load(open(f"{root}/images/{iid}.json"))["Layers"][-1]["Digest"].split(":")[1]
with tarfile.open(f"{root}/blobs/sha256/{d}") as t:
    for m in t:
        ty = {tarfile.DIRTYPE: "d", tarfile.REGTYPE: "f", tarfile.SYMTYPE: "l", tarfile.LNKTYPE: "h"}.get(m.type, repr(m.type))
        xs = ["x=" + k[13:] for k in sorted(m.pax_headers) if k.startswith("SCHILY.xattr.")]
        print(" ".join(filter(None, [m.name.rstrip("/"), ty, "%04o" % m.mode, f"{m.uid}:{m.gid}", m.linkname] + xs)))
PY
}
layer_digest() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]+"/images/"+sys.argv[2].split(":")[-1]+".json"))["Layers"][-1]["Digest"])' "$SBC_ROOT" "$1" 2>/dev/null; }
# A tree as tar copies it (no mount points nor the runtime's bind-mount
# targets), into dir $2: from a rootfs dir or /proc/PID/root, for treecmp.
tree_copy() {
  mkdir -p "$2" && (cd "$1" && tar -c --one-file-system --xattrs --xattrs-include='*' --numeric-owner \
    --exclude=./proc --exclude=./sys --exclude=./dev --exclude=./etc/hostname --exclude=./etc/hosts \
    --exclude=./etc/resolv.conf .) | tar -xp -C "$2" --xattrs --xattrs-include='*' --numeric-owner 2>/dev/null
  chmod 755 "$2"
}

# sbc-commit of a container of driver $1 (the current one): Docker's naive
# diff of its rootfs against the image.  The base image: busybox's 2 layers
# (the second with a whiteout) + a layer (made under overlay) with the files
# to change, a hard link, a deep tree and an opaque dir (/home hides
# busybox's /home/app).
COMMIT_OPS='echo new >/d/new; mkdir -p /n/sub; echo f >/n/sub/f; echo changed >/deep/a/b/mod
  chmod 600 /d/perm; chmod 640 /d/keep; rm /d/del; rm -r /d/tree; rm /d/tolink; ln -s keep /d/tolink
  echo h2 >/home/new/f'
COMMIT_WANT='d d 0755 0:0
d/.wh.del f 0000 0:0
d/hard f 0640 0:0
d/keep h 0640 0:0 d/hard
d/new f 0644 0:0
d/perm f 0600 0:0
d/tolink l 0777 0:0 keep
d/.wh.tree f 0000 0:0
d/xa f 0644 0:0 x=user.test
deep d 0755 0:0
deep/a d 0755 0:0
deep/a/b d 0755 0:0
deep/a/b/mod f 0644 0:0
home d 0755 0:0
home/new d 0755 0:0
home/new/f f 0644 0:0
n d 0755 0:0
n/sub d 0755 0:0
n/sub/f f 0644 0:0'
commit_checks() {
  local D=$1 rc rn id dg dg2 pid k i
  bash "$FIX/mkimage.sh" busybox >/dev/null
  SBC_STORAGE_DRIVER=overlay sbc-run "${NONET[@]}" --name cb busybox sh -c 'mkdir -p /d/tree/a/b /deep/a/b /deep/a/other
      echo keep >/d/keep; ln /d/keep /d/hard; echo del >/d/del; echo perm >/d/perm; echo tl >/d/tolink; echo xa >/d/xa
      echo f >/d/tree/a/b/f; echo x >/d/tree/x; echo mod >/deep/a/b/mod; echo o >/deep/a/other/o
      rm -rf /home; mkdir -p /home/new; echo h >/home/new/f' >/dev/null &&
    SBC_STORAGE_DRIVER=overlay sbc-commit cb cbase:1 >/dev/null && sbc-rm cb >/dev/null
  # the changes: the shell's, and an xattr set from outside
  run sbc-run "${NONET[@]}" --name cc cbase:1 sh -c "$COMMIT_OPS"
  rc=$(ctr_rootfs cc)
  python3 -c 'import os,sys; os.setxattr(sys.argv[1], "user.test", b"v")' "$rc/d/xa"
  run sbc-commit cc cnew:1
  id=$OUT
  if [ "$RC" = 0 ] && [[ "$id" =~ ^sha256:[0-9a-f]{64}$ ]]; then pass "$D: commit works"; else fail "$D: commit ($(_why))"; fi
  run layer_ls "$SBC_ROOT" "$id"
  if [ "$RC" = 0 ] && [ "$OUT" = "$COMMIT_WANT" ]; then
    pass "$D: the layer holds exactly the changes: added, modified, chmod'ed (both hard links), .wh. for a file and a tree, a symlink, an xattr, the parent dirs"
  else fail "$D: layer entries: $(echo "$OUT" | tr '\n' '|') ($(_why))"; fi
  if [ -z "$(ls -A "$SBC_ROOT/tmp")" ]; then pass "$D: commit leaves nothing in tmp/"; else fail "$D: tmp/: $(ls "$SBC_ROOT/tmp")"; fi
  dg=$(layer_digest "$id")
  run sbc-commit cc cnew:2
  if [ "$RC" = 0 ] && [ -n "$dg" ] && [ "$(layer_digest "$OUT")" = "$dg" ]; then pass "$D: committing again gives the same layer digest"; else fail "$D: reproducible ($dg vs $(layer_digest "$OUT"); $(_why))"; fi
  # the new image under the same driver: the container's tree, exactly
  run sbc-create "${NONET[@]}" --name cn cnew:1
  rn=$(ctr_rootfs cn)
  run python3 "$TREECMP" "$rc" "$rn"
  if [ "$RC" = 0 ] && [ -n "$rn" ]; then pass "$D: a container of the new image has the committed container's tree"; else fail "$D: tree: $(head -c 600 "$T/out")"; fi
  expect_out $'gone\ngone\ngone\nchanged\nh2\nkeep\n600\n640\n640\nno-app' "$D: ... deleted paths gone, the changes there (run under $D)" \
    sbc-run --rm "${NONET[@]}" cnew:1 sh -c 'for f in /d/del /d/tree /d/tree/x; do test -e $f || echo gone; done
      cat /deep/a/b/mod /home/new/f; readlink /d/tolink; stat -c %a /d/perm /d/keep /d/hard; test -e /home/app || echo no-app'
  # ... and under overlay: the running container's tree, seen through /proc/PID/root
  run env SBC_STORAGE_DRIVER=overlay sbc-run -d "${NONET[@]}" --name co cnew:1 sleep 60
  pid=$(sbc-inspect co 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"]["Pid"])' 2>/dev/null)
  wait_for 20 grep -q sleep "/proc/$pid/cmdline"
  rm -rf "$T/t-ctr" "$T/t-ovl"
  tree_copy "$rc" "$T/t-ctr"; tree_copy "/proc/$pid/root" "$T/t-ovl"
  run python3 "$TREECMP" "$T/t-ctr" "$T/t-ovl"
  if [ "$RC" = 0 ] && [ -n "$pid" ] && [ -f "$T/t-ovl/d/new" ] && [ ! -e "$T/t-ovl/d/tree" ]; then
    pass "$D: the new image run under overlay has the committed container's tree"; else fail "$D: overlay tree: $(head -c 600 "$T/out")"; fi
  sbc-rm -f co cn >/dev/null
  if [ "$D" = btrfs ]; then
    # the image's subvolume gone (an rmi of another image with the same
    # layers): the layers are the reference, with the same result
    k=$(imgkey cbase:1)
    btrfs property set "$SBC_ROOT/btrfs/$k" ro false && btrfs subvolume delete "$SBC_ROOT/btrfs/$k" >/dev/null
    run sbc-commit cc cnew:3
    if [ "$RC" = 0 ] && [ ! -e "$SBC_ROOT/btrfs/$k" ] && [ "$(layer_digest "$OUT")" = "$dg" ]; then
      pass "btrfs: without the image's subvolume, commit compares with its layers: the same layer"; else fail "btrfs: commit against layers ($dg vs $(layer_digest "$OUT"); $(_why))"; fi
  fi
  # a container never changed: an empty layer
  run sbc-create "${NONET[@]}" --name ce cbase:1
  run sbc-commit ce cnew:empty
  if [ "$RC" = 0 ] && [ -z "$(layer_ls "$SBC_ROOT" "$OUT")" ]; then pass "$D: commit of an unchanged container: an empty layer"; else fail "$D: empty commit: $(layer_ls "$SBC_ROOT" "$OUT" | head -5 | tr '\n' '|') ($(_why))"; fi
  # a running container: its changes so far, and it keeps running
  run sbc-run -d "${NONET[@]}" --name cr cbase:1 sh -c 'echo live >/live.txt; rm -f /bin/ls; exec sleep 600'
  rcr=$(ctr_rootfs cr)
  wait_for 20 test -e "$rcr/live.txt"
  run sbc-commit cr cnew:live
  live=$(layer_ls "$SBC_ROOT" "$OUT" | tr '\n' ' ')
  if [ "$RC" = 0 ] && [[ " $live " == *" live.txt "* ]] && [[ " $live " == *" bin/.wh.ls "* ]] &&
    [ "$(sbc-inspect cr | json 'd[0]["State"]["Running"]')" = True ]; then
    pass "$D: commit of a running container: its changes, and it runs on"
  else fail "$D: running commit: $live ($(_why))"; fi
  sbc-rm -f cc ce cr >/dev/null
  sbc-rmi cnew:live >/dev/null
  expect_rc 0 "$D: rmi of the committed images" sbc-rmi cnew:1 cnew:2 cnew:empty cbase:1
  [ "$D" = btrfs ] && sbc-rmi cnew:3 >/dev/null
}

# ======================= btrfs, on a loop device =========================
# (cleanups run last first: containers, then umount, then the loop device)
IMG=$T/btrfs.img MNT=$T/mnt LOOP= ROOT0=$SBC_ROOT
truncate -s 1G "$IMG" && mkfs.btrfs -q "$IMG" >/dev/null 2>&1 && LOOP=$(losetup --find --show "$IMG")
[ -n "$LOOP" ] && on_exit "losetup -d '$LOOP'"
mkdir -p "$MNT"
on_exit "mountpoint -q '$MNT' && { umount '$MNT' || umount -l '$MNT'; }"
on_exit "SBC_ROOT='$MNT/root' rm_all"
if ! command -v mkfs.btrfs >/dev/null; then
  skip "btrfs driver: mkfs.btrfs is not installed (btrfs-progs)"
elif [ -n "$LOOP" ] && mount "$LOOP" "$MNT"; then
  pass "btrfs: a file system on $LOOP mounted"
  export SBC_ROOT=$MNT/root
  unset SBC_STORAGE_DRIVER
  run "$SBC_BIN" --version
  if echo "$OUT" | grep -qx "storage driver: btrfs"; then pass "btrfs: chosen for a store on btrfs not made yet"; else fail "btrfs: version on a new root ($(_why))"; fi
  if make_images; then pass "btrfs: images made (commit under SBC_STORAGE_DRIVER=overlay)"; else fail "btrfs: make images"; fi
  driver_checks btrfs
  # the flattened images: read-only subvolumes, one per layer chain
  kb=$(imgkey busybox); km=$(imgkey multi:2); ks=$(imgkey src:1)
  if [ "$(subvols)" = "$(printf 'root/btrfs/%s\n' "$kb" "$km" "$ks" | sort)" ]; then
    pass "btrfs: one subvolume per image run, none of the removed containers"; else fail "btrfs: subvolumes: $(subvols | tr '\n' ' ')"; fi
  if [ "$(btrfs property get "$SBC_ROOT/btrfs/$kb" ro)" = ro=true ] && [ -L "$SBC_ROOT/btrfs/$kb/bin/ls" ] &&
     [ ! -e "$SBC_ROOT/btrfs/$kb/newfile" ] && [ ! -e "$SBC_ROOT/btrfs/$kb/etc/whiteme" ]; then
    pass "btrfs: the image subvolume is read-only and unchanged by the containers"; else fail "btrfs: image subvolume $kb"; fi
  # each container is a snapshot subvolume
  run sbc-create "${NONET[@]}" --name s1 busybox
  r=$(ctr_rootfs s1)
  if btrfs subvolume show "$r" 2>/dev/null | grep -Eq 'Parent UUID:\s+[0-9a-f]{8}-' &&
     [ "$(subvols | grep -c containers/)" = 1 ]; then pass "btrfs: a container's rootfs is a snapshot subvolume"; else fail "btrfs: $r is no snapshot: $(subvols | tr '\n' ' ')"; fi
  # its rootfs holds a read-only subvolume with a file and a subvolume of its
  # own: rm still removes all
  btrfs subvolume create "$r/nested" >/dev/null && echo x >"$r/nested/f" &&
    btrfs subvolume create "$r/nested/inner" >/dev/null && echo y >"$r/nested/inner/g" &&
    btrfs property set "$r/nested" ro true
  expect_rc 0 "btrfs: rm of a container holding a read-only subvolume" sbc-rm s1
  if ! subvols | grep -q containers/ && [ ! -e "$r" ]; then pass "btrfs: rm destroyed its subvolumes"; else fail "btrfs: left: $(subvols | tr '\n' ' ')"; fi
  run sbc-rmi multi:2 multi:1
  if [ "$RC" = 0 ] && ! subvols | grep -q "$km" && subvols | grep -q "$kb"; then pass "btrfs: rmi removes the image's subvolume (only)"; else fail "btrfs: rmi: $(subvols | tr '\n' ' ') ($(_why))"; fi
  sbc-rmi src:1 busybox >/dev/null
  # a new image with the same layers as busybox, run thrice at once: one
  # image subvolume, no tmp-* left; the tmp-<pid> of a build whose sbc
  # died goes too (one of a live pid stays)
  dead=$(sh -c 'echo $$'); while kill -0 "$dead" 2>/dev/null; do dead=$((dead + 1)); done
  btrfs subvolume create "$SBC_ROOT/btrfs/tmp-$dead" >/dev/null && touch "$SBC_ROOT/btrfs/tmp-$dead/half"
  btrfs subvolume create "$SBC_ROOT/btrfs/tmp-$$" >/dev/null
  bash "$FIX/mkimage.sh" par:1 >/dev/null
  for i in 1 2 3; do sbc-run --rm "${NONET[@]}" par:1 true >"$T/par$i" 2>&1 & done; wait
  if [ ! -e "$SBC_ROOT/btrfs/tmp-$dead" ] && [ -d "$SBC_ROOT/btrfs/tmp-$$" ]; then
    pass "btrfs: a dead build's tmp-<pid> is swept, a live one's stays"; else fail "btrfs: sweep: $(ls -A "$SBC_ROOT/btrfs" | tr '\n' ' ')"; fi
  btrfs subvolume delete "$SBC_ROOT/btrfs/tmp-$$" >/dev/null
  if [ "$(subvols)" = "root/btrfs/$kb" ] && [ "$(ls -A "$SBC_ROOT/btrfs")" = "$kb" ] && [ -z "$(cat "$T"/par?)" ]; then
    pass "btrfs: concurrent first runs share one image subvolume, leave no tmp-*"; else fail "btrfs: concurrent: $(subvols | tr '\n' ' ') / $(ls -A "$SBC_ROOT/btrfs" | tr '\n' ' ') / $(cat "$T"/par?)"; fi
  commit_checks btrfs
  sbc-rmi busybox >/dev/null
  rm_all
  expect_rc 0 "btrfs: rmi of the last image" sbc-rmi par:1
  if [ -z "$(subvols)" ]; then pass "btrfs: no subvolume left"; else fail "btrfs: subvolumes left: $(subvols | tr '\n' ' ')"; fi
  export SBC_ROOT=$ROOT0
else
  fail "btrfs: make and mount a btrfs file system on a loop device ($LOOP)"
fi

# ======================= copy, on the normal store =======================
on_exit rm_all
export SBC_STORAGE_DRIVER=copy
if make_images; then pass "copy: images made"; else fail "copy: make images"; fi
driver_checks copy
commit_checks copy
expect_rc 0 "copy: rmi" sbc-rmi busybox src:1 multi:1 multi:2
unset SBC_STORAGE_DRIVER

# ======================= an unknown SBC_STORAGE_DRIVER =====================
bash "$FIX/mkimage.sh" busybox >/dev/null
for v in zfs foo; do
  run env SBC_STORAGE_DRIVER=$v sbc-run --rm "${NONET[@]}" busybox true
  if [ "$RC" = 125 ]; then pass "SBC_STORAGE_DRIVER=$v: run exits 125"; else fail "SBC_STORAGE_DRIVER=$v: run ($(_why))"; fi
  expect_err_match "^sbc-run: invalid SBC_STORAGE_DRIVER \"$v\": expected overlay, btrfs or copy \(vfs\)$" "SBC_STORAGE_DRIVER=$v: one line naming the variable and the drivers"
done
expect_rc 125 "SBC_STORAGE_DRIVER=foo: create exits 125" env SBC_STORAGE_DRIVER=foo sbc-create "${NONET[@]}" busybox
expect_err_match '^sbc-create: invalid SBC_STORAGE_DRIVER "foo": expected overlay, btrfs or copy \(vfs\)$' "SBC_STORAGE_DRIVER=foo: create says why"
expect_out "" "SBC_STORAGE_DRIVER=foo: no container made" sbc-ps -aq
run env SBC_STORAGE_DRIVER=foo "$SBC_BIN" --version
if [ "$RC" = 0 ] && echo "$OUT" | grep -qx 'storage driver: invalid (SBC_STORAGE_DRIVER=foo)'; then pass "SBC_STORAGE_DRIVER=foo: sbc --version says invalid"; else fail "version with foo ($(_why))"; fi
expect_out "hi" "SBC_STORAGE_DRIVER=vfs means copy" env SBC_STORAGE_DRIVER=vfs sbc-run --rm "${NONET[@]}" busybox echo hi
run env SBC_STORAGE_DRIVER=vfs "$SBC_BIN" --version
if echo "$OUT" | grep -qx 'storage driver: copy'; then pass "SBC_STORAGE_DRIVER=vfs: --version says copy"; else fail "vfs version ($(_why))"; fi

# ======================= overlay stays the default =======================
run "$SBC_BIN" --version
if echo "$OUT" | grep -qx "storage driver: overlay"; then pass "overlay: the default on $(stat -f -c %T "$SBC_ROOT")"; else fail "overlay default ($(_why))"; fi
bash "$FIX/mkimage.sh" busybox >/dev/null
expect_out overlay "overlay: inspect IMAGE shows GraphDriver.Name overlay" sh -c "sbc-inspect busybox | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"GraphDriver\"][\"Name\"])'"
run sbc-create "${NONET[@]}" --name o1 busybox
expect_out overlay "overlay: a container made without SBC_STORAGE_DRIVER uses it" sh -c "sbc-inspect o1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"Driver\"])'"
sbc-rm o1 >/dev/null

t_done
