package toolchains

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
)

// Step is a command of a RUN with the directory it runs in.
type Step struct {
	Cmd *shellparse.Command
	// Dir is the absolute working directory of the command, "" when it
	// is not known (a cd to a variable, in a subshell or a condition
	// before it, pushd, ...).
	Dir string
}

// Steps returns the commands of a RUN's program in order, each with the
// directory it runs in: wd (the WORKDIR at the RUN, "" when unknown)
// changed by the unconditional `cd DIR` commands of literal directories
// before it. After any other cd (in a subshell, a condition, to a
// variable, pushd, popd) the directory is unknown.
func Steps(prog *shellparse.Program, wd string) []Step {
	cmds := shellparse.Commands(prog)
	out := make([]Step, 0, len(cmds))
	dir := wd
	for _, c := range cmds {
		out = append(out, Step{Cmd: c, Dir: dir})
		switch c.Name {
		case "cd":
			if c.InSubshell || c.Conditional || len(c.Args) != 1 || !c.Static[0] ||
				c.Lits[0] == "-" || strings.HasPrefix(c.Lits[0], "~") {
				dir = ""
				continue
			}
			dir = stages.JoinDir(dir, c.Lits[0])
		case "pushd", "popd":
			dir = ""
		}
	}
	return out
}

// Resolve returns the absolute path of p (a path written in a command)
// for a command run in dir, or "" when it cannot be told.
func Resolve(dir, p string) string {
	if p == "" || strings.HasPrefix(p, "~") {
		return ""
	}
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	if dir == "" || strings.HasPrefix(dir, stages.UnknownWorkdir) {
		return ""
	}
	return path.Join(dir, p)
}

// Install is a package-manager command that installs packages from the
// distribution's repositories.
type Install struct {
	// Manager is "apt" (apt-get, apt, aptitude) or "apk".
	Manager string
	// Packages are the package names, without versions or releases (name=1.2,
	// name~1, name/bookworm-backports, name@edge).
	Packages []string
	// Words are the package words as written, one for each of Packages
	// (name=1.2, name/bookworm-backports).
	Words []string
	// Select are apt's options that choose which versions are installed or
	// how apt is configured, as separate words as written (-t
	// bookworm-backports, --target-release=X, --default-release X, -o
	// KEY=VALUE, -c FILE).
	Select []string
	// Virtual is the name of an apk --virtual group ("" when none).
	Virtual string
	// Static is false when some word is not literal: Packages is then
	// incomplete.
	Static bool
}

var pkgVersion = lazyre.New(`[=<>~/@].*$`)

// InstallOf reads an install command: `apt-get install`, `apt install`,
// `aptitude install`, `apk add`. ok is false for other commands.
func InstallOf(c *shellparse.Command) (in Install, ok bool) {
	var valued []string
	switch c.Name {
	case "apt-get", "apt", "aptitude":
		in.Manager = "apt"
		valued = []string{"-o", "-c", "-t", "--target-release", "--default-release"}
		sub, _ := c.Subcommand(valued...)
		if sub != "install" {
			return in, false
		}
	case "apk":
		in.Manager = "apk"
		valued = []string{"-X", "--repository", "-p", "--root", "-t", "--virtual", "--arch", "--cache-dir", "--keys-dir"}
		sub, _ := c.Subcommand(valued...)
		if sub != "add" {
			return in, false
		}
	default:
		return in, false
	}
	in.Static = true
	seenSub := false
	for i := 0; i < len(c.Args); i++ {
		if !c.Static[i] {
			in.Static = false
			continue
		}
		v := c.Lits[i]
		if strings.HasPrefix(v, "-") {
			name, val, hasVal := strings.Cut(v, "=")
			selects := in.Manager == "apt" && (name == "-t" || name == "--target-release" || name == "--default-release" ||
				name == "-o" || name == "-c" || strings.HasPrefix(name, "-o") || strings.HasPrefix(name, "-t") && len(name) > 2)
			if selects {
				in.Select = append(in.Select, v)
			}
			for _, o := range valued {
				if o == name && !hasVal {
					if i+1 < len(c.Args) {
						val = c.Lits[i+1]
						if selects {
							in.Select = append(in.Select, val)
							in.Static = in.Static && c.Static[i+1]
						}
					}
					i++
				}
			}
			if name == "-t" || name == "--virtual" {
				if in.Manager == "apk" {
					in.Virtual = val
				}
			}
			continue
		}
		if !seenSub {
			seenSub = true // install / add
			continue
		}
		in.Packages = append(in.Packages, pkgVersion.ReplaceAllString(v, ""))
		in.Words = append(in.Words, v)
	}
	return in, true
}
