package dockerignore

import (
	"path"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/manifests"
	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
)

// command is a command of a RUN.
type command struct {
	name   string // base name (the module for python -m)
	word   string // the name as written
	args   []string
	static bool // every argument is static
	sc     *shellparse.Command
}

// runCmds returns the commands of a RUN; ok is false when they cannot be
// read (heredocs other than a script, a shell that is not POSIX, ...).
func runCmds(doc *dockerfile.Document, ins *dockerfile.Instruction) ([]command, bool) {
	if ins.Cmd != "run" {
		return nil, false
	}
	if ins.JSON {
		if len(ins.Args) == 0 || len(ins.Heredocs()) > 0 {
			return nil, false
		}
		return []command{{name: path.Base(ins.Args[0]), word: ins.Args[0], args: ins.Args[1:], static: true}}, true
	}
	p := runs.Read(doc, ins)
	if p == nil {
		return nil, false
	}
	var out []command
	for _, c := range shellparse.Commands(p.Prog) {
		d := command{name: c.Name, args: c.Lits, static: true, sc: c}
		if w := c.NameWord(); w != nil {
			d.word, _ = shellparse.Lit(w)
		}
		for _, ok := range c.Static {
			d.static = d.static && ok
		}
		out = append(out, d)
	}
	return out, true
}

// operands returns the arguments that are not options.
func (c command) operands() []string {
	var out []string
	for _, a := range c.args {
		if !strings.HasPrefix(a, "-") {
			out = append(out, a)
		}
	}
	return out
}

func (c command) has(args ...string) bool {
	for _, a := range c.args {
		for _, x := range args {
			if a == x || strings.HasPrefix(a, x+"=") {
				return true
			}
		}
	}
	return false
}

func (c command) first() string {
	if ops := c.operands(); len(ops) > 0 {
		return ops[0]
	}
	return ""
}

// changesDir reports whether a RUN moves to another directory, so that
// where its commands run is not its WORKDIR.
func changesDir(cmds []command) bool {
	for _, c := range cmds {
		if c.name == "cd" || c.name == "pushd" || (c.sc != nil && c.sc.HasWrapper("env") && c.has("-C", "--chdir")) {
			return true
		}
	}
	return false
}

// nodeInstall reports whether a command installs a project's node modules
// in its working directory.
func nodeInstall(c command) bool {
	if c.sc == nil || c.sc.Conditional {
		return false
	}
	st, _ := manifests.Classify(c.sc)
	return st != nil && slices.Contains(st.Outputs, "node_modules")
}

// reconciles returns the install of a RUN that installs node modules on
// top of what is there (npm install, yarn, pnpm install), nil when every
// install of the RUN starts from an empty node_modules (npm ci).
func (a *build) reconciles(o *dockerfile.Instruction) *manifests.Step {
	cmds, _ := runCmds(a.doc, o)
	for _, c := range cmds {
		if !nodeInstall(c) {
			continue
		}
		if st, _ := manifests.Classify(c.sc); st != nil && !st.StartsFresh() {
			return st
		}
	}
	return nil
}

// installsAt returns the RUNs of the stage and the stages it is built on
// that install node modules in dir (exactly, with no cd).
func (a *build) installsAt(st *dockerfile.Stage, dir string) []*dockerfile.Instruction {
	var out []*dockerfile.Instruction
	for s := st; s != nil; s = s.Parent {
		for _, o := range s.Instructions {
			cmds, ok := runCmds(a.doc, o)
			if !ok || changesDir(cmds) || stages.WorkdirAt(o) != dir {
				continue
			}
			for _, c := range cmds {
				if nodeInstall(c) {
					out = append(out, o)
					break
				}
			}
		}
	}
	return out
}

func (a *build) installsAnywhere() bool {
	for _, o := range a.doc.Instructions {
		cmds, _ := runCmds(a.doc, o)
		for _, c := range cmds {
			if nodeInstall(c) {
				return true
			}
		}
	}
	return false
}

var benignCommands = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"apt-get": true, "apt": true, "apt-cache": true, "apt-key": true, "apk": true, "yum": true, "dnf": true,
		"microdnf": true, "tdnf": true, "zypper": true, "dpkg": true, "rpm": true, "dpkg-reconfigure": true,
		"useradd": true, "adduser": true, "groupadd": true, "addgroup": true, "usermod": true, "groupmod": true,
		"userdel": true, "deluser": true, "chown": true, "chmod": true, "chgrp": true, "mkdir": true, "rmdir": true,
		"ln": true, "echo": true, "printf": true, "true": true, "false": true, ":": true, "test": true, "[": true,
		"sleep": true, "touch": true, "curl": true, "wget": true, "update-ca-certificates": true, "ldconfig": true,
		"locale-gen": true, "localedef": true, "id": true, "whoami": true, "export": true, "set": true,
		"unset": true, "cd": true, "rm": true, "update-alternatives": true, "setcap": true, "which": true,
		"command": true, "ls": true, "exit": true, "umask": true, "sync": true, "date": true, "uname": true,
	}
}}

var testRunnerRE = lazyre.New(`(?i)(^|[^a-z0-9_.-])(pytest|py\.test|tox|nox|unittest|jest|mocha|vitest|ava|karma|rspec|phpunit|test|tests|spec|testing)([^a-z0-9_-]|$)`)

// benignCmd reports whether a command cannot read test directories.
func benignCmd(c command, testdata bool) bool {
	if c.name == "" {
		return c.sc != nil && c.sc.NameIdx < 0 // assignments only
	}
	if !c.static {
		return false
	}
	switch {
	case benignCommands.Get()[c.name]:
		return true
	case c.name == "go":
		ops := c.operands()
		switch c.first() {
		case "version", "env":
			return true
		case "mod":
			return len(ops) > 1 && (ops[1] == "download" || ops[1] == "verify")
		case "build", "install":
			return testdata // the go tool ignores testdata directories
		}
	case pkgmgr.IsPip(c.name):
		if c.first() != "install" || c.has("-r", "--requirement", "-e", "--editable", "-c", "--constraint") {
			return false
		}
		for _, a := range c.operands()[1:] {
			if manifests.LocalPath(a) {
				return false
			}
		}
		return true
	}
	return false
}

// testsNeeded reports whether something after the send may use a test
// directory.
func (a *build) testsNeeded(s *send, testdata bool) bool {
	for _, o := range a.later(s) {
		switch o.Cmd {
		case "run":
			cmds, ok := runCmds(a.doc, o)
			if !ok {
				return true
			}
			for _, c := range cmds {
				if !benignCmd(c, testdata) {
					return true
				}
			}
		case "onbuild":
			return true
		case "cmd", "entrypoint", "healthcheck":
			if testRunnerRE.MatchString(o.Text) {
				return true
			}
		}
	}
	return false
}

// mentions reports whether text holds tok as a word of a path or command.
func mentions(text, tok string) bool {
	isWord := func(b byte) bool {
		return b == '_' || b == '-' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
	}
	for off := 0; ; {
		i := strings.Index(text[off:], tok)
		if i < 0 {
			return false
		}
		i += off
		j := i + len(tok)
		if (i == 0 || !isWord(text[i-1]) && text[i-1] != '.') && (j == len(text) || !isWord(text[j])) {
			return true
		}
		off = i + 1
	}
}
