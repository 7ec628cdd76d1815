package console

import (
	"github.com/reeflective/readline"
)

// Readline commands of our own, bound in bindKeys.
const (
	cmdHelp = "sipslb-help" // "?"
	cmdEnd  = "sipslb-end"  // Ctrl-Z
)

// bindKeys installs the IOS keys: "?" prints help without inserting
// itself, Ctrl-Z runs "end". Ctrl-D (end-of-file on an empty line) and
// Ctrl-C (abandon the line) keep readline's bindings; what Ctrl-D does is
// decided by the menu's io.EOF interrupt handler.
func (s *session) bindKeys(sh *readline.Shell) {
	accept := sh.Keymap.Commands()["accept-line"]
	sh.Keymap.Register(map[string]func(){
		cmdHelp: func() {
			line := sh.Line()
			before := string((*line)[:sh.Cursor().Pos()])
			// Printf clears below the line, prints, then redraws the
			// prompt and the line as typed with the cursor where it was.
			sh.Printf("%s", trimNL(s.help(before)))
		},
		cmdEnd: func() {
			if accept == nil {
				return
			}
			// Show the "end" that runs, so the screen tells what happened.
			sh.Line().Set([]rune("end")...)
			sh.Cursor().Set(3)
			sh.Display.Refresh()
			accept()
		},
	})
	for _, km := range []string{"emacs", "emacs-standard", "vi-insert"} {
		sh.Config.Bind(km, "?", cmdHelp, false)
		sh.Config.Bind(km, "\x1a", cmdEnd, false)
	}
}

// trimNL drops one trailing newline: readline's Printf adds its own.
func trimNL(s string) string {
	if n := len(s); n > 0 && s[n-1] == '\n' {
		return s[:n-1]
	}
	return s
}
