// Package verify proves a dfopt rewrite on a real BuildKit: it builds the
// original Dockerfile and dfopt's rewrite, and compares the two images —
// their layers, the bytes they add above the base they share, their final
// file trees and their configuration — and measures what a rebuild after
// a whitespace change to a source file costs with each.
//
// Paths that the applied fixes declare they remove (analysis.Fix.Removes)
// are not compared, except where the rewrite's image has them and the
// original's has no entry at all where the pattern matched (a cleanup that
// creates the cache it claims to remove, such as a package manager's log);
// neither are paths that differ between two builds of the original itself
// (logs with timestamps, compiled bytecode, ...), nor package indexes that
// a live mirror decides (MirrorDecided) where the original and the rewrite
// differ: those are reported as unstable. The original is built first and
// again last, after the rewrite, so that a change while the builds run
// always shows between its two builds. Any other difference, and any change of
// the image configuration that no pass declares, fails verification.
//
// Rewrites that change the image on purpose (the aggressive tier) declare
// what they change (analysis.Fix.Changes): those differences are listed
// as changed on purpose. A new base ("base") turns the path-by-path file
// comparison into a summary of what went away and what is new
// (FileSummary), and the program's own files must still be there
// (ProgramFiles). Smoke commands run in both images and must give the
// same exit status and output (smoke.go). Options.Against verifies
// another Dockerfile instead of dfopt's rewrite.
package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/buildkit"
	"github.com/dfopt/dfopt/internal/oci"
	"github.com/dfopt/dfopt/internal/udiff"
	"github.com/dfopt/dfopt/optimizer"
)

// Options configures Run.
type Options struct {
	// Dockerfile is the path of the Dockerfile to verify.
	Dockerfile string
	// ContextDir is the build context; empty means the Dockerfile's
	// directory.
	ContextDir string
	// Target is the stage to build; empty means the last one.
	Target string
	// Contexts and BuildArgs go to every build.
	Contexts  []buildkit.NamedContext
	BuildArgs []buildkit.BuildArg
	// Builder builds; Run calls its Check first. When it is nil,
	// SelectBuilder is called to choose one, once it is known that there
	// is something to build.
	Builder       buildkit.Builder
	SelectBuilder func(context.Context) (buildkit.Builder, error)
	// Optimize selects the passes (Enable, Disable, Level, Settings);
	// Run sets Filename, ContextDir and Target.
	Optimize optimizer.Options
	// HonorSyntax builds with the frontend image a "# syntax=" line
	// names. By default such a line is ignored where the builder allows it
	// (buildctl): both builds then use the Dockerfile frontend built into
	// buildkitd and no frontend image is pulled.
	HonorSyntax bool
	// Touch is the file (relative to the context) that the rebuild
	// measurement changes; empty lets DefaultTouch choose.
	Touch string
	// NoRebuild skips the rebuild measurement.
	NoRebuild bool
	// AllowConfig lists the configuration changes the rewrite may make.
	// No pass declares any today.
	AllowConfig []ConfigChange
	// Against, when set, is the rewrite to verify: another Dockerfile
	// (written by hand, say), built with the same context, instead of
	// dfopt's rewrite; no pass runs.
	Against string
	// Changes declares changes of the image made on purpose, besides
	// those the applied fixes declare (see analysis.CheckChange for the
	// forms; reports name ByCaller as their declarer).
	Changes []string
	// Smoke are commands run in both images (see ParseSmokeCommand):
	// each must give the same exit status, standard output and standard
	// error. Without any, DefaultSmoke chooses one when it can, unless
	// NoSmoke is set. SmokeTimeout bounds each run (default
	// DefaultSmokeTimeout).
	Smoke        []string
	NoSmoke      bool
	SmokeTimeout time.Duration
	// Inspect, when set, is called with the three images built without
	// cache once they are compared (before the rebuild measurement), while
	// they are still on disk; an error it returns ends Run with that error.
	// Tests use it to check more of the same builds than Run compares.
	Inspect func(*Builds) error
	// WorkDir is where temporary files go (default: os.TempDir()).
	WorkDir string
	// Progress, when set, receives a line for each build as it starts and
	// ends; Log receives the builders' output.
	Progress io.Writer
	Log      io.Writer
}

// Verdicts.
const (
	// Unchanged: dfopt changes nothing; nothing was built.
	VerdictUnchanged = "unchanged"
	// Equivalent: same files (apart from what the passes remove and what
	// is unstable) and same configuration.
	VerdictEquivalent = "equivalent"
	// NotEquivalent: some file or configuration differs.
	VerdictNotEquivalent = "not-equivalent"
	// OriginalBuildFailed: the original does not build; the rewrite was
	// not built.
	VerdictOriginalFailed = "original-build-failed"
	// RewriteBuildFailed: the original builds, the rewrite does not.
	VerdictRewriteFailed = "rewrite-build-failed"
	// RebuildFailed: the images are equivalent but a rebuild for the
	// measurement failed.
	VerdictRebuildFailed = "rebuild-failed"
	// SmokeFailed: a smoke command could not be run in either image
	// (the smoke builds failed), and nothing else differs.
	VerdictSmokeFailed = "smoke-failed"
)

// Report is the outcome of Run. Its JSON field names are stable.
type Report struct {
	Dockerfile string `json:"dockerfile"`
	Context    string `json:"context"`
	Target     string `json:"target,omitempty"`
	Builder    string `json:"builder,omitempty"`
	Verdict    string `json:"verdict"`
	// Passes lists the passes whose fixes were applied and Fixes how many.
	Passes []string `json:"passes"`
	Fixes  int      `json:"fixes"`
	// Diff is the rewrite as a unified diff.
	Diff   string       `json:"diff,omitempty"`
	Before *ImageReport `json:"before,omitempty"`
	After  *ImageReport `json:"after,omitempty"`
	// SharedLayers is the number of leading layers both images have in
	// common (the longest common prefix of their layer DiffIDs): the base
	// that the byte counts are measured above.
	SharedLayers int `json:"sharedLayers"`
	// Touched is the context file changed for the rebuild measurement.
	Touched string `json:"touched,omitempty"`
	// RebuildSkipped says why there is no rebuild measurement.
	RebuildSkipped string `json:"rebuildSkipped,omitempty"`
	// Differences are the files that differ, ConfigDifferences the
	// configuration fields.
	Differences       []Difference       `json:"differences"`
	ConfigDifferences []ConfigDifference `json:"configDifferences"`
	// Removes are the path patterns the applied fixes declare they remove;
	// RemovedPaths how many paths they matched (left out of the
	// comparison) and RemovedBytes the size of the files among them.
	Removes      []string `json:"removes"`
	RemovedPaths int      `json:"removedPaths"`
	RemovedBytes int64    `json:"removedBytes"`
	// Unstable are the paths left out because two builds of the original
	// differ there, or because they are package indexes that a live mirror
	// decides (MirrorDecided) and differ between the original and the
	// rewrite.
	Unstable []string `json:"unstable"`
	// ContextFiles are the files of the build context that the rewrite
	// changes (such as .dockerignore); the rewrite is built with them.
	ContextFiles []string `json:"contextFiles,omitempty"`
	// Against is the rewrite given with Options.Against.
	Against string `json:"against,omitempty"`
	// Changes are the changes declared made on purpose, by the applied
	// fixes and by the caller. With "base" among them, BaseBefore and
	// BaseAfter are what the stage built is FROM in each Dockerfile, and
	// BaseChangedPaths counts the differing paths left to the summaries.
	Changes          []DeclaredChange `json:"changes"`
	BaseBefore       string           `json:"baseBefore,omitempty"`
	BaseAfter        string           `json:"baseAfter,omitempty"`
	BaseChangedPaths int              `json:"baseChangedPaths,omitempty"`
	// ChangedPaths are the differing paths that a declared path pattern
	// covers: changed on purpose.
	ChangedPaths []Difference `json:"changedPaths"`
	// Gone and New sum up the regular files only in the original's image
	// and only in the rewrite's, by directory (unstable paths left out).
	Gone *FileSummary `json:"gone,omitempty"`
	New  *FileSummary `json:"new,omitempty"`
	// ProgramFiles are the program's own files (ProgramFiles); one
	// missing in the rewrite fails verification.
	ProgramFiles []ProgramFile `json:"programFiles"`
	// Smoke are the smoke commands run in both images; SmokeSkipped says
	// why none ran.
	Smoke        []SmokeResult `json:"smoke"`
	SmokeSkipped string        `json:"smokeSkipped,omitempty"`
	// Error and LogTail explain a failed build.
	Error   string `json:"error,omitempty"`
	LogTail string `json:"logTail,omitempty"`
}

// ImageReport describes one of the two images.
type ImageReport struct {
	// Digest is the manifest digest.
	Digest string `json:"digest"`
	Layers int    `json:"layers"`
	// AddedBytes and AddedCompressedBytes are the sizes of the layers above
	// the shared base (uncompressed tar streams, and blobs as stored).
	AddedBytes           int64 `json:"addedBytes"`
	AddedCompressedBytes int64 `json:"addedCompressedBytes"`
	// BuildMs is the wall time of the build without cache, export
	// included.
	BuildMs int64 `json:"buildMs"`
	// Rebuild measurement: the wall time of the build after the touch,
	// with the cache warm, and how many of its steps came from the cache.
	RebuildMs          int64 `json:"rebuildMs,omitempty"`
	RebuildSteps       int   `json:"rebuildSteps,omitempty"`
	RebuildCachedSteps int   `json:"rebuildCachedSteps,omitempty"`
	// RebuildRan names the Dockerfile steps that ran again on the rebuild
	// (not taken from the cache), as BuildKit names them ("[3/5] RUN ...").
	RebuildRan []string `json:"rebuildRan,omitempty"`
	// RebuildDownloads counts the dependencies the steps that ran again
	// said they downloaded (see Downloads), RebuildDownloaded names them.
	RebuildDownloads  int      `json:"rebuildDownloads"`
	RebuildDownloaded []string `json:"rebuildDownloaded,omitempty"`
}

// Exit statuses of ExitCode.
const (
	ExitEquivalent    = 0
	ExitNotEquivalent = 1
	ExitCouldNotBuild = 2
)

// ExitCode maps the verdict to the exit status of `dfopt verify`.
func (r *Report) ExitCode() int {
	switch r.Verdict {
	case VerdictUnchanged, VerdictEquivalent:
		return ExitEquivalent
	case VerdictNotEquivalent:
		return ExitNotEquivalent
	}
	return ExitCouldNotBuild
}

// Run verifies the rewrite of one Dockerfile. It returns an error, and no
// report, when it cannot start: the Dockerfile cannot be read or parsed,
// the options are wrong, or the builder is unreachable. Build failures
// are verdicts in the report.
func Run(ctx context.Context, o Options) (*Report, error) {
	src, err := os.ReadFile(o.Dockerfile)
	if err != nil {
		return nil, err
	}
	ctxDir := o.ContextDir
	if ctxDir == "" {
		ctxDir = filepath.Dir(o.Dockerfile)
	}
	if fi, err := os.Stat(ctxDir); err != nil {
		return nil, fmt.Errorf("build context: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("build context %s is not a directory", ctxDir)
	}
	opts := o.Optimize
	opts.Filename = o.Dockerfile
	opts.ContextDir = ctxDir
	opts.Context = nil
	opts.Target = o.Target
	if err := CheckChanges(o.Changes); err != nil {
		return nil, err
	}
	smokes, err := parseSmokes(o.Smoke)
	if err != nil {
		return nil, err
	}
	var res *optimizer.Result
	if o.Against != "" {
		res, err = againstResult(o.Dockerfile, o.Against, src)
	} else {
		res, err = optimizer.Optimize(src, opts)
	}
	if err != nil {
		return nil, err
	}
	doc, err := dockerfile.Parse(o.Dockerfile, src)
	if err != nil {
		return nil, err
	}
	docAfter, err := dockerfile.Parse(o.Dockerfile, res.Output)
	if err != nil {
		return nil, err
	}
	rep := &Report{
		Dockerfile:        o.Dockerfile,
		Context:           ctxDir,
		Target:            o.Target,
		Passes:            []string{},
		Differences:       []Difference{},
		ConfigDifferences: []ConfigDifference{},
		Removes:           []string{},
		Unstable:          []string{},
		Against:           o.Against,
		ChangedPaths:      []Difference{},
		ProgramFiles:      []ProgramFile{},
		Smoke:             []SmokeResult{},
	}
	byPass := map[string][]string{}
	for _, f := range res.Findings {
		if f.Fixed {
			rep.Fixes++
			if !contains(rep.Passes, f.Pass) {
				rep.Passes = append(rep.Passes, f.Pass)
			}
			byPass[f.Pass] = append(byPass[f.Pass], f.Changes...)
		}
	}
	rep.Changes = declaredList(byPass, o.Changes)
	if !res.Changed() && len(res.Files) == 0 {
		rep.Verdict = VerdictUnchanged
		return rep, nil
	}
	rep.Diff = string(res.Diff())
	if o.Against != "" {
		rep.Diff = string(udiff.Unified(o.Dockerfile, o.Against, src, res.Output, 3))
	}
	for _, fc := range res.Files {
		rep.Diff += string(fc.Diff())
	}
	rep.Removes = append(rep.Removes, res.Removes()...)

	ignore, err := readDockerignore(o.Dockerfile, ctxDir)
	if err != nil {
		return nil, err
	}
	touch := o.Touch
	if !o.NoRebuild && touch != "" {
		rel, err := touchPath(ctxDir, touch)
		if err != nil {
			return nil, err
		}
		touch = rel
	}

	if o.Builder == nil {
		if o.SelectBuilder == nil {
			return nil, errors.New("no builder")
		}
		if o.Builder, err = o.SelectBuilder(ctx); err != nil {
			return nil, err
		}
	}
	if err := o.Builder.Check(ctx); err != nil {
		return nil, err
	}
	rep.Builder = o.Builder.Describe()

	work, err := os.MkdirTemp(o.WorkDir, "dfopt-verify-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)

	v := &run{o: o, work: work, ctxDir: ctxDir, ctxAfter: ctxDir, ignoreAfter: ignore,
		ignoreSyntax: !o.HonorSyntax && (hasSyntax(doc) || hasSyntax(docAfter)),
		decl:         sortDeclared(rep.Changes), doc: doc, docAfter: docAfter}
	if len(res.Files) > 0 {
		// The rewrite goes with changes to files of the context (such as
		// .dockerignore): it is built from a copy that has them.
		v.ctxAfter = filepath.Join(work, "context-rewritten")
		if err := copyContext(ctxDir, v.ctxAfter, ignore); err != nil {
			return nil, fmt.Errorf("copying the build context: %w", err)
		}
		for _, fc := range res.Files {
			p := filepath.Join(v.ctxAfter, filepath.FromSlash(fc.Path))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return nil, err
			}
			if err := os.WriteFile(p, fc.Output, 0o644); err != nil {
				return nil, err
			}
			rep.ContextFiles = append(rep.ContextFiles, fc.Path)
		}
		if v.ignoreAfter, err = readDockerignore(filepath.Join(v.ctxAfter, filepath.Base(o.Dockerfile)), v.ctxAfter); err != nil {
			return nil, err
		}
	}
	if v.dfBefore, err = v.writeDockerfile("before", src); err != nil {
		return nil, err
	}
	if v.dfAfter, err = v.writeDockerfile("after", res.Output); err != nil {
		return nil, err
	}

	// 1. The original, without cache. A failure is the user's.
	before, err := v.build(ctx, "the original", v.dfBefore, ctxDir, "before.tar", true, true)
	if err != nil {
		return v.failed(ctx, rep, VerdictOriginalFailed, "the original Dockerfile does not build, so there is nothing to compare "+
			"(this is a problem with the Dockerfile, its context or the build setup, not with dfopt's rewrite)", err)
	}
	// 2. The rewrite, without cache.
	after, err := v.build(ctx, "the rewrite", v.dfAfter, v.ctxAfter, "after.tar", true, true)
	if err != nil {
		return v.failed(ctx, rep, VerdictRewriteFailed, "the original builds but dfopt's rewrite does not: "+
			"this is a bug in dfopt, please report it with the Dockerfile", err)
	}
	// 3. The original again, without cache: what differs between two
	// builds of the same Dockerfile is not the rewrite's doing.
	again, err := v.build(ctx, "the original again", v.dfBefore, ctxDir, "again.tar", true, true)
	if err != nil {
		return v.failed(ctx, rep, VerdictOriginalFailed, "the second build of the original failed (it built the first time: "+
			"the build is not repeatable)", err)
	}

	if err := compareImages(rep, before, after, again, append(slices.Clone(o.AllowConfig), v.decl.config...)); err != nil {
		return nil, err
	}
	if err := v.prove(ctx, rep, before, after, smokes); err != nil {
		return nil, err
	}
	if o.Inspect != nil {
		b := &Builds{}
		for _, x := range []struct {
			dst **BuiltImage
			src *built
		}{{&b.Before, before}, {&b.After, after}, {&b.Again, again}} {
			*x.dst = &BuiltImage{Image: x.src.img, Log: x.src.res.Log, Duration: x.src.res.Duration}
		}
		if err := o.Inspect(b); err != nil {
			return nil, err
		}
	}
	rep.Verdict = verdictOf(rep)

	// 4. Rebuild cost.
	switch {
	case o.NoRebuild:
		rep.RebuildSkipped = "not asked for"
	case rep.Verdict == VerdictSmokeFailed:
		rep.RebuildSkipped = "the smoke commands could not run"
	case rep.Verdict != VerdictEquivalent:
		rep.RebuildSkipped = "the images are not equivalent"
	default:
		if touch == "" {
			touch, err = DefaultTouch(doc, o.Target, ctxDir, ignore)
			if err != nil {
				return nil, err
			}
		}
		if touch == "" {
			rep.RebuildSkipped = "no file of the build context is copied by the stage being built (name one with --touch)"
			break
		}
		rep.Touched = touch
		if err := v.rebuilds(ctx, rep, ignore, touch); err != nil {
			var be *buildkit.BuildError
			if ctx.Err() != nil || !errors.As(err, &be) {
				return nil, err
			}
			rep.Verdict = VerdictRebuildFailed
			rep.RebuildSkipped = "a rebuild failed"
			rep.Error = fmt.Sprintf("rebuilding after a change to %s failed: %v", touch, err)
			rep.LogTail = be.LogTail(30)
		}
	}
	return rep, nil
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// hasSyntax reports whether the Dockerfile names a frontend image.
func hasSyntax(doc *dockerfile.Document) bool {
	v, ok := doc.Directive("syntax")
	return ok && strings.TrimSpace(v) != ""
}

// touchPath checks the --touch file and makes it relative to the context.
// A relative name is taken relative to the context, or else to the current
// directory.
func touchPath(ctxDir, touch string) (string, error) {
	p := touch
	if !filepath.IsAbs(p) {
		p = filepath.Join(ctxDir, p)
		if _, err := os.Lstat(p); err != nil {
			if _, err := os.Lstat(touch); err == nil {
				p = touch
			}
		}
	}
	absCtx, err := filepath.Abs(ctxDir)
	if err != nil {
		return "", err
	}
	absP, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(absCtx, absP)
	if err != nil || rel == "." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || rel == ".." {
		return "", fmt.Errorf("--touch %s: not a file in the build context %s", touch, ctxDir)
	}
	fi, err := os.Lstat(absP)
	if err != nil {
		return "", fmt.Errorf("--touch: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("--touch %s: not a regular file", touch)
	}
	return filepath.ToSlash(rel), nil
}

// readDockerignore reads NAME.dockerignore next to the Dockerfile, or else
// .dockerignore in the context, as BuildKit does.
func readDockerignore(dockerfilePath, ctxDir string) (*dockerignore, error) {
	for _, p := range []string{dockerfilePath + ".dockerignore", filepath.Join(ctxDir, ".dockerignore")} {
		data, err := os.ReadFile(p)
		if err == nil {
			return parseDockerignore(data), nil
		}
		if !os.IsNotExist(err) {
			return nil, err
		}
	}
	return nil, nil
}

// randUint64 makes the touch suffixes.
var randUint64 = rand.Uint64

// run is one verification in progress.
type run struct {
	o                 Options
	work              string
	ctxDir            string
	ctxAfter          string        // the context of the rewrite (ctxDir, or a copy with the context files it changes)
	ignoreAfter       *dockerignore // the ignore file of ctxAfter
	dfBefore, dfAfter string        // directories holding the two Dockerfiles
	ignoreSyntax      bool
	decl              declared             // the changes declared made on purpose
	doc, docAfter     *dockerfile.Document // the original and the rewrite
}

func (v *run) dockerfileName() string { return filepath.Base(v.o.Dockerfile) }

// writeDockerfile writes a version of the Dockerfile, with its
// NAME.dockerignore if it has one, into a directory of its own.
func (v *run) writeDockerfile(dir string, src []byte) (string, error) {
	d := filepath.Join(v.work, "dockerfile-"+dir)
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", err
	}
	name := v.dockerfileName()
	if err := os.WriteFile(filepath.Join(d, name), src, 0o644); err != nil {
		return "", err
	}
	if data, err := os.ReadFile(v.o.Dockerfile + ".dockerignore"); err == nil {
		if err := os.WriteFile(filepath.Join(d, name+".dockerignore"), data, 0o644); err != nil {
			return "", err
		}
	}
	return d, nil
}

func (v *run) progressf(format string, args ...any) {
	if v.o.Progress != nil {
		fmt.Fprintf(v.o.Progress, format+"\n", args...)
	}
}

// Builds are the images Run builds without cache, for Options.Inspect, in
// the order they are built.
type Builds struct {
	// Before is the original, After the rewrite, Again the original built
	// a second time.
	Before, After, Again *BuiltImage
}

// BuiltImage is one build of Builds.
type BuiltImage struct {
	Image *oci.Image
	// Log is the builder's output.
	Log      string
	Duration time.Duration
}

// built is a finished build.
type built struct {
	res  *buildkit.Result
	img  *oci.Image
	tree *oci.Tree // set by compareImages
}

// build runs one build into output (relative to the work directory; ""
// exports nothing) and, when open is set, opens the image.
func (v *run) build(ctx context.Context, what, dfDir, ctxDir, output string, noCache, open bool) (*built, error) {
	req := &buildkit.Request{
		ContextDir:     ctxDir,
		DockerfileDir:  dfDir,
		DockerfileName: v.dockerfileName(),
		Contexts:       v.o.Contexts,
		BuildArgs:      v.o.BuildArgs,
		Target:         v.o.Target,
		NoCache:        noCache,
		IgnoreSyntax:   v.ignoreSyntax,
		Log:            v.o.Log,
	}
	if output != "" {
		req.Output = filepath.Join(v.work, output)
	}
	if noCache {
		v.progressf("dfopt verify: building %s (no cache)...", what)
	} else {
		v.progressf("dfopt verify: building %s...", what)
	}
	res, err := v.o.Builder.Build(ctx, req)
	if err != nil {
		v.progressf("dfopt verify: building %s failed", what)
		return nil, err
	}
	v.progressf("dfopt verify: built %s in %s", what, res.Duration.Round(100*time.Millisecond))
	b := &built{res: res}
	if open {
		img, err := oci.Open(req.Output)
		if err != nil {
			return nil, fmt.Errorf("reading the image of %s: %w", what, err)
		}
		b.img = img
	}
	return b, nil
}

// failed fills in the report of a build that failed.
func (v *run) failed(ctx context.Context, rep *Report, verdict, msg string, err error) (*Report, error) {
	var be *buildkit.BuildError
	if ctx.Err() != nil {
		// Interrupted: no verdict.
		return nil, ctx.Err()
	}
	if !errors.As(err, &be) {
		return nil, err
	}
	rep.Verdict = verdict
	rep.Error = msg + ": " + err.Error()
	rep.LogTail = be.LogTail(30)
	return rep, nil
}

// compareImages fills in the sizes and the differences.
func compareImages(rep *Report, before, after, again *built, allowed []ConfigChange) error {
	trees := make([]*oci.Tree, 3)
	for i, b := range []*built{before, after, again} {
		t, err := b.img.Tree()
		if err != nil {
			return fmt.Errorf("reading image %s: %w", b.img.Source, err)
		}
		trees[i] = t
		b.tree = t
	}
	shared := 0
	for shared < len(before.img.Layers) && shared < len(after.img.Layers) &&
		before.img.Layers[shared].DiffID == after.img.Layers[shared].DiffID {
		shared++
	}
	rep.SharedLayers = shared
	rep.Before = imageReport(before, shared)
	rep.After = imageReport(after, shared)

	tc := CompareTrees(trees[0], trees[2], trees[1], rep.Removes)
	rep.Differences = append(rep.Differences, tc.Differences...)
	rep.Unstable = append(rep.Unstable, tc.Unstable...)
	rep.RemovedPaths = len(tc.Removed)
	rep.RemovedBytes = tc.RemovedBytes
	rep.ConfigDifferences = append(rep.ConfigDifferences,
		CompareConfig(before.img.Config.Config, after.img.Config.Config, allowed)...)
	rep.ConfigDifferences = append(rep.ConfigDifferences, CompareAuthor(before.img.Config.Author, after.img.Config.Author, allowed)...)
	return nil
}

func imageReport(b *built, shared int) *ImageReport {
	ir := &ImageReport{
		Digest:  b.img.ManifestDescriptor.Digest,
		Layers:  len(b.img.Layers),
		BuildMs: b.res.Duration.Milliseconds(),
	}
	for _, l := range b.img.Layers[shared:] {
		ir.AddedBytes += l.UncompressedSize
		ir.AddedCompressedBytes += l.Size
	}
	return ir
}

// rebuilds measures what a small change of a source file costs: the
// context is copied once for each Dockerfile, both are built with the
// cache warm, a line of whitespace is appended to the file (different for
// each copy and each run, see touchSuffix, so that neither rebuild can
// reuse steps that the other, or an earlier run, built), and both are
// built again.
func (v *run) rebuilds(ctx context.Context, rep *Report, ignore *dockerignore, touch string) error {
	sides := []struct {
		name, what string
		df         string
		ir         *ImageReport
	}{
		{"before", "the original", v.dfBefore, rep.Before},
		{"after", "the rewrite", v.dfAfter, rep.After},
	}
	srcs := []string{v.ctxDir, v.ctxAfter}
	ignores := []*dockerignore{ignore, v.ignoreAfter}
	dirs := make([]string, len(sides))
	for i, s := range sides {
		dirs[i] = filepath.Join(v.work, "context-"+s.name)
		if err := copyContext(srcs[i], dirs[i], ignores[i]); err != nil {
			return fmt.Errorf("copying the build context: %w", err)
		}
		if _, err := v.build(ctx, s.what+" to warm the cache", s.df, dirs[i], "", false, false); err != nil {
			return err
		}
	}
	for i, s := range sides {
		if err := appendTo(dirs[i], touch, touchSuffix(randUint64())); err != nil {
			return fmt.Errorf("--touch: %w", err)
		}
		out := "rebuild-" + s.name + ".tar"
		b, err := v.build(ctx, s.what+" after a change to "+touch+" (cache warm)", s.df, dirs[i], out, false, false)
		if err != nil {
			return err
		}
		os.Remove(filepath.Join(v.work, out))
		p := b.res.Progress()
		s.ir.RebuildMs = b.res.Duration.Milliseconds()
		s.ir.RebuildSteps = len(p.Steps())
		s.ir.RebuildCachedSteps = p.CachedSteps()
		for _, st := range p.Steps() {
			if !st.Cached {
				s.ir.RebuildRan = append(s.ir.RebuildRan, st.Name)
				s.ir.RebuildDownloaded = append(s.ir.RebuildDownloaded, Downloads(st.Output)...)
			}
		}
		s.ir.RebuildDownloads = len(s.ir.RebuildDownloaded)
	}
	return nil
}
