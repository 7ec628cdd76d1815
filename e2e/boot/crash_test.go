package boot

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sipslb/sys/store"
)

// TestWriteMemoryCrash kills a real daemon with SIGKILL at a fault point
// inside write memory, 100 times over. startup-config must always hold
// exactly the old or the new bytes, and startup-config.bak a whole file
// that was once saved.
func TestWriteMemoryCrash(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "startup-config")
	saved := map[string]bool{} // every content startup-config ever held
	for i := range 100 {
		point := store.FaultPoints[i%len(store.FaultPoints)]
		d := boot(t, dir, "SIPSLB_TEST_FAULT="+point)
		old, _ := os.ReadFile(path)
		lines := []string{"configure terminal", fmt.Sprintf("hostname crash%d", i)}
		for j := range i % 7 * 5 { // vary the size so a torn write would show
			lines = append(lines, fmt.Sprintf("server real r%d-%d 10.%d.0.%d", i, j, i, j+1), "port sip", "exit")
		}
		d.CLI(t, append(lines, "end")...)
		newText := d.CLI(t, "show running-config")
		_, _, code := d.Run("write memory")
		if code == 0 {
			t.Fatalf("iteration %d (%s): write memory survived its fault point", i, point)
		}
		<-d.Exited()
		if ws := d.Cmd.ProcessState.String(); !strings.Contains(ws, "killed") {
			t.Fatalf("iteration %d: daemon ended with %s, not SIGKILL", i, ws)
		}
		got, _ := os.ReadFile(path)
		if !bytes.Equal(got, old) && string(got) != newText {
			t.Fatalf("iteration %d (%s): startup-config is neither old nor new:\n%s", i, point, got)
		}
		if len(got) > 0 {
			saved[string(got)] = true
		}
		if bak, err := os.ReadFile(path + ".bak"); err == nil && !saved[string(bak)] {
			t.Fatalf("iteration %d (%s): .bak holds bytes never saved:\n%s", i, point, bak)
		}
		// Next boot: the file loads without errors and no temp file is left.
		d2 := boot(t, dir)
		if len(got) > 0 {
			if errs := d2.CLI(t, "show startup-config errors"); !strings.Contains(errs, "No errors") {
				t.Fatalf("iteration %d: startup-config has errors after the crash: %s", i, errs)
			}
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".startup-config*tmp*")); len(left) > 0 {
			t.Fatalf("iteration %d: temp files left after boot: %v", i, left)
		}
		d2.Stop(t)
	}
	if len(saved) < 20 {
		t.Errorf("only %d distinct saved files: the fault points never let a save through?", len(saved))
	}
}
