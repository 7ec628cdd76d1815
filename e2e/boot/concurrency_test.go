package boot

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestSessionInsideDeletedServer: one session sits in config-rs-X while
// another deletes X; the first is returned to config mode and its next
// line cannot edit anything that is gone.
func TestSessionInsideDeletedServer(t *testing.T) {
	d := boot(t, "")
	a, b := dialSession(t, d), dialSession(t, d)
	a.exec("configure terminal")
	if _, e := a.exec("server real X 127.0.0.9"); e != "" {
		t.Fatal(e)
	}
	b.exec("configure terminal")
	// B sees A's change at once.
	if out, _ := b.exec("do show server real X"); !strings.Contains(out, "Name: X") {
		t.Fatalf("second session does not see the new server:\n%s", out)
	}
	if _, e := b.exec("no server real X"); e != "" {
		t.Fatalf("delete: %s", e)
	}
	out, e := a.exec("weight 9")
	if !strings.Contains(out, "no longer exists") || e == "" {
		t.Errorf("edit inside a deleted server: out %q err %q", out, e)
	}
	if !strings.HasSuffix(a.prompt(), "(config)#") {
		t.Errorf("prompt %q", a.prompt())
	}
	if strings.Contains(d.CLI(t, "show running-config"), "server real X") {
		t.Error("the deleted server came back")
	}
}

// TestParallelWriters: 50 `sipslb cli -c` processes at once each add a
// server; none of the updates is lost.
func TestParallelWriters(t *testing.T) {
	d := boot(t, "")
	var wg sync.WaitGroup
	errs := make(chan string, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, e, code := d.Run("configure terminal", fmt.Sprintf("server real p%d 10.9.%d.1", i, i), "port sip", "weight 2")
			if code != 0 {
				errs <- e
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	run := d.CLI(t, "show running-config")
	for i := range 50 {
		if !strings.Contains(run, fmt.Sprintf("server real p%d 10.9.%d.1\n port sip\n weight 2\n", i, i)) {
			t.Errorf("update %d lost", i)
		}
	}
}
