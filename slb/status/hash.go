package status

// HashRoute answers `show sip hash CALL-ID`: where one VIP port sends a
// Call-ID for one method group, and why.
type HashRoute struct {
	Virtual string
	Port    uint16
	Group   string // "proxy" (INVITE and all but REGISTER), "registrar", "any (sip-switch off)"
	Key     uint64 // hash of the Call-ID
	// Via is "dialog table" when a live entry decides, "hash" when the
	// Maglev table does, "client address" with sip-switch off, "none" when
	// the group has no server, "dropped" when the data path drops any
	// message with this Call-ID (Drop says why).
	Via      string
	Drop     string // the drop reason's counter name, e.g. "bad-call-id"
	Real     string
	RealPort uint16
	Addr     string
	Share    float64 // the server's share of new Call-IDs in the group
	Note     string  // e.g. "draining: keeps its dialogs", "max-conn reached"
}
