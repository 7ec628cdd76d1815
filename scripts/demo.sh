#!/usr/bin/env bash
# sipslb demo: two SIP servers (SIPp UAS) behind one VIP, a few thousand
# calls from a SIPp UAC, then the balancer's own view of the split.
#
#   VIP            127.0.0.100:5060   (sipslb, proxy mode)
#   real servers   127.0.0.11:5060, 127.0.0.12:5060  (sipp -sn uas)
#   caller         127.0.0.50:5061    (sipp -sn uac)
#
# Needs SIPp (Debian package sip-tester). If it is missing the script
# installs it with apt-get, which needs root; as another user it stops and
# says so. Everything runs on loopback, in a temporary state directory, and
# every process started here is stopped (by its PID) on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

CALLS=${CALLS:-3000}
RATE=${RATE:-300}

if ! command -v sipp >/dev/null; then
	if [ "$(id -u)" != 0 ]; then
		echo "demo: SIPp is missing; install it as root: apt-get install -y sip-tester" >&2
		exit 1
	fi
	echo "demo: installing SIPp (apt-get install sip-tester)..."
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends sip-tester >/dev/null
fi

echo "demo: building bin/sipslb"
make -s build
BIN=$PWD/bin/sipslb

STATE=$(mktemp -d /tmp/sipslb-demo.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.5
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	rm -rf "$STATE"
}
trap cleanup EXIT

for ip in 127.0.0.11 127.0.0.12 127.0.0.100; do
	if ss -Hlun "src $ip:5060" 2>/dev/null | grep -q .; then
		echo "demo: $ip:5060/udp is already in use" >&2
		exit 1
	fi
done

echo "demo: starting two UAS (real servers) and the daemon (state dir $STATE)"
for ip in 127.0.0.11 127.0.0.12; do
	mkdir -p "$STATE/uas-$ip"
	(cd "$STATE/uas-$ip" && exec sipp -sn uas -aa -i "$ip" -p 5060 -mi "$ip" -nostdin >/dev/null 2>&1) &
	PIDS+=($!)
done
"$BIN" boot --state-dir "$STATE" >"$STATE/sipslb.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -S "$STATE/sipslb.sock" ] && break; sleep 0.1; done
[ -S "$STATE/sipslb.sock" ] || { echo "demo: sipslb did not start:" >&2; cat "$STATE/sipslb.log" >&2; exit 1; }

cli() { "$BIN" cli --state-dir "$STATE" "$@"; }
echo "demo: configuring through the CLI"
cli -c 'configure terminal' \
	-c 'server real sip1 127.0.0.11' -c 'port sip' -c 'exit' \
	-c 'server real sip2 127.0.0.12' -c 'port sip' -c 'exit' \
	-c 'server virtual vip1 127.0.0.100' -c 'port sip' -c 'bind sip sip1 sip sip2 sip' -c 'end' \
	-c 'show running-config'

echo "demo: placing $CALLS calls at $RATE calls/s through 127.0.0.100:5060"
mkdir -p "$STATE/uac"
set +e
(cd "$STATE/uac" && timeout $((CALLS / RATE + 60)) sipp -sn uac -i 127.0.0.50 -p 5061 -mi 127.0.0.50 -nostdin \
	-m "$CALLS" -r "$RATE" -trace_stat -stf uac.csv 127.0.0.100:5060 >/dev/null 2>&1)
rc=$?
set -e
echo "demo: SIPp UAC exit code $rc (0 = every call succeeded)"
echo
cli -c 'show server real'
echo
cli -c 'show sip statistics'
echo
cli -c 'show sip hash demo-call-1@example.com'
exit $rc
