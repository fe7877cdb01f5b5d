#!/bin/bash
# 63-format: --format templates and --filter on ps, images, inspect,
# network ls, volume ls and stats; ps --size;
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

# --- ps --size and {{.Label}}
run sbc-run --name sz --network none busybox sh -c 'printf ab >/f'
run sbc-ps -a -f name=sz --format '{{.Size}}'
[[ "$OUT" =~ ^2B\ \(virtual\ [0-9.]+[kMG]?B\)$ ]] && pass "ps {{.Size}}: 2B written (virtual ...), implies --size" || fail "ps .Size ($(_why))"
run sbc-ps -a -f name=c2 --format '{{.Size}}'
[[ "$OUT" =~ ^0B\ \(virtual ]] && pass "ps {{.Size}} of a container never started: 0B" || fail "ps .Size c2 ($(_why))"
run sbc-ps -a -s -f name=sz
[ "$RC" = 0 ] && head -1 "$T_TMP/out" | grep -Eq ' NAMES +SIZE$' && sed -n 2p "$T_TMP/out" | grep -Eq ' sz +2B \(virtual ' \
  && pass "ps -s: a SIZE column" || fail "ps -s ($(_why))"
run sbc-ps -a -f name=sz
head -1 "$T_TMP/out" | grep -q SIZE && fail "ps without -s has a SIZE column ($(_why))" || pass "ps without -s: no SIZE column"
expect_out "1|" "ps {{.Label \"a\"}} (a missing label: empty)" sbc-ps -a -f name=c1 --format '{{.Label "a"}}|{{.Label "nope"}}'
expect_refused "wrong number of args for Label" "ps {{.Label}} without a key: 125" sbc-ps -a --format '{{.Label}}'
run sbc-ps -a -f name=c1 --format table
[ "$RC" = 0 ] && head -1 "$T_TMP/out" | grep -q '^CONTAINER ID' && pass "ps --format table: the default table" || fail "ps --format table ($(_why))"

# --- network ls
run sbc-network create --label tier=front fmtn1
NID=$OUT
on_exit "sbc-network rm -f fmtn1"
[ "$RC" = 0 ] && pass "network create fmtn1" || fail "network create ($(_why))"
expect_sorted "bridge fmtn1 host none" "network ls --format {{.Name}}" sbc-network ls --format '{{.Name}}'
expect_out "${NID:0:12}|fmtn1|bridge|local|false|false|tier=front|front" "network ls: ID Name Driver Scope IPv6 Internal Labels Label" \
  sbc-network ls -f name=fmtn1 --format '{{.ID}}|{{.Name}}|{{.Driver}}|{{.Scope}}|{{.IPv6}}|{{.Internal}}|{{.Labels}}|{{.Label "tier"}}'
expect_out "$NID" "network ls --no-trunc: the full ID" sbc-network ls --no-trunc -f name=fmtn1 --format '{{.ID}}'
run sbc-network ls -f name=fmtn1 --format '{{.CreatedAt}}'
[[ "$OUT" =~ ^$(date -u +%Y-%m-%d)\ [0-9:.]+\ \+0000\ UTC$ ]] && pass "network ls {{.CreatedAt}}: Go's time, today" || fail "network CreatedAt ($(_why))"
run sbc-network ls --format 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}' -f name=fmtn1
if [ "$(head -1 "$T_TMP/out")" = "NETWORK ID     NAME      DRIVER    SCOPE" ] && grep -qx "${NID:0:12}   fmtn1     bridge    local" "$T_TMP/out"; then
  pass "network ls table: Docker's titles, tabwriter columns"; else fail "network table ($(_why))"; fi
run sbc-network ls --format json
python3 -c 'import json,sys; r={x["Name"]:x for x in map(json.loads,sys.stdin)}; assert set(r)=={"bridge","host","none","fmtn1"} and r["fmtn1"]["Labels"]=="tier=front" and r["none"]["Driver"]=="null" and len(r["host"]["ID"])==12' <"$T_TMP/out" \
  && pass "network ls --format json: Docker's keys, one a line" || fail "network json ($(_why))"
expect_sorted "fmtn1" "network ls -f type=custom" sbc-network ls -q -f type=custom
expect_sorted "bridge host none" "network ls -f type=builtin" sbc-network ls -q -f type=builtin
expect_sorted "fmtn1" "network ls -f dangling=true (no container, not built in)" sbc-network ls -q -f dangling=true
expect_sorted "bridge host none" "network ls -f dangling=false" sbc-network ls -q -f dangling=false
expect_sorted "fmtn1" "network ls -f label=tier=front" sbc-network ls -q -f label=tier=front
expect_sorted "" "network ls -f label=tier=back" sbc-network ls -q -f label=tier=back
expect_sorted "none" "network ls -f driver=null" sbc-network ls -q -f driver=null
expect_sorted "fmtn1 host" "network ls -f name=fmt -f name=host: OR" sbc-network ls -q -f name=fmt -f name=host
expect_sorted "" "network ls -f name=fmt -f type=builtin: AND" sbc-network ls -q -f name=fmt -f type=builtin
expect_sorted "fmtn1" "network ls -f id=PREFIX" sbc-network ls -q -f id="${NID:0:10}"
expect_refused "^sbc-network: invalid filter 'bogus'$" "network ls -f bogus=1: 125" sbc-network ls -f bogus=1
expect_refused "^sbc-network: invalid filter 'type=other'$" "network ls -f type=other: 125" sbc-network ls -f type=other
expect_refused "sbc-network: --format: template: .*can't evaluate field Nope" "network ls unknown field: 125" sbc-network ls --format '{{.Name}} {{.Nope}}'
expect_refused "sbc-network: --format: template: .*unclosed action" "network ls bad template: 125" sbc-network ls --format '{{.Name'
run sbc-network ls
echo "$OUT" | grep -Eq '^NAME +DRIVER +BRIDGE +SUBNET +GATEWAY$' && echo "$OUT" | grep -q '^fmtn1 ' && pass "network ls: the default table" || fail "network ls ($(_why))"

# --- volume ls
run sbc-volume create --label a=b fv1
run sbc-volume create fv2
on_exit "sbc-volume rm -f fv1 fv2"
run sbc-create --name vu --network none -v fv2:/d busybox
expect_sorted "fv1 fv2" "volume ls --format {{.Name}}" sbc-volume ls -f name=fv --format '{{.Name}}'
expect_out "fv1|local|local|$SBC_ROOT/volumes/fv1/_data|a=b|b|N/A|N/A" "volume ls: Name Driver Scope Mountpoint Labels Label Links Size" \
  sbc-volume ls -f name=fv1 --format '{{.Name}}|{{.Driver}}|{{.Scope}}|{{.Mountpoint}}|{{.Labels}}|{{.Label "a"}}|{{.Links}}|{{.Size}}'
run sbc-volume ls -f name=fv --format 'table {{.Driver}}\t{{.Name}}\t{{.Labels}}'
if [ "$(head -1 "$T_TMP/out")" = "DRIVER    VOLUME NAME   LABELS" ] && grep -qx "local     fv1           a=b" "$T_TMP/out" && [ "$(wc -l <"$T_TMP/out")" = 3 ]; then
  pass "volume ls table: Docker's titles"; else fail "volume table ($(_why))"; fi
run sbc-volume ls -f name=fv --format json
python3 -c 'import json,sys; r=[json.loads(l) for l in sys.stdin]; assert [x["Name"] for x in r]==["fv1","fv2"] and r[0]["Labels"]=="a=b" and r[0]["Scope"]=="local"' <"$T_TMP/out" \
  && pass "volume ls --format json: Docker's keys" || fail "volume json ($(_why))"
expect_sorted "fv1" "volume ls -f dangling=true" sbc-volume ls -q -f name=fv -f dangling=true
expect_sorted "fv2" "volume ls -f dangling=false (vu uses fv2)" sbc-volume ls -q -f name=fv -f dangling=false
expect_sorted "fv1" "volume ls -f label=a=b" sbc-volume ls -q -f label=a=b
expect_sorted "" "volume ls -f label=a=c" sbc-volume ls -q -f label=a=c
expect_sorted "fv1 fv2" "volume ls -f driver=local" sbc-volume ls -q -f name=fv -f driver=local
expect_sorted "" "volume ls -f driver=nfs" sbc-volume ls -q -f driver=nfs
expect_refused "^sbc-volume: invalid filter 'size'$" "volume ls -f size=1: 125" sbc-volume ls -f size=1
expect_refused "^sbc-volume: invalid filter 'dangling=maybe'$" "volume ls -f dangling=maybe: 125" sbc-volume ls -f dangling=maybe
expect_refused "sbc-volume: --format: template: .*can't evaluate field Nope" "volume ls unknown field: 125" sbc-volume ls --format '{{.Nope}}'
run sbc-rm vu

# --- stats --format
run sbc-run -d --name st1 --network none busybox sleep 600
expect_out "st1|st1|${OUT:0:12}|1" "stats --format {{.Container}} {{.Name}} {{.ID}} {{.PIDs}}" \
  timeout 20 sbc-stats --no-stream --format '{{.Container}}|{{.Name}}|{{.ID}}|{{.PIDs}}' st1
run timeout 20 sbc-stats --no-stream --format '{{.CPUPerc}}|{{.MemPerc}}|{{.MemUsage}}|{{.NetIO}}|{{.BlockIO}}' st1
[[ "$OUT" =~ ^[0-9.]+%\|[0-9.]+%\|[0-9.]+[KMG]?i?B\ /\ [0-9.]+[KMGT]?i?B\|0B\ /\ 0B\|[0-9.]+[kMG]?B\ /\ [0-9.]+[kMG]?B$ ]] \
  && pass "stats --format CPUPerc MemPerc MemUsage NetIO BlockIO" || fail "stats fields ($(_why))"
run timeout 20 sbc-stats --no-stream --format 'table {{.Name}}\t{{.PIDs}}\t{{.CPUPerc}}' st1
if [ "$(head -1 "$T_TMP/out")" = "NAME      PIDS      CPU %" ] && grep -Eq '^st1       1         [0-9.]+%$' "$T_TMP/out" && [ "$(wc -l <"$T_TMP/out")" = 2 ]; then
  pass "stats table: Docker's titles"; else fail "stats table ($(_why))"; fi
run timeout 20 sbc-stats --no-stream --format 'table {{.ID}}\t{{.MemUsage}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.MemPerc}}\t{{.Container}}' st1
[ "$(head -1 "$T_TMP/out" | tr -s ' ')" = "CONTAINER ID MEM USAGE / LIMIT NET I/O BLOCK I/O MEM % CONTAINER" ] && pass "stats table: the other titles" || fail "stats titles ($(_why))"
run timeout 20 sbc-stats --no-stream --format json st1
python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert d["Name"]=="st1" and d["PIDs"]=="1"' <"$T_TMP/out" && pass "stats --format json kept" || fail "stats json ($(_why))"
expect_refused "sbc-stats: --format: template: .*can't evaluate field Nope" "stats unknown field: 125 before any output" \
  sbc-stats --no-stream --format '{{.Name}} {{.Nope}}' st1
expect_refused "sbc-stats: --format: template: .*unclosed action" "stats bad template: 125" sbc-stats --no-stream --format '{{.Name' st1

t_done
