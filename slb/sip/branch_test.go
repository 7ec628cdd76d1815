package sip

import (
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"sipslb/slb/reason"
)

var testHop = Hop{Leg: LegToFarm, Ours: netip.MustParseAddrPort("192.0.2.100:5060"), Next: netip.MustParseAddrPort("192.0.2.10:5062")}

func branchOf(t *testing.T, raw string, k BranchKey, hop Hop) string {
	t.Helper()
	b := crlf(raw)
	var m Msg
	if r := Scan(b, &m); r != reason.OK {
		t.Fatalf("Scan = %v for\n%s", r, raw)
	}
	return string(AppendBranch(nil, b, &m, &k, hop))
}

func req(method, via, to string, cseq string) string {
	return method + " sip:bob@example.com SIP/2.0\n" +
		"Via: " + via + "\n" +
		"To: " + to + "\n" +
		"From: <sip:alice@example.com>;tag=f1\n" +
		"Call-ID: call-1\n" +
		"CSeq: " + cseq + " " + method + "\n\n"
}

// txnID is the transaction id part of one of our branches.
func txnID(branch string) string { return branch[len(BranchPrefix)+1 : len(BranchPrefix)+17] }

func TestAppendBranch(t *testing.T) {
	const via = "SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKclient1"
	invite := branchOf(t, req("INVITE", via, "<sip:bob@example.com>", "1"), testKey, testHop)
	if !regexp.MustCompile(`^z9hG4bK-slb-c[0-9a-f]{32}$`).MatchString(invite) || len(invite) != BranchLen {
		t.Fatalf("branch %q has the wrong shape", invite)
	}
	if !IsOurBranch([]byte(invite)) || IsOurBranch([]byte("z9hG4bKclient1")) || IsOurBranch(nil) {
		t.Error("IsOurBranch does not tell ours from theirs")
	}

	same := []struct{ name, msg string }{
		{"retransmission", req("INVITE", via, "<sip:bob@example.com>", "1")},
		{"cancel", req("CANCEL", via, "<sip:bob@example.com>", "1")},
		{"ack of a non-2xx", req("ACK", via, "<sip:bob@example.com>;tag=uas", "1")},
		{"other via params", req("INVITE", via+";rport;received=1.2.3.4", "<sip:bob@example.com>", "1")},
	}
	for _, tc := range same {
		if got := branchOf(t, tc.msg, testKey, testHop); got != invite {
			t.Errorf("%s: branch %s, want the INVITE's %s", tc.name, got, invite)
		}
	}
	differ := []struct{ name, msg string }{
		{"ack of a 2xx (new client branch)", req("ACK", "SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKclient2", "<sip:bob@example.com>;tag=uas", "1")},
		{"other sent-by host", req("INVITE", "SIP/2.0/UDP 192.0.2.11:5062;branch=z9hG4bKclient1", "<sip:bob@example.com>", "1")},
		{"other sent-by port", req("INVITE", "SIP/2.0/UDP 192.0.2.10:5063;branch=z9hG4bKclient1", "<sip:bob@example.com>", "1")},
	}
	for _, tc := range differ {
		if got := branchOf(t, tc.msg, testKey, testHop); txnID(got) == txnID(invite) {
			t.Errorf("%s: transaction id equals the INVITE's", tc.name)
		}
	}
	msg := req("INVITE", via, "<sip:bob@example.com>", "1")
	if got := branchOf(t, msg, BranchKeyFrom([16]byte{1}), testHop); txnID(got) == txnID(invite) || got[len(got)-16:] == invite[len(invite)-16:] {
		t.Error("the key does not change the transaction id and the MAC")
	}
	// The hop changes the MAC, and the leg its letter, not the id: the
	// id of one transaction is the same whichever way it is forwarded.
	hops := map[string]Hop{
		"leg":  {Leg: LegFromFarm, Ours: testHop.Ours, Next: testHop.Next},
		"ours": {Leg: testHop.Leg, Ours: netip.MustParseAddrPort("192.0.2.100:5070"), Next: testHop.Next},
		"next": {Leg: testHop.Leg, Ours: testHop.Ours, Next: netip.MustParseAddrPort("192.0.2.10:5063")},
	}
	for name, hop := range hops {
		got := branchOf(t, msg, testKey, hop)
		if txnID(got) != txnID(invite) || got[len(got)-16:] == invite[len(invite)-16:] {
			t.Errorf("other %s: branch %s, INVITE's %s: want the same id and another MAC", name, got, invite)
		}
	}
	if got := branchOf(t, msg, testKey, hops["leg"]); got[len(BranchPrefix)] != byte(LegFromFarm) {
		t.Errorf("leg letter in %s, want %c", got, LegFromFarm)
	}
}

func TestAppendBranchRFC2543(t *testing.T) {
	for _, via := range []string{
		"SIP/2.0/UDP 192.0.2.10:5062",                  // no branch at all
		"SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK",   // cookie without an id (RFC 4475 badbranch)
		"SIP/2.0/UDP 192.0.2.10:5062;branch=old-style", // RFC 2543 branch
	} {
		t.Run(via, func(t *testing.T) {
			invite := branchOf(t, req("INVITE", via, "<sip:bob@example.com>", "1"), testKey, testHop)
			if got := branchOf(t, req("INVITE", via, "<sip:bob@example.com>", "1"), testKey, testHop); got != invite {
				t.Error("retransmission changed the branch")
			}
			if got := branchOf(t, req("CANCEL", via, "<sip:bob@example.com>", "1"), testKey, testHop); got != invite {
				t.Error("CANCEL got a different branch: the tuple ignores the method")
			}
			for name, msg := range map[string]string{
				"cseq number": req("INVITE", via, "<sip:bob@example.com>", "2"),
				"to tag":      req("INVITE", via, "<sip:bob@example.com>;tag=x", "1"),
				"call-id":     strings.Replace(req("INVITE", via, "<sip:bob@example.com>", "1"), "call-1", "call-2", 1),
				"uri":         strings.Replace(req("INVITE", via, "<sip:bob@example.com>", "1"), "INVITE sip:bob@", "INVITE sip:carol@", 1),
			} {
				if got := branchOf(t, msg, testKey, testHop); got == invite {
					t.Errorf("changing the %s kept the branch", name)
				}
			}
		})
	}
}

// TestVerifyBranch: only a branch made under the key, for that VIP port
// and next hop, verifies; every forgery or alteration fails.
func TestVerifyBranch(t *testing.T) {
	good := branchOf(t, req("INVITE", "SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1", "<sip:b@example.com>", "1"), testKey, testHop)
	if leg, ok := VerifyBranch([]byte(good), &testKey, testHop.Ours, testHop.Next); !ok || leg != LegToFarm {
		t.Fatalf("our own branch %s: %c %v", good, leg, ok)
	}
	// The IPv4-mapped form of the same next hop is the same hop.
	mapped := netip.AddrPortFrom(netip.AddrFrom16(testHop.Next.Addr().As16()), testHop.Next.Port())
	if _, ok := VerifyBranch([]byte(good), &testKey, testHop.Ours, mapped); !ok {
		t.Error("the IPv4-mapped next hop does not verify")
	}
	fromFarm := branchOf(t, req("BYE", "SIP/2.0/UDP 192.0.2.11;branch=z9hG4bKs1", "<sip:a@example.com>;tag=a", "2"), testKey, Hop{LegFromFarm, testHop.Ours, netip.MustParseAddrPort("192.0.2.11:5060")})
	if leg, ok := VerifyBranch([]byte(fromFarm), &testKey, testHop.Ours, netip.MustParseAddrPort("192.0.2.11:5060")); !ok || leg != LegFromFarm {
		t.Errorf("a server's request's branch %s: %c %v", fromFarm, leg, ok)
	}

	flip := func(i int) string {
		b := []byte(good)
		if b[i] == '0' {
			b[i] = '1'
		} else {
			b[i] = '0'
		}
		return string(b)
	}
	p := len(BranchPrefix)
	bad := map[string]string{
		"NOTHEX":               BranchPrefix + "NOTHEX!!",
		"old format":           BranchPrefix + "0123456789abcdef",
		"prefix only":          BranchPrefix,
		"empty":                "",
		"client branch":        "z9hG4bKc1",
		"other leg letter":     good[:p] + "s" + good[p+1:],
		"unknown leg letter":   good[:p] + "x" + good[p+1:],
		"id digit changed":     flip(p + 3),
		"mac digit changed":    flip(len(good) - 1),
		"upper-case hex":       good[:p+1] + strings.ToUpper(good[p+1:]),
		"truncated":            good[:len(good)-1],
		"one more digit":       good + "0",
		"prefix in other case": strings.ToUpper(good[:p]) + good[p:],
		"non-hex digit":        good[:p+5] + "g" + good[p+6:],
	}
	if strings.ToUpper(good[p+1:]) == good[p+1:] {
		t.Fatal("the branch has no hex letter to upper-case; pick another fixture")
	}
	for name, b := range bad {
		if _, ok := VerifyBranch([]byte(b), &testKey, testHop.Ours, testHop.Next); ok {
			t.Errorf("%s: %q verifies", name, b)
		}
	}
	other := map[string]struct {
		k          BranchKey
		ours, next netip.AddrPort
	}{
		"other key":       {BranchKeyFrom([16]byte{9}), testHop.Ours, testHop.Next},
		"other VIP port":  {testKey, netip.MustParseAddrPort("192.0.2.100:5070"), testHop.Next},
		"other VIP":       {testKey, netip.MustParseAddrPort("192.0.2.101:5060"), testHop.Next},
		"other next IP":   {testKey, testHop.Ours, netip.MustParseAddrPort("127.0.0.77:5062")},
		"other next port": {testKey, testHop.Ours, netip.MustParseAddrPort("192.0.2.10:9999")},
	}
	for name, o := range other {
		if _, ok := VerifyBranch([]byte(good), &o.k, o.ours, o.next); ok {
			t.Errorf("%s: verifies", name)
		}
	}
}

// Two processes draw two keys: a branch of one does not verify in the
// other.
func TestNewBranchKey(t *testing.T) {
	a, b := NewBranchKey(), NewBranchKey()
	if a == b || a == (BranchKey{}) || b == (BranchKey{}) {
		t.Fatalf("keys %x and %x", a, b)
	}
	br := branchOf(t, req("INVITE", "SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKc1", "<sip:b@example.com>", "1"), a, testHop)
	if _, ok := VerifyBranch([]byte(br), &b, testHop.Ours, testHop.Next); ok {
		t.Error("a branch verifies under another process's key")
	}
}
