package cachecleanup

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/lazyre"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
)

// Scripts a RUN executes that the Dockerfile put in the image (COPY, ADD,
// a bind mount): an `apt install` in them reads the lists an earlier RUN
// left as much as one in the RUN's own text does. A script counts as such
// a reader unless its text can be read (the build context is there, or a
// COPY heredoc shows it) and shows that it updates before it installs, or
// does not use the package manager at all.

// scriptUse is a command that runs a file put in the image by the
// Dockerfile which may read a package index before updating it.
type scriptUse struct {
	pos  int    // source offset of the command
	what string // "runs /tmp/x (COPY at line 3, not readable here)"
}

// shells are the programs that run a script given as their first operand.
var shells = []string{"sh", "bash", "dash", "ash", "ksh", "mksh", "zsh", "busybox"}

// executedFile is a file a command runs: its path as written (absolute,
// or relative to the RUN's working directory) and whether that directory
// is not known because the RUN changed it before.
type executedFile struct {
	c    *shellparse.Command
	path string
	rel  bool
	// onPath: a bare command name, looked up in stages.PathDirs.
	onPath bool
}

// executedFiles returns the files that the commands of a program run:
// a command name with a slash, the script operand of sh/bash/...,
// the operand of . and source, and bare names (looked up on PATH).
func executedFiles(cmds []*shellparse.Command) []executedFile {
	var out []executedFile
	cd := false
	for _, c := range cmds {
		if w := c.NameWord(); w != nil {
			if name, ok := shellparse.Lit(w); ok && name != "" {
				switch {
				case strings.Contains(name, "/"):
					out = append(out, executedFile{c: c, path: name, rel: cd && !strings.HasPrefix(name, "/")})
				case c.Name != "" && !strings.Contains(c.Name, "/") && c.Module == "":
					out = append(out, executedFile{c: c, path: name, onPath: true})
				}
			}
		}
		switch {
		case slices.Contains(shells, c.Name):
			if f := scriptOperand(c); f != "" {
				out = append(out, executedFile{c: c, path: f, rel: cd && !strings.HasPrefix(f, "/")})
			}
		case c.Name == "." || c.Name == "source":
			if len(c.Lits) > 0 && c.Static[0] && c.Lits[0] != "" {
				out = append(out, executedFile{c: c, path: c.Lits[0], rel: cd && !strings.HasPrefix(c.Lits[0], "/")})
			}
		case c.Name == "cd" || c.Name == "pushd" || c.Name == "popd":
			if !c.InSubshell {
				cd = true
			}
		}
	}
	return out
}

// scriptOperand returns the script that a shell command runs, or "" (sh -c
// runs a string; an operand that is not static cannot be told).
func scriptOperand(c *shellparse.Command) string {
	args := c.Lits
	if c.Name == "busybox" {
		if len(args) == 0 || !slices.Contains(shells, args[0]) || !c.Static[0] {
			return ""
		}
		args = args[1:]
	}
	for i := 0; i < len(args); i++ {
		v := args[i]
		switch {
		case !c.Static[len(c.Lits)-len(args)+i]:
			return ""
		case v == "--":
			if i+1 < len(args) && c.Static[len(c.Lits)-len(args)+i+1] {
				return args[i+1]
			}
			return ""
		case v == "-o" || v == "+o" || v == "-O" || v == "+O" || v == "--rcfile" || v == "--init-file":
			i++
		case strings.HasPrefix(v, "-") || strings.HasPrefix(v, "+"):
			if strings.Contains(strings.TrimLeft(v, "-+"), "c") && !strings.HasPrefix(v, "--") {
				return "" // -c: a command string
			}
		default:
			return v
		}
	}
	return ""
}

// scriptReads returns the first command of RUN r that runs a file the
// Dockerfile put in the image and that may read an index before updating
// it (use and update tell apt's lists or apk's index), or nil.
func scriptReads(ctx *analysis.Context, r *runs.Run, cmds []*shellparse.Command, manager string,
	use, update func(*shellparse.Command) bool) *scriptUse {
	lv := &lazyView{ctx: ctx}
	for _, ef := range executedFiles(cmds) {
		o, found := scriptOrigin(ctx, r.Ins, ef, lv)
		if !found {
			continue // from the base image or made by a RUN: not read here
		}
		if usesBeforeUpdate(r.Prog, func(x *shellparse.Command) bool { return x.Call == ef.c.Call }, update) < 0 {
			continue // it runs after the RUN's own update
		}
		text, readable := lv.text(o)
		start, _ := shellparse.Span(ef.c.Call)
		where := fmt.Sprintf("%s at line %d", strings.ToUpper(o.Ins.Cmd), ctx.Line(o.Ins.Span.Start))
		if o.Ins == r.Ins {
			where = "bound by its --mount"
		}
		switch {
		case !readable && len(o.Context) > 0 && lv.get() == nil:
			return &scriptUse{r.Src(start), fmt.Sprintf("runs %s (%s, from the build context, which is not available here)", ef.path, where)}
		case !readable:
			return &scriptUse{r.Src(start), fmt.Sprintf("runs %s (%s), whose content cannot be read", ef.path, where)}
		case scriptTextReads(text, manager, use, update):
			return &scriptUse{r.Src(start), fmt.Sprintf("runs %s (%s), which may use %s before its own update", ef.path, where, manager)}
		}
	}
	return nil
}

// lazyView is the build context's view, made when first asked for.
type lazyView struct {
	ctx  *analysis.Context
	view *buildcontext.View
	done bool
}

func (l *lazyView) get() *buildcontext.View {
	if !l.done {
		l.view, l.done = buildcontext.Of(l.ctx), true
	}
	return l.view
}

// text returns the text of the file o tells, from the Dockerfile (a
// heredoc) or the build context, and whether it could be read.
func (l *lazyView) text(o stages.Origin) (string, bool) {
	if o.Shown {
		return o.Content, true
	}
	if view := l.get(); view != nil {
		for _, p := range o.Context {
			if data, ok := view.ReadFile(p); ok {
				return string(data), true
			}
		}
	}
	return "", false
}

// scriptOrigin returns where the file that ef runs came from, when an
// instruction of the file put it there (see stages.CopiedTo): a path, or a
// bare name copied as itself into a directory of PATH. A bare name that a
// COPY of a directory into a directory of PATH may bring (COPY bin/
// /usr/local/bin/) counts when the build context is there and holds the
// file: without it, every command name would.
func scriptOrigin(ctx *analysis.Context, ins *dockerfile.Instruction, ef executedFile, lv *lazyView) (stages.Origin, bool) {
	if o, ok := scriptCopied(ctx, ins, ef, lv); ok {
		return o, true
	}
	// A COPY whose destination the file does not tell (COPY x /opt/$V/)
	// may have put it there: its content is not known.
	if !ef.onPath && ef.rel {
		return stages.Origin{}, false // relative to a directory the RUN changed to
	}
	if c := stages.MayHaveCopiedProgram(ctx.Doc, ins, ef.path); c != nil {
		return stages.Origin{Ins: c}, true
	}
	return stages.Origin{}, false
}

// scriptCopied is scriptOrigin for the COPY or ADD that stages.CopiedTo
// finds.
func scriptCopied(ctx *analysis.Context, ins *dockerfile.Instruction, ef executedFile, lv *lazyView) (stages.Origin, bool) {
	if !ef.onPath {
		return stages.CopiedTo(ctx.Doc, ins, ef.path, ef.rel)
	}
	if o, ok := stages.CopiedProgram(ctx.Doc, ins, ef.path); ok {
		return o, true
	}
	for _, dir := range stages.PathDirs {
		o, ok := stages.CopiedTo(ctx.Doc, ins, dir+"/"+ef.path, false)
		if !ok || len(o.Context) == 0 {
			continue
		}
		view := lv.get()
		if view == nil {
			return stages.Origin{}, false
		}
		for _, p := range o.Context {
			if data, ok := view.ReadFile(p); ok {
				o.Content, o.Shown = string(data), true
				return o, true
			}
		}
	}
	return stages.Origin{}, false
}

// scriptTextReads reports whether a script may read the index of manager
// ("apt" or "apk") before it updates it: read as a POSIX shell script when
// it is one; any other script (python, perl, a binary) that names the
// package manager at all counts.
func scriptTextReads(text, manager string, use, update func(*shellparse.Command) bool) bool {
	first, _, _ := strings.Cut(text, "\n")
	if !strings.HasPrefix(first, "#!") || shellShebang.MatchString(first) {
		if prog, err := shellparse.Parse(text); err == nil {
			// The package manager run by another command (xargs, sh -c,
			// su -c) reads as it does in a RUN.
			wrapped := func(c *shellparse.Command) bool {
				if manager == "apt" {
					return pkgmgr.OtherListReaderCmd(c, prog.Text(c.Call)) != ""
				}
				return pkgmgr.ApkRunBy(c, prog.Text(c.Call))
			}
			return usesBeforeUpdate(prog, func(c *shellparse.Command) bool { return use(c) || wrapped(c) }, update) >= 0
		}
	}
	return mentionRE.Get()[manager].MatchString(text)
}

var (
	shellShebang = lazyre.New(`^#!\s*(/usr)?/bin/(env\s+)?(ba|da|a|k|mk)?sh\b`)
	mentionRE    = lazy.Value[map[string]*regexp.Regexp]{New: func() map[string]*regexp.Regexp {
		return map[string]*regexp.Regexp{
			"apt": regexp.MustCompile(`\bapt(-get|-cache|itude)?\b`),
			"apk": regexp.MustCompile(`\bapk\b`),
		}
	}}
)

// onbuildRuns reports whether an ONBUILD RUN runs a file that an ONBUILD
// COPY or ADD of its stage chain may bring: what it brings comes from the
// build context of the image built FROM this one, which is not known
// here. It returns the source offset of the command, or -1.
func onbuildRuns(doc *dockerfile.Document, ins *dockerfile.Instruction) (int, string) {
	p := runs.Read(doc, ins)
	if p == nil {
		return -1, ""
	}
	var dests []string
	for st := ins.Stage; st != nil; st = st.Parent {
		for _, other := range st.Instructions {
			if other.Cmd == "onbuild" && (other.Onbuild() == "copy" || other.Onbuild() == "add") && len(other.Args) >= 2 {
				dests = append(dests, other.Args[len(other.Args)-1])
			}
		}
	}
	if len(dests) == 0 {
		return -1, ""
	}
	for _, ef := range executedFiles(shellparse.Commands(p.Prog)) {
		brought := false
		for _, d := range dests {
			switch {
			case strings.Contains(d, "$") || !strings.HasPrefix(d, "/"):
				brought = true // relative to a WORKDIR of the image built FROM this one
			case ef.onPath:
				brought = slices.Contains(stages.PathDirs, strings.TrimRight(d, "/")) || path.Base(d) == ef.path
			default:
				brought = !strings.HasPrefix(ef.path, "/") || stages.Under(path.Clean(ef.path), path.Clean(d))
			}
			if brought {
				break
			}
		}
		if brought {
			start, _ := shellparse.Span(ef.c.Call)
			return p.Src(start), fmt.Sprintf("runs %s, which an ONBUILD COPY or ADD may bring from the build context of the image built FROM this one", ef.path)
		}
	}
	return -1, ""
}

// scriptChange says why a file that RUN r runs (a command of cmds that
// starts between program offsets lo and hi, hi < 0 for the end) may change
// apt's sources or configuration, or "": a file the Dockerfile put in the
// image whose text cannot be read, or whose text names apt's configuration
// or adds sources as runChanges tells; or a path that no instruction of
// the file put there and that lies outside the directories of PATH (./x,
// /opt/tools/x: a script made or fetched by an earlier RUN, or from the
// base image, whatever its name). Programs named bare or in a directory of
// PATH that the Dockerfile did not put there are the base image's or a
// package's, and do not count; nor do scripts that the read script runs.
func scriptChange(ctx *analysis.Context, r *runs.Run, cmds []*shellparse.Command, lo, hi int) string {
	lv := &lazyView{ctx: ctx}
	line := ctx.Line(r.Ins.Span.Start)
	for _, ef := range executedFiles(cmds) {
		if at := shellparse.Offset(ef.c.Call.Pos()); at < lo || hi >= 0 && at >= hi {
			continue
		}
		o, found := scriptOrigin(ctx, r.Ins, ef, lv)
		if !found {
			if ef.onPath || slices.Contains(stages.PathDirs, path.Dir(path.Clean(ef.path))) {
				continue
			}
			return fmt.Sprintf("apt's sources or configuration may change before it: line %d runs %s, which may add sources", line, ef.path)
		}
		text, readable := lv.text(o)
		if !readable {
			return fmt.Sprintf("apt's sources or configuration may change before it: line %d runs %s (%s at line %d), whose content cannot be read",
				line, ef.path, strings.ToUpper(o.Ins.Cmd), ctx.Line(o.Ins.Span.Start))
		}
		if m := runChanges(ctx, r.Ins, text); m != "" {
			return fmt.Sprintf("apt's sources or configuration may change before it: line %d runs %s (%s at line %d), which may add sources",
				line, ef.path, strings.ToUpper(o.Ins.Cmd), ctx.Line(o.Ins.Span.Start))
		}
	}
	return ""
}
