//go:build e2e

package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/internal/verify"
	"github.com/dfopt/dfopt/optimizer"
)

// TestMultiStageGo rewrites the articles' single-stage Go program with the
// aggressive level (multi-stage splits it) and verifies the rewrite: the
// final image is the static binary on scratch with the CA certificates,
// under 10 MiB compressed, and the binary answers the same in both images.
func TestMultiStageGo(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "whatsmyip.go"), whatsmyipGo)
	writeFile(t, filepath.Join(dir, "Dockerfile"), whatsmyipSingle)

	rep, text := runVerify(t, verify.Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"),
		Optimize:   optimizer.Options{Level: analysis.Aggressive},
		Smoke:      []string{"./whatsmyip -selftest", "./whatsmyip -nosuchflag"},
		NoRebuild:  true,
		Contexts:   goSmokeContexts(t),
	})
	if rep.Verdict != verify.VerdictEquivalent {
		t.Fatalf("verdict %s", rep.Verdict)
	}
	requireLines(t, rep.Diff,
		"\n-FROM golang\n+FROM golang AS build\n",
		"\n+FROM scratch\n",
		"\n+COPY --from=build /go/whatsmyip /go/whatsmyip\n",
	)
	if len(rep.Smoke) != 2 {
		t.Fatalf("smoke: %+v", rep.Smoke)
	}
	self, bad := rep.Smoke[0], rep.Smoke[1]
	if !self.Same || self.Before.Status != 0 || self.Before.Stdout != "127.0.0.1\n" || self.After.Shell != verify.SmokeShellImage {
		t.Errorf("selftest: %+v / %+v", self.Before, self.After)
	}
	if !bad.Same || bad.Before.Status != 2 {
		t.Errorf("-nosuchflag: %+v / %+v", bad.Before, bad.After)
	}
	if rep.BaseBefore != "golang" || rep.BaseAfter != "scratch" {
		t.Errorf("base %q => %q", rep.BaseBefore, rep.BaseAfter)
	}
	for _, d := range rep.ConfigDifferences {
		if d.AllowedBy == "" {
			t.Errorf("configuration difference not declared: %s", d)
		}
	}
	if len(rep.ProgramFiles) != 1 || rep.ProgramFiles[0].After != "/go/whatsmyip" {
		t.Errorf("program files: %+v", rep.ProgramFiles)
	}
	// The binary and the CA certificates are where they were: the
	// rewrite's image has no file the original's has not.
	if rep.New != nil {
		t.Errorf("new files: %+v", rep.New)
	}
	if !strings.Contains(text, "declared by multi-stage") {
		t.Errorf("no change declared by multi-stage:\n%s", text)
	}
	t.Logf("compressed: %s before, %s after", verify.Bytes(rep.Before.AddedCompressedBytes), verify.Bytes(rep.After.AddedCompressedBytes))
	if rep.SharedLayers != 0 || rep.After.AddedCompressedBytes >= 10<<20 {
		t.Errorf("the rewrite's image is %s compressed (%d shared layers), want under 10 MiB",
			verify.Bytes(rep.After.AddedCompressedBytes), rep.SharedLayers)
	}
}
