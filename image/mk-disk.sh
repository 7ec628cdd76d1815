#!/usr/bin/env bash
# mk-disk.sh OUT — assemble the bootable disk from OUT/root.img and
# OUT/boot/{vmlinuz,initrd.img} (made by mk-rootfs.sh). Needs no root, no
# loop device and no mount: mkfs.fat + mtools + syslinux's mtools installer
# for the boot partition, mkfs.ext4 for the empty data partition, sfdisk on
# the image file.
#
#   OUT/sipslb.raw    MBR disk: p1 FAT boot (BIOS syslinux + UEFI
#                     BOOTX64.EFI), p2 ext4 root, p3 ext4 data (/var/lib/sipslb)
#   OUT/sipslb.qcow2  the same disk, compressed, for VMs
# Set NO_QCOW2=1 to skip the qcow2 (the boot test uses the raw image).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/layout.sh"
out=$(cd "${1:?usage: mk-disk.sh OUT}" && pwd)
export MTOOLS_SKIP_CHECK=1 E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH
t0=$(date +%s)
for f in root.img boot/vmlinuz boot/initrd.img; do
	[ -r "$out/$f" ] || { echo "mk-disk.sh: $out/$f missing: run mk-rootfs.sh first" >&2; exit 1; }
done
tmp=$out/disk.tmp
rm -rf "$tmp" && mkdir -p "$tmp"

# syslinux.cfg: no menu, no wait; the serial line is the console (the last
# console= becomes /dev/console).
cat >"$tmp/syslinux.cfg" <<CFG
SERIAL 0 115200
PROMPT 0
TIMEOUT 0
DEFAULT sipslb
LABEL sipslb
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND $KERNEL_CMDLINE
CFG

# p1: FAT. mcopy -m keeps the source files' mtimes (clamped here); the
# directories mmd makes and the ldlinux files syslinux writes carry the
# build time: the one documented difference between two builds (docs/image.md).
touch -d "@$SOURCE_DATE_EPOCH" "$tmp/syslinux.cfg"
for f in vmlinuz initrd.img; do
	cp "$out/boot/$f" "$tmp/$f" && touch -d "@$SOURCE_DATE_EPOCH" "$tmp/$f"
done
boot=$tmp/boot.img
mkfs.fat -n SIPSLBBOOT -i "$BOOT_VOLID" --invariant -C "$boot" $((BOOT_MB * 1024)) >/dev/null
mcopy -m -i "$boot" "$tmp/vmlinuz" ::/vmlinuz
mcopy -m -i "$boot" "$tmp/initrd.img" ::/initrd.img
mcopy -m -i "$boot" "$tmp/syslinux.cfg" ::/syslinux.cfg
mmd -i "$boot" ::/EFI ::/EFI/BOOT
mcopy -m -i "$boot" /usr/lib/SYSLINUX.EFI/efi64/syslinux.efi ::/EFI/BOOT/BOOTX64.EFI
mcopy -m -i "$boot" /usr/lib/syslinux/modules/efi64/ldlinux.e64 ::/EFI/BOOT/ldlinux.e64
mcopy -m -i "$boot" "$tmp/syslinux.cfg" ::/EFI/BOOT/syslinux.cfg
syslinux --install "$boot"

# p3: the data partition, empty; sipslb-firstboot fills it on first boot.
data=$tmp/data.img
mkfs.ext4 -q -F -L sipslb-data -U "$DATA_UUID" -E "root_owner=0:0,hash_seed=$DATA_UUID" "$data" "${DATA_MB}M" >/dev/null

raw=$out/sipslb.raw
rm -f "$raw"
truncate -s "${DISK_MB}M" "$raw"
sfdisk -q --no-reread --no-tell-kernel "$raw" <<PT
label: dos
label-id: $DISK_ID
start=${BOOT_START_MB}MiB, size=${BOOT_MB}MiB, type=ef, bootable
start=${ROOT_START_MB}MiB, size=${ROOT_MB}MiB, type=83
start=${DATA_START_MB}MiB, size=${DATA_MB}MiB, type=83
PT
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$raw" bs=440 count=1 conv=notrunc status=none
dd if="$boot" of="$raw" bs=1M seek="$BOOT_START_MB" conv=notrunc,sparse status=none
dd if="$out/root.img" of="$raw" bs=1M seek="$ROOT_START_MB" conv=notrunc,sparse status=none
dd if="$data" of="$raw" bs=1M seek="$DATA_START_MB" conv=notrunc,sparse status=none
rm -rf "$tmp"
t1=$(date +%s)
echo "mk-disk: $raw in $((t1 - t0)) s" >&2
if [ -z "${NO_QCOW2:-}" ]; then
	rm -f "$out/sipslb.qcow2"
	qemu-img convert -f raw -O qcow2 -c -m 4 -W "$raw" "$out/sipslb.qcow2"
	echo "mk-disk: $out/sipslb.qcow2 in $(($(date +%s) - t1)) s" >&2
fi
