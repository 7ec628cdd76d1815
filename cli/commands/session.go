package commands

import (
	"fmt"
	"time"
)

// Mode is where a session stands in the command tree.
type Mode uint8

const (
	ModeUser    Mode = iota // NAME>
	ModeExec                // NAME#
	ModeConfig              // NAME(config)#
	ModeReal                // NAME(config-rs-REAL)#
	ModeVirtual             // NAME(config-vs-VIRT)#
	ModeClosed              // the session logged out
)

// Privilege levels, as ServerIron numbers them.
const (
	PrivSuper    = 0 // full access
	PrivReadOnly = 5 // show commands only
)

// Session is one CLI session: a console, an SSH login, a `sipslb cli -c`
// run or the startup-config replay. The daemon sets User and Priv from
// what it knows of the peer; nothing the session sends can raise them.
type Session struct {
	ID   int
	User string
	Priv int
	// Elevated: "enable SECRET" raised a read-only session to PrivSuper;
	// disable drops it back.
	Elevated bool
	// enableFails counts wrong enable secrets; MaxEnableTries closes the
	// session.
	enableFails int
	From        string // "console", "ssh 192.0.2.7:51234", "local uid 0"
	Mode        Mode
	Obj         string // the server a sub-mode edits
	Started     time.Time
	LastCmd     time.Time
}

// Prompt renders the session's prompt for hostname host.
func (s *Session) Prompt(host string) string {
	switch s.Mode {
	case ModeUser:
		return host + ">"
	case ModeConfig:
		return host + "(config)#"
	case ModeReal:
		return fmt.Sprintf("%s(config-rs-%s)#", host, s.Obj)
	case ModeVirtual:
		return fmt.Sprintf("%s(config-vs-%s)#", host, s.Obj)
	}
	return host + "#"
}

func (m Mode) String() string {
	return [...]string{"exec", "privileged", "config", "config-rs", "config-vs", "closed"}[m]
}
