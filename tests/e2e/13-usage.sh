#!/bin/bash
# 13-usage: every option an applet accepts is named in its usage (--help), so
# the usage text cannot drift from the option table.  The table comes from
# the binary itself (the hidden --list-options: "--long -s", one option a
# line, " hidden" after a Docker spelling kept for scripts whose usage names
# the documented one).
. "$(dirname "$0")/../lib.sh"

# missing USAGE: the options read on stdin ("--long -s [hidden]" lines) that
# USAGE does not name, one a line
missing() {
  local usage=$1 line n
  while read -r line; do
    [ -n "$line" ] || continue
    case $line in *" hidden") continue ;; esac
    for n in $line; do
      case $n in
      --*) grep -Eq -- "$n([^a-z0-9-]|\$)" <<<"$usage" || printf '%s\n' "$n" ;;
      -?) grep -Eq -- "(^|[^a-zA-Z0-9-])$n([^a-zA-Z0-9]|\$)" <<<"$usage" || printf '%s\n' "$n" ;;
      esac
    done
  done
}

# the check itself can fail: a usage that leaves options out is caught
m=$(printf -- '--quiet -q\n--jobs -j\n--net hidden\n--platform\n' |
  missing $'Usage: x [OPTIONS]\n  -q, --quiet   quiet\n      --jobs-max N\n  -jx\n')
if [ "$m" = $'--jobs\n-j\n--platform' ]; then pass "the check names the options a usage leaves out"; else fail "the check itself: got '$m'"; fi

run "$SBC_BIN" --list
LIST=$OUT
[ -n "$LIST" ] || fail "sbc --list ($(_why))"
for a in $LIST; do
  run "sbc-$a" --list-options
  if [ "$RC" != 0 ] || [ -n "$ERR" ]; then fail "sbc-$a --list-options ($(_why))"; continue; fi
  opts=$OUT
  run "sbc-$a" --help
  if [ "$RC" != 0 ]; then fail "sbc-$a --help ($(_why))"; continue; fi
  m=$(missing "$OUT" <<<"$opts" | tr '\n' ' ')
  n=$(grep -vc ' hidden$' <<<"$opts")
  if [ -z "$m" ]; then pass "sbc-$a --help names all of its $n options"; else fail "sbc-$a --help leaves out: $m"; fi
done

# a hidden spelling is still accepted
expect_rc 0 "--list-options is accepted with other options" sbc-stop --list-options -t 1
t_done
