package sip

import (
	"net/netip"
	"strings"
	"testing"

	"sipslb/slb/reason"
)

const ourBranch = "z9hG4bK-slb-0123456789abcdef"

// options is a small request; the tests swap its Via and add headers.
func options(via string, extra ...string) string {
	return "OPTIONS sip:b@example.com SIP/2.0\n" + via + "\n" + strings.Join(append(extra,
		"Call-ID: c1",
		"CSeq: 1 OPTIONS",
		"Content-Length: 0"), "\n") + "\n\n"
}

func TestAppendForwardRequest(t *testing.T) {
	nat := netip.MustParseAddrPort("192.0.2.10:40000")
	ourVia := "Via: SIP/2.0/UDP 192.0.2.100:5060;branch=" + ourBranch + "\n"
	tests := []struct {
		name   string
		in     string
		f      Forward
		want   string
		reason reason.Reason
	}{
		{
			name: "same host no rport",
			in:   options("Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1", "Max-Forwards: 10"),
			f:    Forward{Source: client},
			want: "OPTIONS sip:b@example.com SIP/2.0\n" + ourVia +
				options("Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1", "Max-Forwards: 9")[len("OPTIONS sip:b@example.com SIP/2.0\n"):],
		},
		{
			name: "hostname gets received",
			in:   options("Via: SIP/2.0/UDP client.example.com:5062;branch=z9hG4bKc1", "Max-Forwards: 70"),
			f:    Forward{Source: client},
			want: options(ourVia+"Via: SIP/2.0/UDP client.example.com:5062;branch=z9hG4bKc1;received=192.0.2.10", "Max-Forwards: 69"),
		},
		{
			name: "nat without rport",
			in:   options("Via: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKc1", "Max-Forwards: 70"),
			f:    Forward{Source: nat},
			want: options(ourVia+"Via: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bKc1;received=192.0.2.10", "Max-Forwards: 69"),
		},
		{
			name: "nat with empty rport",
			in:   options("Via: SIP/2.0/UDP 10.0.0.5:5062;rport;branch=z9hG4bKc1", "Max-Forwards: 70"),
			f:    Forward{Source: nat},
			want: options(ourVia+"Via: SIP/2.0/UDP 10.0.0.5:5062;rport=40000;branch=z9hG4bKc1;received=192.0.2.10", "Max-Forwards: 69"),
		},
		{
			name: "rport last and same host still gets received",
			in:   options("Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1;rport", "Max-Forwards: 70"),
			f:    Forward{Source: client},
			want: options(ourVia+"Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1;rport=5062;received=192.0.2.10", "Max-Forwards: 69"),
		},
		{
			name: "rport with a value gets the source port and received",
			in:   options("Via: SIP/2.0/UDP 192.0.2.10:5062;rport=9999;branch=z9hG4bKc1", "Max-Forwards: 70"),
			f:    Forward{Source: client},
			want: options(ourVia+"Via: SIP/2.0/UDP 192.0.2.10:5062;rport=5062;branch=z9hG4bKc1;received=192.0.2.10", "Max-Forwards: 69"),
		},
		{
			name: "forged received and rport with blanks are overwritten",
			in:   options("Via: SIP/2.0/UDP 192.0.2.10:5062;received = 127.0.0.77;rport = 9999;branch=z9hG4bKc1", "Max-Forwards: 70"),
			f:    Forward{Source: nat},
			want: options(ourVia+"Via: SIP/2.0/UDP 192.0.2.10:5062;received = 192.0.2.10;rport=40000;branch=z9hG4bKc1", "Max-Forwards: 69"),
		},
		{
			name: "stale received is replaced",
			in:   options("Via: SIP/2.0/UDP 10.0.0.5;received=10.9.9.9;branch=z9hG4bKc1", "Max-Forwards: 70"),
			f:    Forward{Source: nat},
			want: options(ourVia+"Via: SIP/2.0/UDP 10.0.0.5;received=192.0.2.10;branch=z9hG4bKc1", "Max-Forwards: 69"),
		},
		{
			name: "ipv6 client",
			in:   options("Via: SIP/2.0/UDP [2001:db8::10]:5062;rport;branch=z9hG4bKc1", "Max-Forwards: 70"),
			f:    Forward{Source: netip.MustParseAddrPort("[2001:db8::10]:5062")},
			want: options(ourVia+"Via: SIP/2.0/UDP [2001:db8::10]:5062;rport=5062;branch=z9hG4bKc1;received=2001:db8::10", "Max-Forwards: 69"),
		},
		{
			name: "max-forwards added",
			in:   options("Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1"),
			f:    Forward{Source: client},
			want: options(ourVia + "Max-Forwards: 70\nVia: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1"),
		},
		{
			name:   "max-forwards zero",
			in:     options("Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1", "Max-Forwards: 0"),
			f:      Forward{Source: client},
			reason: reason.TooManyHops,
		},
		{
			name: "compact comma separated top via",
			in:   options("v: SIP/2.0/UDP client.example.com;branch=z9hG4bKc1 , SIP/2.0/UDP p.example.com;branch=z9hG4bKp", "Max-Forwards: 5"),
			f:    Forward{Source: client},
			want: options(ourVia+"v: SIP/2.0/UDP client.example.com;branch=z9hG4bKc1;received=192.0.2.10 , SIP/2.0/UDP p.example.com;branch=z9hG4bKp", "Max-Forwards: 4"),
		},
		{
			name: "record-route and transport",
			in:   options("Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1", "Max-Forwards: 70"),
			f:    Forward{Source: client, Transport: []byte("TCP"), RecordRoute: []byte("<sip:192.0.2.100:5060;lr>")},
			want: options("Via: SIP/2.0/TCP 192.0.2.100:5060;branch="+ourBranch+"\nRecord-Route: <sip:192.0.2.100:5060;lr>\nVia: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1", "Max-Forwards: 69"),
		},
		{
			name: "strip our route line",
			in:   options("Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1", "Route: <sip:192.0.2.100;lr>", "Max-Forwards: 70"),
			f:    Forward{Source: client, StripRoute: true},
			want: options(ourVia+"Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1", "Max-Forwards: 69"),
		},
		{
			name: "strip our route value",
			in:   options("Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1", "Route: <sip:192.0.2.100:5060;lr>, <sip:next.example.com;lr>", "Max-Forwards: 70"),
			f:    Forward{Source: client, StripRoute: true},
			want: options(ourVia+"Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1", "Route: <sip:next.example.com;lr>", "Max-Forwards: 69"),
		},
		{
			name: "strip our route before a second route header",
			in:   options("Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1", "Route: <sip:192.0.2.100;lr>", "Route: <sip:next.example.com;lr>", "Max-Forwards: 70"),
			f:    Forward{Source: client, StripRoute: true},
			want: options(ourVia+"Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1", "Route: <sip:next.example.com;lr>", "Max-Forwards: 69"),
		},
		{
			name: "foreign route stays",
			in:   options("Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1", "Route: <sip:192.0.2.100:5070;lr>", "Max-Forwards: 70"),
			f:    Forward{Source: client, StripRoute: true},
			want: options(ourVia+"Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1", "Route: <sip:192.0.2.100:5070;lr>", "Max-Forwards: 69"),
		},
		{
			name: "our route stays without StripRoute",
			in:   options("Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1", "Route: <sip:192.0.2.100;lr>", "Max-Forwards: 70"),
			f:    Forward{Source: client},
			want: options(ourVia+"Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1", "Route: <sip:192.0.2.100;lr>", "Max-Forwards: 69"),
		},
		{
			name: "bytes after the body are dropped",
			in:   options("Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1", "Max-Forwards: 70") + "INVITE sip:noise SIP/2.0\n",
			f:    Forward{Source: client},
			want: options(ourVia+"Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1", "Max-Forwards: 69"),
		},
		{
			name:   "a response is refused",
			in:     "SIP/2.0 200 OK\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nCall-ID: c\nCSeq: 1 OPTIONS\n\n",
			f:      Forward{Source: client},
			reason: reason.WrongKind,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := crlf(tc.in)
			var m Msg
			if r := Scan(in, &m); r != reason.OK {
				t.Fatalf("Scan(input) = %v", r)
			}
			f := tc.f
			f.Host, f.Port, f.Branch = vipHost, 5060, []byte(ourBranch)
			prefix := []byte("keep:")
			out, r := AppendForwardRequest(prefix, in, &m, &f)
			if r != tc.reason {
				t.Fatalf("reason = %v, want %v", r, tc.reason)
			}
			if string(out[:len(prefix)]) != "keep:" {
				t.Fatalf("dst prefix clobbered: %q", out)
			}
			out = out[len(prefix):]
			if r != reason.OK {
				if len(out) != 0 {
					t.Errorf("appended %q on %v", out, r)
				}
				return
			}
			if want := string(crlf(tc.want)); string(out) != want {
				t.Errorf("got:\n%s\nwant:\n%s", out, want)
			}
			var fm Msg
			if r := Scan(out, &fm); r != reason.OK {
				t.Fatalf("forwarded request does not scan: %v", r)
			}
			if fm.ViaCount != m.ViaCount+1 || string(fm.Via[0].Branch.Bytes(out)) != ourBranch {
				t.Errorf("forwarded ViaCount=%d top branch %q", fm.ViaCount, fm.Via[0].Branch.Bytes(out))
			}
		})
	}
}

// TestForwardTortureRequests forwards every valid RFC 4475 request and
// scans the result: Call-ID and body survive, Max-Forwards drops by one.
func TestForwardTortureRequests(t *testing.T) {
	for _, name := range []string{"wsinv", "intmeth", "esc01", "escnull", "esc02", "lwsdisp", "longreq", "dblreq", "semiuri", "transports", "mpart01", "inv2543"} {
		t.Run(name, func(t *testing.T) {
			b := readTorture(t, "valid", name)
			var m Msg
			if r := Scan(b, &m); r != reason.OK {
				t.Fatal(r)
			}
			f := Forward{Host: vipHost, Port: 5060, Source: client}
			f.Branch = AppendBranch(nil, b, &m, &testKey, Hop{Leg: LegToFarm, Ours: vipPort, Next: m.Via[0].ReplyTarget(client)})
			out, r := AppendForwardRequest(nil, b, &m, &f)
			if r != reason.OK {
				t.Fatal(r)
			}
			var fm Msg
			if r := Scan(out, &fm); r != reason.OK {
				t.Fatalf("forwarded: %v\n%s", r, out)
			}
			if string(fm.CallID.Bytes(out)) != string(m.CallID.Bytes(b)) {
				t.Errorf("Call-ID %q, want %q", fm.CallID.Bytes(out), m.CallID.Bytes(b))
			}
			if string(out[fm.BodyOff:fm.End]) != string(b[m.BodyOff:m.End]) {
				t.Error("body changed")
			}
			wantMF := m.MaxForwards - 1
			if m.MaxForwards < 0 {
				wantMF = 70
			}
			if fm.MaxForwards != wantMF {
				t.Errorf("Max-Forwards %d, want %d", fm.MaxForwards, wantMF)
			}
			if fm.ViaCount != m.ViaCount+1 || !IsOurBranch(fm.Via[0].Branch.Bytes(out)) {
				t.Errorf("ViaCount %d (was %d), top branch %q", fm.ViaCount, m.ViaCount, fm.Via[0].Branch.Bytes(out))
			}
			if fm.Via[1].Received.Len == 0 {
				t.Errorf("client Via got no received: %q", out[fm.Via[1].Start:fm.Via[1].End])
			}
		})
	}
}

func TestAppendForwardResponse(t *testing.T) {
	rest := "To: <sip:b@example.com>;tag=u1\nFrom: <sip:a@example.com>;tag=f1\nCall-ID: c1\nCSeq: 1 INVITE\nContent-Length: 4\n\nbody"
	tests := []struct {
		name   string
		in     string
		want   string
		reason reason.Reason
	}{
		{
			name: "separate lines",
			in:   "SIP/2.0 200 OK\nVia: SIP/2.0/UDP 192.0.2.100:5060;branch=" + ourBranch + "\nVia: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1\n" + rest,
			want: "SIP/2.0 200 OK\nVia: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1\n" + rest,
		},
		{
			name: "comma separated",
			in:   "SIP/2.0 180 Ringing\nVia: SIP/2.0/UDP 192.0.2.100:5060;branch=" + ourBranch + ", SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1\n" + rest,
			want: "SIP/2.0 180 Ringing\nVia: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1\n" + rest,
		},
		{
			name: "compact folded list",
			in:   "SIP/2.0 486 Busy Here\nv: SIP/2.0/UDP 192.0.2.100;branch=" + ourBranch + " ,\n SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKc1, SIP/2.0/UDP p.example.com\n" + rest,
			want: "SIP/2.0 486 Busy Here\nv: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKc1, SIP/2.0/UDP p.example.com\n" + rest,
		},
		{
			name: "via not first header, trailing bytes dropped",
			in:   "SIP/2.0 200 OK\nCall-ID: c1\nVia: SIP/2.0/UDP 192.0.2.100;branch=" + ourBranch + "\nX: y\nvia: SIP/2.0/UDP 192.0.2.10\nCSeq: 1 INVITE\nl: 0\n\nnoise",
			want: "SIP/2.0 200 OK\nCall-ID: c1\nX: y\nvia: SIP/2.0/UDP 192.0.2.10\nCSeq: 1 INVITE\nl: 0\n\n",
		},
		{
			name:   "single via",
			in:     "SIP/2.0 200 OK\nVia: SIP/2.0/UDP 192.0.2.100;branch=" + ourBranch + "\n" + rest,
			reason: reason.NoNextHop,
		},
		{
			name:   "request",
			in:     options("Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKc1\nVia: SIP/2.0/UDP h2"),
			reason: reason.WrongKind,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := crlf(tc.in)
			var m Msg
			if r := Scan(in, &m); r != reason.OK {
				t.Fatalf("Scan(input) = %v", r)
			}
			out, r := AppendForwardResponse(nil, in, &m)
			if r != tc.reason {
				t.Fatalf("reason = %v, want %v", r, tc.reason)
			}
			if r != reason.OK {
				return
			}
			if want := string(crlf(tc.want)); string(out) != want {
				t.Errorf("got:\n%q\nwant:\n%q", out, want)
			}
		})
	}
}

func TestAppendResponse(t *testing.T) {
	nat := netip.MustParseAddrPort("192.0.2.10:40000")
	in := crlf("INVITE sip:b@example.com SIP/2.0\n" +
		"Via: SIP/2.0/UDP 10.0.0.5:5062;rport;branch=z9hG4bKc1, SIP/2.0/UDP p1.example.com\n" +
		"Max-Forwards: 0\n" +
		"v: SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2\n" +
		"To: \"Bob\" <sip:b@example.com>\n" +
		"From: <sip:a@example.com>;tag=f1\n" +
		"Call-ID: c1\n" +
		"CSeq: 7 INVITE\n" +
		"Contact: <sip:a@10.0.0.5:5062>\n" +
		"Content-Length: 0\n\n")
	var m Msg
	if r := Scan(in, &m); r != reason.OK {
		t.Fatal(r)
	}
	got := AppendResponse(nil, in, &m, nat, 483, "Too Many Hops", []byte("lb1"))
	want := crlf("SIP/2.0 483 Too Many Hops\n" +
		"Via: SIP/2.0/UDP 10.0.0.5:5062;rport=40000;branch=z9hG4bKc1;received=192.0.2.10, SIP/2.0/UDP p1.example.com\n" +
		"v: SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2\n" +
		"From: <sip:a@example.com>;tag=f1\n" +
		"To: \"Bob\" <sip:b@example.com>;tag=lb1\n" +
		"Call-ID: c1\n" +
		"CSeq: 7 INVITE\n" +
		"Content-Length: 0\n\n")
	if string(got) != string(want) {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	var rm Msg
	if r := Scan(got, &rm); r != reason.OK || rm.Status != 483 || rm.ViaCount != 3 {
		t.Errorf("response scans as %v status %d vias %d", r, rm.Status, rm.ViaCount)
	}
	if hop, ok := rm.Via[0].Target(got); !ok || hop != nat {
		t.Errorf("response goes to %v %v, want %v", hop, ok, nat)
	}

	// A To that already has a tag keeps it.
	in2 := crlf(options("Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1", "To: <sip:b@example.com>;tag=x"))
	if r := Scan(in2, &m); r != reason.OK {
		t.Fatal(r)
	}
	got = AppendResponse(nil, in2, &m, client, 503, "Service Unavailable", []byte("lb1"))
	want = crlf("SIP/2.0 503 Service Unavailable\nVia: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1\nTo: <sip:b@example.com>;tag=x\nCall-ID: c1\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n")
	if string(got) != string(want) {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestNextHop(t *testing.T) {
	tests := []struct {
		via  string
		want string // "" for not routable
	}{
		{"Via: SIP/2.0/UDP 192.0.2.10", "192.0.2.10:5060"},
		{"Via: SIP/2.0/UDP 192.0.2.10:5062", "192.0.2.10:5062"},
		{"Via: SIP/2.0/UDP 10.0.0.5:5062;received=192.0.2.10", "192.0.2.10:5062"},
		{"Via: SIP/2.0/UDP 10.0.0.5:5062;rport=40000;received=192.0.2.10", "192.0.2.10:40000"},
		{"Via: SIP/2.0/UDP 10.0.0.5:5062;rport", "10.0.0.5:5062"},
		{"Via: SIP/2.0/UDP [2001:db8::1]:5070", "[2001:db8::1]:5070"},
		{"Via: SIP/2.0/UDP [2001:db8::1];received=[2001:db8::2];rport=6000", "[2001:db8::2]:6000"},
		{"Via: SIP/2.0/UDP host.example.com:5062", ""},
		{"Via: SIP/2.0/UDP host.example.com;received=192.0.2.7", "192.0.2.7:5060"},
		{"Via: SIP/2.0/UDP 192.0.2.10;received=bogus", ""},
	}
	for _, tc := range tests {
		t.Run(tc.via, func(t *testing.T) {
			b := crlf("SIP/2.0 200 OK\nVia: SIP/2.0/UDP 192.0.2.100;branch=" + ourBranch + "\n" + tc.via + "\nCall-ID: c\nCSeq: 1 OPTIONS\n\n")
			var m Msg
			if r := Scan(b, &m); r != reason.OK {
				t.Fatal(r)
			}
			hop, ok := m.NextHop(b)
			if tc.want == "" {
				if ok {
					t.Errorf("NextHop = %v, want not routable", hop)
				}
				return
			}
			if !ok || hop != netip.MustParseAddrPort(tc.want) {
				t.Errorf("NextHop = %v %v, want %s", hop, ok, tc.want)
			}
		})
	}
	var m Msg
	b := crlf("SIP/2.0 200 OK\nVia: SIP/2.0/UDP 192.0.2.100\nCall-ID: c\nCSeq: 1 OPTIONS\n\n")
	if Scan(b, &m) != reason.OK {
		t.Fatal("scan")
	}
	if _, ok := m.NextHop(b); ok {
		t.Error("NextHop with a single Via must fail")
	}
}

// TestRoundTrip forwards the client's INVITE, lets a UAS answer it the way
// RFC 3261 §8.2.6 says (Vias copied in order), forwards that answer back and
// checks that the client gets its own Via back on top, with the received
// and rport values it asked for, at its own address.
func TestRoundTrip(t *testing.T) {
	nat := netip.MustParseAddrPort("198.51.100.7:40001")
	lb := netip.MustParseAddrPort("192.0.2.100:5060")
	var m Msg
	if r := Scan(typicalInvite, &m); r != reason.OK {
		t.Fatal(r)
	}
	clientVia := string(typicalInvite[m.Via[0].Start:m.Via[0].End])
	f := Forward{Host: vipHost, Port: 5060, Source: nat, RecordRoute: []byte("<sip:192.0.2.100;lr>")}
	f.Branch = AppendBranch(nil, typicalInvite, &m, &testKey, Hop{Leg: LegToFarm, Ours: lb, Next: m.Via[0].ReplyTarget(nat)})
	fwd, r := AppendForwardRequest(nil, typicalInvite, &m, &f)
	if r != reason.OK {
		t.Fatal(r)
	}

	// The UAS receives it from the balancer and answers.
	var um Msg
	if r := Scan(fwd, &um); r != reason.OK {
		t.Fatal(r)
	}
	resp := AppendResponse(nil, fwd, &um, lb, 180, "Ringing", []byte("uas-1"))

	var rm Msg
	if r := Scan(resp, &rm); r != reason.OK {
		t.Fatal(r)
	}
	hop, ok := rm.NextHop(resp)
	if !ok || hop != nat {
		t.Errorf("NextHop = %v %v, want %v", hop, ok, nat)
	}
	if leg, ok := VerifyBranch(rm.Via[0].Branch.Bytes(resp), &testKey, lb, hop); !ok || leg != LegToFarm || !rm.Via[0].SentBy(resp, vipHost, 5060) {
		t.Fatalf("response top Via %q is not ours", resp[rm.Via[0].Start:rm.Via[0].End])
	}
	back, r := AppendForwardResponse(nil, resp, &rm)
	if r != reason.OK {
		t.Fatal(r)
	}

	var cm Msg
	if r := Scan(back, &cm); r != reason.OK {
		t.Fatal(r)
	}
	gotVia := string(back[cm.Via[0].Start:cm.Via[0].End])
	wantVia := strings.Replace(clientVia, ";rport;", ";rport=40001;", 1) + ";received=198.51.100.7"
	if gotVia != wantVia {
		t.Errorf("client sees Via %q, want %q", gotVia, wantVia)
	}
	if cm.ViaCount != 1 || cm.Status != 180 || string(cm.CallID.Bytes(back)) != string(m.CallID.Bytes(typicalInvite)) {
		t.Errorf("client sees %d Vias, status %d, Call-ID %q", cm.ViaCount, cm.Status, cm.CallID.Bytes(back))
	}
	if !cm.HasToTag || string(cm.ToTag.Bytes(back)) != "uas-1" {
		t.Errorf("To tag %q", cm.ToTag.Bytes(back))
	}
}
