// Package snmp is the appliance's SNMP agent: SNMPv1, SNMPv2c and SNMPv3
// (USM, RFC 3414) over UDP, read-only, built on the gosnmp codec.
//
// gosnmp encodes and decodes PDUs; everything an agent needs beyond that is
// here: community and source-prefix checks, the USM checks gosnmp skips
// (engine ID, user, security level, digest, time window, decryption, each
// answered with its usmStats Report), engine boots persistence, a MIB
// registry that answers Get/GetNext/GetBulk, response size bounding and
// notifications.
//
// Invariants:
//   - The agent never writes: every SET is refused (v2c/v3 notWritable,
//     v1 noSuchName as RFC 3584 maps it).
//   - One Source.Snapshot call per request PDU; tables are built from that
//     one View, so a walk step never mixes two snapshots.
//   - A v1 manager never sees a Counter64: Get answers noSuchName and
//     GetNext skips them (RFC 3584 4.2.2.1).
//   - A response never exceeds the manager's msgMaxSize (v3) or the
//     configured maximum: GetBulk is truncated, other PDUs get tooBig.
//   - snmpEngineBoots is read, incremented and written back (temp file,
//     fsync, rename, fsync dir) before the first packet is answered.
//   - The packet handler never panics on any input (FuzzDecode).
//   - The OIDs registered here equal the objects defined in mibs/
//     (TestMIBFilesAgree).
package snmp
