package metrics

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

const docsDir = "../../docs"

// promtool returns the path of promtool (Debian package prometheus,
// installed by scripts/install-deps.sh); a missing tool fails the test.
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool not found (apt-get install prometheus, or scripts/install-deps.sh)")
	}
	return p
}

// TestAlertRules: the example rules are valid (promtool check rules) and
// fire as their unit tests say (promtool test rules).
func TestAlertRules(t *testing.T) {
	pt := promtool(t)
	dir := filepath.Join(docsDir, "prometheus")
	for _, args := range [][]string{{"check", "rules", "alerts.yml"}, {"test", "rules", "alerts_test.yml"}} {
		cmd := exec.Command(pt, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// exposed gathers every family /metrics serves, by name and type.
func exposed(t *testing.T) map[string]dto.MetricType {
	t.Helper()
	mfs, err := newRegistry(knownSnapshot, "test").Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]dto.MetricType{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf.GetType()
	}
	return out
}

var metricName = regexp.MustCompile(`\b(?:sipslb|go|process)_[a-z0-9_]+\b`)

// TestDocsNameExposedMetrics: the alert rules, the dashboard and
// docs/metrics.md name only metrics the appliance exposes, and the doc's
// table lists every sipslb_ family with its type.
func TestDocsNameExposedMetrics(t *testing.T) {
	fams := exposed(t)
	known := func(name string) bool {
		if _, ok := fams[name]; ok {
			return true
		}
		for _, suf := range []string{"_bucket", "_sum", "_count"} {
			base, ok := strings.CutSuffix(name, suf)
			if ok && (fams[base] == dto.MetricType_HISTOGRAM || fams[base] == dto.MetricType_SUMMARY) {
				return true
			}
		}
		return false
	}
	for _, f := range []string{"prometheus/alerts.yml", "prometheus/dashboard.json", "metrics.md"} {
		b, err := os.ReadFile(filepath.Join(docsDir, f))
		if err != nil {
			t.Fatal(err)
		}
		names := metricName.FindAllString(string(b), -1)
		if len(names) == 0 {
			t.Errorf("%s names no metric", f)
		}
		for _, n := range names {
			if !known(n) {
				t.Errorf("%s names %s, which /metrics does not serve", f, n)
			}
		}
	}

	doc, err := os.ReadFile(filepath.Join(docsDir, "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `(sipslb_[a-z0-9_]+)` \\| (counter|gauge|histogram) \\|")
	listed := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		listed[m[1]] = m[2]
	}
	for name, typ := range fams {
		if !strings.HasPrefix(name, "sipslb_") {
			continue
		}
		if want := strings.ToLower(typ.String()); listed[name] != want {
			t.Errorf("docs/metrics.md lists %s as %q, it is a %s", name, listed[name], want)
		}
	}
	for name := range listed {
		if _, ok := fams[name]; !ok {
			t.Errorf("docs/metrics.md lists %s, which is not served", name)
		}
	}
}
