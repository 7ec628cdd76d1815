package commands

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"sipslb/cli/parse"
	"sipslb/slb/config"
	"sipslb/slb/status"
	"sipslb/slb/throttle"
)

// Backend is what the interpreter needs from the rest of the daemon.
type Backend interface {
	// Apply makes a validated config the running one (data path, health
	// checks, SNMP). An error leaves the previous config running.
	Apply(c *config.Config) error
	Status() *status.Snapshot
	// SIPHash explains where the data path sends a Call-ID (show sip hash).
	SIPHash(callID, virtual string) ([]status.HashRoute, error)
	// LocalizeSNMPKey turns an SNMPv3 passphrase into a key localized to
	// this agent's engine ID (RFC 3414 A.2); auth is "sha" or "sha256".
	LocalizeSNMPKey(auth, passphrase string) ([]byte, error)
	SaveStartup(text []byte) error
	LoadStartup() ([]byte, error)
	EraseStartup() error
	Version() string
}

// Interp runs command lines. It is safe for concurrent use; commands run
// one at a time.
type Interp struct {
	mu       sync.Mutex
	cfg      *config.Config
	be       Backend
	log      *slog.Logger
	grammar  [ModeClosed + 1][]*parse.Node // ModeClosed: no commands
	sessions map[int]*Session
	nextID   int
	events   []string // show log
	loadErrs []LineError
	ctlStats func() ControlStats // nil until a control socket serves

	enableThrottle *throttle.Throttle[string] // wrong enable secrets per user
	hashSem        chan struct{}              // one bcrypt at a time (slow.go)
}

// New returns an interpreter over the factory-default config. The caller
// replays startup-config with Load.
func New(be Backend, log *slog.Logger) *Interp {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	in := &Interp{cfg: config.New(), be: be, log: log, sessions: map[int]*Session{},
		enableThrottle: throttle.New[string](enableSchedule), hashSem: make(chan struct{}, 1)}
	in.build()
	return in
}

// Config returns the running config; callers must not modify it.
func (in *Interp) Config() *config.Config {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.cfg
}

// Open registers a session and returns it in its starting mode: privileged
// exec for a full-privilege user, user exec otherwise.
func (in *Interp) Open(user string, priv int, from string) *Session {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.nextID++
	now := time.Now()
	s := &Session{ID: in.nextID, User: user, Priv: priv, From: from, Mode: ModeUser, Started: now, LastCmd: now}
	if priv == PrivSuper {
		s.Mode = ModeExec
	}
	in.sessions[s.ID] = s
	return s
}

// Close forgets a session.
func (in *Interp) Close(s *Session) {
	in.mu.Lock()
	defer in.mu.Unlock()
	delete(in.sessions, s.ID)
}

// Sessions lists the open sessions by ID.
func (in *Interp) Sessions() []Session {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.sessionsLocked()
}

func (in *Interp) sessionsLocked() []Session {
	out := make([]Session, 0, len(in.sessions))
	for _, s := range in.sessions {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b Session) int { return a.ID - b.ID })
	return out
}

// Prompt returns the session's current prompt.
func (in *Interp) Prompt(s *Session) string {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.revalidate(s, io.Discard)
	return s.Prompt(in.cfg.Hostname)
}

// revalidate returns a session whose sub-mode object vanished (deleted by
// another session, or by a reload) to config mode.
func (in *Interp) revalidate(s *Session, out io.Writer) {
	gone := s.Mode == ModeReal && in.cfg.Real(s.Obj) == nil ||
		s.Mode == ModeVirtual && in.cfg.Virtual(s.Obj) == nil
	if gone {
		kind := map[Mode]string{ModeReal: "real", ModeVirtual: "virtual"}[s.Mode]
		fmt.Fprintf(out, "%% server %s %s no longer exists; back in config mode\n", kind, s.Obj)
		s.Mode, s.Obj = ModeConfig, ""
	}
}

// Exec runs one line for session s, writing its output to out. The error,
// when not nil, is a *parse.Error positioned in line.
//
// Slow work of a command (a bcrypt hash, an enable throttle's wait) runs
// with the lock released (slow.go): the line is matched under the lock,
// the work runs unlocked, and the line is matched and run again with the
// result, so every other session keeps its commands meanwhile.
func (in *Interp) Exec(s *Session, line string, out io.Writer) error {
	var done *slowDone
	for range maxSlowRounds {
		err := in.execLocked(s, line, out, done)
		var slow *errSlow
		if !errors.As(err, &slow) {
			return err
		}
		done = &slowDone{key: slow.key, result: slow.run()}
	}
	return &parse.Error{Kind: parse.ErrRejected, Msg: "the configuration changed while this command waited; try again"}
}

func (in *Interp) execLocked(s *Session, line string, out io.Writer, done *slowDone) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	s.LastCmd = time.Now()
	in.revalidate(s, out)
	return in.run(s, line, out, in.commitLive, done, false)
}

// Help answers "?" typed at the end of line.
func (in *Interp) Help(s *Session, line string) (string, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.revalidate(s, io.Discard)
	roots := in.roots(s)
	off := 0
	if rest, o, ok := doLine(s, line); ok {
		roots, line, off = in.grammar[ModeExec], rest, o
	}
	items, err := parse.Help(roots, line)
	if err != nil {
		return "", shift(err, off)
	}
	return parse.FormatHelp(items), nil
}

// Complete returns Tab completions of the last word of line.
func (in *Interp) Complete(s *Session, line string) []parse.HelpItem {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.revalidate(s, io.Discard)
	if rest, _, ok := doLine(s, line); ok {
		return parse.Complete(in.grammar[ModeExec], rest)
	}
	return parse.Complete(in.roots(s), line)
}

// doLine splits "do CMD" typed in a config mode into CMD and its offset.
func doLine(s *Session, line string) (string, int, bool) {
	if s.Mode < ModeConfig || s.Mode == ModeClosed {
		return "", 0, false
	}
	toks, err := parse.Tokenize(line)
	if err != nil || len(toks) < 2 || !strings.EqualFold(toks[0].Text, "do") {
		return "", 0, false
	}
	return line[toks[1].Pos:], toks[1].Pos, true
}

// shift moves an error's caret by off columns.
func shift(err error, off int) error {
	var pe *parse.Error
	if errors.As(err, &pe) && off > 0 {
		e := *pe
		e.Pos += off
		return &e
	}
	return err
}

func (in *Interp) roots(s *Session) []*parse.Node { return in.grammar[s.Mode] }

// call is the environment a handler runs in.
type call struct {
	in     *Interp
	s      *Session
	out    io.Writer
	cfg    *config.Config // the config the handler reads
	commit func(*config.Config) error
	// done is the result of this line's slow work when it ran unlocked;
	// inline: run slow work in place (startup-config replay, which has
	// no session waiting and holds the lock for the whole file).
	done   *slowDone
	inline bool
}

// edit applies f to a copy of the config and commits it if valid.
func (c *call) edit(f func(*config.Config) error) error {
	cand := c.cfg.Clone()
	if err := f(cand); err != nil {
		return err
	}
	if ps := cand.Validate(); len(ps) > 0 {
		msgs := make([]string, len(ps))
		for i, p := range ps {
			msgs[i] = p.Error()
		}
		return &parse.Error{Kind: parse.ErrRejected, Msg: strings.Join(msgs, "\n% Error: ")}
	}
	if err := c.commit(cand); err != nil {
		return &parse.Error{Kind: parse.ErrRejected, Msg: err.Error()}
	}
	c.cfg = cand
	return nil
}

func (in *Interp) commitLive(c *config.Config) error {
	if err := in.be.Apply(c); err != nil {
		return err
	}
	in.cfg = c
	return nil
}

// exec runs one line with slow work inline (startup-config replay).
func (in *Interp) exec(s *Session, line string, out io.Writer, commit func(*config.Config) error) error {
	return in.run(s, line, out, commit, nil, true)
}

func (in *Interp) run(s *Session, line string, out io.Writer, commit func(*config.Config) error, done *slowDone, inline bool) error {
	line = strings.TrimRight(line, "\r\n")
	trimmed := strings.TrimSpace(line)
	if trimmed == "" || strings.HasPrefix(trimmed, "!") {
		return nil
	}
	if rest, off, ok := doLine(s, line); ok {
		// "do CMD": run an exec command from a config mode and stay put.
		mode, obj := s.Mode, s.Obj
		s.Mode = ModeExec
		err := in.run(s, rest, out, commit, done, inline)
		if s.Mode != ModeClosed {
			s.Mode, s.Obj = mode, obj
		}
		return shift(err, off)
	}
	if strings.HasSuffix(line, "?") {
		items, err := parse.Help(in.roots(s), strings.TrimSuffix(line, "?"))
		if err != nil {
			return err
		}
		io.WriteString(out, parse.FormatHelp(items))
		return nil
	}
	c := &call{in: in, s: s, out: out, cfg: in.cfg, commit: commit, done: done, inline: inline}
	m, err := parse.Parse(in.roots(s), line, c)
	if err != nil && (s.Mode == ModeReal || s.Mode == ModeVirtual) {
		// IOS: a global command typed in a sub-mode runs in config mode and
		// leaves the sub-mode.
		m2, err2 := parse.Parse(in.grammar[ModeConfig], line, c)
		if err2 == nil {
			s.Mode, s.Obj = ModeConfig, ""
			m, err = m2, nil
		} else if err2.Depth > err.Depth {
			err = err2
		}
	}
	if err != nil {
		return err
	}
	if e := m.Run(); e != nil {
		var slow *errSlow
		if errors.As(e, &slow) {
			return slow
		}
		var pe *parse.Error
		if errors.As(e, &pe) {
			return pe
		}
		return &parse.Error{Kind: parse.ErrRejected, Msg: e.Error()}
	}
	return nil
}

// Log records an event for `show log`.
func (in *Interp) Log(format string, a ...any) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.logLocked(format, a...)
}

func (in *Interp) logLocked(format string, a ...any) {
	// Printable: an event may quote a line of startup-config or a name
	// from a peer, and show log must not play escape sequences.
	msg := time.Now().Format("2006-01-02 15:04:05 ") + parse.Printable(fmt.Sprintf(format, a...))
	in.events = append(in.events, msg)
	if len(in.events) > 500 {
		in.events = in.events[len(in.events)-500:]
	}
}
