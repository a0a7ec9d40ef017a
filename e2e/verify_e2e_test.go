//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/e2e/harness"
	"github.com/dfopt/dfopt/internal/buildkit"
	"github.com/dfopt/dfopt/internal/verify"
	"github.com/dfopt/dfopt/optimizer"
)

// logWriter sends what is written to it to the test log, line by line.
type logWriter struct {
	t   *testing.T
	buf []byte
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.t.Log(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}

// baseContexts maps every base image's FROM names, building the derived
// bases on first use.
func baseContexts(t *testing.T) []buildkit.NamedContext {
	t.Helper()
	e := requireEnv(t)
	bases, err := e.Bases(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	return harness.NamedContexts(bases)
}

// runVerify runs verify with the local builder, the base images as named
// contexts, a temporary work directory and progress in the test log
// (unless o sets them), logs the report and returns it with its text.
func runVerify(t *testing.T, o verify.Options) (*verify.Report, string) {
	t.Helper()
	if o.Builder == nil {
		o.Builder = requireEnv(t).Builder()
	}
	if o.Contexts == nil {
		o.Contexts = baseContexts(t)
	}
	if o.WorkDir == "" {
		o.WorkDir = t.TempDir()
	}
	if o.Progress == nil {
		o.Progress = &logWriter{t: t}
	}
	rep, err := verify.Run(testContext(t), o)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	rep.WriteText(&text)
	t.Logf("report:\n%s", text.String())
	return rep, text.String()
}

func examplesDir(t *testing.T) string {
	t.Helper()
	dir, err := harness.ExamplesDir()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestVerifyExamples runs dfopt verify on every example with buildctl:
// each rewrite must build the same files and configuration as the
// original, with fewer layers. Examples run two at a time.
func TestVerifyExamples(t *testing.T) {
	e := requireEnv(t)
	dir := examplesDir(t)
	if err := harness.CheckExampleList(dir); err != nil {
		t.Fatal(err)
	}
	contexts := baseContexts(t)
	for _, ex := range harness.Examples {
		t.Run(ex.Dir, func(t *testing.T) {
			t.Parallel()
			rep, _ := runVerify(t, verify.Options{
				Dockerfile: filepath.Join(dir, ex.Dir, "Dockerfile"),
				Contexts:   contexts,
				Builder:    e.Builder(),
				Optimize:   optimizer.Options{Enable: harness.VerifiedPasses},
			})
			if rep.Verdict != verify.VerdictEquivalent {
				t.Fatalf("%s: verdict %s, want %s", ex.Dir, rep.Verdict, verify.VerdictEquivalent)
			}
			// Each example shows a gain: fewer layers, fewer bytes, or
			// more of the rebuild from the cache.
			if rep.Fixes == 0 || (rep.After.Layers >= rep.Before.Layers && rep.After.AddedBytes >= rep.Before.AddedBytes &&
				rep.After.RebuildCachedSteps-rep.After.RebuildSteps <= rep.Before.RebuildCachedSteps-rep.Before.RebuildSteps) {
				t.Errorf("%s: %d fixes, layers %d -> %d, bytes %d -> %d: the example shows nothing", ex.Dir, rep.Fixes,
					rep.Before.Layers, rep.After.Layers, rep.Before.AddedBytes, rep.After.AddedBytes)
			}
			// manifest-first stores the manifests twice (in their own
			// layer and again with the sources): a few KiB at most here.
			const manifestSlack = 64 << 10
			if rep.After.AddedBytes > rep.Before.AddedBytes+manifestSlack {
				t.Errorf("%s: the rewrite adds more bytes: %d > %d", ex.Dir, rep.After.AddedBytes, rep.Before.AddedBytes)
			}
			if rep.SharedLayers == 0 {
				t.Errorf("%s: no shared base layer", ex.Dir)
			}
			if ex.Dir == "apt-two-runs" {
				// Its context has nothing but the Dockerfile.
				if rep.Touched != "" || rep.RebuildSkipped == "" {
					t.Errorf("%s: touched %q", ex.Dir, rep.Touched)
				}
				return
			}
			if rep.Touched == "" || rep.Before.RebuildSteps == 0 || rep.After.RebuildSteps == 0 {
				t.Errorf("%s: no rebuild measurement: touched %q, skipped %q, %+v %+v", ex.Dir, rep.Touched, rep.RebuildSkipped, rep.Before, rep.After)
			}
			for _, ir := range []*verify.ImageReport{rep.Before, rep.After} {
				if ir.RebuildCachedSteps == 0 || ir.RebuildCachedSteps == ir.RebuildSteps {
					t.Errorf("%s: %d of %d steps came from the cache on rebuild: the change to %s should invalidate some, not all",
						ex.Dir, ir.RebuildCachedSteps, ir.RebuildSteps, rep.Touched)
				}
			}
		})
	}
}

// dropExtra is a pass with a bug: it deletes the RUN that writes /extra.
// Verification must catch it.
var dropExtra = &analysis.Pass{
	Name: "drop-extra", Summary: "a broken pass for the e2e tests", Doc: "Deletes RUN echo extra lines.", Tier: analysis.Safe,
	Run: func(ctx *analysis.Context) []analysis.Finding {
		var out []analysis.Finding
		for _, ins := range ctx.Doc.Instructions {
			if ins.Cmd == "run" && strings.Contains(ins.Text, "echo extra") {
				out = append(out, analysis.Finding{Pos: ins.Span.Start, End: ins.Span.End, Message: "extra",
					Fix: &analysis.Fix{Message: "drop it", Edits: []analysis.Edit{analysis.Delete(ins.Span.Start, ins.Span.End)}}})
			}
		}
		return out
	},
}

// TestVerifyCatchesABrokenRewrite builds a rewrite that loses a file and
// one whose configuration differs: both are not equivalent, and say why.
func TestVerifyCatchesABrokenRewrite(t *testing.T) {
	e := requireEnv(t)
	dir := t.TempDir()
	df := filepath.Join(dir, "Dockerfile")
	writeFile(t, df, `FROM debian:bookworm
RUN echo kept > /kept
RUN echo extra > /extra
CMD ["cat", "/kept"]
`)
	writeFile(t, filepath.Join(dir, "unused.txt"), "x\n")
	rep, text := runVerify(t, verify.Options{
		Dockerfile: df,
		Contexts:   harness.NamedContexts(e.BaseContexts()),
		Builder:    e.Builder(),
		Optimize:   optimizer.Options{Passes: []*analysis.Pass{dropExtra}},
		NoRebuild:  true,
	})
	if rep.Verdict != verify.VerdictNotEquivalent || rep.ExitCode() != 1 {
		t.Fatalf("verdict %s", rep.Verdict)
	}
	if len(rep.Differences) != 1 || rep.Differences[0].Path != "/extra" || rep.Differences[0].Kind != "removed" {
		t.Errorf("differences %+v", rep.Differences)
	}
	if !strings.Contains(text, "  - /extra  file 0644 0:0 6 ") {
		t.Errorf("the report does not name /extra")
	}
}

// TestVerifyOriginalDoesNotBuild: the original fails, which is the user's
// problem; the rewrite is not built.
func TestVerifyOriginalDoesNotBuild(t *testing.T) {
	e := requireEnv(t)
	dir := t.TempDir()
	df := filepath.Join(dir, "Dockerfile")
	writeFile(t, df, "FROM debian:bookworm\nRUN apt-get update\nRUN echo about to fail && exit 3\n")
	var progress strings.Builder
	rep, err := verify.Run(testContext(t), verify.Options{
		Dockerfile: df,
		Contexts:   harness.NamedContexts(e.BaseContexts()),
		Builder:    e.Builder(),
		Optimize:   optimizer.Options{Enable: harness.VerifiedPasses},
		WorkDir:    t.TempDir(),
		Progress:   &progress,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != verify.VerdictOriginalFailed || rep.ExitCode() != 2 {
		t.Fatalf("verdict %s", rep.Verdict)
	}
	if !strings.Contains(rep.LogTail, "exit code: 3") || !strings.Contains(rep.Error, "not with dfopt's rewrite") {
		t.Errorf("error %q\nlog:\n%s", rep.Error, rep.LogTail)
	}
	if strings.Contains(progress.String(), "the rewrite") {
		t.Errorf("the rewrite was built:\n%s", progress.String())
	}
}

// TestVerifyCLI runs the dfopt binary: `dfopt verify --json` on an
// example, with buildctl found through $DFOPT_BUILDCTL and the daemon
// through $BUILDKIT_HOST, and base images given as --build-context.
func TestVerifyCLI(t *testing.T) {
	e := requireEnv(t)
	contexts := baseContexts(t)
	bin := filepath.Join(t.TempDir(), "dfopt")
	build := exec.Command("go", "build", "-o", bin, "github.com/dfopt/dfopt/cmd/dfopt")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	args := []string{"verify", "--json", "--enable", strings.Join(harness.VerifiedPasses, ",")}
	for _, c := range contexts {
		args = append(args, "--build-context", c.String())
	}
	args = append(args, filepath.Join(examplesDir(t), "heredoc", "Dockerfile"))
	cmd := exec.CommandContext(testContext(t), bin, args...)
	cmd.Env = append(os.Environ(), "DFOPT_BUILDCTL="+e.Buildctl, "BUILDKIT_HOST="+e.Addr, "TMPDIR="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	t.Logf("stderr:\n%s", stderr.String())
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatalf("dfopt verify exited with %v:\n%s", err, stdout.String())
	}
	var rep map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, stdout.String())
	}
	if rep["verdict"] != "equivalent" || !strings.HasPrefix(rep["builder"].(string), "buildctl at "+e.Addr) {
		t.Errorf("report:\n%s", stdout.String())
	}
	// The Dockerfile has a "# syntax=" line: it was ignored, not pulled.
	if !strings.Contains(stderr.String(), "built the rewrite") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	before := rep["before"].(map[string]any)
	if before["rebuildSteps"] == nil || rep["touched"] != "site/index.html" {
		t.Errorf("no rebuild measurement:\n%s", stdout.String())
	}
}
