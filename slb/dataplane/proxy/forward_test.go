package proxy

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"sipslb/slb/config"
	"sipslb/slb/reason"
	"sipslb/slb/sip"
	"sipslb/slb/stats"
)

func TestBadInputIsCountedByReason(t *testing.T) {
	f := newFixture(t, testConfig())
	notOurs := msg(`
SIP/2.0 200 OK
Via: SIP/2.0/UDP 192.0.2.100:5060;branch=z9hG4bK-someone-else
Via: SIP/2.0/UDP 198.51.100.7:5062;branch=z9hG4bK-c1
From: <sip:alice@example.com>;tag=a1
To: <sip:bob@example.com>;tag=b1
Call-ID: x@y
CSeq: 1 INVITE
Content-Length: 0

`)
	tests := []struct {
		name string
		pkt  string
		want reason.Reason
	}{
		{"binary garbage", "\x00\x01\x02\xff\xfe", reason.NotSIP},
		{"http", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", reason.NotSIP},
		{"truncated", "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4", reason.Truncated},
		{"no call-id", strings.Replace(invite("x@y"), "Call-ID: x@y\r\n", "", 1), reason.NoCallID},
		{"no via", msg("INVITE sip:b@example.com SIP/2.0\nCall-ID: a\nCSeq: 1 INVITE\nContent-Length: 0\n\n"), reason.NoVia},
		{"no cseq", strings.Replace(invite("x@y"), "CSeq: 1 INVITE\r\n", "", 1), reason.NoCSeq},
		{"oversized", "INVITE " + strings.Repeat("a", sip.MaxSize), reason.TooLarge},
		{"body shorter than content-length", strings.Replace(invite("x@y"), "Content-Length: 0", "Content-Length: 100", 1), reason.Truncated},
		{"response not ours", notOurs, reason.NotOurVia},
		{"lone CRLF pong", "\r\n", reason.Pong},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.vp.Stats.Read().Drops[tc.want]
			res := f.handle(tc.pkt, client)
			if res.Verdict != Dropped || res.Reason != tc.want {
				t.Fatalf("got %v/%v, want dropped/%v", res.Verdict, res.Reason, tc.want)
			}
			if got := f.vp.Stats.Read().Drops[tc.want] - before; got != 1 {
				t.Errorf("counter %v grew by %d, want 1", tc.want, got)
			}
		})
	}
}

func TestKeepalivePingGetsPong(t *testing.T) {
	f := newFixture(t, testConfig())
	res := f.handle("\r\n\r\n", client)
	if res.Verdict != Answered || string(res.Out) != "\r\n" || res.To != client {
		t.Fatalf("got %v %q to %v, want a CRLF pong to the client", res.Verdict, res.Out, res.To)
	}
	if n := f.vp.Stats.Read().Answers[stats.AnswerPong]; n != 1 {
		t.Errorf("pong counter %d, want 1", n)
	}
}

func TestClientRequestForwarding(t *testing.T) {
	f := newFixture(t, testConfig())
	res := f.handle(invite("call-1@example.com"), client)
	if res.Verdict != Forwarded || res.Server == nil {
		t.Fatalf("verdict %v reason %v", res.Verdict, res.Reason)
	}
	if res.To != res.Server.Addr {
		t.Errorf("sent to %v, server is %v", res.To, res.Server.Addr)
	}
	out := string(res.Out)
	for _, want := range []string{
		"INVITE sip:bob@192.0.2.100:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.100:5060;branch=" + sip.BranchPrefix,
		"Via: SIP/2.0/UDP 198.51.100.7:5062;branch=z9hG4bK-c1;rport=5062;received=198.51.100.7\r\n",
		"Max-Forwards: 69\r\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("forwarded request lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Record-Route") {
		t.Errorf("Record-Route added without record-route:\n%s", out)
	}
	// The retransmission, the CANCEL, the ACK and the BYE go to the same
	// server; the retransmission and the CANCEL with the same branch.
	first := res.Server
	branch := out[strings.Index(out, "branch=")+7:]
	branch = branch[:strings.Index(branch, "\r\n")]
	for _, m := range []struct{ method, toTag string }{{"INVITE", ""}, {"CANCEL", ""}, {"ACK", "b1"}, {"BYE", "b1"}} {
		r := f.handle(request(m.method, "call-1@example.com", m.toTag), client)
		if r.Server != first {
			t.Errorf("%s went to %v, INVITE to %v", m.method, r.Server.Real, first.Real)
		}
		if m.method != "BYE" && !strings.Contains(string(r.Out), branch) {
			t.Errorf("%s does not carry the INVITE's branch %s", m.method, branch)
		}
	}
}

func TestRegisterGoesToRegistrars(t *testing.T) {
	f := newFixture(t, testConfig())
	for i := range 200 {
		res := f.handle(request("REGISTER", fmt.Sprintf("reg-%d@example.com", i), ""), client)
		if res.Verdict != Forwarded || res.Server.Real != "rs2" {
			t.Fatalf("REGISTER %d: %v to %v", i, res.Verdict, res.Server)
		}
	}
}

func TestAnswers(t *testing.T) {
	tests := []struct {
		name    string
		cfg     func(*config.Config)
		pkt     string
		verdict Verdict
		code    string
		reason  reason.Reason
	}{
		{"max-forwards 0 gets 483", nil, strings.Replace(invite("a@b"), "Max-Forwards: 70", "Max-Forwards: 0", 1),
			Answered, "SIP/2.0 483 Too Many Hops\r\n", reason.TooManyHops},
		{"ack with max-forwards 0 is dropped", nil, strings.Replace(request("ACK", "a@b", "t"), "Max-Forwards: 70", "Max-Forwards: 0", 1),
			Dropped, "", reason.TooManyHops},
		{"empty registrar group gets 503", func(c *config.Config) { c.Reals[1].Ports[0].Role = config.RoleProxy },
			request("REGISTER", "r@b", ""), Answered, "SIP/2.0 503 Service Unavailable\r\n", reason.NoServer},
		{"all disabled gets 503", func(c *config.Config) { c.Reals[0].Disabled, c.Reals[1].Disabled = true, true },
			invite("a@b"), Answered, "SIP/2.0 503 Service Unavailable\r\n", reason.NoServer},
		{"ack to empty group is dropped", func(c *config.Config) { c.Reals[0].Weight, c.Reals[1].Weight = 0, 0 },
			request("ACK", "a@b", "t"), Dropped, "", reason.NoServer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := testConfig()
			if tc.cfg != nil {
				tc.cfg(c)
			}
			f := newFixture(t, c)
			res := f.handle(tc.pkt, client)
			if res.Verdict != tc.verdict || res.Reason != tc.reason {
				t.Fatalf("got %v/%v, want %v/%v", res.Verdict, res.Reason, tc.verdict, tc.reason)
			}
			if tc.verdict != Answered {
				return
			}
			out := string(res.Out)
			if !strings.HasPrefix(out, tc.code) || !strings.Contains(out, "Call-ID: ") || !strings.Contains(out, ";tag=") {
				t.Errorf("answer:\n%s", out)
			}
			if res.To != client {
				t.Errorf("answer sent to %v, want the client %v (rport)", res.To, client)
			}
		})
	}
}

func TestResponsePopsOurVia(t *testing.T) {
	f := newFixture(t, testConfig())
	fwd := f.handle(invite("resp@example.com"), client)
	req := string(fwd.Out)
	// The server answers with the Vias it got.
	var vias []string
	for _, line := range strings.Split(req, "\r\n") {
		if strings.HasPrefix(line, "Via:") {
			vias = append(vias, line)
		}
	}
	resp := "SIP/2.0 180 Ringing\r\n" + strings.Join(vias, "\r\n") + "\r\n" +
		"From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b1\r\nCall-ID: resp@example.com\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
	res := f.handle(resp, fwd.Server.Addr)
	if res.Verdict != Forwarded {
		t.Fatalf("%v %v", res.Verdict, res.Reason)
	}
	if res.To != client {
		t.Errorf("response to %v, want %v (received/rport of the client's Via)", res.To, client)
	}
	if strings.Count(string(res.Out), "Via:") != 1 || strings.Contains(string(res.Out), sip.BranchPrefix) {
		t.Errorf("our Via not popped:\n%s", res.Out)
	}
	if n := fwd.Server.Stats.Responses.Load(); n != 1 {
		t.Errorf("server response counter %d, want 1", n)
	}
}

func TestRequestFromServerRoutedByURI(t *testing.T) {
	c := testConfig(func(c *config.Config) { c.Virtuals[0].Ports[0].RecordRoute = true })
	f := newFixture(t, c)
	bye := msg(`
BYE sip:alice@198.51.100.7:5062 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.11:5060;branch=z9hG4bK-s1
Route: <sip:192.0.2.100:5060;lr>
From: <sip:bob@example.com>;tag=b1
To: <sip:alice@example.com>;tag=a1
Call-ID: srv@example.com
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

`)
	res := f.handle(bye, rs1Addr)
	if res.Verdict != Forwarded || res.To != client || res.Server != nil {
		t.Fatalf("got %v to %v (server %v), want forwarded to the client %v", res.Verdict, res.To, res.Server, client)
	}
	if strings.Contains(string(res.Out), "Route:") {
		t.Errorf("our Route was not removed:\n%s", res.Out)
	}
	noIP := strings.Replace(bye, "sip:alice@198.51.100.7:5062", "sip:alice@client.example.com", 1)
	if r := f.handle(noIP, rs1Addr); r.Verdict != Dropped || r.Reason != reason.NoRoute {
		t.Errorf("host name R-URI: %v/%v, want dropped/no-route", r.Verdict, r.Reason)
	}
	loop := strings.Replace(bye, "sip:alice@198.51.100.7:5062", "sip:x@192.0.2.100:5060", 1)
	loop = strings.Replace(loop, "Route: <sip:192.0.2.100:5060;lr>\r\n", "", 1)
	if r := f.handle(loop, rs1Addr); r.Verdict != Dropped || r.Reason != reason.Loop {
		t.Errorf("request from a real port to the VIP: %v/%v, want dropped/loop", r.Verdict, r.Reason)
	}
	// The three BYEs came from the farm, the client's INVITE did not:
	// the direction counter tells them apart.
	f.handle(invite("dir@example.com"), client)
	tot := f.vp.Stats.Read()
	if by, inv := tot.FromServers[sip.MethodBye], tot.FromServers[sip.MethodInvite]; by != 3 || inv != 0 || tot.Requests[sip.MethodInvite] != 1 {
		t.Errorf("from servers: %d BYE, %d INVITE (of %d); want 3 and 0 of 1", by, inv, tot.Requests[sip.MethodInvite])
	}
}

func TestRecordRoute(t *testing.T) {
	c := testConfig(func(c *config.Config) { c.Virtuals[0].Ports[0].RecordRoute = true })
	f := newFixture(t, c)
	out := string(f.handle(invite("rr@example.com"), client).Out)
	if !strings.Contains(out, "Record-Route: <sip:192.0.2.100:5060;lr>\r\n") {
		t.Errorf("no Record-Route:\n%s", out)
	}
	out = string(f.handle(request("BYE", "rr@example.com", "b1", "Route: <sip:192.0.2.100:5060;lr>"), client).Out)
	if strings.Contains(out, "Route:") {
		t.Errorf("in-dialog request keeps our Route or gets a Record-Route:\n%s", out)
	}
}

// Established dialogs keep a draining server; new Call-IDs avoid it; a
// dead server's dialogs move.
func TestDialogTable(t *testing.T) {
	f := newFixture(t, testConfig())
	byServer := map[string][]string{}
	for i := range 100 {
		id := fmt.Sprintf("dlg-%d@example.com", i)
		s := f.handle(invite(id), client).Server.Real
		byServer[s] = append(byServer[s], id)
	}
	if len(byServer["rs1"]) == 0 || len(byServer["rs2"]) == 0 {
		t.Fatalf("calls not spread: %v", len(byServer))
	}
	if n := f.st.Dialogs.CountFor(f.vp.Servers[0].ID); n != len(byServer["rs1"]) {
		t.Errorf("rs1 has %d dialog entries, took %d calls", n, len(byServer["rs1"]))
	}
	for _, tc := range []struct {
		name string
		edit func(*config.Config)
	}{
		{"disable", func(c *config.Config) { c.Reals[0].Disabled = true }},
		{"weight 0", func(c *config.Config) { c.Reals[0].Weight = 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.build(testConfig(tc.edit))
			for _, id := range byServer["rs1"] {
				if r := f.handle(request("BYE", id, "b1"), client); r.Server.Real != "rs1" {
					t.Fatalf("dialog %s moved to %s", id, r.Server.Real)
				}
			}
			for i := range 50 {
				if r := f.handle(invite(fmt.Sprintf("new-%d-%d", len(tc.name), i)), client); r.Server.Real != "rs2" {
					t.Fatalf("new call went to draining %s", r.Server.Real)
				}
			}
		})
	}
	t.Run("down", func(t *testing.T) {
		f.down["rs1"] = true
		f.build(testConfig())
		defer func() { delete(f.down, "rs1"); f.build(testConfig()) }()
		if r := f.handle(request("BYE", byServer["rs1"][0], "b1"), client); r.Server.Real != "rs2" {
			t.Errorf("dialog of a dead server stayed on %s", r.Server.Real)
		}
	})
	t.Run("down and back: its dialogs never return", func(t *testing.T) {
		// The engine marks a server's dialogs lost when its health check
		// finds it down; here it is already back (healthy) when the
		// dialogs' next requests come.
		rs1 := f.vp.Servers[0]
		f.st.Dialogs.Lose(rs1.ID)
		if n := f.st.Dialogs.CountFor(rs1.ID); n != 0 {
			t.Errorf("rs1 still counts %d dialogs after losing them", n)
		}
		for _, id := range byServer["rs1"] {
			for _, m := range []string{"ACK", "BYE"} {
				if r := f.handle(request(m, id, "b1"), client); r.Server.Real != "rs2" {
					t.Fatalf("%s of a dialog lost with rs1 went to %s", m, r.Server.Real)
				}
			}
		}
		for _, id := range byServer["rs2"] {
			if r := f.handle(request("BYE", id, "b1"), client); r.Server.Real != "rs2" {
				t.Fatalf("dialog of rs2 moved to %s", r.Server.Real)
			}
		}
		newOnRS1 := 0
		for i := range 50 {
			if r := f.handle(invite(fmt.Sprintf("back-%d", i)), client); r.Server.Real == "rs1" {
				newOnRS1++
			}
		}
		if newOnRS1 == 0 || f.st.Dialogs.CountFor(rs1.ID) != newOnRS1 {
			t.Errorf("the returning rs1 took %d of 50 new calls, counts %d dialogs; want some, all counted",
				newOnRS1, f.st.Dialogs.CountFor(rs1.ID))
		}
	})
	t.Run("stateless ignores the table", func(t *testing.T) {
		c := testConfig(func(c *config.Config) { c.Virtuals[0].Ports[0].Stateless = true })
		g := newFixture(t, c)
		for i := range 50 {
			id := fmt.Sprintf("sl-%d", i)
			g.handle(invite(id), client)
		}
		if n := g.st.Dialogs.Len(); n != 0 {
			t.Errorf("stateless port made %d dialog entries", n)
		}
	})
}

func TestMaxConn(t *testing.T) {
	f := newFixture(t, testConfig(func(c *config.Config) { c.Reals[0].MaxConn = 5 }))
	n := map[string]int{}
	for i := range 40 {
		n[f.handle(invite(fmt.Sprintf("mc-%d", i)), client).Server.Real]++
	}
	if n["rs1"] != 5 || n["rs2"] != 35 {
		t.Errorf("rs1 (max-conn 5) took %d, rs2 %d", n["rs1"], n["rs2"])
	}
	g := newFixture(t, testConfig(func(c *config.Config) { c.Reals[0].MaxConn, c.Reals[1].MaxConn = 1, 1 }))
	g.handle(invite("a"), client)
	g.handle(invite("b"), client)
	if r := g.handle(invite("c"), client); r.Verdict != Answered || r.Reason != reason.MaxConn {
		t.Errorf("all full: %v/%v, want a 503 for max-conn", r.Verdict, r.Reason)
	}
}

func TestSIPSwitchOffHashesClientAddress(t *testing.T) {
	f := newFixture(t, testConfig(func(c *config.Config) {
		c.Virtuals[0].Ports[0].NoSIPSwitch = true
		c.Reals[1].Ports[0].Role = config.RoleRegistrar // roles are ignored
	}))
	got := map[string]bool{}
	for i := range 64 {
		src := netip.AddrPortFrom(client.Addr(), uint16(10000+i))
		first := f.handle(invite(fmt.Sprintf("a-%d", i)), src).Server
		// Another Call-ID from the same client address: same server.
		if again := f.handle(invite(fmt.Sprintf("b-%d", i)), src).Server; again != first {
			t.Fatalf("client %v: %s then %s", src, first.Real, again.Real)
		}
		got[first.Real] = true
	}
	if !got["rs1"] || !got["rs2"] {
		t.Errorf("client addresses not spread over both servers (roles must be ignored): %v", got)
	}
	if f.st.Dialogs.Len() != 0 {
		t.Errorf("sip-switch off made dialog entries")
	}
}
