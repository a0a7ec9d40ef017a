package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/e2e/harness"
	"github.com/dfopt/dfopt/internal/verify"
)

func TestWriteAggressiveTable(t *testing.T) {
	ex := harness.AggressiveExample{Dir: "go-x", About: "a Go program", Smoke: []harness.SmokeCheck{{Command: "./x -selftest", Stdout: "ok\n"}}}
	same := &verify.SmokeRun{Argv: []string{"./x", "-selftest"}, Stdout: "ok\n", StdoutBytes: 3}
	changed := aggrRow{ex: ex,
		rep: &verify.Report{Verdict: verify.VerdictEquivalent, Passes: []string{"cache-cleanup", "tini"},
			Changes:    []verify.DeclaredChange{{Change: "base", By: "multi-stage"}, {Change: "Entrypoint", By: "tini"}},
			BaseBefore: "golang", BaseAfter: "scratch",
			Before: &verify.ImageReport{RebuildMs: 3000}, After: &verify.ImageReport{RebuildMs: 500}, Touched: "x.go",
			Smoke: []verify.SmokeResult{{Command: "./x -selftest", Before: same, After: same, Same: true}},
			Gone:  &verify.FileSummary{Files: 2, Bytes: 300 << 20, Dirs: []verify.DirSize{{Dir: "/usr/lib/go", Files: 2, Bytes: 300 << 20}}}},
		before: &imageSize{layers: 6, compressed: 100 << 20, buildMs: 10000},
		after:  &imageSize{layers: 2, compressed: 2 << 20, buildMs: 9000}}
	safeOnly := aggrRow{ex: harness.AggressiveExample{Dir: "py", Smoke: ex.Smoke},
		rep: &verify.Report{Verdict: verify.VerdictNotEquivalent, Passes: []string{"cache-cleanup"},
			Differences: []verify.Difference{{Path: "/a"}}, Smoke: []verify.SmokeResult{{Command: "./x -selftest", Before: same, After: &verify.SmokeRun{Status: 1}}},
			Before: &verify.ImageReport{}, After: &verify.ImageReport{}},
		before: &imageSize{layers: 3, compressed: 10 << 20}, after: &imageSize{layers: 3, compressed: 9 << 20}}
	unchanged := aggrRow{ex: harness.AggressiveExample{Dir: "java", Smoke: ex.Smoke},
		rep:    &verify.Report{Verdict: verify.VerdictUnchanged},
		before: &imageSize{layers: 7, compressed: 200 << 20, buildMs: 42000}, original: []*verify.SmokeRun{same}}
	failed := aggrRow{ex: harness.AggressiveExample{Dir: "node"}, err: errors.New("no builder")}

	var b strings.Builder
	writeAggressiveTable(&b, []aggrRow{changed, safeOnly, unchanged, failed})
	out := b.String()
	for _, want := range []string{
		"| example | image | layers | build | rebuild | smoke | changed on purpose | passes applied | verdict |\n",
		"| go-x | 100.0 MiB → 2.0 MiB (-98%) | 6 → 2 | 10.0s → 9.0s | 3.0s → 0.5s (`x.go` touched) | `./x -selftest`: same | " +
			"base `golang` → `scratch` (multi-stage); Entrypoint (tini) | cache-cleanup, tini | equivalent |\n",
		"| py | 10.0 MiB → 9.0 MiB (-10%) | 3 → 3 | 0.0s → 0.0s | not measured | `./x -selftest`: DIFFERENT | nothing declared | " +
			"cache-cleanup (no aggressive pass applies) | not-equivalent: 1 path, 0 configuration fields differ |\n",
		"| java | 200.0 MiB → no change | 7 → no change | 42.0s | — | `./x -selftest`: answers | nothing: no pass changes it | — | unchanged |\n",
		"| node | | | | | | | | error: no builder |\n",
		"| go-x | a Go program | 2 files, 300.0 MiB (`/usr/lib/go` 300.0 MiB) | nothing |\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no line\n%s\nin\n%s", want, out)
		}
	}
	if !unchanged.originalSmokeOK() {
		t.Error("the original's smoke results are what the example expects")
	}
	unchanged.original = []*verify.SmokeRun{{Stdout: "other\n"}}
	if unchanged.originalSmokeOK() {
		t.Error("an unexpected output passes")
	}
}

// The table of the default passes keeps its columns.
func TestWriteSafeTableHeader(t *testing.T) {
	var b strings.Builder
	writeSafeTable(&b, nil)
	if !strings.Contains(b.String(), "\n| example | layers | bytes added | compressed | build | rebuild | cached steps on rebuild | downloads on rebuild | files differing | verdict |\n") {
		t.Errorf("header changed:\n%s", b.String())
	}
}
