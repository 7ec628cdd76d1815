package systemd

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-systemd/v22/journal"
)

type sent struct {
	mu   sync.Mutex
	msgs []string
}

func (s *sent) send(state string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, state)
	return true, nil
}

func (s *sent) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.msgs...)
}

func TestNotifierMessages(t *testing.T) {
	var s sent
	n := NewNotifier(nil)
	n.send = s.send
	n.Ready("1 VIPs")
	n.Status("1 VIPs")
	n.Status("2 VIPs")
	n.Reloading()
	n.Ready("2 VIPs")
	n.Stopping()
	got := s.all()
	want := []string{"READY=1\nSTATUS=1 VIPs", "STATUS=2 VIPs", "RELOADING=1\nMONOTONIC_USEC=", "READY=1\nSTATUS=2 VIPs", "STOPPING=1"}
	if len(got) != len(want) {
		t.Fatalf("sent %q", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("message %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
}

// TestWatchdogFollowsCheck: pings flow while the check passes and stop
// while it fails.
func TestWatchdogFollowsCheck(t *testing.T) {
	var s sent
	n := NewNotifier(nil)
	n.send = s.send
	var mu sync.Mutex
	var fail error
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		n.Watchdog(ctx, 40*time.Millisecond, func() error { mu.Lock(); defer mu.Unlock(); return fail })
		close(done)
	}()
	count := func() int { return strings.Count(strings.Join(s.all(), "|"), "WATCHDOG=1") }
	time.Sleep(300 * time.Millisecond)
	healthy := count()
	mu.Lock()
	fail = errors.New("wedged")
	mu.Unlock()
	time.Sleep(60 * time.Millisecond) // let a tick in flight finish
	before := count()
	time.Sleep(300 * time.Millisecond)
	during := count() - before
	cancel()
	<-done
	if healthy < 3 {
		t.Errorf("%d pings in 300ms at a 20ms interval while healthy", healthy)
	}
	if during != 0 {
		t.Errorf("%d pings while the check failed", during)
	}
}

func TestJournalHandler(t *testing.T) {
	type rec struct {
		msg  string
		pri  journal.Priority
		vars map[string]string
	}
	var got []rec
	h := NewJournalHandler(slog.LevelInfo, func(m string, p journal.Priority, v map[string]string) error {
		got = append(got, rec{m, p, v})
		return nil
	})
	log := slog.New(h).With("component", "health")
	log.Warn("real server down", "real", "sip1", "vip", "192.0.2.10", "state-dir", "/x", slog.Group("port", "num", 5060))
	log.Debug("not sent")
	log.WithGroup("g").Error("boom", "k", 1)
	if len(got) != 2 {
		t.Fatalf("sent %d records", len(got))
	}
	want := map[string]string{"SLB_COMPONENT": "health", "SLB_REAL": "sip1", "SLB_VIP": "192.0.2.10", "SLB_STATE_DIR": "/x", "SLB_PORT_NUM": "5060"}
	for k, v := range want {
		if got[0].vars[k] != v {
			t.Errorf("%s = %q, want %q (all %v)", k, got[0].vars[k], v, got[0].vars)
		}
	}
	if got[0].msg != "real server down" || got[0].pri != journal.PriWarning {
		t.Errorf("first record %+v", got[0])
	}
	if got[1].pri != journal.PriErr || got[1].vars["SLB_G_K"] != "1" {
		t.Errorf("grouped record %+v", got[1])
	}
}
