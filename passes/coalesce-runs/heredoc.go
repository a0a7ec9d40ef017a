package coalesceruns

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/runs"
)

// Heredoc scripts. A RUN made of one heredoc with no #! line is a script
// that BuildKit hands to the SHELL as its command string, as it does the
// shell form: its exit status is its last command's, and it starts in the
// same state. So one-line shell-form RUNs next to it are merged into it by
// the same rules as two shell-form RUNs, written on lines of their own in
// the script:
//
//	RUN useradd app            RUN <<EOF
//	RUN <<EOF                  useradd app &&
//	set -eux             =>    {
//	apt-get update             set -eux
//	EOF                        apt-get update
//	                           }
//	                           EOF
//
// The script's own lines stay as they are. A group holds one script at
// most, and the RUNs merged into it are one line each (their text is then
// the shell's: no continuation lines or comments inside them to carry).
// Scripts with a #! line (which picks another interpreter) or with
// carriage returns are not merged. A script with a here-document of its
// own takes the RUNs after it in braces, closed on a line of their own:
// "EOT &&" would not end its here-document.

// readable reports whether ins can be a member of a group: a shell-form
// RUN whose shell can be read, or a heredoc script.
func readable(doc *dockerfile.Document, ins *dockerfile.Instruction) bool {
	return runs.Readable(ins) || scriptRun(doc, ins) != nil
}

// scriptRun returns the program of a heredoc script that may be merged, or
// nil.
func scriptRun(doc *dockerfile.Document, ins *dockerfile.Instruction) *runs.Run {
	if ins.Cmd != "run" || len(ins.Heredocs()) != 1 || doc.CRLF {
		return nil
	}
	sr := runs.Script(doc, ins)
	if sr == nil || sr.Shebang != "" || strings.Contains(sr.Prog.Src, "\r") {
		return nil
	}
	return sr
}

// analyzeScript reads a heredoc script as a member of a group, or returns
// nil.
func analyzeScript(doc *dockerfile.Document, ins *dockerfile.Instruction) *runInfo {
	sr := scriptRun(doc, ins)
	if sr == nil {
		return nil
	}
	r := analyzeProgram(ins, sr)
	r.script = sr
	// A comment line after the script's last command is harmless: only a
	// comment on that command's own line would swallow what follows it.
	end := sr.Prog.ContentEnd()
	line := sr.Prog.Src[end:]
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	r.comment = strings.Contains(line, "#")
	return r
}

// oneLine reports whether a shell-form RUN is written on one line, so that
// its program's text is the text the shell runs.
func (r *runInfo) oneLine() bool {
	return r.script == nil && r.ins.StartLine == r.ins.EndLine
}

// scriptCanFollow reports whether r may join group as far as scripts are
// concerned: one script per group, and only one-line RUNs with it.
func scriptCanFollow(group []*runInfo, r *runInfo) bool {
	hasScript, allOneLine := false, true
	for _, g := range group {
		hasScript = hasScript || g.script != nil
		allOneLine = allOneLine && (g.script != nil || g.oneLine())
	}
	switch {
	case r.script != nil:
		return !hasScript && allOneLine
	case hasScript:
		return r.oneLine()
	}
	return true
}

// hasScript reports whether a group holds a heredoc script.
func hasScript(group []*runInfo) bool {
	for _, r := range group {
		if r.script != nil {
			return true
		}
	}
	return false
}

// mergeIntoScript merges the one-line RUNs of group into its heredoc
// script.
func mergeIntoScript(ctx *analysis.Context, group []*runInfo) analysis.Finding {
	doc := ctx.Doc
	n := len(group)
	h := 0
	for i, r := range group {
		if r.script != nil {
			h = i
		}
	}
	H := group[h]
	hd := H.ins.Heredocs()[0]
	indent := scriptIndent(H.script.Prog.Src)
	var edits []analysis.Edit
	var isolated []string
	note := func(r *runInfo, pre string) {
		if pre == "( " {
			isolated = append(isolated, fmt.Sprintf("line %d (%s)", ctx.Line(r.ins.Span.Start), r.leaks[0].Kind))
		}
	}
	// piece is the text of a one-line RUN at position i of the group.
	piece := func(i int) string {
		r := group[i]
		pre, post, dropSemi := r.wrap(i == 0, i == n-1)
		note(r, pre)
		src := r.prog.Src
		if dropSemi {
			src = strings.TrimRightFunc(src[:r.semi], unicode.IsSpace)
		}
		return indent + pre + src + post
	}
	pre, _, dropSemi := H.wrap(h == 0, h == n-1)
	if pre == "" && h < n-1 && H.script.Prog.HasHeredoc() {
		// "EOT &&" would not close a here-document of the script: the
		// RUNs after it go after a brace on a line of its own.
		pre, dropSemi = "{ ", false
	}
	note(H, pre)
	// The RUNs before the script go at the start of its body, and the
	// wrapper of its own lines opens there.
	var start strings.Builder
	for i := 0; i < h; i++ {
		start.WriteString(piece(i))
		start.WriteString(" &&\n")
		for _, c := range commentLines(doc, group[i].ins.Span.End, group[i+1].ins.Span.Start) {
			start.WriteString(c)
		}
	}
	start.WriteString(blockOpen(pre, indent))
	if h > 0 {
		edits = append(edits, analysis.Delete(group[0].ins.Span.Start, H.ins.Span.Start))
	}
	if start.Len() > 0 {
		edits = append(edits, analysis.Insert(hd.Body.Start, start.String()))
	}
	// The script's own end, and the RUNs after it.
	at := H.script.Prog.ContentEnd()
	if dropSemi && pre == "" {
		at = H.semi // "a;" takes "&& b" before its ';'
	}
	var b strings.Builder
	if pre != "" {
		b.WriteString("\n" + indent + blockClose(pre))
	}
	for i := h + 1; i < n; i++ {
		b.WriteString(" &&\n")
		for _, c := range commentLines(doc, group[i-1].ins.Span.End, group[i].ins.Span.Start) {
			b.WriteString(c)
		}
		b.WriteString(piece(i))
	}
	if b.Len() > 0 {
		edits = append(edits, analysis.Insert(H.script.Src(at), b.String()))
	}
	if h < n-1 {
		edits = append(edits, analysis.Delete(H.ins.Span.End, group[n-1].ins.Span.End))
	}
	msg := fmt.Sprintf("%d consecutive RUN instructions can be combined into one (into the heredoc script of line %d)", n, ctx.Line(H.ins.Span.Start))
	if len(isolated) > 0 {
		msg += "; " + strings.Join(isolated, ", ") + " kept in a subshell because it changes shell state"
	}
	f := analysis.Finding{Pos: group[0].ins.Span.Start, End: group[n-1].ins.ContentEnd(), Message: msg}
	if delimiterLine(edits, hd) {
		f.Message += " (not fixed: a line of the merged script would end the heredoc)"
		return f
	}
	f.Fix = &analysis.Fix{Message: fmt.Sprintf("merge %d RUN instructions into the heredoc script", n), Edits: edits}
	return f
}

// blockOpen is the line that opens the script's body when a wrapper goes
// around it (pre is runInfo.wrap's), or "".
func blockOpen(pre, indent string) string {
	switch pre {
	case "( ":
		return indent + "(\n"
	case "{ ":
		return indent + "{\n"
	}
	return ""
}

// blockClose closes what blockOpen opened.
func blockClose(pre string) string {
	if pre == "( " {
		return ")"
	}
	return "}"
}

// scriptIndent is the indentation of the script's first command line, in
// which the merged lines are written.
func scriptIndent(src string) string {
	for _, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		if trimmed != "" && !strings.HasPrefix(trimmed, "#") {
			return line[:len(line)-len(trimmed)]
		}
	}
	return ""
}

// delimiterLine reports whether an inserted line would read as the
// heredoc's closing delimiter.
func delimiterLine(edits []analysis.Edit, hd dockerfile.Heredoc) bool {
	for _, e := range edits {
		for _, line := range strings.Split(e.NewText, "\n") {
			if hd.Chomp {
				line = strings.TrimLeft(line, "\t")
			}
			if line == hd.Name {
				return true
			}
		}
	}
	return false
}
