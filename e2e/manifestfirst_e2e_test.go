//go:build e2e

package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/internal/verify"
	"github.com/dfopt/dfopt/optimizer"
)

// TestManifestFirstKeepsInstallCached proves manifest-first on the pip, npm
// and go examples: the rewrite builds the same image, and after a change to
// a source file its rebuild takes the dependency install from the cache,
// while the original's rebuild runs it again.
func TestManifestFirstKeepsInstallCached(t *testing.T) {
	e := requireEnv(t)
	dir := examplesDir(t)
	contexts := baseContexts(t)
	cases := []struct {
		example string
		install string // text of the install step
	}{
		{"python-pip", "pip install"},
		{"node-npm", "npm install"},
		{"go-mod", "go mod download"},
	}
	for _, c := range cases {
		t.Run(c.example, func(t *testing.T) {
			t.Parallel()
			rep, _ := runVerify(t, verify.Options{
				Dockerfile: filepath.Join(dir, c.example, "Dockerfile"),
				Contexts:   contexts,
				Builder:    e.Builder(),
				Optimize:   optimizer.Options{Enable: []string{"manifest-first"}},
			})
			if rep.Verdict != verify.VerdictEquivalent {
				t.Fatalf("verdict %s, want %s", rep.Verdict, verify.VerdictEquivalent)
			}
			if len(rep.Passes) != 1 || rep.Passes[0] != "manifest-first" {
				t.Fatalf("passes %v: manifest-first did not rewrite %s", rep.Passes, c.example)
			}
			ran := func(steps []string) bool {
				for _, s := range steps {
					if strings.Contains(s, c.install) {
						return true
					}
				}
				return false
			}
			t.Logf("touched %s; original: %d/%d steps cached in %dms, re-ran %q; rewrite: %d/%d cached in %dms, re-ran %q",
				rep.Touched, rep.Before.RebuildCachedSteps, rep.Before.RebuildSteps, rep.Before.RebuildMs, rep.Before.RebuildRan,
				rep.After.RebuildCachedSteps, rep.After.RebuildSteps, rep.After.RebuildMs, rep.After.RebuildRan)
			if !ran(rep.Before.RebuildRan) {
				t.Errorf("the original's rebuild did not run %q again: %q", c.install, rep.Before.RebuildRan)
			}
			if ran(rep.After.RebuildRan) {
				t.Errorf("the rewrite's rebuild ran %q again: %q", c.install, rep.After.RebuildRan)
			}
			if rep.After.RebuildCachedSteps <= rep.Before.RebuildCachedSteps {
				t.Errorf("the rewrite's rebuild took %d steps from the cache, the original's %d",
					rep.After.RebuildCachedSteps, rep.Before.RebuildCachedSteps)
			}
		})
	}
}
