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

# --- man pages, made from the usage texts: one per applet and one for sbc,
# each rendering without a groff warning, with its options
for a in sbc $LIST; do
  run "$SBC_BIN" --man "$a"
  if [ "$RC" != 0 ] || ! grep -q '^\.SH NAME' "$T_TMP/out" || ! grep -q '^\.SH SYNOPSIS' "$T_TMP/out"; then
    fail "sbc --man $a ($(_why))"; continue
  fi
  if command -v groff >/dev/null; then
    w=$(groff -man -Tutf8 -ww "$T_TMP/out" 2>&1 >/dev/null)
    [ -z "$w" ] || { fail "sbc --man $a: groff warns: $w"; continue; }
  fi
  pass "sbc --man $a renders"
done
run "$SBC_BIN" --man run
if grep -q '^\.B \\-d, \\-\\-detach' "$T_TMP/out" && grep -q '^\.TH SBC-RUN 1' "$T_TMP/out"; then pass "sbc --man run: title and the options as tagged paragraphs"; else fail "man run content ($(_why))"; fi
expect_rc 125 "sbc --man of an unknown command: usage error" "$SBC_BIN" --man nosuchcmd

# --- bash completion: the script asks the binary, so it completes the
# applets, their options, subcommands and the store's names
run "$SBC_BIN" --completion bash
if [ "$RC" = 0 ] && bash -n "$T_TMP/out"; then pass "sbc --completion bash: a script bash parses"; else fail "completion script ($(_why))"; fi
cp "$T_TMP/out" "$T_TMP/comp.sh"
expect_rc 125 "sbc --completion of another shell: usage error" "$SBC_BIN" --completion tcsh
bash "$(dirname "$0")/../fixtures/mkimage.sh" busybox >/dev/null || fail "mkimage busybox"
ctr=$(sbc-create --name compl-target busybox true)
comp() { # comp WORD...: what completing the last word offers
  bash -c '_sbc_bin=$1; shift; . "$0"; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    if [[ ${COMP_WORDS[0]} == sbc ]]; then _sbc; else _sbc_dash; fi; printf "%s\n" "${COMPREPLY[@]}"' \
    "$T_TMP/comp.sh" "$SBC_BIN" "$@"
}
check_comp() { # check_comp WHAT EXPECTED WORD...
  local what=$1 want=$2 got; shift 2
  got=$(comp "$@" | tr '\n' ' ')
  if [[ " $got " == *" $want "* ]]; then pass "completion: $what ($*: $want)"; else fail "completion: $what ($*: got '$got', not $want)"; fi
}
check_comp "an applet" run sbc ru
check_comp "an option of sbc COMMAND" --network sbc run --netw
check_comp "an option of sbc-COMMAND" --all sbc-ps --a
check_comp "a container name from the store" compl-target sbc-start compl
check_comp "an image from the store" busybox:latest sbc run busy
check_comp "a subcommand" prune sbc network pr
check_comp "a health-check flag of sbc-create" --health-start-interval sbc-create --health-start-i
# the health-check flags are options of run and create, and named in their usage and man pages
for a in run create; do
  run "sbc-$a" --list-options; o=$OUT
  run "sbc-$a" --help; u=$OUT
  m=$("$SBC_BIN" --man "$a")
  miss=""
  for f in --health-cmd --health-interval --health-timeout --health-retries --health-start-period --health-start-interval --no-healthcheck; do
    { grep -q -- "^$f" <<<"$o" && grep -q -- " $f" <<<"$u" && grep -q -- "${f//-/\\\\-}" <<<"$m"; } || miss+=" $f"
  done
  if [ -z "$miss" ]; then pass "sbc-$a: the health-check flags in options, usage and man page"; else fail "sbc-$a: missing$miss"; fi
done
got=$(comp sbc-start nosuch | tr '\n' ' ')
if [ -z "${got// /}" ]; then pass "completion offers no name the store does not have"; else fail "completion of nosuch: '$got'"; fi
sbc-rm "$ctr" >/dev/null
t_done
