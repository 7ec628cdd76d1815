package reason

// Frame is why a frame-level data path (dsr, inline) dropped an Ethernet
// frame before it knew its VIP port (so no VIP port can count it): counted
// per data interface,
// shown by `show sip statistics` and served as the SIP MIB's DSR drop
// table (value+1 is the row index). Append only, as Reason.
type Frame uint8

const (
	FrameOK         Frame = iota
	FrameShort            // shorter than Ethernet + IPv4 headers
	FrameNotIPv4          // not EtherType IPv4 (the BPF filter lets none through)
	FrameBadIP            // bad version, header length or total length
	FrameNotUDP           // not UDP
	FrameBadUDP           // UDP header cut or length out of range
	FrameNoVPort          // no DSR or inline VIP port at its destination (inline, outbound: no inline-bound real port at its source)
	FrameFragOrphan       // a later fragment without its first fragment's choice
	FrameSendError        // the kernel refused to send it
	FrameLoop             // inline: a server's datagram to a VIP, which would come straight back

	// NumFrames is the number of Frame values.
	NumFrames = int(iota)
)

var frameNames = [NumFrames]string{"ok", "short", "not-ipv4", "bad-ip", "not-udp", "bad-udp", "no-vport", "frag-orphan", "send-error", "loop"}

// String returns the stable counter name.
func (f Frame) String() string {
	if int(f) < NumFrames {
		return frameNames[f]
	}
	return "unknown"
}
