package metrics

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Address block 127.78.1.0/24 is this package's own (e2e/metrics has
// 127.78.0.0/24).

func freeAddr(t *testing.T, ip string) string {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

var client = &http.Client{Timeout: 5 * time.Second}

// scrape GETs /metrics and parses it with Prometheus's text parser.
func scrape(t *testing.T, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := client.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("scrape %s: %v", addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: %s", addr, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse exposition: %v", err)
	}
	return mfs
}

func newTestServer(t *testing.T) *Server {
	s := NewServer(knownSnapshot, "v-test", slog.New(slog.NewTextHandler(t.Output(), nil)))
	t.Cleanup(s.Close)
	return s
}

// TestServerServesMetrics: /metrics has the appliance's families, the Go
// runtime's, the process's and the build info; other paths are 404.
func TestServerServesMetrics(t *testing.T) {
	s := newTestServer(t)
	addr := freeAddr(t, "127.78.1.1")
	s.Configure(addr)
	mfs := scrape(t, addr)
	for _, name := range []string{"sipslb_real_requests_total", "sipslb_vport_requests_total", "sipslb_real_probe_rtt_seconds",
		"sipslb_dialog_table_entries", "go_goroutines", "go_memstats_heap_alloc_bytes", "process_cpu_seconds_total",
		"process_resident_memory_bytes", "sipslb_build_info"} {
		if mfs[name] == nil {
			t.Errorf("no %s in the exposition", name)
		}
	}
	if bi := mfs["sipslb_build_info"]; bi != nil && bi.Metric[0].Label[0].GetValue() != "v-test" {
		t.Errorf("build info labels %v", bi.Metric[0].Label)
	}
	if v := mfs["sipslb_real_requests_total"]; v != nil && v.Metric[0].Counter.GetValue() != 11 {
		t.Errorf("rs1 requests %v, want 11", v.Metric[0].Counter.GetValue())
	}
	resp, err := client.Get("http://" + addr + "/other")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/other: %s, want 404", resp.Status)
	}
}

// TestServerConfigure: a move closes the old address and opens the new;
// an address that cannot be bound is logged and retried until it can be,
// never refused; "" stops the server and its retries.
func TestServerConfigure(t *testing.T) {
	s := newTestServer(t)
	s.retryEvery = 100 * time.Millisecond
	a1, a2 := freeAddr(t, "127.78.1.2"), freeAddr(t, "127.78.1.3")
	s.Configure(a1)
	s.Configure(a2)
	if refuses(a1) == nil {
		t.Errorf("old address %s still accepts after the move", a1)
	}
	scrape(t, a2)

	busy, err := net.Listen("tcp", "127.78.1.4:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Configure(busy.Addr().String())
	if want := "http NOT listening on " + busy.Addr().String() + " (retrying)"; s.Status() != want {
		t.Errorf("Status() = %q, want %q", s.Status(), want)
	}
	if s.Addr() != "" || s.BindError() == nil || refuses(a2) == nil {
		t.Fatalf("a busy port: listening on %q (error %v), want nothing bound and the error kept", s.Addr(), s.BindError())
	}
	busy.Close()
	deadline := time.Now().Add(5 * time.Second)
	for s.Addr() != busy.Addr().String() {
		if time.Now().After(deadline) {
			t.Fatalf("the freed port was not taken within 5 s (retry every 100 ms): %v", s.BindError())
		}
		time.Sleep(20 * time.Millisecond)
	}
	scrape(t, busy.Addr().String())
	if want := "http on " + busy.Addr().String(); s.Status() != want {
		t.Errorf("Status() = %q, want %q", s.Status(), want)
	}
	if s.BindError() != nil {
		t.Errorf("bound, yet the bind error is %v", s.BindError())
	}

	// Off while retrying: the retry stops too.
	busy2, err := net.Listen("tcp", "127.78.1.4:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Configure(busy2.Addr().String())
	s.Configure("")
	busy2.Close()
	time.Sleep(300 * time.Millisecond)
	if s.Addr() != "" || refuses(busy2.Addr().String()) == nil {
		t.Errorf("stopped server listens on %q", s.Addr())
	}
	if s.Status() != "" {
		t.Errorf("Status() of a server that is off: %q, want \"\"", s.Status())
	}
}

// refuses returns nil when addr accepts a connection.
func refuses(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
		return nil
	}
	return err
}

// TestServerBoundsSlowClient: a client that never finishes its request
// headers is cut off by the header timeout, not held forever.
func TestServerBoundsSlowClient(t *testing.T) {
	s := newTestServer(t)
	addr := freeAddr(t, "127.78.1.5")
	s.Configure(addr)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /metrics HTTP/1.1\r\nHost: x\r\n") // never ends the headers
	c.SetReadDeadline(time.Now().Add(readHeaderTimeout + 5*time.Second))
	start := time.Now()
	io.Copy(io.Discard, c)
	if took := time.Since(start); took > readHeaderTimeout+4*time.Second {
		t.Errorf("connection held %v, want it closed after about %v", took, readHeaderTimeout)
	}
}
