#!/bin/bash
# Images from directories, tarballs and containers: init, import, export,
# commit, save, load (Docker and OCI archives, through skopeo and podman too).
. "$(dirname "$0")/../lib.sh"
TREECMP="$(dirname "$0")/../treecmp.py"
HAVE_FX=0
if [ -n "${SBC_FIXTURE_ENV:-}" ]; then
  . "$SBC_FIXTURE_ENV"; . "$(dirname "$SBC_FIXTURE_ENV")/images.env"; HAVE_FX=1
fi
T=$T_TMP
ROOT2=$T/root2
on_exit "rm -rf --one-file-system '$ROOT2' '$T/root3' '$T/root4'"
record() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]+"/images/"+sys.argv[2].split(":")[1]+".json")); print(sys.argv[3] and r["Layers"][int(sys.argv[3])][sys.argv[4]] or "")' "$@"; }
diffids() { python3 -c 'import json,sys; c=json.load(open(sys.argv[1]+"/blobs/sha256/"+sys.argv[2].split(":")[1])); print(" ".join(c["rootfs"]["diff_ids"]))' "$1" "$2"; }
imgid() { SBC_ROOT=${2:-$SBC_ROOT} sbc-inspect --format '{{.Id}}' "$1" 2>/dev/null || SBC_ROOT=${2:-$SBC_ROOT} sbc-inspect "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])'; }

# --- a source tree with everything a layer can hold
S=$T/src
mkdir -p "$S/bin" "$S/etc" "$S/data/dir/sub" "$S/opq/old" "$S/empty"
cp /bin/busybox "$S/bin/busybox"
for a in sh ls cat echo rm mkdir sleep touch stat find sort test tar; do ln -s busybox "$S/bin/$a"; done
echo keep >"$S/data/keep"; echo del >"$S/data/del"; echo f >"$S/data/dir/sub/f"; echo o >"$S/opq/old/x"
ln "$S/data/keep" "$S/data/hardlink"
chmod 4755 "$S/bin/busybox"; chown 1000:1000 "$S/data/del"; chmod 0700 "$S/empty"
mkfifo "$S/data/fifo"
python3 -c 'import os,sys; os.setxattr(sys.argv[1], "user.test", b"hello")' "$S/data/keep"
python3 -c 'import os,sys; os.setxattr(sys.argv[1], "security.capability", bytes.fromhex("0000000200040000000000000000000000000000"))' "$S/data/dir/sub/f" 2>/dev/null
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$S/etc/passwd"
touch -d 2024-01-01 "$S/data/keep" "$S/data/del" "$S/data/dir/sub/f" "$S/opq/old/x"

# --- init
run sbc-init -c 'CMD ["cat", "/data/keep"]' -c 'ENV FOO=bar' "$S" src:1
ID1=$OUT
if [ "$RC" = 0 ] && [[ "$ID1" =~ ^sha256:[0-9a-f]{64}$ ]]; then pass "init DIR prints the image ID"; else fail "init ($(_why))"; fi
run sbc-init "$S" src:2
L1=$(record "$SBC_ROOT" "$ID1" 0 Digest); L2=$(record "$SBC_ROOT" "$OUT" 0 Digest)
if [ -n "$L1" ] && [ "$L1" = "$L2" ]; then pass "init is reproducible: same tree, same layer digest"; else fail "reproducible layers ($L1 vs $L2)"; fi
A=$(SOURCE_DATE_EPOCH=1700000000 sbc-init "$S" 2>&1); B=$(SOURCE_DATE_EPOCH=1700000000 sbc-init "$S" 2>&1)
if [ "$A" = "$B" ]; then pass "with SOURCE_DATE_EPOCH the image ID is reproducible"; else fail "SOURCE_DATE_EPOCH ($A vs $B)"; fi
run sbc-init --compress zstd "$S" src:zstd
MT=$(record "$SBC_ROOT" "$OUT" 0 MediaType)
if [ "$MT" = "application/vnd.oci.image.layer.v1.tar+zstd" ]; then pass "init --compress zstd writes a zstd layer"; else fail "zstd layer ($MT; $(_why))"; fi
if [ "$(diffids "$SBC_ROOT" "$OUT")" = "$(diffids "$SBC_ROOT" "$ID1")" ]; then pass "gzip and zstd layers have the same diff ID"; else fail "diff ids differ"; fi
run sbc-inspect src:1
if echo "$OUT" | grep -q '"FOO=bar"' && echo "$OUT" | grep -q '"/data/keep"'; then pass "init -c sets CMD and ENV"; else fail "init -c ($(_why))"; fi

# --- export of an image equals the tree
sbc-export src:1 >"$T/src1.tar" 2>"$T/err"; RC=$?
mkdir "$T/x1" && tar -xpf "$T/src1.tar" -C "$T/x1" --xattrs --xattrs-include='*' 2>/dev/null
chmod 755 "$T/x1"; chmod 755 "$S"
run python3 "$TREECMP" "$S" "$T/x1"
if [ "$RC" = 0 ]; then pass "export IMAGE gives back the tree (modes, owners, links, xattrs)"; else fail "export tree: $(head -c 400 "$T/out")"; fi
if tar -tvf "$T/src1.tar" | grep -q 'data/hardlink link to data/keep\|data/keep link to data/hardlink'; then pass "hardlinks are tar hardlinks"; else fail "hardlink entry"; fi
expect_rc 125 "export of an unknown name fails" sbc-export nosuchthing
expect_err_match "No such container or image: nosuchthing" "export: clear error for an unknown name"

# --- import: stdin, plain and compressed; hostile
run sh -c "tar -c -C '$S' . | sbc-import -c 'WORKDIR /data' - imp:plain"
if [ "$RC" = 0 ] && [ "$(record "$SBC_ROOT" "$OUT" 0 MediaType)" = "application/vnd.oci.image.layer.v1.tar+gzip" ]; then pass "tar c | import -: a plain tar is stored gzip-compressed"; else fail "import plain ($(_why))"; fi
IMPID=$OUT
tar -c -C "$S" . | zstd -q -c >"$T/src.tar.zst"
run sbc-import "$T/src.tar.zst" imp:zstd
if [ "$RC" = 0 ] && [ "$(record "$SBC_ROOT" "$OUT" 0 Digest)" = "sha256:$(sha256sum <"$T/src.tar.zst" | cut -c1-64)" ]; then pass "import of a zstd tarball keeps it as the layer blob"; else fail "import zstd ($(_why))"; fi
run sh -c "sbc-export src:1 | sbc-import - imp:again"
if [ "$RC" = 0 ] && [ "$(diffids "$SBC_ROOT" "$OUT")" = "$(diffids "$SBC_ROOT" "$ID1")" ]; then pass "export | import - gives the same layer as init"; else fail "export|import ($(_why))"; fi
if [ "$HAVE_FX" = 1 ]; then
  # an absolute name is taken as relative to the layer root, like Docker: accepted, harmless
  run sh -c "sbc-import - hostile:abs <'$HOSTILE_DIR/abs.tar'"
  if [ "$RC" = 0 ] && [ ! -e /etc/sbc-hostile-abs ]; then pass "import of absolute names stays inside the layer"; else fail "import abs ($(_why))"; fi
  for h in dotdot symlink-dir hardlink-dotdot deep-dotdot symlink-rel; do
    run sh -c "sbc-import - hostile:$h <'$HOSTILE_DIR/$h.tar'"
    if [ "$RC" != 0 ] && grep -q "entry" "$T/err" && [ ! -e /etc/sbc-hostile-abs ] && [ ! -e "/tmp/sbc-hostile-dotdot" ]; then pass "import refuses the hostile tarball $h"; else fail "hostile import $h ($(_why))"; fi
  done
fi
if [ -z "$(ls "$SBC_ROOT/tmp" 2>/dev/null)" ]; then pass "failed imports leave nothing in tmp/"; else fail "tmp/ not empty: $(ls "$SBC_ROOT/tmp")"; fi

# --- save / load through sbc
run sh -c "sbc-save src:1 imp:zstd | SBC_ROOT='$ROOT2' sbc-load"
if [ "$RC" = 0 ] && grep -q "Loaded image: docker.io/library/src:1" "$T/out"; then pass "save | load into a second store"; else fail "save|load ($(_why))"; fi
if [ "$(imgid src:1 "$ROOT2")" = "$ID1" ]; then pass "save then load keeps the image ID"; else fail "image ID changed: $(imgid src:1 "$ROOT2") vs $ID1"; fi
run sh -c "SBC_ROOT='$ROOT2' sbc-run --rm --network none src:1"
if [ "$OUT" = keep ]; then pass "the loaded image runs"; else fail "run loaded ($(_why))"; fi
expect_rc 0 "save -o FILE --format oci" sbc-save -o "$T/oci.tar" --format oci src:1 imp:zstd
if tar -tf "$T/oci.tar" | grep -qx oci-layout && tar -tf "$T/oci.tar" | grep -qx index.json && ! tar -tf "$T/oci.tar" | grep -qx manifest.json; then pass "OCI archive layout"; else fail "oci layout: $(tar -tf "$T/oci.tar" | head)"; fi
if tar -tf "$T/oci.tar" | grep -q "${L1#sha256:}"; then pass "OCI archive holds the stored (compressed) layer blob"; else fail "oci blob"; fi
run env SBC_ROOT="$T/root3" sbc-load -i "$T/oci.tar"
if [ "$RC" = 0 ] && [ "$(imgid src:1 "$T/root3")" = "$ID1" ]; then pass "load of an OCI archive keeps the image ID"; else fail "oci load ($(_why))"; fi

# --- through skopeo and podman
if command -v skopeo >/dev/null; then
  sbc-save src:1 >"$T/d.tar"
  run skopeo copy "docker-archive:$T/d.tar" "oci:$T/sk:src"
  if [ "$RC" = 0 ]; then pass "skopeo reads sbc's Docker archive"; else fail "skopeo docker-archive ($(_why))"; fi
  run skopeo copy "oci-archive:$T/oci.tar:1" "oci:$T/sk:ociarch"
  if [ "$RC" = 0 ]; then pass "skopeo reads sbc's OCI archive"; else fail "skopeo oci-archive ($(_why))"; fi
  run skopeo copy "oci:$T/sk:src" "docker-archive:$T/back.tar:back/src:1"
  run env SBC_ROOT="$T/root4" sbc-load -i "$T/back.tar"
  if [ "$RC" = 0 ] && [ "$(diffids "$T/root4" "$(imgid back/src:1 "$T/root4")")" = "$(diffids "$SBC_ROOT" "$ID1")" ]; then pass "skopeo docker-archive -> oci -> docker-archive -> sbc-load keeps the layers"; else fail "skopeo round trip ($(_why))"; fi
  run skopeo copy "oci:$T/sk:src" "oci-archive:$T/back-oci.tar:x"
  run env SBC_ROOT="$T/root4" sbc-load -i "$T/back-oci.tar"
  if [ "$RC" = 0 ] && grep -q "Loaded image" "$T/out"; then pass "sbc-load reads skopeo's OCI archive"; else fail "load skopeo oci ($(_why))"; fi
else
  fail "skopeo not installed"
fi
if command -v podman >/dev/null; then
  run timeout 120 podman load -i "$T/d.tar"
  if [ "$RC" = 0 ] && grep -q "src:1" "$T/out"; then pass "podman load reads sbc's Docker archive"; else fail "podman load ($(_why))"; fi
  PN=$(sed -n 's/^Loaded image: //p' "$T/out" | head -1)
  [ -n "$PN" ] && timeout 60 podman rmi -f "$PN" >/dev/null 2>&1
else
  skip "podman load of sbc's Docker archive: podman is not installed"
fi

# --- hostile archives for load
H=$T/hostile; mkdir -p "$H"
mk_archive() { # DIR NAME: tar of DIR's content
  tar -c -C "$1" --owner=0 --group=0 -f "$T/$2.tar" .
}
mkdir -p "$H/good" && tar -x -C "$H/good" -f "$T/d.tar"
CFG=$(python3 -c 'import json;print(json.load(open("'"$H/good"'/manifest.json"))[0]["Config"])')
LAY=$(python3 -c 'import json;print(json.load(open("'"$H/good"'/manifest.json"))[0]["Layers"][0])')
# a manifest naming files outside the archive
cp -a "$H/good" "$H/outside"
python3 - "$H/outside/manifest.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1])); m[0]["Layers"][0] = "../../../../etc/passwd"
json.dump(m, open(sys.argv[1], "w"))
EOF
mk_archive "$H/outside" outside
run env SBC_ROOT="$T/root5" sbc-load -i "$T/outside.tar"
if [ "$RC" != 0 ] && grep -q "not in the archive" "$T/err"; then pass "load refuses a manifest naming a file outside the archive"; else fail "outside ($(_why))"; fi
# a wrong digest: one byte of the layer changed
cp -a "$H/good" "$H/baddigest"
python3 - "$H/baddigest/$LAY" <<'EOF'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
i = b.find(b"keep\n"); b[i] = ord("K"); open(p, "wb").write(b)
EOF
mk_archive "$H/baddigest" baddigest
run env SBC_ROOT="$T/root5" sbc-load -i "$T/baddigest.tar"
if [ "$RC" != 0 ] && grep -q "digest mismatch\|does not match" "$T/err"; then pass "load refuses a layer with a wrong digest"; else fail "wrong digest ($(_why))"; fi
# a config with a wrong digest
cp -a "$H/good" "$H/badcfg"
sed -i 's/"FOO=bar"/"FOO=baz"/' "$H/badcfg/$CFG"
mk_archive "$H/badcfg" badcfg
run env SBC_ROOT="$T/root5" sbc-load -i "$T/badcfg.tar"
if [ "$RC" != 0 ] && grep -q "digest mismatch" "$T/err"; then pass "load refuses a config with a wrong digest"; else fail "bad config ($(_why))"; fi
# path traversal in member names
python3 - "$T/trav.tar" "$H/good/manifest.json" <<'EOF'
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w")
data = b"owned\n"
ti = tarfile.TarInfo("../../sbc-hostile-load"); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
m = open(sys.argv[2], "rb").read()
ti = tarfile.TarInfo("manifest.json"); ti.size = len(m); t.addfile(ti, io.BytesIO(m)); t.close()
EOF
run env SBC_ROOT="$T/root5" sbc-load -i "$T/trav.tar"
if [ "$RC" != 0 ] && grep -q "escapes the archive" "$T/err" && [ ! -e "$T/../sbc-hostile-load" ]; then pass "load refuses member names escaping the archive"; else fail "traversal ($(_why))"; fi
if [ -z "$(ls "$T/root5/images" 2>/dev/null)" ] && [ -z "$(ls "$T/root5/tmp" 2>/dev/null)" ]; then pass "refused archives leave no image and nothing in tmp/"; else fail "root5 not clean: $(ls "$T/root5/images" "$T/root5/tmp")"; fi
rm -rf --one-file-system "$T/root5"

# --- commit (needs sbc-run)
if sbc-run --rm src:1 >/dev/null 2>&1; then
  run sbc-run --name c1 src:1 sh -c 'echo new >/data/new; echo changed >/data/keep; rm /data/del; rm -r /data/dir; rm -rf /opq; mkdir -p /opq/fresh; echo n >/opq/fresh/f'
  run sbc-commit -m "my change" -c 'CMD ["sh"]' c1 committed:1
  if [ "$RC" = 0 ] && [[ "$OUT" =~ ^sha256: ]]; then pass "commit prints the new image ID"; else fail "commit ($(_why))"; fi
  run sbc-run --rm committed:1 sh -c 'cat /data/new /data/keep; test -e /data/del || echo del-gone; test -e /data/dir || echo dir-gone; ls /opq; test -e /opq/old || echo opq-hides'
  want=$'new\nchanged\ndel-gone\ndir-gone\nfresh\nopq-hides'
  if [ "$OUT" = "$want" ]; then pass "the committed image shows the changes, deletions and the opaque dir"; else fail "committed content ($(_why))"; fi
  D=$(record "$SBC_ROOT" "$(imgid committed:1)" 1 Digest)
  if tar -tf "$SBC_ROOT/blobs/sha256/${D#sha256:}" | grep -qx 'data/.wh.del' && tar -tf "$SBC_ROOT/blobs/sha256/${D#sha256:}" | grep -qx 'opq/.wh..wh..opq'; then pass "the new layer holds .wh. and .wh..wh..opq entries"; else fail "whiteout entries: $(tar -tf "$SBC_ROOT/blobs/sha256/${D#sha256:}" | head -20 | tr '\n' ' ')"; fi
  run sbc-inspect committed:1
  if echo "$OUT" | grep -q '"my change"' || python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert c["history"][-1]["comment"]=="my change"' "$SBC_ROOT/blobs/sha256/$(imgid committed:1 | cut -d: -f2)"; then pass "commit -m adds a history entry"; else fail "history"; fi
  # a running container: commit and export while it runs (its tree seen through /proc/PID/root)
  run sbc-run -d --name c2 src:1 sh -c 'echo live >/data/live; rm /data/del; touch /tmp/ready; sleep 60'
  PID=$(sbc-inspect c2 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["State"]["Pid"])' 2>/dev/null)
  wait_for 20 test -e "/proc/$PID/root/tmp/ready"
  run sbc-commit c2 committed:live
  run sbc-run --rm committed:live cat /data/live
  if [ "$OUT" = live ]; then pass "commit of a running container"; else fail "commit running ($(_why))"; fi
  sbc-export c2 >"$T/c2.tar"
  mkdir "$T/c2x" && tar -xpf "$T/c2.tar" -C "$T/c2x" --xattrs --xattrs-include='*' 2>/dev/null
  for d in proc sys dev etc/hostname etc/hosts etc/resolv.conf; do rm -rf "$T/c2x/$d"; done
  mkdir "$T/c2in" && (cd "/proc/$PID/root" && tar -c --one-file-system --xattrs --xattrs-include='*' --exclude=./proc --exclude=./sys --exclude=./dev --exclude=./etc/hostname --exclude=./etc/hosts --exclude=./etc/resolv.conf .) | tar -xp -C "$T/c2in" --xattrs --xattrs-include='*' 2>/dev/null
  chmod 755 "$T/c2in" "$T/c2x"
  run python3 "$TREECMP" "$T/c2in" "$T/c2x"
  if [ "$RC" = 0 ] && [ "$(cat "$T/c2x/data/live")" = live ] && [ ! -e "$T/c2x/data/del" ]; then pass "export CONTAINER equals the running container's tree"; else fail "export container: $(head -c 400 "$T/out")"; fi
  # a big change: the default gzip layer is several independent gzip members
  # (1 MiB blocks, compressed in parallel); every reader takes it
  MT=$(record "$SBC_ROOT" "$(imgid committed:1)" 1 MediaType)
  if [ "$MT" = "application/vnd.oci.image.layer.v1.tar+gzip" ]; then pass "commit writes a gzip layer by default"; else fail "commit media type: $MT"; fi
  run sbc-run --name c3 src:1 sh -c 'busybox head -c 3000000 /dev/urandom >/big; busybox head -c 3000000 /bin/busybox >/text; busybox sha256sum /big /text'
  SUMS=$OUT
  run sbc-commit c3 committed:big
  BIGID=$OUT
  D=$(record "$SBC_ROOT" "$BIGID" 1 Digest); BLOB=$SBC_ROOT/blobs/sha256/${D#sha256:}
  DIFF=$(diffids "$SBC_ROOT" "$BIGID" | cut -d' ' -f2)
  NM=$(python3 -c 'import sys,zlib
b=open(sys.argv[1],"rb").read(); n=0
while b:
    d=zlib.decompressobj(31); d.decompress(b); assert d.eof; b=d.unused_data; n+=1
print(n)' "$BLOB" 2>&1)
  if [ "$RC" = 0 ] && [ -n "$SUMS" ] && [ "$NM" -gt 2 ] 2>/dev/null; then pass "a big commit's layer is $NM gzip members"; else fail "members: $NM ($(_why))"; fi
  if gzip -t "$BLOB" && [ "sha256:$(gzip -dc "$BLOB" | sha256sum | cut -c1-64)" = "$DIFF" ]; then pass "gzip -t passes and gzip -dc | sha256sum gives the diff ID"; else fail "gzip -dc of the committed layer ($DIFF)"; fi
  run sbc-commit c3 committed:big2
  if [ "$(record "$SBC_ROOT" "$OUT" 1 Digest)" = "$D" ]; then pass "committing the same change twice gives the same layer digest"; else fail "commit reproducible ($D vs $(record "$SBC_ROOT" "$OUT" 1 Digest))"; fi
  # names that are not ASCII (UTF-8, and bytes that are not UTF-8): pax path records
  run sbc-run --name c4 --network none src:1 sh -c 'mkdir /n && cd /n && echo u >"$(printf "caf\303\251")" && echo b >"$(printf "bad\377")" && ln -s "$(printf "caf\303\251")" "$(printf "l\303\251")"'
  run sbc-commit c4 committed:names
  if [ "$RC" = 0 ]; then pass "commit of non-ASCII names"; else fail "commit non-ASCII names ($(_why))"; fi
  run sbc-run --rm --network none committed:names sh -c 'cd /n && cat "$(printf "caf\303\251")" "$(printf "bad\377")" "$(printf "l\303\251")"'
  if [ "$OUT" = "$(printf 'u\nb\nu')" ]; then pass "non-ASCII names come back from the committed layer"; else fail "non-ASCII names ($(_why))"; fi
  sbc-rm -f c4 >/dev/null 2>&1
  run sbc-commit --compress gzip:6 c3 committed:big6
  D6=$(record "$SBC_ROOT" "$OUT" 1 Digest)
  if [ "$RC" = 0 ] && [ "$D6" != "$D" ] && [ "$(diffids "$SBC_ROOT" "$OUT")" = "$(diffids "$SBC_ROOT" "$BIGID")" ]; then pass "commit --compress gzip:6: another blob, the same diff ID"; else fail "gzip:6 ($(_why))"; fi
  sbc-save committed:big >"$T/big.tar"
  run sh -c "SBC_ROOT='$ROOT2' sbc-load -i '$T/big.tar' >/dev/null && SBC_ROOT='$ROOT2' sbc-run --rm --network none committed:big busybox sha256sum /big /text"
  if [ "$RC" = 0 ] && [ "$OUT" = "$SUMS" ]; then pass "commit -> save -> load into a second store -> run: the big files are intact"; else fail "big round trip ($(_why))"; fi
  if command -v skopeo >/dev/null; then
    run skopeo copy "docker-archive:$T/big.tar" "oci:$T/sk:big"
    if [ "$RC" = 0 ]; then pass "skopeo reads the committed image's Docker archive"; else fail "skopeo big ($(_why))"; fi
  else
    fail "skopeo is not installed (the registry fixture needs it too)"
  fi
  if command -v podman >/dev/null; then
    run timeout 120 podman load -i "$T/big.tar"
    if [ "$RC" = 0 ] && grep -q "committed:big" "$T/out"; then pass "podman load applies the multi-member gzip layer"; else fail "podman load big ($(_why))"; fi
    PN=$(sed -n 's/^Loaded image: //p' "$T/out" | head -1)
    [ -n "$PN" ] && timeout 60 podman rmi -f "$PN" >/dev/null 2>&1
  else
    skip "podman load of the multi-member gzip layer: podman is not installed"
  fi
  sbc-rm -f c2 c1 c3 >/dev/null 2>&1
else
  fail "sbc-run does not work here: commit untested"
fi
t_done
