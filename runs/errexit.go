package runs

import (
	"strings"

	"github.com/dfopt/dfopt/shellparse"
	"mvdan.cc/sh/v3/syntax"
)

// Errexit: whether a failing command stops the RUN. Under set -e a failing
// simple command ends the shell, but one on the left of && or || does not,
// so an edit that puts a command on the left of && changes what its
// failure does wherever errexit may be on.

// MayErrexit reports whether errexit may be on anywhere in the RUN: its
// SHELL or #! line turns it on, or the program runs set with -e, -o
// errexit or options that are not literal.
func (r *Run) MayErrexit() bool {
	if r.startsErrexit() {
		return true
	}
	on, _ := setErrexit(r.Prog)
	return on
}

// ErrexitAt reports whether errexit is on for sure when the top-level
// statement that starts at program offset off runs: the SHELL or #! line
// turns it on, or a top-level set -e runs before it, and nothing in the
// program may turn it off again.
func (r *Run) ErrexitAt(off int) bool {
	if _, off2 := setErrexit(r.Prog); off2 {
		return false
	}
	if r.startsErrexit() {
		return true
	}
	for _, s := range r.Prog.File.Stmts {
		if shellparse.Offset(s.Pos()) >= off {
			break
		}
		call, ok := s.Cmd.(*syntax.CallExpr)
		if !ok || s.Negated || s.Background {
			continue
		}
		if c := shellparse.Resolve(call); c != nil && c.Name == "set" && len(c.Wrappers) == 0 {
			for i := range c.Lits {
				if c.Static[i] && errexitOption(c.Lits, i, '-') {
					return true
				}
			}
		}
	}
	return false
}

// startsErrexit reports whether the RUN's shell starts with errexit on:
// a SHELL with -e, or a script whose #! line has it.
func (r *Run) startsErrexit() bool {
	if r.script {
		return r.Shebang != "" && r.ScriptErrexit()
	}
	sh := r.Ins.Shell()
	for i, a := range sh {
		if i == 0 {
			continue
		}
		if a == "-o" && i+1 < len(sh) && sh[i+1] == "errexit" {
			return true
		}
		if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a, "e") {
			return true
		}
	}
	return false
}

// setErrexit reports whether the program may turn errexit on (set -e, set
// -o errexit, set with options that are not literal) and whether it may
// turn it off (set +e, set +o errexit, or options that are not literal),
// anywhere.
func setErrexit(p *shellparse.Program) (on, off bool) {
	for _, c := range shellparse.Commands(p) {
		if c.Name != "set" {
			continue
		}
		for i := range c.Lits {
			if !c.Static[i] {
				on, off = true, true
				continue
			}
			if errexitOption(c.Lits, i, '-') {
				on = true
			}
			if errexitOption(c.Lits, i, '+') {
				off = true
			}
		}
	}
	return on, off
}

// errexitOption reports whether argument i of set turns errexit on (sign
// '-') or off ('+'): -e in a cluster of flags, or -o errexit.
func errexitOption(args []string, i int, sign byte) bool {
	v := args[i]
	if len(v) < 2 || v[0] != sign || v[1] == sign {
		return false
	}
	if v[1:] == "o" {
		return i+1 < len(args) && args[i+1] == "errexit"
	}
	return strings.Contains(v[1:], "e")
}
