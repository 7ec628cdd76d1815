package sip

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sipslb/slb/reason"
)

// The RFC 4475 messages are typed in testdata/rfc4475 with CRLF line ends:
// §3.1.1 (valid) and §3.1.2 (invalid), plus a few §3.3 messages that matter
// to a stateless proxy (inv2543, zeromf, insuf, multi01, mcl01). mpart01's
// binary body part is shortened (the RFC carries it only in base64); its
// Content-Length matches what is there.

func readTorture(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "rfc4475", dir, name+".sip"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTortureValid(t *testing.T) {
	tests := []struct {
		name     string
		callID   string
		viaCount int
		topHost  string
		branch   string
		cseq     uint32
		method   Method
		status   int
	}{
		{"wsinv", "wsinv.ndaksdj@192.0.2.1", 3, "192.0.2.2", "390skdjuw", 9, MethodInvite, 0},
		{"intmeth", `intmeth.word%ZK-!.*_+'@word` + "`" + `~)(><:\/"][?}{`, 1, "host1.example.com", "z9hG4bK-.!%66*_+`'~", 139122385, MethodOther, 0},
		{"esc01", "esc01.239409asdfakjkn23onasd0-3234", 1, "host5.example.net", "z9hG4bKkdjuw", 234234, MethodInvite, 0},
		{"escnull", "escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd", 1, "host5.example.com", "z9hG4bKkdjuw", 14398234, MethodRegister, 0},
		{"esc02", "esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf", 1, "host.example.com", "z9hG4bK209%fzsnel234", 29344, MethodOther, 0},
		{"lwsdisp", "lwsdisp.1234abcd@funky.example.com", 1, "funky.example.com", "z9hG4bKkdjuw", 60, MethodOptions, 0},
		{"longreq", "longreq.one" + strings.Repeat("really", 20) + "longcallid", 34, "sip33.example.com", "", 3882340, MethodInvite, 0},
		{"dblreq", "dblreq.0ha0isndaksdj99sdfafnl3lk233412", 1, "192.0.2.125", "z9hG4bKkdjuw23492", 8, MethodRegister, 0},
		{"semiuri", "semiuri.0ha0isndaksdj", 1, "192.0.2.1", "z9hG4bKkdjuw", 8, MethodOptions, 0},
		{"transports", "transports.kijh4akdnaqjkwendsasfdj", 5, "t1.example.com", "z9hG4bKkdjuw", 60, MethodOptions, 0},
		{"mpart01", "3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..", 1, "127.0.0.1", "z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-", 1, MethodMessage, 0},
		{"unreason", "unreason.1234ksdfak3j2erwedfsASdf", 1, "192.0.2.198", "z9hG4bK1324923", 35, MethodInvite, 200},
		{"noreason", "noreason.asndj203insdf99223ndf", 1, "192.0.2.105", "z9hG4bK2398ndaoe", 35, MethodInvite, 100},
		{"inv2543", "inv2543.1717@ift.client.example.com", 1, "iftgw.example.com", "", 56, MethodInvite, 0},
		{"zeromf", "zeromf.jfasdlfnm2o2l43r5u0asdfas", 1, "host1.example.com", "z9hG4bKkdjuw2349i", 39234321, MethodOptions, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := readTorture(t, "valid", tc.name)
			var m Msg
			if r := Scan(b, &m); r != reason.OK {
				t.Fatalf("Scan = %v, want ok", r)
			}
			if got := string(m.CallID.Bytes(b)); got != tc.callID {
				t.Errorf("Call-ID = %q, want %q", got, tc.callID)
			}
			if m.ViaCount != tc.viaCount {
				t.Errorf("ViaCount = %d, want %d", m.ViaCount, tc.viaCount)
			}
			if got := string(m.Via[0].Host.Bytes(b)); got != tc.topHost {
				t.Errorf("top Via host = %q, want %q", got, tc.topHost)
			}
			if got := string(m.Via[0].Branch.Bytes(b)); got != tc.branch {
				t.Errorf("top Via branch = %q, want %q", got, tc.branch)
			}
			if m.CSeq != tc.cseq || m.CSeqMethod != tc.method {
				t.Errorf("CSeq = %d %v, want %d %v", m.CSeq, m.CSeqMethod, tc.cseq, tc.method)
			}
			if m.Request != (tc.status == 0) || m.Status != tc.status {
				t.Errorf("Request=%v Status=%d, want status %d", m.Request, m.Status, tc.status)
			}
			if m.Request && m.Method != tc.method {
				t.Errorf("Method = %v, want %v", m.Method, tc.method)
			}
		})
	}
}

// TestTortureDetails checks what the Call-ID table does not: folded and
// LWS-laden fields of wsinv, the second via-parm, and the RFC 3261 §18.3
// rule that bytes after Content-Length are not part of the message.
func TestTortureDetails(t *testing.T) {
	var m Msg
	b := readTorture(t, "valid", "wsinv")
	if r := Scan(b, &m); r != reason.OK {
		t.Fatal(r)
	}
	checks := []struct{ what, got, want string }{
		{"to tag", string(m.ToTag.Bytes(b)), "1918181833n"},
		{"from tag", string(m.FromTag.Bytes(b)), "98asjd8"},
		{"max-forwards span", string(m.MaxForwardsSpan.Bytes(b)), "0068"},
		{"second via host", string(m.Via[1].Host.Bytes(b)), "spindle.example.com"},
		{"second via transport", string(m.Via[1].Transport.Bytes(b)), "TCP"},
		{"second via branch", string(m.Via[1].Branch.Bytes(b)), "z9hG4bK9ikj8"},
		{"top via transport", string(m.Via[0].Transport.Bytes(b)), "UDP"},
		{"route", string(m.Route[0].Bytes(b)), "<sip:services.example.com;lr;unknownwith=value;unknown-no-value>"},
		{"request-uri", string(m.RequestURI.Bytes(b)), "sip:vivekg@chair-dnrc.example.com;unknownparam"},
		{"body", string(b[m.BodyOff:m.End]), string(b[len(b)-150:])},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("wsinv %s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if m.MaxForwards != 68 || m.ContentLength != 150 || !m.HasToTag {
		t.Errorf("wsinv MaxForwards=%d ContentLength=%d HasToTag=%v", m.MaxForwards, m.ContentLength, m.HasToTag)
	}

	b = readTorture(t, "valid", "dblreq")
	if r := Scan(b, &m); r != reason.OK {
		t.Fatal(r)
	}
	if int(m.End) != int(m.BodyOff) || int(m.End) == len(b) {
		t.Errorf("dblreq End=%d BodyOff=%d len=%d: the trailing INVITE must be outside the message", m.End, m.BodyOff, len(b))
	}

	b = readTorture(t, "valid", "mpart01")
	if r := Scan(b, &m); r != reason.OK {
		t.Fatal(r)
	}
	if m.Via[0].Rport != 0 || m.Via[0].Port != 5070 || string(m.Via[0].RportParam.Bytes(b)) != "rport" {
		t.Errorf("mpart01 via port=%d rport=%d param=%q", m.Via[0].Port, m.Via[0].Rport, m.Via[0].RportParam.Bytes(b))
	}
}

func TestTortureInvalid(t *testing.T) {
	tests := []struct {
		name string
		want reason.Reason
		why  string // for the ones a routing scanner accepts
	}{
		{"badinv01", reason.BadVia, ""},
		{"clerr", reason.Truncated, ""},
		{"ncl", reason.BadContentLength, ""},
		{"scalar02", reason.BadCSeq, ""},
		{"scalarlg", reason.BadCSeq, ""},
		{"quotbal", reason.BadHeader, ""},
		{"ltgtruri", reason.BadStartLine, ""},
		{"lwsruri", reason.BadStartLine, ""},
		{"lwsstart", reason.BadStartLine, ""},
		{"trws", reason.BadStartLine, ""},
		{"escruri", reason.BadStartLine, ""},
		{"baddate", reason.OK, "Date is not read; the real server judges it"},
		{"regbadct", reason.OK, "Contact is not read; the registrar judges it"},
		{"badaspec", reason.OK, "the To URI is not parsed, only its tag is looked for"},
		{"baddn", reason.OK, "display names are not parsed, only tags are looked for"},
		{"badvers", reason.BadVersion, ""},
		{"mismatch01", reason.BadCSeq, ""},
		{"mismatch02", reason.BadCSeq, ""},
		{"bigcode", reason.BadStartLine, ""},
		{"insuf", reason.NoCallID, ""},
		{"multi01", reason.BadCSeq, ""},
		{"mcl01", reason.BadContentLength, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := readTorture(t, "invalid", tc.name)
			var m Msg
			if r := Scan(b, &m); r != tc.want {
				t.Errorf("Scan = %v, want %v %s", r, tc.want, tc.why)
			}
		})
	}
	// Every file in the directory is in the table.
	files, _ := filepath.Glob(filepath.Join("testdata", "rfc4475", "invalid", "*.sip"))
	if len(files) != len(tests) {
		t.Errorf("%d invalid files, %d table rows", len(files), len(tests))
	}
}
