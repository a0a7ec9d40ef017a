//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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

// installSteps names, for the examples whose rewrite moves the dependency
// install before COPY . . (manifest-first), the text of that step.
var installSteps = map[string]string{
	"python-pip": "pip install",
	"node-npm":   "npm install",
	"go-mod":     "go mod download",
}

// cliExample is the example verified through the dfopt binary (dfopt verify
// --json) rather than the library.
const cliExample = "heredoc"

// TestVerifyExamples runs dfopt verify on every example with buildctl:
// each rewrite must build the same files and configuration as the
// original, with a gain. Examples run two at a time. The same builds prove
// more, per example:
//
//   - python-pip, node-npm, go-mod: manifest-first keeps the dependency
//     install cached: after a change to a source file, the rewrite's
//     rebuild takes the install from the cache while the original's runs
//     it again (the steps that ran are named in the log);
//   - go-build: manifest-first adds go mod download to the build stage;
//     after a change to a source file the original's rebuild downloads the
//     module again, the rewrite's nothing, and the program shipped on
//     distroless is the same, byte for byte;
//   - go-mod: cache-cleanup removes Go's build cache in the go build RUN:
//     the original's image holds it (more than 1 MiB), the rewrite's does
//     not, and the rest is the same;
//   - chown-after-copy, heredoc: copy-chown's fold is applied and the
//     layers above the base shrink;
//   - heredoc goes through the dfopt binary: `dfopt verify --json`, with
//     buildctl found through $DFOPT_BUILDCTL, the daemon through
//     $BUILDKIT_HOST, and the base images given as --build-context.
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
			var rep *verify.Report
			if ex.Dir == cliExample {
				rep = verifyCLI(t, e, contexts, filepath.Join(dir, ex.Dir, "Dockerfile"))
			} else {
				rep, _ = runVerify(t, verify.Options{
					Dockerfile: filepath.Join(dir, ex.Dir, "Dockerfile"),
					Contexts:   contexts,
					Builder:    e.Builder(),
					Optimize:   optimizer.Options{Enable: harness.VerifiedPasses},
				})
			}
			if rep.Verdict != verify.VerdictEquivalent {
				t.Fatalf("%s: verdict %s, want %s", ex.Dir, rep.Verdict, verify.VerdictEquivalent)
			}
			// Each example shows a gain: fewer layers, fewer bytes,
			// more of the rebuild from the cache, or fewer downloads on it.
			if rep.Fixes == 0 || (rep.After.Layers >= rep.Before.Layers && rep.After.AddedBytes >= rep.Before.AddedBytes &&
				rep.After.RebuildCachedSteps-rep.After.RebuildSteps <= rep.Before.RebuildCachedSteps-rep.Before.RebuildSteps &&
				rep.After.RebuildDownloads >= rep.Before.RebuildDownloads) {
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
			if ex.Dir == "chown-after-copy" || ex.Dir == "heredoc" {
				if !slices.Contains(rep.Passes, "copy-chown") || rep.After.AddedBytes >= rep.Before.AddedBytes {
					t.Errorf("%s: passes %v, bytes %d -> %d: copy-chown's fold shows nothing", ex.Dir, rep.Passes,
						rep.Before.AddedBytes, rep.After.AddedBytes)
				}
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
			if install, ok := installSteps[ex.Dir]; ok {
				checkInstallCached(t, rep, install)
			}
			if ex.Dir == "go-build" {
				checkStepAdded(t, rep)
			}
			if ex.Dir == "go-mod" {
				checkGoBuildCacheRemoved(t, rep)
			}
		})
	}
}

// checkGoBuildCacheRemoved requires cache-cleanup's gain on go-mod: the
// fix declares /root/.cache/go-build removed, and the files verify left out
// of the comparison for it are the original's build cache.
func checkGoBuildCacheRemoved(t *testing.T, rep *verify.Report) {
	t.Helper()
	if !slices.Contains(rep.Passes, "cache-cleanup") || !slices.Contains(rep.Removes, "/root/.cache/go-build") {
		t.Fatalf("passes %v, removes %v: cache-cleanup did not remove Go's build cache", rep.Passes, rep.Removes)
	}
	if rep.RemovedBytes < 1<<20 {
		t.Errorf("removed %d paths, %d bytes: the original's image holds no build cache to speak of", rep.RemovedPaths, rep.RemovedBytes)
	}
	t.Logf("Go's build cache: %d paths, %d bytes removed", rep.RemovedPaths, rep.RemovedBytes)
}

// checkInstallCached requires manifest-first's gain: the original's rebuild
// after the source change runs the install step again, the rewrite's takes
// it from the cache.
func checkInstallCached(t *testing.T, rep *verify.Report, install string) {
	t.Helper()
	if !slices.Contains(rep.Passes, "manifest-first") {
		t.Fatalf("passes %v: manifest-first did not rewrite the example", rep.Passes)
	}
	ran := func(steps []string) bool {
		for _, s := range steps {
			if strings.Contains(s, install) {
				return true
			}
		}
		return false
	}
	t.Logf("touched %s; original: %d/%d steps cached in %dms, re-ran %q; rewrite: %d/%d cached in %dms, re-ran %q",
		rep.Touched, rep.Before.RebuildCachedSteps, rep.Before.RebuildSteps, rep.Before.RebuildMs, rep.Before.RebuildRan,
		rep.After.RebuildCachedSteps, rep.After.RebuildSteps, rep.After.RebuildMs, rep.After.RebuildRan)
	if !ran(rep.Before.RebuildRan) {
		t.Errorf("the original's rebuild did not run %q again: %q", install, rep.Before.RebuildRan)
	}
	if ran(rep.After.RebuildRan) {
		t.Errorf("the rewrite's rebuild ran %q again: %q", install, rep.After.RebuildRan)
	}
	if rep.After.RebuildCachedSteps <= rep.Before.RebuildCachedSteps {
		t.Errorf("the rewrite's rebuild took %d steps from the cache, the original's %d",
			rep.After.RebuildCachedSteps, rep.Before.RebuildCachedSteps)
	}
}

// checkStepAdded requires manifest-first's gain on a build with no
// dependency step (go-build): the rewrite adds go mod download in the
// build stage; after the source change the original's rebuild downloads
// the modules again (go build prints "go: downloading") and the rewrite's
// downloads nothing; the image built, on distroless, holds the same
// program byte for byte (it is neither a difference nor unstable).
func checkStepAdded(t *testing.T, rep *verify.Report) {
	t.Helper()
	if !slices.Contains(rep.Passes, "manifest-first") || !strings.Contains(rep.Diff, "+RUN go mod download") {
		t.Fatalf("passes %v: manifest-first did not add go mod download:\n%s", rep.Passes, rep.Diff)
	}
	t.Logf("touched %s; original: %d/%d steps cached, re-ran %q, downloaded %q; rewrite: %d/%d cached, re-ran %q, downloaded %q",
		rep.Touched, rep.Before.RebuildCachedSteps, rep.Before.RebuildSteps, rep.Before.RebuildRan, rep.Before.RebuildDownloaded,
		rep.After.RebuildCachedSteps, rep.After.RebuildSteps, rep.After.RebuildRan, rep.After.RebuildDownloaded)
	if rep.Before.RebuildDownloads == 0 || !slices.Contains(rep.Before.RebuildDownloaded, "github.com/google/uuid v1.6.0") {
		t.Errorf("the original's rebuild downloaded %q: want the module again", rep.Before.RebuildDownloaded)
	}
	if rep.After.RebuildDownloads != 0 {
		t.Errorf("the rewrite's rebuild downloaded %q: want nothing", rep.After.RebuildDownloaded)
	}
	for _, s := range rep.After.RebuildRan {
		if strings.Contains(s, "go mod download") {
			t.Errorf("the rewrite's rebuild ran %q again", s)
		}
	}
	if len(rep.Differences) > 0 || slices.Contains(rep.Unstable, "/usr/local/bin/idgen") {
		t.Errorf("the program differs: differences %v, unstable %v", rep.Differences, rep.Unstable)
	}
}

// verifyCLI runs `dfopt verify --json` with the verified passes on a
// Dockerfile, from a freshly built binary, and returns its report. The
// Dockerfile has a "# syntax=" line: the binary must ignore it, not pull
// the frontend it names.
func verifyCLI(t *testing.T, e *harness.Env, contexts []buildkit.NamedContext, dockerfile string) *verify.Report {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "dfopt")
	gobuild := exec.CommandContext(testContext(t), "go", "build", "-o", bin, "github.com/dfopt/dfopt/cmd/dfopt")
	if out, err := gobuild.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	args := []string{"verify", "--json", "--enable", strings.Join(harness.VerifiedPasses, ",")}
	for _, c := range contexts {
		args = append(args, "--build-context", c.String())
	}
	args = append(args, dockerfile)
	cmd := exec.CommandContext(testContext(t), bin, args...)
	cmd.Env = append(os.Environ(), "DFOPT_BUILDCTL="+e.Buildctl, "BUILDKIT_HOST="+e.Addr, "TMPDIR="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	t.Logf("stderr:\n%s", stderr.String())
	t.Logf("stdout:\n%s", stdout.String())
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatalf("dfopt verify exited with %v", err)
	}
	var raw map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	var rep verify.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if raw["verdict"] != "equivalent" || !strings.HasPrefix(rep.Builder, "buildctl at "+e.Addr) {
		t.Errorf("verdict %v, builder %q", raw["verdict"], rep.Builder)
	}
	if !strings.Contains(stderr.String(), "built the rewrite") {
		t.Errorf("no progress on stderr")
	}
	if before, _ := raw["before"].(map[string]any); before == nil || before["rebuildSteps"] == nil || raw["touched"] != "site/index.html" {
		t.Errorf("no rebuild measurement in the JSON report")
	}
	if rep.Before == nil || rep.After == nil {
		t.Fatalf("no image reports")
	}
	return &rep
}

// dropExtra is a pass with a bug: it deletes the RUN that writes /extra.
// Verification must catch it.
var dropExtra = &analysis.Pass{
	Name: "drop-extra", Docs: analysis.StaticDocs("a broken pass for the e2e tests", "Deletes RUN echo extra lines."), Tier: analysis.Safe,
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
