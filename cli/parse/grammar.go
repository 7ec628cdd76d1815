package parse

import (
	"fmt"
	"strings"
)

// Node is one word of the grammar: a keyword (Word set) or an argument
// (Arg set). A line may end at a node whose Run (or, after "no", NoRun) is
// set. Next may point back to an earlier node to repeat a group, as in
// "bind sip rs1 sip rs2 sip".
type Node struct {
	Word   string
	Arg    *Arg
	Help   string
	Next   []*Node
	Run    Handler
	NoRun  Handler
	Negate bool // the "no" keyword: what follows is negated
	Hidden bool // accepted but not listed by "?" (aliases)
}

// Handler executes a matched line.
type Handler func(m *Match) error

// Arg describes a value word.
type Arg struct {
	Name string // shown by "?", e.g. "NAME", "A.B.C.D"
	// Check reports why s is not acceptable, or nil. A nil Check accepts
	// every word.
	Check func(s string) error
	// Values lists known values for Tab completion (server names).
	Values func() []string
}

// K builds a keyword node.
func K(word, help string, next ...*Node) *Node {
	return &Node{Word: word, Help: help, Next: next}
}

// A builds an argument node.
func A(arg *Arg, help string, next ...*Node) *Node {
	return &Node{Arg: arg, Help: help, Next: next}
}

// Do sets the handler of n and returns n, so grammars read top-down.
func (n *Node) Do(h Handler) *Node { n.Run = h; return n }

// Undo sets the "no" handler of n and returns n.
func (n *Node) Undo(h Handler) *Node { n.NoRun = h; return n }

func (n *Node) label() string {
	if n.Arg != nil {
		return n.Arg.Name
	}
	return n.Word
}

// Value is an argument as matched.
type Value struct {
	Name string
	Text string
	Pos  int
}

// Match is a successfully parsed line.
type Match struct {
	Line    string
	Tokens  []Token
	Nodes   []*Node // one per token
	Values  []Value
	Negated bool
	Env     any // what the caller passed to Parse, for the handler
}

// Arg returns the first value of argument name, or "".
func (m *Match) Arg(name string) string {
	for _, v := range m.Values {
		if v.Name == name {
			return v.Text
		}
	}
	return ""
}

// Args returns every value of a repeated argument, in order.
func (m *Match) Args(name string) []Value {
	var out []Value
	for _, v := range m.Values {
		if v.Name == name {
			out = append(out, v)
		}
	}
	return out
}

// Has reports whether keyword word was part of the line.
func (m *Match) Has(word string) bool {
	for _, n := range m.Nodes {
		if n.Word == word {
			return true
		}
	}
	return false
}

// ArgErr makes an error that points at the value of argument name.
func (m *Match) ArgErr(name string, format string, a ...any) *Error {
	pos := 0
	for _, v := range m.Values {
		if v.Name == name {
			pos = v.Pos
			break
		}
	}
	return &Error{Kind: ErrRejected, Pos: pos, Msg: fmt.Sprintf(format, a...)}
}

// ErrorKind tells how a line failed.
type ErrorKind uint8

const (
	ErrInvalid    ErrorKind = iota // no word of the grammar fits here
	ErrIncomplete                  // the line stops before a command
	ErrAmbiguous                   // an abbreviation fits more than one keyword
	ErrRejected                    // the command understood the line but refused it
	ErrDenied                      // the session may not run this command
)

// Error is a failed line, positioned at the word that caused it.
type Error struct {
	Kind ErrorKind
	Pos  int
	Msg  string // detail for invalid-value and rejected errors
	Word string // the ambiguous abbreviation
	// Depth is how many words matched before the failure; the interpreter
	// uses it to pick the more telling of two parses (sub-mode vs config).
	Depth int
}

func (e *Error) Error() string {
	switch e.Kind {
	case ErrIncomplete:
		return "% Incomplete command."
	case ErrAmbiguous:
		return fmt.Sprintf("%% Ambiguous command: %q", e.Word)
	case ErrDenied:
		return "% " + e.Msg
	case ErrRejected:
		return "% Error: " + e.Msg
	}
	if e.Msg != "" {
		return "% Invalid input detected at '^' marker: " + e.Msg
	}
	return "% Invalid input detected at '^' marker."
}

// Caret reports whether the error points at a word (and so is shown with a
// caret line under it).
func (e *Error) Caret() bool { return e.Kind == ErrInvalid || e.Kind == ErrRejected && e.Pos > 0 }

// Render prints the error as IOS does: the caret under the offending word,
// shifted by indent (the prompt width when the line was typed after a
// prompt, or 0 when the line itself is echoed first).
func (e *Error) Render(indent int) string {
	if !e.Caret() {
		return e.Error() + "\n"
	}
	return strings.Repeat(" ", indent+e.Pos) + "^\n" + e.Error() + "\n"
}
