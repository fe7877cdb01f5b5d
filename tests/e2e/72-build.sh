#!/bin/bash
# 72-build: sbc-build (issue 17).  The Dockerfiles of tests/fixtures/build/
# (every instruction and Docker's tricky rules) are built with sbc-build and,
# when it is installed, with `buildah bud --format docker` from the same base
# image (the busybox fixture image in the test registry); the root file
# systems (tests/treecmp.py) and the configs (tests/fixtures/build/cfgcmp.py)
# must agree, and each result is also checked against what Docker's rules
# say it holds.  Then the layer cache (all CACHED, <= 5 % of the first
# build's time, a changed file rebuilds from its COPY on, --no-cache),
# SOURCE_DATE_EPOCH, the CLI (-q, --iidfile, two -t, a context on stdin or
# in a tarball), and bad input: errors naming the Dockerfile line, no image,
# no container left, nothing read from outside the context.
. "$(dirname "$0")/../lib.sh"
TESTS=$(cd "$(dirname "$0")/.." && pwd)
BF=$TESTS/fixtures/build
TREECMP=$TESTS/treecmp.py
CFGCMP=$BF/cfgcmp.py
T=$T_TMP
if [ -z "${SBC_FIXTURE_ENV:-}" ]; then
  skip "sbc-build: needs the registry fixture (tests/run.sh starts it)"; t_done; exit 0
fi
. "$SBC_FIXTURE_ENV"
command -v sbc-build >/dev/null || { fail "sbc-build: not an applet of this build"; t_done; exit 1; }
BASE=$REGISTRY/busybox:latest
cleanup_ctrs() { for c in $(sbc-ps -aq --no-trunc 2>/dev/null); do sbc-rm -f "$c"; done; }
on_exit cleanup_ctrs
# every RUN without a network: this script's store has no bridge of its own
SB=(sbc-build --network none)
# the secret next to every context (and the host's /etc/shadow): never in an image
SECRET="SBC-BUILD-OUTSIDE-SECRET-$$"
mkdir -p "$T/ctx"
echo "$SECRET" >"$T/ctx/outside-file"
SHADOW_SHA=$(sha256sum /etc/shadow 2>/dev/null | cut -c1-64)

# prep NAME [DEST]: the fixture's context in $T/ctx/NAME: @BASE@ and @URL@
# replaced, modes fixed (git keeps only the x bit), every mtime 2020-09-13 so
# that copied files are told apart from files a RUN writes (treecmp --mtime-after)
prep() {
  local d=${2:-$T/ctx/$1}
  rm -rf "$d"; cp -a "$BF/$1" "$d" || return 1
  sed -i "s|@BASE@|$BASE|g; s|@URL@|${URL:-http://127.0.0.1:9}|g" "$d/Dockerfile"
  find "$d" -type d -exec chmod 755 {} +
  find "$d" -type f ! -name '*.sh' -exec chmod 644 {} +
  [ ! -d "$d/dir/sub" ] || chmod 750 "$d/dir/sub"
  find "$d" -exec touch -h -d @1600000000 {} +
}
# sbuild CTX TAG [ARGS...]: sbc-build; RC, OUT/ERR as run; the ID in $SID
sbuild() {
  local ctx=$1 tag=$2; shift 2
  run "${SB[@]}" -t "$tag" "$@" "$ctx"
  SID=$(tail -n1 "$T/out")
}
# the config blob of sbc image $1 (through sbc-save: manifest.json names it)
sbc_config() {
  local x=$T/save.$$
  rm -rf "$x"; mkdir -p "$x"
  sbc-save "$1" | tar -x -C "$x" || return 1
  cat "$x/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["Config"])' "$x/manifest.json")"
  rm -rf "$x"
}
# sbc_tree IMAGE DIR: the image's root file system, through sbc-export
sbc_tree() {
  rm -rf "$2"; mkdir -p "$2"
  sbc-export "$1" | tar -x --numeric-owner -p --xattrs --xattrs-include='*' -C "$2"
}
# cfg FILE EXPR: a Python expression over the config c (the "config" object)
# and j (the blob); a string printed as it is, anything else as JSON
cfg() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); c=j.get("config") or {}; v=eval(sys.argv[2]); print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))' "$1" "$2"; }
# check_file TREE PATH WANT "what": the file's content
check_file() {
  local got
  got=$(cat "$1/$2" 2>&1)
  if [ "$got" = "$3" ]; then pass "$4"; else fail "$4 (/$2: want '$3', got '$got')"; fi
}
# check_stat TREE PATH FORMAT WANT "what"
check_stat() {
  local got
  got=$(stat -c "$3" "$1/$2" 2>&1)
  if [ "$got" = "$4" ]; then pass "$5"; else fail "$5 (/$2: want '$4', got '$got')"; fi
}
# no_secret TREE "what": no file in TREE holds the outside file or the host's /etc/shadow
no_secret() {
  local hit
  hit=$(grep -rlsF -- "$SECRET" "$1")
  if [ -z "$hit" ] && [ -n "$SHADOW_SHA" ]; then
    hit=$(find "$1" -type f -size -64k -exec sha256sum {} + 2>/dev/null | awk -v s="$SHADOW_SHA" '$1 == s {print $2}')
  fi
  if [ -z "$hit" ]; then pass "$2"; else fail "$2 (secret content in: $hit)"; fi
}
# layerdiff IMG1 IMG2: the first layer entry (tar -tv) that differs between the images
layerdiff() {
  local d=$T/ld i
  rm -rf "$d"; mkdir -p "$d/1" "$d/2"
  sbc-save "$1" | tar -x -C "$d/1" && sbc-save "$2" | tar -x -C "$d/2" || { echo "(save failed)"; return; }
  python3 - "$d/1" "$d/2" <<'PY'
import json, sys, tarfile
def listing(d):
    m = json.load(open(d + "/manifest.json"))[0]
    out = []
    for i, l in enumerate(m["Layers"]):
        with tarfile.open(d + "/" + l) as t:
            for e in t.getmembers():
                out.append("layer %d: %s %o %d:%d %d %s%s" % (i, e.name, e.mode, e.uid, e.gid, e.mtime,
                           "->" + e.linkname if e.linkname else "", " size %d" % e.size if e.isfile() else ""))
    return out
a, b = listing(sys.argv[1]), listing(sys.argv[2])
for x, y in zip(a, b):
    if x != y:
        print("first difference: %s | %s" % (x, y)); break
else:
    print("layer listings equal (%d, %d entries)" % (len(a), len(b)))
PY
}
nimages() { sbc-images -aq 2>/dev/null | wc -l; }

# ---------------------------------------------------------------- buildah
# vfs: plain directories (no overlay mounts to undo, any /tmp will do);
# runc: Debian's buildah defaults to crun, which refuses this host's hybrid
# cgroup v1+v2 layout ("cgroups in hybrid mode not supported");
# --layers: a layer per RUN/COPY/ADD and a history shaped like Docker's
# (without it buildah squashes a build's changes into one layer);
# --network none: as sbc's builds here.  ADD's URLs are fetched by either
# builder on the host, so --network does not matter to them.
HAVE_BAH=0
BR=$T/buildah
# (DOCKER_CONFIG is sbc's private one here, without a config.json: buildah would refuse it)
bah() { env -u DOCKER_CONFIG -u REGISTRY_AUTH_FILE buildah --root "$BR/root" --runroot "$BR/run" --storage-driver vfs "$@"; }
RT=()
command -v runc >/dev/null && RT=(--runtime runc)
bbuild() { # CTX TAG [ARGS...]
  local ctx=$1 tag=$2; shift 2
  bah bud --layers --format docker "${RT[@]}" --network none --cert-dir "$CERT_DIR" -q -t "$tag" "$@" "$ctx" \
    >"$T/bah.out" 2>"$T/bah.err"
}
if ! command -v buildah >/dev/null; then
  skip "sbc-build against buildah: buildah is not installed (apt-get install buildah)"
elif ! command -v umoci >/dev/null; then
  skip "sbc-build against buildah: umoci is not installed (apt-get install umoci)"
else
  on_exit "bah rm --all; grep -o ' $BR/[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l"
  # (not a fixture: its cached layers would carry the probe's times)
  mkdir -p "$T/probe"; printf 'FROM %s\nRUN echo probe >/probe\n' "$BASE" >"$T/probe/Dockerfile"
  if bbuild "$T/probe" localhost/probe:1; then
    HAVE_BAH=1
  else
    skip "sbc-build against buildah: buildah cannot build here ($(tail -c 300 "$T/bah.err" | tr '\n' '|'))"
  fi
fi
# compare NAME SBC_IMAGE BAH_IMAGE START: trees and configs of the two
# builds (START: the epoch before either build began)
compare() {
  [ "$HAVE_BAH" = 1 ] || return 0
  local n=$1 m=$T/bx/$1
  # buildah's tree: pushed to an OCI layout, unpacked by umoci (`buildah
  # from` would run the image's ONBUILD triggers, and with crun); raw: the
  # root file system only (umoci's runtime config refuses a USER whose group
  # is not in the image)
  rm -rf "$T/bx/$n" "$T/bx/$n.oci"; mkdir -p "$T/bx"
  if ! bah push "$3" "oci:$T/bx/$n.oci:x" >"$T/bah.err" 2>&1 || ! umoci raw unpack --image "$T/bx/$n.oci:x" "$m" >>"$T/bah.err" 2>&1; then
    fail "$n: buildah's tree ($(tail -c 300 "$T/bah.err"))"; return
  fi
  # buildah leaves its RUN mount points behind (/etc/hostname, /run, ...):
  # optional when empty; files a RUN wrote have the build's times on both sides
  run python3 "$TREECMP" --mtime-after "$4" --optional etc/hosts --optional etc/hostname \
    --optional etc/resolv.conf --optional run "$T/tree/$n" "$m"
  if [ "$RC" = 0 ]; then pass "$n: the same root file system as buildah's"
  else fail "$n: root file system differs from buildah's: $(sed "s|$T/tree/$n|sbc|; s|$m|buildah|" "$T/out" | head -c 1500 | tr '\n' '|')"; fi
  bah inspect --type image "$3" | python3 -c 'import json,sys; json.dump(json.load(sys.stdin)["Docker"], sys.stdout)' >"$T/cfg/$n.bah.json"
  run python3 "$CFGCMP" "$T/cfg/$n.json" "$T/cfg/$n.bah.json"
  if [ "$RC" = 0 ]; then pass "$n: config and history agree with buildah's"
  else fail "$n: config differs from buildah's (sbc vs buildah): $(head -c 1500 "$T/out" | tr '\n' '|')"; fi
}
# both NAME TAG [ARGS...]: build context $T/ctx/NAME with sbc (tag TAG) and
# buildah (localhost/TAG); sbc's tree in $T/tree/NAME, config in $T/cfg/NAME.json
mkdir -p "$T/tree" "$T/cfg"
both() {
  local n=$1 tag=$2; shift 2
  START=$(date +%s)
  sbuild "$T/ctx/$n" "$tag" "$@"
  if [ "$RC" != 0 ] || ! [[ "$SID" =~ ^sha256:[0-9a-f]{64}$ ]]; then
    fail "$n: sbc-build ($(_why))"; return 1
  fi
  pass "$n: sbc-build builds it"
  sbc_tree "$tag" "$T/tree/$n" && sbc_config "$tag" >"$T/cfg/$n.json" || { fail "$n: export/save of the image"; return 1; }
  [ "$HAVE_BAH" = 1 ] || return 0
  if ! bbuild "$T/ctx/$n" "localhost/$tag" "$@"; then
    fail "$n: buildah bud failed ($(tail -c 400 "$T/bah.err" | tr '\n' '|'))"; return 0
  fi
  compare "$n" "$tag" "localhost/$tag" "$START"
}

expect_rc 0 "pull the base image ($BASE)" sbc-pull -q "$BASE"

# ---------------------------------------------------------------- meta
prep meta
if both meta meta:1 --build-arg STAGE_ARG=cli-value --build-arg HTTP_PROXY=http://proxy.invalid:3128 --label built.by=72-build; then
  M=$T/tree/meta C=$T/cfg/meta.json
  check_file "$M" global-undeclared.txt "global=[]" "meta: a global ARG is not visible in a stage before it is declared there"
  check_file "$M" args.txt "global=[global-value] stage=[cli-value]" "meta: ARG re-declared takes the global default; --build-arg overrides a stage ARG"
  check_file "$M" proxy.txt "proxy=[http://proxy.invalid:3128]" "meta: a predefined proxy arg reaches RUN without ARG"
  if ! grep -q proxy.invalid "$C"; then pass "meta: the proxy arg's value is kept out of the history"; else fail "meta: proxy value in the config: $(grep -o '[^"]*proxy.invalid[^"]*' "$C" | head -3)"; fi
  check_file "$M" pwd.txt "/does/not/exist/rel" "meta: WORKDIR that does not exist, then a relative WORKDIR"
  check_stat "$M" does/not/exist/rel %F directory "meta: WORKDIR made the directory"
  check_file "$M" env.txt "1|two words|-x|1 and more" "meta: ENV forms (one instruction sees the values from before it)"
  check_file "$M" exec.txt "exec form" "meta: RUN in exec form"
  check_file "$M" shell.txt "via shell: yes" "meta: SHELL changes the shell of RUN's shell form"
  check_file "$M" tmp/whoami.txt "app" "meta: USER then RUN runs as that user (whoami)"
  check_stat "$M" tmp/id.txt %u:%g 1000:1000 "meta: USER's RUN writes files as the user"
  expect_out 'app:extra' "meta: User" cfg "$C" 'c.get("User")'
  expect_out '["--help"]|["/bin/echo"]' "meta: CMD kept when ENTRYPOINT is set after it in the stage" cfg "$C" '"|".join(json.dumps(c.get(k)) for k in ("Cmd", "Entrypoint"))'
  expect_out '["443/tcp", "53/udp", "80/tcp"]|["/data", "/logs", "/more"]' "meta: EXPOSE and VOLUME" cfg "$C" '"|".join(json.dumps(sorted(c.get(k) or {})) for k in ("ExposedPorts", "Volumes"))'
  expect_out '{"Interval": 5000000000, "Retries": 4, "StartPeriod": 1000000000, "Test": ["CMD-SHELL", "wget -q -O- http://localhost/ || exit 1"], "Timeout": 2000000000}' \
    "meta: HEALTHCHECK" cfg "$C" 'c.get("Healthcheck")'
  expect_out '"SIGINT"|{"b": "c", "built.by": "72-build", "multi.line": "first second", "org.example.a": "x y"}|["/usr/bin/env", "VIA_SHELL=yes", "/bin/sh", "-c"]' \
    "meta: STOPSIGNAL, LABEL (and --label), Shell" cfg "$C" '"|".join(json.dumps(x, sort_keys=True) for x in (c.get("StopSignal"), c.get("Labels"), c.get("Shell")))'
  expect_out '["A=1", "B=two words", "C=-x", "D=1 and more"]' "meta: Env" cfg "$C" '[e for e in c.get("Env", []) if not e.startswith("PATH=")]'
fi

# ---------------------------------------------------------------- copy
prep copy
if both copy copy:1; then
  M=$T/tree/copy
  check_file "$M" dir-as-is/a.txt a "copy: a directory source copies its contents"
  check_stat "$M" dir-as-is/dir %F "stat: cannot statx '$M/dir-as-is/dir': No such file or directory" "copy:   not the directory itself"
  check_file "$M" dir-slash/sub/b.txt b "copy: dir/ source, subdirectories kept"
  check_stat "$M" dir-slash/sub %a 750 "copy:   with their modes"
  check_file "$M" newdir/f1.txt f1 "copy: a file to DEST/ lands inside it"
  check_file "$M" newfile f1 "copy: a file to DEST without / becomes DEST"
  check_file "$M" multi/f2.txt f2 "copy: several sources into DEST/"
  check_file "$M" globs/g2.log g2 "copy: ? and [class] globs"
  check_stat "$M" logs %F directory "copy: * glob into a new dir"
  check_file "$M" ctx-passwd "context passwd, not the host's" "copy: an absolute source is relative to the context"
  check_stat "$M" exe.sh %a 755 "copy: modes kept"
  check_stat "$M" f1.txt %F "stat: cannot statx '$M/f1.txt': No such file or directory" "copy: nothing copied to / by accident"
  check_stat "$M" newfile %Y 1600000000 "copy: mtimes kept"
  check_stat "$M" newfile %u:%g 0:0 "copy: owner 0:0 without --chown"
  check_stat "$M" chmod-file.txt %a 640 "copy: --chmod on a file"
  check_stat "$M" chmod-dir/sub/b.txt %a 700 "copy: --chmod below a dir"
  check_stat "$M" chown-num.txt %u:%g 1000:2000 "copy: --chown by numbers"
  check_stat "$M" chown-name/sub/b.txt %u:%g 1234:1300 "copy: --chown by names a RUN added to /etc/passwd and /etc/group"
  check_stat "$M" chown-user-only.txt %u:%g 1234:1300 "copy: --chown USER alone takes the user's primary group"
  check_stat "$M" link-top %F "regular file" "copy: a top-level symlink source is followed (inside the context)"
  check_stat "$M" dir-as-is/link-sub %N "'$M/dir-as-is/link-sub' -> 'sub'" "copy: symlinks below a source dir are copied as symlinks"
  check_file "$M" wd/rel-dest.txt f2 "copy: a relative DEST is under WORKDIR"
  check_file "$M" dir-as-is/sub/f1.txt f1 "copy: into an existing directory"
  got=$(cd "$M/all" 2>/dev/null && find . | LC_ALL=C sort | tr '\n' ' ')
  want=". ./.dockerignore ./Dockerfile ./dir ./dir/.hidden ./dir/a.txt ./dir/link-sub ./dir/sub ./dir/sub/b.txt ./etc ./etc/passwd ./exe.sh ./f1.txt ./f2.txt ./g1.log ./g2.log ./ignored ./ignored/keep.txt ./link-in ./secret-ok.txt "
  if [ "$got" = "$want" ]; then pass "copy: COPY . honours .dockerignore and its ! exceptions"; else fail "copy: COPY . gave '$got', want '$want'"; fi
  got=$(cd "$M/ign" 2>/dev/null && find . | LC_ALL=C sort | tr '\n' ' ')
  if [ "$got" = ". ./keep.txt " ]; then pass "copy: an excluded dir yields only its re-included file"; else fail "copy: COPY ignored gave '$got'"; fi
fi

# ---------------------------------------------------------------- add (a local http.server for the URLs)
prep add
W=$T/www; mkdir -p "$W/src/t"
echo remote >"$W/remote.txt"
touch -d '2021-02-03 04:05:06 UTC' "$W/remote.txt"
echo inner >"$W/src/t/inner.txt"
tar -czf "$W/remote.tar.gz" -C "$W/src" t
python3 - "$T/ctx/add" <<'EOF'
import gzip, io, sys, tarfile
d = sys.argv[1]
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
    def add(name, typ, mode, uid=0, gid=0, data=b"", link=""):
        i = tarfile.TarInfo(name); i.type, i.mode, i.uid, i.gid, i.mtime = typ, mode, uid, gid, 1500000000
        i.linkname = link; i.size = len(data) if typ == tarfile.REGTYPE else 0
        t.addfile(i, io.BytesIO(data) if typ == tarfile.REGTYPE else None)
    add("t", tarfile.DIRTYPE, 0o750, 1234, 1300)
    add("t/owned.txt", tarfile.REGTYPE, 0o600, 1234, 1300, b"owned\n")
    add("t/link", tarfile.SYMTYPE, 0o777, link="owned.txt")
    add("t/hard", tarfile.LNKTYPE, 0o600, 1234, 1300, link="t/owned.txt")
    add("top.txt", tarfile.REGTYPE, 0o644, data=b"top\n")
open(d + "/local.tar", "wb").write(buf.getvalue())
open(d + "/local.tar.gz", "wb").write(gzip.compress(buf.getvalue(), mtime=0))
EOF
touch -d @1600000000 "$T/ctx/add"/local.tar*
HPORT=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$W" "$HPORT" >"$T/http.log" 2>&1 &
HPID=$!
on_exit "kill $HPID"
URL=http://127.0.0.1:$HPORT
if wait_for 10 python3 -c "import urllib.request; urllib.request.urlopen('$URL/remote.txt')"; then
  sed -i "s|http://127.0.0.1:9|$URL|g" "$T/ctx/add/Dockerfile"; touch -d @1600000000 "$T/ctx/add/Dockerfile"
  if both add add:1; then
    M=$T/tree/add
    check_file "$M" extracted-gz/t/owned.txt owned "add: a local .tar.gz is extracted"
    check_stat "$M" extracted-gz/t/owned.txt %u:%g:%a 1234:1300:600 "add:   owners and modes from the tar"
    check_stat "$M" extracted-gz/t/link %N "'$M/extracted-gz/t/link' -> 'owned.txt'" "add:   symlinks from the tar"
    check_stat "$M" extracted-plain/t/hard %h 2 "add: a plain tar is extracted too (hardlinks kept)"
    check_file "$M" plain.txt plain "add: a file that is no archive is copied"
    check_file "$M" remote.txt remote "add: URL fetched"
    check_stat "$M" remote.txt %a:%Y 600:$(date -d '2021-02-03 04:05:06 UTC' +%s) "add:   mode 0600, mtime from Last-Modified"
    check_file "$M" remotedir/remote.txt remote "add: URL to DEST/ takes the URL's file name"
    check_stat "$M" remote-tar/remote.tar.gz %F "regular file" "add: a tar from a URL is not extracted"
  fi
else
  fail "add: the local http.server did not start ($(tail -3 "$T/http.log"))"
fi

# ---------------------------------------------------------------- multi-stage, --target
prep multi
if both multi multi:1 --target final --build-arg SV=from-cli; then
  M=$T/tree/multi
  if ! grep -q "must not run" "$T/err"; then pass "multi: --target final skips the stage it does not need"; else fail "multi: the unneeded stage ran"; fi
  check_file "$M" final-args.txt "gv=[] sv=[]" "multi: ARGs are per stage"
  check_file "$M" from-builder.txt "gv=global-default sv=from-cli" "multi: COPY --from=stage; global ARG re-declared; --build-arg"
  check_file "$M" art-contents/sub/b.txt sub "multi: COPY --from=stage of a dir copies its contents"
  check_file "$M" by-index.txt art "multi: COPY --from=0 (a stage's index)"
  check_file "$M" from-image-os-release "$(printf 'NAME="sbc test busybox"\nID=sbc-busybox')" "multi: COPY --from=image"
  expect_out 'null|["/bin/cat", "/from-builder.txt"]' "multi: ENTRYPOINT resets the base image's CMD" cfg "$T/cfg/multi.json" '"|".join(json.dumps(c.get(k) or None) for k in ("Cmd", "Entrypoint"))'
  expect_out "gv=global-default sv=from-cli" "multi: the built image runs" sbc-run --rm --network none multi:1
fi
sbuild "$T/ctx/multi" multi:all
line=$(grep -n '^RUN exit 9' "$T/ctx/multi/Dockerfile" | cut -d: -f1)
if [ "$RC" != 0 ] && grep -q "Dockerfile:$line" "$T/err" && grep -Eq "exit code:? 9" "$T/err"; then pass "multi: without --target the last stage is built (its RUN exit 9 fails, line named)"
else fail "multi: no --target ($(_why))"; fi

# ---------------------------------------------------------------- scratch
prep scratch
if both scratch scratch:1; then
  got=$(cd "$T/tree/scratch" && find . | LC_ALL=C sort | tr '\n' ' ')
  if [ "$got" = ". ./bin ./bin/busybox ./bin/sh ./hello.txt " ]; then pass "scratch: FROM scratch holds only what was copied"; else fail "scratch: tree '$got'"; fi
  expect_out '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]' "scratch: the default PATH" cfg "$T/cfg/scratch.json" 'c.get("Env")'
  expect_out "hello from scratch" "scratch: the image runs" sbc-run --rm --network none scratch:1
fi

# ---------------------------------------------------------------- ONBUILD
prep onbuild-parent; prep onbuild-child
if both onbuild-parent obparent:1; then
  expect_out '["RUN echo triggered > /onbuild.txt", "COPY child.txt /from-child-context.txt"]' "onbuild: ONBUILD recorded in the parent" cfg "$T/cfg/onbuild-parent.json" 'c.get("OnBuild")'
  # (START stays the parent's: the child's tree holds the parents' RUN files)
  sbuild "$T/ctx/onbuild-child" obchild:1 --build-arg PARENT=obparent:1
  if [ "$RC" = 0 ] && sbc_tree obchild:1 "$T/tree/onbuild-child" && sbc_config obchild:1 >"$T/cfg/onbuild-child.json"; then
    pass "onbuild: the child builds"
    check_file "$T/tree/onbuild-child" child-saw.txt "$(printf 'triggered\nchild context file')" "onbuild: the parent's triggers ran after the child's FROM (RUN and COPY from the child's context)"
    expect_out 'null' "onbuild: the triggers are not in the child's config" cfg "$T/cfg/onbuild-child.json" 'c.get("OnBuild") or None'
    if [ "$HAVE_BAH" = 1 ]; then
      if bbuild "$T/ctx/onbuild-child" localhost/obchild:1 --build-arg PARENT=localhost/obparent:1; then
        compare onbuild-child obchild:1 localhost/obchild:1 "$START"
      else fail "onbuild-child: buildah bud failed ($(tail -c 400 "$T/bah.err" | tr '\n' '|'))"; fi
    fi
  else
    fail "onbuild: child build ($(_why))"
  fi
fi

# ---------------------------------------------------------------- symlinks out of the context, inside a copied dir
prep links
if both links links:1; then
  check_stat "$T/tree/links" d/shadow-link %N "'$T/tree/links/d/shadow-link' -> '/etc/shadow'" "links: a symlink in a copied dir stays a symlink"
  check_stat "$T/tree/links" d/outside-link %N "'$T/tree/links/d/outside-link' -> '../../outside-file'" "links: a ../ symlink too"
  no_secret "$T/tree/links" "links: nothing from outside the context in the image"
fi

# ---------------------------------------------------------------- the escape directive
prep escape
if both escape escape:1; then
  check_file "$T/tree/escape" backslash.txt not-continued "escape: with '# escape=\`' a \\ at the end of a line does not continue it"
  check_file "$T/tree/escape" continued.txt "one two" "escape:   and \` continues the line"
fi

# ---------------------------------------------------------------- heredoc (buildah 1.28 has none: sbc only)
prep heredoc
sbuild "$T/ctx/heredoc" heredoc:1
if [ "$RC" = 0 ] && sbc_tree heredoc:1 "$T/tree/heredoc"; then
  check_file "$T/tree/heredoc" heredoc.txt "$(printf 'heredoc-one\nheredoc-two')" "heredoc: RUN <<EOT runs the body as a script"
  check_file "$T/tree/heredoc" heredoc2.txt "via cat" "heredoc: RUN cat <<EOT > file feeds the body on stdin"
else
  fail "heredoc: build ($(_why))"
fi

# ---------------------------------------------------------------- the cache
prep cache
C=$T/ctx/cache
t0=$(date +%s%N); sbuild "$C" cache:1; t1=$(date +%s%N)
FIRST=$(( (t1 - t0) / 1000000 )); ID1=$SID; cp "$T/err" "$T/cache1.err"
if [ "$RC" = 0 ]; then pass "cache: first build (${FIRST} ms)"; else fail "cache: first build ($(_why))"; fi
# steps FILE: one line per build step of the progress: "C INSTR" (CACHED) or "- INSTR"
steps() {
  python3 - "$1" <<'EOF'
import re, sys
steps, cached = {}, set()
for l in open(sys.argv[1], errors="replace"):
    l = l.rstrip("\n")
    m = re.match(r"#(\d+) \[([^\]]*)\] (.*)", l)
    if m and "internal" not in m.group(2) and not m.group(3).upper().startswith("FROM"):
        steps.setdefault(int(m.group(1)), m.group(3))
    m = re.match(r"#(\d+) CACHED\s*$", l)
    if m:
        cached.add(int(m.group(1)))
for n in sorted(steps):
    print(("C " if n in cached else "- ") + steps[n])
EOF
}
if grep -Eq '^#[0-9]+ \[[^]]*[0-9]+/[0-9]+\] RUN sleep 2' "$T/cache1.err" && grep -Eq '^#[0-9]+ DONE [0-9]+\.[0-9]+s$' "$T/cache1.err" &&
   grep -q 'generated-output' "$T/cache1.err"; then pass "progress: '#N [i/n] INSTR', the RUN's output, '#N DONE 0.0s'"
else fail "progress format: $(head -c 600 "$T/cache1.err" | tr '\n' '|')"; fi
# BuildKit's plain progress names the image FROM resolved to, not "${BASE}"
if grep -Eq "^#[0-9]+ \[[^]]*1/[0-9]+\] FROM (docker.io/)?$BASE" "$T/cache1.err"; then pass "progress: FROM shows the image, its ARG expanded"
else fail "progress: FROM line: $(grep -m1 -E '^#[0-9]+ .*FROM' "$T/cache1.err")"; fi
t0=$(date +%s%N); sbuild "$C" cache:2; t1=$(date +%s%N)
SECOND=$(( (t1 - t0) / 1000000 ))
steps "$T/err" >"$T/steps2"
if [ "$RC" = 0 ] && [ "$SID" = "$ID1" ] && grep -q '^C RUN' "$T/steps2" && grep -q '^C COPY' "$T/steps2" && ! grep -q '^-' "$T/steps2"; then
  pass "cache: an unchanged context rebuilds all CACHED, the same image"
else fail "cache: second build (rc=$RC id $SID vs $ID1; steps: $(tr '\n' '|' <"$T/steps2"))"; fi
if [ $((SECOND * 20)) -le "$FIRST" ]; then pass "cache: the cached build takes <= 5% of the first (${SECOND} of ${FIRST} ms)"
else fail "cache: the cached build took ${SECOND} ms, the first ${FIRST} ms (want <= 5%)"; fi
echo changed >"$C/first.txt"; touch -d @1600000000 "$C/first.txt"
sbuild "$C" cache:3
steps "$T/err" >"$T/steps3"
want="C RUN sleep 2|- COPY first.txt /first.txt|- RUN cat /first.txt|- COPY second.txt /second.txt|"
got=$(grep -E '^. (RUN|COPY)' "$T/steps3" | sed -E 's/^(. RUN [a-z]+ [^ ]+).*/\1/' | tr '\n' '|')
if [ "$RC" = 0 ] && [ "$got" = "$want" ] && ! grep -q '^C' <(sed -n '/COPY first.txt/,$p' "$T/steps3"); then
  pass "cache: a changed file rebuilds from its COPY on, the steps before CACHED"
else fail "cache: after a change: want '$want', got '$got' (rc=$RC; all: $(tr '\n' '|' <"$T/steps3"))"; fi
sbc_tree cache:3 "$T/tree/cache3" && check_file "$T/tree/cache3" derived.txt 20001 "cache: the rebuilt step saw the new file"
sbuild "$C" cache:4 --no-cache
steps "$T/err" >"$T/steps4"
if [ "$RC" = 0 ] && grep -q '^- RUN sleep' "$T/steps4" && ! grep -q '^C' "$T/steps4"; then pass "cache: --no-cache rebuilds every step"
else fail "cache: --no-cache (rc=$RC; $(tr '\n' '|' <"$T/steps4"))"; fi

# ---------------------------------------------------------------- SOURCE_DATE_EPOCH, contexts on stdin and in a tarball
prep copy "$T/ctx/sde"
export SOURCE_DATE_EPOCH=1700000000
sbuild "$T/ctx/sde" sde:1 --no-cache; A=$SID; RA=$RC
sbuild "$T/ctx/sde" sde:2 --no-cache; B=$SID
if [ "$RA" = 0 ] && [ "$RC" = 0 ] && [ "$A" = "$B" ]; then pass "SOURCE_DATE_EPOCH: two --no-cache builds give the same image ID"
else fail "SOURCE_DATE_EPOCH: $A vs $B (rc $RA, $RC)"; fi
sbc_config sde:1 >"$T/cfg/sde.json"
expect_out '2023-11-14T22:13:20Z' "SOURCE_DATE_EPOCH: the image's created time" cfg "$T/cfg/sde.json" 'j.get("created")'
tar -C "$T/ctx/sde" -cf "$T/sde.tar" .
"${SB[@]}" --no-cache -t sde:stdin - <"$T/sde.tar" >"$T/out" 2>"$T/err"; RC=$?
if [ "$RC" = 0 ] && [ "$(tail -n1 "$T/out")" = "$A" ]; then pass "context '-': a tar on stdin gives the same image"
else fail "context '-' (rc=$RC $(tail -n1 "$T/out") vs $A; $(layerdiff sde:stdin sde:1); $(tail -c 300 "$T/err" | tr '\n' '|'))"; fi
gzip -c "$T/sde.tar" >"$T/sde.tar.gz"
sbuild "$T/sde.tar.gz" sde:tarball --no-cache
if [ "$RC" = 0 ] && [ "$SID" = "$A" ]; then pass "context tarball (.tar.gz) gives the same image"; else fail "tarball context ($SID vs $A; $(layerdiff sde:tarball sde:1); $(_why))"; fi
unset SOURCE_DATE_EPOCH

# ---------------------------------------------------------------- CLI
run "${SB[@]}" -q "$T/ctx/cache"
if [ "$RC" = 0 ] && [[ "$OUT" =~ ^sha256:[0-9a-f]{64}$ ]] && ! grep -q '^#' "$T/err"; then pass "-q prints only the image ID"; else fail "-q ($(_why))"; fi
QID=$OUT
run "${SB[@]}" --iidfile "$T/iid" "$T/ctx/cache"
if [ "$RC" = 0 ] && [ "$(cat "$T/iid")" = "$QID" ] && [ "$(tail -n1 "$T/out")" = "$QID" ]; then pass "--iidfile writes the image ID"; else fail "--iidfile ($(cat "$T/iid" 2>&1) vs $QID; $(_why))"; fi
run "${SB[@]}" -t two:a -t other/two:b "$T/ctx/cache"
ia=$(sbc-inspect --format '{{.Id}}' two:a 2>&1); ib=$(sbc-inspect --format '{{.Id}}' other/two:b 2>&1)
if [ "$RC" = 0 ] && [ "$ia" = "$QID" ] && [ "$ib" = "$QID" ]; then pass "two -t: both names tag the image"; else fail "two -t ($ia, $ib vs $QID; $(_why))"; fi
expect_rc 0 "--pull --platform linux/amd64 --progress plain are accepted" "${SB[@]}" -q --pull --platform linux/amd64 --progress plain "$T/ctx/scratch"
mkdir -p "$T/ctx/fflag/sub"; cp "$T/ctx/scratch/hello.txt" "$T/ctx/fflag/"
printf 'FROM %s\nCOPY hello.txt /f-flag.txt\n' "$BASE" >"$T/ctx/fflag/sub/Other.dockerfile"
sbuild "$T/ctx/fflag" fflag:1 -f "$T/ctx/fflag/sub/Other.dockerfile"
if [ "$RC" = 0 ] && sbc_tree fflag:1 "$T/tree/fflag" && [ -f "$T/tree/fflag/f-flag.txt" ]; then pass "-f names a Dockerfile elsewhere"; else fail "-f ($(_why))"; fi

# ---------------------------------------------------------------- bad input
N0=$(nimages)
# bad NAME LINE REGEX "what": the build fails, the error names Dockerfile:LINE
# and matches REGEX; no image is added, no container is left
bad() {
  local n=$1 line=$2 re=$3 what=$4
  prep "$n"
  sbuild "$T/ctx/$n" "bad-$n:1"
  if [ "$RC" != 0 ] && [ "$RC" != 124 ] && grep -Eq "Dockerfile:($line)\b" "$T/err" && grep -Eiq -- "$re" "$T/err"; then pass "bad: $what"
  else fail "bad: $what (want rc != 0, 'Dockerfile:$line' and /$re/; $(_why))"; fi
  local ni nc
  ni=$(nimages); nc=$(sbc-ps -aq | wc -l)
  if [ "$ni" = "$N0" ] && [ "$nc" = 0 ] && ! sbc-inspect "bad-$n:1" >/dev/null 2>&1; then pass "bad:   no image made, no container left ($n)"
  else fail "bad:   $n left $((ni - N0)) images, $nc containers"; fi
}
bad bad-unknown 4 "unknown instruction|FROOB" "an unknown instruction"
bad bad-continuation "3|4" "continuation|end of (the )?file|EOF" "a continuation at the end of the file"
bad bad-parent 3 "not found|outside|forbidden" "COPY ../x"
bad bad-abs 3 "not found" "COPY /etc/shadow (absolute: the context's, which has none)"
bad bad-glob 3 "no source files|not found|nomatch" "a COPY glob matching nothing"
bad bad-chown 3 "latecomer" "--chown to a user the image does not have yet"
bad bad-run 3 "exit code:? 3" "a failing RUN names its exit code"
if ! grep -q never "$T/err"; then pass "bad: the steps after a failing RUN do not run"; else fail "bad: RUN after the failure ran"; fi
bad bad-link-abs 3 "not found" "COPY of a symlink to /etc/shadow (followed inside the context)"
bad bad-link-up 3 "not found" "COPY of a symlink to ../outside-file (followed inside the context)"
for n in $(ls "$T/tree"); do no_secret "$T/tree/$n" "no secret from outside the context in image $n"; done

t_done
