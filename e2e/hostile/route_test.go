package hostile

// Attacks on where the data path sends a message (address block
// 127.77.2.0/24): a real server's requests addressed to 0.0.0.0, to the
// broadcast or multicast addresses or to the VIP itself; a Call-ID the
// data path drops, asked of show sip hash; a request with LF line endings.

import (
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

// routeNet is this file's address block.
const routeNet = "127.77.2."

// peer is a UDP socket standing for a real server or a client; it keeps
// every datagram it receives.
type peer struct {
	conn *net.UDPConn
	mu   sync.Mutex
	got  []string
}

func newPeer(t *testing.T, addr string) *peer {
	t.Helper()
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(addr)))
	if err != nil {
		t.Fatal(err)
	}
	p := &peer{conn: c}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 65536)
		for {
			n, _, err := c.ReadFromUDP(buf)
			if err != nil {
				return
			}
			p.mu.Lock()
			p.got = append(p.got, string(buf[:n]))
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() { c.Close(); <-done })
	return p
}

// with returns the datagrams received so far that contain s.
func (p *peer) with(s string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, m := range p.got {
		if strings.Contains(m, s) {
			out = append(out, m)
		}
	}
	return out
}

func (p *peer) send(t *testing.T, to string, msg string) {
	t.Helper()
	if _, err := p.conn.WriteToUDPAddrPort([]byte(msg), netip.MustParseAddrPort(to)); err != nil {
		t.Fatal(err)
	}
}

// farmRequest is a request a real server sends toward a client, to the
// Request-URI uri, with line ending eol.
func farmRequest(method, uri, callID, from, eol string) string {
	return strings.Join([]string{
		method + " " + uri + " SIP/2.0",
		"Via: SIP/2.0/UDP " + from + ";branch=z9hG4bK-" + strings.NewReplacer("@", "-", ".", "-").Replace(callID),
		"From: <sip:bob@example.com>;tag=b1",
		"To: <sip:alice@example.com>;tag=a1",
		"Call-ID: " + callID,
		"CSeq: 2 " + method,
		"Max-Forwards: 70",
		"Content-Length: 0",
		"", ""}, eol)
}

// dropCount reads the count of a drop reason of the VIP port from show sip
// statistics (0 when the line is absent).
func dropCount(t *testing.T, stats, name string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(name) + `\s+(\d+)$`).FindStringSubmatch(stats)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestFarmCannotAimTheVIPAtBadDestinations: a real server (a UDP socket of
// this test) sends requests through the VIP whose Request-URI names
// 0.0.0.0, 255.255.255.255, a multicast group or the VIP port itself.
// None of them reaches the farm (before the fix, the kernel delivered the
// 0.0.0.0 one back to the VIP, from the VIP, and it was hashed to a real
// server as a client's request), none is sent anywhere, and show sip
// statistics counts each under bad-destination or loop. A request to a
// real client address still goes through, so the silence is not an
// outage. show sip hash "" says the data path drops that Call-ID, and a
// request with LF line endings reaches the server with LF line endings
// only.
func TestFarmCannotAimTheVIPAtBadDestinations(t *testing.T) {
	vip := routeNet + "100:5060"
	rs1 := newPeer(t, routeNet+"11:5060")
	rs2 := newPeer(t, routeNet+"12:5060")
	rs1other := newPeer(t, routeNet+"11:0") // rs1's address, another port
	client := newPeer(t, routeNet+"1:5062")
	cfg := fmt.Sprintf("hostname route\n"+
		"server real rs1 %s11\n port sip\n no port sip keepalive\n"+
		"server real rs2 %s12\n port sip\n no port sip keepalive\n"+
		"server virtual vip %s100\n port sip\n bind sip rs1 sip rs2 sip\n"+
		"end\n", routeNet, routeNet, routeNet)
	d := harness.StartLB(t, sipslbBin, harness.Options{StartupConfig: cfg})
	harness.WaitUDP(t, routeNet+"100", 5060)

	bad := []struct {
		from *peer
		uri  string
		why  string
	}{
		{rs1, "sip:alice@0.0.0.0", "bad-destination"},
		{rs1, "sip:alice@0.0.0.0:5060", "bad-destination"},
		{rs1other, "sip:alice@0.0.0.0:5060", "bad-destination"},
		{rs1, "sip:alice@255.255.255.255", "bad-destination"},
		{rs1, "sip:alice@255.255.255.255:5062", "bad-destination"},
		{rs1, "sip:alice@239.1.2.3:5062", "bad-destination"},
		{rs2, "sip:alice@[::ffff:0.0.0.0]:5060", "bad-destination"},
		{rs1, "sip:alice@" + vip, "loop"},
	}
	want := map[string]int{}
	for i, b := range bad {
		src := netip.MustParseAddrPort(b.from.conn.LocalAddr().String())
		b.from.send(t, vip, farmRequest("BYE", b.uri, fmt.Sprintf("route-bad-%d@x", i), src.String(), "\r\n"))
		want[b.why]++
	}
	// The control: a request to a real client address goes through.
	rs1.send(t, vip, farmRequest("BYE", "sip:alice@"+routeNet+"1:5062", "route-good@x", routeNet+"11:5060", "\r\n"))
	harness.WaitFor(t, 15*time.Second, "the control BYE at the client", func() bool { return len(client.with("route-good@x")) == 1 })
	time.Sleep(300 * time.Millisecond) // anything still in flight lands by now
	for name, p := range map[string]*peer{"rs1": rs1, "rs2": rs2, "rs1 other port": rs1other, "client": client} {
		if got := p.with("route-bad-"); len(got) > 0 {
			t.Errorf("%s received %d of the requests to bad destinations, first:\n%s", name, len(got), got[0])
		}
	}
	stats := d.CLI(t, "show sip statistics")
	for why, n := range want {
		if got := dropCount(t, stats, why); got != n {
			t.Errorf("drops %s = %d, want %d:\n%s", why, got, n, stats)
		}
	}
	if n := dropCount(t, stats, "send-error"); n != 0 {
		t.Errorf("send-error = %d: the daemon tried to send to a bad destination:\n%s", n, stats)
	}

	// show sip hash applies the scanner's Call-ID rule.
	out := d.CLI(t, `show sip hash ""`)
	if !strings.Contains(out, "dropped by the data path (bad-call-id)") || strings.Contains(out, "rs1:") || strings.Contains(out, "rs2:") {
		t.Errorf(`show sip hash "" names a server or does not say it is dropped:\n%s`, out)
	}

	// A request with LF line endings reaches the farm without a CR: our
	// Via follows the message's own line ending.
	client.send(t, vip, farmRequest("OPTIONS", "sip:svc@"+vip, "route-lf@x", routeNet+"1:5062", "\n"))
	var fwd []string
	harness.WaitFor(t, 15*time.Second, "the LF OPTIONS at a real server", func() bool {
		fwd = append(rs1.with("route-lf@x"), rs2.with("route-lf@x")...)
		return len(fwd) == 1
	})
	if strings.Contains(fwd[0], "\r") || !strings.Contains(fwd[0], "Via: SIP/2.0/UDP "+vip+";branch=") {
		t.Errorf("LF request forwarded as %q, want our Via and no CR", fwd[0])
	}
}
