#!/usr/bin/env bash
# build.sh OUT BINARY — the whole image: root file system (root, via sudo
# when not root) then the disk images (unprivileged).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUT BINARY} bin=${2:?usage: build.sh OUT BINARY}
mkdir -p "$out"
t0=$(date +%s)
"$bin" check-config "$here/../rootfs/usr/share/sipslb/factory-config" >/dev/null ||
	{ echo "build.sh: rootfs/usr/share/sipslb/factory-config does not pass check-config" >&2; exit 1; }
sudo=
[ "$(id -u)" = 0 ] || sudo="sudo --preserve-env=SOURCE_DATE_EPOCH,BASE"
$sudo "$here/mk-rootfs.sh" "$out" "$bin"
"$here/mk-disk.sh" "$out"
echo "build.sh: $out/sipslb.raw $out/sipslb.qcow2 in $(($(date +%s) - t0)) s" >&2
