package commands

import (
	"fmt"
	"io"

	"sipslb/cli/parse"
)

func cmdWriteMemory(m *parse.Match) error {
	c := env(m)
	if c.s.Priv != PrivSuper {
		return &parse.Error{Kind: parse.ErrDenied, Msg: "Access denied: read-only user"}
	}
	if err := c.in.be.SaveStartup([]byte(Render(c.in.cfg))); err != nil {
		return &parse.Error{Kind: parse.ErrRejected, Msg: "write memory failed, startup-config unchanged: " + err.Error()}
	}
	c.in.logLocked("startup-config written by %s", c.s.User)
	io.WriteString(c.out, "Write startup-config done.\n")
	return nil
}

func cmdErase(m *parse.Match) error {
	c := env(m)
	if c.s.Priv != PrivSuper {
		return &parse.Error{Kind: parse.ErrDenied, Msg: "Access denied: read-only user"}
	}
	if err := c.in.be.EraseStartup(); err != nil {
		return &parse.Error{Kind: parse.ErrRejected, Msg: "erase failed: " + err.Error()}
	}
	c.in.logLocked("startup-config erased by %s", c.s.User)
	fmt.Fprintln(c.out, "startup-config erased; the next boot starts from factory defaults.")
	return nil
}
