#!/bin/sh
# bootstrap.sh -- set up a fresh Debian/Ubuntu machine for sbc (as root):
#   1. apt-installs the build and test packages (musl-tools, registry, skopeo, umoci, ...)
#   2. fetches the Debian source packages of sbc's six libraries (bearssl, cjson,
#      libisal, zlib, libzstd, libseccomp), each at the newest revision the mirror serves
#      (an indexed revision it does not serve falls back to the one before, with a
#      warning line: tools/apt-fetch.sh), applies Debian's patches, and builds them
#      as static musl libraries into build/deps (ignored by git).
# Idempotent and cached: a second run finds build/deps/.stamp (a hash of the build
# steps below and of the revisions built) and does nothing.  The revisions built
# are recorded in build/deps/VERSIONS and printed by `sbc --version`.
#   SKIP_APT=1   don't apt-get install (packages already there)
#   NO_TEST_PKGS=1  only the build packages
# For the test of the fetch step (tests/e2e/11-apt-fallback.sh):
#   BOOTSTRAP_DIR=DIR      instead of build/deps
#   BOOTSTRAP_PKGS="P..."  other source packages
#   BOOTSTRAP_SOURCES=F    this sources.list instead of the host's deb lines
#   BOOTSTRAP_FETCH_ONLY=1 stop after the fetch (DIR/VERSIONS written)
#   BOOTSTRAP_CHECK=1      only say whether DIR is up to date (status 0) or not
set -eu
cd "$(dirname "$0")"
SELF=$(pwd)/$(basename "$0")
TOP=${BOOTSTRAP_DIR:-$(pwd)/build/deps}
PREFIX=$TOP/prefix
SRC=$TOP/src
JOBS=${JOBS:-$(nproc)}
PKGS=${BOOTSTRAP_PKGS:-"bearssl cjson libisal zlib libzstd libseccomp"}
BUILD_PKGS="musl-tools dpkg-dev make gcc xz-utils bzip2 linux-libc-dev ca-certificates file binutils gperf nasm"
TEST_PKGS="docker-registry skopeo umoci busybox-static openssl python3 iproute2 nftables tmux
 debootstrap hyperfine time util-linux procps zstd vagrant vagrant-libvirt btrfs-progs qemu-system-x86 cpio
 podman keyutils uidmap passt slirp4netns
 conmon catatonit crun runc containerd golang-go buildah
 libbearssl-dev libcjson-dev libisal-dev zlib1g-dev libzstd-dev libseccomp-dev"
# the stamp: a hash of the build steps (this script from the "build steps"
# line down, and the package list) and of the revisions built (VERSIONS)
stamp_key() {
  { echo "$PKGS"; sed -n '/^# ---- build steps/,$p' "$SELF"; } | sha256sum | cut -c1-16
  sha256sum < "$TOP/VERSIONS" | cut -c1-16
}

log() { echo "bootstrap: $*" >&2; }

# apt_install required|optional PKG...: a required package that cannot be
# installed ends the script with one line naming it; an optional one (the test
# packages) prints a warning line, and the tests that need it SKIP.
apt_install() {
  kind=$1; shift
  [ "${SKIP_APT:-0}" = 1 ] && return 0
  missing=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  log "apt-get install$missing"
  [ -n "${APT_UPDATED:-}" ] || { apt-get update -qq || log "warning: apt-get update failed; using the lists there are"; APT_UPDATED=1; }
  n=0
  until DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >"$TOP.apt.log" 2>&1; do
    n=$((n+1)); [ $n -ge 2 ] && break
    apt-get update -qq || true; sleep 2
  done
  # one at a time, to name what cannot be installed
  for p in $missing; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' && continue
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >"$TOP.apt.log" 2>&1 && continue
    why=$(grep -E '^E:' "$TOP.apt.log" | tail -1 | cut -c1-160)
    if [ "$kind" = required ]; then log "cannot install the build package $p: ${why:-apt-get failed}"; exit 1; fi
    log "warning: cannot install the test package $p (${why:-apt-get failed}); the tests that need it will SKIP"
  done
  rm -f "$TOP.apt.log"
}

# Debian's policy-rc.d-less installs may start the packaged registry; we start our own.
mkdir -p "$(dirname "$TOP")"
apt_install required $BUILD_PKGS
[ "${NO_TEST_PKGS:-0}" = 1 ] || apt_install optional $TEST_PKGS
# rootless networking (pasta, slirp4netns) opens /dev/net/tun as the user;
# udev makes it 0666 on Debian, a machine without udev leaves it 0600
if [ "${NO_TEST_PKGS:-0}" != 1 ] && [ -c /dev/net/tun ] && [ "$(id -u)" = 0 ] &&
   [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
  log "/dev/net/tun: mode 0666, as Debian's udev rules set it"
  chmod 666 /dev/net/tun
fi
if command -v systemctl >/dev/null 2>&1 && systemctl is-active -q docker-registry 2>/dev/null; then
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi

if [ -f "$TOP/.stamp" ] && [ -f "$TOP/VERSIONS" ] && [ "$(cat "$TOP/.stamp")" = "$(stamp_key)" ]; then
  log "dependencies up to date in $PREFIX"; exit 0
fi
[ "${BOOTSTRAP_CHECK:-0}" = 1 ] && { log "dependencies in $TOP are missing or out of date"; exit 1; }

# ---- fetch the source packages through a private apt state: the host's sources
# are never modified (deb-src entries derived from the host's deb entries).  Each
# package is fetched on its own, at the newest revision the mirror really serves
# (tools/apt-fetch.sh: a listed security revision whose files are missing falls
# back to the previous one, with a warning line).
log "fetching Debian source packages: $PKGS"
rm -rf "$TOP"; mkdir -p "$SRC" "$PREFIX/include" "$PREFIX/lib" "$TOP/apt/lists/partial" "$TOP/apt/parts"
: > "$TOP/apt/sources.list"
if [ -n "${BOOTSTRAP_SOURCES:-}" ]; then
  cp "$BOOTSTRAP_SOURCES" "$TOP/apt/sources.list"
elif [ -f /etc/apt/sources.list ]; then
  sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list >> "$TOP/apt/sources.list"
fi
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] && [ -z "${BOOTSTRAP_SOURCES:-}" ] || continue
  sed 's/^Types:.*/Types: deb-src/' "$f" > "$TOP/apt/parts/$(basename "$f")"
done
for f in /etc/apt/sources.list.d/*.list; do
  [ -f "$f" ] && [ -z "${BOOTSTRAP_SOURCES:-}" ] || continue
  sed -n 's/^deb \(.*\)/deb-src \1/p' "$f" >> "$TOP/apt/sources.list"
done
APT_FETCH_OPTS="-o APT::Sandbox::User=root -o Dir::Etc::SourceList=$TOP/apt/sources.list -o Dir::Etc::SourceParts=$TOP/apt/parts -o Dir::State::Lists=$TOP/apt/lists"
APT_FETCH_WHO=bootstrap
. "$(pwd)/tools/apt-fetch.sh"
n=0
until apt-get $APT_FETCH_OPTS update -qq; do
  n=$((n+1)); [ $n -ge 3 ] && { log "apt-get update of the source lists failed 3 times"; exit 1; }; sleep 3
done
: > "$TOP/VERSIONS"
for p in $PKGS; do
  v=$(apt_fetch src "$p" "$SRC/$p") || exit 1
  newest=$(apt_versions src "$p" | head -1)
  if [ "$v" = "$newest" ]; then echo "$p $v"; else echo "$p $v (newer $newest not fetched)"; fi >> "$TOP/VERSIONS"
  (cd "$SRC/$p" && dpkg-source --no-check -x ./*.dsc >/dev/null) || { log "$p $v: dpkg-source -x failed"; exit 1; }
done
log "source versions:"; cat "$TOP/VERSIONS" >&2
[ "${BOOTSTRAP_FETCH_ONLY:-0}" = 1 ] && exit 0

# ---- build steps: everything from here down is hashed into the stamp
export CC=musl-gcc AR=ar RANLIB=ranlib
OPT="-Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables"
export PKG_CONFIG_LIBDIR=$PREFIX/lib/pkgconfig PKG_CONFIG_PATH=
srcdir() { ls -d "$SRC/$1/$1"-*/ | head -1; }
# musl-gcc hides the kernel UAPI headers; expose them after musl's own.
KINC=$PREFIX/kinc; mkdir -p "$KINC"
ln -sfn /usr/include/linux "$KINC/linux"
ln -sfn /usr/include/asm-generic "$KINC/asm-generic"
ln -sfn "/usr/include/$(gcc -print-multiarch)/asm" "$KINC/asm"

build_zlib() {
  cd "$(srcdir zlib)"
  # only deflate is used (commit, push, save; raw deflate in our own gzip
  # members): no gzip wrapper, so zlib's crc32 tables stay out
  CFLAGS="$OPT -DNO_GZIP" ./configure --static --prefix="$PREFIX" >/dev/null
  make -j"$JOBS" libz.a >/dev/null && make install >/dev/null
}
build_libisal() {
  cd "$(srcdir libisal)"
  # ISA-L's gzip decoder (igzip; its crc unit comes along): the pull's
  # inflate.  The pregenerated tables for fixed-Huffman blocks (42 KB) are
  # left out: such blocks are rare in layers and get their table built.
  make -f Makefile.unx -j"$JOBS" units=igzip CC=musl-gcc \
    "CFLAGS_musl-gcc=-ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -DNO_STATIC_INFLATE_H" \
    lib >/dev/null
  cp bin/isa-l.a "$PREFIX/lib/libisal.a"
  mkdir -p "$PREFIX/include/isa-l"; cp include/*.h "$PREFIX/include/isa-l/"
}
build_zstd() {
  cd "$(srcdir libzstd)"
  CFLAGS="$OPT" make -C lib -j"$JOBS" libzstd.a ZSTD_LEGACY_SUPPORT=0 ZSTD_LIB_DEPRECATED=0 \
    ZSTD_LIB_DICTBUILDER=0 ZSTD_LIB_MINIFY=1 >/dev/null
  cp lib/libzstd.a "$PREFIX/lib/"; cp lib/zstd.h lib/zstd_errors.h "$PREFIX/include/"
}
build_bearssl() {
  cd "$(srcdir bearssl)"
  printf 'include conf/Unix.mk\nCC = musl-gcc\nLD = musl-gcc\nLDDLL = musl-gcc\nCFLAGS = -W -Wall %s\nTOOLS = no\nTESTS = no\nDLL = no\n' "$OPT" > conf/musl.mk
  make -j"$JOBS" CONF=musl lib >/dev/null
  cp build/libbearssl.a "$PREFIX/lib/"; cp inc/*.h "$PREFIX/include/"
}
build_cjson() {
  cd "$(srcdir cjson)"
  musl-gcc $OPT -std=c89 -c cJSON.c -o cJSON.o && ar rcs libcjson.a cJSON.o
  cp libcjson.a "$PREFIX/lib/"; mkdir -p "$PREFIX/include/cjson"; cp cJSON.h "$PREFIX/include/cjson/"
}
build_libseccomp() {
  cd "$(srcdir libseccomp)"
  # the filter compiler for custom profiles (the default one is compiled at
  # build time); gperf makes its syscall tables
  CFLAGS="$OPT" CPPFLAGS="-idirafter $KINC" ./configure --prefix="$PREFIX" --host=x86_64-linux-musl \
    --disable-shared --enable-static --disable-python > "$TOP/libseccomp-configure.log" 2>&1
  make -j"$JOBS" -C src libseccomp.la >/dev/null
  cp src/.libs/libseccomp.a "$PREFIX/lib/"; cp include/seccomp.h include/seccomp-syscalls.h "$PREFIX/include/"
}
for lib in zlib libisal zstd bearssl cjson libseccomp; do
  t0=$(date +%s); log "building $lib"
  ( build_$lib ) || { log "building $lib failed"; exit 1; }
  log "built $lib in $(( $(date +%s) - t0 )) s"
done
rm -rf "$SRC"/*/*/  # keep the tarballs, drop the build trees
stamp_key > "$TOP/.stamp"
log "done: $(ls "$PREFIX"/lib/*.a | tr '\n' ' ')"
