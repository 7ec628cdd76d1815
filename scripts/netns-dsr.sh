#!/bin/sh
# netns-dsr.sh up|down PREFIX - the DSR test topology, in network
# namespaces only (the host's interfaces are never touched):
#
#   PREFIX-sw      holds bridge br0 and the switch ends of every veth
#   PREFIX-client  eth0 198.51.100.10/24, arp_accept=1
#   PREFIX-lb      eth0 up, no address (sipslb puts its own on it:
#                  ip address 198.51.100.2 255.255.255.0), ip_forward=0
#   PREFIX-rs1..3  eth0 198.51.100.21..23/24, VIP 198.51.100.100/32 on lo,
#                  arp_ignore=1 and arp_announce=2
#
# PREFIX must be unique per run (the Go test uses dsr<pid>) so parallel runs
# never clash; namespace names stay short. `up` tears down whatever it built
# if any step fails; `down` deletes every PREFIX-* namespace and is safe
# to run twice. Needs root and iproute2.
set -eu

VIP=198.51.100.100
cmd=${1:-}
P=${2:-}
case "$P" in
''|*[!A-Za-z0-9]*) echo "usage: $0 up|down PREFIX (letters and digits)" >&2; exit 2 ;;
esac

down() {
	for ns in client lb rs1 rs2 rs3 sw; do
		ip netns pids "$P-$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip netns del "$P-$ns" 2>/dev/null || true
	done
}

up() {
	trap 'rc=$?; if [ $rc -ne 0 ]; then echo "netns-dsr: up failed, tearing down" >&2; down; fi; exit $rc' EXIT
	for ns in sw client lb rs1 rs2 rs3; do
		ip netns add "$P-$ns"
		ip -n "$P-$ns" link set lo up
	done
	ip -n "$P-sw" link add br0 type bridge
	ip -n "$P-sw" link set br0 up
	for ns in client lb rs1 rs2 rs3; do
		ip -n "$P-sw" link add "$ns" type veth peer name eth0 netns "$P-$ns"
		ip -n "$P-sw" link set "$ns" master br0
		ip -n "$P-sw" link set "$ns" up
		ip -n "$P-$ns" link set eth0 up
	done
	ip -n "$P-client" addr add 198.51.100.10/24 dev eth0
	ip netns exec "$P-client" sysctl -qw net.ipv4.conf.all.arp_accept=1 net.ipv4.conf.eth0.arp_accept=1
	ip netns exec "$P-lb" sysctl -qw net.ipv4.ip_forward=0
	i=1
	for ns in rs1 rs2 rs3; do
		ip -n "$P-$ns" addr add "198.51.100.2$i/24" dev eth0
		ip -n "$P-$ns" addr add "$VIP/32" dev lo
		ip netns exec "$P-$ns" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
			net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2
		i=$((i + 1))
	done
	trap - EXIT
}

case "$cmd" in
up) up ;;
down) down ;;
*) echo "usage: $0 up|down PREFIX" >&2; exit 2 ;;
esac
