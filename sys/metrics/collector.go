package metrics

import (
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"sipslb/slb/latency"
	"sipslb/slb/reason"
	"sipslb/slb/sip"
	"sipslb/slb/stats"
	"sipslb/slb/status"
)

// Direction label values of sipslb_vport_requests_total.
const (
	FromClients = "client_to_server"
	FromServers = "server_to_client"
)

// healthStates are the values of status.Health, in order; the state
// gauge has one series per state, 1 for the current one (the
// Prometheus idiom for an enum).
var healthStates = []status.Health{status.Unknown, status.Up, status.Down, status.Failing, status.Disabled, status.NoCheck}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("sipslb_"+name, help, labels, nil)
}

var (
	vpLabels   = []string{"virtual", "port"}
	realLabels = []string{"real", "port"}

	descVPRequests = desc("vport_requests_total", "SIP requests received on the virtual port, by method and direction.",
		"virtual", "port", "method", "direction")
	descVPResponses = desc("vport_responses_total", "SIP responses received on the virtual port, by status class.",
		"virtual", "port", "class")
	descVPDrops = desc("vport_drops_total", "Datagrams received on the virtual port and not forwarded, by reason.",
		"virtual", "port", "reason")
	descVPAnswers = desc("vport_answers_total", "Answers the balancer sent itself instead of forwarding (483, 503, keepalive pong).",
		"virtual", "port", "answer")
	descVPDialogs     = desc("vport_dialogs", "Dialog-table entries now pinned to the virtual port's bound real ports.", vpLabels...)
	descVPPlaced      = desc("vport_dialogs_placed_total", "Dialogs placed through the virtual port.", vpLabels...)
	descVPPeak        = desc("vport_dialogs_peak", "The most dialogs the virtual port's bound real ports held at once (sampled).", vpLabels...)
	descVPListening   = desc("vport_listening", "1 when the virtual port's socket is open.", vpLabels...)
	descRealRequests  = desc("real_requests_total", "SIP requests forwarded to the real server port.", realLabels...)
	descRealResponses = desc("real_responses_total", "SIP responses from the real server port forwarded back.", realLabels...)
	descRealDrops     = desc("real_drops_total", "Messages for the real server port that were not sent.", realLabels...)
	descRealDialogs   = desc("real_dialogs", "Dialog-table entries now pinned to the real server port.", realLabels...)
	descRealPlaced    = desc("real_dialogs_placed_total", "Dialogs placed on the real server port.", realLabels...)
	descRealPeak      = desc("real_dialogs_peak", "The most dialogs the real server port held at once (sampled).", realLabels...)
	descRealUp        = desc("real_up", "1 when the real server port may be picked (health up, unknown or not checked).", realLabels...)
	descRealHealth    = desc("real_health_state", "Health of the real server port: 1 for the current state, 0 for the others.",
		"real", "port", "state")
	descRealRTT = desc("real_probe_rtt_seconds", "Round-trip time of the answered health probes of the real server port.",
		realLabels...)
	descVPLatency = desc("vport_latency_seconds",
		"Time datagrams of the virtual port spent inside the balancer, from the receive of their batch to the send call.", vpLabels...)
	descDialogEntries   = desc("dialog_table_entries", "Entries in the dialog table, live or expired and not yet swept.")
	descDialogMax       = desc("dialog_table_max_entries", "The dialog table's bound (server sip-dialog max-entries).")
	descDialogEvictions = desc("dialog_table_evictions_total", "Live dialog-table entries dropped to make room for a new one.")
)

// rttBuckets are status.RTTBounds in seconds, the histogram's upper bounds.
var rttBuckets = func() []float64 {
	b := make([]float64, len(status.RTTBounds))
	for i, d := range status.RTTBounds {
		b[i] = d.Seconds()
	}
	return b
}()

// latencyBuckets are the upper bounds of sipslb_vport_latency_seconds:
// each is a bucket bound of slb/latency (1 µs steps below 128 µs, then
// 50 × a power of two µs), so every count is exact, not interpolated.
var latencyBuckets = []time.Duration{
	2 * time.Microsecond, 5 * time.Microsecond, 10 * time.Microsecond, 20 * time.Microsecond,
	50 * time.Microsecond, 100 * time.Microsecond, 200 * time.Microsecond, 400 * time.Microsecond,
	800 * time.Microsecond, 1600 * time.Microsecond, 3200 * time.Microsecond, 6400 * time.Microsecond,
	12800 * time.Microsecond, 25600 * time.Microsecond, 51200 * time.Microsecond, 102400 * time.Microsecond,
}

// Collector reads one status snapshot per scrape.
type Collector struct {
	snapshot func() *status.Snapshot
}

// NewCollector returns a collector of the snapshots snapshot returns.
func NewCollector(snapshot func() *status.Snapshot) *Collector {
	return &Collector{snapshot: snapshot}
}

// Describe sends every metric's descriptor.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descVPRequests, descVPResponses, descVPDrops, descVPAnswers, descVPDialogs,
		descVPPlaced, descVPPeak, descVPListening, descRealRequests, descRealResponses, descRealDrops, descRealDialogs,
		descRealPlaced, descRealPeak, descRealUp, descRealHealth, descRealRTT, descVPLatency, descDialogEntries, descDialogMax,
		descDialogEvictions} {
		ch <- d
	}
}

// Collect turns one snapshot into metrics.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	snap := c.snapshot()
	if snap == nil {
		return
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, name := range sortedKeys(snap.Virtuals) {
		v := snap.Virtuals[name]
		for _, port := range sortedKeys(v.Ports) {
			p, ps := v.Ports[port], strconv.Itoa(int(port))
			for m, n := range p.Requests {
				method, from := sip.Method(m).String(), p.FromServers[m]
				counter(descVPRequests, n-min(from, n), name, ps, method, FromClients)
				counter(descVPRequests, from, name, ps, method, FromServers)
			}
			for c, n := range p.Responses {
				counter(descVPResponses, n, name, ps, stats.Class(c).String())
			}
			for r, n := range p.Drops {
				if reason.Reason(r) == reason.OK {
					continue // the scanner's verdict for a good message, not a drop
				}
				counter(descVPDrops, n, name, ps, reason.Reason(r).String())
			}
			for a, n := range p.Answers {
				counter(descVPAnswers, n, name, ps, stats.Answer(a).String())
			}
			gauge(descVPDialogs, float64(p.Dialogs), name, ps)
			counter(descVPPlaced, p.Placed, name, ps)
			gauge(descVPPeak, float64(p.PeakDialogs), name, ps)
			gauge(descVPListening, b2f(p.Listening), name, ps)
			ch <- latencyHistogram(&p.Latency, name, ps)
		}
	}
	for _, name := range sortedKeys(snap.Reals) {
		r := snap.Reals[name]
		for _, port := range sortedKeys(r.Ports) {
			p, ps := r.Ports[port], strconv.Itoa(int(port))
			counter(descRealRequests, p.Requests, name, ps)
			counter(descRealResponses, p.Responses, name, ps)
			counter(descRealDrops, p.Drops, name, ps)
			gauge(descRealDialogs, float64(p.Dialogs), name, ps)
			counter(descRealPlaced, p.Placed, name, ps)
			gauge(descRealPeak, float64(p.PeakDialogs), name, ps)
			gauge(descRealUp, b2f(p.Health.Eligible()), name, ps)
			for _, h := range healthStates {
				gauge(descRealHealth, b2f(p.Health == h), name, ps, h.String())
			}
			ch <- rttHistogram(&p.ProbeRTT, name, ps)
		}
	}
	gauge(descDialogEntries, float64(snap.DialogTable.Entries))
	gauge(descDialogMax, float64(snap.DialogTable.MaxEntries))
	counter(descDialogEvictions, snap.DialogTable.Evictions)
}

// rttHistogram turns the per-bucket counts into Prometheus's cumulative
// buckets.
func rttHistogram(h *status.RTTHistogram, labels ...string) prometheus.Metric {
	buckets := make(map[float64]uint64, len(rttBuckets))
	var cum uint64
	for i, le := range rttBuckets {
		cum += h.Counts[i]
		buckets[le] = cum
	}
	return prometheus.MustNewConstHistogram(descRealRTT, h.Count(), h.Sum.Seconds(), buckets, labels...)
}

// latencyHistogram turns slb/latency's fine buckets into the coarser
// cumulative buckets of latencyBuckets. slb/latency's buckets hold whole
// microseconds [lo, hi), so "le" here reads "below".
func latencyHistogram(l *latency.Counts, labels ...string) prometheus.Metric {
	buckets := make(map[float64]uint64, len(latencyBuckets))
	for _, le := range latencyBuckets {
		buckets[le.Seconds()] = l.Below(le)
	}
	return prometheus.MustNewConstHistogram(descVPLatency, l.Count(), l.Sum.Seconds(), buckets, labels...)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func sortedKeys[K string | uint16, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
