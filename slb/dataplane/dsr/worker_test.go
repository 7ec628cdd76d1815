package dsr

import (
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sipslb/slb/pool"
)

// chanLink is a Link whose frames come from a channel and whose reads
// honour a read deadline, as the AF_PACKET socket's do.
type chanLink struct {
	fakeNeighbors
	in     chan []byte
	out    chan []byte
	closed chan struct{}
	mu     sync.Mutex
	dl     time.Time
}

func newChanLink() *chanLink {
	return &chanLink{fakeNeighbors: realMACs, in: make(chan []byte, 8), out: make(chan []byte, 8), closed: make(chan struct{})}
}

func (l *chanLink) SetReadDeadline(t time.Time) error {
	l.mu.Lock()
	l.dl = t
	l.mu.Unlock()
	return nil
}

func (l *chanLink) ReadFrame(b []byte) (int, error) {
	l.mu.Lock()
	dl := l.dl
	l.mu.Unlock()
	var timeout <-chan time.Time
	if !dl.IsZero() {
		tm := time.NewTimer(time.Until(dl))
		defer tm.Stop()
		timeout = tm.C
	}
	select {
	case f := <-l.in:
		return copy(b, f), nil
	case <-timeout:
		return 0, os.ErrDeadlineExceeded
	case <-l.closed:
		return 0, net.ErrClosed
	}
}

func (l *chanLink) WriteFrame(b []byte) error { l.out <- append([]byte(nil), b...); return nil }
func (l *chanLink) Request(netip.Addr)        {}

// An idle DSR worker on a link with read deadlines wakes and beats; it
// still forwards afterwards and stops when the link closes.
func TestWorkerHeartBeatsWhileIdle(t *testing.T) {
	const wake = 40 * time.Millisecond
	var state atomic.Pointer[pool.State]
	state.Store(buildState(t, dsrConfig(nil)))
	l := newChanLink()
	w := NewWorker(l, &state, ourMAC, new(Counters), 0)
	w.SetWake(wake)
	if w.dl == nil {
		t.Fatal("a link with SetReadDeadline cannot wake the worker")
	}
	done := make(chan error, 1)
	go func() { done <- w.Run() }()
	seen := map[int64]bool{}
	for end := time.Now().Add(500 * time.Millisecond); time.Now().Before(end); {
		seen[w.Heart().Last()] = true
		time.Sleep(5 * time.Millisecond)
	}
	if len(seen) < 5 {
		t.Errorf("%d distinct beats in 500ms idle at a %v wake interval, want >= 5", len(seen), wake)
	}
	l.in <- frame(sipMsg("INVITE", "wake@client", 0))
	select {
	case <-l.out:
	case <-time.After(5 * time.Second):
		t.Fatal("no frame forwarded after idle wake-ups")
	}
	close(l.closed)
	select {
	case err := <-done:
		if err == nil {
			t.Error("Run returned nil on a closed link")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("worker did not stop when its link closed")
	}
}
