package manifests

import "strings"

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
	_, operands := splitOpts(args, nodeValued[s.eco]...)
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
var nodeValued = map[string][]string{
	"npm":  {"--prefix", "-C", "--cache", "--registry", "--omit", "--include", "--workspace", "-w", "--loglevel"},
	"yarn": {"--cwd", "--modules-folder", "--cache-folder", "--network-timeout", "--mutex", "--registry"},
	"pnpm": {"--dir", "-C", "--filter", "-F", "--store-dir", "--reporter"},
}

// Command is the install's command as written, without its arguments
// after the subcommand ("npm install", "yarn", "pnpm install").
func (s *Step) Command() string {
	name := s.cmd.Name
	if s.cmd.Module != "" {
		name = s.cmd.Module
	}
	args, _ := staticArgs(s.cmd)
	_, operands := splitOpts(args, nodeValued[s.eco]...)
	if len(operands) > 0 {
		return strings.TrimSpace(name + " " + operands[0])
	}
	return name
}
