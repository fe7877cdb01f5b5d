#!/bin/bash
# tests/fuzz/run.sh - build every libFuzzer target into build/fuzz/ and run
# each for $FUZZ_SECONDS (default 60), $FUZZ_JOBS at a time (default: the
# number of CPUs).  Exits non-zero when any target crashed (or failed to
# build); crashing inputs are kept in build/fuzz/artifacts/TARGET/ and
# printed.  Needs clang (>= 14) with libFuzzer and Debian's -dev packages
# of zstd, zlib, BearSSL, cJSON and libseccomp.  The fuzz build has no
# build/gen on its include path: lib/runtime/seccomp_prebuilt.c then
# compiles the default seccomp profile at run time instead.
#
#   tests/fuzz/run.sh                 build + fuzz every target
#   tests/fuzz/run.sh layer manifest  only these targets
#   FUZZ_SECONDS=600 tests/fuzz/run.sh
#   FUZZ_BUILD_ONLY=1 tests/fuzz/run.sh
#   FUZZ_SMOKE=1 ...                  first replay the seeds (+ tests/fuzz/crashes) once
#
# The corpus grows in build/fuzz/corpus/TARGET (seeded by mkcorpus.py and
# tests/fuzz/crashes/TARGET-*).  fuzz_layer runs in a private mount
# namespace with / read-only and a tmpfs on /tmp when unshare allows it,
# so a containment bug cannot write to the host.
set -u
cd "$(dirname "$0")/../.."
TOP=$(pwd)
OUT=$TOP/build/fuzz
SECS=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
CC=${FUZZ_CC:-clang}
ALL="ref auth_challenge url http_response manifest json user layer tar seccomp unz gotmpl dockerfile ignore"
TARGETS=${*:-$ALL}

# -max_len per target: enough for the structure, small enough to be fast
maxlen() {
  case $1 in
    ref) echo 4096 ;; auth_challenge | url) echo 4096 ;; user) echo 8192 ;;
    http_response | dockerfile) echo 16384 ;; manifest | json | seccomp | unz | tar) echo 65536 ;; layer) echo 262144 ;;
    *) echo 4096 ;;
  esac
}

mkdir -p "$OUT/obj" "$OUT/corpus" "$OUT/artifacts" "$OUT/logs"
CFLAGS="-std=c11 -g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE -DSBC_GIT=\"fuzz\" -DSBC_DEPS_BEARSSL=\"0.6\"
  -I/usr/include/bearssl -I. -Ilib -Iapplets -Itests/fuzz -Wall -Wextra -Wno-unused-parameter"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
LIBS="-lzstd -lisal -lz -lbearssl -lcjson -lseccomp -lpthread"

# ---- build: lib/*/*.c instrumented into an archive, then one binary per target
echo "== building fuzz targets into build/fuzz/"
HDRS=$(ls lib/*/*.h)
newest_hdr=$(ls -t lib/*/*.h | head -1)
objs=()
for src in lib/*/*.c; do
  o=$OUT/obj/$(basename "$src" .c).o
  if [ ! -f "$o" ] || [ "$src" -nt "$o" ] || [ "$newest_hdr" -nt "$o" ]; then
    # shellcheck disable=SC2086
    if ! $CC $CFLAGS $SAN -fsanitize=fuzzer-no-link -c "$src" -o "$o" 2>"$OUT/logs/cc-$(basename "$src").log"; then
      echo "warning: $src does not compile (skipped; targets needing it will not link)" >&2
      rm -f "$o"
      continue
    fi
  fi
  objs+=("$o")
done
rm -f "$OUT/libsbc-fuzz.a"
ar rcs "$OUT/libsbc-fuzz.a" "${objs[@]}"
BUILD_FAIL=0
for t in $TARGETS; do
  src=tests/fuzz/fuzz_$t.c
  [ -f "$src" ] || { echo "FAIL $t: no $src"; BUILD_FAIL=1; continue; }
  # shellcheck disable=SC2086
  if ! $CC $CFLAGS $SAN -fsanitize=fuzzer "$src" "$OUT/libsbc-fuzz.a" $LIBS -o "$OUT/fuzz_$t" \
      2>"$OUT/logs/build-$t.log"; then
    echo "FAIL $t: build"; sed -n 1,20p "$OUT/logs/build-$t.log"; BUILD_FAIL=1
  fi
done
python3 tests/fuzz/mkcorpus.py "$OUT/corpus" >/dev/null || { echo "FAIL: mkcorpus.py"; exit 1; }
for f in tests/fuzz/crashes/*; do # regression seeds: crashes/TARGET-name
  [ -f "$f" ] || continue
  t=$(basename "$f"); t=${t%%-*}
  [ -d "$OUT/corpus/$t" ] && cp "$f" "$OUT/corpus/$t/regress-$(basename "$f")"
done
[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit $BUILD_FAIL

# ---- run
SANDBOX=()
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null &&
   unshare -m true 2>/dev/null; then
  # OUT stays reachable at its own path even when it lies under /tmp (a
  # checkout in /tmp): it is bound back from the cwd after the tmpfs hides it
  SANDBOX=(unshare -m sh -c 'mount --make-rprivate / && mount --bind "$1" "$1" &&
    mount -o remount,bind,ro / && cd "$1" && mount -t tmpfs -o mode=1777 tmpfs /tmp &&
    mkdir -p "$1" && mount --no-canonicalize --bind . "$1" && shift && exec "$@"' sandbox "$OUT")
fi

run_one() { # TARGET
  local t=$1 art=$OUT/artifacts/$1 log=$OUT/logs/run-$1.log
  [ -x "$OUT/fuzz_$t" ] || return 1
  mkdir -p "$art"
  local cmd=("$OUT/fuzz_$t")
  [ "$t" = layer ] && [ ${#SANDBOX[@]} -gt 0 ] && cmd=("${SANDBOX[@]}" "$OUT/fuzz_$t")
  local common=(-max_len="$(maxlen "$t")" -timeout=20 -rss_limit_mb=4096 -artifact_prefix="$art/"
                -print_final_stats=1)
  : >"$log"
  if [ "${FUZZ_SMOKE:-0}" = 1 ]; then
    # replay the seeds once (-runs=0 only loads and executes the corpus)
    ASAN_OPTIONS=detect_leaks=1 "${cmd[@]}" "${common[@]}" -runs=0 "$OUT/corpus/$t" >>"$log" 2>&1 ||
      return 1
  fi
  # the smoke run (CI) uses a fixed seed: the same inputs in the same order
  # every time, so CI is not red by luck; `make fuzz` explores with random seeds
  local seed=()
  [ "${FUZZ_SMOKE:-0}" = 1 ] && seed=(-seed=1)
  ASAN_OPTIONS=detect_leaks=1 "${cmd[@]}" "${common[@]}" "${seed[@]}" -max_total_time="$SECS" \
    "$OUT/corpus/$t" >>"$log" 2>&1
}

echo "== fuzzing: $TARGETS (${SECS}s each, $JOBS at a time)"
pids=() names=()
FAILED=""
reap() { # wait for the oldest job
  local p=${pids[0]} n=${names[0]}
  pids=("${pids[@]:1}") names=("${names[@]:1}")
  if wait "$p"; then
    local st
    st=$(grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units)' "$OUT/logs/run-$n.log" | tail -2 | tr '\n' ' ')
    echo "ok $n: $st"
  else
    FAILED="$FAILED $n"
    echo "FAIL $n: crash (log: build/fuzz/logs/run-$n.log)"
    grep -E 'ERROR: |FUZZ INVARIANT|SUMMARY|^    #[0-9] ' "$OUT/logs/run-$n.log" | head -25 | sed 's/^/    /'
    ls "$OUT/artifacts/$n/" 2>/dev/null | sed "s|^|    artifact: build/fuzz/artifacts/$n/|"
  fi
}
for t in $TARGETS; do
  [ -x "$OUT/fuzz_$t" ] || continue
  while [ ${#pids[@]} -ge "$JOBS" ]; do reap; done
  run_one "$t" &
  pids+=($!) names+=("$t")
done
while [ ${#pids[@]} -gt 0 ]; do reap; done
if [ -n "$FAILED" ] || [ $BUILD_FAIL != 0 ]; then
  echo "fuzz: FAILED:$FAILED"
  exit 1
fi
echo "fuzz: no crashes"
