#!/bin/bash
# lnfleet board image: Debian 13 (trixie) arm64 + lnfleet front + first-boot oneshot, as an SD-card image.
#
#   sudo npm run image            (= firmware-image/build.sh; run `npm run build` first)
#
# Stages (each prints its time; heavy ones are cached in $CACHE, keyed by their inputs):
#   1 preflight   tools, root, compiled dist/
#   2 binfmt      mount binfmt_misc, update-binfmts --enable qemu-aarch64 (every run: a reboot or
#                 another container may have dropped it)
#   3 base        debootstrap --foreign + second stage under qemu-user-static, runtime packages,
#                 kernel + initrd            -> $CACHE/base-<sha of suite, mirror, packages>.tar
#   4 modules     a throw-away copy of base + npm + build tools; `npm ci --omit=dev` inside the arm64
#                 root, native addons (epoll for onoff, secp256k1) built against Debian's headers;
#                 when one cannot build, lnfleet falls back on its own (WASM secp256k1 engine)
#                                            -> $CACHE/modules-<sha of package-lock.json, base key>.tar
#   5 assemble    base + modules + dist/ + units + user + drop-ins + fstab + network (never cached: cheap)
#   6 genimage    boot.vfat (mkdosfs + mcopy), root.ext4 (mke2fs -d), lnfleet-board.img (MBR)
#
# Output ($OUT, default firmware-image/out): lnfleet-board.img (+ .bmap when bmaptool exists),
# vmlinuz + initrd.img (for QEMU), stage-times.txt. Env: LNFLEET_IMAGE_CACHE, LNFLEET_IMAGE_OUT,
# LNFLEET_IMAGE_MIRROR, LNFLEET_IMAGE_ROOT_MIB. Never ships the build host's CA bundle or policy-rc.d.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
SUITE=trixie
ARCH=arm64
MIRROR=${LNFLEET_IMAGE_MIRROR:-http://deb.debian.org/debian}
CACHE=${LNFLEET_IMAGE_CACHE:-/var/cache/lnfleet-image}
OUT=${LNFLEET_IMAGE_OUT:-$REPO/firmware-image/out}
WORK=$CACHE/work
ROOT_MIB=${LNFLEET_IMAGE_ROOT_MIB:-2560}
# Runtime packages of a board. No avahi: lnfleet's mDNS is pure JS (multicast-dns). curl: keepalived's
# /readyz check. systemd-networkd (DHCP) is part of the systemd package in trixie.
RUNTIME_PKGS="systemd-sysv udev kmod iproute2 linux-image-arm64 initramfs-tools nodejs nftables keepalived curl ca-certificates"
# Only in the throw-away modules root: npm and what node-gyp needs (Debian's libnode-dev headers).
BUILD_PKGS="npm python3 make g++ libnode-dev"
START=$(date +%s)
STAGE_START=$START
mkdir -p "$OUT"
: > "$OUT/stage-times.txt"

say() { printf '[image %4ss] %s\n' "$(( $(date +%s) - START ))" "$*"; }
stage() { STAGE_NAME=$1; STAGE_START=$(date +%s); say "== stage $1: $2"; }
done_stage() {
  local t=$(( $(date +%s) - STAGE_START ))
  say "== stage $STAGE_NAME done in ${t}s${1:+ ($1)}"
  echo "$STAGE_NAME ${t}s${1:+ $1}" >> "$OUT/stage-times.txt"
}
die() { echo "build.sh: $*" >&2; exit 1; }

MOUNTED=()
mount_chroot() {
  local r=$1
  mount -t proc proc "$r/proc"; MOUNTED+=("$r/proc")
  mount -t sysfs sys "$r/sys"; MOUNTED+=("$r/sys")
  mount --bind /dev "$r/dev"; MOUNTED+=("$r/dev")
  mount -t devpts devpts "$r/dev/pts"; MOUNTED+=("$r/dev/pts")
}
umount_all() {
  local i
  for (( i=${#MOUNTED[@]}-1; i>=0; i-- )); do umount -l "${MOUNTED[$i]}" 2>/dev/null || true; done
  MOUNTED=()
}
trap umount_all EXIT
# Removes a work tree. A build killed mid-chroot (SIGKILL skips the trap) leaves /proc, /sys and a bind
# mount of the host's /dev below it, and a plain rm -rf would delete the host's device nodes through
# it: unmount whatever is still mounted below the tree first, and never cross into another file system.
clear_tree() {
  local d m
  for d in "$@"; do
    [ -e "$d" ] || continue
    for m in $(awk -v p="$d/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r); do umount -l "$m" || true; done
    rm -rf --one-file-system "$d"
  done
}
in_root() { local r=$1; shift; LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive chroot "$r" "$@"; }
# No daemon may start inside the build root (keepalived, nftables would act on the build host).
block_daemons() { printf '#!/bin/sh\nexit 101\n' > "$1/usr/sbin/policy-rc.d"; chmod 755 "$1/usr/sbin/policy-rc.d"; }

# ── 1 preflight ──────────────────────────────────────────────────────────────────────────────────
stage preflight "tools and inputs"
[ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot and mount need it): sudo npm run image"
missing=()
for t in debootstrap update-binfmts genimage mcopy mkdosfs mke2fs chroot tar sha256sum node; do
  command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
[ -x /usr/bin/qemu-aarch64-static ] || [ -x /usr/bin/qemu-aarch64 ] || missing+=("qemu-aarch64-static")
if [ ${#missing[@]} -gt 0 ]; then
  die "missing tools: ${missing[*]}
install them with: apt-get install -y debootstrap qemu-user-static binfmt-support genimage mtools dosfstools e2fsprogs
(and for npm run test:image: qemu-system-arm qemu-efi-aarch64). See docs/boards.md."
fi
[ -f "$REPO/dist/src/cli/main.js" ] || die "dist/ is not built: run npm run build first"
[ -f /usr/share/debootstrap/scripts/$SUITE ] || die "this debootstrap does not know $SUITE; install a newer debootstrap"
done_stage

# ── 2 binfmt ─────────────────────────────────────────────────────────────────────────────────────
stage binfmt "arm64 binaries through qemu-user-static"
mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
update-binfmts --enable qemu-aarch64 2>/dev/null || true
grep -q '^enabled' /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null \
  || die "binfmt for aarch64 is not enabled (update-binfmts --display qemu-aarch64); is qemu-user-static installed?"
QEMU=$(command -v qemu-aarch64-static || command -v qemu-aarch64)
done_stage

# ── 3 base ───────────────────────────────────────────────────────────────────────────────────────
BASE_KEY=$(printf '%s\n' "$SUITE" "$ARCH" "$MIRROR" "$RUNTIME_PKGS" "base-v1" | sha256sum | cut -c1-16)
BASE_TAR=$CACHE/base-$BASE_KEY.tar
stage base "Debian $SUITE $ARCH root (key $BASE_KEY)"
mkdir -p "$CACHE" "$WORK"
if [ -f "$BASE_TAR" ]; then
  done_stage "cached"
else
  # The debootstrap result has its own cache, so a failing package list does not redo the slow part.
  DEB_KEY=$(printf '%s\n' "$SUITE" "$ARCH" "$MIRROR" "debootstrap-v1" | sha256sum | cut -c1-16)
  DEB_TAR=$CACHE/debootstrap-$DEB_KEY.tar
  clear_tree "$WORK/base"
  if [ -f "$DEB_TAR" ]; then
    say "debootstrap result cached ($DEB_TAR)"
    mkdir -p "$WORK/base"
    tar --numeric-owner --xattrs -C "$WORK/base" -xf "$DEB_TAR"
  else
    say "debootstrap first stage (download + unpack)"
    debootstrap --foreign --arch="$ARCH" --variant=minbase "$SUITE" "$WORK/base" "$MIRROR"
    cp "$QEMU" "$WORK/base/usr/bin/"
    say "debootstrap second stage under emulation (the slow part, 5-16 min)"
    in_root "$WORK/base" /debootstrap/debootstrap --second-stage
    tar --numeric-owner --xattrs -C "$WORK/base" -cf "$DEB_TAR.tmp" . && mv "$DEB_TAR.tmp" "$DEB_TAR"
  fi
  echo "deb $MIRROR $SUITE main" > "$WORK/base/etc/apt/sources.list"
  cp /etc/resolv.conf "$WORK/base/etc/resolv.conf"
  block_daemons "$WORK/base"
  mount_chroot "$WORK/base"
  say "apt-get install $RUNTIME_PKGS"
  in_root "$WORK/base" apt-get update
  in_root "$WORK/base" apt-get install -y --no-install-recommends $RUNTIME_PKGS
  in_root "$WORK/base" apt-get clean
  umount_all
  rm -f "$WORK/base/usr/sbin/policy-rc.d" "$WORK/base/etc/resolv.conf"
  rm -rf "$WORK/base/var/lib/apt/lists/"*
  say "caching base as $BASE_TAR"
  tar --numeric-owner --xattrs -C "$WORK/base" -cf "$BASE_TAR.tmp" . && mv "$BASE_TAR.tmp" "$BASE_TAR"
  clear_tree "$WORK/base"
  done_stage "built"
fi

# ── 4 modules ────────────────────────────────────────────────────────────────────────────────────
# Keyed on the production part of the lock only (what `npm ci --omit=dev` installs): a new dev tool
# does not rebuild the arm64 modules.
PROD_LOCK=$(node -e '
  const l = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const prod = {};
  for (const [k, v] of Object.entries(l.packages)) if (v.dev !== true) prod[k] = k === "" ? { ...v, devDependencies: undefined } : v;
  process.stdout.write(JSON.stringify(prod));' "$REPO/package-lock.json")
MOD_KEY=$( (printf '%s' "$PROD_LOCK"; echo "$BASE_KEY $BUILD_PKGS modules-v2") | sha256sum | cut -c1-16)
MOD_TAR=$CACHE/modules-$MOD_KEY.tar
stage modules "production node_modules for arm64 (key $MOD_KEY)"
if [ -f "$MOD_TAR" ]; then
  done_stage "cached"
else
  B=$WORK/builder
  clear_tree "$B"; mkdir -p "$B"
  tar --numeric-owner -C "$B" -xf "$BASE_TAR"
  cp /etc/resolv.conf "$B/etc/resolv.conf"
  # npm inside the root needs the build host's CA bundle to reach the registry (build only, never shipped).
  cp /etc/ssl/certs/ca-certificates.crt "$B/tmp/host-ca.pem"
  block_daemons "$B"
  mount_chroot "$B"
  say "apt-get install $BUILD_PKGS"
  in_root "$B" apt-get update
  in_root "$B" apt-get install -y --no-install-recommends $BUILD_PKGS
  mkdir -p "$B/build"
  cp "$REPO/package.json" "$REPO/package-lock.json" "$B/build/"
  say "npm ci --omit=dev --ignore-scripts inside the arm64 root"
  in_root "$B" env npm_config_cafile=/tmp/host-ca.pem npm_config_update_notifier=false \
    ${HTTPS_PROXY:+HTTPS_PROXY=$HTTPS_PROXY} ${HTTP_PROXY:+HTTP_PROXY=$HTTP_PROXY} \
    sh -c 'cd /build && npm ci --omit=dev --ignore-scripts --no-audit --no-fund'
  # The front needs epoll (onoff's GPIO watcher) and prefers native secp256k1. better-sqlite3 is the
  # backend's store and is not built for a front board (it loads its binding lazily).
  for addon in epoll secp256k1; do
    say "building native addon $addon against Debian's node headers"
    # secp256k1's install script swallows a failed build (DESIGN §12): check for the binary itself.
    if in_root "$B" env npm_config_cafile=/tmp/host-ca.pem npm_config_nodedir=/usr \
        sh -c "cd /build && npm rebuild $addon --foreground-scripts" \
      && ls "$B/build/node_modules/$addon/build/Release/"*.node >/dev/null 2>&1; then
      say "addon $addon: built"
    else
      say "addon $addon: build FAILED; the front falls back (WASM secp256k1 engine / no GPIO watch)"
    fi
  done
  umount_all
  tar --numeric-owner -C "$B/build" -cf "$MOD_TAR.tmp" node_modules && mv "$MOD_TAR.tmp" "$MOD_TAR"
  clear_tree "$B"
  done_stage "built"
fi

# ── 5 assemble ───────────────────────────────────────────────────────────────────────────────────
stage assemble "root tree: lnfleet, units, user, first boot"
R=$WORK/root
clear_tree "$R" "$WORK/bootfs"; mkdir -p "$R" "$WORK/bootfs"
tar --numeric-owner --xattrs -C "$R" -xf "$BASE_TAR"
mkdir -p "$R/opt/lnfleet/dist"
cp -a "$REPO/dist/src" "$R/opt/lnfleet/dist/"
find "$R/opt/lnfleet/dist" -name '*.map' -delete
cp "$REPO/package.json" "$R/opt/lnfleet/"
cp -a "$REPO/docs" "$R/opt/lnfleet/docs"
tar --numeric-owner -C "$R/opt/lnfleet" -xf "$MOD_TAR"
# One-file CLI (firmware-image/bundle.mjs): a board's Node resolves and compiles one module instead of
# hundreds at every start. Checked by running it on arm64 (qemu-user) before it ships.
node "$REPO/firmware-image/bundle.mjs" "$R/opt/lnfleet"
in_root "$R" /usr/bin/node /opt/lnfleet/dist/src/cli/main.js selftest >/dev/null || die "the bundled CLI fails its selftest on arm64"
install -m 0755 "$REPO/firmware-image/rootfs/lnfleet-wrapper.sh" "$R/usr/local/bin/lnfleet"
in_root "$R" useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin lnfleet
# The board's front unit (lnfleet gen systemd --role board-front) starts early and waits for the marker
# the nftables drop-in writes once the ruleset is loaded (docs/boards.md "Boot time").
install -m 0644 "$REPO/systemd/lnfleet-front-board.service" "$R/etc/systemd/system/lnfleet-front.service"
install -m 0644 "$REPO/systemd/lnfleet-firstboot.service" "$R/etc/systemd/system/"
mkdir -p "$R/etc/systemd/system/lnfleet-front.service.d" "$R/etc/systemd/system/nftables.service.d"
install -m 0644 "$REPO/firmware-image/rootfs/nftables.service.d/10-lnfleet.conf" "$R/etc/systemd/system/nftables.service.d/"
mkdir -p "$R/etc/systemd/network" "$R/etc/udev/rules.d" "$R/etc/sysctl.d" "$R/etc/modprobe.d"
install -m 0644 "$REPO/firmware-image/rootfs/lnfleet-modprobe.conf" "$R/etc/modprobe.d/lnfleet.conf"
mkdir -p "$R/etc/modules-load.d"
install -m 0644 "$REPO/firmware-image/rootfs/lnfleet-modules-load.conf" "$R/etc/modules-load.d/lnfleet.conf"
install -m 0644 "$REPO/firmware-image/rootfs/20-lnfleet.network" "$R/etc/systemd/network/"
install -m 0644 "$REPO/firmware-image/rootfs/60-lnfleet-gpio.rules" "$R/etc/udev/rules.d/"
install -m 0644 "$REPO/firmware-image/rootfs/60-lnfleet.sysctl.conf" "$R/etc/sysctl.d/60-lnfleet.conf"
install -m 0644 "$REPO/firmware-image/rootfs/fstab" "$R/etc/fstab"
mkdir -p "$R/boot/firmware" "$R/var/lib/lnfleet-firstboot"
echo lnfleet-unprovisioned > "$R/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tlnfleet-unprovisioned\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$R/etc/hosts"
# Each board makes its own machine id on first boot (DHCP client ids, journald).
: > "$R/etc/machine-id"
# Enable units offline: the links `systemctl enable` would make.
W=$R/etc/systemd/system/multi-user.target.wants
mkdir -p "$W"
ln -sf /etc/systemd/system/lnfleet-firstboot.service "$W/lnfleet-firstboot.service"
ln -sf /etc/systemd/system/lnfleet-front.service "$W/lnfleet-front.service"
ln -sf /usr/lib/systemd/system/nftables.service "$W/nftables.service"
ln -sf /usr/lib/systemd/system/keepalived.service "$W/keepalived.service"
ln -sf /usr/lib/systemd/system/systemd-networkd.service "$W/systemd-networkd.service"
# Boot time (docs/boards.md "Boot time"): a board boots to multi-user (no display manager), runs no apt
# timers (it has no package lists and is reflashed to update), no gettys on tty2-6 (getty-static starts
# them when logind is absent; tty1 and the serial console stay), and skips the first-boot rebuild of the
# linker cache and journal catalog: they are built here and /etc/.updated, /var/.updated say so
# (ConditionNeedsUpdate= of ldconfig.service, systemd-journal-catalog-update and systemd-update-done).
ln -sf /usr/lib/systemd/system/multi-user.target "$R/etc/systemd/system/default.target"
rm -f "$R/etc/systemd/system/timers.target.wants/apt-daily.timer" "$R/etc/systemd/system/timers.target.wants/apt-daily-upgrade.timer" \
  "$R/etc/systemd/system/timers.target.wants/dpkg-db-backup.timer"
ln -sf /dev/null "$R/etc/systemd/system/getty-static.service"
# Early units a front board never uses, masked: each is a process (mount, modprobe) during sysinit,
# seconds of CPU on a small board or under emulation: debugfs/tracefs, hugepages, POSIX message queues,
# FUSE, configfs (USB gadgets), DRM (no display), EFI pstore (boards boot without UEFI runtime), udev
# rules from credentials (none are passed).
for u in sys-kernel-debug.mount sys-kernel-tracing.mount dev-hugepages.mount dev-mqueue.mount \
    sys-fs-fuse-connections.mount modprobe@fuse.service sys-kernel-config.mount modprobe@configfs.service \
    modprobe@drm.service modprobe@efi_pstore.service systemd-udev-load-credentials.service; do
  ln -sf /dev/null "$R/etc/systemd/system/$u"
done
in_root "$R" ldconfig
in_root "$R" journalctl --update-catalog
touch -d "@$(date +%s)" "$R/usr"
for d in etc var; do
  printf '# Written by firmware-image/build.sh (as systemd-update-done would): /usr is not newer.\nTIMESTAMP_NSEC=%s000000000\n' "$(stat -c %Y "$R/usr")" > "$R/$d/.updated"
  touch -r "$R/usr" "$R/$d/.updated"
done
# Serial console login stays possible (root is locked: set a password or ssh key for maintenance).
rm -f "$R/usr/sbin/policy-rc.d" "$R/tmp/host-ca.pem" "$R/etc/resolv.conf" "$R/usr/bin/$(basename "$QEMU")"
[ ! -e "$R/usr/sbin/policy-rc.d" ] || die "policy-rc.d would ship"
KVER=$(ls "$R/boot" | sed -n 's/^vmlinuz-//p' | sort -V | tail -1)
[ -n "$KVER" ] || die "no kernel in the base root"
cp "$R/boot/vmlinuz-$KVER" "$WORK/bootfs/vmlinuz"
cp "$R/boot/initrd.img-$KVER" "$WORK/bootfs/initrd.img"
# quiet: kernel messages go to the journal and dmesg, not character by character to the serial console.
echo "console=ttyAMA0 root=LABEL=lnfleet-root rootwait net.ifnames=0 quiet" > "$WORK/bootfs/cmdline.txt"
du -sh "$R" | sed 's/^/root tree: /'
done_stage "kernel $KVER"

# ── 6 genimage ───────────────────────────────────────────────────────────────────────────────────
stage genimage "card layout (src/provision/image.ts)"
node "$REPO/dist/src/provision/image.js" genimage --boot-files vmlinuz,initrd.img,cmdline.txt --root-mib "$ROOT_MIB" > "$WORK/genimage.cfg"
rm -rf "$WORK/genimage-tmp"
genimage --config "$WORK/genimage.cfg" --rootpath "$R" --inputpath "$WORK/bootfs" --outputpath "$OUT" --tmppath "$WORK/genimage-tmp"
rm -rf "$WORK/genimage-tmp" "$OUT/root.ext4" "$OUT/boot.vfat"
cp "$WORK/bootfs/vmlinuz" "$WORK/bootfs/initrd.img" "$OUT/"
if command -v bmaptool >/dev/null 2>&1; then bmaptool create -o "$OUT/lnfleet-board.img.bmap" "$OUT/lnfleet-board.img"; fi
done_stage
say "image: $OUT/lnfleet-board.img ($(du -h --apparent-size "$OUT/lnfleet-board.img" | cut -f1)); total $(( $(date +%s) - START ))s"
say "next: firmware-image/add-bundle.sh $OUT/lnfleet-board.img D/boards/NAME/lnfleet-bundle.tar, then flash (docs/boards.md)"
