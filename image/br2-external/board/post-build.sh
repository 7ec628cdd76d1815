#!/bin/sh
# BR2_ROOTFS_POST_BUILD_SCRIPT: what image/mk-rootfs.sh does for the Debian
# build, for the Buildroot one. $1 is TARGET_DIR.
set -e
BOARD_DIR=$(dirname "$0")
TARGET_DIR=$1

# grub.cfg for both boot paths (genimage.cfg puts them on the FAT).
mkdir -p "$BINARIES_DIR/efi-part/EFI/BOOT" "$BINARIES_DIR/bios-part/boot/grub"
cp -f "$BOARD_DIR/grub.cfg" "$BINARIES_DIR/efi-part/EFI/BOOT/grub.cfg"
cp -f "$BOARD_DIR/grub.cfg" "$BINARIES_DIR/bios-part/boot/grub/grub.cfg"
cp -f "$TARGET_DIR/lib/grub/i386-pc/boot.img" "$BINARIES_DIR/"

# The data partition; root by PARTUUID (no initramfs), data by its fixed UUID.
cat >"$TARGET_DIR/etc/fstab" <<FSTAB
/dev/root / ext4 defaults,noatime,errors=remount-ro 0 1
UUID=5a1b5e7a-0000-4000-8000-000000000003 /var/lib/sipslb ext4 defaults,noatime,nodev,nosuid,noexec 0 2
FSTAB
install -d -m 0700 "$TARGET_DIR/var/lib/sipslb"

# Units from the rootfs/ overlay: enable them, and keep getty off ttyS0.
wants="$TARGET_DIR/etc/systemd/system/multi-user.target.wants"
mkdir -p "$wants"
for u in sipslb.service sipslb-console.service sipslb-firstboot.service; do
	ln -sf "../$u" "$wants/$u"
done
ln -sf /dev/null "$TARGET_DIR/etc/systemd/system/serial-getty@ttyS0.service"
