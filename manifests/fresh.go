package manifests

import (
	"strings"

	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/pkgmgr"
)

// StartsFresh reports whether the install empties its output directory
// before it installs, so that what the context puts there cannot change
// what it makes: npm ci (and its aliases) deletes node_modules first.
// npm install, yarn and pnpm install reconcile what is there with what
// they install instead: files the context brings may stay, or change
// what they do.
func (s *Step) StartsFresh() bool {
	if s.eco != "npm" {
		return false
	}
	args, ok := staticArgs(s.cmd)
	if !ok {
		return false
	}
	_, operands := splitOpts(args, nodeValued.Get()[s.eco]...)
	if len(operands) == 0 {
		return false
	}
	switch operands[0] {
	case "ci", "clean-install", "install-clean", "isntall-clean", "ic":
		return true
	}
	return false
}

// nodeValued are the options of the node package managers that take the
// next word (as npmStep, yarnStep and pnpmStep read them).
var nodeValued = lazy.Value[map[string][]string]{New: func() map[string][]string {
	return map[string][]string{
		"npm":  {"--prefix", "-C", "--cache", "--registry", "--omit", "--include", "--workspace", "-w", "--loglevel"},
		"yarn": {"--cwd", "--modules-folder", "--cache-folder", "--network-timeout", "--mutex", "--registry"},
		"pnpm": {"--dir", "-C", "--filter", "-F", "--store-dir", "--reporter"},
	}
}}

// Command is the install's command as written, without its arguments
// after the subcommand ("npm install", "yarn", "pnpm install").
func (s *Step) Command() string {
	name := s.cmd.Name
	if s.cmd.Module != "" {
		name = s.cmd.Module
	}
	args, _ := staticArgs(s.cmd)
	_, operands := splitOpts(args, nodeValued.Get()[s.eco]...)
	if len(operands) > 0 {
		return strings.TrimSpace(name + " " + operands[0])
	}
	return name
}

// DownloadCaches are the caches an install downloads packages into, as
// analysis.Fix.Removes patterns ("~/.npm/_cacache": the directory in any
// user's home and what is below it): an
// install that finds its packages in node_modules already may download
// nothing, one that starts from nothing fills them.
func (s *Step) DownloadCaches() []string {
	switch s.eco {
	case "npm":
		return []string{"~/" + pkgmgr.NpmCache}
	case "yarn":
		return []string{pkgmgr.YarnRootCache, "~/" + pkgmgr.YarnCache, "~/.yarn/berry/cache"}
	case "pnpm":
		return []string{"~/.local/share/pnpm", "~/" + pkgmgr.PnpmCache}
	}
	return nil
}
