#!/bin/sh
# tests/net/build.sh OUT - build the test-only network harness (musl, static)
# from the library sources it needs; independent of the Makefile.
cd "$(dirname "$0")/../.." || exit 1
D=build/deps/prefix
exec musl-gcc -std=c11 -O1 -D_GNU_SOURCE -I. -Ilib -I$D/include -idirafter $D/kinc -static \
  tests/net/netharness.c lib/net/*.c lib/base/config.c \
  lib/base/err.c lib/base/io.c lib/base/json.c lib/base/digest.c lib/base/time.c -L$D/lib -lcjson -lbearssl -o "${1:-build/netharness}"
