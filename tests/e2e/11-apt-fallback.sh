#!/bin/bash
# 11-apt-fallback: bootstrap.sh's fetch step against a mirror that lists a
# revision it does not serve (as deb.debian.org's security pool did for the
# sources of zlib and libzstd).  A local file: repository made here lists two
# revisions of a source package; the newer one's files are removed, and
# bootstrap (in a private dir, its fetch step only) must build from the older,
# with one warning line naming both; with no revision left it must fail with
# one line naming the package.  Also tools/apt-fetch.sh for binary packages,
# as 48-cgroup-vm uses it for the kernel.
. "$(dirname "$0")/../lib.sh"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
R=$T_TMP/repo
mkdir -p "$R"

for tool in dpkg-source dpkg-scansources dpkg-deb dpkg-scanpackages apt-get; do
  command -v $tool >/dev/null || { fail "needs $tool (dpkg-dev, a build package of bootstrap.sh)"; t_done; exit; }
done

# a native source package sbcfallback at VERSION, built into $R
mksrc() {
  local v=$1 d=$T_TMP/sbcfallback-$1
  mkdir -p "$d/debian/source"
  echo "3.0 (native)" >"$d/debian/source/format"
  printf 'sbcfallback (%s) bookworm; urgency=low\n\n  * test.\n\n -- sbc tests <sbc@example.invalid>  Thu, 01 Jan 2026 00:00:00 +0000\n' "$v" >"$d/debian/changelog"
  printf 'Source: sbcfallback\nMaintainer: sbc tests <sbc@example.invalid>\n\nPackage: sbcfallback\nArchitecture: all\nDescription: test\n test\n' >"$d/debian/control"
  printf '#!/usr/bin/make -f\n%%:\n\tdh $@\n' >"$d/debian/rules"
  echo "revision $v" >"$d/payload"
  (cd "$T_TMP" && dpkg-source -b "sbcfallback-$1" >/dev/null 2>&1) && mv "$T_TMP"/sbcfallback_"$v"* "$R"/
}
# a binary package sbcfallback-bin at VERSION in $R
mkdeb() {
  local v=$1 d=$T_TMP/bin-$1
  mkdir -p "$d/DEBIAN" "$d/usr/share/sbcfallback"
  printf 'Package: sbcfallback-bin\nVersion: %s\nArchitecture: all\nMaintainer: sbc tests <sbc@example.invalid>\nDescription: test\n test\n' "$v" >"$d/DEBIAN/control"
  echo "$v" >"$d/usr/share/sbcfallback/v"
  dpkg-deb -b "$d" "$R/sbcfallback-bin_${v}_all.deb" >/dev/null 2>&1
}
mksrc 1.0 && mksrc 1.0+deb12u1 && mkdeb 1.0 && mkdeb 1.0+deb12u1 ||
  { fail "build the local repository ($(ls "$R" | tr '\n' ' '))"; t_done; exit; }
(cd "$R" && dpkg-scansources . /dev/null >Sources 2>/dev/null && dpkg-scanpackages -m . /dev/null >Packages 2>/dev/null)
if [ "$(grep -c '^Version:' "$R/Sources")" = 2 ] && [ "$(grep -c '^Version:' "$R/Packages")" = 2 ]; then
  pass "a local repository lists two revisions of a source and of a binary package"
else
  fail "local repository index ($(cat "$R/Sources" "$R/Packages" | grep -E '^(Package|Version)' | tr '\n' ' '))"
fi
# the index stays; the newer revision's files go, as on the mirror (the
# next index, made below, lists 1.0+deb12u2 and 1.0)
rm -f "$R"/sbcfallback_1.0+deb12u1* "$R"/sbcfallback-bin_1.0+deb12u1_all.deb
printf 'deb-src [trusted=yes] file:%s ./\n' "$R" >"$T_TMP/sources.list"

# bootstrap's own fetch step, in a private dir
boot() { # DIR
  run env SKIP_APT=1 BOOTSTRAP_DIR="$1" BOOTSTRAP_PKGS=sbcfallback BOOTSTRAP_SOURCES="$T_TMP/sources.list" \
    BOOTSTRAP_FETCH_ONLY=1 sh "$TOP/bootstrap.sh"
}
B=$T_TMP/deps
boot "$B"
warn=$(grep -c 'warning' "$T_TMP/err")
line=$(grep 'bootstrap: warning' "$T_TMP/err")
if [ "$RC" = 0 ] && [ "$warn" = 1 ] && echo "$line" | grep -q 'sbcfallback: got 1.0;' &&
  echo "$line" | grep -q 'newer 1.0+deb12u1' && echo "$line" | grep -q 'security fix may be missing'; then
  pass "bootstrap falls back to 1.0 and one warning line names it and the newer 1.0+deb12u1: $line"
else
  fail "bootstrap fallback ($(_why))"
fi
if [ "$(cat "$B/VERSIONS" 2>/dev/null)" = "sbcfallback 1.0 (newer 1.0+deb12u1 not fetched)" ]; then
  pass "VERSIONS records the revision built and the one it fell back from"
else
  fail "VERSIONS: $(cat "$B/VERSIONS" 2>&1)"
fi
if grep -qx 'revision 1.0' "$B"/src/sbcfallback/sbcfallback-1.0/payload 2>/dev/null; then
  pass "the 1.0 tree is unpacked for the build"
else
  fail "unpacked tree: $(ls -R "$B/src" 2>&1 | head -5 | tr '\n' ' ')"
fi

# when the newest can be fetched: no warning
mksrc 1.0+deb12u2 >/dev/null && (cd "$R" && dpkg-scansources . /dev/null >Sources 2>/dev/null)
boot "$T_TMP/deps2"
if [ "$RC" = 0 ] && ! grep -q warning "$T_TMP/err" && [ "$(cat "$T_TMP/deps2/VERSIONS")" = "sbcfallback 1.0+deb12u2" ]; then
  pass "the newest revision, when served, is built without a warning"
else
  fail "newest served ($(_why); $(cat "$T_TMP/deps2/VERSIONS" 2>&1))"
fi

# no revision served: one line naming the package, and a failure
rm -f "$R"/sbcfallback_1.0* "$R"/*.dsc
boot "$T_TMP/deps3"
if [ "$RC" != 0 ] && [ "$(grep -c 'no revision could be fetched' "$T_TMP/err")" = 1 ] &&
  grep -q 'bootstrap: sbcfallback: no revision could be fetched (tried 1.0+deb12u2 1.0: ' "$T_TMP/err"; then
  pass "nothing served: bootstrap fails with one line naming sbcfallback and what it tried"
else
  fail "nothing served ($(_why))"
fi

# tools/apt-fetch.sh for a binary package (48-cgroup-vm's kernel)
printf 'deb [trusted=yes] file:%s ./\n' "$R" >"$T_TMP/bin.list"
mkdir -p "$T_TMP/alists/partial"
O="-o APT::Sandbox::User=root -o Dir::Etc::SourceList=$T_TMP/bin.list -o Dir::Etc::SourceParts=$T_TMP/noparts -o Dir::State::Lists=$T_TMP/alists"
run apt-get $O update -qq
run bash -c ". '$TOP/tools/apt-fetch.sh'; APT_FETCH_OPTS='$O' APT_FETCH_WHO=t apt_fetch bin sbcfallback-bin '$T_TMP/bin'"
if [ "$RC" = 0 ] && [ "$OUT" = 1.0 ] && [ -f "$T_TMP/bin/sbcfallback-bin_1.0_all.deb" ] &&
  grep -q 't: warning: sbcfallback-bin: got 1.0; the newer 1.0+deb12u1' "$T_TMP/err"; then
  pass "apt_fetch bin falls back to the served 1.0 .deb, with the warning"
else
  fail "apt_fetch bin ($(_why))"
fi

# the stamp: the build in build/deps is up to date (a second run does
# nothing), and it keys on the revisions built
run env SKIP_APT=1 BOOTSTRAP_CHECK=1 sh "$TOP/bootstrap.sh"
if [ "$RC" = 0 ] && grep -q 'up to date' "$T_TMP/err"; then pass "a second bootstrap.sh does nothing"; else fail "second run ($(_why))"; fi
S=$T_TMP/stampcopy
mkdir -p "$S" && cp "$TOP/build/deps/.stamp" "$TOP/build/deps/VERSIONS" "$S/"
run env SKIP_APT=1 BOOTSTRAP_CHECK=1 BOOTSTRAP_DIR="$S" sh "$TOP/bootstrap.sh"
rc1=$RC
echo "zlib 9.9-9" >>"$S/VERSIONS"
run env SKIP_APT=1 BOOTSTRAP_CHECK=1 BOOTSTRAP_DIR="$S" sh "$TOP/bootstrap.sh"
if [ "$rc1" = 0 ] && [ "$RC" = 1 ] && grep -q 'out of date' "$T_TMP/err"; then
  pass "the stamp keys on the revisions built (another revision means a new build)"
else
  fail "stamp key (before: rc=$rc1; after: $(_why))"
fi
t_done
