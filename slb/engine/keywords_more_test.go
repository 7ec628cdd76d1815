package engine

// More keyword effect tests, in the manner of keywords_test.go (whose
// helpers they use). Address block 127.31.240.0/24 is this file's own.

import (
	"strings"
	"testing"
	"time"

	"sipslb/slb/config"
)

// port sip keepalive register-aor (the per-port override) and its no
// form: the REGISTER probe to the overriding port carries its AoR, the
// other port's carries the global one; after the no form both carry the
// global one.
func TestKeywordKeepaliveRegisterAoROverride(t *testing.T) {
	const block = 240
	const global, override = "sip:global@keywords.test", "sip:override@keywords.test"
	e := newEngine(t)
	p1 := newPeer(t, kwAddr(block, 11), 200)
	p2 := newPeer(t, kwAddr(block, 12), 200)
	c := kwConfig(block, 2, true)
	c.Health.Method = config.MethodRegister
	c.Health.AoR = global
	aor := override
	c.Reals[1].Ports[0].Health.AoR = &aor
	kwApply(t, e, c)
	waitFor(t, "two REGISTER probes at each server", 5*time.Second, func() bool {
		return p1.count("REGISTER") >= 2 && p2.count("REGISTER") >= 2
	})
	for _, m := range p1.msgs("REGISTER") {
		if !strings.Contains(m.to, global) {
			t.Errorf("rs1 (global register-aor) got a REGISTER probe To %q, want %s", m.to, global)
		}
	}
	for _, m := range p2.msgs("REGISTER") {
		if !strings.Contains(m.to, override) {
			t.Errorf("rs2 (port sip keepalive register-aor %s) got a REGISTER probe To %q", override, m.to)
		}
	}

	// no port sip keepalive register-aor: rs2's probes carry the global AoR.
	c = c.Clone()
	c.Reals[1].Ports[0].Health.AoR = nil
	kwApply(t, e, c)
	seen := p2.count("REGISTER")
	waitFor(t, "rs2 probed with the global AoR after the override is removed", 5*time.Second, func() bool {
		msgs := p2.msgs("REGISTER")
		return len(msgs) > seen && strings.Contains(msgs[len(msgs)-1].to, global)
	})
	// A probe already in flight at the change may still carry the old AoR;
	// every one sent well after it carries the global one.
	time.Sleep(300 * time.Millisecond)
	settled := p2.count("REGISTER")
	waitFor(t, "more probes of rs2", 5*time.Second, func() bool { return p2.count("REGISTER") >= settled+2 })
	for _, m := range p2.msgs("REGISTER")[settled:] {
		if !strings.Contains(m.to, global) {
			t.Errorf("rs2 after no register-aor override: probe To %q, want %s", m.to, global)
		}
	}
}
