package health

import (
	"net/netip"
	"regexp"
	"strings"
	"testing"
)

func TestParseResponse(t *testing.T) {
	const good = "SIP/2.0 200 OK\r\n" +
		"Via: SIP/2.0/UDP 127.77.0.2:4000;branch=z9hG4bKabc;rport=4000;received=127.77.0.2\r\n" +
		"Call-ID: xyz@sipslb\r\n" +
		"CSeq: 7 OPTIONS\r\n" +
		"Content-Length: 0\r\n\r\n"
	tests := []struct {
		name   string
		in     string
		err    error
		code   int
		branch string
		callID string
		cseq   uint32
		method string
	}{
		{"plain", good, nil, 200, "z9hG4bKabc", "xyz@sipslb", 7, "OPTIONS"},
		{"compact names, lower case, bare LF",
			"SIP/2.0 503 Busy\nv: SIP/2.0/UDP h;BRANCH=z9hG4bKq\ni: c1\ncseq: 9 REGISTER\n\n",
			nil, 503, "z9hG4bKq", "c1", 9, "REGISTER"},
		{"top via of a list in one header",
			"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=first, SIP/2.0/UDP b;branch=second\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n",
			nil, 200, "first", "c", 1, "OPTIONS"},
		{"top via of two headers",
			"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=first\r\nVia: SIP/2.0/UDP b;branch=second\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n",
			nil, 200, "first", "c", 1, "OPTIONS"},
		{"blanks around colon and params",
			"SIP/2.0 200 OK\r\nVia :  SIP/2.0/UDP a ; rport ; branch = z9hG4bKs \r\nCall-ID:\tc \r\nCSeq:  3   OPTIONS\r\n\r\n",
			nil, 200, "z9hG4bKs", "c", 3, "OPTIONS"},
		{"empty reason phrase", "SIP/2.0 486\r\nVia: SIP/2.0/UDP a;branch=b\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n",
			nil, 486, "b", "c", 1, "OPTIONS"},
		{"headers after the body are not read",
			"SIP/2.0 200 OK\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\nVia: SIP/2.0/UDP a;branch=b\r\n",
			errMissing, 0, "", "", 0, ""},
		{"request", "OPTIONS sip:a SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=b\r\n\r\n", errNotResponse, 0, "", "", 0, ""},
		{"code too short", "SIP/2.0 20 OK\r\n\r\n", errNotResponse, 0, "", "", 0, ""},
		{"code not digits", "SIP/2.0 2x0 OK\r\n\r\n", errNotResponse, 0, "", "", 0, ""},
		{"code out of range", "SIP/2.0 700 OK\r\n\r\n", errNotResponse, 0, "", "", 0, ""},
		{"no space after code", "SIP/2.0 2000 OK\r\n\r\n", errNotResponse, 0, "", "", 0, ""},
		{"header without colon", "SIP/2.0 200 OK\r\nGarbage\r\n\r\n", errNotResponse, 0, "", "", 0, ""},
		{"via without branch", "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;rport\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n", errMissing, 0, "", "", 0, ""},
		{"bad cseq", "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=b\r\nCall-ID: c\r\nCSeq: x OPTIONS\r\n\r\n", errMissing, 0, "", "", 0, ""},
		{"empty", "", errNotResponse, 0, "", "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := parseResponse([]byte(tt.in))
			if err != tt.err {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if r.code != tt.code || string(r.branch) != tt.branch || string(r.callID) != tt.callID ||
				r.cseq != tt.cseq || string(r.method) != tt.method {
				t.Fatalf("got code %d branch %q call-id %q cseq %d %q", r.code, r.branch, r.callID, r.cseq, r.method)
			}
		})
	}
}

// TestResponseMatching proves that each of branch, Call-ID, CSeq number and
// CSeq method is needed for a match.
func TestResponseMatching(t *testing.T) {
	p := probe{branch: "z9hG4bKaa", callID: "cid@sipslb", cseq: 5, method: MethodOptions}
	tests := []struct {
		name                   string
		branch, callID, method string
		cseq                   uint32
		want                   bool
	}{
		{"all match", "z9hG4bKaa", "cid@sipslb", "OPTIONS", 5, true},
		{"branch differs", "z9hG4bKab", "cid@sipslb", "OPTIONS", 5, false},
		{"branch case differs", "Z9HG4BKAA", "cid@sipslb", "OPTIONS", 5, false},
		{"call-id differs", "z9hG4bKaa", "cie@sipslb", "OPTIONS", 5, false},
		{"cseq differs", "z9hG4bKaa", "cid@sipslb", "OPTIONS", 4, false},
		{"method differs", "z9hG4bKaa", "cid@sipslb", "REGISTER", 5, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := response{code: 200, branch: []byte(tt.branch), callID: []byte(tt.callID), cseq: tt.cseq, method: []byte(tt.method)}
			if got := r.matches(&p); got != tt.want {
				t.Fatalf("matches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRequestFormat(t *testing.T) {
	target := netip.MustParseAddrPort("127.77.0.1:5060")
	local := netip.MustParseAddrPort("127.77.0.2:40000")
	opts := defaultCheck(target)
	reg := opts
	reg.Method = MethodRegister
	reg.AoR = "sip:probe@example.com"
	v6 := defaultCheck(netip.MustParseAddrPort("[::1]:5070"))
	tests := []struct {
		name   string
		check  Check
		local  netip.AddrPort
		want   []string // regular expressions, one per line, in order
		absent []string
	}{
		{"options", opts, local, []string{
			`^OPTIONS sip:127\.77\.0\.1:5060 SIP/2\.0$`,
			`^Via: SIP/2\.0/UDP 127\.77\.0\.2:40000;branch=z9hG4bK[0-9a-f]{32};rport$`,
			`^Max-Forwards: 70$`,
			`^From: <sip:sipslb@127\.77\.0\.2>;tag=[0-9a-f]{16}$`,
			`^To: <sip:127\.77\.0\.1:5060>$`,
			`^Call-ID: [0-9a-f]{32}@sipslb$`,
			`^CSeq: 42 OPTIONS$`,
			`^Contact: <sip:sipslb@127\.77\.0\.2:40000>$`,
			`^Accept: application/sdp$`,
			`^User-Agent: sipslb$`,
			`^Content-Length: 0$`,
		}, nil},
		{"register queries bindings", reg, local, []string{
			`^REGISTER sip:127\.77\.0\.1:5060 SIP/2\.0$`,
			`^Via: SIP/2\.0/UDP 127\.77\.0\.2:40000;branch=z9hG4bK[0-9a-f]{32};rport$`,
			`^Max-Forwards: 70$`,
			`^From: <sip:probe@example\.com>;tag=[0-9a-f]{16}$`,
			`^To: <sip:probe@example\.com>$`,
			`^Call-ID: [0-9a-f]{32}@sipslb$`,
			`^CSeq: 42 REGISTER$`,
			`^User-Agent: sipslb$`,
			`^Content-Length: 0$`,
		}, []string{"Contact:", "Expires:"}},
		{"ipv6", v6, netip.MustParseAddrPort("[::1]:40000"), []string{
			`^OPTIONS sip:\[::1\]:5070 SIP/2\.0$`,
			`^Via: SIP/2\.0/UDP \[::1\]:40000;branch=`,
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProbe(tt.check.Method, 42)
			msg := string(appendRequest(nil, &p, &tt.check, tt.check.Target, tt.local))
			if !strings.HasSuffix(msg, "\r\n\r\n") {
				t.Fatalf("message does not end with an empty line: %q", msg)
			}
			lines := strings.Split(strings.TrimSuffix(msg, "\r\n\r\n"), "\r\n")
			if len(lines) < len(tt.want) {
				t.Fatalf("%d lines, want at least %d:\n%s", len(lines), len(tt.want), msg)
			}
			for i, re := range tt.want {
				if !regexp.MustCompile(re).MatchString(lines[i]) {
					t.Errorf("line %d = %q, want %s", i, lines[i], re)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(msg, a) {
					t.Errorf("message has %q:\n%s", a, msg)
				}
			}
			// The probe's own answer, built the way a UAS builds it,
			// must match it.
			resp := answer(request{raw: []byte(msg)}, 200)
			r, err := parseResponse(resp)
			if err != nil || !r.matches(&p) {
				t.Fatalf("answer to own probe: match %v, err %v\n%s", r.matches(&p), err, resp)
			}
		})
	}
}

func TestProbesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		p := newProbe(MethodOptions, 1)
		if seen[p.branch] || seen[p.callID] {
			t.Fatalf("repeated identifier in %+v", p)
		}
		seen[p.branch], seen[p.callID] = true, true
	}
}

func FuzzParseResponse(f *testing.F) {
	f.Add([]byte("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=z9hG4bKx\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n"))
	f.Add([]byte("SIP/2.0 401 Unauthorized\nv: SIP/2.0/UDP a;branch=b,SIP/2.0/UDP c\ni: x\ncseq: 2 REGISTER\n\n"))
	f.Add([]byte("OPTIONS sip:x SIP/2.0\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseResponse(b)
		if err != nil {
			return
		}
		if r.code < 100 || r.code > 699 || len(r.branch) == 0 || len(r.callID) == 0 {
			t.Fatalf("accepted response with code %d branch %q call-id %q", r.code, r.branch, r.callID)
		}
	})
}
