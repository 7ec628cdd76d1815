package sip

import (
	"strings"
	"testing"

	"sipslb/slb/reason"
)

// build joins a start line and header lines with CRLF and ends the headers.
func build(start string, headers ...string) []byte {
	return []byte(start + "\r\n" + strings.Join(headers, "\r\n") + "\r\n\r\n")
}

// base returns the headers every routable request needs, minus the ones
// named in skip.
func base(skip ...string) []string {
	all := []struct{ name, line string }{
		{"via", "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc"},
		{"call-id", "Call-ID: cid@192.0.2.1"},
		{"cseq", "CSeq: 1 INVITE"},
		{"from", "From: <sip:a@example.com>;tag=f1"},
		{"to", "To: <sip:b@example.com>"},
	}
	var out []string
next:
	for _, h := range all {
		for _, s := range skip {
			if s == h.name {
				continue next
			}
		}
		out = append(out, h.line)
	}
	return out
}

func invite(headers ...string) []byte {
	return build("INVITE sip:b@example.com SIP/2.0", headers...)
}

func TestScanCallIDForms(t *testing.T) {
	tests := []struct {
		name, line string
		want       string
		reason     reason.Reason
	}{
		{"long", "Call-ID: abc@host", "abc@host", reason.OK},
		{"lowercase", "call-id: abc", "abc", reason.OK},
		{"uppercase no space", "CALL-ID:abc", "abc", reason.OK},
		{"compact", "i: abc", "abc", reason.OK},
		{"compact upper", "I:abc", "abc", reason.OK},
		{"space before colon", "Call-ID \t :   abc   ", "abc", reason.OK},
		{"folded before value", "Call-ID:\r\n abc", "abc", reason.OK},
		{"folded after value", "Call-ID: abc\r\n\t", "abc", reason.OK},
		{"odd word chars", `Call-ID: a%b"c<d>[e]{f}?~@x`, `a%b"c<d>[e]{f}?~@x`, reason.OK},
		{"utf8", "Call-ID: \xd0\xbd\xd0\xbe@x", "\xd0\xbd\xd0\xbe@x", reason.OK},
		{"inner space", "Call-ID: a b", "", reason.BadCallID},
		{"inner fold", "Call-ID: a\r\n b", "", reason.BadCallID},
		{"empty", "Call-ID:", "", reason.BadCallID},
		{"control byte", "Call-ID: a\x01b", "", reason.BadCallID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := invite(append(base("call-id"), tc.line)...)
			var m Msg
			r := Scan(b, &m)
			if r != tc.reason {
				t.Fatalf("Scan = %v, want %v", r, tc.reason)
			}
			if r == reason.OK && string(m.CallID.Bytes(b)) != tc.want {
				t.Errorf("Call-ID = %q, want %q", m.CallID.Bytes(b), tc.want)
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		var m Msg
		if r := Scan(invite(base("call-id")...), &m); r != reason.NoCallID {
			t.Errorf("Scan = %v, want no-call-id", r)
		}
	})
	t.Run("repeated", func(t *testing.T) {
		var m Msg
		if r := Scan(invite(append(base(), "i: other")...), &m); r != reason.BadCallID {
			t.Errorf("Scan = %v, want bad-call-id", r)
		}
	})
}

type viaWant struct {
	transport, host string
	port            int32
	branch          string
	received        string
	rport           int32
	text            string // b[Start:End]
}

func checkVia(t *testing.T, b []byte, which string, v *Via, w viaWant) {
	t.Helper()
	got := viaWant{
		transport: string(v.Transport.Bytes(b)),
		host:      string(v.Host.Bytes(b)),
		port:      v.Port,
		branch:    string(v.Branch.Bytes(b)),
		received:  string(v.Received.Bytes(b)),
		rport:     v.Rport,
		text:      string(b[v.Start:v.End]),
	}
	if got != w {
		t.Errorf("%s via:\n got %+v\nwant %+v", which, got, w)
	}
}

func TestScanViaForms(t *testing.T) {
	tests := []struct {
		name     string
		lines    []string
		count    int
		top      viaWant
		second   viaWant
		sameLine bool
	}{
		{
			name: "separate lines",
			lines: []string{
				"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1",
				"Via: SIP/2.0/TCP 192.0.2.2;received=198.51.100.7;branch=z9hG4bK2;rport=5099",
			},
			count:  2,
			top:    viaWant{"UDP", "192.0.2.1", 5060, "z9hG4bK1", "", -1, "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1"},
			second: viaWant{"TCP", "192.0.2.2", 0, "z9hG4bK2", "198.51.100.7", 5099, "SIP/2.0/TCP 192.0.2.2;received=198.51.100.7;branch=z9hG4bK2;rport=5099"},
		},
		{
			name:     "comma separated",
			lines:    []string{"Via: SIP/2.0/UDP a.example;branch=z9hG4bK1, SIP/2.0/UDP b.example;branch=z9hG4bK2,SIP/2.0/UDP c.example"},
			count:    3,
			top:      viaWant{"UDP", "a.example", 0, "z9hG4bK1", "", -1, "SIP/2.0/UDP a.example;branch=z9hG4bK1"},
			second:   viaWant{"UDP", "b.example", 0, "z9hG4bK2", "", -1, "SIP/2.0/UDP b.example;branch=z9hG4bK2"},
			sameLine: true,
		},
		{
			name:   "compact and case",
			lines:  []string{"v: SIP/2.0/UDP a.example;BRANCH=z9hG4bK1;RPort", "VIA: sip/2.0/udp b.example:5070"},
			count:  2,
			top:    viaWant{"UDP", "a.example", 0, "z9hG4bK1", "", 0, "SIP/2.0/UDP a.example;BRANCH=z9hG4bK1;RPort"},
			second: viaWant{"udp", "b.example", 5070, "", "", -1, "sip/2.0/udp b.example:5070"},
		},
		{
			name:   "ipv6 sent-by",
			lines:  []string{"Via: SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bKv6;rport;received=2001:db8::9", "Via: SIP/2.0/UDP [2001:db8::2]"},
			count:  2,
			top:    viaWant{"UDP", "[2001:db8::1]", 5070, "z9hG4bKv6", "2001:db8::9", 0, "SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bKv6;rport;received=2001:db8::9"},
			second: viaWant{"UDP", "[2001:db8::2]", 0, "", "", -1, "SIP/2.0/UDP [2001:db8::2]"},
		},
		{
			name:     "lws and folding",
			lines:    []string{"Via  :  SIP / 2.0 / UDP  h1 : 5062 ; branch = z9hG4bKa ; rport = 5062 ,\r\n  SIP/2.0/UDP\r\n\th2 ;branch=\r\n z9hG4bKb  "},
			count:    2,
			top:      viaWant{"UDP", "h1", 5062, "z9hG4bKa", "", 5062, "SIP / 2.0 / UDP  h1 : 5062 ; branch = z9hG4bKa ; rport = 5062"},
			second:   viaWant{"UDP", "h2", 0, "z9hG4bKb", "", -1, "SIP/2.0/UDP\r\n\th2 ;branch=\r\n z9hG4bKb"},
			sameLine: true,
		},
		{
			name:   "quoted and unknown params",
			lines:  []string{`Via: SIP/2.0/UDP h1;x="a;b,c";branch=z9hG4bK1;maddr=224.0.0.1;ttl=1`, "Via: SIP/2.0/UDP h2"},
			count:  2,
			top:    viaWant{"UDP", "h1", 0, "z9hG4bK1", "", -1, `SIP/2.0/UDP h1;x="a;b,c";branch=z9hG4bK1;maddr=224.0.0.1;ttl=1`},
			second: viaWant{"UDP", "h2", 0, "", "", -1, "SIP/2.0/UDP h2"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := invite(append(base("via"), tc.lines...)...)
			var m Msg
			if r := Scan(b, &m); r != reason.OK {
				t.Fatalf("Scan = %v", r)
			}
			if m.ViaCount != tc.count {
				t.Errorf("ViaCount = %d, want %d", m.ViaCount, tc.count)
			}
			checkVia(t, b, "top", &m.Via[0], tc.top)
			checkVia(t, b, "second", &m.Via[1], tc.second)
			if same := m.Via[0].Line == m.Via[1].Line; same != tc.sameLine {
				t.Errorf("same line = %v, want %v", same, tc.sameLine)
			}
			if line := string(m.Via[0].Line.Bytes(b)); !strings.HasSuffix(line, "\r\n") || !strings.HasPrefix(strings.ToLower(line), "v") {
				t.Errorf("top Line = %q", line)
			}
		})
	}
}

func TestScanViaInvalid(t *testing.T) {
	for _, line := range []string{
		"Via: SIP/2.0/UDP",
		"Via: SIP/2.0 UDP h",
		"Via: SIP/2.0/UDPh",
		"Via: HTTP/2.0/UDP h",
		"Via: SIP/2.0/UDP h:0",
		"Via: SIP/2.0/UDP h:70000",
		"Via: SIP/2.0/UDP h:x",
		"Via: SIP/2.0/UDP h;branch",
		"Via: SIP/2.0/UDP h;branch=",
		"Via: SIP/2.0/UDP h;branch=a;branch=b",
		"Via: SIP/2.0/UDP h;rport=abc",
		"Via: SIP/2.0/UDP h;rport;rport",
		"Via: SIP/2.0/UDP h;received",
		"Via: SIP/2.0/UDP h;;",
		"Via: SIP/2.0/UDP h,",
		"Via: SIP/2.0/UDP h junk",
		"Via: SIP/2.0/UDP [2001:db8::1",
		"Via: SIP/2.0/UDP []",
		`Via: SIP/2.0/UDP h;x="open`,
		"Via:",
	} {
		t.Run(line, func(t *testing.T) {
			var m Msg
			if r := Scan(invite(append(base("via"), line)...), &m); r != reason.BadVia {
				t.Errorf("Scan = %v, want bad-via", r)
			}
		})
	}
	var m Msg
	if r := Scan(invite(base("via")...), &m); r != reason.NoVia {
		t.Errorf("no Via: Scan = %v, want no-via", r)
	}
}

func TestScanFields(t *testing.T) {
	tests := []struct {
		name   string
		b      []byte
		reason reason.Reason
		check  func(t *testing.T, b []byte, m *Msg)
	}{
		{
			name:   "cseq folded with leading zeros",
			b:      invite(append(base("cseq"), "cseq: 00042\r\n  INVITE")...),
			reason: reason.OK,
			check: func(t *testing.T, b []byte, m *Msg) {
				if m.CSeq != 42 || m.CSeqMethod != MethodInvite {
					t.Errorf("CSeq = %d %v", m.CSeq, m.CSeqMethod)
				}
			},
		},
		{"cseq max", invite(append(base("cseq"), "CSeq: 4294967295 INVITE")...), reason.OK, nil},
		{"cseq overflow", invite(append(base("cseq"), "CSeq: 4294967296 INVITE")...), reason.BadCSeq, nil},
		{"cseq no method", invite(append(base("cseq"), "CSeq: 1")...), reason.BadCSeq, nil},
		{"cseq no space", invite(append(base("cseq"), "CSeq: 1INVITE")...), reason.BadCSeq, nil},
		{"cseq trailing junk", invite(append(base("cseq"), "CSeq: 1 INVITE x")...), reason.BadCSeq, nil},
		{"cseq negative", invite(append(base("cseq"), "CSeq: -1 INVITE")...), reason.BadCSeq, nil},
		{"cseq method mismatch", invite(append(base("cseq"), "CSeq: 1 BYE")...), reason.BadCSeq, nil},
		{"cseq missing", invite(base("cseq")...), reason.NoCSeq, nil},
		{
			name:   "max-forwards",
			b:      invite(append(base(), "Max-Forwards:  070 ")...),
			reason: reason.OK,
			check: func(t *testing.T, b []byte, m *Msg) {
				if m.MaxForwards != 70 || string(m.MaxForwardsSpan.Bytes(b)) != "070" {
					t.Errorf("Max-Forwards = %d %q", m.MaxForwards, m.MaxForwardsSpan.Bytes(b))
				}
			},
		},
		{
			name:   "max-forwards absent",
			b:      invite(base()...),
			reason: reason.OK,
			check: func(t *testing.T, b []byte, m *Msg) {
				if m.MaxForwards != -1 || m.ContentLength != -1 {
					t.Errorf("MaxForwards = %d ContentLength = %d, want -1 -1", m.MaxForwards, m.ContentLength)
				}
			},
		},
		{"max-forwards 256", invite(append(base(), "Max-Forwards: 256")...), reason.BadMaxForwards, nil},
		{"max-forwards text", invite(append(base(), "Max-Forwards: seventy")...), reason.BadMaxForwards, nil},
		{"max-forwards twice", invite(append(base(), "Max-Forwards: 1", "Max-Forwards: 2")...), reason.BadMaxForwards, nil},
		{
			name:   "content-length compact with body",
			b:      append(invite(append(base(), "l: 5")...), "hello-trailing"...),
			reason: reason.OK,
			check: func(t *testing.T, b []byte, m *Msg) {
				if m.ContentLength != 5 || string(b[m.BodyOff:m.End]) != "hello" {
					t.Errorf("ContentLength = %d body %q", m.ContentLength, b[m.BodyOff:m.End])
				}
			},
		},
		{
			name:   "no content-length takes the datagram",
			b:      append(invite(base()...), "body"...),
			reason: reason.OK,
			check: func(t *testing.T, b []byte, m *Msg) {
				if string(b[m.BodyOff:m.End]) != "body" {
					t.Errorf("body %q", b[m.BodyOff:m.End])
				}
			},
		},
		{"content-length short body", append(invite(append(base(), "Content-Length: 10")...), "short"...), reason.Truncated, nil},
		{"content-length sign", invite(append(base(), "Content-Length: +0")...), reason.BadContentLength, nil},
		{"content-length huge", invite(append(base(), "Content-Length: 99999999999999999999")...), reason.BadContentLength, nil},
		{"content-length twice", invite(append(base(), "Content-Length: 0", "l: 0")...), reason.BadContentLength, nil},
		{
			name: "route values",
			b: invite(append(base(),
				`Route: "LB" <sip:192.0.2.10;lr;x="a,b">, <sip:p2.example.com;lr>`,
				"Route: <sip:p3.example.com;lr>",
				"Record-Route: <sip:rr1.example.com;lr>, <sip:rr2.example.com;lr>")...),
			reason: reason.OK,
			check: func(t *testing.T, b []byte, m *Msg) {
				if got := string(m.Route[0].Bytes(b)); got != `"LB" <sip:192.0.2.10;lr;x="a,b">` {
					t.Errorf("Route[0] = %q", got)
				}
				if got := string(m.Route[1].Bytes(b)); got != "<sip:p2.example.com;lr>" {
					t.Errorf("Route[1] = %q", got)
				}
				if !strings.HasPrefix(string(m.RouteLine.Bytes(b)), "Route: \"LB\"") {
					t.Errorf("RouteLine = %q", m.RouteLine.Bytes(b))
				}
				if got := string(m.RecordRoute.Bytes(b)); got != "<sip:rr1.example.com;lr>" {
					t.Errorf("RecordRoute = %q", got)
				}
			},
		},
		{
			name:   "route on separate lines",
			b:      invite(append(base(), "Route: <sip:a;lr>", "route: <sip:b;lr>")...),
			reason: reason.OK,
			check: func(t *testing.T, b []byte, m *Msg) {
				if string(m.Route[0].Bytes(b)) != "<sip:a;lr>" || string(m.Route[1].Bytes(b)) != "<sip:b;lr>" {
					t.Errorf("Route = %q %q", m.Route[0].Bytes(b), m.Route[1].Bytes(b))
				}
			},
		},
		{
			name:   "to tag in dialog",
			b:      invite(append(base("to"), `t: "x;tag=no" <sip:b@example.com;tag=no> ; TAG = t-9`)...),
			reason: reason.OK,
			check: func(t *testing.T, b []byte, m *Msg) {
				if !m.HasToTag || string(m.ToTag.Bytes(b)) != "t-9" || string(m.FromTag.Bytes(b)) != "f1" {
					t.Errorf("HasToTag=%v ToTag=%q FromTag=%q", m.HasToTag, m.ToTag.Bytes(b), m.FromTag.Bytes(b))
				}
			},
		},
		{
			name:   "to without tag",
			b:      invite(base()...),
			reason: reason.OK,
			check: func(t *testing.T, b []byte, m *Msg) {
				if m.HasToTag || string(m.To.Bytes(b)) != "<sip:b@example.com>" {
					t.Errorf("HasToTag=%v To=%q", m.HasToTag, m.To.Bytes(b))
				}
			},
		},
		{"to twice", invite(append(base(), "To: <sip:c@example.com>")...), reason.BadHeader, nil},
		{"to open quote", invite(append(base("to"), `To: "x <sip:b@example.com>`)...), reason.BadHeader, nil},
		{"from empty tag", invite(append(base("from"), `From: <sip:a@example.com>;tag=`)...), reason.BadHeader, nil},
		{"header without colon", invite(append(base(), "NoColon")...), reason.BadHeader, nil},
		{"header name with space", invite(append(base(), "Bad Name: x")...), reason.BadHeader, nil},
		{"continuation first", build("INVITE sip:b@example.com SIP/2.0", append([]string{" folded"}, base()...)...), reason.BadHeader, nil},
		{"bare cr", invite(append(base(), "X: a\rY: b")...), reason.OK, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m Msg
			if r := Scan(tc.b, &m); r != tc.reason {
				t.Fatalf("Scan = %v, want %v", r, tc.reason)
			}
			if tc.check != nil {
				tc.check(t, tc.b, &m)
			}
		})
	}
}

func TestScanStartLine(t *testing.T) {
	resp := func(line string) []byte { return build(line, base()...) }
	tests := []struct {
		name   string
		b      []byte
		reason reason.Reason
		status int
	}{
		{"200", resp("SIP/2.0 200 OK"), reason.OK, 200},
		{"100 empty phrase", resp("SIP/2.0 100 "), reason.OK, 100},
		{"180 no phrase", resp("SIP/2.0 180"), reason.OK, 180},
		{"699", resp("SIP/2.0 699 Whatever"), reason.OK, 699},
		{"lowercase version", resp("sip/2.0 486 Busy Here"), reason.OK, 486},
		{"code 700", resp("SIP/2.0 700 No"), reason.BadStartLine, 0},
		{"code 099", resp("SIP/2.0 099 No"), reason.BadStartLine, 0},
		{"code 2000", resp("SIP/2.0 2000 OK"), reason.BadStartLine, 0},
		{"code letters", resp("SIP/2.0 2x0 OK"), reason.BadStartLine, 0},
		{"response version", resp("SIP/3.0 200 OK"), reason.BadVersion, 0},
		{"request version", build("INVITE sip:b@example.com SIP/3.0", base()...), reason.BadVersion, 0},
		{"http", build("GET / HTTP/1.1", "Host: x"), reason.NotSIP, 0},
		{"binary", []byte("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"), reason.NotSIP, 0},
		{"nul in line", []byte("INVITE sip:a\x00b SIP/2.0\r\n\r\n"), reason.NotSIP, 0},
		{"method only", []byte("INVITE\r\n\r\n"), reason.NotSIP, 0},
		{"empty", []byte{}, reason.NotSIP, 0},
		{"no uri", build("INVITE SIP/2.0", base()...), reason.NotSIP, 0},
		{"bad scheme", build("INVITE 1sip:b SIP/2.0", base()...), reason.BadStartLine, 0},
		{"no scheme", build("INVITE b@example.com SIP/2.0", base()...), reason.BadStartLine, 0},
		{"tel uri", build("INVITE tel:+15551234 SIP/2.0", base()...), reason.OK, 0},
		{"keepalive crlf", []byte("\r\n"), reason.Keepalive, 0},
		{"keepalive double crlf", []byte("\r\n\r\n"), reason.Keepalive, 0},
		{"leading crlf", append([]byte("\r\n"), invite(base()...)...), reason.OK, 0},
		{"partial start line", []byte("INVITE sip:b@exa"), reason.Truncated, 0},
		{"no blank line", []byte("INVITE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"), reason.Truncated, 0},
		{"cut in header", []byte("INVITE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h"), reason.Truncated, 0},
		{"cut after cr", []byte("INVITE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r"), reason.Truncated, 0},
		{"too large", append(invite(base()...), make([]byte, MaxSize)...), reason.TooLarge, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m Msg
			r := Scan(tc.b, &m)
			if r != tc.reason {
				t.Fatalf("Scan = %v, want %v", r, tc.reason)
			}
			if r == reason.OK && m.Status != tc.status {
				t.Errorf("Status = %d, want %d", m.Status, tc.status)
			}
		})
	}
}

func TestScanMethods(t *testing.T) {
	for m := MethodInvite; m <= MethodUpdate; m++ {
		name := m.String()
		b := build(name+" sip:b@example.com SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bK1", "Call-ID: c", "CSeq: 7 "+name)
		var msg Msg
		if r := Scan(b, &msg); r != reason.OK {
			t.Fatalf("%s: Scan = %v", name, r)
		}
		if msg.Method != m || msg.CSeqMethod != m || string(msg.MethodSpan.Bytes(b)) != name {
			t.Errorf("%s: Method = %v CSeqMethod = %v span %q", name, msg.Method, msg.CSeqMethod, msg.MethodSpan.Bytes(b))
		}
		if string(msg.RequestURI.Bytes(b)) != "sip:b@example.com" {
			t.Errorf("%s: Request-URI = %q", name, msg.RequestURI.Bytes(b))
		}
	}
	b := build("invite sip:b@example.com SIP/2.0", "Via: SIP/2.0/UDP h", "Call-ID: c", "CSeq: 7 invite")
	var msg Msg
	if r := Scan(b, &msg); r != reason.OK || msg.Method != MethodOther {
		t.Errorf("lowercase invite: %v %v, want ok other (methods are case-sensitive)", r, msg.Method)
	}
}
