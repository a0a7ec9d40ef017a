package coalesceruns

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
)

// BuildKit creates a RUN's working directory when it is missing: a RUN
// that deletes its WORKDIR (or a directory above it) leaves the next RUN
// a fresh, empty one, and the image has it. Merged into one shell, the
// next command would run in the deleted directory and the image would not
// have it. Such a RUN can only end a group.

// notWorkdirs are directories that no base image makes its working
// directory, nor a directory above it: removing something below them
// cannot remove a WORKDIR that the file does not tell.
var notWorkdirs = []string{"/tmp", "/var/tmp", "/var/cache", "/var/lib/apt", "/var/lib/dpkg", "/var/log", "/var/run",
	"/run", "/etc", "/root/.cache", "/root/.npm", "/bin", "/sbin", "/lib", "/lib64", "/usr/bin", "/usr/sbin", "/usr/lib",
	"/usr/lib64", "/usr/include", "/usr/share", "/usr/local/bin", "/usr/local/sbin", "/usr/local/lib",
	"/usr/local/include", "/usr/local/share", "/proc", "/sys", "/dev", "/boot"}

// operand is a path a command may remove, as written.
type operand struct {
	text   string // the word's value when static, else its source text
	static bool
	// below: only what lies below the path and matches a filter goes
	// (find with -name, -path, ...), not the path itself.
	below bool
}

// mayRemove is false when src cannot run rm, rmdir, mv, find or unlink:
// none of the names is in it, and no quote or backslash could spell one
// (r'm', \r\m).
func mayRemove(src string) bool {
	return strings.Contains(src, "rm") || strings.Contains(src, "mv") ||
		strings.Contains(src, "find") || strings.Contains(src, "unlink") ||
		strings.ContainsAny(src, "'\"\\")
}

// removesWorkdir returns the working directory of the RUN (or what is
// known of it) when its program may remove it or a directory above it
// (rm, rmdir, mv, find -delete), and "" otherwise.
func removesWorkdir(r *runs.Run) string {
	ins, prog := r.Ins, r.Prog
	if !mayRemove(prog.Src) {
		return ""
	}
	cmds := r.Commands()
	var ops []operand
	for _, c := range cmds {
		ops = append(ops, removalOperands(prog, c)...)
	}
	if len(ops) == 0 {
		return ""
	}
	wd := stages.WorkdirAt(ins)
	known := wd != "" && !strings.HasPrefix(wd, stages.UnknownWorkdir)
	if rest, ok := strings.CutPrefix(wd, stages.UnknownWorkdir); ok && ins.Stage != nil {
		if img, ok := stages.Lookup(stages.RootImage(ins.Stage)); ok && img.Workdir != "" {
			wd, known = path.Join(img.Workdir, "/"+rest), true
		}
	}
	if known && wd == "/" {
		return "" // / cannot be removed
	}
	rawWD := rawWorkdir(ins)
	shown := wd
	switch {
	case known:
	case rawWD != "":
		shown = rawWD
	case wd == "":
		shown = "not known"
	default:
		shown = "set by the base image"
	}
	// The directories relative operands may be relative to: the WORKDIR,
	// and those that cd commands name ("" when one cannot be told).
	cwds := []string{"."}
	for _, c := range cmds {
		switch {
		case c.Name == "pushd" || c.Name == "popd":
			cwds = append(cwds, "")
		case c.Name == "cd":
			if len(c.Lits) != 1 || !c.Static[0] || !path.IsAbs(c.Lits[0]) {
				cwds = append(cwds, "")
			} else {
				cwds = append(cwds, path.Clean(c.Lits[0]))
			}
		}
	}
	home := stages.UserAt(ins).Home
	var abs []string
	for _, op := range ops {
		if op.below && !known {
			continue // a WORKDIR the file does not tell is not among what a filter picks
		}
		p := op.text
		if !op.static {
			// Below a WORKDIR written with the same variable
			// (WORKDIR $APP, rm -rf "$APP/tmp"): not above it.
			if rawWD != "" && strings.HasPrefix(normVar(p), rawWD+"/") && len(strings.TrimPrefix(normVar(p), rawWD+"/")) > 0 {
				continue
			}
			// A WORKDIR the file does not tell is not below a hidden
			// directory or a system directory, nor named like a file.
			if n := normVar(p); !known && path.IsAbs(n) && !strings.HasPrefix(n, "/$") && !couldBeAboveWorkdir(path.Clean(n)) {
				continue
			}
			return shown
		}
		switch {
		case strings.HasPrefix(p, "~"):
			rest := strings.TrimPrefix(p, "~")
			if home == "" || !(rest == "" || strings.HasPrefix(rest, "/")) {
				if !known || strings.HasPrefix(wd, "/root") || strings.HasPrefix(wd, "/home/") {
					return shown
				}
				continue
			}
			abs = append(abs, home+rest)
		case path.IsAbs(p):
			abs = append(abs, p)
		case strings.Contains(p, ".."):
			return shown
		default:
			// Relative: below each directory it may be relative to.
			for _, d := range cwds {
				switch d {
				case "":
					return shown
				case ".":
					// Below the working directory itself.
				default:
					abs = append(abs, path.Join(d, p))
				}
			}
		}
	}
	for _, p := range abs {
		p = path.Clean(p)
		if known {
			if stages.PathsOverlap(p, wd) && len(strings.Split(p, "/")) <= len(strings.Split(wd, "/")) {
				return shown
			}
			continue
		}
		if couldBeAboveWorkdir(p) {
			return shown
		}
	}
	return ""
}

// couldBeAboveWorkdir reports whether p, removed, could be a WORKDIR the
// file does not tell or a directory above it: not below a system or
// scratch directory, no hidden directory, no glob, and not named like a
// file.
func couldBeAboveWorkdir(p string) bool {
	for _, d := range notWorkdirs {
		if p == d || strings.HasPrefix(p, d+"/") {
			return false
		}
	}
	if strings.ContainsAny(p, "*?[") || strings.Contains(p, "/.") {
		return false
	}
	return !strings.Contains(path.Base(p), ".")
}

// rawWorkdir returns the last WORKDIR of the stage chain before ins when
// it is written with variables, normalized by normVar; "" otherwise.
func rawWorkdir(ins *dockerfile.Instruction) string {
	raw := ""
	for _, other := range stages.WorkdirsBefore(ins) {
		if len(other.Args) == 1 {
			raw = other.Args[0]
		}
	}
	if !strings.Contains(raw, "$") {
		return ""
	}
	return strings.TrimRight(normVar(raw), "/")
}

// normVar writes ${NAME} as $NAME and drops double quotes.
func normVar(s string) string {
	s = strings.ReplaceAll(s, `"`, "")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '$' && i+1 < len(s) && s[i+1] == '{' {
			if j := strings.IndexByte(s[i:], '}'); j > 0 && !strings.ContainsAny(s[i+2:i+j], ":-+=?#%/") {
				b.WriteString("$" + s[i+2:i+j])
				i += j
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// removalOperands returns the paths a command may remove: the operands
// of rm, rmdir and unlink, the sources of mv, and the starting points of a
// find that deletes.
func removalOperands(prog *shellparse.Program, c *shellparse.Command) []operand {
	all := make([]operand, len(c.Args))
	for i, w := range c.Args {
		if c.Static[i] {
			all[i] = operand{text: c.Lits[i], static: true}
		} else {
			all[i] = operand{text: prog.Text(w)}
		}
	}
	operands := func(ops []operand) []operand {
		var out []operand
		end := false
		for _, op := range ops {
			if !end && op.static && op.text == "--" {
				end = true
				continue
			}
			if !end && op.static && strings.HasPrefix(op.text, "-") {
				continue
			}
			out = append(out, op)
		}
		return out
	}
	switch c.Name {
	case "rm", "rmdir", "unlink":
		return operands(all)
	case "mv":
		out := operands(all)
		if len(out) > 0 {
			out = out[:len(out)-1]
		}
		return out
	case "find":
		deletes := false
		for _, op := range all {
			if !op.static || op.text == "-delete" || op.text == "-exec" || op.text == "-execdir" {
				deletes = true
			}
		}
		if !deletes {
			return nil
		}
		filtered := false
		for _, op := range all {
			switch op.text {
			case "-name", "-iname", "-path", "-ipath", "-regex", "-iregex", "-mindepth", "-wholename", "-newer", "-mtime", "-type":
				filtered = filtered || op.static
			}
		}
		var out []operand
		for _, op := range all {
			if op.static && (strings.HasPrefix(op.text, "-") || op.text == "(" || op.text == "!") {
				break
			}
			op.below = filtered
			out = append(out, op)
		}
		return out
	}
	return nil
}
