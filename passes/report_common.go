package passes

import (
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/shellparse"
)

// runProgram is a shell program that a RUN hands to a POSIX shell and that
// parsed: its shell form, or the body of a RUN made of a single heredoc
// (`RUN <<EOF`), which buildkit runs as a script.
type runProgram struct {
	ins  *dockerfile.Instruction
	prog *shellparse.Program
	run  *shellRun // shell form; nil for a heredoc body
	body int       // heredoc body: source offset of the program's first byte
}

// src maps an offset in the program to the source.
func (p *runProgram) src(off int) int {
	if p.run != nil {
		return p.run.src(off)
	}
	return p.body + off
}

// after maps the end of a program range to the source position just after
// its last byte.
func (p *runProgram) after(end int) int {
	if p.run != nil {
		return p.run.after(end)
	}
	return p.body + end
}

// finding is a finding about the program range [start, end).
func (p *runProgram) finding(start, end int, msg string) analysis.Finding {
	if end <= start {
		end = start + 1
	}
	return analysis.Finding{Pos: p.src(start), End: p.after(end), Message: msg}
}

var bareHeredocRE = regexp.MustCompile(`^<<-?(?:'[^']*'|"[^"]*"|[^\s'"<>;&|]+)$`)

// readRun returns the program of a RUN when its shell can be read: shell
// form under a POSIX shell, and either no heredoc or a single heredoc that is
// the whole command, whose body is a shell script and is passed on as
// written (so that offsets in it are offsets in the file); or an ONBUILD
// RUN in shell form without flags. It returns nil otherwise, including when
// the program does not parse.
func readRun(doc *dockerfile.Document, ins *dockerfile.Instruction) *runProgram {
	if ins.Cmd == "onbuild" {
		return readOnbuildRun(ins)
	}
	if ins.Cmd != "run" || ins.JSON || !ins.POSIXShell() {
		return nil
	}
	if len(ins.Heredocs) == 0 {
		r, _ := parseRun(ins)
		if r == nil {
			return nil
		}
		return &runProgram{ins: ins, prog: r.prog, run: r}
	}
	args, _ := ins.ShellArgs()
	if len(ins.Heredocs) != 1 || !bareHeredocRE.MatchString(strings.TrimSpace(args)) {
		return nil
	}
	h := ins.Heredocs[0]
	if h.Body.Start < 0 || h.Body.End > len(doc.Src) || h.Body.Start > h.Body.End ||
		string(doc.Src[h.Body.Start:h.Body.End]) != h.Content || !shellScript(h.Content) {
		return nil
	}
	prog, err := shellparse.Parse(h.Content)
	if err != nil || len(prog.File.Stmts) == 0 {
		return nil
	}
	return &runProgram{ins: ins, prog: prog, body: h.Body.Start}
}

// readOnbuildRun reads the program of an `ONBUILD RUN` in shell form
// without flags or heredocs.
func readOnbuildRun(ins *dockerfile.Instruction) *runProgram {
	if ins.Onbuild != "run" || ins.JSON || len(ins.Flags) > 0 || len(ins.Heredocs) > 0 || !ins.POSIXShell() {
		return nil
	}
	args, off := ins.ShellArgs()
	kw := 0
	for kw < len(args) && !isBlank(args[kw]) {
		kw++
	}
	if !strings.EqualFold(args[:kw], "run") {
		return nil
	}
	start := kw
	for start < len(args) && isBlank(args[start]) {
		start++
	}
	text := strings.TrimRightFunc(args[start:], unicode.IsSpace)
	if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "--") {
		return nil
	}
	prog, err := shellparse.Parse(text)
	if err != nil || len(prog.File.Stmts) == 0 {
		return nil
	}
	r := &shellRun{ins: ins, prog: prog, start: off + start}
	return &runProgram{ins: ins, prog: prog, run: r}
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' }

// shellScript reports whether a heredoc script runs in a POSIX shell: it
// has no #! line, or one that names such a shell.
func shellScript(content string) bool {
	line, ok := strings.CutPrefix(content, "#!")
	if !ok {
		return true
	}
	line, _, _ = strings.Cut(line, "\n")
	f := strings.Fields(line)
	if len(f) == 0 {
		return false
	}
	exe := path.Base(f[0])
	if exe == "env" {
		i := 1
		for i < len(f) && strings.HasPrefix(f[i], "-") {
			i++
		}
		if i == len(f) {
			return false
		}
		exe = path.Base(f[i])
	}
	return dockerfile.IsPOSIXShell(exe)
}

// globalArgs returns the default values of the ARGs declared before the
// first FROM; an ARG without a default is absent.
func globalArgs(doc *dockerfile.Document) map[string]string {
	out := map[string]string{}
	for _, ins := range doc.Instructions {
		if ins.Cmd == "from" {
			break
		}
		if ins.Cmd != "arg" {
			continue
		}
		for _, a := range ins.Args {
			name, val, ok := strings.Cut(a, "=")
			if !ok {
				delete(out, name)
				continue
			}
			out[name] = dockerfile.Unquote(val)
		}
	}
	return out
}

var argRefRE = regexp.MustCompile(`\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))`)

// expandGlobal replaces $NAME and ${NAME} in s by the defaults of global
// ARGs. It returns false when s uses anything else (${NAME:-x}, an ARG
// without a default, a default that itself holds a variable) or an escape.
func expandGlobal(s string, args map[string]string) (string, []string, bool) {
	if !strings.Contains(s, "$") {
		return s, nil, !strings.ContainsAny(s, "\\`")
	}
	ok := true
	var used []string
	out := argRefRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := argRefRE.FindStringSubmatch(m)
		name := sub[1] + sub[2]
		v, found := args[name]
		if !found || strings.ContainsAny(v, "$\\`") {
			ok = false
			return ""
		}
		if !slices.Contains(used, name) {
			used = append(used, name)
		}
		return v
	})
	if !ok || strings.ContainsAny(out, "$\\`") {
		return "", nil, false
	}
	return out, used, true
}

// resolvedBase is the image (or stage) a stage is built from, with global
// ARGs expanded.
type resolvedBase struct {
	name   string   // "" when it cannot be worked out
	args   []string // the ARGs that were expanded
	parent *dockerfile.Stage
}

// stageBase works out what stage st is built from.
func stageBase(doc *dockerfile.Document, st *dockerfile.Stage, globals map[string]string) resolvedBase {
	if st.Parent != nil {
		return resolvedBase{name: st.Base, parent: st.Parent}
	}
	name, used, ok := expandGlobal(st.Base, globals)
	if !ok || name == "" {
		return resolvedBase{}
	}
	rb := resolvedBase{name: name, args: used}
	if len(used) > 0 {
		for _, other := range doc.Stages {
			if other.Index >= st.Index {
				break
			}
			if other.Name != "" && other.Name == strings.ToLower(name) {
				rb.parent = other
			}
		}
	}
	return rb
}

// imageRef splits an image reference into its name, tag and digest.
func imageRef(ref string) (name, tag, digest string) {
	name, digest, _ = strings.Cut(ref, "@")
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		name, tag = name[:i], name[i+1:]
	}
	return name, tag, digest
}
