#!/usr/bin/env bash
# upgrade.sh — move an appliance to a new image and keep its data partition
# (/var/lib/sipslb: startup-config, SSH host keys, SNMP engine boots).
#
#   upgrade.sh vm OLD-DISK NEW-IMAGE OUT.qcow2
#       For VMs. OUT.qcow2 becomes a qcow2 overlay on NEW-IMAGE (raw or
#       qcow2, kept read-only) with partition 3 copied from OLD-DISK. OLD-DISK
#       is not modified: booting it again is the rollback. Stop the VM first.
#   upgrade.sh disk TARGET NEW-IMAGE.raw
#       For a box's disk (or a raw image file), from another system (a
#       rescue stick or the disk in another machine): writes partitions 1
#       and 2 (boot, root) of NEW-IMAGE over TARGET's, leaves partition 3
#       alone. Rollback: the same command with the previous image file.
#
# Both refuse unless OLD and NEW have the same partition table (image/
# layout.sh): the data partition must stay where it is. Needs no root for
# files; writing a block device needs the rights to it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/layout.sh"
die() { echo "upgrade.sh: $*" >&2; exit 1; }
fmt() { qemu-img info --output=json "$1" | sed -n 's/.*"format": "\([a-z0-9]*\)".*/\1/p' | head -1; }

# ptable FILE: the four MBR partition entries (bytes 446..509), hex.
ptable() {
	local f=$1 tmp
	tmp=$(mktemp)
	if [ -b "$f" ]; then
		dd if="$f" of="$tmp" bs=512 count=1 status=none
	else
		qemu-img dd -f "$(fmt "$f")" -O raw if="$f" of="$tmp" bs=512 count=1 2>/dev/null
	fi
	od -An -tx1 -j446 -N64 "$tmp" | tr -d ' \n'
	rm -f "$tmp"
}

same_layout() {
	local a b
	a=$(ptable "$1") b=$(ptable "$2")
	[ -n "$a" ] && [ "$a" = "$b" ] || die "partition tables of $1 and $2 differ: the data partition would move (see docs/image.md, layout changes)"
}

mode=${1:-}
case "$mode" in
vm)
	[ $# = 4 ] || die "usage: upgrade.sh vm OLD-DISK NEW-IMAGE OUT.qcow2"
	old=$2 new=$(readlink -f "$3") outq=$4
	[ -e "$outq" ] && die "$outq exists; will not overwrite"
	same_layout "$old" "$new"
	qemu-img create -q -f qcow2 -F "$(fmt "$new")" -b "$new" "$outq"
	off=$((DATA_START_MB * 1024 * 1024)) size=$((DATA_MB * 1024 * 1024))
	qemu-img convert -n \
		--image-opts "driver=raw,offset=$off,size=$size,file.driver=$(fmt "$old"),file.file.filename=$old" \
		--target-image-opts "driver=raw,offset=$off,size=$size,file.driver=qcow2,file.file.filename=$outq"
	echo "upgrade.sh: $outq = $new + data partition of $old"
	;;
disk)
	[ $# = 3 ] || die "usage: upgrade.sh disk TARGET NEW-IMAGE.raw"
	target=$2 new=$3
	[ "$(fmt "$new")" = raw ] || die "$new is not a raw image (use sipslb.raw)"
	same_layout "$target" "$new"
	if [ -b "$target" ] && grep -q "^$target" /proc/mounts; then
		die "$target has mounted partitions; upgrade from another system"
	fi
	dd if="$new" of="$target" bs=1M count="$DATA_START_MB" conv=notrunc,fsync status=none
	echo "upgrade.sh: wrote boot and root partitions of $new to $target; data partition kept"
	;;
*)
	die "usage: upgrade.sh vm OLD-DISK NEW-IMAGE OUT.qcow2 | upgrade.sh disk TARGET NEW-IMAGE.raw"
	;;
esac
