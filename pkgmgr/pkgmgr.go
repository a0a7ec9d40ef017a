// Package pkgmgr knows package managers: how to recognise their commands
// (commands.go), where they keep their caches, the forms of cleanup that
// may be added to a RUN, and which options the versions a base image may
// carry accept (versions.go).
//
// A cleanup appended to a RUN runs in whatever state the RUN leaves
// behind: a deleted working directory, a PATH set in a subshell, a tool
// the RUN just upgraded, exported variables. The only cleanups this
// package forms are therefore `rm -rf` of paths that do not depend on that
// state (absolute paths, or paths below "$HOME" when the RUN does not
// change HOME); StateIndependent checks a command against that allow-list.
// rm -rf succeeds whether the paths exist or not, writes nothing, and runs
// no package manager: an old one that lacks an option, a new one that does
// not start on the base's runtime, or one that writes logs or re-creates
// a directory the RUN deleted on purpose.
package pkgmgr

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/dockerfile"

	"github.com/dfopt/dfopt/baseimage"
)

// HomeVar stands for the home directory of a user the file does not tell
// (a base image that is not known, a user created elsewhere). Package
// managers find it in $HOME, which the builder sets from the user's passwd
// entry unless ENV sets it, so a cleanup below "$HOME" reaches the same
// directory as long as the RUN does not change HOME itself.
const HomeVar = `"$HOME"`

// InHome returns the path rel below the home directory home (an absolute
// path, or HomeVar).
func InHome(home, rel string) string {
	if home == HomeVar {
		return HomeVar + "/" + rel
	}
	return path.Join(home, rel)
}

// RemovesPattern returns the analysis.Fix.Removes pattern for the path rel
// below home: the absolute path, or "~/rel" (any user's home) for HomeVar.
// A trailing slash in rel is kept (what is below the directory).
func RemovesPattern(home, rel string) string {
	if home == HomeVar {
		return "~/" + rel
	}
	p := path.Join(home, rel)
	if strings.HasSuffix(rel, "/") {
		p += "/"
	}
	return p
}

// Remove returns the cleanup command that removes paths.
func Remove(paths ...string) string {
	return "rm -rf " + strings.Join(paths, " ")
}

// The forms of StateIndependent, as a regular expression (the tests check
// cleanupForm against it): it is spelled out in code, since it is asked of
// most RUNs and a regular expression would be compiled by each process.
//
//	component = [A-Za-z0-9._@+*-]+   a path component: no variables, quotes,
//	                                 spaces or shell syntax; globs only as *
//	absPath   = (/component){2,}/?
//	homePath  = "\$HOME"(/component)+/?
//	rmForm    = rm -rf( (absPath|homePath))+
//	cleanup   = ^(rmForm|sudo rmForm|\{ sudo rmForm \|\| true; \})$

// cleanupForm reports whether cmd is of the form cleanup above.
func cleanupForm(cmd string) bool {
	if rest, ok := strings.CutPrefix(cmd, "{ sudo "); ok {
		inner, ok := strings.CutSuffix(rest, " || true; }")
		return ok && rmForm(inner)
	}
	return rmForm(strings.TrimPrefix(cmd, "sudo "))
}

// rmForm reports whether s is `rm -rf` and one or more paths, each an
// absPath or a homePath after one space.
func rmForm(s string) bool {
	paths, ok := strings.CutPrefix(s, "rm -rf ")
	if !ok {
		return false
	}
	for p := range strings.SplitSeq(paths, " ") {
		if home, ok := strings.CutPrefix(p, `"$HOME"`); ok {
			if !componentPath(home, 1) {
				return false
			}
		} else if !componentPath(p, 2) {
			return false
		}
	}
	return true
}

// componentPath reports whether p is at least min times "/" and a
// component, then an optional "/": (/component){min,}/?.
func componentPath(p string, min int) bool {
	body, ok := strings.CutPrefix(p, "/")
	if !ok {
		return false
	}
	body = strings.TrimSuffix(body, "/")
	n := 0
	for c := range strings.SplitSeq(body, "/") {
		if c == "" || !dockerfile.Only(c, "._@+*-") {
			return false
		}
		n++
	}
	return n >= min
}

// StateIndependent reports whether cmd is a cleanup whose effect does not
// depend on the state a RUN leaves behind: `rm -rf` of absolute paths with
// at least two components, or of paths below "$HOME", with * globs but
// no "." or ".." components, variables or other shell syntax; possibly
// run through sudo (as the install it cleans up after was), and then, when
// that install may not have run, written "{ sudo rm -rf ... || true; }".
func StateIndependent(cmd string) bool {
	if !cleanupForm(cmd) {
		return false
	}
	for _, f := range strings.Fields(cmd) {
		for _, c := range strings.Split(f, "/") {
			if c == "." || c == ".." {
				return false
			}
		}
	}
	return true
}

// Options are the options cache-cleanup may add to a package manager's
// own command line (which then runs exactly where it ran before).
var Options = []string{
	"--no-cache-dir",            // pip
	"--pip-args=--no-cache-dir", // pipx
	"--no-cache",                // apk
	"--no-document",             // gem (RubyGems 2.0 and later)
	"--no-rdoc --no-ri",         // gem (RubyGems before 3.0)
}

// Cache locations.
const (
	// AptLists holds apt's package lists.
	AptLists = "/var/lib/apt/lists"
	// ApkCache holds apk's index (and packages when a cache is set up).
	ApkCache = "/var/cache/apk"
	// NpmCache is npm's content cache below the home directory (npm 5 and
	// later; ~/.npm/_logs and ~/.npm/_npx are not caches of downloads).
	NpmCache = ".npm/_cacache"
	// YarnRootCache is Yarn 1's cache for root, whatever HOME is (Yarn
	// puts it below /usr/local/share for uid 0).
	YarnRootCache = "/usr/local/share/.cache/yarn"
	// YarnCache is Yarn 1's cache below the home directory of other users.
	YarnCache = ".cache/yarn"
	// PnpmCache is pnpm's metadata cache below the home directory (pnpm 7
	// and later). pnpm's store is not a cache that can go: node_modules
	// is hard-linked into it, or with the global virtual store symlinked.
	PnpmCache = ".cache/pnpm"
	// BundlerCache is Bundler's own cache below the home directory.
	BundlerCache = ".bundle/cache"
)

// ComposerCaches are Composer's cache directories below the home
// directory: ~/.composer/cache, or ~/.cache/composer where Composer follows
// the XDG layout.
var ComposerCaches = []string{".composer/cache", ".cache/composer"}

// RPMCaches returns the cache directories of dnf, yum, microdnf or tdnf:
// dnf 4 uses /var/cache/dnf and dnf 5 /var/cache/libdnf5; yum is dnf on
// EL 8 and later; microdnf keeps its metadata below /var/cache/yum.
func RPMCaches(mgr string) []string {
	switch mgr {
	case "dnf":
		return []string{"/var/cache/dnf", "/var/cache/libdnf5"}
	case "yum":
		return []string{"/var/cache/yum", "/var/cache/dnf"}
	case "microdnf":
		return []string{"/var/cache/yum", "/var/cache/dnf", "/var/cache/libdnf5"}
	case "tdnf":
		return []string{"/var/cache/tdnf"}
	}
	return nil
}

// InstallRecords lists what installing a package with the package manager
// of a family writes in the image besides the package's own files, as path
// patterns (see analysis.Fix.Changes): apt and dpkg's status database, the
// records of each package, logs and caches (checked on bookworm: an
// apt-get install of one package changes /var/lib/dpkg/status and
// status-old, adds /var/lib/dpkg/info/PKG.*, /var/log/apt/history.log,
// term.log and eipp.log.xz, /var/log/dpkg.log and
// /var/cache/apt/archives/lock and partial); apk's database and world file.
func InstallRecords(family baseimage.Family) []string {
	switch family {
	case baseimage.Debian:
		return []string{"/var/lib/dpkg", "/var/lib/apt/extended_states", "/var/log/apt", "/var/log/dpkg.log",
			"/var/log/alternatives.log", "/var/cache/apt", "/var/cache/debconf", "/var/cache/ldconfig"}
	case baseimage.Alpine:
		return []string{"/lib/apk/db", "/etc/apk/world", "/var/cache/apk", "/etc/apk/cache"}
	}
	return nil
}
