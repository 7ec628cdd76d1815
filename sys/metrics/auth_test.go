package metrics

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"sipslb/slb/config"
)

// get fetches /metrics with the given login ("" user: none).
func getAs(t *testing.T, addr, user, pass string) int {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+addr+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET as %q: %v", user, err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized && resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("401 without WWW-Authenticate")
	}
	return resp.StatusCode
}

// TestLogin: with users set, /metrics answers only a configured user's
// name and password; without, it asks no login. A changed password stops
// the remembered login at once.
func TestLogin(t *testing.T) {
	s := newTestServer(t)
	addr := freeAddr(t, "127.78.1.6")
	s.Configure(addr)
	hash, err := config.HashSecret("scrape-me")
	if err != nil {
		t.Fatal(err)
	}
	if code := getAs(t, addr, "", ""); code != 200 {
		t.Fatalf("no authentication configured: %d, want 200", code)
	}
	s.SetUsers(map[string]string{"prom": hash, "keyonly": ""})
	for _, tc := range []struct {
		user, pass string
		want       int
	}{
		{"", "", 401},
		{"prom", "wrong", 401},
		{"nobody", "scrape-me", 401},
		{"keyonly", "", 401}, // a user without a password never logs in
		{"prom", "scrape-me", 200},
		{"prom", "scrape-me", 200}, // remembered
	} {
		if code := getAs(t, addr, tc.user, tc.pass); code != tc.want {
			t.Errorf("as %q/%q: %d, want %d", tc.user, tc.pass, code, tc.want)
		}
	}
	other, _ := config.HashSecret("new-secret")
	s.SetUsers(map[string]string{"prom": other})
	if code := getAs(t, addr, "prom", "scrape-me"); code != 401 {
		t.Errorf("old password after the change: %d, want 401", code)
	}
	if code := getAs(t, addr, "prom", "new-secret"); code != 200 {
		t.Errorf("new password: %d, want 200", code)
	}
	s.SetUsers(nil)
	if code := getAs(t, addr, "", ""); code != 200 {
		t.Errorf("authentication off again: %d, want 200", code)
	}
}

// loginServer serves on ip with one user, prom, password scrape-me.
func loginServer(t *testing.T, ip string) string {
	t.Helper()
	s := newTestServer(t)
	addr := freeAddr(t, ip)
	s.Configure(addr)
	hash, err := config.HashSecret("scrape-me")
	if err != nil {
		t.Fatal(err)
	}
	s.SetUsers(map[string]string{"prom": hash})
	return addr
}

// TestLoginRemembered: a scrape every few seconds with the right login
// costs no bcrypt after the first; a guesser pays one bcrypt per guess and
// is throttled after five failures.
func TestLoginRemembered(t *testing.T) {
	addr := loginServer(t, "127.78.1.7")
	getAs(t, addr, "prom", "scrape-me")
	start := time.Now()
	for range 20 {
		if code := getAs(t, addr, "prom", "scrape-me"); code != 200 {
			t.Fatalf("remembered login: %d", code)
		}
	}
	// 20 bcrypt comparisons would take about a second; remembered ones none.
	if took := time.Since(start); took > 700*time.Millisecond {
		t.Errorf("20 scrapes with a remembered login took %v: bcrypt ran again", took)
	}
	for i := range 5 {
		if code := getAs(t, addr, "prom", "guess"); code != 401 {
			t.Fatalf("guess %d: %d", i, code)
		}
	}
	start = time.Now()
	getAs(t, addr, "prom", "guess")
	if took := time.Since(start); took < 1500*time.Millisecond {
		t.Errorf("the sixth failure in a row was judged after %v, want the 2 s throttle", took)
	}
}

// TestLoginBounded: more concurrent login checks than the bound get 503
// at once instead of queueing.
func TestLoginBounded(t *testing.T) {
	addr := loginServer(t, "127.78.1.8")
	// Six failures make every further guess wait (2 s, then 4 s ...), so
	// the checks pile up.
	for range 6 {
		getAs(t, addr, "prom", "guess")
	}
	// Each request gives up after 1 s (the throttled ones wait longer):
	// what counts is that the surplus is refused at once.
	quick := &http.Client{Timeout: time.Second}
	var wg sync.WaitGroup
	codes := make(chan int, 2*maxLoginsWaiting)
	for range 2 * maxLoginsWaiting {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", "http://"+addr+"/metrics", nil)
			req.SetBasicAuth("prom", "guess")
			resp, err := quick.Do(req)
			if err != nil {
				codes <- 0 // still waiting for its turn when the client gave up
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(codes)
	n503 := 0
	for c := range codes {
		if c == http.StatusServiceUnavailable {
			n503++
		}
	}
	if n503 < maxLoginsWaiting {
		t.Errorf("%d of %d concurrent checks refused with 503, want at least %d", n503, 2*maxLoginsWaiting, maxLoginsWaiting)
	}
}
