#!/bin/bash
# npm run test:image — slow, not part of CI. Boots firmware-image/out/lnfleet-board.img under
# qemu-system-aarch64 (-M virt -cpu cortex-a57 -smp 2: two MTTCG vCPUs; the image's front uses the
# native secp256k1 addon, WASM secp256k1 was the one flaky with 2 emulated vCPUs, DESIGN §12) with a fresh board bundle whose backend is `lnfleet back` on this host (QEMU user
# networking: the guest reaches the host as 10.0.2.2), then checks: the front attaches to the backend,
# a BOLT 8 peer through a host-forwarded port completes the handshake with our node id, the LED driver
# writes real sysfs GPIO values (PL061 on virt), and prints boot-to-serving time with a breakdown
# (systemd-analyze inside the guest). Knobs: see test/provision/image-boot.slow.ts.
# Needs: the built image (npm run image), qemu-system-arm, mtools, a compiled dist/.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=${LNFLEET_IMAGE_OUT:-$REPO/firmware-image/out}
for t in qemu-system-aarch64 mcopy debugfs node; do
  command -v "$t" >/dev/null || { echo "test-image: $t missing (apt-get install -y qemu-system-arm mtools e2fsprogs)" >&2; exit 1; }
done
for f in lnfleet-board.img vmlinuz initrd.img; do
  [ -f "$OUT/$f" ] || { echo "test-image: $OUT/$f missing: run npm run image first" >&2; exit 1; }
done
[ -f "$REPO/dist/test/provision/image-boot.slow.js" ] || { echo "test-image: run npm run build first" >&2; exit 1; }
exec node "$REPO/dist/test/provision/image-boot.slow.js" "$OUT"
