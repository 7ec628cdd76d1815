// Package batch runs CLI lines without a terminal through the control
// socket: `sipslb cli -c LINE` or a script on stdin. Output goes to stdout,
// errors to stderr with the line echoed above the caret, and a failed line
// does not stop the ones after it. (An SSH exec request does not come here:
// the SSH server runs its lines in-process, cli/ssh, printed the same way.)
package batch

import (
	"bufio"
	"fmt"
	"io"

	"sipslb/cli/ctl"
)

// Exit codes of `sipslb cli`.
const (
	ExitOK          = 0
	ExitLineFailed  = 1
	ExitUnreachable = 2
	ExitUsage       = 64
)

// Run sends each line to the daemon and returns the exit code.
func Run(c *ctl.Client, lines []string, stdout, stderr io.Writer) int {
	code := ExitOK
	for _, line := range lines {
		resp, err := c.Exec(line)
		if err != nil {
			fmt.Fprintf(stderr, "%% %v\n", err)
			return ExitUnreachable
		}
		io.WriteString(stdout, resp.Out)
		if resp.Err != nil {
			fmt.Fprintf(stderr, "%s\n%s", line, resp.Err.Parse().Render(0))
			code = ExitLineFailed
		}
		if resp.Closed {
			break
		}
	}
	return code
}

// ReadLines reads a script, one command per line.
func ReadLines(r io.Reader) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out, sc.Err()
}
