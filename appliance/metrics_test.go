package appliance

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"sipslb/cli/commands"
	"sipslb/slb/config"
	"sipslb/slb/engine"
	"sipslb/sys/metrics"
)

// The ip http keywords as the daemon applies them: a config.Config (what
// the CLI builds) goes through backend.Apply, and an HTTP client sees the
// result. Address block 127.78.2.0/24 is this file's own. docs/cli.md
// ("Which tests cover which keyword") points here.

// TestHTTPAddressNotOnBoxKeepsConfig: a startup-config whose ip http
// listen-address is not (yet) on the box still loads: the virtual server
// is applied, the HTTP server waits for the address. Refusing it would
// leave the appliance on factory defaults, carrying no traffic.
func TestHTTPAddressNotOnBoxKeepsConfig(t *testing.T) {
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	eng := engine.New(log)
	t.Cleanup(eng.Close)
	be := &backend{eng: eng, http: metrics.NewServer(eng.Status, "test", log)}
	t.Cleanup(be.http.Close)
	text := "server virtual v 127.78.2.100\n port 25378\n!\nip http server\nip http listen-address 192.0.2.80\nend\n"
	c, errs := commands.Check([]byte(text))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if err := be.Apply(c); err != nil {
		t.Fatalf("config refused for an ip http address not on the box: %v", err)
	}
	if eng.Config().Virtual("v") == nil {
		t.Error("the virtual server was not applied")
	}
	if be.http.Addr() != "" || be.http.BindError() == nil {
		t.Errorf("listening on %q, bind error %v: want the address retried", be.http.Addr(), be.http.BindError())
	}
}

func TestIPHTTPKeywordsReachServer(t *testing.T) {
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	eng := engine.New(log)
	t.Cleanup(eng.Close)
	be := &backend{eng: eng, http: metrics.NewServer(eng.Status, "test", log)}
	t.Cleanup(be.http.Close)
	ip := netip.MustParseAddr("127.78.2.1")
	port := func() uint16 {
		ln, err := net.Listen("tcp", "127.78.2.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return uint16(ln.Addr().(*net.TCPAddr).Port)
	}
	apply := func(edit func(h *config.HTTPParams)) (*config.Config, error) {
		c := config.New()
		if cur := eng.Config(); cur != nil {
			c = cur.Clone()
		}
		edit(&c.HTTP)
		if ps := c.Validate(); len(ps) > 0 {
			t.Fatalf("config refused: %v", config.Err(ps))
		}
		return c, be.Apply(c)
	}
	client := &http.Client{Timeout: 3 * time.Second}
	get := func(addr string) (string, error) {
		resp, err := client.Get("http://" + addr + "/metrics")
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("%s", resp.Status)
		}
		return string(b), err
	}

	// Factory default: off.
	if _, err := apply(func(*config.HTTPParams) {}); err != nil {
		t.Fatal(err)
	}
	if be.http.Addr() != "" {
		t.Fatalf("factory config: HTTP server on %s, want off", be.http.Addr())
	}

	// ip http server, ip http port P, ip http listen-address IP.
	p1 := port()
	a1 := netip.AddrPortFrom(ip, p1).String()
	if _, err := apply(func(h *config.HTTPParams) { h.Enabled, h.Port, h.Listen = true, p1, ip }); err != nil {
		t.Fatal(err)
	}
	body, err := get(a1)
	if err != nil || !strings.Contains(body, "sipslb_dialog_table_max_entries 1.048576e+06") {
		t.Fatalf("scrape %s: %v\n%.500s", a1, err, body)
	}
	if _, err := get(netip.AddrPortFrom(netip.MustParseAddr("127.78.2.2"), p1).String()); err == nil {
		t.Errorf("listen-address %s: another address answers too", ip)
	}

	// A port that cannot be bound: the config is taken all the same (a
	// management port never keeps the box from loading its config), the
	// server logs and retries.
	busy, err := net.Listen("tcp", "127.78.2.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	bp := uint16(busy.Addr().(*net.TCPAddr).Port)
	if _, err := apply(func(h *config.HTTPParams) { h.Port = bp }); err != nil {
		t.Fatalf("a busy ip http port refused the config: %v", err)
	}
	if got := eng.Config().HTTP.Port; got != bp || be.http.BindError() == nil {
		t.Errorf("running config port %d (want %d), bind error %v (want one)", got, bp, be.http.BindError())
	}

	// ip http port P2 moves it.
	p2 := port()
	if _, err := apply(func(h *config.HTTPParams) { h.Port = p2 }); err != nil {
		t.Fatal(err)
	}
	if _, err := get(netip.AddrPortFrom(ip, p2).String()); err != nil {
		t.Errorf("new port: %v", err)
	}
	if _, err := get(a1); err == nil {
		t.Errorf("old port %d still answers", p1)
	}

	// ip http authentication local: a configured user's login only.
	hash, err := config.HashSecret("scrape-me")
	if err != nil {
		t.Fatal(err)
	}
	c := eng.Config().Clone()
	c.Users = []*config.User{{Name: "prom", Priv: config.PrivReadOnly, PasswordHash: hash}}
	c.HTTP.AuthLocal = true
	if err := be.Apply(c); err != nil {
		t.Fatal(err)
	}
	a2 := netip.AddrPortFrom(ip, p2).String()
	if _, err := get(a2); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("no login with ip http authentication local: %v, want 401", err)
	}
	req, _ := http.NewRequest("GET", "http://"+a2+"/metrics", nil)
	req.SetBasicAuth("prom", "scrape-me")
	if resp, err := client.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("prom's login: %v %v, want 200", resp, err)
	} else {
		resp.Body.Close()
	}
	if _, err := apply(func(h *config.HTTPParams) { h.AuthLocal = false }); err != nil {
		t.Fatal(err)
	}
	if _, err := get(a2); err != nil {
		t.Errorf("no ip http authentication: %v, want no login asked", err)
	}

	// no ip http server.
	if _, err := apply(func(h *config.HTTPParams) { h.Enabled = false }); err != nil {
		t.Fatal(err)
	}
	if _, err := get(netip.AddrPortFrom(ip, p2).String()); err == nil || be.http.Addr() != "" {
		t.Errorf("no ip http server: still answering (Addr %q)", be.http.Addr())
	}
}
