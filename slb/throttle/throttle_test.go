package throttle

import (
	"testing"
	"time"
)

// TestSchedule walks one key through the Default schedule on a fake clock.
func TestSchedule(t *testing.T) {
	now := time.Unix(1000, 0)
	th := New[string](Default)
	th.now = func() time.Time { return now }
	a, b := "alice", "bob"
	for i := 1; i <= 5; i++ {
		if v, d := th.Admit(a); v != Now || d != 0 {
			t.Fatalf("attempt %d before 5 failures: %v %v", i, v, d)
		}
		if n := th.Fail(a); n != i {
			t.Fatalf("fail count %d, want %d", n, i)
		}
	}
	steps := []struct {
		name    string
		advance time.Duration
		fail    bool
		want    Verdict
		wait    time.Duration
	}{
		{"6th attempt waits 2s", 0, true, After, 2 * time.Second},
		{"after 6 failures 4s, queued behind nothing", 10 * time.Second, true, After, 4 * time.Second},
		{"7 failures: 8s", 10 * time.Second, true, After, 8 * time.Second},
		{"8: 16s", 20 * time.Second, true, After, 16 * time.Second},
		{"9: capped at 30s", 20 * time.Second, true, After, 30 * time.Second},
		{"parallel attempt queues behind the last", 0, false, After, 60 * time.Second},
		{"and the next", 0, false, After, 90 * time.Second},
		{"and the next", 0, false, After, 120 * time.Second},
		{"queue too long: refused unjudged", 0, false, Refused, 0},
		{"forgotten after 15 quiet minutes", 16 * time.Minute, false, Now, 0},
	}
	for _, st := range steps {
		now = now.Add(st.advance)
		v, d := th.Admit(a)
		if v != st.want || d != st.wait {
			t.Fatalf("%s: got %v %v, want %v %v", st.name, v, d, st.want, st.wait)
		}
		if st.fail {
			th.Fail(a)
		}
		if v, _ := th.Admit(b); v != Now {
			t.Fatalf("%s: another key is throttled", st.name)
		}
	}
}

// TestBounded: a flood of keys does not grow the table beyond MaxTracked.
func TestBounded(t *testing.T) {
	th := New[int](Default)
	for i := range Default.MaxTracked + 100 {
		th.Fail(i)
	}
	if th.Len() > Default.MaxTracked {
		t.Errorf("%d keys tracked, limit %d", th.Len(), Default.MaxTracked)
	}
}
