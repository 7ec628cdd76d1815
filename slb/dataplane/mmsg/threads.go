package mmsg

import (
	"runtime"
	"sync"
	"time"
)

// Every open Conn may hold a thread asleep in recvmmsg, and Go counts that
// thread's P as busy. When no P is idle, the runtime's sysmon takes such a
// P back after 20 µs, and the thread must find another when its datagram
// wakes it; with a worker per CPU on a quiet VIP that happens on nearly
// every datagram, and sysmon, having work each round, polls every 20 µs
// (measured: a fifth of the daemon's CPU at 2000 calls/s, as when the
// non-blocking calls went through Syscall6). So each open Conn raises
// GOMAXPROCS by one above what it was when the first opened: the sleeping
// threads never leave the rest of the program short of a P, sysmon finds
// idle Ps and backs off to its 10 ms period, and a woken worker keeps its
// own P. Only runnable threads use CPU, so the extra Ps cost nothing while
// their workers sleep.
var threads struct {
	sync.Mutex
	base, open int
}

func reserve(delta int) {
	threads.Lock()
	defer threads.Unlock()
	if threads.open == 0 {
		threads.base = runtime.GOMAXPROCS(0)
	}
	threads.open += delta
	runtime.GOMAXPROCS(threads.base + threads.open)
}

// yieldEvery is how often a busy Recv calls runtime.Gosched. A goroutine
// that only ever enters and leaves system calls never goes through the
// scheduler, so its P's schedule tick stands still, and sysmon takes a P
// whose tick stood still for 10 ms as a goroutine hogging it: it sends the
// thread a preemption signal and takes the P back even with idle Ps about
// (retake's sysretake), which again sets sysmon polling every 20 µs. A
// yield moves the tick. It is not free (the goroutine goes through the
// global run queue and the runtime wakes a thread to look for work:
// about 9 µs on the 2-vCPU VM of docs/performance.md), so it is paced by
// time, not by call count: every 4 ms leaves sysmon (which looks at most
// every 10 ms) a moving tick at every look, at about 250 yields a second
// per busy worker. A worker too quiet to yield within 10 ms is too quiet
// for sysmon's occasional retake to matter.
const yieldEvery = 4 * time.Millisecond

// epoch is the origin of Conn.yielded (a monotonic reading).
var epoch = time.Now()
