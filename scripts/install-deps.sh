#!/usr/bin/env bash
# Installs the real peers the tests talk to (SIPp, net-snmp, smitools,
# OpenSSH client, iproute2, tcpdump, systemd for systemd-analyze) when they
# are missing, Prometheus (server and promtool), and a C compiler for -race
# builds. `make test` runs it first (make deps), so a fresh Debian machine
# with Go needs no step by hand. Needs root and Debian when something is
# missing; does nothing when everything is there. apt-get update runs
# before any install, so a fresh machine's empty package lists work.
set -euo pipefail
need=()
command -v sipp >/dev/null || need+=(sip-tester)
command -v snmpget >/dev/null || need+=(snmp)
command -v snmptrapd >/dev/null || need+=(snmptrapd)
command -v smilint >/dev/null || need+=(smitools)
command -v ssh >/dev/null || need+=(openssh-client)
command -v ip >/dev/null || need+=(iproute2)
command -v tcpdump >/dev/null || need+=(tcpdump)
# e2e/ssh verifies the units with systemd-analyze in a staged root made of
# systemd's own units (/lib/systemd/system) and /bin/kill (ExecReload).
command -v systemd-analyze >/dev/null && [ -e /lib/systemd/system/sysinit.target ] || need+=(systemd)
[ -x /bin/kill ] || need+=(procps)
# sys/metrics and e2e/metrics: promtool checks the alert rules and the
# exposition, and a real Prometheus server scrapes the daemon.
command -v prometheus >/dev/null && command -v promtool >/dev/null || need+=(prometheus)
# go test -race (and a -race SIPSLB_BIN for the e2e tests) needs cgo.
command -v gcc >/dev/null || need+=(gcc libc6-dev)
# Debian's net-snmp ships no IETF base MIBs (SNMPv2-SMI...), which our MIB
# files import; erlang-snmp is the package in main that has them.
ls /usr/lib/erlang/lib/snmp-*/mibs/SNMPv2-SMI.mib >/dev/null 2>&1 || need+=(erlang-snmp)
if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "install-deps: need ${need[*]} (run as root or install them)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
