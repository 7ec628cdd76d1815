package proxy

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"strings"
)

// udpBound reports whether a UDP socket is bound to ip:port (or to the
// wildcard address and port), according to /proc/net/udp and udp6.
func udpBound(ip string, port int) bool {
	want := netip.MustParseAddr(ip)
	for _, f := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fields := strings.Fields(line)
			if len(fields) < 2 {
				continue
			}
			a, p, ok := parseProcAddr(fields[1])
			if ok && p == port && (a == want || a.IsUnspecified()) {
				return true
			}
		}
	}
	return false
}

func parseProcAddr(s string) (netip.Addr, int, bool) {
	h, ps, ok := strings.Cut(s, ":")
	if !ok {
		return netip.Addr{}, 0, false
	}
	var port int
	fmt.Sscanf(ps, "%X", &port)
	raw, err := hex.DecodeString(h)
	if err != nil {
		return netip.Addr{}, 0, false
	}
	// The kernel prints each 32-bit word in host (little-endian) order.
	for i := 0; i+4 <= len(raw); i += 4 {
		binary.BigEndian.PutUint32(raw[i:], binary.LittleEndian.Uint32(raw[i:]))
	}
	a, ok := netip.AddrFromSlice(raw)
	return a.Unmap(), port, ok
}
