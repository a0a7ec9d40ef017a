package stages

import (
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"mvdan.cc/sh/v3/syntax"
)

// Directories that instructions of the file make, so that a pass can ask
// whether a path exists before an instruction (copy-chown: COPY does not
// give an existing parent directory its --chown). Made, with their
// parents: WORKDIR; and in a RUN (shell form or heredoc script) mkdir,
// install -d, useradd -m/--create-home (the home -d/--home-dir names,
// or the one under -b/--base-dir; getopt clusters and abbreviated long
// options are read), and adduser (Debian's, which makes
// the home unless --no-create-home or --system; BusyBox's, unless -H). A
// command counts only where its failure fails the RUN: a top-level command
// of the program that is not in a condition and that either ends the
// RUN's last && list or runs under errexit for sure. A RUN that may remove
// a directory afterwards (rm, rmdir, mv, find, userdel -r, deluser
// --remove-home of it or of a path above it, or of a path it cannot read;
// usermod -m, which moves a home)
// unmakes it. The base image's own directories are not listed here.

// Dir is a directory made by an instruction of the file.
type Dir struct {
	Path string
	// Owner and Group are the user and group it belongs to, as the file
	// names them ("" when not known).
	Owner, Group string
	// Mode is its permission bits (0 when not known: useradd and adduser
	// take them from the image's login.defs and adduser.conf).
	Mode fs.FileMode
	// By is the instruction that made it.
	By *dockerfile.Instruction
}

// MadeDirs returns the directories that the instruction ins makes and that
// it does not remove again, parents first.
func MadeDirs(ins *dockerfile.Instruction) []Dir {
	return ins.Cached("stages.dirs", func() any { return madeDirs(ins) }).([]Dir)
}

// DirBefore returns the directory p (a clean absolute path) when an
// instruction before ins in its stage chain made it and none after that
// may have removed it.
func DirBefore(ins *dockerfile.Instruction, p string) (Dir, bool) {
	if ins.Stage == nil {
		return Dir{}, false
	}
	for other := previous(ins); other != nil; other = previous(other) {
		if Removes(other, p) {
			return Dir{}, false
		}
		for _, d := range MadeDirs(other) {
			if d.Path == p {
				return d, true
			}
		}
	}
	return Dir{}, false
}

// Removes reports whether the instruction may remove the directory p (or
// a directory above it): a RUN whose removals cannot all be read counts.
func Removes(ins *dockerfile.Instruction, p string) bool {
	if ins.Cmd != "run" {
		return false
	}
	rm := removals(ins)
	if rm.unknown {
		return true
	}
	depth := strings.Count(p, "/")
	for _, q := range rm.paths {
		// q names p or a directory above it (a longer q is below p).
		if strings.Count(q, "/") <= depth && PathsOverlap(q, p) {
			return true
		}
	}
	return false
}

type removed struct {
	paths   []string // absolute paths, globs allowed
	unknown bool     // a removal whose path cannot be read
}

// removals returns what a RUN may remove, computed once.
func removals(ins *dockerfile.Instruction) removed {
	return ins.Cached("stages.removals", func() any {
		var out removed
		if !mentions(ins, "rm") && !mentions(ins, "mv") && !mentions(ins, "find") && !mentions(ins, "del") && !mentions(ins, "usermod") && !mentions(ins, "$") {
			return out
		}
		r := runs.Shell(ins)
		if r == nil {
			out.unknown = true
			return out
		}
		wd, known := KnownWorkdir(ins)
		cds := false
		for _, c := range r.Commands() {
			if c.Name == "cd" || c.Name == "pushd" || c.Name == "popd" {
				cds = true
			}
			var args []int
			switch c.Name {
			case "rm", "rmdir", "unlink", "shred":
				args = shellparse.Operands(c)
			case "mv":
				ops := shellparse.Operands(c)
				if len(ops) > 1 {
					args = ops[:len(ops)-1]
				}
			case "find":
				if c.HasArg(func(v string) bool { return v == "-delete" || v == "-exec" || v == "-execdir" }) {
					for i := range c.Lits {
						if !c.Static[i] || strings.HasPrefix(c.Lits[i], "-") || c.Lits[i] == "!" || c.Lits[i] == "(" {
							break
						}
						args = append(args, i)
					}
				}
			case "usermod":
				// usermod -m moves the home (wherever it was) to the
				// one -d names.
				if shortFlag(c, 'm', usermodValued) || c.HasArg(func(v string) bool { return strings.HasPrefix(v, "--m") }) ||
					slices.Contains(c.Static, false) {
					out.unknown = true
				}
			case "userdel", "deluser":
				if c.HasArg(func(v string) bool {
					return v == "-r" || v == "--remove" || v == "--remove-home" || v == "--remove-all-files"
				}) {
					out.unknown = true
				}
			default:
				if c.Name == "" && c.NameIdx >= 0 {
					// A program named by a variable: it may be rm.
					out.unknown = true
				}
			}
			for _, i := range args {
				v := c.Lits[i]
				switch {
				case !c.Static[i]:
					out.unknown = true
				case path.IsAbs(v):
					out.paths = append(out.paths, path.Clean(v))
				case known && !cds && !c.InSubshell:
					out.paths = append(out.paths, path.Join(wd, v))
				default:
					out.unknown = true
				}
			}
		}
		return out
	}).(removed)
}

func madeDirs(ins *dockerfile.Instruction) []Dir {
	switch ins.Cmd {
	case "workdir":
		// BuildKit creates the directory and its parents as the USER in
		// effect, with mode 0755.
		wd, ok := KnownWorkdir(&dockerfile.Instruction{Index: ins.Index + 1, Stage: ins.Stage})
		if !ok || ins.Stage == nil {
			return nil
		}
		owner := ""
		if u := UserAt(ins); u.Runs == AsRoot {
			owner = "root"
		} else if u.Runs == AsOther {
			owner = u.Name
		}
		return withParents(Dir{Path: wd, Owner: owner, Mode: 0o755, By: ins}, Dir{Owner: owner, Mode: 0o755})
	case "run":
	default:
		return nil
	}
	if !mentions(ins, "mkdir") && !mentions(ins, "install") && !mentions(ins, "useradd") && !mentions(ins, "adduser") {
		return nil
	}
	r := runs.Shell(ins)
	if r == nil || ins.Stage == nil {
		return nil
	}
	owner := ""
	if u := UserAt(ins); u.Runs == AsRoot {
		owner = "root"
	} else if u.Runs == AsOther {
		owner = u.Name
	}
	busybox := imageFamily(RootImage(ins.Stage)) == "alpine" || strings.Contains(strings.ToLower(RootImage(ins.Stage)), "busybox")
	var out []Dir
	for _, c := range r.Commands() {
		if !mustSucceed(r, c) {
			continue
		}
		for _, d := range commandDirs(c, owner, busybox) {
			d.By = ins
			out = append(out, d)
		}
	}
	// What a later command of the RUN removes is not made.
	var kept []Dir
	for _, d := range out {
		if !Removes(ins, d.Path) {
			kept = append(kept, d)
		}
	}
	return kept
}

// MustSucceed reports whether the RUN r fails when its command c fails (see
// mustSucceed): a directory c makes exists after the RUN.
func MustSucceed(r *runs.Run, c *shellparse.Command) bool { return mustSucceed(r, c) }

// mustSucceed reports whether the RUN fails when the command c fails: c is
// a top-level command of the program, not negated nor in a || list, and
// either its && list is the RUN's last or errexit is on for sure.
func mustSucceed(r *runs.Run, c *shellparse.Command) bool {
	if c.Conditional || c.InSubshell {
		return false
	}
	items := shellparse.Chain(r.Prog.File.Stmts)
	k := -1
	for i, it := range items {
		if call, ok := it.Stmt.Cmd.(*syntax.CallExpr); ok && call == c.Call {
			k = i
			break
		}
	}
	if k < 0 || items[k].Negated {
		return false
	}
	last := true
	for _, it := range items[k:] {
		if it.Op != shellparse.OpAnd && it.Op != shellparse.OpEnd {
			last = false
		}
	}
	if last {
		return true
	}
	// Under errexit the command's failure ends the shell when it starts a
	// statement, or ends a && list of its own.
	start := k
	for start > 0 && items[start-1].Op == shellparse.OpAnd {
		start--
	}
	end := k
	for end < len(items)-1 && items[end].Op == shellparse.OpAnd {
		end++
	}
	if end != k || items[k].Op == shellparse.OpOr {
		return false
	}
	return r.ErrexitAt(shellparse.Offset(items[start].Stmt.Pos()))
}

// withParents returns d after the directories above it, which exist once
// d does: parent is what is known of them (a command that makes the
// missing parents gives them its owner and mode; otherwise they were
// there already, made by whoever).
func withParents(d Dir, parent Dir) []Dir {
	var out []Dir
	for p := path.Dir(d.Path); p != "/" && p != "."; p = path.Dir(p) {
		q := parent
		q.Path, q.By = p, d.By
		out = append([]Dir{q}, out...)
	}
	return append(out, d)
}

// commandDirs returns the directories one command makes. owner is the
// user the RUN runs as ("" when not known).
func commandDirs(c *shellparse.Command, owner string, busybox bool) []Dir {
	switch c.Name {
	case "mkdir":
		return mkdirDirs(c, owner)
	case "install":
		return installDirs(c, owner)
	case "useradd", "adduser":
		return homeDir(c, busybox)
	}
	return nil
}

func mkdirDirs(c *shellparse.Command, owner string) []Dir {
	parents := false
	var mode fs.FileMode = 0o755
	var out []Dir
	for i := 0; i < len(c.Lits); i++ {
		v := c.Lits[i]
		if !c.Static[i] {
			continue
		}
		switch {
		case v == "-p" || v == "--parents":
			parents = true
		case v == "-m" || v == "--mode":
			if i+1 < len(c.Lits) {
				mode = octalMode(c.Lits[i+1])
				i++
			}
		case strings.HasPrefix(v, "--mode="):
			mode = octalMode(strings.TrimPrefix(v, "--mode="))
		case strings.HasPrefix(v, "-m"):
			mode = octalMode(v[2:])
		case strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "--"):
			parents = parents || strings.Contains(v, "p")
		case strings.HasPrefix(v, "/"):
			d := Dir{Path: path.Clean(v), Owner: owner, Mode: mode}
			if parents {
				out = append(out, withParents(d, Dir{Owner: owner, Mode: 0o755})...)
			} else {
				out = append(out, withParents(d, Dir{})...)
			}
		}
	}
	return out
}

func installDirs(c *shellparse.Command, caller string) []Dir {
	owner := caller
	if !c.HasArg(func(v string) bool { return v == "-d" || v == "--directory" }) {
		return nil
	}
	var mode fs.FileMode = 0o755
	group := ""
	var paths []string
	for i := 0; i < len(c.Lits); i++ {
		v := c.Lits[i]
		if !c.Static[i] {
			continue
		}
		next := func() string {
			if i+1 < len(c.Lits) && c.Static[i+1] {
				i++
				return c.Lits[i]
			}
			i++
			return ""
		}
		switch {
		case v == "-m" || v == "--mode":
			mode = octalMode(next())
		case strings.HasPrefix(v, "--mode="):
			mode = octalMode(strings.TrimPrefix(v, "--mode="))
		case v == "-o" || v == "--owner":
			owner = next()
		case strings.HasPrefix(v, "--owner="):
			owner = strings.TrimPrefix(v, "--owner=")
		case v == "-g" || v == "--group":
			group = next()
		case strings.HasPrefix(v, "--group="):
			group = strings.TrimPrefix(v, "--group=")
		case strings.HasPrefix(v, "/"):
			paths = append(paths, path.Clean(v))
		}
	}
	var out []Dir
	for _, p := range paths {
		// install -d makes the missing parents as the caller, mode 0755.
		out = append(out, withParents(Dir{Path: p, Owner: owner, Group: group, Mode: mode}, Dir{Owner: caller, Mode: 0o755})...)
	}
	return out
}

// homeDir returns the home directory useradd or adduser makes.
func homeDir(c *shellparse.Command, busybox bool) []Dir {
	home, user, ok := parseUserAdd(c, busybox)
	if !ok || home == "" {
		return nil
	}
	makes := false
	switch {
	case c.Name == "useradd":
		// useradd makes the home only when told (CREATE_HOME in
		// login.defs differs between distributions).
		makes = (c.HasArg(shellparse.ArgIs("--create-home")) || shortFlag(c, 'm', useraddValued)) &&
			!c.HasArg(shellparse.ArgIs("--no-create-home")) && !shortFlag(c, 'M', useraddValued)
	case busybox:
		makes = !c.HasArg(func(v string) bool {
			return strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "--") && strings.Contains(v, "H")
		})
	default:
		// Debian's adduser: a system user gets a home only with --home.
		system := c.HasArg(func(v string) bool { return v == "--system" })
		explicit := c.HasArg(func(v string) bool { return v == "--home" || strings.HasPrefix(v, "--home=") })
		makes = !c.HasArg(func(v string) bool { return v == "--no-create-home" }) && (!system || explicit)
	}
	if !makes || !plainValue(home) || !path.IsAbs(home) {
		return nil
	}
	return withParents(Dir{Path: path.Clean(home), Owner: user}, Dir{})
}

// octalMode reads an octal mode ("755", "0700"), or 0 for anything else
// (a symbolic mode).
func octalMode(s string) fs.FileMode {
	m, err := strconv.ParseUint(s, 8, 32)
	if err != nil || m > 0o7777 {
		return 0
	}
	return fs.FileMode(m)
}

// The one-letter options of useradd and usermod that take a value.
const (
	useraddValued = "bcdefgGkKpsuRPZ"
	usermodValued = "cdefgGlpsuRPZvVwW"
)

// shortFlag reports whether one of c's clusters of one-letter options
// ("-md", "-m") holds the flag letter before an option that takes a value
// (whose value is the rest of the word).
func shortFlag(c *shellparse.Command, letter byte, valued string) bool {
	for i, v := range c.Lits {
		if !c.Static[i] || !strings.HasPrefix(v, "-") || strings.HasPrefix(v, "--") {
			continue
		}
		for j := 1; j < len(v); j++ {
			if v[j] == letter {
				return true
			}
			if strings.IndexByte(valued, v[j]) >= 0 {
				break
			}
		}
	}
	return false
}
