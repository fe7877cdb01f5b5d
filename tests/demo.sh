#!/bin/bash
# tests/demo.sh (make demo) - the main job on a machine without internet:
# start the local test registry (TLS + token auth) with the busybox image,
# pull it with sbc and run `echo hello` in a container, then stop the registry.
# Uses a private store (SBC_ROOT) and config dir, so the host is left as it was.
set -eu
cd "$(dirname "$0")/.."
W=$(mktemp -d /tmp/sbc-demo.XXXXXX)
. tests/fixtures/cgparents.sh; cg_parents_note
cleanup() {
  { set +x; } 2>/dev/null
  bash tests/fixtures/registry/stop.sh "$W/reg" >/dev/null 2>&1 || true
  rm -rf --one-file-system "$W"
  cg_parents_restore
}
trap cleanup EXIT
PORT=$((20000 + RANDOM % 20000))
echo "demo: starting a local registry on 127.0.0.1:$PORT with test images..."
LIAR=0 bash tests/fixtures/registry/start.sh "$W/reg" "$PORT" >"$W/reg.log" 2>&1 || { cat "$W/reg.log"; exit 1; }
bash tests/fixtures/images/build.sh "$W/reg" >>"$W/reg.log" 2>&1 || { cat "$W/reg.log"; exit 1; }
. "$W/reg/env"
export SBC_ROOT="$W/root" SBC_CONFIG_DIR="$W/etc" DOCKER_CONFIG="$W/docker"
mkdir -p "$SBC_CONFIG_DIR"
cp -r "$CERTS_D" "$SBC_CONFIG_DIR/certs.d"   # trust the test CA, as /etc/sbc/certs.d would
mkdir -p "$W/bin" && build/sbc --install "$W/bin" && export PATH="$W/bin:$PATH"
set -x
sbc-pull "$REGISTRY/busybox:latest"
sbc-images
sbc-run --rm --network none "$REGISTRY/busybox:latest" echo hello
