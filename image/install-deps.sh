#!/usr/bin/env bash
# Installs the Debian packages the image build and boot test need, when
# missing (see docs/image.md). Needs root and apt.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null; }
have mmdebstrap || need+=(mmdebstrap)
have qemu-system-x86_64 || need+=(qemu-system-x86)
have qemu-img || need+=(qemu-utils)
have syslinux || need+=(syslinux)
[ -f /usr/lib/syslinux/mbr/mbr.bin ] || need+=(syslinux-common)
[ -f /usr/lib/SYSLINUX.EFI/efi64/syslinux.efi ] || need+=(syslinux-efi)
[ -f /usr/share/OVMF/OVMF_CODE_4M.fd ] || need+=(ovmf)
have mcopy || need+=(mtools)
have mkfs.fat || need+=(dosfstools)
have sfdisk || need+=(fdisk)
have mkfs.ext4 || need+=(e2fsprogs)
have unshare || need+=(util-linux)
have ip || need+=(iproute2)
have sipp || need+=(sip-tester)
have snmpget || need+=(snmp)
if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "image/install-deps.sh: need ${need[*]} (run as root or install them)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
