package appliance

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunHistory: starts are counted, a clean exit is told to the next
// start, a run that never recorded its exit counts as unclean, and a
// damaged file costs the history, not the boot.
func TestRunHistory(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	h := openRuns(dir, log)
	if st := h.status(); st.Starts != 1 || st.Unclean != 0 || st.LastExit != "" {
		t.Fatalf("first start: %+v", st)
	}
	h.exit("stopped by SIGTERM")
	h = openRuns(dir, log)
	if st := h.status(); st.Starts != 2 || st.Unclean != 0 || !strings.HasPrefix(st.LastExit, "stopped by SIGTERM at ") {
		t.Fatalf("after a clean stop: %+v", st)
	}
	// This run dies without recording its exit (SIGKILL, power cut).
	h = openRuns(dir, log)
	if st := h.status(); st.Starts != 3 || st.Unclean != 1 || !strings.HasPrefix(st.LastExit, "unclean: the run started ") {
		t.Fatalf("after an unclean exit: %+v", st)
	}
	if err := os.WriteFile(filepath.Join(dir, RunsName), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	h = openRuns(dir, log)
	if st := h.status(); st.Starts != 1 || st.LastExit != "unknown (run history damaged)" {
		t.Fatalf("after damage: %+v", st)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
