package commands

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"sipslb/cli/parse"
	"sipslb/slb/config"
	"sipslb/slb/status"
)

var update = flag.Bool("update", false, "rewrite golden transcripts")

// fakeBackend keeps startup-config in memory and records applies.
type fakeBackend struct {
	mu      sync.Mutex
	startup []byte
	applied int
	failApp error
}

func (f *fakeBackend) Apply(*config.Config) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failApp != nil {
		return f.failApp
	}
	f.applied++
	return nil
}
func (f *fakeBackend) Status() *status.Snapshot { return nil }
func (f *fakeBackend) SIPHash(string, string) ([]status.HashRoute, error) {
	return nil, errors.New("no data path in the fake backend")
}
func (f *fakeBackend) SaveStartup(b []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.startup = append([]byte(nil), b...)
	return nil
}
func (f *fakeBackend) LoadStartup() ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.startup == nil {
		return nil, errors.New("startup-config does not exist")
	}
	return f.startup, nil
}
func (f *fakeBackend) EraseStartup() error { f.startup = nil; return nil }
func (f *fakeBackend) Version() string     { return "test" }

// LocalizeSNMPKey stands in for RFC 3414 localization with a fixed,
// recognisable key of the right length.
func (f *fakeBackend) LocalizeSNMPKey(auth, pass string) ([]byte, error) {
	n := map[string]int{"sha": 20, "sha256": 32}[auth]
	return bytes.Repeat([]byte{byte(len(pass))}, n), nil
}

// transcript runs script lines in one session and prints what a terminal
// would show: prompt, line, output, and errors with their caret.
func transcript(in *Interp, s *Session, script string) string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimRight(script, "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		prompt := in.Prompt(s)
		b.WriteString(prompt + line + "\n")
		var out bytes.Buffer
		err := in.Exec(s, line, &out)
		b.Write(out.Bytes())
		if err != nil {
			var pe *parse.Error
			if errors.As(err, &pe) {
				b.WriteString(pe.Render(len(prompt)))
			} else {
				b.WriteString(err.Error() + "\n")
			}
		}
		if s.Mode == ModeClosed {
			b.WriteString("[session closed]\n")
			break
		}
	}
	return b.String()
}

// TestTranscripts replays every testdata/transcripts/*.cli script and
// compares with its .golden file (go test -run Transcripts -update).
func TestTranscripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/transcripts/*.cli")
	if len(files) == 0 {
		t.Fatal("no transcripts")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".cli")
		t.Run(name, func(t *testing.T) {
			script, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			in := New(&fakeBackend{}, nil)
			priv := PrivSuper
			if strings.HasPrefix(name, "readonly") {
				priv = PrivReadOnly
			}
			s := in.Open("admin", priv, "test")
			got := transcript(in, s, string(script))
			golden := strings.TrimSuffix(f, ".cli") + ".golden"
			if *update {
				os.WriteFile(golden, []byte(got), 0o644)
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("transcript differs from %s:\n--- got\n%s", golden, got)
			}
		})
	}
}
