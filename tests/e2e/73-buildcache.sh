#!/bin/bash
# 73-buildcache: the build cache's intermediate images (image/buildcache.h),
# simulated without sbc-build: images made by run + commit, some untagged,
# and build-cache/<key> entries naming them, as sbc-build leaves them.
# sbc-images hides them (-a shows them, never dangling); sbc-system df counts
# them as Build Cache; sbc-image prune leaves them; sbc-builder prune and
# sbc-system prune remove them and the entries.
. "$(dirname "$0")/../lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
export SBC_ROOT=$T_TMP/store   # a store of its own: prune empties it
cleanup_all() { for c in $(sbc-ps -aq --no-trunc 2>/dev/null); do sbc-rm -f "$c"; done; }
on_exit cleanup_all
bash "$FIX/mkimage.sh" busybox >/dev/null || { fail "mkimage"; t_done; exit 1; }
BC=$SBC_ROOT/build-cache
row() { awk -v t="$1" '$0 ~ "^"t" " {print}' "$T_TMP/out"; }
key() { printf '%064x' "$1"; }
entry() { mkdir -p -m 700 "$BC"; printf '%s\n' "$2" >"$BC/$(key "$1")"; }
# step NAME FROM KB [TAG]: a build step: run FROM writing KB KiB to /NAME,
# commit it (untagged unless TAG); prints the image ID
step() {
  sbc-run --name "st-$1" --network none "$2" sh -c "dd if=/dev/urandom of=/$1 bs=1k count=$3 2>/dev/null" >/dev/null &&
    sbc-commit "st-$1" ${4:+"$4"} && sbc-rm "st-$1" >/dev/null
}
lastlayer() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]+"/images/"+sys.argv[2][7:]+".json"))["Layers"][-1]["DiffID"][7:])' "$SBC_ROOT" "$1"; }
# near HUMAN BYTES: sbc's human size (3 digits) names BYTES within 1%
near() { python3 -c 'import re,sys; m=re.fullmatch(r"([0-9.]+)(B|kB|MB|GB)",sys.argv[1]); v=float(m[1])*{"B":1,"kB":1e3,"MB":1e6,"GB":1e9}[m[2]]; b=int(sys.argv[2]); sys.exit(not abs(v-b)<=b*0.01+1)' "$1" "$2"; }
has_id() { grep -q "^${2:7:12}" <<<"$1"; } # has_id "IDS (short, one a line)" sha256:ID
nrec() { ls "$SBC_ROOT/images" | grep -c '\.json$'; }

# --- a build, then a rebuild with its last step changed: I1 -> I2 -> F0
# (app:1); then I2 -> F1, tagged app:1 (F0 untagged); D: a dangling commit
I1=$(step a busybox 256) && I2=$(step b "$I1" 256) && F0=$(step c "$I2" 384 app:1) &&
  F1=$(step d "$I2" 128 app:1) && D=$(step e busybox 64) || { fail "making the images"; t_done; exit 1; }
pass "a simulated build: 2 steps, a tagged result, a rebuild, a dangling image"

# --- sbc-images: before any entry every untagged image is listed
run sbc-images -q
if [ "$RC" = 0 ] && [ "$(wc -l <"$T_TMP/out")" = 6 ] && has_id "$OUT" "$I1" && has_id "$OUT" "$F0"; then
  pass "images without a build cache: all 6 (4 untagged) listed"
else fail "images before the cache ($(_why))"; fi
entry 1 "$I1"; entry 2 "$I2"; entry 3 "$F0"; entry 4 "$F1"
entry 5 "sha256:$(key 999)"   # stale: its image is gone
printf 'garbage' >"$BC/$(key 6)"
run sbc-images
n=$(grep -c '^<none>' "$T_TMP/out")
if [ "$RC" = 0 ] && [ "$n" = 1 ] && grep -q "${D:7:12}" "$T_TMP/out" && grep -Eq '^app +1 ' "$T_TMP/out" &&
   ! grep -Eq "${I1:7:12}|${I2:7:12}|${F0:7:12}" "$T_TMP/out"; then
  pass "images hides the intermediate images (untagged, named by the cache), shows the dangling one"
else fail "images with the cache ($(_why))"; fi
run sbc-images -a
if [ "$RC" = 0 ] && [ "$(grep -c '^<none>' "$T_TMP/out")" = 4 ] && grep -q "${I1:7:12}" "$T_TMP/out" &&
   grep -q "${I2:7:12}" "$T_TMP/out" && grep -q "${F0:7:12}" "$T_TMP/out"; then
  pass "images -a shows the intermediate images"
else fail "images -a ($(_why))"; fi
run sbc-images --all -q
if [ "$(wc -l <"$T_TMP/out")" = 6 ]; then pass "images --all -q: 6 IDs"; else fail "images --all -q ($(_why))"; fi
for a in "" -a; do
  run sbc-images $a -q -f dangling=true
  if [ "$RC" = 0 ] && [ "$OUT" = "${D:7:12}" ]; then pass "images${a:+ $a} -f dangling=true: the dangling image, no intermediate one"
  else fail "dangling filter $a ($(_why); want ${D:7:12})"; fi
done
run sbc-images -a -q -f dangling=false
if [ "$(wc -l <"$T_TMP/out")" = 2 ] && ! has_id "$OUT" "$I1"; then pass "images -a -f dangling=false: the tagged ones only"
else fail "dangling=false ($(_why))"; fi

# --- df: the intermediate images are the Build Cache; a layer a tagged
# image uses stays the images' (so only F0's own layer counts)
cb=$(du -s --block-size=1 "$SBC_ROOT/layers/$(lastlayer "$F0")" | cut -f1)
run sbc-system df
bc=$(row 'Build Cache')
set -- $bc
if [ "$RC" = 0 ] && [ "$3" = 3 ] && [ "$4" = 0 ] && near "$5" "$cb" && [ "$6" = "$5" ]; then
  pass "df: Build Cache 3 images, none active, $5 (F0's own layer, $cb bytes) all reclaimable"
else fail "df Build Cache: '$bc' (want 3 0 ~$cb bytes; $(_why))"; fi
if row Images | grep -Eq '^Images +3 +0 '; then pass "df: Images counts the 3 others (busybox, app:1, the dangling one)"
else fail "df Images: $(row Images)"; fi
run sbc-system df --format json
if python3 -c 'import json,sys; r=[json.loads(l) for l in sys.stdin]; b=r[3]; assert b["Type"]=="Build Cache" and b["TotalCount"]=="3" and b["Active"]=="0" and b["Size"]!="0B" and b["Reclaimable"]==b["Size"]' <"$T_TMP/out"; then
  pass "df --format json: the Build Cache object"
else fail "df json ($(_why))"; fi

# --- image prune: the dangling image goes, the intermediate ones and the entries stay
run sbc-image prune -f
if [ "$RC" = 0 ] && grep -q "^deleted: $D\$" "$T_TMP/out" && ! grep -Eq "$I1|$I2|$F0" "$T_TMP/out" && [ "$(nrec)" = 5 ] &&
   [ -f "$BC/$(key 1)" ] && [ -f "$BC/$(key 3)" ]; then
  pass "image prune: the dangling image only; intermediates and entries stay"
else fail "image prune ($(_why); $(nrec) records)"; fi
run sbc-image prune -a -f
if [ "$RC" = 0 ] && ! grep -Eq "$I1|$I2|$F0" "$T_TMP/out" && [ -e "$SBC_ROOT/images/${F0:7}.json" ]; then
  pass "image prune -a leaves the intermediate images too"
else fail "image prune -a ($(_why))"; fi
# (it took the unused tagged ones: put the tagged result back)
bash "$FIX/mkimage.sh" busybox >/dev/null
F1=$(step d "$I2" 128 app:1) || fail "re-making app:1"
entry 4 "$F1"

# --- a container of an intermediate image: active, not reclaimable, kept
ctr=$(sbc-create --network none "$F0" true)
run sbc-system df
set -- $(row 'Build Cache')
if [ "$4" = 1 ] && [ "$6" = 0B ]; then pass "df: an intermediate image a container uses is active, its layer not reclaimable"
else fail "df active build cache: $(row 'Build Cache')"; fi

# --- builder prune: asks first; takes the unused intermediate images and
# their entries; -a every entry
out=$(echo n | sbc-builder prune 2>&1)
if grep -q 'WARNING! This will remove all dangling build cache' <<<"$out" && grep -q 'Are you sure' <<<"$out" &&
   [ -e "$SBC_ROOT/images/${I1:7}.json" ] && [ -f "$BC/$(key 1)" ]; then pass "builder prune asks, and 'n' removes nothing"
else fail "builder prune without yes ($out)"; fi
run sbc-builder prune -f
if [ "$RC" = 0 ] && grep -q '^Deleted build cache objects:$' "$T_TMP/out" && grep -qx "$I1" "$T_TMP/out" && grep -qx "$I2" "$T_TMP/out" &&
   ! grep -q "$F0" "$T_TMP/out" && grep -q '^Total reclaimed space: ' "$T_TMP/out" &&
   [ ! -e "$SBC_ROOT/images/${I1:7}.json" ] && [ ! -e "$SBC_ROOT/images/${I2:7}.json" ] && [ -e "$SBC_ROOT/images/${F0:7}.json" ] &&
   [ ! -e "$BC/$(key 1)" ] && [ ! -e "$BC/$(key 2)" ] && [ -f "$BC/$(key 3)" ] && [ -f "$BC/$(key 4)" ]; then
  pass "builder prune -f: the unused intermediates and their entries; the one in use and the tagged one's entry stay"
else fail "builder prune ($(_why); entries: $(ls "$BC" | cut -c60- | tr '\n' ' '))"; fi
run sbc-run --rm --network none app:1 sh -c 'test -s /a && test -s /b && test -s /d && echo ok'
if [ "$OUT" = ok ]; then pass "app:1 keeps the layers it shared with the removed intermediates"; else fail "app:1 after builder prune ($(_why))"; fi
sbc-rm "$ctr" >/dev/null
run sbc-builder prune -a -f
set -- $(grep '^Total reclaimed space: ' "$T_TMP/out")
if [ "$RC" = 0 ] && grep -qx "$F0" "$T_TMP/out" && near "$4" "$cb" && [ -z "$(ls -A "$BC")" ] &&
   [ ! -e "$SBC_ROOT/images/${F0:7}.json" ] && [ -e "$SBC_ROOT/images/${F1:7}.json" ]; then
  pass "builder prune -a: every entry, F0 ($4 reclaimed, its own layer), app:1 stays"
else fail "builder prune -a ($(_why); entries: $(ls -A "$BC" | tr '\n' ' '))"; fi
run sbc-system df
if row 'Build Cache' | grep -Eq '^Build Cache +0 +0 +0B +0B$'; then pass "df: no build cache left"; else fail "df after builder prune: $(row 'Build Cache')"; fi

# --- system prune: the unused build cache with the rest; -a all of it
G=$(step g busybox 200) || fail "making G"
entry 7 "$G"; entry 8 "$F1"
gb=$(du -s --block-size=1 "$SBC_ROOT/layers/$(lastlayer "$G")" | cut -f1)
run sbc-system prune -f
set -- $(grep '^Total reclaimed space: ' "$T_TMP/out")
if [ "$RC" = 0 ] && grep -q '^Deleted build cache objects:$' "$T_TMP/out" && grep -qx "$G" "$T_TMP/out" && near "$4" "$gb" &&
   [ "$(grep -c '^Total reclaimed space' "$T_TMP/out")" = 1 ] && [ ! -e "$BC/$(key 7)" ] && [ -f "$BC/$(key 8)" ] &&
   [ ! -e "$SBC_ROOT/images/${G:7}.json" ] && sbc-images | grep -Eq '^app +1 '; then
  pass "system prune: the intermediate image and its entry, counted in the total ($4); app:1 and its entry stay"
else fail "system prune ($(_why))"; fi
run sbc-system prune -a -f
if [ "$RC" = 0 ] && [ -z "$(ls -A "$BC")" ] && [ -z "$(sbc-images -aq)" ]; then pass "system prune -a: all build cache and every image"
else fail "system prune -a ($(_why); entries: $(ls -A "$BC" | tr '\n' ' '))"; fi

# --- usage
expect_rc 125 "builder: unknown command" sbc-builder frob
expect_rc 125 "builder: no command" sbc-builder
t_done
