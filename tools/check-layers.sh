#!/bin/sh
# tools/check-layers.sh [TOP] - the dependency rule of lib/ (lib/README.md):
#   base     uses nothing of sbc
#   registry uses base
#   image    uses registry, base
#   net      uses base
#   runtime  uses image, net, base (and so registry only through image)
#   build    uses runtime, image, net, registry, base
#   applets/ may use every domain
# Every #include "..." of an sbc header in lib/DOMAIN/ must name DOMAIN itself
# or one it may use, as "DOMAIN/name.h".  Prints one line per breach (file,
# line, what it includes, what the domain may use) and exits 1 if there is any.
TOP=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$TOP" || exit 2
allowed() {
  case $1 in
  base) echo "" ;;
  registry) echo "base" ;;
  image) echo "registry base" ;;
  net) echo "base" ;;
  runtime) echo "image net base" ;;
  build) echo "runtime image net registry base" ;;
  *) echo "?" ;;
  esac
}
bad=0
checked=0
for dir in lib/*/; do
  d=$(basename "$dir")
  ok=$(allowed "$d")
  if [ "$ok" = "?" ]; then
    echo "check-layers: $dir: a domain the rule does not know (add it to tools/check-layers.sh and lib/README.md)"
    bad=1
    continue
  fi
  for f in "$dir"*.c "$dir"*.h; do
    [ -f "$f" ] || continue
    checked=$((checked + 1))
    out=$(awk -v d="$d" -v ok=" $ok " -v f="$f" '
      /^[ \t]*#[ \t]*include[ \t]*"/ {
        inc = $0; sub(/^[^"]*"/, "", inc); sub(/".*$/, "", inc)
        n = split(inc, p, "/")
        if (n != 2) { printf "%s:%d: #include \"%s\": name sbc headers as \"DOMAIN/name.h\"\n", f, NR, inc; next }
        if (p[1] != d && index(ok, " " p[1] " ") == 0)
          printf "%s:%d: #include \"%s\": %s may use %s\n", f, NR, inc, d, (ok == "  " ? "nothing of sbc" : substr(ok, 2, length(ok) - 2))
      }' "$f")
    if [ -n "$out" ]; then echo "$out"; bad=1; fi
  done
done
[ "$checked" -gt 0 ] || { echo "check-layers: no sources under $TOP/lib"; exit 2; }
[ "$bad" = 0 ] && echo "check-layers: $checked files of lib/ keep the dependency rule"
exit $bad
