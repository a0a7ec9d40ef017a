package runs

import (
	"path"
	"strings"
	"unicode"

	"github.com/dfopt/dfopt/internal/lazyre"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/shellparse"
)

// Program is a shell program that a RUN hands to a POSIX shell and that
// parsed: its shell form, or the body of a RUN made of a single heredoc
// (`RUN <<EOF`), which buildkit runs as a script.
type Program struct {
	Ins  *dockerfile.Instruction
	Prog *shellparse.Program
	Run  *Run // shell form; nil for a heredoc body
	Body int  // heredoc body: source offset of the program's first byte
}

// Src maps an offset in the program to the source.
func (p *Program) Src(off int) int {
	if p.Run != nil {
		return p.Run.Src(off)
	}
	return p.Body + off
}

// After maps the end of a program range to the source position just after
// its last byte.
func (p *Program) After(end int) int {
	if p.Run != nil {
		return p.Run.After(end)
	}
	return p.Body + end
}

// Finding is a finding about the program range [start, end).
func (p *Program) Finding(start, end int, msg string) analysis.Finding {
	if end <= start {
		end = start + 1
	}
	return analysis.Finding{Pos: p.Src(start), End: p.After(end), Message: msg}
}

var bareHeredocRE = lazyre.New(`^<<-?(?:'[^']*'|"[^"]*"|[^\s'"<>;&|]+)$`)

// Read returns the program of a RUN when its shell can be read: shell
// form under a POSIX shell, and either no heredoc or a single heredoc that is
// the whole command, whose body is a shell script and is passed on as
// written (so that offsets in it are offsets in the file); or an ONBUILD
// RUN in shell form without flags. It returns nil otherwise, including when
// the program does not parse.
func Read(doc *dockerfile.Document, ins *dockerfile.Instruction) *Program {
	if ins.Cmd == "onbuild" {
		return readOnbuildRun(ins)
	}
	if ins.Cmd != "run" || ins.JSON || !ins.POSIXShell() {
		return nil
	}
	if len(ins.Heredocs()) == 0 {
		r, _ := Parse(ins)
		if r == nil {
			return nil
		}
		return &Program{Ins: ins, Prog: r.Prog, Run: r}
	}
	sr := Script(doc, ins)
	if sr == nil {
		return nil
	}
	return &Program{Ins: ins, Prog: sr.Prog, Body: sr.Start}
}

// readOnbuildRun reads the program of an `ONBUILD RUN` in shell form
// without flags or heredocs.
func readOnbuildRun(ins *dockerfile.Instruction) *Program {
	if ins.Onbuild() != "run" || ins.JSON || len(ins.Flags) > 0 || len(ins.Heredocs()) > 0 || !ins.POSIXShell() {
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
	r := &Run{Ins: ins, Prog: prog, Start: off + start}
	return &Program{Ins: ins, Prog: prog, Run: r}
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

// MayHold reports whether the program of the RUN or ONBUILD RUN ins may
// hold a word that is or contains one of words (a command name, an
// option): it does not when neither its text nor its heredoc bodies hold
// one of them, nor a quote or a backslash, with which a word can be
// written otherwise (c'u'rl, $'\x63url', \sudo), nor a NUL byte, which the
// shell's parser passes over (su<NUL>do is sudo). In a text without them,
// the static part of a word is written as it is. A quick test that spares
// parsing the shell of a RUN that a pass would find nothing in.
func MayHold(ins *dockerfile.Instruction, words ...string) bool {
	texts := []string{ins.Text}
	for _, h := range ins.Heredocs() {
		texts = append(texts, h.Content)
	}
	for _, t := range texts {
		if strings.ContainsAny(t, "'\"\\\x00") {
			return true
		}
		for _, w := range words {
			if strings.Contains(t, w) {
				return true
			}
		}
	}
	return false
}
