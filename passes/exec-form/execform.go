package execform

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
	"mvdan.cc/sh/v3/syntax"
)

// configField is the image configuration field an instruction sets.
var configField = lazy.Value[map[string]string]{New: func() map[string]string {
	return map[string]string{"cmd": "Cmd", "entrypoint": "Entrypoint"}
}}

func run(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	var out []analysis.Finding
	for _, ins := range doc.Instructions {
		if (ins.Cmd != "cmd" && ins.Cmd != "entrypoint") || ins.JSON || ins.Stage == nil || !ins.POSIXShell() {
			continue
		}
		text, off := ins.ShellArgs()
		text = strings.TrimRight(text, " \t\r\n")
		if text == "" || doc.HasCommentLines(ins) {
			continue
		}
		prog, err := shellparse.Parse(text)
		if err != nil || len(prog.File.Stmts) != 1 || prog.HasComments() {
			continue
		}
		st := prog.File.Stmts[0]
		call, ok := st.Cmd.(*syntax.CallExpr)
		if !ok || st.Negated || st.Background || st.Coprocess || len(st.Redirs) > 0 || len(call.Assigns) > 0 || len(call.Args) == 0 {
			continue
		}
		name, ok := shellparse.Lit(call.Args[0])
		if !ok || name == "exec" || shellparse.IsBuiltin(name) {
			// exec already replaces the shell; a builtin needs the shell,
			// and one that also exists as a program (echo, printf, test,
			// kill, ...) would run the program, which may behave
			// otherwise (dash's echo reads backslash escapes).
			continue
		}
		start, end := ins.SrcOffset(off), ins.SrcOffset(off+len(text)-1)+1
		kw := strings.ToUpper(ins.Cmd)
		words, literal := shellparse.LiteralWords(call.Args)
		if literal && ins.Cmd == "cmd" && noEntrypointFor(doc, ins) && execsDirectly(ctx, ins, name) {
			out = append(out, analysis.Finding{Pos: ins.Span.Start, End: ins.ContentEnd(),
				Message: fmt.Sprintf("shell-form %s runs under /bin/sh -c, which does not pass signals to the program", kw),
				Fix: &analysis.Fix{Message: "use the exec form",
					Edits:   []analysis.Edit{analysis.Replace(start, end, dockerfile.JSONArray(words))},
					Changes: []string{configField.Get()[ins.Cmd]}}})
			continue
		}
		out = append(out, analysis.Finding{Pos: ins.Span.Start, End: ins.ContentEnd(),
			Message: fmt.Sprintf("shell-form %s runs under /bin/sh -c, which does not pass signals to the program", kw),
			Fix: &analysis.Fix{Message: "exec the program from the shell",
				Edits:   []analysis.Edit{analysis.Insert(start, "exec ")},
				Changes: []string{configField.Get()[ins.Cmd]}}})
	}
	return out
}

// noEntrypointFor reports whether no ENTRYPOINT applies to a CMD: none in
// its stage or the stages it derives from, and a base image known to set
// none. A stage built FROM this one that sets an ENTRYPOINT would also get
// the CMD as arguments: such a CMD is left in shell form too.
func noEntrypointFor(doc *dockerfile.Document, ins *dockerfile.Instruction) bool {
	if known, ep := stages.Entrypoint(ins.Stage); !known || ep != nil {
		return false
	}
	for _, st := range doc.Stages {
		if st != ins.Stage && stages.Descends(st, ins.Stage) && stages.Last(st, "entrypoint") != nil {
			return false
		}
	}
	return true
}

// execsDirectly reports whether the kernel can run the program that a CMD
// names without a shell: a file that starts with #! or is an ELF binary.
// The shell runs a file without a #! line as a shell script (execve fails
// with ENOEXEC, and sh, also its exec, falls back to running it itself);
// in exec form the container fails to start with "exec format error". A
// program that a COPY or ADD put in the image counts when its content is
// shown (COPY <<EOF) or the build context has it; one that no COPY or ADD
// put there counts when it is looked up in PATH or named in a directory of
// the default PATH, where packages install programs. A path elsewhere (a
// script that a RUN wrote, a file from an image or an archive) does not.
func execsDirectly(ctx *analysis.Context, ins *dockerfile.Instruction, name string) bool {
	o, copied := stages.CopiedProgram(ctx.Doc, ins, name)
	if !copied {
		return !strings.Contains(name, "/") ||
			(path.IsAbs(name) && slices.Contains(stages.PathDirs, path.Dir(path.Clean(name))))
	}
	if o.Shown {
		return runnable([]byte(o.Content))
	}
	view := buildcontext.Of(ctx)
	if view == nil {
		return false
	}
	for _, p := range o.Context {
		if head, ok := view.ReadHead(p, 4); ok {
			return runnable(head)
		}
	}
	return false
}

// runnable reports whether a file's first bytes are a #! line or the ELF
// magic number.
func runnable(head []byte) bool {
	return strings.HasPrefix(string(head), "#!") || strings.HasPrefix(string(head), "\x7fELF")
}
