package engine

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"sipslb/slb/hash"
	"sipslb/slb/health"
	"sipslb/slb/status"
)

// A down event marks the server's dialogs lost (show sip hash then names a
// survivor and says why); a failing one does not: the server is alive.
func TestDownLosesDialogs(t *testing.T) {
	e := newEngine(t)
	c := cfgWith("127.31.220.105")
	c.Reals[0].Ports[0].NoKeepalive = true // events are injected below
	if err := e.Apply(c); err != nil {
		t.Fatal(err)
	}
	st := e.state.Load()
	vp := st.VPorts[netip.MustParseAddrPort("127.31.220.105:5060")]
	rs1 := vp.Servers[0]
	const callID = "lost@host"
	now := time.Now().UnixNano()
	st.Dialogs.Put(hash.KeyString(callID), rs1.ID, now+int64(time.Hour))
	k := health.Key{Real: "rs1", Port: 5060}

	e.loseDialogs(health.Event{Key: k, From: status.Up, To: status.Failing})
	if _, lost, ok := st.Dialogs.Get(hash.KeyString(callID), now); !ok || lost {
		t.Fatalf("failing: entry ok %v lost %v, want kept", ok, lost)
	}
	e.loseDialogs(health.Event{Key: health.Key{Real: "rs9", Port: 5060}, From: status.Up, To: status.Down})
	e.loseDialogs(health.Event{Key: k, From: status.Failing, To: status.Down})
	if _, lost, ok := st.Dialogs.Get(hash.KeyString(callID), now); !ok || !lost {
		t.Fatalf("down: entry ok %v lost %v, want lost", ok, lost)
	}
	if n := st.Dialogs.CountFor(rs1.ID); n != 0 {
		t.Errorf("rs1 counts %d dialogs after losing them", n)
	}
	routes, err := e.SIPHash(callID, "")
	if err != nil || len(routes) == 0 || routes[0].Real != "rs2" || !strings.Contains(routes[0].Note, "lost with rs1") {
		t.Errorf("SIPHash: %+v %v", routes, err)
	}
}
