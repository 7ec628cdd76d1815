package console

import (
	"fmt"
	"io"
	"strings"

	"sipslb/cli/batch"
	"sipslb/cli/ctl"
	"sipslb/cli/parse"
)

// daemon is the part of *ctl.Client the console uses; tests may give it a
// client of an in-process control server.
type daemon interface {
	Exec(line string) (*ctl.Response, error)
	Help(line string) (*ctl.Response, error)
	Complete(line string) (*ctl.Response, error)
}

// session ties one console to one daemon session.
type session struct {
	d      daemon
	prompt func() string // the daemon's current prompt
	out    io.Writer
	exit   func(code int) // os.Exit outside tests

	// raw is the line exactly as typed, captured when readline accepts it;
	// console's own parsing strips quotes and may reject IOS text (an
	// apostrophe in a description) that the daemon reads fine.
	raw    string
	hasRaw bool
}

// takeRaw returns the line readline accepted last, once.
func (s *session) takeRaw() (string, bool) {
	line, ok := s.raw, s.hasRaw
	s.raw, s.hasRaw = "", false
	return line, ok
}

// run sends one line to the daemon and prints the answer as IOS does: the
// output, then the caret under the offending word, shifted by the width
// of the prompt the line was typed after.
func (s *session) run(line string) {
	indent := len(s.prompt())
	resp, err := s.d.Exec(line)
	if err != nil {
		fmt.Fprintf(s.out, "%% lost the daemon: %v\n", err)
		s.exit(batch.ExitUnreachable)
		return
	}
	io.WriteString(s.out, resp.Out)
	if resp.Err != nil {
		io.WriteString(s.out, resp.Err.Parse().Render(indent))
	}
	if resp.Closed {
		s.exit(batch.ExitOK)
	}
}

// help renders the daemon's "?" answer for the text left of the cursor:
// the two-column listing, or the error with its caret under that text
// (the prompt plus the line are on screen above it).
func (s *session) help(before string) string {
	indent := len(s.prompt())
	resp, err := s.d.Help(before)
	if err != nil {
		return fmt.Sprintf("%% lost the daemon: %v\n", err)
	}
	if resp.Err != nil {
		return resp.Err.Parse().Render(indent)
	}
	if resp.Out != "" {
		return resp.Out
	}
	return parse.FormatHelp(resp.Items)
}

// complete asks the daemon for the completions of the last word of line.
func (s *session) complete(line string) []parse.HelpItem {
	resp, err := s.d.Complete(line)
	if err != nil || resp.Err != nil {
		return nil
	}
	return resp.Items
}

// rebuild joins parsed words back into a line the daemon's tokenizer reads
// the same way: words holding blanks are quoted again.
func rebuild(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = parse.Quote(w)
	}
	return strings.Join(q, " ")
}

// inConfig reports whether the prompt is a configuration mode's
// ("NAME(config)#", "NAME(config-rs-X)#"); hostnames cannot hold "(".
func inConfig(prompt string) bool { return strings.Contains(prompt, "(config") }
