package commands

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"sipslb/cli/parse"
	"sipslb/slb/config"
	"sipslb/slb/status"
)

// LineError is a line of a config file that did not load.
type LineError struct {
	Line int
	Text string
	Err  string
}

func (e LineError) String() string {
	return fmt.Sprintf("line %d: %s: %s", e.Line, strings.TrimSpace(e.Text), e.Err)
}

// replay runs a config file into a fresh factory config without touching
// the running one. A line that fails is reported and skipped; when it is a
// top-level line, the indented block under it is skipped too, so that block
// cannot edit whatever server the session was in before.
func (in *Interp) replay(text []byte) (*config.Config, []LineError) {
	s := &Session{User: "startup-config", Priv: PrivSuper, Mode: ModeConfig}
	work := config.New()
	commit := func(c *config.Config) error { work = c; return nil }
	var errs []LineError
	skipBlock := false
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		raw := sc.Text()
		line := strings.TrimRight(raw, " \t\r")
		body := strings.TrimLeft(line, " \t")
		if body == "" || strings.HasPrefix(body, "!") {
			continue
		}
		indented := len(body) < len(line)
		if !indented {
			skipBlock = false
			if s.Mode != ModeConfig {
				s.Mode, s.Obj = ModeConfig, ""
			}
			if body == "end" {
				continue
			}
		} else if skipBlock {
			errs = append(errs, LineError{Line: n, Text: raw, Err: "skipped: the line that opens this block failed"})
			continue
		}
		saved := in.cfg
		in.cfg = work // handlers read in.cfg through call.cfg
		err := in.exec(s, body, io.Discard, commit)
		in.cfg = saved
		if err != nil {
			errs = append(errs, LineError{Line: n, Text: raw, Err: errText(err)})
			if !indented {
				skipBlock = true
			}
		}
		if s.Mode == ModeExec || s.Mode == ModeUser || s.Mode == ModeClosed {
			s.Mode = ModeConfig // "exit" at top level of a file keeps loading
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, LineError{Err: "reading: " + err.Error()})
	}
	return work, errs
}

func errText(err error) string {
	var pe *parse.Error
	if errors.As(err, &pe) {
		s := pe.Error()
		if pe.Kind == parse.ErrInvalid {
			return fmt.Sprintf("%s (at column %d)", s, pe.Pos+1)
		}
		return s
	}
	return err.Error()
}

// Load replaces the running config with the one in text (boot and SIGHUP).
// Bad lines are skipped and returned; the rest is applied in one step. An
// error from Apply keeps the previous config running.
func (in *Interp) Load(text []byte, source string) ([]LineError, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	cfg, errs := in.replay(text)
	if ps := cfg.Validate(); len(ps) > 0 {
		return errs, config.Err(ps)
	}
	if err := in.be.Apply(cfg); err != nil {
		return errs, err
	}
	in.cfg = cfg
	in.loadErrs = errs
	in.logLocked("loaded %s: %d lines failed", source, len(errs))
	for _, e := range errs {
		in.logLocked("%s: %s", source, e)
	}
	return errs, nil
}

// Check replays text offline, as `sipslb check-config` does.
func Check(text []byte) (*config.Config, []LineError) {
	in := New(nopBackend{}, nil)
	cfg, errs := in.replay(text)
	for _, p := range cfg.Validate() {
		errs = append(errs, LineError{Err: p.Error()})
	}
	return cfg, errs
}

type nopBackend struct{}

func (nopBackend) Apply(*config.Config) error { return nil }
func (nopBackend) Status() *status.Snapshot   { return nil }
func (nopBackend) SIPHash(string, string) ([]status.HashRoute, error) {
	return nil, errors.New("no data path here")
}
func (nopBackend) SaveStartup([]byte) error     { return errors.New("no startup-config here") }
func (nopBackend) LoadStartup() ([]byte, error) { return nil, errors.New("no startup-config here") }
func (nopBackend) EraseStartup() error          { return errors.New("no startup-config here") }
func (nopBackend) Version() string              { return "" }
func (nopBackend) LocalizeSNMPKey(string, string) ([]byte, error) {
	return nil, errors.New("a passphrase needs the running daemon: keys are localized to its engine ID")
}
