package hostile

// Reflection through the VIP by what a Via claims (address block
// 127.77.1.0/24): a client's forged received/rport, and forged responses
// carrying the balancer's branch prefix. The real server is a small UDP
// UAS of the test's own, so the test knows exactly what reached it and
// can send from its socket.

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

const (
	viaNet    = "127.77.1."
	viaVIP    = viaNet + "100"
	viaReal   = viaNet + "11"
	viaClient = viaNet + "20"
	viaOther  = viaNet + "30" // neither client of these calls nor server
	viaVictim = viaNet + "77"
)

// TestViaCannotReflect boots the real sipslb with one real server and checks
// that (1) the 180/200 to an INVITE whose top Via names another host and
// port in received/rport come back to the socket that sent it, and (2)
// responses with a made-up branch, or a real branch sent from a non-server
// or redirected to a victim, are not relayed and are counted by reason in
// `show sip statistics`. Victim sockets on the addresses the forgeries name
// must receive nothing.
func TestViaCannotReflect(t *testing.T) {
	uas := startViaUAS(t, viaReal+":5060")
	l := harness.StartLB(t, sipslbBin, harness.Options{})
	l.Configure(t,
		"server real rs1 "+viaReal, "port sip", "exit",
		"server virtual vip "+viaVIP, "port sip", "bind sip rs1 sip")
	harness.WaitFor(t, 20*time.Second, "rs1 healthy", func() bool {
		for _, ln := range strings.Split(l.CLI(t, "show server real rs1"), "\n") {
			if f := strings.Fields(ln); len(f) > 1 && f[0] == "sip" && f[1] == "ACT" {
				return true
			}
		}
		return false
	})

	victims := []*net.UDPConn{
		viaListen(t, viaVictim+":9999"), viaListen(t, viaVictim+":7777"), viaListen(t, viaVictim+":5060"),
		viaListen(t, viaClient+":9999"), viaListen(t, viaClient+":7777"),
	}
	client := viaListen(t, viaClient+":0")
	cport := client.LocalAddr().(*net.UDPAddr).Port
	vip := netip.MustParseAddrPort(viaVIP + ":5060")

	// (1) Forged received/rport: every answer reaches the real source.
	forged := []string{
		"received=" + viaVictim + ";rport=9999",
		"rport=1",
		"rport = 7777",
		"received = " + viaVictim + " ; rport = 9999",
		"received=" + viaVictim, // no rport: the source IP and the sent-by port
	}
	for i, params := range forged {
		callID := fmt.Sprintf("via-%d@hostile", i)
		viaSend(t, client, vip, fmt.Sprintf("INVITE sip:svc@%s:5060 SIP/2.0\r\n"+
			"Via: SIP/2.0/UDP %s:%d;%s;branch=z9hG4bK-via%d\r\n"+
			"From: <sip:c@%s>;tag=c%d\r\nTo: <sip:svc@%s>\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"+
			"Max-Forwards: 70\r\nContact: <sip:c@%s:%d>\r\nContent-Length: 0\r\n\r\n",
			viaVIP, viaClient, cport, params, i, viaClient, i, viaVIP, callID, viaClient, cport))
		got := viaRead(t, client, 5*time.Second, func(m string) bool { return strings.Contains(m, callID) }, 2)
		if len(got) != 2 || !strings.HasPrefix(got[0], "SIP/2.0 180") || !strings.HasPrefix(got[1], "SIP/2.0 200") {
			t.Errorf("Via %q: the client socket got %q, want the 180 and the 200", params, viaFirstLines(got))
		}
	}

	checkVictims := func(stage string) {
		for _, v := range victims {
			if got := viaRead(t, v, 100*time.Millisecond, func(string) bool { return true }, 10); len(got) != 0 {
				t.Errorf("%s: victim %v got %q", stage, v.LocalAddr(), viaFirstLines(got))
			}
		}
	}
	checkVictims("forged received/rport")

	// (2) Forged responses. The real server's copy of the first INVITE
	// holds a real branch of ours and the client's Via as we rewrote it.
	ours, theirs := uas.vias(t, "via-0@hostile")
	before := viaDrops(t, l)
	rs := uas.conn
	other := viaListen(t, viaOther+":0")
	victimVia := "SIP/2.0/UDP " + viaVictim + ":9999;branch=z9hG4bK-victim"
	resp := func(top, next string) string {
		return "SIP/2.0 200 OK\r\nVia: " + top + "\r\nVia: " + next + "\r\n" +
			"From: <sip:c@x>;tag=f\r\nTo: <sip:svc@x>;tag=t\r\nCall-ID: forged@hostile\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
	}
	branch := ours[strings.Index(ours, "branch=")+len("branch="):]
	forgeries := []struct {
		name string
		from *net.UDPConn
		pkt  string
		want string
	}{
		{"NOTHEX branch from a non-server", other, resp("SIP/2.0/UDP "+viaVIP+":5060;branch=z9hG4bK-slb-NOTHEX!!", victimVia), "bad-branch-mac"},
		{"NOTHEX branch from the real server", rs, resp("SIP/2.0/UDP "+viaVIP+":5060;branch=z9hG4bK-slb-NOTHEX!!", victimVia), "bad-branch-mac"},
		{"valid-looking branch from a non-server", other, resp("SIP/2.0/UDP "+viaVIP+":5060;branch=z9hG4bK-slb-c"+strings.Repeat("5a", 16), victimVia), "bad-branch-mac"},
		{"real branch redirected to a victim", rs, resp(ours, victimVia), "bad-branch-mac"},
		{"real branch from a non-server", other, resp(ours, theirs), "response-not-from-farm"},
		{"real branch, another sent-by", rs, resp("SIP/2.0/UDP "+viaOther+":5060;branch="+branch, victimVia), "not-our-via"},
	}
	want := map[string]uint64{}
	for _, f := range forgeries {
		viaSend(t, f.from, vip, f.pkt)
		want[f.want]++
	}
	harness.Eventually(5*time.Second, func() bool {
		now := viaDrops(t, l)
		for r, n := range want {
			if now[r]-before[r] < n {
				return false
			}
		}
		return true
	})
	time.Sleep(300 * time.Millisecond) // anything relayed by mistake has arrived by now
	after := viaDrops(t, l)
	for r, n := range want {
		if got := after[r] - before[r]; got != n {
			t.Errorf("%s counted %d times, want %d", r, got, n)
		}
	}
	if got := viaRead(t, client, 200*time.Millisecond, func(string) bool { return true }, 1); len(got) != 0 {
		t.Errorf("the client got a forged response: %q", viaFirstLines(got))
	}
	checkVictims("forged responses")
	if t.Failed() {
		t.Logf("show sip statistics:\n%s", l.CLI(t, "show sip statistics"))
	}
}

// viaUAS is a minimal stateless UAS: 200 to OPTIONS (the health check) and
// BYE, 180 then 200 to INVITE, every answer with the request's Vias copied
// (RFC 3261 §8.2.6.2). It keeps the INVITEs it got.
type viaUAS struct {
	conn    *net.UDPConn
	mu      sync.Mutex
	invites []string
}

func startViaUAS(t *testing.T, addr string) *viaUAS {
	u := &viaUAS{conn: viaListen(t, addr)}
	go u.serve()
	return u
}

func (u *viaUAS) serve() {
	buf := make([]byte, 65535)
	for {
		n, src, err := u.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return // closed at cleanup
		}
		req := string(buf[:n])
		method, _, _ := strings.Cut(req, " ")
		switch method {
		case "INVITE":
			u.mu.Lock()
			u.invites = append(u.invites, req)
			u.mu.Unlock()
			u.conn.WriteToUDPAddrPort([]byte(viaAnswer(req, "180 Ringing")), src)
			u.conn.WriteToUDPAddrPort([]byte(viaAnswer(req, "200 OK")), src)
		case "OPTIONS", "BYE":
			u.conn.WriteToUDPAddrPort([]byte(viaAnswer(req, "200 OK")), src)
		}
	}
}

// vias returns the top two Vias of the INVITE with Call-ID callID as the
// server got it: ours and the client's.
func (u *viaUAS) vias(t *testing.T, callID string) (ours, client string) {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, inv := range u.invites {
		if !strings.Contains(inv, "Call-ID: "+callID+"\r\n") {
			continue
		}
		var vs []string
		for _, ln := range strings.Split(inv, "\r\n") {
			if v, ok := strings.CutPrefix(ln, "Via: "); ok {
				vs = append(vs, v)
			}
		}
		if len(vs) == 2 {
			return vs[0], vs[1]
		}
		t.Fatalf("the server got the INVITE with Vias %q", vs)
	}
	t.Fatalf("the server never got the INVITE %s", callID)
	return "", ""
}

// viaAnswer builds a response to req: Via, From, To (tagged), Call-ID and
// CSeq copied in order.
func viaAnswer(req, status string) string {
	var b strings.Builder
	b.WriteString("SIP/2.0 " + status + "\r\n")
	head, _, _ := strings.Cut(req, "\r\n\r\n")
	for _, ln := range strings.Split(head, "\r\n")[1:] {
		name, _, _ := strings.Cut(ln, ":")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "via", "v", "from", "f", "call-id", "i", "cseq":
			b.WriteString(ln + "\r\n")
		case "to", "t":
			if !strings.Contains(ln, ";tag=") {
				ln += ";tag=uas"
			}
			b.WriteString(ln + "\r\n")
		}
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	return b.String()
}

// viaListen binds a UDP socket on addr, closed at cleanup.
func viaListen(t *testing.T, addr string) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(addr)))
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func viaSend(t *testing.T, c *net.UDPConn, to netip.AddrPort, msg string) {
	t.Helper()
	if _, err := c.WriteToUDPAddrPort([]byte(msg), to); err != nil {
		t.Fatalf("send to %v: %v", to, err)
	}
}

// viaRead reads datagrams from c for at most limit and returns those for
// which keep is true, stopping once it has n of them.
func viaRead(t *testing.T, c *net.UDPConn, limit time.Duration, keep func(string) bool, n int) []string {
	t.Helper()
	var got []string
	buf := make([]byte, 65535)
	c.SetReadDeadline(time.Now().Add(limit))
	defer c.SetReadDeadline(time.Time{})
	for len(got) < n {
		k, _, err := c.ReadFromUDPAddrPort(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			t.Fatalf("read on %v: %v", c.LocalAddr(), err)
		}
		if m := string(buf[:k]); keep(m) {
			got = append(got, m)
		}
	}
	return got
}

func viaFirstLines(msgs []string) []string {
	var out []string
	for _, m := range msgs {
		first, _, _ := strings.Cut(m, "\r\n")
		out = append(out, first)
	}
	return out
}

// viaDrops reads the drop reasons of the only VIP port from `show sip
// statistics` ("  Drops: N" then "    reason  count" lines).
func viaDrops(t *testing.T, l *harness.LB) map[string]uint64 {
	t.Helper()
	out := l.CLI(t, "show sip statistics")
	counts := map[string]uint64{}
	in := false
	for _, ln := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(ln, "  Drops: "):
			in = true
		case in && strings.HasPrefix(ln, "    "):
			var name string
			var n uint64
			if _, err := fmt.Sscan(ln, &name, &n); err != nil {
				t.Fatalf("show sip statistics: drop line %q: %v", ln, err)
			}
			counts[name] = n
		default:
			in = false
		}
	}
	return counts
}
