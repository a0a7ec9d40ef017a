package shellparse

import (
	"mvdan.cc/sh/v3/syntax"

	"github.com/dfopt/dfopt/internal/lazy"
)

// Shell builtins, and where a shell runs a program in place of itself.

// shellOnlyBuiltins are builtins of POSIX shells, dash, bash and busybox
// ash with no program of the same name: only a shell can run them.
var shellOnlyBuiltins = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"cd": true, "export": true, "source": true, ".": true, "set": true, "unset": true,
		"eval": true, "trap": true, "ulimit": true, "umask": true, "alias": true, "unalias": true, "shift": true,
		"wait": true, "read": true, "getopts": true, "hash": true, "type": true, "command": true,
		"exit": true, "return": true, "exec": true, "readonly": true, "local": true, "declare": true,
		"typeset": true, "let": true, "builtin": true, "jobs": true, "fg": true, "bg": true, "break": true,
		"continue": true, ":": true, "times": true, "shopt": true, "enable": true, "pushd": true, "popd": true,
		"dirs": true, "mapfile": true, "readarray": true, "suspend": true, "logout": true, "disown": true,
		"compgen": true, "complete": true, "fc": true, "history": true,
	}
}}

// programBuiltins are builtins that also exist as programs (coreutils,
// procps, util-linux): the shell runs its builtin, which can behave
// differently from the program (dash's echo reads backslash escapes,
// /bin/echo does not), so naming one outside a shell runs something else.
var programBuiltins = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"echo": true, "printf": true, "test": true, "[": true, "true": true, "false": true,
		"kill": true, "pwd": true, "time": true,
	}
}}

// IsBuiltin reports whether a command name is a shell builtin (in dash,
// bash or busybox ash), whether or not a program of the same name exists.
func IsBuiltin(name string) bool { return shellOnlyBuiltins.Get()[name] || programBuiltins.Get()[name] }

// IsShellOnly reports whether a command name is a builtin that no program
// shares.
func IsShellOnly(name string) bool { return shellOnlyBuiltins.Get()[name] }

// ExecPoint tells where "exec " goes so that a shell running program p (as
// sh -c does) replaces itself with the program p ends with, instead of
// running it as a child: before the last command of p, when p is one
// and-list (a single command, or commands joined with &&, nothing after
// it) whose last command is a simple command of a program (not a builtin,
// not a function, without variable assignments in front). done reports
// that the last command already is an exec. ok is false otherwise, and why
// says what is in the way.
func ExecPoint(p *Program) (offset int, done, ok bool, why string) {
	stmts := p.File.Stmts
	if len(stmts) != 1 {
		return 0, false, false, "it is a list of commands"
	}
	if stmts[0].Background || stmts[0].Coprocess {
		return 0, false, false, "it runs in the background"
	}
	items := Chain(stmts)
	funcs := false
	Walk(p.File, func(n syntax.Node) bool {
		if _, is := n.(*syntax.FuncDecl); is {
			funcs = true
		}
		return !funcs
	})
	if funcs {
		return 0, false, false, "it defines a function"
	}
	for i, it := range items {
		if it.Stmt.Background || it.Stmt.Coprocess {
			return 0, false, false, "it starts a job in the background"
		}
		if i < len(items)-1 && it.Op != OpAnd {
			return 0, false, false, "its commands are joined by something else than &&"
		}
	}
	for _, c := range Commands(p) {
		if c.Name == "trap" {
			return 0, false, false, "it sets a trap, which exec would skip"
		}
	}
	last := items[len(items)-1].Stmt
	call, is := last.Cmd.(*syntax.CallExpr)
	if !is || last.Negated {
		return 0, false, false, "its last command is not a simple command"
	}
	if len(call.Assigns) > 0 {
		return 0, false, false, "its last command sets variables for itself"
	}
	if len(call.Args) == 0 {
		return 0, false, false, "its last command only sets variables"
	}
	name, static := Lit(call.Args[0])
	switch {
	case !static:
		return 0, false, false, "the name of its last command is not literal"
	case name == "exec":
		return 0, true, true, ""
	case IsBuiltin(name):
		return 0, false, false, "its last command, " + name + ", is a shell builtin"
	}
	return Offset(call.Args[0].Pos()), false, true, ""
}
