#!/bin/bash
# tests/run.sh - the whole suite (as root): unit tests (musl build and the
# ASan/UBSan glibc build), then every tests/e2e/*.sh through the installed
# sbc-* symlinks, with the local registry fixture running.  Ends with one line
# "N passed, N failed, N skipped" (a skipped check prints "SKIP name: why");
# exits non-zero when anything failed.
#   tests/run.sh [PATTERN]   only e2e scripts whose name contains PATTERN
#   tests/run.sh --asan [PATTERN]
#                            only the ASan+UBSan pass (of those of ASAN_TESTS
#                            whose name contains PATTERN)
#   SBC_KEEP_LOG=PREFIX      keep each script's full log as PREFIX.NAME
set -u
cd "$(dirname "$0")/.."
ASAN_ONLY=0
[ "${1:-}" = --asan ] && { ASAN_ONLY=1; shift; }
# the e2e scripts that run again on the sanitizer build
ASAN_TESTS=${SBC_ASAN_TESTS:-"20-login 30-pull 40-run 41-lifecycle 42-exec 43-limits 44-hardening 45-run-network 46-escape 47-drivers 49-harden 50-network 51-userns 60-images 61-push 63-format 70-health 72-build"}
TOP=$(pwd)
PASS=0
FAIL=0
SKIP=0
RESULT_RE='^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$'
add_counts() { # parse the last "N passed, N failed[, N skipped]" line of file $1
  local line
  line=$(grep -E "$RESULT_RE" "$1" | tail -1)
  if [ -z "$line" ]; then
    FAIL=$((FAIL + 1)); echo "FAIL $2: no result line (crashed?)"; return
  fi
  set -- $line
  PASS=$((PASS + $1)); FAIL=$((FAIL + $3)); SKIP=$((SKIP + ${5:-0}))
}

WORK=$(mktemp -d /tmp/sbc-test.XXXXXX)
. tests/fixtures/cgparents.sh; cg_parents_note   # the "sbc" cgroup parents and /dev/shm/sbc it makes
cleanup() {
  cg_parents_restore
  [ -n "${SUITE_BR:-}" ] && { nft delete table ip "sbc-$SUITE_BR"; ip link del "$SUITE_BR"; } >/dev/null 2>&1
  [ -f "$WORK/registry/env" ] && bash tests/fixtures/registry/stop.sh "$WORK/registry" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for u in build/unit build/unit-asan; do
  echo "== $u"
  if [ -x "$u" ]; then
    ASAN_OPTIONS=detect_leaks=0 "$u" >"$WORK/u.log" 2>&1; cat "$WORK/u.log" | grep -v '^ok ' ; add_counts "$WORK/u.log" "$u"
  else
    FAIL=$((FAIL + 1)); echo "FAIL $u: not built"
  fi
done

mkdir -p "$WORK/bin"
build/sbc --install "$WORK/bin" || { echo "FAIL: sbc --install"; FAIL=$((FAIL + 1)); }
export PATH="$WORK/bin:$PATH" SBC_BIN="$TOP/build/sbc" SBC_TEST_WORK="$WORK"
export SBC_CONFIG_DIR="$WORK/etc-sbc" DOCKER_CONFIG="$WORK/docker-config"
mkdir -p "$SBC_CONFIG_DIR" "$DOCKER_CONFIG"
# bridge networking (the default of sbc-run) on a private bridge and subnet,
# removed after each script, so the host keeps no sbc0 and no nft table
SUITE_BR=sbcs$$
SUITE_BR=${SUITE_BR:0:15}
echo "{\"bridge\":\"$SUITE_BR\",\"subnet\":\"10.214.$(( ($$ % 200) + 20 )).0/24\"}" >"$SBC_CONFIG_DIR/config.json"

# The registry fixture, shared by the e2e scripts that need it.
if [ -x tests/fixtures/registry/start.sh ] && [ "${SBC_NO_REGISTRY:-0}" != 1 ]; then
  echo "== starting the test registry"
  PORT=$((20000 + RANDOM % 20000))
  # REDIRECT=1: blob GETs are sent to a second host (as Docker Hub does to its
  # CDN) that refuses a forwarded Authorization header
  if REDIRECT=1 bash tests/fixtures/registry/start.sh "$WORK/registry" "$PORT" >"$WORK/reg.log" 2>&1 &&
     bash tests/fixtures/images/build.sh "$WORK/registry" >>"$WORK/reg.log" 2>&1; then
    export SBC_FIXTURE_ENV="$WORK/registry/env"
    # trust the fixture's CA for every fixture port, as /etc/sbc/certs.d would
    cp -r "$WORK/registry/certs.d" "$SBC_CONFIG_DIR/certs.d"
    PASS=$((PASS + 1)); echo "ok registry fixture up on port $PORT"
  else
    FAIL=$((FAIL + 1)); echo "FAIL registry fixture: $(tail -5 "$WORK/reg.log")"
  fi
fi

for t in tests/e2e/*.sh; do
  [ -e "$t" ] && [ "$ASAN_ONLY" = 0 ] || continue
  case "$t" in *"${1:-}"*) ;; *) continue ;; esac
  echo "== $t"
  export SBC_ROOT="$WORK/root-$(basename "$t" .sh)"
  timeout 900 bash "$t" >"$WORK/t.log" 2>&1
  [ -n "${SBC_KEEP_LOG:-}" ] && cp "$WORK/t.log" "$SBC_KEEP_LOG.$(basename "$t" .sh)"
  grep -v '^ok ' "$WORK/t.log" | grep -Ev "$RESULT_RE" | head -50
  grep -c '^ok ' "$WORK/t.log" | sed 's/^/   ok: /'
  add_counts "$WORK/t.log" "$t"
  [ -d "$SBC_ROOT/network/bridge" ] && "$TOP/build/sbc" network rm -f bridge >/dev/null 2>&1
  rm -rf --one-file-system "$SBC_ROOT" 2>/dev/null || true
done

# The applets again, built with ASan+UBSan (glibc): every sanitizer report
# is a failure, even when the test itself passed.  (48-cgroup-vm boots the
# static build in a VM; 10-dispatch checks that build's own properties.)
if [ -x build/sbc-debug ] && [ -n "${SBC_FIXTURE_ENV:-}" ] && { [ -z "${1:-}" ] || [ "$ASAN_ONLY" = 1 ]; }; then
  mkdir -p "$WORK/dbgbin" "$WORK/san"
  ln -s "$TOP/build/sbc-debug" "$WORK/dbgbin/sbc"
  "$WORK/dbgbin/sbc" --install "$WORK/dbgbin" >/dev/null
  for n in $ASAN_TESTS; do
    t=tests/e2e/$n.sh
    case "$t" in *"${1:-}"*) ;; *) continue ;; esac
    echo "== $t (ASan+UBSan build)"
    export SBC_ROOT="$WORK/root-asan-$(basename "$t" .sh)"
    SBC_TEST_SANITIZED=1 PATH="$WORK/dbgbin:$PATH" ASAN_OPTIONS="detect_leaks=0:log_path=$WORK/san/asan" \
      UBSAN_OPTIONS="print_stacktrace=1:log_path=$WORK/san/ubsan" \
      timeout 900 bash "$t" >"$WORK/t.log" 2>&1
    grep -v '^ok ' "$WORK/t.log" | grep -Ev "$RESULT_RE" | head -20
    add_counts "$WORK/t.log" "$t (asan)"
    # as above: each test's store gives the suite's bridge back (the next
    # store is refused a bridge another store owns)
    [ -d "$SBC_ROOT/network/bridge" ] && "$TOP/build/sbc" network rm -f bridge >/dev/null 2>&1
    rm -rf --one-file-system "$SBC_ROOT" 2>/dev/null || true
  done
  for r in "$WORK"/san/*; do
    [ -e "$r" ] || continue
    FAIL=$((FAIL + 1)); echo "FAIL sanitizer report: $(grep -m1 -E 'ERROR|runtime error' "$r")"
  done
  [ -n "$(ls "$WORK/san")" ] || { PASS=$((PASS + 1)); echo "ok no sanitizer reports from the applets"; }
fi

echo "$PASS passed, $FAIL failed, $SKIP skipped"
[ "$FAIL" = 0 ]
