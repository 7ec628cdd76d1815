package hash

import "github.com/cespare/xxhash/v2"

// Key hashes the Call-ID value bytes exactly as they appear on the wire.
// RFC 3261 compares Call-IDs byte for byte (case-sensitive), so no folding
// is done. The result does not depend on the process or the machine.
func Key(callID []byte) uint64 {
	return xxhash.Sum64(callID)
}

// KeyString is Key for a string, without converting it to a byte slice; it
// serves the CLI (`show sip hash CALL-ID`) and returns the same value as Key.
func KeyString(callID string) uint64 {
	return xxhash.Sum64String(callID)
}
