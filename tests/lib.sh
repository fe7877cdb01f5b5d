# tests/lib.sh - sourced by every tests/e2e/*.sh.
# Each check prints "ok NAME: what", "FAIL NAME: what (why)" or, when a piece it
# needs is missing and optional (a package, a download), "SKIP NAME: why"; t_done
# prints "N passed, N failed, N skipped" for the script, which tests/run.sh adds up.
# Environment from run.sh: PATH has the sbc-* symlinks first; SBC_ROOT is a
# fresh state root per script; SBC_CONFIG_DIR a private config dir (never
# /etc/sbc); SBC_BIN=build/sbc; REGISTRY, CA_CERT, READER_CREDS, ... when the
# registry fixture runs (source "$SBC_FIXTURE_ENV").
T_NAME=$(basename "$0" .sh)
T_PASS=0
T_FAIL=0
T_SKIP=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sbc-e2e-$T_NAME.XXXXXX")
T_CLEANUPS=()

pass() { T_PASS=$((T_PASS + 1)); echo "ok $T_NAME: $1"; }
fail() { T_FAIL=$((T_FAIL + 1)); echo "FAIL $T_NAME: $1"; }
# skip "what: why": a check that cannot run here (an optional piece is missing)
skip() { T_SKIP=$((T_SKIP + 1)); echo "SKIP $T_NAME: $1"; }

# on_exit CMD...: run at the end (also when the script dies), last first.
on_exit() { T_CLEANUPS+=("$*"); }
t_cleanup() {
  local i
  for ((i = ${#T_CLEANUPS[@]} - 1; i >= 0; i--)); do eval "${T_CLEANUPS[$i]}" >/dev/null 2>&1 || true; done
  T_CLEANUPS=()
  rm -rf "$T_TMP"
}
trap 't_cleanup' EXIT
trap 't_cleanup; exit 130' INT TERM

# run CMD...: runs CMD, stdout in $T_TMP/out ($OUT), stderr in $T_TMP/err ($ERR), rc in $RC.
run() {
  "$@" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null
  RC=$?
  OUT=$(cat "$T_TMP/out")
  ERR=$(cat "$T_TMP/err")
  return 0
}
_why() { echo "rc=$RC stdout=$(head -c 200 "$T_TMP/out" | tr '\n' '|') stderr=$(head -c 300 "$T_TMP/err" | tr '\n' '|')"; }

# expect_rc WANT "what" CMD...
expect_rc() {
  local want=$1 what=$2; shift 2
  run "$@"
  if [ "$RC" = "$want" ]; then pass "$what"; else fail "$what (want rc=$want; $(_why))"; fi
}
# expect_out WANT_STDOUT "what" CMD...   (rc must be 0)
expect_out() {
  local want=$1 what=$2; shift 2
  run "$@"
  if [ "$RC" = 0 ] && [ "$OUT" = "$want" ]; then pass "$what"; else fail "$what (want stdout '$want'; $(_why))"; fi
}
# expect_err_match REGEX "what": the last run's stderr matches REGEX and is one line.
expect_err_match() {
  if grep -Eq -- "$1" "$T_TMP/err" && [ "$(wc -l <"$T_TMP/err")" -le 1 ]; then pass "$2"; else fail "$2 (want one stderr line matching '$1'; $(_why))"; fi
}
# check "what" CMD...: pass when CMD succeeds.
check() {
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi
}

# wait_for SECS CMD...: poll CMD (quietly, every 50 ms) until it succeeds or
# SECS pass; its last status.  For "is it there yet", never a fixed sleep: a
# loaded CI machine is slower than any guess.
wait_for() {
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -ge "$end" ] && return 1
    sleep 0.05
  done
}
# catches PID SIGNUM: PID has a handler for signal SIGNUM (its SigCgt)
catches() {
  local m
  m=$(awk '/^SigCgt:/{print $2}' "/proc/$1/status" 2>/dev/null) && [ -n "$m" ] &&
    [ $(((16#$m >> ($2 - 1)) & 1)) = 1 ]
}

# outside_ns NS HOSTIF HOSTIP PEERIP: "the outside world" for network tests,
# a netns NS reached over a veth (HOSTIF on the host, eth0 in NS) with HOSTIP
# and PEERIP in one /30 (the caller removes NS and HOSTIF on exit)
outside_ns() {
  ip netns add "$1" &&
    ip link add "$2" type veth peer name eth0 netns "$1" &&
    ip addr add "$3/30" dev "$2" && ip link set "$2" up &&
    ip -n "$1" addr add "$4/30" dev eth0 && ip -n "$1" link set eth0 up &&
    ip -n "$1" link set lo up
}
# free_port: a TCP+UDP port nobody uses now
free_port() { python3 -c '
import socket
while True:
    t = socket.socket(); t.bind(("0.0.0.0", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try: u.bind(("0.0.0.0", p)); print(p); break
    except OSError: pass
'; }

t_done() {
  t_cleanup
  echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
  [ "$T_FAIL" = 0 ]
}
