package cachecleanup

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/runs"
)

// Heredoc scripts (RUN <<EOF) are read and cleaned like the shell form:
// runs.Script reads the body as the program BuildKit runs, and
// runs.Run.AppendEdit joins the cleanup to the script's last command with
// &&, on its line, so the script's exit status and its behaviour under
// set -e stay what they were (a line of its own would make rm's status the
// script's, and would run after a failing last line).

// readRun returns the program of a RUN that cache-cleanup reads: the shell
// form, or a heredoc script; nil otherwise.
func readRun(doc *dockerfile.Document, ins *dockerfile.Instruction) *runs.Run {
	if r, _ := runs.Parse(ins); r != nil {
		return r
	}
	return runs.Script(doc, ins)
}

// scriptFacts adjusts the facts of a heredoc script for the interpreter
// its #! line names: a script run by zsh expands globs as zsh does.
func scriptFacts(f *runFacts) {
	fields := strings.Fields(f.r.Shebang)
	for i, w := range fields {
		if i > 0 && strings.HasPrefix(w, "-") {
			continue
		}
		if path.Base(w) == "zsh" {
			f.globs = false
		}
	}
}

// instructionText is the text of an instruction that cache-cleanup reads
// as text (its shell cannot be parsed): its command line and its heredoc
// bodies, and a map from an offset in it to the source.
func instructionText(ins *dockerfile.Instruction) (string, func(int) int) {
	if len(ins.Heredocs()) == 0 {
		return ins.Text, ins.SrcOffset
	}
	var b strings.Builder
	b.WriteString(ins.Text)
	starts := make([]int, len(ins.Heredocs()))
	for i, h := range ins.Heredocs() {
		b.WriteByte('\n')
		starts[i] = b.Len()
		b.WriteString(h.Content)
	}
	return b.String(), func(off int) int {
		for i := len(starts) - 1; i >= 0; i-- {
			if off >= starts[i] {
				if h := ins.Heredocs()[i]; h.Body.Start >= 0 && off-starts[i] < h.Body.Len() {
					return h.Body.Start + off - starts[i]
				}
				return ins.Span.Start
			}
		}
		if off >= len(ins.Text) {
			return ins.Span.Start
		}
		return ins.SrcOffset(off)
	}
}
