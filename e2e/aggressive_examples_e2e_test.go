//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dfopt/dfopt/e2e/harness"
	"github.com/dfopt/dfopt/internal/verify"
	"github.com/dfopt/dfopt/optimizer"
)

// TestAggressiveExamples builds each example of the aggressive section
// (harness.AggressiveExamples) twice: as dfopt rewrites it at the default
// (safe) level and at --level=aggressive. On each build the program must
// answer every smoke command with the output the table's verification
// relies on; the default build must hold what the aggressive tier is meant
// to leave out (the compiler, the build-only dependencies, the sources)
// and the aggressive build must not. The examples stay buildable, show
// something, and their aggressive rewrites keep building and running on
// the stand-in bases. scripts/e2e-table.sh verifies the aggressive
// rewrites against the originals (sizes, declared changes).
func TestAggressiveExamples(t *testing.T) {
	e := requireEnv(t)
	dir := examplesDir(t)
	if err := harness.CheckExampleList(dir); err != nil {
		t.Fatal(err)
	}
	bases, err := e.AllBases(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	smokeContexts := harness.NamedContexts(map[string]harness.LayoutRef{verify.SmokeShellImage: bases[verify.SmokeShellImage]})
	levels := []struct {
		name  string
		level optimizer.Tier
		holds bool // whether the image holds ex.Leaves
	}{
		{"default", optimizer.TierSafe, true},
		{"aggressive", optimizer.TierAggressive, false},
	}
	for _, ex := range harness.AggressiveExamples {
		for _, lv := range levels {
			t.Run(ex.Dir+"/"+lv.name, func(t *testing.T) {
				t.Parallel()
				exDir := filepath.Join(dir, ex.Dir)
				src, err := os.ReadFile(filepath.Join(exDir, "Dockerfile"))
				if err != nil {
					t.Fatal(err)
				}
				res, err := optimizer.Optimize(src, optimizer.Options{Filename: "Dockerfile", ContextDir: exDir, Level: lv.level})
				if err != nil {
					t.Fatal(err)
				}
				ctxDir := exDir
				if len(res.Files) > 0 {
					// The rewrite changes files of the context (a
					// .dockerignore): build from a copy that has them.
					ctxDir = filepath.Join(t.TempDir(), "context")
					if err := os.CopyFS(ctxDir, os.DirFS(exDir)); err != nil {
						t.Fatal(err)
					}
					for _, fc := range res.Files {
						writeFile(t, filepath.Join(ctxDir, filepath.FromSlash(fc.Path)), string(fc.Output))
					}
				}
				if res.Changed() {
					t.Logf("the %s passes rewrite it:\n%s", lv.name, res.Diff())
				}
				out := build(t, harness.BuildOptions{Env: e, Dockerfile: string(res.Output), ContextDir: ctxDir,
					Contexts: bases, OutputLayoutDir: true})
				t.Logf("%d layers, %s compressed, built in %s", len(out.Image.Layers), verify.Bytes(out.Image.CompressedSize()), out.Duration.Round(100*time.Millisecond))
				tr := tree(t, out)
				for _, p := range ex.Leaves {
					_, ok := resolves(tr, p)
					switch {
					case lv.holds && !ok:
						t.Errorf("%s is not in the image: the aggressive tier has nothing to leave out there", p)
					case !lv.holds && ok:
						t.Errorf("%s is still in the image of the aggressive rewrite", p)
					}
				}
				for _, s := range ex.Smoke {
					argv, err := verify.ParseSmokeCommand(s.Command)
					if err != nil {
						t.Fatal(err)
					}
					r, err := verify.RunSmoke(testContext(t), e.Builder(), out.Output, argv,
						verify.SmokeOptions{Contexts: smokeContexts, WorkDir: t.TempDir()})
					if err != nil {
						t.Fatal(err)
					}
					if r.Error != "" || r.Status != 0 || r.Stdout != s.Stdout || r.Stderr != "" {
						t.Errorf("%s: exit %d, stdout %q, stderr %q, error %q; want exit 0 and stdout %q",
							s.Command, r.Status, r.Stdout, r.Stderr, r.Error, s.Stdout)
					}
				}
			})
		}
	}
}
