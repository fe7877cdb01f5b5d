#!/bin/sh
# bootstrap.sh -- set up a fresh Debian/Ubuntu machine for sbc (as root):
#   1. apt-installs the build and test packages (musl-tools, registry, skopeo, umoci, ...)
#   2. fetches the Debian source packages of sbc's five libraries (bearssl, cjson,
#      libarchive, zlib, libzstd), applies Debian's patches, and builds them as static
#      musl libraries into build/deps (ignored by git).
# Idempotent and cached: a second run finds build/deps/.stamp (keyed on this script
# and the source versions) and does nothing.  The versions built are recorded in
# build/deps/VERSIONS and printed by `sbc --version`.
#   SKIP_APT=1   don't apt-get install (packages already there)
#   NO_TEST_PKGS=1  only the build packages
set -eu
cd "$(dirname "$0")"
TOP=$(pwd)/build/deps
PREFIX=$TOP/prefix
SRC=$TOP/src
JOBS=${JOBS:-$(nproc)}
PKGS="bearssl cjson libarchive zlib libzstd"
BUILD_PKGS="musl-tools dpkg-dev make gcc xz-utils bzip2 linux-libc-dev ca-certificates file binutils"
TEST_PKGS="docker-registry skopeo umoci busybox-static openssl python3 iproute2 nftables tmux
 debootstrap hyperfine time util-linux procps zstd vagrant vagrant-libvirt btrfs-progs qemu-system-x86 cpio
 libbearssl-dev libcjson-dev libarchive-dev zlib1g-dev libzstd-dev"
BUILD_REV=2   # bump when the build steps below change
STAMP_KEY="rev$BUILD_REV $PKGS"

log() { echo "bootstrap: $*" >&2; }

apt_install() {
  [ "${SKIP_APT:-0}" = 1 ] && return 0
  missing=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  log "apt-get install$missing"
  apt-get update -qq || true
  n=0
  until DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null; do
    n=$((n+1)); [ $n -ge 3 ] && { log "apt-get install failed"; exit 1; }
    apt-get update -qq || true; sleep 2
  done
}

# Debian's policy-rc.d-less installs may start the packaged registry; we start our own.
if [ "${NO_TEST_PKGS:-0}" = 1 ]; then apt_install $BUILD_PKGS; else apt_install $BUILD_PKGS $TEST_PKGS; fi
if command -v systemctl >/dev/null 2>&1 && systemctl is-active -q docker-registry 2>/dev/null; then
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
fi

if [ -f "$TOP/.stamp" ] && [ "$(cat "$TOP/.stamp")" = "$STAMP_KEY" ]; then
  log "dependencies up to date in $PREFIX"; exit 0
fi

# ---- fetch the source packages through a private apt state: the host's sources
# are never modified (deb-src entries derived from the host's deb entries).
log "fetching Debian source packages: $PKGS"
rm -rf "$TOP"; mkdir -p "$SRC" "$PREFIX/include" "$PREFIX/lib" "$TOP/apt/lists/partial" "$TOP/apt/parts"
: > "$TOP/apt/sources.list"
if [ -f /etc/apt/sources.list ]; then
  sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list >> "$TOP/apt/sources.list"
fi
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  sed 's/^Types:.*/Types: deb-src/' "$f" > "$TOP/apt/parts/$(basename "$f")"
done
for f in /etc/apt/sources.list.d/*.list; do
  [ -f "$f" ] || continue
  sed -n 's/^deb \(.*\)/deb-src \1/p' "$f" >> "$TOP/apt/sources.list"
done
APTO="-o Dir::Etc::SourceList=$TOP/apt/sources.list -o Dir::Etc::SourceParts=$TOP/apt/parts -o Dir::State::Lists=$TOP/apt/lists"
n=0
until apt-get $APTO update -qq; do n=$((n+1)); [ $n -ge 3 ] && exit 1; sleep 3; done
(cd "$SRC" && apt-get $APTO source -qq --download-only $PKGS) 2>&1 | grep -v unsandboxed || true
(cd "$SRC" && for d in *.dsc; do dpkg-source --no-check -x "$d" >/dev/null; done)
: > "$TOP/VERSIONS"
for d in "$SRC"/*.dsc; do
  printf '%s %s\n' "$(sed -n 's/^Source: //p' "$d")" "$(sed -n 's/^Version: //p' "$d")" >> "$TOP/VERSIONS"
done
log "source versions:"; cat "$TOP/VERSIONS" >&2

export CC=musl-gcc AR=ar RANLIB=ranlib
OPT="-Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables"
export PKG_CONFIG_LIBDIR=$PREFIX/lib/pkgconfig PKG_CONFIG_PATH=
srcdir() { ls -d "$SRC"/"$1"-*/ | head -1; }
# musl-gcc hides the kernel UAPI headers; expose them after musl's own.
KINC=$PREFIX/kinc; mkdir -p "$KINC"
ln -sfn /usr/include/linux "$KINC/linux"
ln -sfn /usr/include/asm-generic "$KINC/asm-generic"
ln -sfn "/usr/include/$(gcc -print-multiarch)/asm" "$KINC/asm"

build_zlib() {
  cd "$(srcdir zlib)"
  # -O2, not -Os: inflate is on the pull's critical path (+~10 KB)
  CFLAGS="-O2 ${OPT#-Os}" ./configure --static --prefix="$PREFIX" >/dev/null
  make -j"$JOBS" libz.a >/dev/null && make install >/dev/null
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
build_libarchive() {
  cd "$(srcdir libarchive)"
  CFLAGS="$OPT" CPPFLAGS="-I$PREFIX/include -idirafter $KINC" LDFLAGS="-L$PREFIX/lib" \
  ./configure --prefix="$PREFIX" --host=x86_64-linux-musl --disable-maintainer-mode \
    --disable-shared --enable-static --disable-bsdtar --disable-bsdcat --disable-bsdcpio \
    --disable-bsdunzip --disable-acl --enable-xattr --disable-rpath --disable-posix-regex-lib \
    --with-zlib --with-zstd --without-lzma --without-bz2lib --without-libb2 --without-iconv \
    --without-lz4 --without-lzo2 --without-cng --without-mbedtls --without-nettle \
    --without-openssl --without-xml2 --without-expat > "$TOP/libarchive-configure.log" 2>&1
  make -j"$JOBS" libarchive.la >/dev/null
  make install-libLTLIBRARIES install-includeHEADERS >/dev/null
}
for lib in zlib zstd bearssl cjson libarchive; do
  t0=$(date +%s); log "building $lib"
  ( build_$lib ) || { log "building $lib failed"; exit 1; }
  log "built $lib in $(( $(date +%s) - t0 )) s"
done
rm -rf "$SRC"/*/  # keep the tarballs, drop the build trees
echo "$STAMP_KEY" > "$TOP/.stamp"
log "done: $(ls "$PREFIX"/lib/*.a | tr '\n' ' ')"
