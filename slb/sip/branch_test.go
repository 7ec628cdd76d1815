package sip

import (
	"regexp"
	"testing"

	"sipslb/slb/reason"
)

func branchOf(t *testing.T, raw string, seed uint64) string {
	t.Helper()
	b := crlf(raw)
	var m Msg
	if r := Scan(b, &m); r != reason.OK {
		t.Fatalf("Scan = %v for\n%s", r, raw)
	}
	return string(AppendBranch(nil, b, &m, seed))
}

func req(method, via, to string, cseq string) string {
	return method + " sip:bob@example.com SIP/2.0\n" +
		"Via: " + via + "\n" +
		"To: " + to + "\n" +
		"From: <sip:alice@example.com>;tag=f1\n" +
		"Call-ID: call-1\n" +
		"CSeq: " + cseq + " " + method + "\n\n"
}

func TestAppendBranch(t *testing.T) {
	const via = "SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKclient1"
	invite := branchOf(t, req("INVITE", via, "<sip:bob@example.com>", "1"), 7)
	if !regexp.MustCompile(`^z9hG4bK-slb-[0-9a-f]{16}$`).MatchString(invite) {
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
		if got := branchOf(t, tc.msg, 7); got != invite {
			t.Errorf("%s: branch %s, want the INVITE's %s", tc.name, got, invite)
		}
	}
	differ := []struct{ name, msg string }{
		{"ack of a 2xx (new client branch)", req("ACK", "SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKclient2", "<sip:bob@example.com>;tag=uas", "1")},
		{"other sent-by host", req("INVITE", "SIP/2.0/UDP 192.0.2.11:5062;branch=z9hG4bKclient1", "<sip:bob@example.com>", "1")},
		{"other sent-by port", req("INVITE", "SIP/2.0/UDP 192.0.2.10:5063;branch=z9hG4bKclient1", "<sip:bob@example.com>", "1")},
	}
	for _, tc := range differ {
		if got := branchOf(t, tc.msg, 7); got == invite {
			t.Errorf("%s: branch equals the INVITE's", tc.name)
		}
	}
	if branchOf(t, req("INVITE", via, "<sip:bob@example.com>", "1"), 8) == invite {
		t.Error("the seed does not change the branch")
	}
}

func TestAppendBranchRFC2543(t *testing.T) {
	for _, via := range []string{
		"SIP/2.0/UDP 192.0.2.10:5062",                  // no branch at all
		"SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK",   // cookie without an id (RFC 4475 badbranch)
		"SIP/2.0/UDP 192.0.2.10:5062;branch=old-style", // RFC 2543 branch
	} {
		t.Run(via, func(t *testing.T) {
			invite := branchOf(t, req("INVITE", via, "<sip:bob@example.com>", "1"), 7)
			if got := branchOf(t, req("INVITE", via, "<sip:bob@example.com>", "1"), 7); got != invite {
				t.Error("retransmission changed the branch")
			}
			if got := branchOf(t, req("CANCEL", via, "<sip:bob@example.com>", "1"), 7); got != invite {
				t.Error("CANCEL got a different branch: the tuple ignores the method")
			}
			for name, msg := range map[string]string{
				"cseq number": req("INVITE", via, "<sip:bob@example.com>", "2"),
				"to tag":      req("INVITE", via, "<sip:bob@example.com>;tag=x", "1"),
				"call-id":     req("INVITE", via, "<sip:bob@example.com>", "1") + "", // replaced below
			} {
				if name == "call-id" {
					msg = "INVITE sip:bob@example.com SIP/2.0\nVia: " + via + "\nTo: <sip:bob@example.com>\nFrom: <sip:alice@example.com>;tag=f1\nCall-ID: call-2\nCSeq: 1 INVITE\n\n"
				}
				if got := branchOf(t, msg, 7); got == invite {
					t.Errorf("changing the %s kept the branch", name)
				}
			}
			uri := "INVITE sip:carol@example.com SIP/2.0\nVia: " + via + "\nTo: <sip:bob@example.com>\nFrom: <sip:alice@example.com>;tag=f1\nCall-ID: call-1\nCSeq: 1 INVITE\n\n"
			if branchOf(t, uri, 7) == invite {
				t.Error("changing the Request-URI kept the branch")
			}
		})
	}
}
