// Package procs fits the Go scheduler's processor count (GOMAXPROCS) to
// the daemon's load.
//
// Why not leave it at one per CPU: at a few thousand calls a second the data
// path is idle most of the time and nearly every datagram wakes a worker.
// With more Ps than the load needs, each such wake-up also wakes the thread
// of an idle P to look for more work (the scheduler's "spinning" thread),
// which finds none and goes back to sleep: a futex pair and a context switch
// more per wake-up, paid in kernel time that dwarfs the forwarding itself.
// Measured at 2000 calls/s on 2 CPUs (docs/performance.md): one P used about
// a sixth less CPU than two, and passed the same highest call rate. Under
// high load every P is busy, that cost is gone, and one P would cap the data
// path at one core: so the count follows the measured load, up at once, down
// only after the load stayed low for a while.
package procs

import (
	"context"
	"log/slog"
	"math"
	"os"
	"runtime"
	"syscall"
	"time"
)

// Policy decides the processor count from the load. The zero value is not
// useful; see Default.
type Policy struct {
	Max       int           // the ceiling: the runtime's own default (CPUs, cgroup quota)
	Interval  time.Duration // how often the load is read
	Up        float64       // add Ps when the load exceeds Up cores per P
	Down      float64       // shrink to the count that keeps the load under Down cores per P
	DownAfter int           // ... after that many intervals in a row asked for fewer
}

// Default is the policy the daemon runs: up to every CPU within a quarter
// second when the Ps in use are more than 60 % busy; down to what keeps
// them under 40 % busy once the load has asked for fewer for two seconds.
func Default(maxProcs int) Policy {
	return Policy{Max: maxProcs, Interval: 250 * time.Millisecond, Up: 0.6, Down: 0.4, DownAfter: 8}
}

// Next returns the processor count for the coming interval, given the count
// p of the last one, the load in it (CPU-seconds per second, all threads)
// and low, the number of intervals in a row before this one that asked for
// fewer Ps; it returns the new value of low too.
func (pl Policy) Next(p int, load float64, low int) (int, int) {
	if load > pl.Up*float64(p) && p < pl.Max {
		// All of them at once: busy Ps cannot tell how much more the load
		// wants (a saturated P reads 1.0 whatever comes), and a surge must
		// not wait in the socket buffers while the count creeps up. The
		// shrinking below sizes it to the load again.
		return pl.Max, 0
	}
	want := max(1, need(load, pl.Down))
	if want >= p {
		return p, 0
	}
	if low+1 < pl.DownAfter {
		return p, low + 1
	}
	return want, 0
}

func need(load, per float64) int { return int(math.Ceil(load / per)) }

// Controller applies a Policy to this process.
type Controller struct {
	Policy Policy
	Log    *slog.Logger

	// For tests: the process's CPU time so far, and the setter of the
	// processor count (runtime.GOMAXPROCS).
	CPU func() time.Duration
	Set func(n int)
}

// Fixed reports why the count must not be changed, or "" when it may: the
// operator set GOMAXPROCS, or there is only one CPU.
func Fixed() string {
	if v := os.Getenv("GOMAXPROCS"); v != "" {
		return "GOMAXPROCS=" + v + " set in the environment"
	}
	if runtime.GOMAXPROCS(0) <= 1 {
		return "one CPU"
	}
	return ""
}

// New returns the daemon's controller: the Default policy up to the
// runtime's current GOMAXPROCS.
func New(log *slog.Logger) *Controller {
	return &Controller{Policy: Default(runtime.GOMAXPROCS(0)), Log: log, CPU: ProcessCPU, Set: func(n int) { runtime.GOMAXPROCS(n) }}
}

// Run adjusts the count every Policy.Interval until ctx ends, starting from
// one (the first busy interval raises it). It sets Policy.Max back when it
// returns.
func (c *Controller) Run(ctx context.Context) {
	pl := c.Policy
	p := 1
	c.Set(p)
	defer c.Set(pl.Max)
	t := time.NewTicker(pl.Interval)
	defer t.Stop()
	lastCPU, lastAt, low := c.CPU(), time.Now(), 0
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			cpu := c.CPU()
			wall := now.Sub(lastAt)
			if wall <= 0 {
				continue
			}
			load := float64(cpu-lastCPU) / float64(wall)
			lastCPU, lastAt = cpu, now
			var np int
			np, low = pl.Next(p, load, low)
			if np != p {
				c.Set(np)
				if c.Log != nil {
					c.Log.Info("scheduler processors changed", "from", p, "to", np, "load_cores", math.Round(load*100)/100)
				}
				p = np
			}
		}
	}
}

// ProcessCPU is the CPU time (user and system, every thread) this process
// has used.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
