# sbc - one static multicall binary.  `sh bootstrap.sh` first (deps into build/deps).
#   make            build/sbc (static, musl, stripped, -Os, gc-sections)
#   make test       unit tests (musl + ASan/UBSan glibc build) and end-to-end tests
#   make demo       build, start the local test registry, pull busybox, run echo hello
#   make debug      build/sbc-debug: glibc, -O1 -g, ASan + UBSan
DEPS    ?= build/deps/prefix
CC      := musl-gcc
OPT     := -Os -fno-pie -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables
WARN    := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-format-truncation
GIT     := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
BEARSSL := $(shell awk '$$1=="bearssl"{print $$2}' build/deps/VERSIONS 2>/dev/null)
ISAL    := $(shell awk '$$1=="libisal"{print $$2}' build/deps/VERSIONS 2>/dev/null)
# the Debian source revisions built (sbc --version), lines joined with '|'
# (not libarchive, which an older bootstrap.sh built: tar is lib/base/tar.c)
DEPVERS := $(shell grep -v '^libarchive ' build/deps/VERSIONS 2>/dev/null | tr -d '"\\' | tr '\n' '|')
LICENSES_GZ := $(CURDIR)/build/gen/licenses.gz
DEFS    := -D_GNU_SOURCE -DSBC_GIT='"$(GIT)"' -DSBC_DEPS_BEARSSL='"$(or $(BEARSSL),0.6)"' -DSBC_DEPS_ISAL='"$(or $(ISAL),unknown)"' \
           -DSBC_DEPS_VERSIONS='"$(DEPVERS)"' -DSBC_LICENSES_GZ='"$(LICENSES_GZ)"'
CFLAGS  := -std=c11 $(OPT) $(WARN) $(DEFS) -DSBC_ARENA -I. -Ilib -Iapplets -Ibuild/gen -I$(DEPS)/include -idirafter $(DEPS)/kinc
# malloc goes through lib/base/arena.c first (see arena.h)
WRAP    := -Wl,--wrap=malloc,--wrap=free,--wrap=calloc,--wrap=realloc
LDFLAGS := -static -no-pie -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,-Map=build/sbc.map $(WRAP)
LIBS    := -L$(DEPS)/lib -lzstd -lisal -lz -lbearssl -lcjson -lseccomp

LIB_SRC    := $(sort $(wildcard lib/*/*.c))
LIB_HDR    := $(wildcard lib/*/*.h)
APPLET_SRC := $(sort $(wildcard applets/*.c))
OBJ        := $(patsubst %.c,build/obj/%.o,$(LIB_SRC) $(APPLET_SRC))
UNIT_SRC   := $(sort $(wildcard tests/unit/*.c))

all: build/sbc

$(DEPS)/lib/libbearssl.a:
	@echo "dependencies missing: run 'sh bootstrap.sh' first" >&2; exit 1

# each object depends on the headers it includes (-MMD -MP: build/obj/**/*.d);
# an object without its .d is rebuilt
build/obj/%.o: %.c build/obj/%.d | $(DEPS)/lib/libbearssl.a
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CFLAGS) -MMD -MP -c $< -o $@
$(OBJ:.o=.d): ;
-include $(wildcard $(OBJ:.o=.d))

# the license texts inside the binary (lib/base/licenses.c, sbc --licenses)
$(LICENSES_GZ): LICENSE THIRD-PARTY
	@mkdir -p $(dir $@)
	@{ printf 'sbc is licensed under the Apache License, Version 2.0:\n\n'; cat LICENSE; printf '\n\n'; cat THIRD-PARTY; } | gzip -9n > $@
build/obj/lib/base/licenses.o: $(LICENSES_GZ)
build/obj/applets/version.o: $(wildcard build/deps/VERSIONS)

# Docker's default seccomp profile compiled at build time by a small generator
# linked with libseccomp (tools/seccomp-gen.c) into a const array that
# lib/runtime/seccomp_prebuilt.c includes (<seccomp_default.h>, -Ibuild/gen)
GEN_OBJ := $(addprefix build/obj/lib/,runtime/seccomp.o runtime/seccomp_compact.o runtime/seccomp_default.o runtime/caps.o \
             base/json.o base/io.o base/err.o)
build/seccomp-gen: tools/seccomp-gen.c $(GEN_OBJ)
	@echo "  LD $@"
	@$(CC) $(CFLAGS) -static tools/seccomp-gen.c $(GEN_OBJ) -L$(DEPS)/lib -lseccomp -lcjson -o $@
build/gen/seccomp_default.h: build/seccomp-gen
	@mkdir -p $(dir $@)
	@build/seccomp-gen $@
build/obj/lib/runtime/seccomp_prebuilt.o: build/gen/seccomp_default.h
build/obj/lib/runtime/seccomp_prebuilt.o: CFLAGS += -DSBC_SECCOMP_REQUIRE_PREBUILT

build/sbc: $(OBJ)
	@echo "  LD build/sbc"
	@$(CC) $(CFLAGS) $(LDFLAGS) $(OBJ) $(LIBS) -o build/sbc.unstripped
	@strip -s -R .comment -R .note -o $@ build/sbc.unstripped
	@echo "build/sbc: $$(stat -c %s $@) bytes ($$(( ($$(stat -c %s $@) + 1023) / 1024 )) KiB, budget 1024 KiB)"
	@test $$(stat -c %s $@) -le 1048576 || { echo "build/sbc is over the 1 MiB budget" >&2; exit 1; }

# Unit tests: the lib/ objects (no applets/main.c) + tests/unit/*.c.
UNIT_LIB_OBJ := $(patsubst %.c,build/obj/%.o,$(LIB_SRC)) $(patsubst %.c,build/obj/%.o,$(filter-out applets/main.c applets/docgen.c,$(APPLET_SRC)))
build/unit: $(UNIT_LIB_OBJ) $(UNIT_SRC) tests/unit/unit.h
	@echo "  LD $@"
	@$(CC) $(CFLAGS) -Itests/unit -static $(WRAP) $(UNIT_SRC) $(UNIT_LIB_OBJ) $(LIBS) -o $@

# Debug: glibc + ASan/UBSan against Debian's -dev packages of the same libraries.
DBG_CFLAGS := -I/usr/include/bearssl -std=c11 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
  -fno-sanitize-recover=undefined $(WARN) $(DEFS) -I. -Ilib -Iapplets -Itests/unit -Ibuild/gen
DBG_LIBS   := -lzstd -lisal -lz -lbearssl -lcjson -lseccomp
build/unit-asan: $(LICENSES_GZ) build/gen/seccomp_default.h $(LIB_SRC) $(filter-out applets/main.c applets/docgen.c,$(APPLET_SRC)) $(UNIT_SRC) $(LIB_HDR) tests/unit/unit.h
	@mkdir -p build
	@echo "  CC+LD $@ (glibc, ASan+UBSan)"
	@gcc $(DBG_CFLAGS) $(UNIT_SRC) $(LIB_SRC) $(filter-out applets/main.c applets/docgen.c,$(APPLET_SRC)) $(DBG_LIBS) -o $@
build/sbc-debug: $(LICENSES_GZ) build/gen/seccomp_default.h $(LIB_SRC) $(APPLET_SRC) $(LIB_HDR)
	@mkdir -p build
	@echo "  CC+LD $@ (glibc, ASan+UBSan)"
	@gcc $(DBG_CFLAGS) $(LIB_SRC) $(APPLET_SRC) $(DBG_LIBS) -o $@
debug: build/sbc-debug

test: check-layers build/sbc build/unit build/unit-asan build/sbc-debug
	bash tests/run.sh

# the dependency rule of lib/ (lib/README.md), and that lib/ never prints (lib/base/err.h)
check-layers:
	@sh tools/check-layers.sh
	@sh tools/check-noprint.sh

demo: build/sbc
	bash tests/demo.sh

# All the benches in one run (as root, minutes): start latency, pull, size;
# bench/report.py prints one table with the goals and redraws bench/svg/*.svg
# (the charts in the README).  Figures land in build/bench/.
BENCH_RUNS_START ?= 100
BENCH_RUNS_PULL ?= 5
bench: build/sbc
	sh bench/install-peers
	@mkdir -p build/bench
	BENCH_JSON=$(CURDIR)/build/bench bash bench/start $(BENCH_RUNS_START)
	BENCH_JSON=$(CURDIR)/build/bench bash bench/pull $(BENCH_RUNS_PULL)
	BENCH_JSON=$(CURDIR)/build/bench bash bench/size
	python3 bench/report.py build/bench bench/svg

clean:
	rm -rf build/obj build/gen build/fuzz build/seccomp-gen build/sbc build/sbc.unstripped build/sbc.map build/unit build/unit-asan build/sbc-debug

# Fuzzing: libFuzzer targets of every parser (tests/fuzz/), clang + glibc -dev
# libraries; FUZZ_SECONDS per target (default 60).
fuzz:
	bash tests/fuzz/run.sh

# Man pages from the usage texts (sbc --man): build/man/sbc.1, sbc-COMMAND.1
man: build/sbc
	@mkdir -p build/man
	@build/sbc --man sbc > build/man/sbc.1
	@for a in $$(build/sbc --list); do build/sbc --man $$a > build/man/sbc-$$a.1 || exit 1; done
	@echo "build/man: $$(ls build/man | wc -l) pages (man -l build/man/sbc-run.1)"

.PHONY: all test demo clean debug check-layers fuzz bench man
