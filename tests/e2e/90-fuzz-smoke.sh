#!/bin/bash
# Fuzz smoke test: build every libFuzzer target (tests/fuzz/), replay its
# seed corpus and the saved crash inputs (tests/fuzz/crashes/), then fuzz
# each for a few seconds.  Passes only when nothing crashed.  Needs clang
# with libFuzzer; without it, one SKIP line says so.
. "$(dirname "$0")/../lib.sh"
TOP=$(cd "$(dirname "$0")/../.." && pwd)

if ! command -v clang >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  skip "fuzz smoke test: clang with libFuzzer is not installed (apt-get install clang)"
  t_done
  exit
fi

# every target, FUZZ_SMOKE_SECONDS each (default 15), 2 at a time: ~1 minute
export FUZZ_SECONDS=${FUZZ_SMOKE_SECONDS:-15} FUZZ_SMOKE=1 FUZZ_JOBS=${FUZZ_JOBS:-2}
run bash "$TOP/tests/fuzz/run.sh"
cat "$T_TMP/out" | grep -E '^(ok|FAIL) ' | sed 's/^/  /'
for t in ref auth_challenge url http_response manifest json user layer tar seccomp unz gotmpl; do
  if grep -q "^ok $t:" "$T_TMP/out"; then
    pass "fuzz_$t: seeds and ${FUZZ_SECONDS}s of fuzzing without a crash"
  else
    fail "fuzz_$t: $(grep -E "^FAIL $t" "$T_TMP/out" | head -1) $(grep -A12 "^FAIL $t" "$T_TMP/out" | grep -E 'INVARIANT|ERROR|SUMMARY|artifact' | head -4 | tr '\n' '|')"
  fi
done
if [ "$RC" = 0 ]; then pass "tests/fuzz/run.sh exits 0"; else fail "tests/fuzz/run.sh exits $RC"; fi
t_done
