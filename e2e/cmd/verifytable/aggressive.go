package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/e2e/harness"
	"github.com/dfopt/dfopt/internal/verify"
	"github.com/dfopt/dfopt/optimizer"
	"github.com/dfopt/dfopt/passes"
)

// aggrRow is an example of the aggressive section: the verification of its
// --level=aggressive rewrite, and the sizes of the whole images.
type aggrRow struct {
	ex  harness.AggressiveExample
	rep *verify.Report
	err error
	// before and after are the whole images (all layers, compressed);
	// when dfopt changes nothing, after is nil and before is a build of
	// the original made here, with original its smoke results.
	before, after *imageSize
	original      []*verify.SmokeRun
}

type imageSize struct {
	layers     int
	compressed int64
	buildMs    int64
}

// originalSmokeOK reports whether, for an example that dfopt leaves
// unchanged, the program in the original's image answered each smoke
// command as expected.
func (r aggrRow) originalSmokeOK() bool {
	for i, s := range r.original {
		if s == nil || s.Error != "" || s.Status != 0 || s.Stdout != r.ex.Smoke[i].Stdout {
			return false
		}
	}
	return true
}

// verifyAggressive runs dfopt verify on the example rewritten with
// --level=aggressive, with its smoke commands; the changes the rewrite's
// fixes declare are allowed (verify takes them from the fixes). When no
// pass changes the example, verify builds nothing: the original is then
// built once here, without cache, for its size and build time, and the
// smoke commands run in it.
func verifyAggressive(ctx context.Context, env *harness.Env, bases map[string]harness.LayoutRef, dir string, ex harness.AggressiveExample) aggrRow {
	r := aggrRow{ex: ex}
	contexts := harness.NamedContexts(bases)
	r.rep, r.err = verify.Run(ctx, verify.Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"),
		Contexts:   contexts,
		Builder:    env.Builder(),
		Optimize:   optimizer.Options{Level: optimizer.TierAggressive},
		Smoke:      ex.SmokeCommands(),
		Progress:   os.Stderr,
		Inspect: func(b *verify.Builds) error {
			r.before = sizeOf(b.Before)
			r.after = sizeOf(b.After)
			return nil
		},
	})
	if r.err != nil {
		return r
	}
	r.rep.WriteText(os.Stderr)
	if r.rep.Verdict != verify.VerdictUnchanged {
		return r
	}
	fmt.Fprintf(os.Stderr, "verifytable: no pass changes %s: building the original for its size\n", ex.Dir)
	work, err := os.MkdirTemp("", "verifytable-")
	if err != nil {
		r.err = err
		return r
	}
	defer os.RemoveAll(work)
	res, err := harness.Build(ctx, harness.BuildOptions{Env: env, DockerfileDir: dir, ContextDir: dir, Contexts: bases,
		NoCache: true, OutputLayoutDir: true, OutDir: work})
	if err != nil {
		r.err = fmt.Errorf("building the original: %w", err)
		return r
	}
	r.before = sizeOf(&verify.BuiltImage{Image: res.Image, Duration: res.Duration})
	for _, s := range ex.Smoke {
		argv, err := verify.ParseSmokeCommand(s.Command)
		if err != nil {
			r.err = err
			return r
		}
		run, err := verify.RunSmoke(ctx, env.Builder(), res.Output, argv, verify.SmokeOptions{Contexts: contexts, WorkDir: work})
		if err != nil {
			r.err = err
			return r
		}
		fmt.Fprintf(os.Stderr, "verifytable: %s in the original: exit %d, stdout %q\n", s.Command, run.Status, run.Stdout)
		r.original = append(r.original, run)
	}
	return r
}

func sizeOf(b *verify.BuiltImage) *imageSize {
	return &imageSize{layers: len(b.Image.Layers), compressed: b.Image.CompressedSize(), buildMs: b.Duration.Milliseconds()}
}

// aggressivePasses are the passes of the aggressive tier that exist.
func aggressivePasses() []string {
	var names []string
	for _, p := range passes.All() {
		if p.Tier == analysis.Aggressive {
			names = append(names, p.Name)
		}
	}
	return names
}

func writeAggressiveTable(w io.Writer, rows []aggrRow) {
	fmt.Fprintf(w, "## Aggressive tier\n\n")
	fmt.Fprintf(w, "Each example below is written the naive single-stage way, rewritten with "+
		"`--level=aggressive` (every pass; those of the aggressive tier: %s) and verified with `dfopt verify --smoke CMD`: "+
		"both images are built without cache, the smoke commands run in both and must give the same exit status and output, "+
		"and the configuration fields and paths the rewrite's fixes declare are allowed to change (*changed on purpose*). "+
		"Cells read *before → after*; *image* is the whole image, compressed.\n\n", strings.Join(aggressivePasses(), ", "))
	fmt.Fprintf(w, "| example | image | layers | build | rebuild | smoke | changed on purpose | passes applied | verdict |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		switch {
		case r.err != nil:
			fmt.Fprintf(w, "| %s | | | | | | | | error: %s |\n", r.ex.Dir, cell(r.err.Error()))
		case r.rep.Verdict == verify.VerdictUnchanged:
			b := r.before
			fmt.Fprintf(w, "| %s | %s → no change | %d → no change | %s | — | %s | nothing: no pass changes it | — | unchanged |\n",
				r.ex.Dir, verify.Bytes(b.compressed), b.layers, verify.Millis(b.buildMs), cell(originalSmoke(r)))
		case r.before == nil || r.after == nil:
			fmt.Fprintf(w, "| %s | | | | | | %s | %s | %s |\n", r.ex.Dir, cell(changedOnPurpose(r.rep)),
				cell(appliedPasses(r.rep)), cell(r.rep.Verdict))
		default:
			rep, b, a := r.rep, r.before, r.after
			rebuild := "not measured"
			if rep.Touched != "" && rep.RebuildSkipped == "" {
				rebuild = fmt.Sprintf("%s → %s (`%s` touched)", verify.Millis(rep.Before.RebuildMs), verify.Millis(rep.After.RebuildMs), rep.Touched)
			}
			fmt.Fprintf(w, "| %s | %s → %s (%s) | %d → %d | %s → %s | %s | %s | %s | %s | %s |\n",
				r.ex.Dir, verify.Bytes(b.compressed), verify.Bytes(a.compressed), percent(b.compressed, a.compressed),
				b.layers, a.layers, verify.Millis(b.buildMs), verify.Millis(a.buildMs), rebuild,
				cell(smokeCell(rep)), cell(changedOnPurpose(rep)), cell(appliedPasses(rep)), cell(verdict(rep)))
		}
	}
	fmt.Fprintf(w, "\n| example | what it shows | went away (only in the original's image) | new (only in the rewrite's image) |\n")
	fmt.Fprintf(w, "|---|---|---|---|\n")
	for _, r := range rows {
		gone, added := "—", "—"
		if r.err == nil && r.rep.Verdict != verify.VerdictUnchanged {
			gone, added = summary(r.rep.Gone), summary(r.rep.New)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", r.ex.Dir, cell(r.ex.About), cell(gone), cell(added))
	}
	fmt.Fprintf(w, "\n")
	fmt.Fprintf(w, "- *smoke*: the commands run in each image's working directory as its user (on an image without a shell, "+
		"through a borrowed busybox); *same* means the same exit status, standard output and standard error. "+
		"Where no pass changes an example, they ran in the original only.\n")
	fmt.Fprintf(w, "- *changed on purpose*: what the applied fixes declare (`base` for a new base image or final stage, "+
		"configuration fields, paths), with the pass that declares it; any other difference fails the verification.\n")
	fmt.Fprintf(w, "- *build*: wall time without cache, OCI export included, downloads included; *rebuild*: with the cache warm, "+
		"after appending a line of whitespace to the file named (measured only when the images are equivalent).\n")
}

// originalSmoke describes the smoke commands run in the original's image.
func originalSmoke(r aggrRow) string {
	var parts []string
	for i, s := range r.original {
		res := fmt.Sprintf("exit %d", s.Status)
		switch {
		case s.Error != "":
			res = "could not run"
		case s.Status == 0 && s.Stdout == r.ex.Smoke[i].Stdout:
			res = "answers"
		case s.Status == 0:
			res = "unexpected output"
		}
		parts = append(parts, fmt.Sprintf("`%s`: %s", r.ex.Smoke[i].Command, res))
	}
	return strings.Join(parts, "; ")
}

func smokeCell(rep *verify.Report) string {
	if len(rep.Smoke) == 0 {
		if rep.SmokeSkipped != "" {
			return "not run: " + rep.SmokeSkipped
		}
		return "not run"
	}
	var parts []string
	for _, s := range rep.Smoke {
		res := "same"
		if !s.Same {
			res = "DIFFERENT"
			if s.Before.Error != "" || s.After.Error != "" {
				res = "could not run"
			}
		}
		name := s.Command
		if s.Default {
			name = strings.Join(s.Before.Argv, " ")
		}
		parts = append(parts, fmt.Sprintf("`%s`: %s", name, res))
	}
	return strings.Join(parts, "; ")
}

// changedOnPurpose lists the declared changes, the base first.
func changedOnPurpose(rep *verify.Report) string {
	var parts []string
	if rep.BaseBefore != "" || rep.BaseAfter != "" {
		parts = append(parts, fmt.Sprintf("base `%s` → `%s`", rep.BaseBefore, rep.BaseAfter))
	}
	for _, c := range rep.Changes {
		if c.Change == analysis.ChangeBase && len(parts) > 0 {
			parts[0] += " (" + c.By + ")"
			continue
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", c.Change, c.By))
	}
	if len(parts) == 0 {
		return "nothing declared"
	}
	return strings.Join(parts, "; ")
}

// appliedPasses lists the passes whose fixes were applied, and says when
// none of them is of the aggressive tier.
func appliedPasses(rep *verify.Report) string {
	aggressive := false
	for _, name := range rep.Passes {
		if p := passes.Lookup(name); p != nil && p.Tier == analysis.Aggressive {
			aggressive = true
		}
	}
	s := strings.Join(rep.Passes, ", ")
	if !aggressive {
		s += " (no aggressive pass applies)"
	}
	return s
}

// summary sums up files by directory: "1,234 files, 300 MiB (/usr/lib/go-1.19 250 MiB, ...)".
func summary(fs *verify.FileSummary) string {
	if fs == nil || fs.Files == 0 {
		return "nothing"
	}
	var dirs []string
	for i, d := range fs.Dirs {
		if i == 3 {
			break
		}
		dirs = append(dirs, fmt.Sprintf("`%s` %s", d.Dir, verify.Bytes(d.Bytes)))
	}
	s := fmt.Sprintf("%d files, %s", fs.Files, verify.Bytes(fs.Bytes))
	if len(dirs) > 0 {
		s += " (" + strings.Join(dirs, ", ") + ")"
	}
	return s
}

// verdict is the verification's verdict, with what differs when the
// images are not equivalent.
func verdict(rep *verify.Report) string {
	if rep.Verdict != verify.VerdictNotEquivalent {
		return rep.Verdict
	}
	config := 0
	for _, d := range rep.ConfigDifferences {
		if d.AllowedBy == "" {
			config++
		}
	}
	missing := 0
	for _, p := range rep.ProgramFiles {
		if p.Missing {
			missing++
		}
	}
	plural := func(n int, one, many string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, one)
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	s := fmt.Sprintf("%s: %s, %s differ", rep.Verdict, plural(len(rep.Differences), "path", "paths"),
		plural(config, "configuration field", "configuration fields"))
	if missing > 0 {
		s += fmt.Sprintf(", %d of the program's files missing", missing)
	}
	return s
}
