package appliance

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"sipslb/slb/status"
)

// RunsName is the file in the state directory (the data partition) that
// counts the daemon's starts and says how the last run ended, for `show
// version`.
const RunsName = "run-history"

// runRecord is the file's content.
type runRecord struct {
	Starts  int       `json:"starts"`
	Unclean int       `json:"unclean"`
	Running bool      `json:"running"` // true until the run records its exit
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
	// LastExit is how the run that wrote it ended (when Running is false).
	LastExit string `json:"last_exit,omitempty"`
}

// runHistory is this run's view of the file: a run marks itself running
// when it starts and writes its exit when it stops, so a start that finds
// the mark still set knows the previous run died (crash, SIGKILL, watchdog
// timeout, power cut) without being able to say so.
type runHistory struct {
	path string
	log  *slog.Logger
	mu   sync.Mutex
	rec  runRecord
	prev string // how the previous run ended
}

// openRuns reads the history, counts this start and marks it running. A
// file that cannot be read or written costs the history, never the boot.
func openRuns(dir string, log *slog.Logger) *runHistory {
	h := &runHistory{path: filepath.Join(dir, RunsName), log: log}
	b, err := os.ReadFile(h.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		log.Error("run history unreadable; counting from here", "path", h.path, "err", err)
		h.prev = "unknown (run history unreadable)"
	default:
		if err := json.Unmarshal(b, &h.rec); err != nil {
			log.Error("run history damaged; counting from here", "path", h.path, "err", err)
			h.rec = runRecord{}
			h.prev = "unknown (run history damaged)"
		}
	}
	if h.rec.Running {
		h.rec.Unclean++
		h.prev = fmt.Sprintf("unclean: the run started %s (pid %d) ended without stopping (crash, SIGKILL, watchdog timeout or power loss)",
			h.rec.Started.Local().Format(time.DateTime), h.rec.PID)
		log.Warn("the previous run did not stop cleanly", "started", h.rec.Started, "pid", h.rec.PID, "unclean_restarts", h.rec.Unclean)
	} else if h.prev == "" {
		h.prev = h.rec.LastExit
	}
	h.rec.Starts++
	h.rec.Running, h.rec.PID, h.rec.Started, h.rec.LastExit = true, os.Getpid(), time.Now(), ""
	h.save()
	return h
}

// exit records how this run ends.
func (h *runHistory) exit(why string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.rec.Running = false
	h.rec.LastExit = why + " at " + time.Now().Local().Format(time.DateTime)
	h.saveLocked()
}

// status is what `show version` prints.
func (h *runHistory) status() status.Runs {
	h.mu.Lock()
	defer h.mu.Unlock()
	return status.Runs{Starts: h.rec.Starts, Unclean: h.rec.Unclean, LastExit: h.prev}
}

func (h *runHistory) save() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.saveLocked()
}

// saveLocked replaces the file atomically (temp file, fsync, rename), so a
// power cut leaves the old or the new record.
func (h *runHistory) saveLocked() {
	b, _ := json.Marshal(h.rec)
	tmp := h.path + ".tmp"
	err := func() error {
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		_, err = f.Write(append(b, '\n'))
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		return os.Rename(tmp, h.path)
	}()
	if err != nil {
		os.Remove(tmp)
		h.log.Error("run history not saved", "path", h.path, "err", err)
	}
}
