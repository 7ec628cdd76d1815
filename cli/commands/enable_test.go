package commands

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"sipslb/cli/parse"
)

// enableSetup returns an interpreter with an enable secret and a root
// session.
func enableSetup(t *testing.T) (*Interp, *Session) {
	t.Helper()
	in := New(&fakeBackend{}, nil)
	root := in.Open("root", PrivSuper, "test")
	for _, l := range []string{"configure terminal", "enable secret right", "end"} {
		if err := in.Exec(root, l, io.Discard); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
	}
	return in, root
}

// timed runs line and returns how long it took.
func timed(in *Interp, s *Session, line string) (time.Duration, error) {
	t0 := time.Now()
	err := in.Exec(s, line, io.Discard)
	return time.Since(t0), err
}

// TestEnableThrottled: after 5 wrong enable secrets of one user (from any
// number of sessions) the next attempt waits (2 s, doubling), and while it
// waits a root session's commands run at once. (enable had no throttle: 30
// wrong secrets and then the right one took 2 s.)
func TestEnableThrottled(t *testing.T) {
	in, root := enableSetup(t)
	var s *Session
	for i := range 5 {
		if i%2 == 0 {
			s = in.Open("ro", PrivReadOnly, "local uid 1000")
		}
		if d, err := timed(in, s, "enable wrong"); err == nil || d > time.Second {
			t.Fatalf("attempt %d: %v after %v", i+1, err, d)
		}
	}
	s = in.Open("ro", PrivReadOnly, "local uid 1000")
	var wg sync.WaitGroup
	var sixth time.Duration
	var sixthErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		sixth, sixthErr = timed(in, s, "enable right")
	}()
	time.Sleep(300 * time.Millisecond) // the sixth attempt is waiting now
	var worst time.Duration
	for range 5 {
		d, err := timed(in, root, "show version")
		if err != nil {
			t.Fatal(err)
		}
		worst = max(worst, d)
	}
	wg.Wait()
	if sixth < 1900*time.Millisecond {
		t.Errorf("6th attempt judged after %v, want the 2 s throttle", sixth)
	}
	if sixthErr != nil || s.Priv != PrivSuper {
		t.Errorf("right secret after the wait: %v, priv %d", sixthErr, s.Priv)
	}
	if worst > 250*time.Millisecond {
		t.Errorf("root show version took %v while an enable waited", worst)
	}
	// Another user is not throttled by ro's failures.
	o := in.Open("other", PrivReadOnly, "local uid 1001")
	if d, err := timed(in, o, "enable right"); err != nil || d > time.Second {
		t.Errorf("another user: %v after %v", err, d)
	}
}

// TestEnableClosesSessionAfterThreeFailures: a session that sends 3 wrong
// enable secrets is closed, as IOS does ("% Bad secrets").
func TestEnableClosesSessionAfterThreeFailures(t *testing.T) {
	in, _ := enableSetup(t)
	s := in.Open("ro", PrivReadOnly, "local uid 1000")
	for i := 1; i <= 3; i++ {
		err := in.Exec(s, "enable wrong"+fmt.Sprint(i), io.Discard)
		var pe *parse.Error
		if !errors.As(err, &pe) || pe.Kind != parse.ErrDenied {
			t.Fatalf("attempt %d: %v", i, err)
		}
		if closed := s.Mode == ModeClosed; closed != (i == 3) {
			t.Fatalf("after %d wrong secrets the session is closed=%v (%v)", i, closed, err)
		}
	}
}

// TestSlowHashesRunUnlocked: while many sessions hash secrets (username
// ... password, enable, each a bcrypt of tens of ms), another session's
// show version is not queued behind them. (The hashes ran under the
// interpreter lock: 40 local clients guessing enable made a root show
// version take 3.5-6.3 s and delayed the daemon's watchdog.)
func TestSlowHashesRunUnlocked(t *testing.T) {
	in, root := enableSetup(t)
	const n = 20
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				s := in.Open("root", PrivSuper, "test")
				in.Exec(s, "configure terminal", io.Discard)
				if err := in.Exec(s, fmt.Sprintf("username u%d privilege 5 password pw%d", i, i), io.Discard); err != nil {
					t.Error(err)
				}
				return
			}
			s := in.Open(fmt.Sprintf("ro%d", i), PrivReadOnly, "local")
			in.Exec(s, "enable wrong", io.Discard)
		}()
	}
	time.Sleep(20 * time.Millisecond)
	var worst time.Duration
	for range 10 {
		d, err := timed(in, root, "show version")
		if err != nil {
			t.Fatal(err)
		}
		worst = max(worst, d)
		time.Sleep(10 * time.Millisecond)
	}
	wg.Wait()
	total := time.Since(start)
	t.Logf("show version: worst %v while %d hashes ran for %v", worst, n, total)
	if worst > 200*time.Millisecond {
		t.Errorf("show version took up to %v while %d hashes ran for %v", worst, n, total)
	}
	if len(in.Config().Users) != n/2 {
		t.Errorf("%d users created, want %d", len(in.Config().Users), n/2)
	}
	if !strings.HasPrefix(in.Config().User("u0").PasswordHash, "$2") {
		t.Errorf("u0 has no bcrypt hash")
	}
}
