#!/bin/bash
# Dispatch, exit codes, --install, --help, --version, --licenses and the empty chroot.
. "$(dirname "$0")/../lib.sh"

BIN=$(dirname "$(command -v sbc-version)")

expect_rc 0 "sbc --version exits 0" sbc-version
for lib in BearSSL zlib zstd cJSON libseccomp; do
  run "$SBC_BIN" --version
  if [ "$RC" = 0 ] && grep -Eq "^  $lib +[0-9]" "$T_TMP/out"; then pass "--version names $lib"; else fail "--version names $lib ($(_why))"; fi
done
# tar is sbc's own (lib/base/tar.c): libarchive is not linked, nor named
run "$SBC_BIN" --version
if [ "$RC" = 0 ] && ! grep -qi libarchive "$T_TMP/out"; then pass "--version does not name libarchive"; else fail "--version names libarchive ($(_why))"; fi
# the Debian source revisions bootstrap.sh built, as build/deps/VERSIONS has
# them (less libarchive, which an older bootstrap built and sbc no longer links)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
run "$SBC_BIN" --version
if [ -s "$TOP/build/deps/VERSIONS" ] && [ "$(sed -n '/^built from Debian source packages:$/,/^[^ ]/p' "$T_TMP/out" | sed -n 's/^  //p')" = "$(grep -v '^libarchive ' "$TOP/build/deps/VERSIONS")" ]; then
  pass "--version lists the source revisions built: $(tr '\n' ';' <"$TOP/build/deps/VERSIONS")"
else
  fail "--version revisions ($(_why); VERSIONS: $(tr '\n' ';' <"$TOP/build/deps/VERSIONS"))"
fi
# the license texts inside the binary: sbc's (Apache-2.0) and every library's
run "$SBC_BIN" --licenses
if [ "$RC" = 0 ] && grep -q 'Apache License' "$T_TMP/out" && grep -q 'Version 2.0, January 2004' "$T_TMP/out"; then
  pass "--licenses: sbc's Apache-2.0"; else fail "--licenses Apache ($(_why))"; fi
lic_has() { # NAME HEADING-REGEX TEXT-REGEX: the section NAME with its license text
  if awk -v h="^$2" '$0 ~ h {f=1; n=0; next} f && /^=====/ {if (++n == 2) exit} f' "$T_TMP/out" | grep -q "$3"; then pass "--licenses: $1 with its text"; else fail "--licenses: $1 ($2 / $3)"; fi
}
lic_has BearSSL 'BearSSL [(]' 'Thomas Pornin'
lic_has cJSON 'cJSON [(]' 'Dave Gamble'
lic_has zlib 'zlib [(]' 'Jean-loup Gailly and Mark Adler'
lic_has zstd 'zstd [(]' 'Meta Platforms'
lic_has libseccomp 'libseccomp [(]' 'GNU LESSER GENERAL PUBLIC LICENSE'
lic_has musl 'musl libc [(]' 'Rich Felker'
if ! grep -qi libarchive "$T_TMP/out"; then pass "--licenses: no libarchive (not linked)"; else fail "--licenses still lists libarchive"; fi
if cmp -s <(sed -n '/^Third-party software in the sbc binary/,$p' "$T_TMP/out") "$TOP/THIRD-PARTY"; then
  pass "--licenses prints THIRD-PARTY as it is in the tree"; else fail "--licenses differs from THIRD-PARTY"; fi
run sh -c "'$SBC_BIN' --licenses >/dev/full"
if [ "$RC" = 125 ] && grep -q 'licenses: write' "$T_TMP/err"; then pass "--licenses to a full disk: 125, one line"; else fail "--licenses /dev/full ($(_why))"; fi

run "$SBC_BIN" --version; v1=$OUT
run "$SBC_BIN" version; v2=$OUT
run sbc-version; v3=$OUT
if [ -n "$v1" ] && [ "$v1" = "$v2" ] && [ "$v2" = "$v3" ]; then pass "sbc --version = sbc version = sbc-version"; else fail "version outputs differ"; fi

run "$SBC_BIN" --list
LIST=$OUT
if [ "$RC" = 0 ] && echo "$LIST" | grep -qx version && echo "$LIST" | grep -qx pull; then pass "--list lists applets"; else fail "--list ($(_why))"; fi
missing=""
for a in $LIST; do [ -L "$BIN/sbc-$a" ] || missing="$missing $a"; done
if [ -z "$missing" ]; then pass "--install made a symlink per applet"; else fail "symlinks missing:$missing"; fi

for a in $LIST; do
  run "$BIN/sbc-$a" --help
  if [ "$RC" = 0 ] && [[ "$OUT" == Usage:* ]] && [ -z "$ERR" ]; then :; else fail "sbc-$a --help ($(_why))"; continue; fi
  run "$SBC_BIN" "$a" --help
  if [ "$RC" = 0 ] && [[ "$OUT" == Usage:*sbc-$a* ]]; then pass "sbc-$a --help and sbc $a --help print the usage"; else fail "sbc $a --help ($(_why))"; fi
done

expect_rc 127 "unknown applet via sbc NAME exits 127" "$SBC_BIN" nosuchthing
expect_err_match "nosuchthing" "unknown applet: one line naming it"
ln -s "$SBC_BIN" "$T_TMP/sbc-nosuch"
expect_rc 127 "unknown applet via argv[0] exits 127" "$T_TMP/sbc-nosuch"
expect_rc 125 "bad option exits 125" sbc-version --bogus
if grep -q '^Usage:' "$T_TMP/err" && grep -q 'unknown flag: --bogus' "$T_TMP/err" && [ -z "$OUT" ]; then pass "bad option: message and usage on stderr"; else fail "bad option output ($(_why))"; fi
expect_rc 125 "bad short option exits 125" sbc-images -Z
expect_rc 125 "missing argument exits 125" sbc-pull
if grep -q '^Usage: sbc-pull' "$T_TMP/err"; then pass "missing argument: usage on stderr"; else fail "missing argument usage ($(_why))"; fi
expect_rc 125 "option missing its value exits 125" sbc-pull --platform
expect_rc 125 "too many arguments exits 125" sbc-version extra
expect_rc 125 "sbc with no command exits 125" "$SBC_BIN"

# a chain of symlinks: link2 -> link1 -> sbc-version -> sbc
ln -s "$BIN/sbc-version" "$T_TMP/link1"
ln -s link1 "$T_TMP/link2"
run "$T_TMP/link2"
if [ "$RC" = 0 ] && [ "$OUT" = "$v1" ]; then pass "dispatch through a chain of symlinks"; else fail "symlink chain ($(_why))"; fi
# a renamed copy acts as the multiplexer
cp "$SBC_BIN" "$T_TMP/sbc.copy"
expect_out "$v1" "a renamed copy is the multiplexer" "$T_TMP/sbc.copy" version

# --install: idempotent, refuses to clobber, --force replaces
D="$T_TMP/inst"; mkdir "$D"
expect_rc 0 "--install into an empty dir" "$SBC_BIN" --install "$D"
expect_rc 0 "--install again is idempotent" "$SBC_BIN" --install "$D"
rm "$D/sbc-version"; echo keep > "$D/sbc-version"
expect_rc 125 "--install refuses to replace a foreign file" "$SBC_BIN" --install "$D"
if [ "$(cat "$D/sbc-version")" = keep ]; then pass "foreign file left alone"; else fail "foreign file clobbered"; fi
expect_rc 0 "--install --force replaces it" "$SBC_BIN" --install "$D" --force
if [ -L "$D/sbc-version" ] && [ "$("$D/sbc-version")" = "$v1" ]; then pass "--force made the symlink"; else fail "--force symlink"; fi
expect_rc 125 "--install without a dir exits 125" "$SBC_BIN" --install

# the binary alone in an empty chroot, empty environment
C="$T_TMP/chroot"; mkdir "$C"; cp "$SBC_BIN" "$C/sbc"
run env -i "$(command -v chroot)" "$C" /sbc --version
if [ "$RC" = 0 ] && grep -q '^sbc version' "$T_TMP/out" && grep -q BearSSL "$T_TMP/out"; then pass "empty chroot: sbc --version"; else fail "empty chroot --version ($(_why))"; fi
run env -i "$(command -v chroot)" "$C" /sbc --list
if [ "$RC" = 0 ] && [ "$OUT" = "$LIST" ]; then pass "empty chroot: sbc --list"; else fail "empty chroot --list ($(_why))"; fi
if [ "$(ls "$C")" = sbc ]; then pass "empty chroot: nothing else was needed or created"; else fail "chroot has: $(ls "$C")"; fi

run file "$SBC_BIN"
if echo "$OUT" | grep -q 'statically linked'; then pass "build/sbc is statically linked"; else fail "not static: $OUT"; fi
size=$(stat -c %s "$SBC_BIN")
if [ "$size" -le 1048576 ]; then pass "build/sbc is $size bytes (<= 1 MiB)"; else fail "build/sbc is $size bytes (> 1 MiB)"; fi

# stdout errors are reported (pipelines): writing to a full device fails
run sh -c "'$SBC_BIN' --list >/dev/full"
if [ "$RC" != 0 ]; then pass "write error on stdout gives a non-zero exit"; else fail "write to /dev/full exited 0"; fi
# the Vagrantfile for macOS/Windows users is valid
if command -v vagrant >/dev/null; then
  run sh -c "cd '$(cd "$(dirname "$0")/../.." && pwd)' && vagrant validate"
  if [ "$RC" = 0 ] && grep -q "validated successfully" "$T_TMP/out"; then pass "vagrant validate"; else fail "vagrant validate ($(_why))"; fi
else
  skip "vagrant validate: vagrant is not installed (an optional test package of bootstrap.sh)"
fi
t_done
