package procs

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestNext(t *testing.T) {
	pl := Default(8)
	for _, tc := range []struct {
		name         string
		p            int
		load         float64
		low          int
		want, wantLo int
	}{
		{"idle at one stays", 1, 0.05, 0, 1, 0},
		{"busy one P takes every CPU", 1, 0.61, 0, 8, 0},
		{"busy Ps take every CPU", 3, 1.9, 4, 8, 0},
		{"at Max stays", 8, 7.9, 0, 8, 0},
		{"inside the band stays", 2, 0.5, 5, 2, 0},
		{"low load waits", 4, 0.3, 0, 4, 1},
		{"low load waits, not yet", 4, 0.3, 6, 4, 7},
		{"low long enough shrinks to need", 4, 0.7, 7, 2, 0},
		{"no load shrinks to one", 2, 0, 7, 1, 0},
		{"a busy interval resets the wait", 2, 0.9, 7, 2, 0},
	} {
		got, lo := pl.Next(tc.p, tc.load, tc.low)
		if got != tc.want || lo != tc.wantLo {
			t.Errorf("%s: Next(%d, %.2f, %d) = %d, %d; want %d, %d", tc.name, tc.p, tc.load, tc.low, got, lo, tc.want, tc.wantLo)
		}
	}
	// No flapping: under a steady load L, from any count, at most one grow
	// and one shrink, then the count stays (it neither grows nor shrinks
	// again at the same L).
	for l := 0.0; l < 8; l += 0.01 {
		for p := 1; p <= 8; p++ {
			q, path := p, []int{p}
			for range 4 {
				q, _ = pl.Next(q, l, pl.DownAfter)
				path = append(path, q)
			}
			if path[3] != path[4] || path[2] != path[4] {
				t.Fatalf("load %.2f: counts %v do not settle", l, path)
			}
			if path[4] < 8 && l > pl.Up*float64(path[4]) || path[4] > 1 && l <= pl.Down*float64(path[4]-1) {
				t.Fatalf("load %.2f: settled at %d Ps", l, path[4])
			}
		}
	}
}

// TestRunFollowsLoad drives Run with a fake CPU clock: busy, then idle.
func TestRunFollowsLoad(t *testing.T) {
	var busy atomic.Bool
	var mu sync.Mutex
	var sets []int
	var cpu time.Duration
	lastRead := time.Now()
	c := &Controller{
		Policy: Policy{Max: 8, Interval: 5 * time.Millisecond, Up: 0.6, Down: 0.4, DownAfter: 3},
		CPU: func() time.Duration {
			// Two cores' worth of CPU time while busy, none while idle.
			now := time.Now()
			if busy.Load() {
				cpu += 2 * now.Sub(lastRead)
			}
			lastRead = now
			return cpu
		},
		Set: func(n int) { mu.Lock(); sets = append(sets, n); mu.Unlock() },
	}
	last := func() int { mu.Lock(); defer mu.Unlock(); return sets[len(sets)-1] }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	waitFor := func(want int, what string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			ok := len(sets) > 0 && sets[len(sets)-1] == want
			mu.Unlock()
			if ok {
				return
			}
			time.Sleep(time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("%s: processor counts set %v, want the last to be %d", what, sets, want)
	}
	waitFor(1, "idle from boot")
	busy.Store(true)
	waitFor(8, "two cores of load: every CPU at once")
	waitFor(5, "two cores of load: sized for 40 % per P")
	busy.Store(false)
	waitFor(1, "idle again")
	cancel()
	<-done
	if l := last(); l != 8 {
		t.Fatalf("after Run: %d, want Max (8) restored", l)
	}
}

// TestRealProcess runs the real controller on this test process: burning
// CPU on two goroutines must raise GOMAXPROCS above one, idling must bring
// it back to one. It sets the processor count itself (Max 2), so it runs
// on one CPU and with GOMAXPROCS in the environment too: two spinning
// goroutines keep one P busy whatever the machine.
func TestRealProcess(t *testing.T) {
	orig := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(orig)
	c := New(nil)
	c.Policy.Max = 2
	c.Policy.Interval = 50 * time.Millisecond
	// Low thresholds: under `go test ./...` other packages' tests share the
	// CPUs, and a spinning goroutine may get well under a core. (TestNext
	// covers the daemon's thresholds.)
	c.Policy.Up, c.Policy.Down = 0.2, 0.1
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	wait := func(want int, what string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for runtime.GOMAXPROCS(0) != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s: GOMAXPROCS is %d, want %d", what, runtime.GOMAXPROCS(0), want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	wait(1, "idle")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() { // bounded: stops when the test says so or after 20 s
			defer wg.Done()
			end := time.Now().Add(20 * time.Second)
			for n := 0; ; n++ {
				if n%1024 == 0 {
					select {
					case <-stop:
						return
					default:
					}
					if time.Now().After(end) {
						return
					}
				}
			}
		}()
	}
	wait(2, "two goroutines spinning")
	close(stop)
	wg.Wait()
	wait(1, "idle again")
}
