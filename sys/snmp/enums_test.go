package snmp

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"sipslb/slb/sip"
	"sipslb/slb/status"
)

// enumIn returns the labels of the INTEGER enumeration that follows
// "<object> OBJECT-TYPE" or "<tc> ::= TEXTUAL-CONVENTION" in the SIP MIB,
// by value.
func enumIn(t *testing.T, name string) map[int]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(mibDir(t), "SIPSLB-SIP-MIB"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "\n"+name+" ")
	if i < 0 {
		t.Fatalf("%s not in SIPSLB-SIP-MIB", name)
	}
	s = s[i:]
	s = s[strings.Index(s, "{"):strings.Index(s, "}")]
	out := map[int]string{}
	for _, m := range regexp.MustCompile(`([a-z][A-Za-z0-9-]*)\((\d+)\)`).FindAllStringSubmatch(s, -1) {
		v, _ := strconv.Atoi(m[2])
		out[v] = m[1]
	}
	return out
}

// The method table's index is sip.Method+1: the MIB's enumeration and the
// scanner's method list are the same list in the same order.
func TestMethodEnumIsSIPMethod(t *testing.T) {
	enum := enumIn(t, "sipslbVportMethod")
	if len(enum) != sip.NumMethods {
		t.Errorf("MIB enumerates %d methods, sip.Method has %d", len(enum), sip.NumMethods)
	}
	for m := range sip.NumMethods {
		if got, want := enum[m+1], strings.ToLower(sip.Method(m).String()); got != want {
			t.Errorf("MIB method %d is %q, sip.Method(%d) is %q", m+1, got, m, want)
		}
	}
}

// Every status.Health has a SipslbHealth label that says the same.
func TestHealthEncoding(t *testing.T) {
	enum := enumIn(t, "SipslbHealth")
	want := map[status.Health]string{status.Unknown: "unknown", status.Up: "up", status.Down: "down",
		status.Failing: "failing", status.Disabled: "disabled", status.NoCheck: "up"}
	for h, label := range want {
		if got := enum[mibHealth(h)]; got != label {
			t.Errorf("%v is served as %d (%q), want %q", h, mibHealth(h), got, label)
		}
	}
}
