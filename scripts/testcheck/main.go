// Command testcheck reads `go test -json` on stdin, prints what a plain
// `go test` would (each package's result line, the output of every failed
// test), and fails the run when a test skipped for any reason but "not
// root", or skipped at all when the tests ran as root.
//
// Why: a test that skips when its tool is missing passes silently on a
// machine that lacks the tool, so a missing SIPp or net-snmp looks like a
// green run. The tests fail instead (e2e/internal/harness.NeedTools), the
// only allowed skip says "not root: ..." (harness.NeedRoot), and this
// check keeps it that way in `make test`: as root nothing may skip.
//
// Usage: go test -json ./... | testcheck   (exit 1 on a failure or a
// forbidden skip; the caller keeps go test's own exit status too).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// skip is one skipped test and what it printed.
type skip struct {
	pkg, test, output string
}

// report is what check found.
type report struct {
	failed    bool
	forbidden []skip
	// passed, failures and skips count tests (and subtests), not
	// packages, for the closing line.
	passed, failures, skips int
}

func main() {
	r := check(os.Stdin, os.Stdout, os.Geteuid() == 0)
	for _, s := range r.forbidden {
		fmt.Fprintf(os.Stdout, "testcheck: %s %s skipped:\n%s", s.pkg, s.test, indent(s.output))
	}
	if len(r.forbidden) > 0 {
		why := `only "not root: ..." may skip`
		if os.Geteuid() == 0 {
			why = "as root nothing may skip"
		}
		fmt.Fprintf(os.Stdout, "testcheck: FAIL: %d test(s) skipped; %s (a missing tool must fail the test)\n", len(r.forbidden), why)
	}
	// The closing line CI's log readers look for: a run that executed no
	// test must be visible as one.
	fmt.Fprintf(os.Stdout, "testcheck: %d passed, %d failed, %d skipped\n", r.passed, r.failures, r.skips)
	if r.failed || len(r.forbidden) > 0 {
		os.Exit(1)
	}
}

// check reads the events from in, writes the plain output to out and
// returns the failures and forbidden skips. root says the tests ran as
// root.
func check(in io.Reader, out io.Writer, root bool) report {
	var r report
	buf := map[[2]string]*strings.Builder{} // package, test -> output so far
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			// Not an event (a build error printed as text): pass it on.
			fmt.Fprintf(out, "%s\n", line)
			continue
		}
		k := [2]string{e.Package, e.Test}
		switch e.Action {
		case "output", "build-output":
			if e.Test == "" {
				// Package lines: "ok pkg 1.2s", "FAIL pkg", panics outside
				// a test, build errors.
				if !strings.HasPrefix(e.Output, "=== ") && e.Output != "PASS\n" {
					io.WriteString(out, e.Output)
				}
				continue
			}
			b := buf[k]
			if b == nil {
				b = &strings.Builder{}
				buf[k] = b
			}
			b.WriteString(e.Output)
		case "fail", "build-fail":
			r.failed = true
			if e.Test != "" {
				r.failures++
			}
			if b := buf[k]; b != nil && e.Test != "" {
				io.WriteString(out, b.String())
			}
			delete(buf, k)
		case "skip":
			// A package without test files "skips" as a whole: not a test.
			if e.Test != "" {
				r.skips++
				o := ""
				if b := buf[k]; b != nil {
					o = b.String()
				}
				if root || !strings.Contains(o, "not root: ") {
					r.forbidden = append(r.forbidden, skip{e.Package, e.Test, o})
				}
			}
			delete(buf, k)
		case "pass":
			if e.Test != "" {
				r.passed++
			}
			delete(buf, k)
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(out, "testcheck: reading go test -json: %v\n", err)
		r.failed = true
	}
	sort.Slice(r.forbidden, func(i, j int) bool {
		a, b := r.forbidden[i], r.forbidden[j]
		return a.pkg+" "+a.test < b.pkg+" "+b.test
	})
	return r
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString("    " + l)
		}
	}
	if !strings.HasSuffix(b.String(), "\n") {
		b.WriteString("\n")
	}
	return b.String()
}
