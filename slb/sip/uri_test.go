package sip

import (
	"net/netip"
	"testing"
)

func TestParseHostPort(t *testing.T) {
	tests := []struct {
		uri  string
		host string
		port int
		ok   bool
	}{
		{"sip:192.0.2.1", "192.0.2.1", 0, true},
		{"sip:alice@192.0.2.1:5070", "192.0.2.1", 5070, true},
		{"SIPS:alice@Example.COM;transport=tls", "Example.COM", 0, true},
		{"<sip:192.0.2.100:5060;lr>", "192.0.2.100", 5060, true},
		{`"Proxy" <sip:p1.example.com;lr;x=y>;hp=1`, "p1.example.com", 0, true},
		{"sip:[2001:db8::1]:5070;lr", "2001:db8::1", 5070, true},
		{"sip:user;par=u%40example.net@example.com", "example.com", 0, true},
		{"sip:bob@example.com?Subject=x", "example.com", 0, true},
		{"sip:" + `1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com`, "example.com", 0, true},
		{"  sip:h:1  ", "h", 1, true},
		{"tel:+15551234", "", 0, false},
		{"sip:", "", 0, false},
		{"sip:h:0", "", 0, false},
		{"sip:h:65536", "", 0, false},
		{"sip:h:", "", 0, false},
		{"sip:h x", "", 0, false},
		{"sip:[2001:db8::1", "", 0, false},
		{"<sip:h", "", 0, false},
		{"", "", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.uri, func(t *testing.T) {
			host, port, ok := ParseHostPort([]byte(tc.uri))
			if ok != tc.ok || string(host) != tc.host || port != tc.port {
				t.Errorf("ParseHostPort = %q %d %v, want %q %d %v", host, port, ok, tc.host, tc.port, tc.ok)
			}
		})
	}
}

func TestParseIP(t *testing.T) {
	for _, s := range []string{
		"0.0.0.0", "192.0.2.1", "255.255.255.255", "::", "::1", "1::", "2001:db8::1", "[2001:db8::1]",
		"2001:DB8:0:0:8:800:200C:417A", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::ffff:192.0.2.1", "64:ff9b::192.0.2.33",
		"1:2:3:4:5:6:1.2.3.4",
	} {
		want := netip.MustParseAddr(trimBrackets(s))
		got, ok := ParseIP([]byte(s))
		if !ok || got != want {
			t.Errorf("ParseIP(%q) = %v %v, want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{
		"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.", ".1.2.3", "1..2.3", "a.b.c.d", "host.example.com",
		":::", "1:2", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "::1.2.3", "1:2:3:4:5:6:7:1.2.3.4",
		"fe80::1%eth0", "[]", "[1.2.3.4]", "1:", ":1",
	} {
		if got, ok := ParseIP([]byte(s)); ok {
			t.Errorf("ParseIP(%q) = %v, want failure", s, got)
		}
	}
}

func trimBrackets(s string) string {
	if len(s) > 1 && s[0] == '[' {
		return s[1 : len(s)-1]
	}
	return s
}

// FuzzParseIP holds ParseIP to netip.ParseAddr, zones aside.
func FuzzParseIP(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "::1", "2001:db8::1", "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8", "01.1.1.1", "1::2::3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseIP([]byte(s))
		want, err := netip.ParseAddr(s)
		if err == nil && want.Zone() != "" {
			if ok {
				t.Fatalf("ParseIP(%q) accepted a zone", s)
			}
			return
		}
		if len(s) > 0 && s[0] == '[' {
			return // brackets are ours, netip does not take them
		}
		if ok != (err == nil) || ok && got != want {
			t.Fatalf("ParseIP(%q) = %v %v; netip says %v %v", s, got, ok, want, err)
		}
	})
}
