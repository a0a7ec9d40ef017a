// Package manifests knows dependency manifests per ecosystem (pip, pipenv,
// poetry, npm, yarn, pnpm, Go modules, Bundler, Composer, .NET): which
// commands install dependencies, which manifest and lock files they read,
// what they create, and when they need the sources anyway (Classify,
// Step: this file; python.go, node.go and others.go per ecosystem).
//
// It also plans the rewrite that copies the manifests and runs the install
// before the sources are copied (Plan: copy.go finds the COPY of the
// sources, install.go the install after it, plan.go decides and edits.go
// writes the edits). The manifest-first pass makes that rewrite; split-copy
// asks for the same plan so as to leave such a COPY to it.
package manifests

import (
	"slices"
	"strings"

	"github.com/dfopt/dfopt/pkgmgr"
	"github.com/dfopt/dfopt/shellparse"
)

// Step is a command of a RUN that installs dependencies and reads only
// dependency manifests (requirements.txt, package.json, go.mod, ...), so
// that it can run before the sources are copied.
type Step struct {
	eco string // ecosystem: "pip", "npm", ...
	cmd *shellparse.Command
	dir string // working directory (absolute image path; "" = unknown)

	// files are the manifests it reads, as paths relative to dir or
	// absolute; optional ones are read when they exist (.npmrc, lock files).
	files, optional []string
	// dirs are directories it reads when they exist (.yarn/releases).
	dirs []string
	// Outputs are paths relative to dir that it creates (node_modules):
	// they must not come from the context, or copying the sources after
	// the install would overwrite what it made.
	Outputs []string
	// lock is a lock file (relative to dir) that the step rewrites when it
	// is out of date; such a step moves only when the context has no lock
	// file for it to rewrite.
	lock string
	// prefetch, when set, is a command that fetches the dependencies from
	// the manifests alone (poetry install --no-root): it runs before the
	// sources are copied and the step itself stays after them.
	prefetch string
	// twice: the step runs as it is written before the sources are copied,
	// and again where it was (an install that may rewrite its lock file;
	// see runsTwice). Set by Plan.
	twice bool
	// check, run with the context, returns more files the step reads and
	// why it cannot move ("" if it can).
	check depCheck
	// noContext is why the step cannot move without a context ("" = it can).
	noContext string
	// reason, when set, is why the step can never move.
	reason string
}

// staticArgs returns the command's arguments when all are static.
func staticArgs(c *shellparse.Command) ([]string, bool) {
	for _, ok := range c.Static {
		if !ok {
			return nil, false
		}
	}
	return c.Lits, true
}

// splitOpts separates options from operands. valued lists the options
// that take a value as the next word (when not given with '=').
func splitOpts(args []string, valued ...string) (opts map[string][]string, operands []string) {
	opts = map[string][]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			operands = append(operands, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			operands = append(operands, a)
			continue
		}
		name, val, hasVal := strings.Cut(a, "=")
		if !strings.HasPrefix(a, "--") && len(a) > 2 {
			// -rfile: a short option with its value attached
			for _, v := range valued {
				if len(v) == 2 && strings.HasPrefix(a, v) {
					name, val, hasVal = v, a[2:], true
					break
				}
			}
		}
		if !hasVal {
			for _, v := range valued {
				if v == name && i+1 < len(args) {
					val, hasVal = args[i+1], true
					i++
					break
				}
			}
		}
		opts[name] = append(opts[name], val)
	}
	return opts, operands
}

func hasOpt(opts map[string][]string, names ...string) bool {
	for _, n := range names {
		if _, ok := opts[n]; ok {
			return true
		}
	}
	return false
}

// LocalPath reports whether a package operand names something on disk
// rather than a package in a registry.
func LocalPath(s string) bool {
	if strings.Contains(s, "://") {
		return strings.HasPrefix(s, "file:")
	}
	return s == "." || s == ".." || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") ||
		strings.HasPrefix(s, "/") || strings.HasPrefix(s, "~") || strings.HasPrefix(s, "file:") ||
		strings.HasSuffix(s, ".whl") || strings.HasSuffix(s, ".tar.gz") || strings.HasSuffix(s, ".zip") ||
		strings.HasSuffix(s, ".tgz") || (strings.Contains(s, "/") && !strings.Contains(s, "@"))
}

// contextReader reads the build context at the install's working directory:
// read returns a file's content, list the names in a directory. Paths are
// relative to the working directory.
type contextReader struct {
	read func(rel string) ([]byte, bool)
	list func(rel string) []string
}

// depCheck, run with the context, returns extra files the step reads
// (relative to its directory) and why it cannot move ("" if it can).
type depCheck func(cr contextReader) (extra []string, reason string)

// Classify classifies a command of a RUN: a dependency step (non-nil; its
// reason says if it cannot move), a neutral command that neither reads the
// sources nor changes how the install behaves (neutral), or anything else.
func Classify(c *shellparse.Command) (step *Step, neutral bool) {
	args, static := staticArgs(c)
	name := c.Name
	if c.Module != "" {
		name = c.Module
	}
	switch {
	case name == "corepack":
		return nil, static && len(args) > 0 && (args[0] == "enable" || args[0] == "prepare")
	case (name == "npm" || name == "yarn" || name == "pnpm") && static && len(args) >= 2 && args[0] == "config" && args[1] == "set":
		return nil, true
	case name == "bundle" && static && len(args) >= 2 && args[0] == "config" && args[1] == "set" && !slices.Contains(args, "--local"):
		return nil, true
	}
	mk := func(eco string) *Step { return &Step{eco: eco, cmd: c} }
	if !static {
		switch name {
		case "pip", "pip3", "npm", "yarn", "pnpm", "go", "pipenv", "poetry", "composer", "bundle", "dotnet":
			if len(args) > 0 && isInstallWord(c.Lits[0]) {
				st := mk(name)
				st.reason = "its arguments are not all static"
				return st, false
			}
		}
		return nil, false
	}
	if pkgmgr.IsPip(name) {
		return pipStep(mk("pip"), args)
	}
	switch name {
	case "npm":
		return npmStep(mk("npm"), args)
	case "yarn":
		return yarnStep(mk("yarn"), args)
	case "pnpm":
		return pnpmStep(mk("pnpm"), args)
	case "go":
		return goStep(mk("go"), args)
	case "pipenv":
		return pipenvStep(mk("pipenv"), args)
	case "poetry":
		return poetryStep(mk("poetry"), args)
	case "composer", "composer.phar":
		return composerStep(mk("composer"), args)
	case "bundle", "bundler":
		return bundleStep(mk("bundler"), args)
	case "dotnet":
		return dotnetStep(mk("dotnet"), args)
	}
	return nil, false
}

func isInstallWord(w string) bool {
	switch w {
	case "install", "i", "ci", "sync", "restore", "mod", "":
		return true
	}
	return false
}

func MavenBuilds(args []string) bool {
	for _, a := range args {
		switch a {
		case "package", "install", "verify", "compile", "test":
			return true
		}
	}
	return false
}
