package proxy

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"sipslb/slb/config"
	"sipslb/slb/dialog"
	"sipslb/slb/pool"
)

var (
	vip     = netip.MustParseAddrPort("192.0.2.100:5060")
	client  = netip.MustParseAddrPort("198.51.100.7:5062")
	rs1Addr = netip.MustParseAddrPort("192.0.2.11:5060")
	rs2Addr = netip.MustParseAddrPort("192.0.2.12:5060")
	t0      = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC).UnixNano()
)

// testConfig: rs1 proxy, rs2 registrar+proxy, both bound to vip:5060.
func testConfig(edit ...func(*config.Config)) *config.Config {
	c := config.New()
	c.Dialog.MaxEntries = 1024
	c.Reals = []*config.RealServer{
		{Name: "rs1", Addr: rs1Addr.Addr(), Weight: 1, Ports: []*config.RealPort{{Port: 5060, Role: config.RoleProxy}}},
		{Name: "rs2", Addr: rs2Addr.Addr(), Weight: 1, Ports: []*config.RealPort{{Port: 5060, Role: config.RoleBoth}}},
	}
	c.Virtuals = []*config.VirtualServer{{Name: "vip", Addr: vip.Addr(), Ports: []*config.VirtualPort{{
		Port: 5060, Binds: []config.Bind{{Real: "rs1", Port: 5060}, {Real: "rs2", Port: 5060}},
	}}}}
	for _, e := range edit {
		e(c)
	}
	return c
}

type fixture struct {
	reg  *pool.Registry
	st   *pool.State
	vp   *pool.VPort
	fwd  Forwarder
	out  []byte
	down map[string]bool
}

func newFixture(t testing.TB, c *config.Config) *fixture {
	f := &fixture{reg: pool.NewRegistry(1), out: make([]byte, 0, OutCap), down: map[string]bool{}}
	f.reg.SetDialogs(dialog.New(c.Dialog.MaxEntries, 4, 0))
	f.build(c)
	return f
}

func (f *fixture) build(c *config.Config) {
	f.st = pool.Build(c, func(real string, _ uint16, _ *config.RealPort) bool { return !f.down[real] }, f.reg)
	f.vp = f.st.VPorts[vip]
}

func (f *fixture) handle(pkt string, src netip.AddrPort) Result {
	return f.fwd.Handle(f.st, f.vp, []byte(pkt), src, t0, f.out[:0])
}

// msg turns a readable message (LF line ends) into SIP (CRLF).
func msg(s string) string {
	s = strings.TrimLeft(s, "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

func invite(callID string, extra ...string) string {
	return request("INVITE", callID, "", extra...)
}

func request(method, callID, toTag string, extra ...string) string {
	to := "To: <sip:bob@example.com>"
	if toTag != "" {
		to += ";tag=" + toTag
	}
	return msg("" +
		method + " sip:bob@192.0.2.100:5060 SIP/2.0\n" +
		"Via: SIP/2.0/UDP 198.51.100.7:5062;branch=z9hG4bK-c1;rport\n" +
		"From: <sip:alice@example.com>;tag=a1\n" +
		to + "\n" +
		"Call-ID: " + callID + "\n" +
		"CSeq: 1 " + method + "\n" +
		"Max-Forwards: 70\n" +
		strings.Join(append(extra, ""), "\n") +
		"Content-Length: 0\n\n")
}
