package pool

import (
	"net/netip"
	"testing"

	"sipslb/slb/config"
	"sipslb/slb/reason"
)

// Destination refuses unspecified, broadcast and multicast addresses and
// our own (every VIP port; a VIP address or loopback behind a public VIP),
// and on a loopback VIP lets loopback peers through. It never allocates.
func TestDestination(t *testing.T) {
	c := cfg()
	c.Virtuals = append(c.Virtuals,
		&config.VirtualServer{Name: "off", Addr: netip.MustParseAddr("192.0.2.200"), Disabled: true, Ports: []*config.VirtualPort{{Port: 5060}}},
		&config.VirtualServer{Name: "lo", Addr: netip.MustParseAddr("127.0.0.100"), Ports: []*config.VirtualPort{{Port: 5060}}})
	st := Build(c, all, NewRegistry(1))
	public, lo := st.VPorts[vipAddr], st.VPorts[netip.MustParseAddrPort("127.0.0.100:5060")]
	for _, tc := range []struct {
		vp   *VPort
		to   string
		want reason.Reason
	}{
		{public, "198.51.100.7:5062", reason.OK},
		{public, "[2001:db8::7]:5062", reason.OK},
		{public, "0.0.0.0:5060", reason.BadDestination},
		{public, "0.9.9.9:5060", reason.BadDestination},
		{public, "[::]:5060", reason.BadDestination},
		{public, "255.255.255.255:5060", reason.BadDestination},
		{public, "240.0.0.1:5060", reason.BadDestination},
		{public, "223.255.255.255:5060", reason.OK},
		{public, "[::ffff:255.255.255.255]:5060", reason.BadDestination},
		{public, "224.0.0.1:5060", reason.BadDestination},
		{public, "[ff05::1:3]:5060", reason.BadDestination},
		{public, "192.0.2.100:5060", reason.Loop},
		{public, "192.0.2.100:5999", reason.Loop},
		{public, "[::ffff:192.0.2.100]:5999", reason.Loop},
		{public, "192.0.2.200:5060", reason.Loop}, // disabled virtual server
		{public, "127.0.0.100:5070", reason.Loop}, // loopback behind a public VIP
		{public, "127.0.0.1:22", reason.Loop},
		{public, "[::1]:5060", reason.Loop},
		{lo, "127.0.0.1:5062", reason.OK},
		{lo, "127.0.0.100:5070", reason.OK}, // the loopback VIP's address, another port
		{lo, "127.0.0.100:5060", reason.Loop},
		{lo, "192.0.2.100:5070", reason.Loop},
		{lo, "0.0.0.0:5060", reason.BadDestination},
	} {
		if got := st.Destination(tc.vp, netip.MustParseAddrPort(tc.to)); got != tc.want {
			t.Errorf("from %v to %s: %v, want %v", tc.vp.Addr, tc.to, got, tc.want)
		}
	}
	if !st.FromSelf(vipAddr) || !st.FromSelf(netip.MustParseAddrPort("[::ffff:192.0.2.100]:5060")) || st.FromSelf(src) {
		t.Error("FromSelf")
	}
	to := netip.MustParseAddrPort("198.51.100.7:5062")
	if n := testing.AllocsPerRun(100, func() { st.Destination(public, to) }); n != 0 {
		t.Errorf("Destination allocates %v", n)
	}
}
