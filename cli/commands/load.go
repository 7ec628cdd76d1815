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
	switch t := strings.TrimSpace(e.Text); {
	case e.Line == 0:
		return e.Err
	case t == "":
		return fmt.Sprintf("line %d: %s", e.Line, e.Err)
	default:
		return fmt.Sprintf("line %d: %s: %s", e.Line, t, e.Err)
	}
}

// TruncatedErr is the error of a file whose last command is not `end`.
// Render always ends with it, so a file without it was cut short (a copy
// or an editor that stopped part way) or was never a saved config.
const TruncatedErr = "truncated: the file does not end with 'end'"

// replay runs a config file into a fresh factory config without touching
// the running one. A line that fails is reported and skipped; when it is a
// top-level line, the indented block under it is skipped too, so that block
// cannot edit whatever server the session was in before. A file whose last
// command is not a top-level `end` is reported as truncated.
func (in *Interp) replay(text []byte) (*config.Config, []LineError) {
	s := &Session{User: "startup-config", Priv: PrivSuper, Mode: ModeConfig}
	work := config.New()
	commit := func(c *config.Config) error { work = c; return nil }
	var errs []LineError
	skipBlock := false
	ended := false // the last command so far is a top-level end
	lines := 0
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 64*1024), MaxLoadLine)
	for n := 1; sc.Scan(); n++ {
		lines = n
		raw := sc.Text()
		line := strings.TrimRight(raw, " \t\r")
		body := strings.TrimLeft(line, " \t")
		if body == "" || strings.HasPrefix(body, "!") {
			continue
		}
		indented := len(body) < len(line)
		ended = !indented && body == "end"
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
		return work, append(errs, LineError{Line: lines + 1, Err: "unreadable: " + err.Error()})
	}
	if !ended {
		errs = append(errs, LineError{Line: lines + 1, Err: TruncatedErr})
	}
	return work, errs
}

// MaxLoadLine bounds one line of a config file (a longer one makes the
// file unreadable from there on).
const MaxLoadLine = 1 << 20

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

// Load is the first load at boot: the file's good lines are applied in
// one step and its bad lines are skipped, reported and returned (a box with
// a damaged startup-config still comes up with what could be read, and
// says what it left out). An error from Validate or Apply keeps the
// previous (factory) config.
func (in *Interp) Load(text []byte, source string) ([]LineError, error) {
	return in.load(text, source, false)
}

// Reload replaces a running config (SIGHUP, systemctl reload), but only
// with a valid file: every line loads, the last command is `end`, and the
// result validates and applies. Anything less returns ErrReloadRefused
// with the file's problems and keeps the running config, as CoreDNS keeps
// serving its last good Corefile. The problems become `show
// startup-config errors`.
func (in *Interp) Reload(text []byte, source string) ([]LineError, error) {
	return in.load(text, source, true)
}

// ErrReloadRefused is Reload's error for a file that is not valid.
var ErrReloadRefused = errors.New("startup-config is not valid: running config kept")

func (in *Interp) load(text []byte, source string, strict bool) ([]LineError, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	cfg, errs := in.replay(text)
	if strict && len(errs) > 0 {
		in.refusedLocked(source, errs, fmt.Sprintf("%d problems", len(errs)))
		return errs, fmt.Errorf("%w (%d problems, first: %s)", ErrReloadRefused, len(errs), errs[0])
	}
	if ps := cfg.Validate(); len(ps) > 0 {
		if strict {
			var all []LineError
			for _, p := range ps {
				all = append(all, LineError{Err: p.Error()})
			}
			in.refusedLocked(source, all, "the result does not validate")
		}
		return errs, config.Err(ps)
	}
	if err := in.be.Apply(cfg); err != nil {
		if strict {
			in.refusedLocked(source, []LineError{{Err: err.Error()}}, "it could not be applied")
		}
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

// refusedLocked records a refused reload: `show startup-config errors`
// then says that the running config was kept, and why.
func (in *Interp) refusedLocked(source string, errs []LineError, why string) {
	head := LineError{Err: fmt.Sprintf("reload of %s refused (%s): the running config was kept", source, why)}
	in.loadErrs = append([]LineError{head}, errs...)
	in.logLocked("reload of %s refused (%s): running config kept", source, why)
	for _, e := range errs {
		in.logLocked("%s: %s", source, e)
	}
}

// ReloadMissing records a reload asked for while there is no startup-config
// (or it cannot be read): the running config is kept.
func (in *Interp) ReloadMissing(source string, err error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.refusedLocked(source, []LineError{{Err: err.Error()}}, "the file cannot be read")
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
