package proxy

import (
	"strings"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

// REGISTER goes to registrars only, every other method to proxies.
func TestRegisterReachesOnlyRegistrar(t *testing.T) {
	harness.NeedTools(t, "sipp")
	t.Parallel()
	const n, regs, calls = 30, 200, 200
	proxy := uas(t, "proxy", ipn(n, 11), 5060, "uas.xml")
	registrar := uas(t, "registrar", ipn(n, 12), 5060, "uas_register.xml")
	l := startLB(t)
	l.Configure(t,
		"server real rs1 "+ipn(n, 11), "port sip", "port sip sip-server-type proxy", "exit",
		"server real rs2 "+ipn(n, 12), "port sip", "port sip sip-server-type registrar", "exit",
		"server virtual vip "+ipn(n, 100), "port sip", "bind sip rs1 sip rs2 sip")
	harness.WaitUDP(t, ipn(n, 100), 5060)
	u, code := uac(t, ipn(n, 1), 5061, ipn(n, 100)+":5060", "uac_register.xml", regs, 100, 30*time.Second)
	checkCalls(t, u, code, regs)
	u, code = uac(t, ipn(n, 2), 5061, ipn(n, 100)+":5060", "uac.xml", calls, 100, 30*time.Second)
	checkCalls(t, u, code, calls)
	harness.StopAll(proxy, registrar)
	pc, rc := proxy.Counts(t), registrar.Counts(t)
	if got := sum(rc, "_REGISTER_Recv"); got != regs {
		t.Errorf("registrar received %d REGISTER, want %d", got, regs)
	}
	if got := sum(pc, "_INVITE_Recv"); got != calls {
		t.Errorf("proxy received %d INVITE, want %d", got, calls)
	}
	if un := sum(pc, "_Unexp") + sum(rc, "_Unexp"); un != 0 {
		t.Errorf("%d unexpected messages: a REGISTER reached the proxy or an INVITE the registrar", un)
	}
	if out := l.CLI(t, "show sip hash some-call-id@host"); !strings.Contains(out, "registrar  hash  rs2:sip") {
		t.Errorf("show sip hash does not send REGISTER to rs2:\n%s", out)
	}
}

// A basic call test on an IPv6 VIP (::1, ports of this test's own).
func TestIPv6Calls(t *testing.T) {
	harness.NeedTools(t, "sipp")
	t.Parallel()
	const calls = 300
	u1 := uas(t, "uas1", "::1", 25311, "uas.xml", "-mp", "25401")
	u2 := uas(t, "uas2", "::1", 25312, "uas.xml", "-mp", "25411")
	l := startLB(t)
	l.Configure(t,
		"server real rs6a ::1", "port 25311", "exit",
		"server real rs6b ::1", "port 25312", "exit",
		"server virtual vip6 ::1", "port 25310", "bind 25310 rs6a 25311 rs6b 25312")
	harness.WaitUDP(t, "::1", 25310)
	u, code := uac(t, "::1", 25313, "[::1]:25310", "uac.xml", calls, 100, 30*time.Second, "-mp", "25421")
	checkCalls(t, u, code, calls)
	harness.StopAll(u1, u2)
	a, b := sum(u1.Counts(t), "_INVITE_Recv"), sum(u2.Counts(t), "_INVITE_Recv")
	t.Logf("uas1 %d, uas2 %d", a, b)
	if a+b != calls || a == 0 || b == 0 {
		t.Errorf("INVITEs: uas1 %d, uas2 %d, want %d split over both", a, b, calls)
	}
}
