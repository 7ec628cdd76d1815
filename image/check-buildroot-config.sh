#!/usr/bin/env bash
# check-buildroot-config.sh BUILDROOT-TREE — the static check of
# buildroot.config that needs no network and builds nothing:
#  1. every BR2_* name in buildroot.config is declared by a `config NAME`
#     (or `menuconfig NAME`) line in the tree's Config.in* files or in
#     image/br2-external;
#  2. with --kconfig, Buildroot's own kconfig loads it (defconfig) and every
#     line survives into .config (savedefconfig would drop only defaults).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
br=${1:?usage: check-buildroot-config.sh BUILDROOT-TREE [--kconfig]}
[ -f "$br/Config.in" ] || { echo "$br is not a Buildroot tree" >&2; exit 1; }
declared=$(mktemp)
trap 'rm -f "$declared"' EXIT
find "$br" "$here/br2-external" -name 'Config.in*' -print0 |
	xargs -0 sed -n 's/^\(menu\)\{0,1\}config[[:space:]]\{1,\}\(BR2_[A-Za-z0-9_]*\).*/\2/p' | sort -u >"$declared"
bad=0
# Option lines only (NAME=value, "# NAME is not set"), not the comments.
for n in $(sed -n -e 's/^\(BR2_[A-Za-z0-9_]*\)=.*/\1/p' -e 's/^# \(BR2_[A-Za-z0-9_]*\) is not set$/\1/p' "$repo/buildroot.config" | sort -u); do
	grep -qx "$n" "$declared" || { echo "unknown option: $n"; bad=1; }
done
[ $bad = 0 ] && echo "check-buildroot-config: every option name is declared in $br"
if [ "${2:-}" = --kconfig ]; then
	o=$(mktemp -d)
	make -s -C "$br" O="$o" BR2_EXTERNAL="$here/br2-external" BR2_DEFCONFIG="$repo/buildroot.config" defconfig
	while IFS= read -r l; do
		case "$l" in BR2_*=*|"# BR2_"*" is not set") ;; *) continue ;; esac
		grep -qxF -- "$l" "$o/.config" || { echo "not in .config after defconfig: $l"; bad=1; }
	done <"$repo/buildroot.config"
	[ $bad = 0 ] && echo "check-buildroot-config: kconfig kept every line"
	rm -rf "$o"
fi
exit $bad
