package reason

import "testing"

func TestNamesAreUniqueAndStable(t *testing.T) {
	seen := map[string]bool{}
	for r := range Num {
		n := Reason(r).String()
		if n == "" || n == "unknown" || seen[n] {
			t.Errorf("reason %d has name %q (empty, unknown or duplicate)", r, n)
		}
		seen[n] = true
	}
	if Reason(Num).String() != "unknown" {
		t.Error("out-of-range reason must read unknown")
	}
}

// TestAppendOnly holds the released reasons in their order: an SNMP
// manager indexes the drop table by value+1, so a value never changes
// meaning. New reasons go after the last one here.
func TestAppendOnly(t *testing.T) {
	released := []string{"ok", "keepalive", "not-sip", "too-large", "truncated", "bad-start-line", "bad-version",
		"bad-header", "no-call-id", "bad-call-id", "no-via", "bad-via", "no-cseq", "bad-cseq", "bad-content-length",
		"bad-max-forwards", "too-many-hops", "no-next-hop", "wrong-kind", "not-our-via", "no-server", "max-conn",
		"no-route", "loop", "out-too-large", "send-error", "pong", "no-mac", "frag-no-call-id"}
	if Num < len(released) {
		t.Fatalf("%d reasons, %d released: a reason was removed", Num, len(released))
	}
	for i, n := range released {
		if got := Reason(i).String(); got != n {
			t.Errorf("reason %d is %q, was %q in a release: append new reasons at the end", i, got, n)
		}
	}
}

func TestFramesAppendOnly(t *testing.T) {
	released := []string{"ok", "short", "not-ipv4", "bad-ip", "not-udp", "bad-udp", "no-vport", "frag-orphan", "send-error"}
	if NumFrames < len(released) {
		t.Fatalf("%d frame reasons, %d released: one was removed", NumFrames, len(released))
	}
	seen := map[string]bool{}
	for i := range NumFrames {
		n := Frame(i).String()
		if i < len(released) && n != released[i] {
			t.Errorf("frame reason %d is %q, was %q in a release: append new ones at the end", i, n, released[i])
		}
		if n == "unknown" || seen[n] {
			t.Errorf("frame reason %d has name %q (unknown or duplicate)", i, n)
		}
		seen[n] = true
	}
	if Frame(NumFrames).String() != "unknown" {
		t.Error("out-of-range frame reason must read unknown")
	}
}
