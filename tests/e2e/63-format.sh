#!/bin/bash
# 63-format: --format templates and --filter on ps, images and inspect;
# --label/--label-file on create and run (Docker's documented behaviour).
. "$(dirname "$0")/../lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures" && pwd)
cleanup_all() { for c in $(sbc-ps -aq --no-trunc 2>/dev/null); do sbc-rm -f "$c" >/dev/null 2>&1; done; }
on_exit cleanup_all
bash "$FIX/mkimage.sh" busybox >/dev/null || { fail "mkimage"; t_done; exit 1; }
LIMG=$(LABELS='{"img":"base","over":"image"}' bash "$FIX/mkimage.sh" lbl)
# sorted stdout of the last run, one line
sorted() { sort <"$T_TMP/out" | tr '\n' ' ' | sed 's/ $//'; }
# expect_sorted WANT "what" CMD...: rc 0 and the sorted lines of stdout
expect_sorted() {
  local want=$1 what=$2; shift 2
  run "$@"
  if [ "$RC" = 0 ] && [ "$(sorted)" = "$want" ]; then pass "$what"; else fail "$what (want '$want'; $(_why))"; fi
}
# expect_refused REGEX "what" CMD...: rc 125, nothing on stdout, one stderr line matching
expect_refused() {
  local re=$1 what=$2; shift 2
  run "$@"
  if [ "$RC" = 125 ] && [ -z "$OUT" ]; then expect_err_match "$re" "$what"; else fail "$what (want rc=125, no stdout; $(_why))"; fi
}

# --- labels: the image's, then --label-file's, then --label's
printf '# a comment\n\nf1=fromfile\nover=file\nbare\n' >"$T_TMP/labels"
run sbc-create --name c1 -l a=1 --label over=cli --label-file "$T_TMP/labels" --network none lbl
C1=$OUT
[ "$RC" = 0 ] && pass "create with --label and --label-file" || fail "create labels ($(_why))"
run sbc-inspect -f '{{json .Config.Labels}}' c1
echo "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d=={"img":"base","over":"cli","f1":"fromfile","bare":"","a":"1"}, d' \
  && pass "Config.Labels: image's, file's, CLI's (last wins; KEY alone is empty)" || fail "labels merged ($(_why))"
expect_out "cli" "inspect -f index .Config.Labels" sbc-inspect -f '{{index .Config.Labels "over"}}' c1
expect_out "created" "inspect --format .State.Status" sbc-inspect --format '{{.State.Status}}' c1
expect_out "notty|fromfile" "inspect if/else and nested fields" sbc-inspect -f '{{if .Config.Tty}}tty{{else}}notty{{end}}|{{.Config.Labels.f1}}' c1
expect_out "base" "inspect -f on an image" sbc-inspect -f '{{.Config.Labels.img}}' lbl
run sbc-inspect -f '{{range .Config.Env}}<{{.}}>{{end}}' c1
[[ "$OUT" == "<PATH="*">" ]] && pass "inspect range over .Config.Env" || fail "range ($(_why))"
expect_refused "sbc-inspect: --format: template: .*can't evaluate field Nope" "inspect unknown field: 125, no output" \
  sbc-inspect -f '{{.Nope}}' c1
expect_refused "sbc-run: --label-file /nonexistent: No such file" "--label-file missing: 125" \
  sbc-run --label-file /nonexistent busybox true

run sbc-create --name c2 --network none busybox
C2=$OUT
mkdir -p "$T_TMP/vol"
run sbc-create --name v3 --network none -v "$T_TMP/vol:/data" busybox
run sbc-run -d --name r1 --network none -l role=web busybox sleep 60
[ "$RC" = 0 ] && pass "run -d r1" || fail "run r1 ($(_why))"

# --- ps --format
expect_sorted "c1 c2 r1 v3" "ps -a --format {{.Names}}" sbc-ps -a --format '{{.Names}}'
expect_sorted "r1" "ps --format: only running without -a" sbc-ps --format '{{.Names}}'
run sbc-ps -a --format 'table {{.Names}}\t{{.State}}' -f name=c
if [ "$RC" = 0 ] && [ "$(head -1 "$T_TMP/out")" = "NAMES     STATE" ] && grep -qx "c1        created" "$T_TMP/out" && [ "$(wc -l <"$T_TMP/out")" = 3 ]; then
  pass "ps table: Docker's titles, tabwriter columns (min 10, padding 3)"; else fail "ps table ($(_why))"; fi
run sbc-ps -a --format 'table {{.ID}}\t{{.Image}}\t{{.Names}}' -f name=c1
if [ "$(head -1 "$T_TMP/out")" = "CONTAINER ID   IMAGE     NAMES" ] && grep -qx "${C1:0:12}   lbl       c1" "$T_TMP/out"; then
  pass "ps table {{.ID}}: CONTAINER ID title, 12-char ID"; else fail "ps table ID ($(_why))"; fi
expect_out "${C1:0:12}:lbl:created:1" "ps --format .ID .Image .State .Labels-index" \
  sbc-ps -a -f name=c1 --format '{{.ID}}:{{.Image}}:{{.State}}:{{index .Labels "a"}}'
run sbc-ps -a -f name=v3 --format '{{.Mounts}}|{{.Networks}}|{{.Status}}|{{.RunningFor}}'
[[ "$OUT" == "$T_TMP/vol|none|Created|"*" ago" ]] && pass "ps .Mounts .Networks .Status .RunningFor" || fail "ps fields ($(_why))"
run sbc-ps -a -f name=c1 --format json
echo "$OUT" | python3 -c 'import json,sys; d=json.loads(sys.stdin.readline()); assert d["Names"]=="c1" and "a=1" in d["Labels"].split(",") and d["State"]=="created"' \
  && pass "ps --format json keeps one object a line (with Labels)" || fail "ps json ($(_why))"
expect_out '"c1"' "ps {{json .Names}}" sbc-ps -a -f name=c1 --format '{{json .Names}}'
expect_refused "sbc-ps: --format: template: :1:13: executing .*can't evaluate field Nope" "ps unknown field: 125 before any output" \
  sbc-ps -a --format '{{.Names}} {{.Nope}}'
expect_refused "sbc-ps: --format: template: .*unclosed action" "ps unterminated {{: refused" sbc-ps -a --format '{{.Names'
expect_refused "sbc-ps: --format: template: .*unexpected EOF" "ps {{if}} without {{end}}: refused" sbc-ps -a --format '{{if .Names}}x'
expect_refused "sbc-ps: --format: template: .*function \"nope\" not defined" "ps unknown function: refused" sbc-ps -a --format '{{nope .Names}}'
deep=$(printf '{{if .Names}}%.0s' $(seq 1 3000))
expect_refused "nesting too deep" "ps deeply nested template: refused cleanly" sbc-ps -a --format "$deep"
big=$(head -c 70000 /dev/zero | tr '\0' x)
expect_refused "longer than" "ps 70 KB template: refused" sbc-ps -a --format "$big"

# --- ps --filter: same key ORs, different keys AND
expect_sorted "c1 c2" "ps -f name=c (substring)" sbc-ps -a -f name=c --format '{{.Names}}'
expect_sorted "c1 c2 r1" "ps -f name=c -f name=r: OR" sbc-ps -a -f name=c -f name=r --format '{{.Names}}'
expect_sorted "c1" "ps -f name=c -f label=a=1: AND" sbc-ps -a -f name=c --filter label=a=1 --format '{{.Names}}'
expect_sorted "r1" "ps -f label=role=web (run -l)" sbc-ps -f label=role=web --format '{{.Names}}'
expect_sorted "c1" "ps -f label=img (key only, from the image)" sbc-ps -a -f label=img --format '{{.Names}}'
expect_sorted "" "ps -f label=over=image: overridden by --label" sbc-ps -a -f label=over=image --format '{{.Names}}'
expect_sorted "r1" "ps -f status=running (without -a)" sbc-ps -f status=running --format '{{.Names}}'
expect_sorted "c1 c2 v3" "ps -f status=created" sbc-ps -f status=created --format '{{.Names}}'
expect_sorted "c1" "ps -f id=PREFIX" sbc-ps -a -f id="${C1:0:8}" --format '{{.Names}}'
expect_sorted "c1" "ps -f ancestor=lbl" sbc-ps -a -f ancestor=lbl --format '{{.Names}}'
expect_sorted "c2 r1 v3" "ps -f ancestor=busybox:latest" sbc-ps -a -f ancestor=busybox:latest --format '{{.Names}}'
expect_sorted "c1" "ps -f ancestor=IMAGE-ID" sbc-ps -a -f ancestor="${LIMG#sha256:}" --format '{{.Names}}'
expect_sorted "v3" "ps -f volume=DESTINATION" sbc-ps -a -f volume=/data --format '{{.Names}}'
expect_sorted "v3" "ps -f volume=SOURCE" sbc-ps -a -f volume="$T_TMP/vol" --format '{{.Names}}'
expect_sorted "c1 c2 r1 v3" "ps -f network=none" sbc-ps -a -f network=none --format '{{.Names}}'
expect_sorted "" "ps -f network=bridge" sbc-ps -a -f network=bridge --format '{{.Names}}'
expect_out "${C2:0:12}" "ps -q -f name=c2" sbc-ps -aq -f name=c2
expect_refused "sbc-ps: invalid filter 'bogus'" "ps -f bogus=1: 125" sbc-ps -f bogus=1
expect_refused "sbc-ps: invalid filter 'status=sleepy'" "ps -f status=sleepy: 125" sbc-ps -f status=sleepy
expect_refused "sbc-ps: bad format of filter" "ps -f name (no =): 125" sbc-ps -f name

# --- images
expect_sorted "busybox:latest lbl:latest" "images --format {{.Repository}}:{{.Tag}}" sbc-images --format '{{.Repository}}:{{.Tag}}'
expect_sorted "busybox" "images -f reference=bus*" sbc-images -f 'reference=bus*' --format '{{.Repository}}'
expect_sorted "busybox lbl" "images -f reference=*:latest" sbc-images -f 'reference=*:latest' --format '{{.Repository}}'
expect_sorted "busybox lbl" "images -f reference=bus* -f reference=lbl: OR" sbc-images -f 'reference=bus*' -f reference=lbl --format '{{.Repository}}'
expect_sorted "lbl" "images -f label=img=base" sbc-images -f label=img=base --format '{{.Repository}}'
expect_sorted "" "images -f label=img=base -f reference=bus*: AND" sbc-images -f label=img=base -f 'reference=bus*' --format '{{.Repository}}'
expect_sorted "" "images -f dangling=true" sbc-images -f dangling=true --format '{{.Repository}}'
expect_sorted "busybox lbl" "images -f dangling=false" sbc-images -f dangling=false --format '{{.Repository}}'
expect_out "$(echo "$LIMG" | sed 's/^sha256://' | cut -c1-12)" "images .ID" sbc-images -f reference=lbl --format '{{.ID}}'
run sbc-images --format 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}' -f reference=lbl
if [ "$(head -1 "$T_TMP/out")" = "REPOSITORY   TAG       IMAGE ID" ] && [ "$(wc -l <"$T_TMP/out")" = 2 ]; then
  pass "images table: REPOSITORY TAG IMAGE ID"; else fail "images table ($(_why))"; fi
run sbc-images --format json
python3 -c 'import json,sys; r=[json.loads(l) for l in sys.stdin]; assert len(r)==2 and all("CreatedSince" in x for x in r)' <"$T_TMP/out" \
  && pass "images --format json still one object a line" || fail "images json ($(_why))"
expect_refused "sbc-images: --format: template: .*can't evaluate field Names" "images unknown field: 125" sbc-images --format '{{.Names}}'
expect_refused "^sbc-images: invalid filter 'dangling=maybe'$" "images -f dangling=maybe: 125" sbc-images -f dangling=maybe
expect_refused "sbc-images: invalid filter 'name'" "images -f name=x: 125" sbc-images -f name=x

t_done
