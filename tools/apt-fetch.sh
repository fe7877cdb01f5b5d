# tools/apt-fetch.sh - sourced by bootstrap.sh and the tests: download a Debian
# package (source or binary) at the newest revision apt lists that can really be
# fetched.  A mirror may index a revision (a security update, say) whose files
# it does not serve; then the older revisions apt lists are tried, newest first,
# and one warning line names the revision got and the newer one that was not.
#
#   APT_FETCH_OPTS   apt-get/apt-cache options (a private apt state), may be empty
#   APT_FETCH_WHO    the prefix of messages ("bootstrap")
#
#   apt_fetch src|bin PKG DIR   fetch into DIR (made empty first); print the
#                               revision got on stdout; warnings and the one
#                               error line on stderr; status 1 when no
#                               revision could be fetched
#   apt_versions src|bin PKG    the revisions apt lists, newest first

_apt_fetch_who() { echo "${APT_FETCH_WHO:-apt-fetch}"; }

# stdin: revisions, one a line; stdout: the same, newest first (dpkg's order)
_apt_vsort_desc() {
  local v o out new placed
  out=""
  while read -r v; do
    [ -n "$v" ] || continue
    case " $out " in *" $v "*) continue ;; esac
    new=""
    placed=0
    for o in $out; do
      if [ "$placed" = 0 ] && dpkg --compare-versions "$v" gt "$o"; then
        new="$new $v"
        placed=1
      fi
      new="$new $o"
    done
    [ "$placed" = 0 ] && new="$new $v"
    out=$new
  done
  for o in $out; do echo "$o"; done
}

apt_versions() {
  # shellcheck disable=SC2086
  if [ "$1" = src ]; then
    apt-cache ${APT_FETCH_OPTS:-} showsrc "$2" 2>/dev/null |
      awk -v p="$2" '/^Package: /{ok=($2==p)} ok && /^Version: /{print $2}'
  else
    apt-cache ${APT_FETCH_OPTS:-} madison "$2" 2>/dev/null |
      awk -F'|' -v p="$2" '{gsub(/ /,"",$1); gsub(/ /,"",$2)} $1==p && $3 !~ /Sources/ {print $2}'
  fi | _apt_vsort_desc
}

# the cause of a failed download, short: "404  Not Found", "Unable to connect", ...
_apt_fetch_cause() {
  local c
  c=$(grep -m1 'Failed to fetch' "$1" | sed -e 's/.*Failed to fetch [^ ]*  *//' -e 's/ *\[IP:.*//' -e 's/  */ /g')
  [ -n "$c" ] || c=$(grep -E '^(E|Err):' "$1" | tail -1 | sed -e 's/^E: //' -e 's/^Err:[0-9]* //')
  [ -n "$c" ] || c=$(tail -1 "$1")
  echo "$c" | cut -c1-120
}

_apt_fetch_one() { # KIND PKG VERSION DIR
  # shellcheck disable=SC2086
  if [ "$1" = src ]; then
    (cd "$4" && apt-get ${APT_FETCH_OPTS:-} source -q --download-only "$2=$3")
  else
    (cd "$4" && apt-get ${APT_FETCH_OPTS:-} -o APT::Sandbox::User=root download -q "$2=$3")
  fi
}

apt_fetch() {
  local kind=$1 pkg=$2 dir=$3 who vers v newest cause tried got
  who=$(_apt_fetch_who)
  vers=$(apt_versions "$kind" "$pkg")
  if [ -z "$vers" ]; then
    echo "$who: $pkg: no revision known to apt (is there a deb-src entry, and did apt-get update work?)" >&2
    return 1
  fi
  newest=""
  cause=""
  tried=""
  got=""
  mkdir -p "$dir"
  for v in $vers; do
    [ -n "$newest" ] || newest=$v
    rm -rf "$dir/.try"
    mkdir -p "$dir/.try"
    # (each step in an if: callers may run under set -e)
    if _apt_fetch_one "$kind" "$pkg" "$v" "$dir/.try" >"$dir/.log" 2>&1 && [ -n "$(ls "$dir/.try")" ]; then
      got=$v
      break
    fi
    [ -n "$cause" ] || cause=$(_apt_fetch_cause "$dir/.log")
    tried="$tried $v"
  done
  if [ -z "$got" ]; then
    rm -rf "$dir/.try" "$dir/.log"
    echo "$who: $pkg: no revision could be fetched (tried$tried: $cause)" >&2
    return 1
  fi
  find "$dir" -mindepth 1 -maxdepth 1 ! -name .try -exec rm -rf {} +
  mv "$dir"/.try/* "$dir"/ && rmdir "$dir/.try"
  if [ "$got" != "$newest" ]; then
    echo "$who: warning: $pkg: got $got; the newer $newest is listed but could not be fetched ($cause), so a security fix may be missing" >&2
  fi
  echo "$got"
}
