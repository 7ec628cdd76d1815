#!/usr/bin/env bash
# mk-rootfs.sh OUT BINARY — the one step of the image build that needs root.
#
# 1. base: a minimal Debian (systemd, udev, the Debian kernel + initramfs-tools)
#    from mmdebstrap, cached in OUT/base keyed by this script's hash, so a
#    rebuild with a new binary costs seconds instead of a minute.
# 2. root: a fresh copy of base + the rootfs/ overlay + BINARY as
#    /usr/sbin/sipslb, units enabled, then `mkfs.ext4 -d` into OUT/root.img.
#    The kernel and initrd are moved out to OUT/boot/ for the FAT boot
#    partition (mk-disk.sh), which syslinux reads.
#
# Output (all later steps run unprivileged): OUT/root.img, OUT/boot/vmlinuz,
# OUT/boot/initrd.img, OUT/boot/kver, OUT/packages.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$here/layout.sh"

out=${1:?usage: mk-rootfs.sh OUT BINARY}
bin=${2:?usage: mk-rootfs.sh OUT BINARY}
[ "$(id -u)" = 0 ] || { echo "mk-rootfs.sh: needs root (mmdebstrap --mode=root, file owners in the ext4 image)" >&2; exit 1; }
[ -x "$bin" ] || { echo "mk-rootfs.sh: $bin is not an executable" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
export SOURCE_DATE_EPOCH E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH

key=$(sha256sum "$here/mk-rootfs.sh" "$here/layout.sh" | sha256sum | cut -c1-16)
base=${BASE:-$out/base}
if [ "$(cat "$base.key" 2>/dev/null)" != "$key" ]; then
	t0=$(date +%s)
	rm -rf "$base" "$base.key"
	# Kernel modules nobody plugs into a SIP load balancer: sound, GPU,
	# media, wireless, bluetooth, infiniband, staging (~150 MB).
	ex=()
	for d in sound drivers/gpu drivers/media drivers/net/wireless drivers/infiniband \
		drivers/staging drivers/bluetooth net/wireless net/mac80211 net/bluetooth; do
		ex+=("--dpkgopt=path-exclude=/lib/modules/*/kernel/$d/*" "--dpkgopt=path-exclude=/usr/lib/modules/*/kernel/$d/*")
	done
	# The host's own sources file: no mirror is named here, so the build
	# uses whatever the build machine is configured for, and the host's apt
	# settings that decide whether that mirror is accepted (aptopts.sh:
	# e.g. a snapshot mirror's expired Release files, a proxy).
	sources=/etc/apt/sources.list.d/debian.sources
	[ -f "$sources" ] || sources=/etc/apt/sources.list
	mapfile -t aptopts < <("$here/aptopts.sh")
	"${MMDEBSTRAP:-mmdebstrap}" --mode=root --variant=minbase --quiet \
		"${aptopts[@]}" \
		--include=systemd,systemd-sysv,udev,kmod,linux-image-amd64,initramfs-tools,zstd,iproute2,usr-is-merged \
		--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
		--dpkgopt='path-exclude=/usr/share/info/*' \
		"${ex[@]}" \
		--setup-hook='mkdir -p "$1/etc/initramfs-tools/conf.d"; printf "MODULES=list\nCOMPRESS=zstd\n" > "$1/etc/initramfs-tools/conf.d/appliance.conf"' \
		--setup-hook='printf "virtio_pci\nvirtio_blk\nvirtio_scsi\nvirtio_net\nsd_mod\nahci\nata_piix\nnvme\nxhci_pci\nusb_storage\next4\nvfat\n" > "$1/etc/initramfs-tools/modules"' \
		--customize-hook='chroot "$1" dpkg --purge usrmerge libfile-find-rule-perl libnumber-compare-perl libtext-glob-perl perl libperl5.36 perl-modules-5.36 >/dev/null' \
		--customize-hook='chroot "$1" dpkg-query -W -f="\${Package} \${Version}\n" > "$1/.packages.txt"' \
		--customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/* "$1"/tmp/*' \
		bookworm "$base" "$sources"
	echo "$key" >"$base.key"
	echo "mk-rootfs: base built in $(($(date +%s) - t0)) s" >&2
fi

t0=$(date +%s)
stage=$out/stage
rm -rf "$stage"
cp -a "$base" "$stage"
mv "$stage/.packages.txt" "$out/packages.txt"
# The overlay: units, /etc defaults, factory-config.
cp -a "$repo/rootfs/." "$stage/"
for u in sipslb.service sipslb-console.service sipslb-firstboot.service; do
	[ -f "$stage/etc/systemd/system/$u" ] || { echo "mk-rootfs: rootfs/etc/systemd/system/$u missing" >&2; exit 1; }
done
install -m 0755 "$bin" "$stage/usr/sbin/sipslb"
# Enable what rootfs/ ships; the CLI owns ttyS0, so no getty there.
chroot "$stage" systemctl enable --quiet systemd-networkd.service sipslb.service sipslb-console.service sipslb-firstboot.service
chroot "$stage" systemctl mask --quiet serial-getty@ttyS0.service
chroot "$stage" systemctl disable --quiet apt-daily.timer apt-daily-upgrade.timer 2>/dev/null || true
[ -s "$stage/etc/hostname" ] || echo "$hostname_default" >"$stage/etc/hostname"
# The data partition is mounted here; the directory on the root file system
# stays empty (0700, like the daemon creates it).
rm -rf "$stage/var/lib/sipslb"
install -d -m 0700 "$stage/var/lib/sipslb"
cat >"$stage/etc/fstab" <<FSTAB
# <file system>          <mount point>     <type> <options>                 <dump> <pass>
UUID=$ROOT_UUID / ext4 defaults,noatime,errors=remount-ro 0 1
UUID=$DATA_UUID /var/lib/sipslb ext4 defaults,noatime,nodev,nosuid,noexec 0 2
FSTAB
# An empty machine-id: systemd makes a new one on each box's first boot.
: >"$stage/etc/machine-id"
rm -f "$stage/var/lib/dbus/machine-id"

mkdir -p "$out/boot"
kver=$(basename "$(ls -d "$stage"/lib/modules/*)")
mv "$stage/boot/vmlinuz-$kver" "$out/boot/vmlinuz"
mv "$stage/boot/initrd.img-$kver" "$out/boot/initrd.img"
rm -f "$stage"/boot/* "$stage"/vmlinuz* "$stage"/initrd.img*
echo "$kver" >"$out/boot/kver"

# Reproducibility: every mtime clamped to SOURCE_DATE_EPOCH; mkfs gets a
# fixed UUID, hash seed and clock (E2FSPROGS_FAKE_TIME).
find "$stage" -newermt "@$SOURCE_DATE_EPOCH" -print0 | xargs -0r touch -h -d "@$SOURCE_DATE_EPOCH"
rm -f "$out/root.img"
mkfs.ext4 -q -F -L sipslb-root -U "$ROOT_UUID" -E "root_owner=0:0,hash_seed=$ROOT_UUID" \
	-d "$stage" "$out/root.img" "${ROOT_MB}M" >/dev/null
# mke2fs -d copies each file's ctime and atime (when this build wrote or read it):
# set them all to SOURCE_DATE_EPOCH too (debugfs, ~0.3 s).
ctime=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y%m%d%H%M%S)
(cd "$stage" && find . -printf '%P\n') | grep -v '"' |
	awk -v t="$ctime" '{ p = "/" $0; if (p ~ / /) p = "\"" p "\""   # debugfs: quotes only when needed (a \ must stay bare)
		printf "sif %s ctime %s\nsif %s atime %s\n", p, t, p, t }' >"$out/ctime.cmds"
debugfs -w -f "$out/ctime.cmds" "$out/root.img" >/dev/null 2>"$out/ctime.err" ||
	{ echo "mk-rootfs: debugfs failed: $(tail -3 "$out/ctime.err")" >&2; exit 1; }
rm -f "$out/ctime.cmds" "$out/ctime.err"
used=$(du -sm "$stage" | cut -f1)
rm -rf "$stage"
echo "mk-rootfs: root.img (${ROOT_MB} MiB partition, ${used} MiB used, kernel $kver) in $(($(date +%s) - t0)) s" >&2
