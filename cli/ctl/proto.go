package ctl

import "sipslb/cli/parse"

// Request is one message from the CLI to the daemon.
type Request struct {
	Op    string `json:"op"` // hello, exec, help, complete
	Line  string `json:"line,omitempty"`
	Token string `json:"token,omitempty"` // hello: a session token from the daemon
}

// Response answers one Request.
type Response struct {
	Out    string           `json:"out,omitempty"`
	Err    *Error           `json:"err,omitempty"`
	Prompt string           `json:"prompt"`
	Closed bool             `json:"closed,omitempty"`
	Items  []parse.HelpItem `json:"items,omitempty"`
	User   string           `json:"user,omitempty"`
	Priv   int              `json:"priv"`
}

// Error carries a *parse.Error across the socket.
type Error struct {
	Kind uint8  `json:"kind"`
	Pos  int    `json:"pos"`
	Msg  string `json:"msg,omitempty"`
	Word string `json:"word,omitempty"`
}

// Parse returns the error as the client renders it.
func (e *Error) Parse() *parse.Error {
	return &parse.Error{Kind: parse.ErrorKind(e.Kind), Pos: e.Pos, Msg: e.Msg, Word: e.Word}
}

func toWire(err error) *Error {
	if err == nil {
		return nil
	}
	if pe, ok := err.(*parse.Error); ok {
		return &Error{Kind: uint8(pe.Kind), Pos: pe.Pos, Msg: pe.Msg, Word: pe.Word}
	}
	return &Error{Kind: uint8(parse.ErrRejected), Msg: err.Error()}
}
