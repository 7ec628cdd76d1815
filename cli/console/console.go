package console

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	rconsole "github.com/reeflective/console"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"sipslb/cli/ctl"
)

// Run serves the interactive CLI on the process's terminal until the
// session ends, then exits the process: 0 when the user leaves (exit,
// logout, Ctrl-D at the exec prompt, end of input), 2 when the daemon
// goes away. It returns only if the console loop itself gives up.
func Run(c *ctl.Client) int {
	s := &session{
		d:      c,
		prompt: func() string { return c.Prompt },
		out:    os.Stdout,
		exit:   func(code int) { c.Close(); os.Exit(code) },
	}
	app := s.newConsole()
	// A signal may arrive while readline holds the terminal raw: put it
	// back as it was found before leaving.
	fd := int(os.Stdin.Fd())
	restore := func() {}
	if st, err := term.GetState(fd); err == nil {
		restore = func() { term.Restore(fd, st) }
	}
	s.watchSignals(restore)
	if err := app.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "%% %v\n", err)
		return 1
	}
	return 0
}

// newConsole builds the one-menu console around the session.
func (s *session) newConsole() *rconsole.Console {
	cobra.EnablePrefixMatching = true // "sh run<TAB>" completes like "show run<TAB>"

	app := rconsole.New("sipslb")
	sh := app.Shell()
	// History ghost text is too easily accepted by mistake (a stray
	// right-arrow appends an old line), and IOS users do not expect quote
	// pairing.
	sh.Config.Set("history-autosuggest", false)
	sh.Config.Set("autopairs", false)
	sh.Config.Set("usage-hint-always", false)
	// No cursor-position probe (ESC[6n before each redisplay): a key that
	// arrives while readline waits for the terminal's answer is lost, so
	// a fast typist or a paste over SSH or the serial console loses
	// characters, and a terminal that never answers hangs the CLI. The
	// line then starts at the prompt's width, which is exact because every
	// prompt starts a line. Set here, not only in the image's /etc/inputrc,
	// so that it holds wherever the CLI runs.
	sh.Config.Set("cursor-position-probe", false)
	// IOS draws no colours; a plain highlighter also keeps the screen
	// identical to what was typed.
	sh.SyntaxHighlighter = func(line []rune) string { return string(line) }
	// Record the line as typed and never continue it on a second line
	// (an unterminated quote is the daemon's error to report).
	sh.AcceptMultiline = func(line []rune) bool {
		s.raw, s.hasRaw = string(line), true
		return true
	}
	s.bindKeys(sh)

	m := app.ActiveMenu()
	m.SetCommands(s.commands)
	m.Prompt().Primary = s.prompt
	m.Prompt().Right = func() string { return "" }
	m.AddInterrupt(io.EOF, func(*rconsole.Console) { s.onEOF(sh.Keys.IsEOF()) })
	m.ErrorHandler = s.onError

	app.PreReadlineHooks = append(app.PreReadlineHooks, func() error {
		// A revoked terminal makes every later read fail at once; the
		// console loop would spin on it.
		if err := sh.Keys.ReadError(); err != nil {
			s.exit(0)
		}
		return nil
	})
	app.PreCmdRunLineHooks = append(app.PreCmdRunLineHooks, s.lineHook)
	return app
}

// lineHook runs the accepted line on the daemon and leaves cobra a no-op.
func (s *session) lineHook(args []string) ([]string, error) {
	line, ok := s.takeRaw()
	if !ok {
		line = rebuild(args)
	}
	s.run(line)
	return []string{noopName}, nil
}

// onError gets the lines console could not split as shell words (an
// apostrophe, a parenthesis): they are still the daemon's to judge.
func (s *session) onError(err error) error {
	var pe rconsole.ParseError
	if errors.As(err, &pe) {
		if line, ok := s.takeRaw(); ok {
			s.run(line)
			return nil
		}
	}
	fmt.Fprintf(s.out, "%% %v\n", err)
	return nil
}

// onEOF handles Ctrl-D on an empty line: leave the configuration mode, or
// log out at the exec prompt. The end of the input stream itself (stdin
// closed) ends the session.
func (s *session) onEOF(streamEnded bool) {
	if streamEnded {
		s.exit(0)
		return
	}
	if inConfig(s.prompt()) {
		s.run("end")
		return
	}
	s.run("exit")
}

// watchSignals ends the session on SIGTERM and SIGHUP: console installs a
// SIGTERM handler on its first command and never removes it, which would
// otherwise make the process deaf to a polite kill.
// SIGINT outside readline (while the daemon answers) must not kill the
// CLI; readline reads Ctrl-C itself as a key.
func (s *session) watchSignals(restore func()) {
	signal.Ignore(syscall.SIGINT, syscall.SIGQUIT)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		sig := <-ch
		restore()
		s.exit(128 + int(sig.(syscall.Signal)))
	}()
}
