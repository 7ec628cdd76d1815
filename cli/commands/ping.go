package commands

import (
	"fmt"
	"time"
)

// Ping proves the interpreter can still run a command: it takes and drops
// the lock every line runs under, within timeout. The systemd watchdog
// calls it, so a control loop wedged by a stuck command stops the pings.
// It polls TryLock instead of blocking in a goroutine, so a wedged lock
// leaks nothing however often it is pinged.
func (in *Interp) Ping(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if in.mu.TryLock() {
			in.mu.Unlock()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("command interpreter busy for more than %s", timeout)
		}
		time.Sleep(time.Millisecond)
	}
}
