package manifests

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
	"github.com/dfopt/dfopt/stages"
	"mvdan.cc/sh/v3/syntax"
)

// InstallRun is a RUN whose leading commands install dependencies.
type InstallRun struct {
	r     *runs.Run
	items []shellparse.Item
	n     int // items[:n] is the install part
	steps []*Step
	state []int // indexes of cd and set items in the install part
	// cleanups are the indexes of cache cleanups after the install part
	// (npm cache clean --force, rm -rf /root/.cache/pip): when the RUN
	// is split they run in both parts, so the install's layer does not
	// keep the cache.
	cleanups []int
	andAll   bool // the whole program is a plain && list
}

// ReadInstall reads a RUN's leading dependency installs (nil if none).
func ReadInstall(ins *dockerfile.Instruction) *InstallRun {
	r, _ := runs.Parse(ins)
	if r == nil {
		return nil
	}
	// Kept with the Run, whose syntax tree it refers to.
	return r.Cached("manifests.install", func() any { return readInstall(ins, r) }).(*InstallRun)
}

func readInstall(ins *dockerfile.Instruction, r *runs.Run) *InstallRun {
	d := &InstallRun{r: r, items: shellparse.Chain(r.Prog.File.Stmts), andAll: true}
	for i, it := range d.items {
		if (i < len(d.items)-1 && it.Op != shellparse.OpAnd) || (i == len(d.items)-1 && it.Op != shellparse.OpEnd) {
			d.andAll = false
		}
	}
	wd := stages.WorkdirAt(ins)
	for i, it := range d.items {
		call, ok := it.Stmt.Cmd.(*syntax.CallExpr)
		if !ok || it.Negated || it.Stmt.Background || !outputRedirsOnly(it.Stmt) {
			break
		}
		if i > 0 && d.items[i-1].Op != shellparse.OpAnd {
			break
		}
		c := shellparse.Resolve(call)
		if c.Name == "cd" && len(c.Wrappers) == 0 && len(c.Assigns) == 0 {
			args, ok := staticArgs(c)
			if !ok || len(args) != 1 || strings.HasPrefix(args[0], "-") {
				break
			}
			wd = stages.JoinDir(wd, args[0])
			d.state = append(d.state, i)
			continue
		}
		if c.Name == "set" && len(c.Wrappers) == 0 && len(c.Assigns) == 0 {
			args, ok := staticArgs(c)
			if !ok || len(args) == 0 || !setOptsOnly(args) {
				break
			}
			d.state = append(d.state, i)
			continue
		}
		step, neutral := Classify(c)
		if step == nil && !neutral {
			break
		}
		if step != nil {
			step.dir = wd
			d.steps = append(d.steps, step)
			d.n = i + 1
		}
	}
	if len(d.steps) == 0 {
		return nil
	}
	// Trailing cd and set after the last install belong to the rest.
	for len(d.state) > 0 && d.state[len(d.state)-1] >= d.n {
		d.state = d.state[:len(d.state)-1]
	}
	for i := d.n; i < len(d.items); i++ {
		if call, ok := d.items[i].Stmt.Cmd.(*syntax.CallExpr); ok && !d.items[i].Negated &&
			len(d.items[i].Stmt.Redirs) == 0 && cacheCleanupCmd(shellparse.Resolve(call)) {
			d.cleanups = append(d.cleanups, i)
		}
	}
	return d
}

// cacheCleanupPaths are download caches of the package managers that
// manifest-first knows: removing them only makes a later install download
// again. (Not /tmp or apt's lists: a later command may need what is there.)
var cacheCleanupPaths = []string{"/root/.cache/pip", "~/.cache/pip", "$HOME/.cache/pip",
	"/root/.npm", "~/.npm", "$HOME/.npm", "/usr/local/share/.cache/yarn", "~/.cache/yarn",
	"/root/.composer/cache", "~/.composer/cache", "/root/.cache/composer"}

// cacheCleanupCmd reports whether a command only removes a package
// manager's cache.
func cacheCleanupCmd(c *shellparse.Command) bool {
	args, ok := staticArgs(c)
	if !ok || len(c.Assigns) > 0 {
		return false
	}
	joined := strings.Join(args, " ")
	switch c.Name {
	case "npm":
		return joined == "cache clean --force" || joined == "cache clean -f"
	case "yarn":
		return joined == "cache clean"
	case "pnpm":
		return joined == "store prune"
	case "composer":
		return joined == "clear-cache" || joined == "clearcache"
	case "pip", "pip3":
		return joined == "cache purge"
	case "rm":
		n := 0
		for _, a := range args {
			if strings.HasPrefix(a, "-") {
				if strings.Trim(a, "-rfRv") != "" {
					return false
				}
				continue
			}
			inCache := false
			for _, p := range cacheCleanupPaths {
				if a == p || strings.HasPrefix(a, p+"/") {
					inCache = true
				}
			}
			if !inCache {
				return false
			}
			n++
		}
		return n > 0
	}
	return false
}

// setOptsOnly reports whether set's arguments only turn shell options on
// or off (set -e, set -eux, set -o pipefail).
func setOptsOnly(args []string) bool {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "-o" || a == "+o" {
			if i+1 >= len(args) {
				return false
			}
			i++
			continue
		}
		if len(a) < 2 || (a[0] != '-' && a[0] != '+') || strings.Trim(a[1:], "abefhkmnptuvxBCEHP") != "" {
			return false
		}
	}
	return true
}

// outputRedirsOnly reports whether a statement's redirections only send
// output somewhere (no input is read).
func outputRedirsOnly(s *syntax.Stmt) bool {
	for _, r := range s.Redirs {
		switch r.Op {
		case syntax.RdrOut, syntax.AppOut, syntax.RdrAll, syntax.AppAll, syntax.DplOut, syntax.RdrClob:
		default:
			return false
		}
	}
	return true
}

// InstallAfter finds the first RUN after the source copy that installs
// dependencies, if only instructions that do not read the sources come
// between.
func InstallAfter(rest []*dockerfile.Instruction, sc *SourceCopy) *InstallRun {
	for _, ins := range rest {
		switch ins.Cmd {
		case "env", "arg", "label", "expose", "user", "stopsignal", "healthcheck", "cmd", "entrypoint", "shell", "maintainer":
			continue
		case "workdir":
			if sc.relDest || sc.Flags != "" && !onlyLink(sc.Ins.Flags) {
				return nil
			}
			continue
		case "run":
			if dr := ReadInstall(ins); dr != nil {
				return dr
			}
			if systemOnlyRun(ins, sc.dest) {
				continue
			}
			return nil
		default:
			return nil
		}
	}
	return nil
}

func onlyLink(flags []string) bool {
	for _, f := range flags {
		if f != "--link" && f != "--link=true" {
			return false
		}
	}
	return true
}

// systemPkgCommands are the commands of a RUN that may stand between the
// source COPY and the install: they install system packages and manage
// users, and read nothing of the sources.
var systemPkgCommands = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"apt-get": true, "apt": true, "apk": true, "yum": true, "dnf": true, "microdnf": true, "zypper": true,
		"useradd": true, "groupadd": true, "adduser": true, "addgroup": true, "rm": true, "true": true,
	}
}}

func systemOnlyRun(ins *dockerfile.Instruction, dest string) bool {
	r, _ := runs.Parse(ins)
	if r == nil || len(ins.Flags) > 0 {
		return false
	}
	for _, c := range shellparse.Commands(r.Prog) {
		if (c.Name == "chown" || c.Name == "chmod") && len(c.Lits) == 2 && !strings.HasPrefix(c.Lits[0], "-") &&
			path.Clean(c.Lits[1]) == dest && !c.InSubshell {
			// The destination directory itself, not what is in it
			// (what copy-chown leaves).
			continue
		}
		if !systemPkgCommands.Get()[c.Name] || c.InSubshell {
			return false
		}
		if c.Name == "rm" {
			for _, a := range c.Lits {
				if strings.HasPrefix(a, "-") {
					continue
				}
				if !path.IsAbs(a) || stages.Under(path.Clean(a), dest) || strings.HasPrefix(dest, path.Clean(a)+"/") {
					return false
				}
			}
		}
	}
	return true
}
