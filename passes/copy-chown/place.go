package copychown

import (
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
	"mvdan.cc/sh/v3/syntax"
)

// baseDirs are directories every Linux base image with a shell has.
var baseDirs = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"/": true, "/bin": true, "/etc": true, "/home": true, "/lib": true, "/root": true,
		"/sbin": true, "/tmp": true, "/usr": true, "/usr/bin": true, "/usr/lib": true,
		"/usr/local": true, "/usr/local/bin": true, "/usr/sbin": true, "/usr/share": true,
		"/var": true, "/var/lib": true, "/opt": true, "/srv": true,
	}
}}

// systemDir reports whether base images may keep files at or below dir.
func systemDir(dir string) bool {
	parts := strings.Split(strings.TrimPrefix(dir, "/"), "/")
	switch parts[0] {
	case "", "bin", "boot", "dev", "etc", "lib", "lib32", "lib64", "libx32", "media", "mnt",
		"proc", "root", "run", "sbin", "sys", "tmp", "var":
		return true
	case "usr":
		return !(len(parts) >= 3 && parts[1] == "src")
	case "home":
		return len(parts) < 3
	case "opt", "srv", "go":
		return len(parts) < 2
	}
	return false
}

// checkPlace checks that the files the chown/chmod touches are the COPY's
// alone and that the COPY creates no parent directory.
func checkPlace(ctx *analysis.Context, c *copyInstr, dir bool, copies []*copyInstr) string {
	target := c.file
	if dir {
		target = c.dest
	}
	if dir && systemDir(target) {
		return fmt.Sprintf("the base image may have files in %s, which chown -R changes too", target)
	}
	before := stages.Before(c.ins)
	known := knownDirs(ctx, before, c.ins.Stage)
	if parent := path.Dir(target); !known[parent] {
		return fmt.Sprintf("%s may not exist before the %s, which would create it with the new owner or mode", parent, keyword(c))
	}
	if !dir {
		if known[target] {
			return fmt.Sprintf("%s is a directory, which the file would go into", target)
		}
		return ""
	}
	// Everything else that the window copies.
	for _, other := range copies {
		if other != c && other.ins.Index > c.ins.Index {
			before = append(before, other.ins)
		}
	}
	return earlierWrites(ctx, before, target)
}

// knownDirs lists the directories known to exist after the instructions
// before: those every base image has, and those the instructions made
// (stages.MadeDirs: WORKDIR, mkdir, install -d, the homes useradd -m and
// adduser make; COPY, ADD and VOLUME here) that no later RUN may have
// removed.
func knownDirs(ctx *analysis.Context, before []*dockerfile.Instruction, st *dockerfile.Stage) map[string]bool {
	known := map[string]bool{}
	made := map[string]bool{}
	add := func(p string, self bool) {
		if !self {
			p = path.Dir(p)
		}
		for ; ; p = path.Dir(p) {
			made[p] = true
			if p == "/" || p == "." {
				return
			}
		}
	}
	known["/"] = true
	if base := strings.ToLower(stages.RootImage(st)); base != "scratch" {
		for d := range baseDirs.Get() {
			if strings.Contains(base, "busybox") && (d == "/opt" || d == "/srv" || strings.HasPrefix(d, "/usr/local")) {
				continue
			}
			known[d] = true
		}
	}
	for _, ins := range before {
		if ins.Cmd == "run" {
			for p := range made {
				if stages.Removes(ins, p) {
					delete(made, p)
				}
			}
		}
		for _, d := range stages.MadeDirs(ins) {
			made[d.Path] = true
		}
		switch ins.Cmd {
		case "volume":
			for _, v := range ins.Args {
				if strings.HasPrefix(v, "/") && !strings.ContainsAny(v, "$[]\"") {
					add(path.Clean(v), true)
				}
			}
		case "copy", "add":
			c := readCopy(ctx, ins)
			switch {
			case c.dest == "":
			case c.kind == destDir:
				add(c.dest, true)
			case c.kind == destFile:
				add(c.file, false)
			default:
				add(c.dest, false)
			}
		}
	}
	for p := range made {
		known[p] = true
	}
	return known
}

// justAfter is a stand-in instruction right after ins, to ask what holds
// after it.
func justAfter(ins *dockerfile.Instruction) *dockerfile.Instruction {
	return &dockerfile.Instruction{Index: ins.Index + 1, Stage: ins.Stage}
}

// absPath makes a path word absolute, or returns "" for other words.
func absPath(v, wd string) string {
	if strings.HasPrefix(v, "/") {
		return path.Clean(v)
	}
	if wd != "" && v != "" && !strings.HasPrefix(v, "-") {
		return path.Clean(path.Join(wd, v))
	}
	return ""
}

var pathRE = lazyre.New(`(?:^|[^A-Za-z0-9._\-/$~])(/[^\s"'` + "`" + `;&|()<>$]*)`)

// earlierWrites looks for instructions that may have put files at or
// below dir before the COPY.
func earlierWrites(ctx *analysis.Context, before []*dockerfile.Instruction, dir string) string {
	var envMentions bool
	for _, ins := range before {
		if ins.Cmd == "env" || ins.Cmd == "arg" {
			for _, a := range ins.Args {
				if mentionsPath(a, dir) {
					envMentions = true
				}
			}
		}
	}
	for _, ins := range before {
		switch ins.Cmd {
		case "copy", "add":
			c := readCopy(ctx, ins)
			kw := keyword(c)
			switch {
			case c.dest == "":
				return fmt.Sprintf("an earlier %s copies to a path that cannot be worked out", kw)
			case c.kind == destFile && stages.Under(c.file, dir):
				return fmt.Sprintf("an earlier %s puts %s there", kw, c.file)
			case c.kind != destFile && (stages.Under(c.dest, dir) || stages.Under(dir, c.dest)):
				return fmt.Sprintf("an earlier %s copies to %s", kw, c.dest)
			}
		case "workdir":
			wd, ok := stages.KnownWorkdir(justAfter(ins))
			if ok && wd != dir && stages.Under(wd, dir) {
				return fmt.Sprintf("an earlier WORKDIR creates %s, which --chown would not change", wd)
			}
		case "volume":
			for _, v := range ins.Args {
				v = path.Clean(v)
				if stages.Under(v, dir) || stages.Under(dir, v) {
					return fmt.Sprintf("a VOLUME at %s", v)
				}
			}
		case "run":
			if reason := runWrites(ctx.Doc, ins, dir, envMentions); reason != "" {
				return reason
			}
		}
	}
	return ""
}

// mentionsPath reports whether text names dir or a path below it.
func mentionsPath(text, dir string) bool {
	for _, m := range pathRE.FindAllStringSubmatch(text, -1) {
		if stages.Under(path.Clean(m[1]), dir) {
			return true
		}
	}
	return false
}

// runWrites reports why an earlier RUN may have written at or below dir.
func runWrites(doc *dockerfile.Document, ins *dockerfile.Instruction, dir string, envMentions bool) string {
	wd, _ := stages.KnownWorkdir(ins)
	if wd == "" {
		wd = "/"
	}
	p := runs.Read(doc, ins)
	if stages.Under(wd, dir) || wd != "/" && stages.Under(dir, wd) && !staysOut(p, wd, dir) {
		return fmt.Sprintf("an earlier RUN runs in %s and may write to %s", wd, dir)
	}
	text := ins.Text
	for _, h := range ins.Heredocs() {
		text += "\n" + h.Content
	}
	if envMentions && strings.Contains(text, "$") {
		return fmt.Sprintf("an earlier RUN uses variables that may name %s", dir)
	}
	if p == nil {
		if mentionsPath(text, dir) || mentionsParent(text, dir) {
			return fmt.Sprintf("an earlier RUN may write to %s", dir)
		}
		return ""
	}
	for _, c := range shellparse.Commands(p.Prog) {
		for i, w := range c.Args {
			raw := p.Prog.Text(w)
			at, parent := mentionsPath(raw, dir), mentionsParent(raw, dir)
			if !at && !parent {
				continue
			}
			v := path.Clean(c.Lits[i])
			switch {
			case (c.Name == "mkdir" || c.Name == "install" && c.HasArg(shellparse.ArgIs("-d", "--directory"))) &&
				c.Static[i] && (v == dir || stages.Under(dir, v)):
				continue
			case (c.Name == "useradd" || c.Name == "adduser") && c.Static[i] && v == dir && noHome(c):
				continue
			}
			return fmt.Sprintf("an earlier RUN may write to %s (%s)", dir, shorten(p.Prog.Text(c.Call)))
		}
	}
	// Redirections and other words outside simple commands.
	for _, m := range pathRE.FindAllStringSubmatchIndex(p.Prog.Src, -1) {
		v := path.Clean(p.Prog.Src[m[2]:m[3]])
		if (stages.Under(v, dir) || v != "/" && stages.Under(dir, v)) && !inCommandArgs(p.Prog, m[2]) {
			return fmt.Sprintf("an earlier RUN may write to %s", dir)
		}
	}
	return ""
}

// cwdSafe are commands that write nothing relative to their working
// directory unless a path argument says so.
var cwdSafe = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"apt-get": true, "apt": true, "apk": true, "dnf": true, "yum": true, "microdnf": true,
		"chown": true, "chmod": true, "chgrp": true, "echo": true, "printf": true, "ls": true,
		"cat": true, "true": true, "false": true, "set": true, "test": true, "[": true,
		"useradd": true, "groupadd": true, "adduser": true, "addgroup": true, "usermod": true,
		"ln": true, "mkdir": true, "rm": true, "cp": true, "mv": true, "touch": true, "sed": true,
	}
}}

// staysOut reports whether a RUN whose working directory wd is a parent
// of dir certainly writes nothing below dir: it runs only commands of
// cwdSafe, and no relative path in it leads into dir.
func staysOut(p *runs.Program, wd, dir string) bool {
	if p == nil {
		return false
	}
	for _, c := range shellparse.Commands(p.Prog) {
		if !cwdSafe.Get()[c.Name] || len(c.Wrappers) > 0 {
			return false
		}
	}
	ok := true
	shellparse.Walk(p.Prog.File, func(n syntax.Node) bool {
		w, isWord := n.(*syntax.Word)
		if !isWord || !ok {
			return ok
		}
		v, static := shellparse.Lit(w)
		switch {
		case !static:
			ok = false
		case v != "" && !strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "-"):
			if stages.Under(path.Join(wd, v), dir) {
				ok = false
			}
		}
		return false
	})
	return ok
}

// mentionsParent reports whether text names exactly a parent of dir
// (other than /), as in "cd /srv && git clone ... app".
func mentionsParent(text, dir string) bool {
	for _, m := range pathRE.FindAllStringSubmatch(text, -1) {
		v := path.Clean(m[1])
		if v != "/" && v != dir && stages.Under(dir, v) {
			return true
		}
	}
	return false
}

// inCommandArgs reports whether offset off of the program is inside an
// argument word of a simple command.
func inCommandArgs(prog *shellparse.Program, off int) bool {
	for _, c := range shellparse.Commands(prog) {
		for _, w := range c.Args {
			s, e := shellparse.Span(w)
			if s <= off && off < e {
				return true
			}
		}
	}
	return false
}

// noHome reports whether a useradd/adduser command is told not to create
// the home directory.
func noHome(c *shellparse.Command) bool {
	for i, v := range c.Lits {
		if !c.Static[i] {
			continue
		}
		if v == "--no-create-home" || c.Name == "useradd" && strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "--") && strings.Contains(v, "M") {
			return true
		}
	}
	return false
}
