#!/bin/bash
# Puts a board's bundle on the boot partition of a card image (before flashing) or of a card:
#
#   firmware-image/add-bundle.sh lnfleet-board.img D/boards/NAME/lnfleet-bundle.tar
#   firmware-image/add-bundle.sh /dev/sdX           D/boards/NAME/lnfleet-bundle.tar
#
# mtools writes into the FAT partition at its byte offset (src/provision/image.ts: 4 MiB), so no loop
# device, mount or partition support is needed. Work on a copy of the generic image per board: the
# bundle holds that board's key.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 IMAGE|DEVICE BUNDLE" >&2; exit 2; }
IMG=$1
BUNDLE=$2
command -v mcopy >/dev/null || { echo "$0: mcopy missing: apt-get install -y mtools" >&2; exit 1; }
[ -r "$BUNDLE" ] || { echo "$0: cannot read bundle $BUNDLE" >&2; exit 1; }
[ "$(head -c 512 "$BUNDLE" | tail -c +258 | head -c 5)" = "ustar" ] || { echo "$0: $BUNDLE is not a bundle (tar)" >&2; exit 1; }
OFFSET=4194304 # BOOT_OFFSET_MIB (4) × 1 MiB, from src/provision/image.ts
export MTOOLS_SKIP_CHECK=1
mcopy -o -i "$IMG@@$OFFSET" "$BUNDLE" ::lnfleet-bundle.tar
mdir -i "$IMG@@$OFFSET" ::lnfleet-bundle.tar >/dev/null
echo "bundle written to the boot partition of $IMG as lnfleet-bundle.tar"
