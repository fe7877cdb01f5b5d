#!/bin/bash
# 48-cgroup-vm: sbc on a pure cgroup v2 and on a pure cgroup v1 host, each a
# Debian kernel booted with qemu under software emulation (this host is hybrid
# and must stay so).  The VM's init and its checks are tests/fixtures/vm/; each
# "ok …" / "FAIL …" line of the VM's serial console becomes a check here.
# v2 boot: root subtree_control empty, rootless (an ordinary user with a
# subtree delegated, memory and pids, its shell in the subtree's top), a
# systemd-like layout, sbc's parent holding a process, v2 at
# /sys/fs/cgroup/unified only.  v1 boot: pure v1,
# v1 without the memory controller, no cgroup fs at all.
# The kernel is fetched with apt-get download once and cached in build/vm/.
# SBC_VM_TIMEOUT: seconds per boot (150).
. "$(dirname "$0")/../lib.sh"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
FIX=$TOP/tests/fixtures
SBC=${SBC_BIN:-$TOP/build/sbc}
VMDIR=$TOP/build/vm
KDIR=$VMDIR/kernel
BOOT_TIMEOUT=${SBC_VM_TIMEOUT:-150}
MODULES="overlay" # what sbc needs that Debian builds as a module

bail() { fail "$1"; t_done; exit 1; }

# ---- the kernel: the package linux-image-cloud-amd64 depends on ----------
# (tools/apt-fetch.sh: the newest revision the mirror really serves; the
# kernel ABIs apt lists, the meta package's own first)
fetch_kernel() {
  local meta pkg pkgs dl x ver mdir m f todo seen got
  pkgs=""
  for meta in linux-image-cloud-amd64 linux-image-amd64; do
    pkg=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    [ -n "$pkg" ] && pkgs="$pkgs $pkg"
  done
  pkgs="$pkgs $(apt-cache pkgnames linux-image-6 2>/dev/null | grep -E -- '-(cloud-)?amd64$' | sort -rV | tr '\n' ' ')"
  [ -n "${pkgs// /}" ] || { echo "no linux-image package known to apt (apt-get update?)"; return 1; }
  dl=$T_TMP/kdl
  mkdir -p "$dl/x"
  . "$TOP/tools/apt-fetch.sh"
  got=""
  for pkg in $pkgs; do
    APT_FETCH_WHO=$T_NAME apt_fetch bin "$pkg" "$dl/deb" >/dev/null 2>"$dl/why" && { got=$pkg; break; }
  done
  [ -n "$got" ] || { echo "no kernel package could be fetched ($(head -1 "$dl/why"))"; return 1; }
  # the warning of a fallback, on the test's log
  cat "$dl/why" >&2
  pkg=$got
  dpkg-deb -x "$dl"/deb/*.deb "$dl/x" || { echo "dpkg-deb -x $pkg"; return 1; }
  ver=$(ls "$dl/x/lib/modules" | head -1)
  mdir=$dl/x/lib/modules/$ver
  mkdir -p "$dl/k/modules"
  cp "$dl/x/boot/vmlinuz-$ver" "$dl/k/vmlinuz" || { echo "no vmlinuz in $pkg"; return 1; }
  # the modules and what they depend on (modinfo's depends=), dependencies
  # first; no modules.dep in the package (depmod makes it at install)
  : >"$dl/k/modules/order"
  todo=$MODULES
  seen=" "
  add_mod() {
    local m=$1 f deps d
    case "$seen" in *" $m "*) return 0 ;; esac
    seen="$seen$m "
    f=$(find "$mdir" -name "$m.ko*" -o -name "$(echo "$m" | tr _ -).ko*" | head -1)
    [ -n "$f" ] || { echo "module $m not in $pkg"; return 1; }
    case "$f" in
    *.ko) cp "$f" "$dl/k/modules/$m.ko" ;;
    *.ko.xz) xz -dc "$f" >"$dl/k/modules/$m.ko" ;;
    *.ko.zst) zstd -qdc "$f" >"$dl/k/modules/$m.ko" ;;
    *.ko.gz) gzip -dc "$f" >"$dl/k/modules/$m.ko" ;;
    *) echo "module $f: unknown compression"; return 1 ;;
    esac || { echo "decompress $f"; return 1; }
    deps=$(tr '\0' '\n' <"$dl/k/modules/$m.ko" | sed -n 's/^depends=//p' | head -1 | tr , ' ')
    for d in $deps; do add_mod "$d" || return 1; done
    echo "$m.ko" >>"$dl/k/modules/order"
  }
  for m in $todo; do add_mod "$m" || return 1; done
  echo "$pkg" >"$dl/k/package"
  mkdir -p "$VMDIR"
  rm -rf "$VMDIR/.kernel.$$"
  cp -r "$dl/k" "$VMDIR/.kernel.$$" && mv -T "$VMDIR/.kernel.$$" "$KDIR" || { rm -rf "$VMDIR/.kernel.$$"; echo "cache in $KDIR"; return 1; }
  rm -rf "$dl"
}

if [ ! -f "$KDIR/vmlinuz" ] || [ ! -f "$KDIR/package" ]; then
  why=$(fetch_kernel) || { skip "pure v1 and v2 hosts under qemu: kernel: $why"; t_done; exit; }
fi
pass "kernel: $(cat "$KDIR/package") ($(ls "$KDIR/modules" | grep -c '\.ko$') modules)"

# ---- the initramfs ---------------------------------------------------------
[ -x /bin/busybox ] || bail "no /bin/busybox (busybox-static)"
for tool in qemu-system-x86_64 cpio; do
  command -v $tool >/dev/null || { skip "pure v1 and v2 hosts under qemu: $tool is not installed"; t_done; exit; }
done
bash "$FIX/mkimage.sh" busybox >/dev/null || bail "mkimage busybox"
ST=$T_TMP/initramfs
mkdir -p "$ST/bin" "$ST/dev" "$ST/modules"
# mkimage's image has no layer blobs: through export + import it gets them
sbc-export busybox | sbc-import -q --compress none -c 'CMD ["sh"]' \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - busybox:latest >/dev/null ||
  bail "export + import busybox"
sbc-save busybox >"$ST/image.tar" || bail "sbc-save busybox"
cp /bin/busybox "$ST/bin/busybox"
cp "$SBC" "$ST/bin/sbc"
# the device unit tests run inside too (checks.sh c_unit_devices)
[ -x "$TOP/build/unit" ] && cp "$TOP/build/unit" "$ST/bin/sbc-unit"
# the escape probe (46-escape's; checks.sh c_escape)
if command -v musl-gcc >/dev/null; then
  musl-gcc -static -Os -o "$ST/bin/probe" "$FIX/probe.c" 2>"$T_TMP/probe.err" || bail "build the escape probe: $(head -c 300 "$T_TMP/probe.err")"
else
  skip "escape checks in the VM: musl-gcc is not installed"
fi
cp "$FIX/vm/init" "$ST/init"
cp "$FIX/vm/checks.sh" "$ST/checks.sh"
chmod 755 "$ST/init" "$ST/bin/busybox" "$ST/bin/sbc"
cp "$KDIR/modules/"* "$ST/modules/"
mknod -m 600 "$ST/dev/console" c 5 1 || bail "mknod dev/console"
(cd "$ST" && find . | cpio -o -H newc -R 0:0 --quiet) >"$T_TMP/initrd" || bail "cpio"
rm -rf "$ST"
pass "initramfs: $(($(stat -c %s "$T_TMP/initrd") / 1024)) KiB"

# ---- boot ------------------------------------------------------------------
# boot MODE: start the VM in the background (log in $T_TMP/MODE.log)
boot() {
  local mode=$1
  timeout -k 5 "$BOOT_TIMEOUT" qemu-system-x86_64 -accel tcg -m 768M -smp 2 -nodefaults -no-user-config \
    -display none -no-reboot -nic none -serial "file:$T_TMP/$mode.log" -pidfile "$T_TMP/$mode.pid" \
    -kernel "$KDIR/vmlinuz" -initrd "$T_TMP/initrd" \
    -append "console=ttyS0 panic=-1 quiet loglevel=3 mitigations=off sbc.cg=$mode" \
    </dev/null >"$T_TMP/$mode.qemu" 2>&1 &
  eval "QPID_$mode=$!"
  on_exit "kill $! 2>/dev/null; [ -f '$T_TMP/$mode.pid' ] && kill \$(cat '$T_TMP/$mode.pid') 2>/dev/null; wait $! 2>/dev/null"
  eval "START_$mode=\$(date +%s)"
}
# collect MODE: wait for the VM, turn its lines into checks
collect() {
  local mode=$1 pid start rc line n=0 nf=0 want
  eval "pid=\$QPID_$mode start=\$START_$mode"
  wait "$pid"
  rc=$?
  echo "boot $mode: $(($(date +%s) - start)) s (qemu rc=$rc)"
  tr -d '\r' <"$T_TMP/$mode.log" >"$T_TMP/$mode.txt"
  while IFS= read -r line; do
    case "$line" in
    "ok "*) pass "vm-${line#ok }"; n=$((n + 1)) ;;
    "FAIL "*) fail "vm-${line#FAIL }"; nf=$((nf + 1)) ;;
    "SKIP "*) skip "vm-${line#SKIP }" ;;
    esac
  done <"$T_TMP/$mode.txt"
  want=$(sed -n 's/^SBC-VM-CHECKS \([0-9]*\)$/\1/p' "$T_TMP/$mode.txt")
  if grep -q '^SBC-VM-DONE$' "$T_TMP/$mode.txt" && [ "$n" -gt 0 ] && [ "$((n + nf))" = "$want" ]; then
    pass "$mode VM ran to the end ($n of $want checks passed inside)"
  else
    fail "$mode VM did not finish, or lines were lost ($((n + nf)) of ${want:-?} seen; rc=$rc; qemu: $(head -c 300 "$T_TMP/$mode.qemu" | tr '\n' '|'); console: $(tail -15 "$T_TMP/$mode.txt" | tr '\n' '|'))"
  fi
}

# The two VMs one after the other: each takes both cores (-smp 2, one TCG
# thread per vCPU).
boot v2
collect v2
boot v1
collect v1

# nothing of ours left on the host
left=
for m in v2 v1; do
  [ -f "$T_TMP/$m.pid" ] && kill -0 "$(cat "$T_TMP/$m.pid")" 2>/dev/null && left="$left qemu-$m"
done
[ -z "$left" ] && pass "no qemu left" || fail "left:$left"
t_done
