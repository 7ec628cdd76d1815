package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// events turns test2json-like lines into input for check.
func events(lines ...string) *strings.Reader {
	return strings.NewReader(strings.Join(lines, "\n") + "\n")
}

const (
	okPkg   = `{"Action":"output","Package":"p","Output":"ok  \tp\t0.1s\n"}`
	runA    = `{"Action":"run","Package":"p","Test":"TestA"}`
	passA   = `{"Action":"pass","Package":"p","Test":"TestA"}`
	noFiles = `{"Action":"skip","Package":"q"}`
)

func TestPassAndNoTestFilesAreFine(t *testing.T) {
	var out strings.Builder
	r := check(events(runA, passA, okPkg, noFiles), &out, true)
	if r.failed || len(r.forbidden) != 0 {
		t.Errorf("report %+v for a passing run", r)
	}
	if !strings.Contains(out.String(), "ok  \tp") {
		t.Errorf("package result not printed: %q", out.String())
	}
	if r.passed != 1 || r.failures != 0 || r.skips != 0 {
		t.Errorf("counted %d passed, %d failed, %d skipped; want 1, 0, 0", r.passed, r.failures, r.skips)
	}
}

func skipped(msg string) []string {
	return []string{
		`{"Action":"run","Package":"p","Test":"TestTool"}`,
		`{"Action":"output","Package":"p","Test":"TestTool","Output":"    x_test.go:9: ` + msg + `\n"}`,
		`{"Action":"output","Package":"p","Test":"TestTool","Output":"--- SKIP: TestTool (0.00s)\n"}`,
		`{"Action":"skip","Package":"p","Test":"TestTool"}`,
		okPkg,
	}
}

// A skip for a missing tool is refused, as root and not.
func TestMissingToolSkipIsRefused(t *testing.T) {
	for _, root := range []bool{true, false} {
		var out strings.Builder
		r := check(events(skipped("sipp not installed")...), &out, root)
		if len(r.forbidden) != 1 || r.forbidden[0].test != "TestTool" || !strings.Contains(r.forbidden[0].output, "sipp not installed") {
			t.Errorf("root=%v: report %+v, want TestTool's skip refused with its message", root, r)
		}
	}
}

// "not root" is the only allowed skip, and only when not root.
func TestNotRootSkip(t *testing.T) {
	if r := check(events(skipped("not root: needs netns")...), &strings.Builder{}, false); len(r.forbidden) != 0 {
		t.Errorf("not root: the not-root skip was refused: %+v", r)
	}
	if r := check(events(skipped("not root: needs netns")...), &strings.Builder{}, true); len(r.forbidden) != 1 {
		t.Errorf("as root: a skip was allowed: %+v", r)
	}
}

func TestFailurePrintsItsOutput(t *testing.T) {
	var out strings.Builder
	r := check(events(
		`{"Action":"run","Package":"p","Test":"TestB"}`,
		`{"Action":"output","Package":"p","Test":"TestB","Output":"    b_test.go:3: boom\n"}`,
		`{"Action":"fail","Package":"p","Test":"TestB"}`,
		`{"Action":"output","Package":"p","Output":"FAIL\tp\t0.1s\n"}`,
	), &out, false)
	if !r.failed || !strings.Contains(out.String(), "boom") || !strings.Contains(out.String(), "FAIL\tp") {
		t.Errorf("failed %v, output %q", r.failed, out.String())
	}
}

// The real go test -json of a package whose test skips for a missing
// tool, as `make test` runs it, is refused.
func TestRealGoTestSkip(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module skipper\n\ngo 1.24\n")
	write("s_test.go", "package skipper\n\nimport \"testing\"\n\nfunc TestNeedsTool(t *testing.T) { t.Skip(\"frobnicator not installed\") }\n")
	cmd := exec.Command("go", "test", "-count=1", "-json", ".")
	cmd.Dir = dir
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("go test: %v\n%s", err, b)
	}
	r := check(strings.NewReader(string(b)), &strings.Builder{}, false)
	if len(r.forbidden) != 1 || r.forbidden[0].test != "TestNeedsTool" || !strings.Contains(r.forbidden[0].output, "frobnicator not installed") {
		t.Errorf("report %+v, want TestNeedsTool's skip refused", r)
	}
}
