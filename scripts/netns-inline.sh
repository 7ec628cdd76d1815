#!/bin/sh
# netns-inline.sh up|down PREFIX - the inline-mode test topology, in
# network namespaces only (the host's interfaces are never touched):
#
#   PREFIX-sw      holds bridges out0 (outside) and in0 (inside) and the
#                  switch ends of every veth
#   PREFIX-client  eth0 192.0.2.10/24 on out0; 10.0.0.0/24 via 192.0.2.2
#                  (what a server sends untranslated, from another port,
#                  comes from its own address)
#   PREFIX-lb      eth0 on out0, eth1 on in0, both up without addresses:
#                  sipslb puts ip address 192.0.2.2/24 on eth0 and
#                  ip inside-address 10.0.0.1/24 on eth1, and switches
#                  forwarding on for both
#   PREFIX-rs1..3  eth0 10.0.0.11..13/24 on in0, default via 10.0.0.1:
#                  nothing else (no VIP, no ARP settings)
#
# PREFIX must be unique per run (the Go test uses inl<pid>). `up` tears
# down whatever it built if any step fails; `down` deletes every PREFIX-*
# namespace and is safe to run twice. Needs root and iproute2.
set -eu

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

# plug NS IF BRIDGE: a veth from namespace NS (named IF there) to BRIDGE.
plug() {
	ip -n "$P-sw" link add "$1$2" type veth peer name "$2" netns "$P-$1"
	ip -n "$P-sw" link set "$1$2" master "$3"
	ip -n "$P-sw" link set "$1$2" up
	ip -n "$P-$1" link set "$2" up
}

up() {
	trap 'rc=$?; if [ $rc -ne 0 ]; then echo "netns-inline: up failed, tearing down" >&2; down; fi; exit $rc' EXIT
	for ns in sw client lb rs1 rs2 rs3; do
		ip netns add "$P-$ns"
		ip -n "$P-$ns" link set lo up
	done
	for br in out0 in0; do
		ip -n "$P-sw" link add "$br" type bridge
		ip -n "$P-sw" link set "$br" up
	done
	plug client eth0 out0
	plug lb eth0 out0
	plug lb eth1 in0
	ip -n "$P-client" addr add 192.0.2.10/24 dev eth0
	ip -n "$P-client" route add 10.0.0.0/24 via 192.0.2.2
	i=1
	for ns in rs1 rs2 rs3; do
		plug "$ns" eth0 in0
		ip -n "$P-$ns" addr add "10.0.0.1$i/24" dev eth0
		ip -n "$P-$ns" route add default via 10.0.0.1
		i=$((i + 1))
	done
	trap - EXIT
}

case "$cmd" in
up) up ;;
down) down ;;
*) echo "usage: $0 up|down PREFIX" >&2; exit 2 ;;
esac
