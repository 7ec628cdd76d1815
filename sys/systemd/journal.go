package systemd

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/coreos/go-systemd/v22/journal"
)

// Logger returns a logger that writes to the journal with structured
// fields when stderr is connected to it (a systemd service), and fallback
// otherwise. Each slog attribute becomes a field SLB_<KEY>, so a health
// change logged with real=sip1 vip=192.0.2.10 is found with
// `journalctl SLB_REAL=sip1`.
func Logger(fallback *slog.Logger) *slog.Logger {
	if ok, err := journal.StderrIsJournalStream(); err != nil || !ok || !journal.Enabled() {
		return fallback
	}
	return slog.New(NewJournalHandler(slog.LevelInfo, journal.Send))
}

// SendFunc is journal.Send.
type SendFunc func(message string, priority journal.Priority, vars map[string]string) error

// JournalHandler is a slog.Handler that sends each record to the journal.
type JournalHandler struct {
	level  slog.Leveler
	send   SendFunc
	attrs  []slog.Attr
	prefix string // group prefix, "GROUP_"
}

// NewJournalHandler returns a handler for records at level and above.
func NewJournalHandler(level slog.Leveler, send SendFunc) *JournalHandler {
	return &JournalHandler{level: level, send: send}
}

func (h *JournalHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

func (h *JournalHandler) Handle(_ context.Context, r slog.Record) error {
	vars := map[string]string{}
	for _, a := range h.attrs {
		addVar(vars, "", a)
	}
	r.Attrs(func(a slog.Attr) bool {
		addVar(vars, h.prefix, a)
		return true
	})
	return h.send(r.Message, priority(r.Level), vars)
}

func (h *JournalHandler) WithAttrs(as []slog.Attr) slog.Handler {
	n := *h
	n.attrs = append([]slog.Attr(nil), h.attrs...)
	for _, a := range as {
		n.attrs = append(n.attrs, slog.Attr{Key: h.prefix + a.Key, Value: a.Value})
	}
	return &n
}

func (h *JournalHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	n := *h
	n.prefix = h.prefix + name + "_"
	return &n
}

func priority(l slog.Level) journal.Priority {
	switch {
	case l >= slog.LevelError:
		return journal.PriErr
	case l >= slog.LevelWarn:
		return journal.PriWarning
	case l >= slog.LevelInfo:
		return journal.PriInfo
	}
	return journal.PriDebug
}

// addVar flattens an attribute (groups too) into a journal field name:
// upper case, [A-Z0-9_] only, prefixed SLB_.
func addVar(vars map[string]string, prefix string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Value.Kind() == slog.KindGroup {
		for _, g := range a.Value.Group() {
			addVar(vars, prefix+a.Key+"_", g)
		}
		return
	}
	if a.Key == "" {
		return
	}
	vars[FieldName(prefix+a.Key)] = fmt.Sprint(a.Value.Any())
}

// FieldName turns a slog key into a journal field name: "real" → SLB_REAL,
// "state-dir" → SLB_STATE_DIR.
func FieldName(key string) string {
	var b strings.Builder
	b.WriteString("SLB_")
	for _, c := range strings.ToUpper(key) {
		if c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
