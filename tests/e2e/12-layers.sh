#!/bin/bash
# 12-layers: the dependency rule of lib/ (lib/README.md) holds, and its check
# (tools/check-layers.sh, make check-layers) fails on an include that breaks
# it, naming the file and the line; so does the rule that lib/ never prints
# (tools/check-noprint.sh, lib/base/err.h).
. "$(dirname "$0")/../lib.sh"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
CHK=$TOP/tools/check-layers.sh

expect_rc 0 "the tree keeps the rule" sh "$CHK" "$TOP"

# a copy of lib/ to break
C=$T_TMP/tree
mkdir -p "$C" && cp -r "$TOP/lib" "$C/lib"
expect_rc 0 "the copy keeps it too" sh "$CHK" "$C"

# base may use nothing of sbc: an include of the runtime in base/io.c
n=$(grep -n '^#include' "$C/lib/base/io.c" | tail -1 | cut -d: -f1)
sed -i "${n}a #include \"runtime/spawn.h\"" "$C/lib/base/io.c"
run sh "$CHK" "$C"
if [ "$RC" = 1 ] && [ "$(wc -l <"$T_TMP/out")" = 1 ] &&
  grep -q "^lib/base/io.c:$((n + 1)): #include \"runtime/spawn.h\": base may use nothing of sbc" "$T_TMP/out"; then
  pass "base including runtime fails, naming lib/base/io.c:$((n + 1))"
else
  fail "base -> runtime ($(_why))"
fi
cp "$TOP/lib/base/io.c" "$C/lib/base/io.c"

# image may not use the runtime (the wrong-way edge commit once had)
printf '#include "runtime/container.h"\n' >>"$C/lib/image/imgbuild.c"
n=$(wc -l <"$C/lib/image/imgbuild.c")
run sh "$CHK" "$C"
if [ "$RC" = 1 ] && grep -q "^lib/image/imgbuild.c:$n: #include \"runtime/container.h\": image may use registry base" "$T_TMP/out"; then
  pass "image including runtime fails, naming lib/image/imgbuild.c:$n"
else
  fail "image -> runtime ($(_why))"
fi
cp "$TOP/lib/image/imgbuild.c" "$C/lib/image/imgbuild.c"

# net may not use registry; a bare include is refused too
printf '#include "registry/http.h"\n#include "io.h"\n' >>"$C/lib/net/nft.c"
run sh "$CHK" "$C"
if [ "$RC" = 1 ] && grep -q '^lib/net/nft.c:[0-9]*: #include "registry/http.h": net may use base' "$T_TMP/out" &&
  grep -q '^lib/net/nft.c:[0-9]*: #include "io.h": name sbc headers as "DOMAIN/name.h"' "$T_TMP/out"; then
  pass "net including registry, and a bare include, fail"
else
  fail "net -> registry ($(_why))"
fi
cp "$TOP/lib/net/nft.c" "$C/lib/net/nft.c"

# a domain the rule does not know
mkdir -p "$C/lib/extra" && echo 'int x;' >"$C/lib/extra/x.c"
run sh "$CHK" "$C"
if [ "$RC" = 1 ] && grep -q 'lib/extra/: a domain the rule does not know' "$T_TMP/out"; then
  pass "an unknown domain folder fails"
else
  fail "unknown domain ($(_why))"
fi
rm -rf "$C/lib/extra"
expect_rc 0 "the repaired copy passes again" sh "$CHK" "$C"

# the library never prints (lib/base/err.h): tools/check-noprint.sh
NP=$TOP/tools/check-noprint.sh
expect_rc 0 "lib/ prints nothing" sh "$NP" "$TOP"
expect_rc 0 "nor does the copy" sh "$NP" "$C"
n=$(grep -n '^static void report' "$C/lib/image/pull.c" | cut -d: -f1)
sed -i "${n}i static void say(void) { fputs(\"Pull complete\", stderr); }" "$C/lib/image/pull.c"
run sh "$NP" "$C"
if [ "$RC" = 1 ] && [ "$(wc -l <"$T_TMP/out")" = 1 ] && grep -q "^lib/image/pull.c:$n: prints: " "$T_TMP/out"; then
  pass "a print in lib/image/pull.c fails, naming line $n"
else
  fail "print in pull.c ($(_why))"
fi
cp "$TOP/lib/image/pull.c" "$C/lib/image/pull.c"
echo 'void f(void) { sbc_die(125, "gave up"); }' >>"$C/lib/image/push.c"
run sh "$NP" "$C"
if [ "$RC" = 1 ] && grep -q "^lib/image/push.c:[0-9]*: dies where err.h does not allow it" "$T_TMP/out"; then
  pass "sbc_die outside err.h's exceptions fails"
else
  fail "sbc_die in push.c ($(_why))"
fi
cp "$TOP/lib/image/push.c" "$C/lib/image/push.c"
expect_rc 0 "the repaired copy prints nothing again" sh "$NP" "$C"

# no function of lib/ or applets/ over 150 lines (tools/check-funcs.sh), and
# the check sees one
expect_rc 0 "no function over 150 lines" sh "$TOP/tools/check-funcs.sh" 150 "$TOP"
run sh "$TOP/tools/check-funcs.sh" 40 "$TOP"
if [ "$RC" = 1 ] && grep -q '^lib/.*: [a-z_0-9]*: [0-9]* lines (at most 40)$' "$T_TMP/out"; then
  pass "check-funcs finds functions over a lower bound ($(wc -l <"$T_TMP/out") over 40 lines)"
else
  fail "check-funcs at 40 ($(_why))"
fi

# no applet opens the store's directories or builds paths into it: the
# store and container modules do (thin applets)
store_walks() { grep -nE 'opendir|fdopendir|"(images|layers|containers|blobs)/|sbc_store_path\(' "$1"/applets/*.c; }
if [ -z "$(store_walks "$TOP")" ]; then pass "no applet walks the store itself"; else fail "applets walk the store: $(store_walks "$TOP" | head -3 | tr '\n' ' ')"; fi
mkdir -p "$C/applets" && printf 'static int f(int fd) { return openat(fd, "images/x.json", 0); }\n' >"$C/applets/bad.c"
if [ -n "$(store_walks "$C")" ]; then pass "the store-walk check sees an applet that opens images/"; else fail "store-walk check blind"; fi

# make check-layers runs both, and make test runs make check-layers
run make -C "$TOP" -s check-layers
if [ "$RC" = 0 ] && grep -q 'keep the dependency rule' "$T_TMP/out" && grep -q 'lib/ prints nothing' "$T_TMP/out"; then pass "make check-layers"; else fail "make check-layers ($(_why))"; fi
if make -C "$TOP" -n test 2>/dev/null | grep -q 'check-layers.sh'; then pass "make test runs check-layers"; else fail "make test does not run check-layers"; fi
t_done
