package manifests

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
	"mvdan.cc/sh/v3/syntax"
)

// manifestEdits builds the rewrite: the source COPY becomes a COPY of the
// manifests, and the source COPY is put back after the install part of the
// RUN (splitting the RUN, or before it with a prefetch command).
func manifestEdits(doc *dockerfile.Document, sc *SourceCopy, dr *InstallRun, plan *manifestCopies, prefetch int) ([]analysis.Edit, bool) {
	src := doc.Src
	c, r := sc.Ins, dr.r.Ins
	nl := doc.LineEnding(c.Span.Start)
	ctext := string(src[c.Span.Start:c.Span.End])
	if !strings.HasSuffix(ctext, "\n") {
		ctext += nl
	}
	lines, ok := manifestCopyLines(sc, plan)
	if !ok {
		return nil, false
	}
	manifest := ""
	for _, l := range lines {
		manifest += l + nl
	}
	edits := []analysis.Edit{analysis.Replace(c.Span.Start, c.Span.End, manifest)}

	runHead := r.Text[:r.ArgsOffset]
	if !strings.HasSuffix(runHead, " ") && !strings.HasSuffix(runHead, "\t") {
		runHead += " "
	}
	var state []string
	for _, i := range dr.state {
		state = append(state, itemText(doc, dr, i))
	}
	rnl := doc.LineEnding(r.Span.Start)
	endsNL := r.Span.End > 0 && src[r.Span.End-1] == '\n'
	switch {
	case prefetch >= 0:
		step := dr.steps[prefetch]
		var cmds []string
		for i := 0; i < dr.n; i++ {
			t := itemText(doc, dr, i)
			if call, ok := dr.items[i].Stmt.Cmd.(*syntax.CallExpr); ok && call == step.cmd.Call {
				t, ok = withPrefetchFlags(doc, dr, step)
				if !ok {
					return nil, false
				}
			}
			cmds = append(cmds, t)
		}
		edits = append(edits, analysis.Insert(r.Span.Start, runHead+strings.Join(cmds, " && ")+rnl+ctext))
	case dr.n < len(dr.items):
		last := dr.items[dr.n-1].Stmt
		cut := dr.r.After(shellparse.Offset(last.End()))
		next := dr.items[dr.n].Stmt
		restStart := dr.r.Src(shellparse.Offset(next.Pos()))
		restEnd := dr.r.After(shellparse.Offset(dr.items[len(dr.items)-1].Stmt.End()))
		rest := string(src[restStart:restEnd])
		prefix := ""
		if len(state) > 0 {
			prefix = strings.Join(state, " && ") + " && "
		}
		var clean []string
		for _, i := range dr.cleanups {
			clean = append(clean, " && "+itemText(doc, dr, i))
		}
		text := strings.Join(clean, "") + rnl + ctext + runHead + prefix + rest
		if endsNL {
			text += rnl
		}
		edits = append(edits, analysis.Replace(cut, r.Span.End, text))
	default:
		text := ctext
		if !endsNL {
			text = rnl + strings.TrimSuffix(strings.TrimSuffix(ctext, "\n"), "\r")
		}
		edits = append(edits, analysis.Insert(r.Span.End, text))
	}
	return edits, true
}

// manifestCopyLines writes the manifest COPYs, one per destination
// directory, with the flags and the keyword of the source COPY.
func manifestCopyLines(sc *SourceCopy, plan *manifestCopies) ([]string, bool) {
	var lines []string
	kw := sc.Ins.Keyword()
	flags := ""
	if sc.Flags != "" {
		flags = " " + sc.Flags
	}
	byDir := map[string][]string{}
	var order []string
	for _, f := range plan.files {
		dir := path.Dir(f)
		if _, ok := byDir[dir]; !ok {
			order = append(order, dir)
		}
		byDir[dir] = append(byDir[dir], f)
	}
	for _, dir := range order {
		dest, ok := destText(sc, dir)
		if !ok {
			return nil, false
		}
		lines = append(lines, kw+flags+" "+strings.Join(byDir[dir], " ")+" "+dest)
	}
	for _, d := range plan.dirs {
		dest, ok := destText(sc, d)
		if !ok {
			return nil, false
		}
		lines = append(lines, kw+flags+" "+d+" "+dest)
	}
	return lines, true
}

// destText writes the destination of a manifest COPY for the context path
// p (a file's directory, or a directory copied whole), in the style of the
// source COPY: relative to WORKDIR when it was written so.
func destText(sc *SourceCopy, p string) (string, bool) {
	rel := strings.TrimPrefix(strings.TrimPrefix(buildcontext.Clean(p), sc.Src), "/")
	if sc.Src == "." {
		rel = buildcontext.Clean(p)
	}
	if rel == "." {
		rel = ""
	}
	target := path.Join(sc.dest, rel)
	if sc.relDest {
		r := strings.TrimPrefix(strings.TrimPrefix(target, sc.wd), "/")
		if !stages.Under(target, sc.wd) {
			return "", false
		}
		if r == "" {
			return "./", true
		}
		return "./" + r + "/", true
	}
	if strings.HasPrefix(target, stages.UnknownWorkdir) {
		return "", false
	}
	return strings.TrimSuffix(target, "/") + "/", true
}

// itemText is the source text of item i of the RUN.
func itemText(doc *dockerfile.Document, dr *InstallRun, i int) string {
	s := dr.items[i].Stmt
	return string(doc.Src[dr.r.Src(shellparse.Offset(s.Pos())):dr.r.After(shellparse.Offset(s.End()))])
}

// withPrefetchFlags is the step's command with its prefetch flags added
// after the subcommand (poetry install --no-root).
func withPrefetchFlags(doc *dockerfile.Document, dr *InstallRun, step *Step) (string, bool) {
	call := step.cmd.Call
	if step.twice {
		// The command as it is written.
		return string(doc.Src[dr.r.Src(shellparse.Offset(call.Pos())):dr.r.After(shellparse.Offset(call.End()))]), true
	}
	for i, l := range step.cmd.Lits {
		if l == "install" {
			start := dr.r.Src(shellparse.Offset(call.Pos()))
			mid := dr.r.WordEnd(step.cmd.Args[i])
			end := dr.r.After(shellparse.Offset(call.End()))
			return string(doc.Src[start:mid]) + " " + step.prefetch + string(doc.Src[mid:end]), true
		}
	}
	return "", false
}
