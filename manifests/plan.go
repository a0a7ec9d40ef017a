package manifests

import (
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
)

// manifestCopies are what is copied before the install: the manifests.
type manifestCopies struct {
	files []string // context paths of files to copy first
	dirs  []string // context paths of directories to copy first
}

func Plan(ctx *analysis.Context, cv *buildcontext.View, sc *SourceCopy, dr *InstallRun) (analysis.Finding, bool) {
	doc := ctx.Doc
	first := dr.steps[0]
	pos, end := dr.r.Src(shellparse.Offset(first.cmd.Call.Pos())), dr.r.After(shellparse.Offset(first.cmd.Call.End()))
	msg := fmt.Sprintf("%s runs after %s copies the sources, so every source change re-runs it",
		commandText(dr.r, first.cmd), copyText(sc))
	report := func(reason string) (analysis.Finding, bool) {
		return analysis.Finding{Pos: pos, End: end, Message: msg + "; not moved: " + reason}, true
	}
	for _, f := range dr.r.Ins.Flags {
		if strings.HasPrefix(f, "--mount") && strings.Contains(f, "type=bind") || strings.HasPrefix(f, "--mount") && !strings.Contains(f, "type=") {
			return report("the RUN bind-mounts files, which may be sources")
		}
	}
	provided := copiedBefore(sc.Ins)
	plan := &manifestCopies{}
	seen := map[string]bool{}
	add := func(list *[]string, cp string) {
		if !seen[cp] {
			seen[cp] = true
			*list = append(*list, cp)
		}
	}
	prefetch := -1
	for si, step := range dr.steps {
		if step.reason != "" {
			return report(step.reason)
		}
		if step.prefetch != "" {
			if len(dr.steps) > 1 {
				return report("it installs with other tools in the same RUN")
			}
			prefetch = si
			if t, ok := withPrefetchFlags(doc, dr, step); ok && prefetchedBefore(sc.Ins, t) {
				return analysis.Finding{}, false // done: the COPY is after the prefetch
			}
		}
		if step.dir == "" {
			return report("its working directory is not known")
		}
		if !stages.Under(step.dir, sc.dest) {
			// The COPY brings something other than the project the
			// install runs in (such as a manifest directory).
			return analysis.Finding{}, false
		}
		// need maps a path the step reads to the context path the source
		// copy brings there; ok=false when the copy does not bring it.
		need := func(rel string) (string, bool, string) {
			p := stages.JoinDir(step.dir, rel)
			if p == "" {
				return "", false, "its working directory is not known"
			}
			cp, ok := sc.toContext(p)
			if prov, was := provided[p]; was {
				if ok && prov != cp {
					return "", false, fmt.Sprintf("%s copies %s over the %s an earlier COPY brings", copyText(sc), cp, rel)
				}
				return prov, true, "provided"
			}
			if !ok {
				return "", false, fmt.Sprintf("it reads %s, which %s does not copy", rel, copyText(sc))
			}
			return cp, true, ""
		}
		files := append([]string(nil), step.files...)
		if cv == nil {
			if step.noContext != "" {
				return report(step.noContext)
			}
		} else {
			cr := contextReader{
				read: func(rel string) ([]byte, bool) {
					cp, ok, _ := need(rel)
					if !ok {
						return nil, false
					}
					return cv.ReadFile(cp)
				},
				list: func(rel string) []string {
					cp, ok, _ := need(rel)
					if !ok {
						return nil
					}
					return cv.List(cp)
				},
			}
			if step.check != nil {
				extra, reason := step.check(cr)
				if reason != "" {
					return report(reason)
				}
				files = append(files, extra...)
			}
			for _, o := range step.Outputs {
				if cp, ok, _ := need(o); ok {
					if _, exists := cv.Stat(cp); exists {
						return report(fmt.Sprintf("the context has %s, which copying the sources would put over what the install makes (add it to .dockerignore)", cp))
					}
				}
			}
			if step.lock != "" {
				if cp, ok, _ := need(step.lock); ok {
					if _, exists := cv.Stat(cp); exists {
						if why := runsTwice(step, dr, prefetch); why != "" {
							return report(fmt.Sprintf("%s may rewrite %s, which copying the sources would then put back (%s; or use the command's frozen-lockfile form, such as npm ci)", commandText(dr.r, step.cmd), cp, why))
						}
						// The install runs with the manifests first, and
						// again where it was (see runsTwice).
						step.twice, prefetch = true, si
						if installedBefore(sc.Ins, step) {
							return analysis.Finding{}, false // done
						}
					}
				}
			}
		}
		for _, f := range files {
			cp, ok, why := need(f)
			if !ok {
				return report(why)
			}
			if why == "provided" {
				continue
			}
			if cv != nil {
				if fi, exists := cv.Stat(cp); !exists || !fi.Mode().IsRegular() {
					return report(fmt.Sprintf("%s is not in the build context", cp))
				}
			} else if d := path.Dir(cp); d != "." && d != buildcontext.Clean(sc.Src) {
				// Without a context the files a requirements file
				// includes are not known; they usually sit beside it
				// (requirements/base.txt): copy its directory.
				add(&plan.dirs, d)
				continue
			}
			add(&plan.files, cp)
		}
		if cv == nil {
			continue
		}
		for _, f := range step.optional {
			cp, ok, why := need(f)
			if !ok || why == "provided" {
				continue
			}
			if fi, exists := cv.Stat(cp); exists && fi.Mode().IsRegular() {
				add(&plan.files, cp)
			}
		}
		for _, d := range step.dirs {
			cp, ok, why := need(d)
			if !ok || why == "provided" {
				continue
			}
			if fi, exists := cv.Stat(cp); exists && fi.IsDir() {
				add(&plan.dirs, cp)
			}
		}
	}
	names := append(append([]string(nil), plan.files...), plan.dirs...)
	for _, p := range names {
		if !dockerfile.IsPlainPath(p) {
			return report(fmt.Sprintf("the path %q would need quoting", p))
		}
	}
	split := dr.n < len(dr.items)
	if split || prefetch >= 0 {
		if !dr.andAll {
			return report("the RUN is not a plain && list, so it cannot be split")
		}
		if dr.r.Prog.HasComments() || dr.r.Prog.HasHeredoc() {
			return report("the RUN has comments or heredocs, so it is not split")
		}
	}
	edits, ok := manifestEdits(doc, sc, dr, plan, prefetch)
	if !ok {
		return report("the instructions could not be rewritten")
	}
	fixMsg := "install before copying the sources"
	switch {
	case prefetch >= 0 && dr.steps[prefetch].twice:
		fixMsg = "install before copying the sources, and again after them (" + commandText(dr.r, dr.steps[prefetch].cmd) + " may rewrite " + dr.steps[prefetch].lock + ")"
	case prefetch >= 0:
		fixMsg = "fetch the dependencies (" + dr.steps[prefetch].prefetch + ") before copying the sources"
	}
	if len(names) > 0 {
		fixMsg = "copy " + strings.Join(names, ", ") + " first and " + fixMsg
	}
	return analysis.Finding{Pos: pos, End: end, Message: msg,
		Fix: &analysis.Fix{Message: fixMsg, Edits: edits}}, true
}

// commandText is a command's source text, shortened.
func commandText(r *runs.Run, c *shellparse.Command) string {
	start := shellparse.Offset(c.Call.Pos())
	end := shellparse.Offset(c.Call.End())
	if c.NameIdx >= 0 {
		start = shellparse.Offset(c.Call.Args[c.NameIdx].Pos())
	}
	text := strings.Join(strings.Fields(r.Prog.Src[start:end]), " ")
	text = strings.ReplaceAll(text, "\\ ", "")
	if len(text) > 60 {
		text = text[:57] + "..."
	}
	return text
}

func copyText(sc *SourceCopy) string {
	return "COPY " + strings.Join(sc.Ins.Args, " ")
}

// prefetchedBefore reports whether a RUN before the instruction in its stage
// runs the prefetch command.
func prefetchedBefore(ins *dockerfile.Instruction, cmd string) bool {
	want := strings.Join(strings.Fields(cmd), " ")
	for _, other := range ins.Stage.Instructions {
		if other.Index >= ins.Index {
			break
		}
		if other.Cmd == "run" && strings.Contains(strings.Join(strings.Fields(other.Text), " "), want) {
			return true
		}
	}
	return false
}
