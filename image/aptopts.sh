#!/usr/bin/env bash
# aptopts.sh — the build machine's apt settings that mmdebstrap must share,
# printed one mmdebstrap argument per line (--aptopt=...).
#
# mmdebstrap runs apt with a configuration of its own: the host's
# /etc/apt/apt.conf.d is not read. A build machine that points at a
# snapshot mirror (snapshot.debian.org, or a frozen internal copy) whose
# Release files are past their Valid-Until date tells its apt to accept
# them (Acquire::Check-Valid-Until "false"); without passing that on, the
# image build fails on the same mirror that `apt-get update` accepts.
# The proxies go along for the same reason. Nothing is printed for a
# setting the host leaves at apt's default.
#
# apt-config honours APT_CONFIG, so a test can point it at a file.
set -euo pipefail
opts=(Acquire::Check-Valid-Until Acquire::Check-Date Acquire::Max-ValidTime
	Acquire::http::Proxy Acquire::https::Proxy)
for o in "${opts[@]}"; do
	# `apt-config shell` prints an assignment only for a set option, with
	# the value quoted for the shell.
	eval "$(apt-config shell v "$o")"
	if [ -n "${v+set}" ]; then
		printf -- '--aptopt=%s "%s"\n' "$o" "$v"
		unset v
	fi
done
