#!/usr/bin/env bash
# bench/deps.sh: installs what the SIPp comparison needs when it is missing:
# SIPp (Debian package sip-tester), Kamailio (kamailio: dispatcher, tm, sl,
# rr, maxfwd, textops, siputils, pv, ctl are all in the main package),
# iproute2 (ss), util-linux (taskset), tcpdump and python3 (the latency
# capture: run.sh -c, capture.py). Needs root and apt (Debian 12 here).
# The kamailio package's system service is never used: run.sh starts its
# own kamailio in the foreground.
set -euo pipefail
need=()
command -v sipp >/dev/null || need+=(sip-tester)
command -v kamailio >/dev/null || need+=(kamailio)
command -v ss >/dev/null || need+=(iproute2)
command -v taskset >/dev/null || need+=(util-linux)
command -v tcpdump >/dev/null || need+=(tcpdump)
command -v python3 >/dev/null || need+=(python3)
[ ${#need[@]} = 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "bench/deps.sh: missing ${need[*]}; install them as root: apt-get install ${need[*]}" >&2
	exit 1
fi
echo "bench/deps.sh: apt-get install ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
