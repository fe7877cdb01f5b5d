#!/bin/sh
# tools/check-noprint.sh [TOP] - the library never prints (lib/base/err.h):
# no file of lib/ but base/err.c (where the printers live) writes to stdout
# or stderr or calls an applet's printer, and sbc_die is called only where
# err.h allows it: out of memory (base/io.c) and a failed setns back to the
# host (net/netlink.c).  Writing to a FILE * the caller passes
# (sbc_json_print) and handing the standard fds to a container or relaying its
# output (sbc_write_full(STDOUT_FILENO, ...)) are not printing.  Prints one line per breach (file:line: the call) and exits 1
# if there is any.
TOP=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$TOP" || exit 2
[ -d lib/base ] || { echo "check-noprint: no sources under $TOP/lib"; exit 2; }
bad=0
# comments and strings do not count: drop // and /* */ on one line, and "..."
out=$(find lib -name '*.[ch]' ! -path lib/base/err.c ! -path lib/base/err.h | sort | xargs awk '
  {
    line = $0
    gsub(/"([^"\\]|\\.)*"/, "\"\"", line)
    gsub(/\/\*.*\*\//, "", line); sub(/\/\/.*$/, "", line)
    if (line ~ /^[ \t]*\*/) next
    if (line ~ /(^|[^a-z_])(printf|vprintf|puts|putchar|perror|dprintf)[ \t]*\(/ ||
        line ~ /(^|[^a-z_])(stdout|stderr)([^a-z_A-Z0-9]|$)/ ||
        line ~ /(^|[^a-z_])write[ \t]*\([ \t]*(1|2|STDOUT_FILENO|STDERR_FILENO)[ \t]*,/ ||
        line ~ /(^|[^a-z_])(sbc_warn|sbc_err_print|sbc_usage_error)[ \t]*\(/)
      printf "%s:%d: prints: %s\n", FILENAME, FNR, $0
    else if (line ~ /(^|[^a-z_])sbc_die[ \t]*\(/ && FILENAME != "lib/base/io.c" && FILENAME != "lib/net/netlink.c")
      printf "%s:%d: dies where err.h does not allow it: %s\n", FILENAME, FNR, $0
  }')
if [ -n "$out" ]; then echo "$out"; bad=1; fi
[ "$bad" = 0 ] && echo "check-noprint: lib/ prints nothing (the exceptions of lib/base/err.h aside)"
exit $bad
