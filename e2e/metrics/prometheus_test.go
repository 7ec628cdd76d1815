package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sipslb/e2e/internal/harness"
)

const (
	uacIP    = "127.78.0.1"
	promAddr = "127.78.0.2:9090"
	vip      = "127.78.0.100"
	httpPort = 9180
	calls    = 1000
	promUser = "prom" // a read-only user: Prometheus logs in as it
	promPass = "scrape-e2e"
	rate     = 100 // calls/s: a 10 s run, ten scrapes or more during it
)

var reals = map[string]string{"rs1": "127.78.0.11", "rs2": "127.78.0.12"}

var httpc = &http.Client{Timeout: 5 * time.Second}

// TestPrometheusScrapesDuringCalls: a real Prometheus server scrapes the
// daemon every second (logging in as a read-only user, ip http
// authentication local) while SIPp places calls through it; afterwards the
// request totals per real server that Prometheus answers equal those of
// `show server real`, Prometheus stored values from during the run (not
// only the last), and promtool accepts the exposition.
func TestPrometheusScrapesDuringCalls(t *testing.T) {
	harness.NeedTools(t, "sipp", "prometheus", "promtool")
	for name, ip := range reals {
		harness.StartSIPp(t, name, "-sn", "uas", "-i", ip, "-p", "5060", "-mi", ip, "-aa")
		harness.WaitUDP(t, ip, 5060)
	}
	l := harness.StartLB(t, bin, harness.Options{})
	l.Configure(t,
		"server real rs1 "+reals["rs1"], "port sip", "exit",
		"server real rs2 "+reals["rs2"], "port sip", "exit",
		"server virtual vip "+vip, "port sip", "bind sip rs1 sip rs2 sip", "exit",
		"username "+promUser+" privilege 5 password "+promPass, "ip http authentication local",
		"ip http server", fmt.Sprintf("ip http port %d", httpPort), "ip http listen-address "+vip)
	harness.WaitUDP(t, vip, 5060)
	target := fmt.Sprintf("%s:%d", vip, httpPort)
	if _, err := get("http://"+target+"/metrics", "", ""); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("ip http server with authentication local, no login: %v, want 401", err)
	}
	if _, err := get("http://"+target+"/metrics", promUser, promPass); err != nil {
		t.Fatalf("ip http server, as %s: %v", promUser, err)
	}
	prom := startPrometheus(t, target)

	// Prometheus has the target up before the calls start.
	harness.WaitFor(t, 20*time.Second, "Prometheus scraping sipslb", func() bool {
		v, err := prom.query(`up{job="sipslb"}`)
		return err == nil && v[""] == 1
	})
	start := time.Now()
	uac := harness.StartSIPp(t, "uac", "-sn", "uac", "-i", uacIP, "-p", "5061", "-mi", uacIP,
		"-m", strconv.Itoa(calls), "-r", strconv.Itoa(rate), "-timeout", "60s", vip+":5060")
	// The exposition of a live daemon passes promtool's checks.
	time.Sleep(2 * time.Second)
	checkExposition(t, target)
	if code := uac.Wait(t, 80*time.Second); code != 0 {
		t.Fatalf("SIPp UAC exit %d (0 = every call succeeded)\n%s\n%s", code, l.CLI(t, "show sip statistics"), l.CLI(t, "show server real"))
	}
	end := time.Now()

	show := showRequests(t, l.CLI(t, "show server real"))
	total := 0
	for name := range reals {
		if show[name] == 0 {
			t.Errorf("show server real: %s got no requests", name)
		}
		total += show[name]
	}
	if total < 3*calls {
		t.Errorf("show server real: %d requests in all, want at least %d (INVITE, ACK, BYE per call)", total, 3*calls)
	}

	// The totals are final (the calls are over; probes are not counted):
	// Prometheus has them after its next scrape.
	var got map[string]float64
	ok := harness.Eventually(15*time.Second, func() bool {
		var err error
		got, err = prom.query(`sum by (real) (sipslb_real_requests_total)`)
		if err != nil {
			return false
		}
		for name := range reals {
			if got[name] != float64(show[name]) {
				return false
			}
		}
		return len(got) == len(reals)
	})
	t.Logf("show server real %v, Prometheus %v", show, got)
	if !ok {
		t.Fatalf("Prometheus request totals %v, show server real %v", got, show)
	}

	// Scraped during the run: the stored series rose through several
	// values between the first and the last call.
	steps, err := prom.distinctValues(`sum(sipslb_real_requests_total)`, start, end.Add(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if steps < 4 {
		t.Errorf("Prometheus stored %d distinct totals during the run, want several (scrapes every second)", steps)
	}

	// The other families answer too, with values that fit the run.
	inv, err := prom.query(`sum(sipslb_vport_requests_total{method="INVITE",direction="client_to_server"})`)
	if err != nil || inv[""] < calls {
		t.Errorf("INVITEs from clients: %v (%v), want at least %d", inv, err, calls)
	}
	up, err := prom.query(`sum by (real) (sipslb_real_up)`)
	if err != nil || up["rs1"] != 1 || up["rs2"] != 1 {
		t.Errorf("sipslb_real_up %v (%v), want 1 for both", up, err)
	}
	probes, err := prom.query(`sum by (real) (sipslb_real_probe_rtt_seconds_count)`)
	if err != nil || probes["rs1"] < 1 || probes["rs2"] < 1 {
		t.Errorf("answered probes %v (%v), want at least one per server", probes, err)
	}
	if v, err := prom.query(`sipslb_dialog_table_max_entries`); err != nil || v[""] != 1<<20 {
		t.Errorf("dialog table bound %v (%v), want %d", v, err, 1<<20)
	}
	if v, err := prom.query(`go_goroutines`); err != nil || v[""] < 1 {
		t.Errorf("go_goroutines %v (%v)", v, err)
	}
}

// showRequests sums the Requests column of `show server real` per server.
func showRequests(t *testing.T, out string) map[string]int {
	t.Helper()
	req := map[string]int{}
	name, col := "", -1
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 2 && f[0] == "Name:":
			name = f[1]
		case len(f) > 0 && f[0] == "Port":
			col = -1
			for i, h := range f {
				if h == "Requests" {
					col = i
				}
			}
		case name != "" && col >= 0 && len(f) > col && f[0] != "Server:":
			n, err := strconv.Atoi(f[col])
			if err != nil {
				t.Fatalf("show server real: %q: column %d is not a number\n%s", line, col, out)
			}
			req[name] += n
		}
	}
	if len(req) != len(reals) {
		t.Fatalf("show server real: requests of %v, want both servers\n%s", req, out)
	}
	return req
}

// checkExposition runs promtool check metrics on one scrape.
func checkExposition(t *testing.T, target string) {
	t.Helper()
	body, err := get("http://"+target+"/metrics", promUser, promPass)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("promtool", "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
	if !strings.Contains(body, "sipslb_real_requests_total{") {
		t.Errorf("exposition without per-real-server requests:\n%.2000s", body)
	}
}

// get fetches u, with a basic-authentication login when user is not "".
func get(u, user, pass string) (string, error) {
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		return "", err
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := httpc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: %s", u, resp.Status)
	}
	return string(b), err
}

// prometheus is a Prometheus server in its own directory.
type prometheus struct{ api string }

// startPrometheus runs prometheus scraping target every second, with its
// storage in a temporary directory, and waits (bounded) until it is ready.
func startPrometheus(t *testing.T, target string) *prometheus {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: sipslb
    static_configs:
      - targets: ['%s']
    basic_auth:
      username: %s
      password: %s
`, target, promUser, promPass)
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("prometheus", "--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+promAddr, "--log.level=warn")
	harness.Start(t, "prometheus", cmd)
	p := &prometheus{api: "http://" + promAddr}
	harness.WaitFor(t, 30*time.Second, "Prometheus ready", func() bool {
		_, err := get(p.api+"/-/ready", "", "")
		return err == nil
	})
	return p
}

// apiResult is the part of a Prometheus API answer the test reads.
type apiResult struct {
	Status string `json:"status"`
	Error  string `json:"error"`
	Data   struct {
		Result []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
			Values [][2]any          `json:"values"`
		} `json:"result"`
	} `json:"data"`
}

func (p *prometheus) call(path string, args url.Values) (*apiResult, error) {
	body, err := get(p.api+path+"?"+args.Encode(), "", "")
	if err != nil {
		return nil, err
	}
	var r apiResult
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return nil, err
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("%s: %s", args.Get("query"), r.Error)
	}
	return &r, nil
}

// query runs an instant query; the result maps the series' "real" label
// ("" when it has none) to its value.
func (p *prometheus) query(q string) (map[string]float64, error) {
	r, err := p.call("/api/v1/query", url.Values{"query": {q}})
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, s := range r.Data.Result {
		v, err := sampleValue(s.Value)
		if err != nil {
			return nil, err
		}
		out[s.Metric["real"]] = v
	}
	return out, nil
}

// distinctValues counts the distinct values of a one-series range query
// between from and to, one step a second.
func (p *prometheus) distinctValues(q string, from, to time.Time) (int, error) {
	r, err := p.call("/api/v1/query_range", url.Values{"query": {q}, "start": {unix(from)}, "end": {unix(to)}, "step": {"1"}})
	if err != nil {
		return 0, err
	}
	if len(r.Data.Result) != 1 {
		return 0, fmt.Errorf("%s: %d series", q, len(r.Data.Result))
	}
	seen := map[float64]bool{}
	for _, s := range r.Data.Result[0].Values {
		v, err := sampleValue(s)
		if err != nil {
			return 0, err
		}
		seen[v] = true
	}
	return len(seen), nil
}

func sampleValue(s [2]any) (float64, error) {
	str, ok := s[1].(string)
	if !ok {
		return 0, fmt.Errorf("sample %v", s)
	}
	return strconv.ParseFloat(str, 64)
}

func unix(t time.Time) string { return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64) }
