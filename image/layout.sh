# layout.sh — the disk layout every image of this appliance shares. Sourced.
#
# The offsets are fixed on purpose: an upgrade writes a new boot and root
# partition over the old ones and leaves the data partition (p3) alone, so p3
# must start at the same sector in every release. Changing any number here
# is a layout break: document it in docs/image.md and give upgrade.sh a
# migration.
BOOT_START_MB=1
BOOT_MB=96
ROOT_START_MB=$((BOOT_START_MB + BOOT_MB))   # 97
ROOT_MB=1024
DATA_START_MB=$((ROOT_START_MB + ROOT_MB))   # 1121
DATA_MB=64
DISK_MB=$((DATA_START_MB + DATA_MB))         # 1185

# Fixed file-system identities: root=UUID= and fstab work whatever the disk
# is called (vda, sda, nvme0n1), and two builds produce the same bytes.
ROOT_UUID=5a1b5e7a-0000-4000-8000-000000000002
DATA_UUID=5a1b5e7a-0000-4000-8000-000000000003
BOOT_VOLID=5A1B0001
DISK_ID=0x5a1b5e7a

hostname_default=sipslb

# 2025-01-01T00:00:00Z unless the caller pins another (e.g. the commit time).
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1735689600}

KERNEL_CMDLINE="root=UUID=$ROOT_UUID ro console=tty0 console=ttyS0,115200n8 net.ifnames=0 quiet loglevel=3 systemd.show_status=true"
