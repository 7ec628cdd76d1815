#!/usr/bin/env bash
# test.sh OUT — the boot test behind `make test-image` (OUT built by
# build.sh). It builds a second, "upgrade" image from the same base with a
# different version string, then runs image/boottest in a network namespace
# that has only loopback.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out=$(cd "${1:?usage: test.sh OUT}" && pwd)
cd "$repo"
t0=$(date +%s)
up=$out-upgrade
mkdir -p "$up"
ver="$(git describe --always --dirty 2>/dev/null || echo dev)-upgrade-test"
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$ver" -o "$up/sipslb" .
sudo=
[ "$(id -u)" = 0 ] || sudo="sudo --preserve-env=SOURCE_DATE_EPOCH,BASE"
BASE=$out/base $sudo "$here/mk-rootfs.sh" "$up" "$up/sipslb"
NO_QCOW2=1 "$here/mk-disk.sh" "$up"
go build -o "$out/boottest" ./image/boottest
echo "test.sh: upgrade image ready in $(($(date +%s) - t0)) s" >&2
# A namespace with loopback only; without root, a user namespace gives the
# right to make it (qemu itself needs no privilege).
ns="unshare --net"
[ "$(id -u)" = 0 ] || ns="unshare --user --map-root-user --net"
$ns "$out/boottest" -image "$out" -upgrade "$up" -work "$out.boottest" -repo "$repo" -want-version "$ver"
