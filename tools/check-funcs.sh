#!/bin/sh
# tools/check-funcs.sh [MAX] [TOP] - no function of lib/ or applets/ longer
# than MAX lines (150), from its opening to its closing brace.  sbc's style puts
# both braces of a function in column 0, which is what this reads.  Prints one
# line per long function (file:line: name: N lines) and exits 1 if any.
MAX=${1:-150}
TOP=${2:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$TOP" || exit 2
awk -v max="$MAX" '
  FNR == 1 { prev = ""; sig = ""; start = 0 }
  /^[A-Za-z_][^;]*\(/ { sig = $0 }
  /^\{/ && prev ~ /\)[ \t]*$/ { start = FNR; name = sig; next }
  /^\}/ && start {
    n = FNR - start + 1
    if (n > max) {
      sub(/\(.*/, "", name); sub(/.*[ *]/, "", name)
      printf "%s:%d: %s: %d lines (at most %d)\n", FILENAME, start, name, n, max
      bad = 1
    }
    start = 0
  }
  { prev = $0 }
  END { exit bad }
' lib/*/*.c applets/*.c
