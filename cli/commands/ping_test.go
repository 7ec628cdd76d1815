package commands

import (
	"testing"
	"time"
)

func TestPing(t *testing.T) {
	in := New(&fakeBackend{}, nil)
	if err := in.Ping(time.Second); err != nil {
		t.Fatalf("idle interpreter: %v", err)
	}
	in.mu.Lock()
	start := time.Now()
	err := in.Ping(50 * time.Millisecond)
	in.mu.Unlock()
	if err == nil {
		t.Fatal("Ping succeeded while the lock was held")
	}
	if time.Since(start) < 50*time.Millisecond {
		t.Errorf("Ping gave up after %s, before its timeout", time.Since(start))
	}
	// A lock released during the wait is noticed.
	in.mu.Lock()
	go func() { time.Sleep(20 * time.Millisecond); in.mu.Unlock() }()
	if err := in.Ping(5 * time.Second); err != nil {
		t.Errorf("lock released after 20ms: %v", err)
	}
}
