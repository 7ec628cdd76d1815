package sip

import (
	"bytes"
	"testing"

	"sipslb/slb/reason"
)

// What the balancer writes into a message (our Via, Record-Route,
// Max-Forwards, the lines of its own 483/503) ends its lines as the
// message does: a request written with LF alone (which the scanner
// accepts, RFC 3261 §7.5 asks for CRLF) is forwarded with LF alone, never
// with mixed line endings; a CRLF message stays CRLF throughout.
func TestInsertedLinesFollowTheMessage(t *testing.T) {
	// The head in LF, the body (226 bytes, Content-Length) as it was.
	i := bytes.Index(typicalInvite, []byte("\r\n\r\n"))
	lf := append(bytes.ReplaceAll(typicalInvite[:i], []byte("\r\n"), []byte("\n")), "\n\n"...)
	lf = append(lf, typicalInvite[i+4:]...)
	lf = bytes.Replace(lf, []byte("Max-Forwards: 70\n"), nil, 1) // we add one
	fw := &Forward{Host: vipHost, Port: 5060, Branch: []byte(BranchPrefix + "0123456789abcdef"), Source: client,
		RecordRoute: []byte("<sip:192.0.2.100:5060;lr>")}
	for _, tc := range []struct {
		name string
		in   []byte
		crlf bool
		mf   string
	}{{"LF", lf, false, "Max-Forwards: 70"}, {"CRLF", typicalInvite, true, "Max-Forwards: 69"}} {
		var m Msg
		if r := Scan(tc.in, &m); r != reason.OK {
			t.Fatalf("%s: scan %v", tc.name, r)
		}
		out, r := AppendForwardRequest(nil, tc.in, &m, fw)
		if r != reason.OK {
			t.Fatalf("%s: forward %v", tc.name, r)
		}
		checkLineEnds(t, tc.name+" forwarded", out, tc.crlf)
		for _, want := range []string{"Via: SIP/2.0/UDP 192.0.2.100:5060;branch=", "Record-Route: <sip:192.0.2.100:5060;lr>", tc.mf} {
			if !bytes.Contains(out, []byte(want)) {
				t.Errorf("%s: %q missing:\n%s", tc.name, want, out)
			}
		}
		var fm Msg
		if r := Scan(out, &fm); r != reason.OK || fm.ViaCount != 2 || fm.ContentLength != 226 {
			t.Errorf("%s: the forwarded request scans as %v with %d Vias, Content-Length %d", tc.name, r, fm.ViaCount, fm.ContentLength)
		}
		ans := AppendResponse(nil, tc.in, &m, client, 503, "Service Unavailable", []byte("lb1"))
		checkLineEnds(t, tc.name+" 503", ans, tc.crlf)
		if r := Scan(ans, &fm); r != reason.OK || fm.Status != 503 {
			t.Errorf("%s: the 503 scans as %v status %d", tc.name, r, fm.Status)
		}
	}
}

// checkLineEnds: every line of msg's head ends in CRLF (crlf) or in a bare
// LF (!crlf).
func checkLineEnds(t *testing.T, what string, msg []byte, crlf bool) {
	t.Helper()
	head := msg
	if i := bytes.Index(msg, []byte("\n\n")); i >= 0 && !crlf {
		head = msg[:i+2]
	} else if i := bytes.Index(msg, []byte("\r\n\r\n")); i >= 0 && crlf {
		head = msg[:i+4]
	}
	for i, c := range head {
		switch {
		case c == '\n' && crlf && (i == 0 || head[i-1] != '\r'):
			t.Errorf("%s: bare LF at %d in a CRLF message:\n%q", what, i, head)
			return
		case c == '\r' && !crlf:
			t.Errorf("%s: CR at %d in an LF message:\n%q", what, i, head)
			return
		}
	}
}
