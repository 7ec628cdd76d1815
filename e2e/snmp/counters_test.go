package snmp

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

// realRow is one port row of `show server real`, with the dialog
// columns of its `show sip server` row (peak, total, drops).
type realRow struct {
	name, ip           string
	port               int
	state              string
	req, resp, dialogs uint64
	peak, total, drops uint64
}

// realTotals is the "Server:" line of one real server in `show server
// real`.
type realTotals struct {
	dialogs, peak, total, drops uint64
}

// vipStats is one virtual port of `show sip statistics`.
type vipStats struct {
	name, ip                   string
	port                       int
	requests, responses, drops uint64
	methods, classes, dropsBy  map[string]uint64
	answered, dialogs          uint64
	peak, total                uint64
	timed                      uint64 // datagrams in the latency line
}

func portNumber(s string) int {
	if s == "sip" {
		return 5060
	}
	n, _ := strconv.Atoi(s)
	return n
}

func mustUint(t *testing.T, s, what string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("%s: %q is not a number", what, s)
	}
	return n
}

// parseShowReal reads the port rows of `show server real`.
func parseShowReal(t *testing.T, out string) []realRow {
	t.Helper()
	var rows []realRow
	var name, addr string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 4 && f[0] == "Name:" && f[2] == "IP:":
			name, addr = f[1], f[3]
		case len(f) == 0, f[0] == "Port", f[0] == "Server:", name == "":
		case len(f) >= 10:
			rows = append(rows, realRow{name: name, ip: addr, port: portNumber(f[0]), state: f[1],
				req:     mustUint(t, f[len(f)-3], "requests"),
				resp:    mustUint(t, f[len(f)-2], "responses"),
				dialogs: mustUint(t, f[len(f)-1], "dialogs")})
		}
	}
	if len(rows) == 0 {
		t.Fatalf("no port rows in show server real:\n%s", out)
	}
	return rows
}

// parseRealTotals reads the "Server:" line of each real server in `show
// server real`: "Server: Dialogs N  Peak N  Total N  Drops N".
func parseRealTotals(t *testing.T, out string) map[string]realTotals {
	t.Helper()
	m := map[string]realTotals{}
	name := ""
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 4 && f[0] == "Name:" && f[2] == "IP:":
			name = f[1]
		case len(f) > 0 && f[0] == "Server:":
			if len(f) != 9 || f[1] != "Dialogs" || f[3] != "Peak" || f[5] != "Total" || f[7] != "Drops" || name == "" {
				t.Fatalf("show server real: unexpected server line %q", line)
			}
			m[name] = realTotals{dialogs: mustUint(t, f[2], line), peak: mustUint(t, f[4], line),
				total: mustUint(t, f[6], line), drops: mustUint(t, f[8], line)}
		}
	}
	if len(m) == 0 {
		t.Fatalf("no Server: line in show server real:\n%s", out)
	}
	return m
}

// addSIPServer fills the peak, total and drops of each port row from
// `show sip server` (Real IP Port Role State Sessions Peak Total Requests
// Responses Drops), and checks that the columns both commands show agree.
func addSIPServer(t *testing.T, rows []realRow, out string) {
	t.Helper()
	seen := 0
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) != 11 || f[0] == "Real" {
			continue
		}
		for i := range rows {
			r := &rows[i]
			if r.name != f[0] || r.port != portNumber(f[2]) {
				continue
			}
			seen++
			r.peak, r.total, r.drops = mustUint(t, f[6], line), mustUint(t, f[7], line), mustUint(t, f[10], line)
			if mustUint(t, f[5], line) != r.dialogs || mustUint(t, f[8], line) != r.req || mustUint(t, f[9], line) != r.resp || f[4] != r.state {
				t.Errorf("show sip server row %q disagrees with show server real %+v", line, *r)
			}
		}
	}
	if seen != len(rows) {
		t.Fatalf("show sip server: %d of %d real ports found:\n%s", seen, len(rows), out)
	}
}

// parseSIPStats reads `show sip statistics`.
func parseSIPStats(t *testing.T, out string) []vipStats {
	t.Helper()
	var vs []vipStats
	var sect map[string]uint64
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case strings.HasPrefix(line, "Virtual server "):
			// Virtual server NAME IP port PORT
			vs = append(vs, vipStats{name: f[2], ip: f[3], port: portNumber(f[5]),
				methods: map[string]uint64{}, classes: map[string]uint64{}, dropsBy: map[string]uint64{}})
		case len(vs) == 0:
			t.Fatalf("show sip statistics: line before any virtual server: %q", line)
		case strings.HasPrefix(line, "  Latency inside the balancer: "):
			// "N datagrams, p50 Xus p99 Yus p99.9 Zus": times, not counters
			vs[len(vs)-1].timed, sect = mustUint(t, f[4], line), nil
		case strings.HasPrefix(line, "    ") && sect != nil:
			sect[strings.ToLower(f[0])] = mustUint(t, f[1], line)
		case strings.HasPrefix(line, "  "):
			title, val, _ := strings.Cut(strings.TrimSpace(line), ": ")
			v := &vs[len(vs)-1]
			n := mustUint(t, val, line)
			sect = nil
			switch title {
			case "Requests":
				v.requests, sect = n, v.methods
			case "Responses":
				v.responses, sect = n, v.classes
			case "Drops":
				v.drops, sect = n, v.dropsBy
			case "Answered by the balancer":
				v.answered, sect = n, map[string]uint64{}
			case "Dialogs":
				v.dialogs = n
			case "Dialogs peak":
				v.peak = n
			case "Dialogs total":
				v.total = n
			}
		}
	}
	if len(vs) == 0 {
		t.Fatalf("no virtual server in show sip statistics:\n%s", out)
	}
	return vs
}

// mibMethods is the SIP MIB's method enumeration (SipslbMethod), in index
// order 1..15; net-snmp prints the index by these labels.
var mibMethods = []string{"other", "invite", "ack", "bye", "cancel", "register", "options", "info", "update",
	"prack", "subscribe", "notify", "refer", "message", "publish"}

const (
	sipMIB  = "SIPSLB-SIP-MIB::"
	compMIB = "SIPSLB-SERVERIRON-COMPAT-MIB::"
)

// expected derives every counter the agent must serve from the show
// output. Drop rows are keyed by code, which only the agent knows, so
// they are added from the walk's reason names (dropNames: code -> name).
func expected(reals []realRow, totals map[string]realTotals, vips []vipStats, dropNames map[string]string) map[string]uint64 {
	w := map[string]uint64{}
	perReal := map[string]*realRow{}
	for i := range reals {
		r := reals[i]
		pi := fmt.Sprintf("%q.%d", r.name, r.port)
		w[sipMIB+"sipslbRealPortRequests."+pi] = r.req
		w[sipMIB+"sipslbRealPortResponses."+pi] = r.resp
		w[sipMIB+"sipslbRealPortCurDialogs."+pi] = r.dialogs
		w[sipMIB+"sipslbRealPortDialogs."+pi] = r.total
		ipi := fmt.Sprintf("%s.%d", r.ip, r.port)
		w[compMIB+"snL4RealServerPortStatisticTxPkts."+ipi] = r.req
		w[compMIB+"snL4RealServerPortStatisticRxPkts."+ipi] = r.resp
		w[compMIB+"snL4RealServerPortStatisticCurrentConnection."+ipi] = r.dialogs
		w[compMIB+"snL4RealServerPortStatisticTotalConnection."+ipi] = r.total
		w[compMIB+"snL4RealServerPortStatisticPeakConnection."+ipi] = r.peak
		if perReal[r.name] == nil {
			perReal[r.name] = &realRow{name: r.name, ip: r.ip}
		}
		t := perReal[r.name]
		t.req, t.resp, t.dialogs = t.req+r.req, t.resp+r.resp, t.dialogs+r.dialogs
	}
	for _, r := range perReal {
		ri := fmt.Sprintf("%q", r.name)
		w[sipMIB+"sipslbRealRequests."+ri] = r.req
		w[sipMIB+"sipslbRealResponses."+ri] = r.resp
		w[sipMIB+"sipslbRealCurDialogs."+ri] = r.dialogs
		w[compMIB+"snL4RealServerStatisticTransmitPkts."+r.ip] = r.req
		w[compMIB+"snL4RealServerStatisticReceivePkts."+r.ip] = r.resp
		w[compMIB+"snL4RealServerStatisticCurConnections."+r.ip] = r.dialogs
		tot := totals[r.name]
		w[sipMIB+"sipslbRealDialogs."+ri] = tot.total
		w[sipMIB+"sipslbRealDrops."+ri] = tot.drops
		w[compMIB+"snL4RealServerStatisticTotalConnections."+r.ip] = tot.total
		w[compMIB+"snL4RealServerStatisticPeakConnections."+r.ip] = tot.peak
	}
	vipTotal := map[string]uint64{}
	for _, v := range vips {
		vi := fmt.Sprintf("%q.%d", v.name, v.port)
		w[sipMIB+"sipslbVportRequests."+vi] = v.requests
		w[sipMIB+"sipslbVportResponses."+vi] = v.responses
		w[sipMIB+"sipslbVportDrops."+vi] = v.drops
		w[sipMIB+"sipslbVportCurDialogs."+vi] = v.dialogs
		w[sipMIB+"sipslbVportDialogs."+vi] = v.total
		for _, m := range mibMethods {
			w[sipMIB+"sipslbVportMethodRequests."+vi+"."+m] = v.methods[m]
		}
		for k := 1; k <= 6; k++ {
			w[fmt.Sprintf("%ssipslbVportClassResponses.%s.%d", sipMIB, vi, k)] = v.classes[fmt.Sprintf("%dxx", k)]
		}
		for code, name := range dropNames {
			if strings.HasPrefix(code, vi+".") {
				w[sipMIB+"sipslbVportDropCount."+code] = v.dropsBy[name]
			}
		}
		ipi := fmt.Sprintf("%s.%d", v.ip, v.port)
		w[compMIB+"snL4VirtualServerStatisticReceivePkts."+v.ip] = v.requests
		w[compMIB+"snL4VirtualServerStatisticTransmitPkts."+v.ip] = v.responses
		w[compMIB+"snL4VirtualServerPortStatisticCurrentConnection."+ipi] = v.dialogs
		w[compMIB+"snL4VirtualServerPortStatisticTotalConnection."+ipi] = v.total
		w[compMIB+"snL4VirtualServerPortStatisticPeakConnection."+ipi] = v.peak
		vipTotal[v.ip] += v.total
	}
	for a, n := range vipTotal {
		w[compMIB+"snL4VirtualServerStatisticTotalConnections."+a] = n
	}
	return w
}

// dropNamesOf lists the drop table's reason names from a symbolic walk:
// `"vip".5060.CODE` -> name.
func dropNamesOf(vs []varbind) map[string]string {
	out := map[string]string{}
	p := sipMIB + "sipslbVportDropReasonName."
	for _, v := range vs {
		if idx, ok := strings.CutPrefix(v.oid, p); ok {
			out[idx] = strings.Trim(strings.TrimPrefix(v.val, "STRING: "), `"`)
		}
	}
	return out
}

// compare checks every wanted counter in got and reports the rows of the
// method, class and drop tables that are served but not derived from
// show (a table must not carry rows show does not know).
func compare(t *testing.T, what string, want map[string]uint64, got map[string]string, complete bool) {
	t.Helper()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	bad := 0
	for _, k := range keys {
		g, ok := got[k]
		if !ok {
			if complete {
				t.Errorf("%s: %s missing (want %d)", what, k, want[k])
				bad++
			}
			continue
		}
		if n, ok := number(g); !ok || n != want[k] {
			t.Errorf("%s: %s = %s, show says %d", what, k, g, want[k])
			bad++
		}
	}
	if !complete {
		return
	}
	for k := range got {
		for _, tab := range []string{"sipslbVportMethodRequests.", "sipslbVportClassResponses.", "sipslbVportDropCount."} {
			if strings.HasPrefix(k, sipMIB+tab) {
				if _, ok := want[k]; !ok {
					t.Errorf("%s: %s = %s is served but show has no such counter", what, k, got[k])
				}
			}
		}
	}
	if bad > 0 {
		t.Logf("%s: %d counters differ from show", what, bad)
	}
}

// sendExtras sends requests of every other method and a few datagrams
// the data path drops, from src to the VIP, so that the method and drop
// tables carry more than INVITE/ACK/BYE and zeros.
func sendExtras(t *testing.T, src, vip string) []string {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(src)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() }) // open until the end: answers find a socket
	lp := c.LocalAddr().(*net.UDPAddr).Port
	to := &net.UDPAddr{IP: net.ParseIP(vip), Port: 5060}
	methods := []string{"OPTIONS", "INFO", "NOTIFY", "UPDATE", "SUBSCRIBE", "MESSAGE", "PUBLISH", "REFER", "FOO"}
	send := func(b string) {
		if _, err := c.WriteToUDP([]byte(b), to); err != nil {
			t.Fatal(err)
		}
	}
	req := func(m, callID string) string {
		return fmt.Sprintf("%s sip:svc@%s:5060 SIP/2.0\r\n"+
			"Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-e2e-%s;rport\r\n"+
			"From: <sip:e2e@%s>;tag=e2e%s\r\nTo: <sip:svc@%s>\r\n%s"+
			"CSeq: 1 %s\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
			m, vip, src, lp, strings.ToLower(m), src, strings.ToLower(m), vip, callID, m)
	}
	for _, m := range methods {
		send(req(m, "Call-ID: e2e-"+strings.ToLower(m)+"@"+src+"\r\n"))
	}
	send("this is not SIP\r\n\r\n")
	send(req("MESSAGE", "")) // no Call-ID
	send(fmt.Sprintf("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-not-ours\r\n"+
		"From: <sip:a@192.0.2.1>;tag=1\r\nTo: <sip:b@%s>;tag=2\r\nCall-ID: e2e-stray\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", vip))
	return methods
}

// TestCountersMatchShow: after a known load every counter served over
// SNMP (v2c and v3 authPriv; get, walk and bulkwalk; SIP MIB and
// ServerIron tables) equals what the CLI shows.
func TestCountersMatchShow(t *testing.T) {
	needTools(t)
	t.Parallel()
	const n, calls = 1, 200
	vip := ip(n, 100)
	uas(t, "uas1", ip(n, 11))
	uas(t, "uas2", ip(n, 12))
	l := startLB(t, t.TempDir())
	l.Configure(t, agentLines(vip)...)
	l.Configure(t, farmLines(n)...)
	m := newManager(t, fmt.Sprintf("%s:%d", vip, snmpPort))
	waitAgent(t, m)
	harness.WaitUDP(t, vip, 5060)

	uac(t, ip(n, 1), vip+":5060", calls, 100)
	extras := sendExtras(t, ip(n, 2), vip)

	// Traffic has stopped once show reads the same twice, 1 s apart.
	show := func() string { return l.CLI(t, "show server real", "show sip server", "show sip statistics") }
	prev := show()
	if !harness.Eventually(15*time.Second, func() bool {
		time.Sleep(time.Second)
		cur := show()
		same := cur == prev
		prev = cur
		return same
	}) {
		t.Fatalf("counters still moving after 15 s:\n%s", prev)
	}

	// Sanity of the load itself, so the comparison below is not of zeros.
	st := parseSIPStats(t, l.CLI(t, "show sip statistics"))[0]
	if st.timed < 2*calls {
		t.Errorf("show sip statistics: latency of %d datagrams, want at least the %d INVITEs and ACKs", st.timed, 2*calls)
	}
	for _, mth := range []string{"invite", "ack", "bye"} {
		if st.methods[mth] != calls {
			t.Errorf("show sip statistics: %s = %d, want %d", mth, st.methods[mth], calls)
		}
	}
	for _, mth := range extras {
		key := strings.ToLower(mth)
		if !slices.Contains(mibMethods, key) {
			key = "other"
		}
		if st.methods[key] == 0 {
			t.Errorf("show sip statistics counts no %s (sent one)", mth)
		}
	}
	if len(st.dropsBy) < 2 {
		t.Errorf("show sip statistics: want at least two drop reasons counted, got %v", st.dropsBy)
	}

	creds := []struct {
		name string
		args []string
	}{{"v2c", v2c}, {"v3-authPriv", v3Priv}}
	for attempt := 1; ; attempt++ {
		before := show()
		type reading struct{ walk, bulk, get []varbind }
		readings := map[string]reading{}
		for _, c := range creds {
			var r reading
			for _, root := range []string{".1.3.6.1.4.1.32473.1", ".1.3.6.1.4.1.1991.1.1.4"} {
				r.walk = append(r.walk, parseVars(m.must(t, "snmpwalk", c.args, root))...)
				r.bulk = append(r.bulk, parseVars(m.must(t, "snmpbulkwalk", append([]string{"-On", "-Cr25"}, c.args...), root))...)
			}
			readings[c.name] = r
		}
		after := show()
		if before != after {
			if attempt == 3 {
				t.Fatalf("show changed during the SNMP reads three times:\n%s\n---\n%s", before, after)
			}
			t.Logf("show changed during the SNMP reads (dialogs expiring?); reading again")
			continue
		}
		realOut, rest, _ := strings.Cut(before, "Avail. SIP sessions")
		sipServer, statsOut, _ := strings.Cut(rest, "Virtual server ")
		reals := parseShowReal(t, realOut)
		addSIPServer(t, reals, sipServer)
		totals := parseRealTotals(t, realOut)
		vips := parseSIPStats(t, "Virtual server "+statsOut)
		checkDialogShow(t, reals, totals, vips, calls+dialogExtras(extras))
		for _, c := range creds {
			r := readings[c.name]
			want := expected(reals, totals, vips, dropNamesOf(r.walk))
			compare(t, c.name+" snmpwalk", want, varMap(r.walk), true)
			if len(r.bulk) != len(r.walk) {
				t.Errorf("%s: snmpbulkwalk -On returned %d varbinds, snmpwalk %d", c.name, len(r.bulk), len(r.walk))
			} else {
				for i := range r.walk {
					if r.walk[i].val != r.bulk[i].val || !strings.HasPrefix(r.bulk[i].oid, ".1.3.6.1.4.1.") {
						t.Errorf("%s: walk %s = %s, bulkwalk %s = %s", c.name, r.walk[i].oid, r.walk[i].val, r.bulk[i].oid, r.bulk[i].val)
						break
					}
				}
			}
			// snmpget by MIB name: proves net-snmp resolves our names.
			var names []string
			for _, k := range []string{
				sipMIB + `sipslbVportRequests."vip".5060`, sipMIB + `sipslbVportDrops."vip".5060`,
				sipMIB + `sipslbRealRequests."rs1"`, sipMIB + `sipslbRealResponses."rs2"`,
				compMIB + "snL4RealServerStatisticTransmitPkts." + ip(n, 11),
				compMIB + "snL4VirtualServerStatisticTransmitPkts." + vip,
			} {
				if _, ok := want[k]; !ok {
					t.Fatalf("test bug: %s not expected", k)
				}
				names = append(names, k)
			}
			got := parseVars(m.must(t, "snmpget", c.args, names...))
			if len(got) != len(names) {
				t.Errorf("%s snmpget by name: %d varbinds for %d names", c.name, len(got), len(names))
			}
			sub := map[string]uint64{}
			for _, k := range names {
				sub[k] = want[k]
			}
			compare(t, c.name+" snmpget", sub, varMap(got), true)
		}
		t.Logf("compared %d counters per security model after %d calls (attempt %d)",
			len(expected(reals, totals, vips, dropNamesOf(readings["v2c"].walk))), calls, attempt)
		if t.Failed() {
			t.Logf("show output:\n%s", before)
		}
		return
	}
}

// dialogExtras is how many of sendExtras' requests create a dialog (a
// new dialog-table entry): SUBSCRIBE and REFER of fresh Call-IDs.
func dialogExtras(methods []string) uint64 {
	var n uint64
	for _, m := range methods {
		if m == "SUBSCRIBE" || m == "REFER" {
			n++
		}
	}
	return n
}

// checkDialogShow checks the dialog columns of show against the load and
// each other, so the SNMP comparison is not of zeros: every call and
// dialog-creating extra placed one dialog, counted once on the VIP port
// and once on a real port; per server the "Server:" line sums its ports;
// no peak is below the dialogs held; nothing was dropped for a server.
func checkDialogShow(t *testing.T, reals []realRow, totals map[string]realTotals, vips []vipStats, placed uint64) {
	t.Helper()
	var vipPlaced, realPlaced uint64
	for _, v := range vips {
		vipPlaced += v.total
		if v.peak < v.dialogs || v.peak == 0 {
			t.Errorf("show sip statistics %s:%d: peak %d, %d dialogs held", v.name, v.port, v.peak, v.dialogs)
		}
	}
	sums := map[string]realTotals{}
	for _, r := range reals {
		realPlaced += r.total
		if r.peak < r.dialogs {
			t.Errorf("show sip server %s:%d: peak %d below %d dialogs held", r.name, r.port, r.peak, r.dialogs)
		}
		s := sums[r.name]
		s.dialogs, s.total, s.drops = s.dialogs+r.dialogs, s.total+r.total, s.drops+r.drops
		s.peak = max(s.peak, r.peak) // the server's peak is at least its ports'
		sums[r.name] = s
	}
	if vipPlaced != placed || realPlaced != placed {
		t.Errorf("dialogs placed: VIP ports %d, real ports %d; want %d (calls and dialog-creating extras)", vipPlaced, realPlaced, placed)
	}
	for name, s := range sums {
		tot := totals[name]
		if tot.dialogs != s.dialogs || tot.total != s.total || tot.drops != s.drops || tot.peak < s.peak || tot.peak < tot.dialogs {
			t.Errorf("show server real %s: Server line %+v, its ports %+v", name, tot, s)
		}
		if tot.total == 0 || tot.drops != 0 {
			t.Errorf("show server real %s: %d dialogs placed, %d drops; want some, none", name, tot.total, tot.drops)
		}
	}
}
