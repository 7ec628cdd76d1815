package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"sipslb/slb/latency"
	"sipslb/slb/reason"
	"sipslb/slb/sip"
	"sipslb/slb/status"
)

// knownSnapshot is one VIP port and two real ports in known states.
func knownSnapshot() *status.Snapshot {
	vp := &status.VirtualPort{Listening: true, Dialogs: 3, Placed: 7, PeakDialogs: 5}
	vp.Requests[sip.MethodInvite] = 10
	vp.Requests[sip.MethodBye], vp.FromServers[sip.MethodBye] = 9, 4
	for c := range vp.Responses {
		vp.Responses[c] = uint64(c * 2)
	}
	vp.Drops[reason.OK] = 99 // must not show: not a drop
	vp.Drops[reason.NoServer] = 2
	for a := range vp.Answers {
		vp.Answers[a] = uint64(a)
	}
	vp.Latency.Buckets[3] = 90                   // [3, 4) µs
	vp.Latency.Buckets[60] = 9                   // [60, 61) µs
	vp.Latency.Buckets[latency.NumBuckets-1] = 1 // the last bucket, up to 16.8 s
	vp.Latency.Sum = 2 * time.Second
	up := &status.RealPort{Health: status.Up, Requests: 11, Responses: 12, Dialogs: 2, Placed: 5, PeakDialogs: 3, Drops: 1}
	up.ProbeRTT.Observe(300 * time.Microsecond)
	up.ProbeRTT.Observe(3 * time.Millisecond)
	up.ProbeRTT.Observe(4 * time.Millisecond)
	up.ProbeRTT.Observe(10 * time.Second)
	down := &status.RealPort{Health: status.Down, Requests: 8, Responses: 8, Placed: 2}
	return &status.Snapshot{
		Reals: map[string]*status.Real{
			"rs1": {Ports: map[uint16]*status.RealPort{5060: up}},
			"rs2": {Ports: map[uint16]*status.RealPort{5070: down}},
		},
		Virtuals:    map[string]*status.Virtual{"vip1": {Ports: map[uint16]*status.VirtualPort{5060: vp}}},
		DialogTable: status.DialogTable{Entries: 3, MaxEntries: 1024, Evictions: 6},
	}
}

// TestCollectorExposition: the exposition of a known state, parsed by
// Prometheus's own parser, has exactly the expected values.
func TestCollectorExposition(t *testing.T) {
	c := NewCollector(knownSnapshot)
	want := `
# HELP sipslb_real_requests_total SIP requests forwarded to the real server port.
# TYPE sipslb_real_requests_total counter
sipslb_real_requests_total{port="5060",real="rs1"} 11
sipslb_real_requests_total{port="5070",real="rs2"} 8
# HELP sipslb_real_up 1 when the real server port may be picked (health up, unknown or not checked).
# TYPE sipslb_real_up gauge
sipslb_real_up{port="5060",real="rs1"} 1
sipslb_real_up{port="5070",real="rs2"} 0
# HELP sipslb_real_probe_rtt_seconds Round-trip time of the answered health probes of the real server port.
# TYPE sipslb_real_probe_rtt_seconds histogram
sipslb_real_probe_rtt_seconds_bucket{port="5060",real="rs1",le="0.0005"} 1
sipslb_real_probe_rtt_seconds_bucket{port="5060",real="rs1",le="0.001"} 1
sipslb_real_probe_rtt_seconds_bucket{port="5060",real="rs1",le="0.0025"} 1
sipslb_real_probe_rtt_seconds_bucket{port="5060",real="rs1",le="0.005"} 3
sipslb_real_probe_rtt_seconds_bucket{port="5060",real="rs1",le="0.01"} 3
sipslb_real_probe_rtt_seconds_bucket{port="5060",real="rs1",le="0.025"} 3
sipslb_real_probe_rtt_seconds_bucket{port="5060",real="rs1",le="0.05"} 3
sipslb_real_probe_rtt_seconds_bucket{port="5060",real="rs1",le="0.1"} 3
sipslb_real_probe_rtt_seconds_bucket{port="5060",real="rs1",le="0.25"} 3
sipslb_real_probe_rtt_seconds_bucket{port="5060",real="rs1",le="0.5"} 3
sipslb_real_probe_rtt_seconds_bucket{port="5060",real="rs1",le="1"} 3
sipslb_real_probe_rtt_seconds_bucket{port="5060",real="rs1",le="2.5"} 3
sipslb_real_probe_rtt_seconds_bucket{port="5060",real="rs1",le="+Inf"} 4
sipslb_real_probe_rtt_seconds_sum{port="5060",real="rs1"} 10.0073
sipslb_real_probe_rtt_seconds_count{port="5060",real="rs1"} 4
sipslb_real_probe_rtt_seconds_bucket{port="5070",real="rs2",le="0.0005"} 0
sipslb_real_probe_rtt_seconds_bucket{port="5070",real="rs2",le="0.001"} 0
sipslb_real_probe_rtt_seconds_bucket{port="5070",real="rs2",le="0.0025"} 0
sipslb_real_probe_rtt_seconds_bucket{port="5070",real="rs2",le="0.005"} 0
sipslb_real_probe_rtt_seconds_bucket{port="5070",real="rs2",le="0.01"} 0
sipslb_real_probe_rtt_seconds_bucket{port="5070",real="rs2",le="0.025"} 0
sipslb_real_probe_rtt_seconds_bucket{port="5070",real="rs2",le="0.05"} 0
sipslb_real_probe_rtt_seconds_bucket{port="5070",real="rs2",le="0.1"} 0
sipslb_real_probe_rtt_seconds_bucket{port="5070",real="rs2",le="0.25"} 0
sipslb_real_probe_rtt_seconds_bucket{port="5070",real="rs2",le="0.5"} 0
sipslb_real_probe_rtt_seconds_bucket{port="5070",real="rs2",le="1"} 0
sipslb_real_probe_rtt_seconds_bucket{port="5070",real="rs2",le="2.5"} 0
sipslb_real_probe_rtt_seconds_bucket{port="5070",real="rs2",le="+Inf"} 0
sipslb_real_probe_rtt_seconds_sum{port="5070",real="rs2"} 0
sipslb_real_probe_rtt_seconds_count{port="5070",real="rs2"} 0
# HELP sipslb_dialog_table_entries Entries in the dialog table, live or expired and not yet swept.
# TYPE sipslb_dialog_table_entries gauge
sipslb_dialog_table_entries 3
# HELP sipslb_dialog_table_max_entries The dialog table's bound (server sip-dialog max-entries).
# TYPE sipslb_dialog_table_max_entries gauge
sipslb_dialog_table_max_entries 1024
# HELP sipslb_dialog_table_evictions_total Live dialog-table entries dropped to make room for a new one.
# TYPE sipslb_dialog_table_evictions_total counter
sipslb_dialog_table_evictions_total 6
# HELP sipslb_vport_latency_seconds Time datagrams of the virtual port spent inside the balancer, from the receive of their batch to the send call.
# TYPE sipslb_vport_latency_seconds histogram
sipslb_vport_latency_seconds_bucket{port="5060",virtual="vip1",le="2e-06"} 0
sipslb_vport_latency_seconds_bucket{port="5060",virtual="vip1",le="5e-06"} 90
sipslb_vport_latency_seconds_bucket{port="5060",virtual="vip1",le="1e-05"} 90
sipslb_vport_latency_seconds_bucket{port="5060",virtual="vip1",le="2e-05"} 90
sipslb_vport_latency_seconds_bucket{port="5060",virtual="vip1",le="5e-05"} 90
sipslb_vport_latency_seconds_bucket{port="5060",virtual="vip1",le="0.0001"} 99
sipslb_vport_latency_seconds_bucket{port="5060",virtual="vip1",le="0.0002"} 99
sipslb_vport_latency_seconds_bucket{port="5060",virtual="vip1",le="0.0004"} 99
sipslb_vport_latency_seconds_bucket{port="5060",virtual="vip1",le="0.0008"} 99
sipslb_vport_latency_seconds_bucket{port="5060",virtual="vip1",le="0.0016"} 99
sipslb_vport_latency_seconds_bucket{port="5060",virtual="vip1",le="0.0032"} 99
sipslb_vport_latency_seconds_bucket{port="5060",virtual="vip1",le="0.0064"} 99
sipslb_vport_latency_seconds_bucket{port="5060",virtual="vip1",le="0.0128"} 99
sipslb_vport_latency_seconds_bucket{port="5060",virtual="vip1",le="0.0256"} 99
sipslb_vport_latency_seconds_bucket{port="5060",virtual="vip1",le="0.0512"} 99
sipslb_vport_latency_seconds_bucket{port="5060",virtual="vip1",le="0.1024"} 99
sipslb_vport_latency_seconds_bucket{port="5060",virtual="vip1",le="+Inf"} 100
sipslb_vport_latency_seconds_sum{port="5060",virtual="vip1"} 2
sipslb_vport_latency_seconds_count{port="5060",virtual="vip1"} 100
# HELP sipslb_vport_dialogs Dialog-table entries now pinned to the virtual port's bound real ports.
# TYPE sipslb_vport_dialogs gauge
sipslb_vport_dialogs{port="5060",virtual="vip1"} 3
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "sipslb_real_requests_total", "sipslb_real_up",
		"sipslb_real_probe_rtt_seconds", "sipslb_dialog_table_entries", "sipslb_dialog_table_max_entries",
		"sipslb_dialog_table_evictions_total", "sipslb_vport_dialogs", "sipslb_vport_latency_seconds"); err != nil {
		t.Error(err)
	}
}

// TestCollectorLabels checks the labelled families series by series: the
// direction split, classes, drop reasons without "ok", and the one-hot
// health state.
func TestCollectorLabels(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewCollector(knownSnapshot))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName() + "{"
			for _, l := range m.GetLabel() {
				key += l.GetName() + "=" + l.GetValue() + ","
			}
			key += "}"
			switch {
			case m.Counter != nil:
				got[key] = m.Counter.GetValue()
			case m.Gauge != nil:
				got[key] = m.Gauge.GetValue()
			}
		}
	}
	want := map[string]float64{
		"sipslb_vport_requests_total{direction=client_to_server,method=INVITE,port=5060,virtual=vip1,}": 10,
		"sipslb_vport_requests_total{direction=server_to_client,method=INVITE,port=5060,virtual=vip1,}": 0,
		"sipslb_vport_requests_total{direction=client_to_server,method=BYE,port=5060,virtual=vip1,}":    5,
		"sipslb_vport_requests_total{direction=server_to_client,method=BYE,port=5060,virtual=vip1,}":    4,
		"sipslb_vport_responses_total{class=2xx,port=5060,virtual=vip1,}":                               2,
		"sipslb_vport_responses_total{class=6xx,port=5060,virtual=vip1,}":                               10,
		"sipslb_vport_drops_total{port=5060,reason=no-server,virtual=vip1,}":                            2,
		"sipslb_vport_drops_total{port=5060,reason=loop,virtual=vip1,}":                                 0,
		"sipslb_vport_answers_total{answer=503-no-server,port=5060,virtual=vip1,}":                      2,
		"sipslb_vport_dialogs_placed_total{port=5060,virtual=vip1,}":                                    7,
		"sipslb_vport_dialogs_peak{port=5060,virtual=vip1,}":                                            5,
		"sipslb_vport_listening{port=5060,virtual=vip1,}":                                               1,
		"sipslb_real_responses_total{port=5060,real=rs1,}":                                              12,
		"sipslb_real_drops_total{port=5060,real=rs1,}":                                                  1,
		"sipslb_real_dialogs{port=5060,real=rs1,}":                                                      2,
		"sipslb_real_dialogs_placed_total{port=5070,real=rs2,}":                                         2,
		"sipslb_real_dialogs_peak{port=5060,real=rs1,}":                                                 3,
		"sipslb_real_health_state{port=5060,real=rs1,state=up,}":                                        1,
		"sipslb_real_health_state{port=5060,real=rs1,state=down,}":                                      0,
		"sipslb_real_health_state{port=5070,real=rs2,state=down,}":                                      1,
		"sipslb_real_health_state{port=5070,real=rs2,state=up,}":                                        0,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	if _, ok := got["sipslb_vport_drops_total{port=5060,reason=ok,virtual=vip1,}"]; ok {
		t.Error(`drop reason "ok" exported: it is the verdict for a good message`)
	}
	states := 0
	for k := range got {
		if strings.HasPrefix(k, "sipslb_real_health_state{port=5060,real=rs1,") {
			states++
		}
	}
	if states != len(healthStates) {
		t.Errorf("rs1 has %d health state series, want %d", states, len(healthStates))
	}
	if n := testutil.CollectAndCount(NewCollector(knownSnapshot), "sipslb_vport_requests_total"); n != 2*sip.NumMethods {
		t.Errorf("%d request series, want %d (every method, both directions)", n, 2*sip.NumMethods)
	}
}

// TestCollectorLint: the exposition passes client_golang's linter (the
// checks promtool check metrics makes).
func TestCollectorLint(t *testing.T) {
	problems, err := testutil.CollectAndLint(NewCollector(knownSnapshot))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}

// TestCollectorNoSnapshot: a nil snapshot (engine not running) yields no
// metrics rather than a panic.
func TestCollectorNoSnapshot(t *testing.T) {
	if n := testutil.CollectAndCount(NewCollector(func() *status.Snapshot { return nil })); n != 0 {
		t.Errorf("%d metrics from no snapshot", n)
	}
}
