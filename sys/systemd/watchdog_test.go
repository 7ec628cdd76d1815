package systemd

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestWatchdogMargin: one failed check (a command holding the interpreter
// a little too long) must not open a gap in the pings. With pings every
// period/2 and a failed check skipping its ping, the gap was the whole
// period: a restart. Now pings go every period/4 and a failure is retried
// within the grace, so the largest gap stays near period/4.
func TestWatchdogMargin(t *testing.T) {
	const period = 400 * time.Millisecond
	var mu sync.Mutex
	var at []time.Time
	n := NewNotifier(nil)
	n.send = func(state string) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		at = append(at, time.Now())
		return true, nil
	}
	calls := 0
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		n.Watchdog(ctx, period, func() error {
			calls++
			if calls == 5 || calls == 9 || calls == 10 { // one failure, then two in a row (< the grace)
				return errors.New("command interpreter busy")
			}
			return nil
		})
		close(done)
	}()
	time.Sleep(2 * time.Second)
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(at) < 15 {
		t.Fatalf("%d pings in 2s at a %v period, want about 20", len(at), period)
	}
	for i := 1; i < len(at); i++ {
		// period/4 plus scheduling slack on a busy machine; the old
		// behaviour's gap was the whole period.
		if gap := at[i].Sub(at[i-1]); gap > period/2 {
			t.Errorf("ping %d came %v after the previous one (period %v)", i, gap, period)
		}
	}
}

// TestWatchdogWithholdsAfterGrace: a check that keeps failing stops the
// pings once the grace (period/2) has passed, and they resume when it
// passes again.
func TestWatchdogWithholdsAfterGrace(t *testing.T) {
	const period = 400 * time.Millisecond
	var mu sync.Mutex
	var at []time.Time
	n := NewNotifier(nil)
	n.send = func(string) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		at = append(at, time.Now())
		return true, nil
	}
	var failing sync.Map
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		n.Watchdog(ctx, period, func() error {
			if _, ok := failing.Load("x"); ok {
				return errors.New("wedged")
			}
			return nil
		})
		close(done)
	}()
	time.Sleep(500 * time.Millisecond)
	failStart := time.Now()
	failing.Store("x", true)
	time.Sleep(1500 * time.Millisecond)
	failing.Delete("x")
	failEnd := time.Now()
	time.Sleep(500 * time.Millisecond)
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	late, after := 0, 0
	for _, a := range at {
		if a.After(failStart.Add(Grace(period)+period/4+100*time.Millisecond)) && a.Before(failEnd) {
			late++
		}
		if a.After(failEnd) {
			after++
		}
	}
	if late != 0 {
		t.Errorf("%d pings after the grace while the check kept failing", late)
	}
	if after < 2 {
		t.Errorf("%d pings after the check passed again", after)
	}
}
