package verify

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/oci"
	"github.com/dfopt/dfopt/optimizer"
)

// smokeCommand is a parsed Options.Smoke entry.
type smokeCommand struct {
	text string
	argv []string
}

func parseSmokes(cmds []string) ([]smokeCommand, error) {
	var out []smokeCommand
	for _, c := range cmds {
		argv, err := ParseSmokeCommand(c)
		if err != nil {
			return nil, err
		}
		out = append(out, smokeCommand{text: c, argv: argv})
	}
	return out, nil
}

// againstResult stands for dfopt's rewrite when the rewrite is another
// Dockerfile: no fix, the other file as the output.
func againstResult(name, against string, src []byte) (*optimizer.Result, error) {
	data, err := os.ReadFile(against)
	if err != nil {
		return nil, err
	}
	if _, err := dockerfile.Parse(against, data); err != nil {
		return nil, err
	}
	return &optimizer.Result{Filename: name, Input: src, Output: data}, nil
}

// prove does what verification adds to the comparison of files and
// configuration: it applies the changes declared made on purpose, sums up
// what went away and what is new, checks the program's own files and runs
// the smoke commands.
func (v *run) prove(ctx context.Context, rep *Report, before, after *built, smokes []smokeCommand) error {
	sets := StageSets(v.doc, v.o.Target)
	if v.decl.base != "" {
		rep.BaseBefore = finalBase(v.doc, v.o.Target)
		rep.BaseAfter = finalBase(v.docAfter, v.o.Target)
	}
	v.decl.apply(rep, sets)

	unstable := map[string]bool{}
	for _, p := range rep.Unstable {
		unstable[p] = true
	}
	gone, added := GoneAndNew(before.tree, after.tree, func(p string) bool { return unstable[p] })
	rep.Gone = Summarize(before.tree, gone)
	rep.New = Summarize(after.tree, added)

	cb, ca := before.img.Config.Config, after.img.Config.Config
	rep.ProgramFiles = append(rep.ProgramFiles, ProgramFiles(before.tree, after.tree, cb, ca, sets(FieldWorkingDir, ""))...)

	return v.smoke(ctx, rep, before, after, smokes)
}

// smoke runs the smoke commands, or the default one, in both images.
func (v *run) smoke(ctx context.Context, rep *Report, before, after *built, smokes []smokeCommand) error {
	type pair struct {
		res  SmokeResult
		b, a []string
	}
	var runs []pair
	switch {
	case len(smokes) > 0:
		for _, s := range smokes {
			runs = append(runs, pair{res: SmokeResult{Command: s.text}, b: s.argv, a: s.argv})
		}
	case v.o.NoSmoke:
		rep.SmokeSkipped = "not asked for"
		return nil
	default:
		b, whyB := DefaultSmoke(before.img.Config.Config)
		a, whyA := DefaultSmoke(after.img.Config.Config)
		switch {
		case b == nil:
			rep.SmokeSkipped = "ran nothing: no command given (--smoke), and in the original's image " + whyB
			return nil
		case a == nil:
			rep.SmokeSkipped = "ran nothing: no command given (--smoke), and in the rewrite's image " + whyA
			return nil
		}
		runs = append(runs, pair{res: SmokeResult{Default: true}, b: b, a: a})
	}
	imgs := make([]smokeImage, 2)
	for i, b := range []*built{before, after} {
		layout := b.img.Source
		if fi, err := os.Stat(layout); err != nil || !fi.IsDir() {
			layout = filepath.Join(v.work, fmt.Sprintf("layout-%d", i))
			if err := oci.UnpackLayout(b.img.Source, layout); err != nil {
				return fmt.Errorf("unpacking the image for the smoke commands: %w", err)
			}
		}
		imgs[i] = smokeImage{layout: layout, digest: b.img.ManifestDescriptor.Digest, cfg: b.img.Config.Config, tree: b.tree}
	}
	sr := &smokeRunner{builder: v.o.Builder, contexts: v.o.Contexts, work: v.work, timeout: v.o.SmokeTimeout, log: v.o.Log}
	for _, p := range runs {
		what := p.res.Command
		if p.res.Default {
			what = "the default check"
		}
		var err error
		v.progressf("dfopt verify: smoke: running %s in the original...", what)
		if p.res.Before, err = sr.run(ctx, imgs[0], p.b); err != nil {
			return err
		}
		v.progressf("dfopt verify: smoke: running %s in the rewrite...", what)
		if p.res.After, err = sr.run(ctx, imgs[1], p.a); err != nil {
			return err
		}
		p.res.Same = p.res.Before.same(p.res.After)
		rep.Smoke = append(rep.Smoke, p.res)
	}
	return nil
}

// verdictOf decides the verdict of two images that both built.
func verdictOf(rep *Report) string {
	if len(rep.Differences) > 0 {
		return VerdictNotEquivalent
	}
	for _, d := range rep.ConfigDifferences {
		if d.AllowedBy == "" {
			return VerdictNotEquivalent
		}
	}
	for _, p := range rep.ProgramFiles {
		if p.Missing {
			return VerdictNotEquivalent
		}
	}
	couldNotRun := false
	for _, s := range rep.Smoke {
		switch {
		case s.Same:
		case s.Before.Error != "" && s.After.Error != "":
			couldNotRun = true
		default:
			return VerdictNotEquivalent
		}
	}
	if couldNotRun {
		return VerdictSmokeFailed
	}
	return VerdictEquivalent
}
