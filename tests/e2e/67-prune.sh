#!/bin/bash
# 67-prune: sbc-system df and prune, sbc-container prune, sbc-image prune
# (Docker's outputs; the confirmation; what is in use stays).
. "$(dirname "$0")/../lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
export SBC_ROOT=$T_TMP/store   # a store of its own: prune empties it
cleanup_all() { for c in $(sbc-ps -aq --no-trunc 2>/dev/null); do sbc-rm -f "$c"; done; }
on_exit cleanup_all
bash "$FIX/mkimage.sh" busybox >/dev/null || { fail "mkimage"; t_done; exit 1; }
row() { awk -v t="$1" '$0 ~ "^"t" " {print}' "$T_TMP/out"; }

# --- df
run sbc-system df
if [ "$RC" = 0 ] && head -1 "$T_TMP/out" | grep -Eq '^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$' &&
   row Images | grep -Eq '^Images +1 +0 ' && row Containers | grep -Eq '^Containers +0 +0 +0B'; then
  pass "df: Docker's columns, one unused image, no container"
else fail "df empty ($(_why))"; fi
sbc-create --name stopped1 --network none busybox true >/dev/null
sbc-run --name wrote --network none busybox sh -c 'dd if=/dev/zero of=/big bs=1k count=512 2>/dev/null' >/dev/null
up=$(sbc-run -d --name up --network none busybox sleep 60)
sbc-commit wrote >/dev/null   # an untagged (dangling) image sharing busybox's layer
run sbc-system df
if row Containers | grep -Eq '^Containers +3 +1 ' && row Images | grep -Eq '^Images +2 +1 ' &&
   grep -q 'images share' "$T_TMP/out"; then pass "df: 3 containers (1 running), 2 images (1 in use), a shared layer counted once"
else fail "df counts ($(_why))"; fi
rec=$(row Containers | awk '{print $5}')
case $rec in 0B) fail "df: the stopped containers' 512 KiB are not reclaimable ($rec)" ;; *) pass "df: stopped containers reclaimable ($rec)" ;; esac
run sbc-system df --format json
if [ "$RC" = 0 ] && [ "$(wc -l <"$T_TMP/out")" = 4 ] &&
   python3 -c 'import json,sys; r=[json.loads(l) for l in sys.stdin]; assert [x["Type"] for x in r]==["Images","Containers","Local Volumes","Build Cache"]; assert int(r[0]["Shared"])>0' <"$T_TMP/out"; then
  pass "df --format json: 4 objects, the shared bytes"
else fail "df json ($(_why))"; fi

# --- container prune: asks first, takes only stopped containers
out=$(echo n | sbc-container prune 2>&1)
if [ "$(sbc-ps -aq | wc -l)" = 3 ] && grep -q 'Are you sure' <<<"$out"; then pass "container prune asks, and 'n' removes nothing"
else fail "container prune without yes ($out)"; fi
run sbc-container prune -f
n=$(grep -Ec '^[0-9a-f]{64}$' "$T_TMP/out")
if [ "$RC" = 0 ] && grep -q '^Deleted Containers:$' "$T_TMP/out" && [ "$n" = 2 ] && grep -Eq '^Total reclaimed space: [1-9]' "$T_TMP/out"; then
  pass "container prune -f: the two stopped ones, space reclaimed"
else fail "container prune ($(_why))"; fi
if [ "$(sbc-ps -aq --no-trunc)" = "$up" ]; then pass "the running container stays"; else fail "running container after prune: $(sbc-ps -aq)"; fi

# --- image prune: dangling only, then -a: never what a container uses
run sbc-image prune -f
if [ "$RC" = 0 ] && grep -Eq '^deleted: sha256:[0-9a-f]{64}$' "$T_TMP/out" && sbc-images | grep -q busybox && [ "$(ls "$SBC_ROOT"/images/*.json | wc -l)" = 1 ]; then
  pass "image prune: the dangling commit goes, busybox stays"
else fail "image prune ($(_why))"; fi
run sbc-image prune -a -f
if [ "$RC" = 0 ] && ! grep -q '^deleted:' "$T_TMP/out" && sbc-images | grep -q busybox; then pass "image prune -a keeps the image a running container uses"
else fail "image prune -a in use ($(_why))"; fi
sbc-rm -f "$up" >/dev/null
run sbc-system prune -a -f
if [ "$RC" = 0 ] && grep -q '^untagged: .*busybox' "$T_TMP/out" && grep -Eq '^deleted: sha256:' "$T_TMP/out" && [ -z "$(sbc-images -q)" ] &&
   [ -z "$(ls "$SBC_ROOT/layers")" ]; then pass "system prune -a: the unused image and its layers go"
else fail "system prune -a ($(_why))"; fi
run sbc-system df
if row Images | grep -Eq '^Images +0 +0 +0B'; then pass "df after prune: nothing left"; else fail "df after prune ($(_why))"; fi

# --- volumes: df counts them, system prune --volumes takes the unused
# anonymous ones, never a named one nor one a container names
bash "$FIX/mkimage.sh" busybox >/dev/null
sbc-volume create named1 >/dev/null
sbc-run --name anonuser --network none -v /data busybox sh -c 'echo x > /data/f' >/dev/null
anon=$(sbc-inspect anonuser | python3 -c 'import json,sys; print([m["Name"] for m in json.load(sys.stdin)[0]["Mounts"] if m.get("Type")=="volume"][0])')
keep=$(sbc-create --network none -v named1:/n busybox true)
sbc-rm anonuser >/dev/null   # (without -v: its anonymous volume stays, dangling)
run sbc-system df
if row 'Local Volumes' | grep -Eq '^Local Volumes +2 +1 '; then pass "df: two volumes, one in use"; else fail "df volumes ($(_why))"; fi
run sbc-system prune -f
if sbc-volume ls -q | grep -qx "$anon"; then pass "system prune without --volumes keeps volumes"; else fail "prune took a volume without --volumes"; fi
run sbc-system prune -f --volumes
if [ "$RC" = 0 ] && grep -q '^Deleted Volumes:$' "$T_TMP/out" && ! sbc-volume ls -q | grep -qx "$anon" && sbc-volume ls -q | grep -qx named1; then
  pass "system prune --volumes: the unused anonymous volume goes, the named one stays"
else fail "prune --volumes ($(_why); left: $(sbc-volume ls -q | tr '\n' ' '))"; fi
sbc-rm "$keep" >/dev/null

# --- usage errors
expect_rc 125 "system: unknown command" sbc-system frob
expect_rc 125 "image: unknown command" sbc-image frob
expect_rc 125 "container: unknown command" sbc-container frob
expect_rc 0 "container ls runs ps" sbc-container ls -a
t_done
