// Package snmp holds the end-to-end tests of the SNMP agent as the
// appliance runs it: the real sipslb binary (`sipslb boot`), configured
// with `snmp-server ...` through `sipslb cli -c`, SIPp UAS real servers
// and callers, and net-snmp's own tools (snmpget, snmpwalk, snmpbulkwalk,
// snmptrapd) loading our MIB files from mibs/.
//
// What it proves:
//   - Counters: after a known SIPp load, every per-real request/response/
//     dialog counter and every per-VIP method/class/drop counter read over
//     SNMPv2c and SNMPv3 authPriv (SHA/AES), with snmpget, snmpwalk and
//     snmpbulkwalk, in the SIP MIB and the ServerIron tables, equals what
//     `show server real` and `show sip statistics` print.
//   - USM: engine ID discovery, not-in-time-window resync (boots and time),
//     unsupported security level both ways, wrong community, wrong auth
//     key and wrong priv key each count in their counter and return no
//     data; snmpEngineBoots grows by one across a daemon restart on the
//     same state dir, with the same engine ID and working v3 keys.
//   - Notifications: a real server that dies sends the ServerIron port-down
//     and server-down traps (and port-up, server-up when it returns) to a
//     v2c and a v3 authPriv snmptrapd, with the server's name, address and
//     port; a boot (unknown -> up) sends none.
//
// Invariants:
//   - Every test uses its own 127.55.N.0/24 block (N is the test's number),
//     its own state dir, and its own net-snmp config and persistent dirs
//     (SNMPCONFPATH, SNMP_PERSISTENT_DIR), so tests and other packages run
//     in parallel without collisions. All traffic stays on loopback.
//   - Every process a test starts is killed in t.Cleanup; every wait and
//     every tool run is bounded.
//   - A missing tool (sipp, net-snmp, snmptrapd, the IETF base MIBs) fails
//     the test (harness.NeedTools); `make test` installs them first.
//   - Counters are compared only while they are stable: `show` is read
//     before and after the SNMP reads and the round is retried when the
//     two differ.
//
// smilint over mibs/ is not repeated here: sys/snmp's TestMIBFilesLint
// runs it.
//
// TestMain builds sipslb from this tree; SIPSLB_BIN=/path/to/sipslb runs
// the tests against a prebuilt binary instead.
package snmp
