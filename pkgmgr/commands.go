package pkgmgr

import (
	"strings"

	"github.com/dfopt/dfopt/internal/lazyre"
	"github.com/dfopt/dfopt/shellparse"
)

// How package managers' command lines are recognised. Commands come from
// shellparse.Commands, resolved through sudo, env and the like.

// IsPip reports whether a program name is pip: pip, pip3, pip3.12
// (^pip(\d+(\.\d+)?)?$). It is asked of every command of every RUN, so
// it is spelled out rather than a regular expression, which each process
// would compile for its first RUN.
func IsPip(name string) bool {
	rest, ok := strings.CutPrefix(name, "pip")
	if !ok || rest == "" {
		return ok
	}
	major, minor, dotted := strings.Cut(rest, ".")
	return asciiDigits(major) && (!dotted || asciiDigits(minor))
}

// asciiDigits reports whether s is one or more of 0-9 (\d+).
func asciiDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// AptValueOptions are the apt-get options that take a separate value
// (for shellparse.Command.Subcommand).
var AptValueOptions = []string{"-o", "-c", "-t", "-a", "--option", "--config-file", "--target-release", "--host-architecture"}

// ApkValueOptions are the apk options that take a separate value.
var ApkValueOptions = []string{"-X", "--repository", "-p", "--root", "--arch", "-t", "--virtual", "--cache-dir",
	"--keys-dir", "--repositories-file", "--cache-max-age", "--wait", "--timeout"}

// AssumesYes reports whether an apt-get argument answers its prompt: -y
// (alone or in a cluster such as -qy), --yes, --assume-yes, quiet level 2
// (-qq, -q=2), or an Assume-Yes option.
func AssumesYes(v string) bool {
	switch {
	case v == "--yes" || v == "--assume-yes" || v == "--force-yes" || v == "-q=2" || v == "--quiet=2":
		return true
	case strings.Contains(strings.ToLower(v), "assume-yes"):
		return true
	case strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "--"):
		return strings.Contains(v, "y") || strings.Count(v, "q") >= 2
	}
	return false
}

// AptUpdates reports an apt-get (or apt) update, which writes the package
// lists.
func AptUpdates(c *shellparse.Command) bool {
	if c.Name != "apt-get" && c.Name != "apt" {
		return false
	}
	s, _ := c.Subcommand(AptValueOptions...)
	return s == "update"
}

// AptReadsLists reports an apt command that reads the package lists:
// installs, upgrades, downloads, searches, and apt-cache.
func AptReadsLists(c *shellparse.Command) bool {
	if c.Name == "apt-cache" {
		return true
	}
	if c.Name != "apt-get" && c.Name != "apt" {
		return false
	}
	s, _ := c.Subcommand(AptValueOptions...)
	switch s {
	case "install", "reinstall", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "source", "download",
		"changelog", "satisfy", "show", "showsrc", "list", "search", "policy", "depends", "rdepends", "madison":
		return true
	}
	return false
}

// ApkUpdates reports an apk update, which writes the package index.
func ApkUpdates(c *shellparse.Command) bool {
	if c.Name != "apk" {
		return false
	}
	s, _ := c.Subcommand(ApkValueOptions...)
	return s == "update"
}

// ApkReadsIndex reports an apk command that reads the package index left
// in /var/cache/apk: not one that fetches the index itself (--no-cache,
// -U, --update-cache).
func ApkReadsIndex(c *shellparse.Command) bool {
	if c.Name != "apk" || c.HasArg(shellparse.ArgIs("--no-cache", "-U", "--update-cache", "--update")) {
		return false
	}
	s, _ := c.Subcommand(ApkValueOptions...)
	switch s {
	case "add", "upgrade", "fix", "fetch", "search", "policy", "dot", "list", "info":
		return true
	}
	return false
}

// ApkRunBy reports whether command c, whose source is text, runs apk
// through another program (xargs apk add, sh -c 'apk add ...', su -c "apk
// add ...", chroot, find -exec) in a way that may read the index an
// earlier step left: an apk word in its arguments with a verb that reads
// it, without an option that fetches the index and not after an apk
// update in the same text.
func ApkRunBy(c *shellparse.Command, text string) bool {
	switch c.Name {
	case "apk", "echo", "printf", "rm", "":
		return false
	}
	if !strings.Contains(text, "apk") {
		return false // what the expressions below look for holds "apk"
	}
	read := wrappedApkRead.FindAllStringSubmatchIndex(text, -1)
	up := wrappedApkUpdate.FindStringIndex(text)
	for _, m := range read {
		if up != nil && up[0] < m[0] {
			break
		}
		if !apkFetchOpt.MatchString(text[m[2]:m[3]]) && !apkFetchOpt.MatchString(text[m[4]:m[5]]) {
			return true
		}
	}
	return false
}

var (
	wrappedApkRead   = lazyre.New("(?:^|[\\s'\"();&|`=/])apk\\s+((?:-\\S+\\s+)*)(?:add|upgrade|fix|fetch|search|policy|dot|list|info)\\b([^;&|'\"`)\\n]*)")
	wrappedApkUpdate = lazyre.New("(?:^|[\\s'\"();&|`=/])apk\\s+(?:-\\S+\\s+)*update\\b")
	apkFetchOpt      = lazyre.New(`(?:^|\s)(?:--no-cache|-U|--update-cache|--update)(?:\s|$)`)
)

// Removes reports whether c deletes path (or a glob inside it): rm or
// find -delete.
func Removes(c *shellparse.Command, path string) bool {
	if c.Name != "rm" && c.Name != "find" {
		return false
	}
	return c.HasArg(func(v string) bool {
		v = strings.TrimRight(v, "/")
		return v == path || strings.HasPrefix(v, path+"/") || strings.HasPrefix(path, v+"/") && v != ""
	})
}

// BareInstall reports whether a command with no subcommand installs (as
// bare "yarn" and "bundle" do): not when it only asks for help or a version.
func BareInstall(c *shellparse.Command) bool {
	return !c.HasArg(shellparse.ArgIs("--version", "-v", "-V", "--help", "-h"))
}

// OtherUser reports whether the command runs as another user (sudo -u,
// gosu, su-exec, su, runuser, chroot), whose caches are elsewhere.
func OtherUser(c *shellparse.Command) bool {
	for _, w := range []string{"gosu", "su-exec", "su", "runuser", "chroot", "setpriv", "doas"} {
		if c.HasWrapper(w) {
			return true
		}
	}
	if c.HasWrapper("sudo") {
		for _, w := range c.Call.Args[:max(c.NameIdx, 0)] {
			if v, ok := shellparse.Lit(w); ok && (v == "-u" || strings.HasPrefix(v, "--user") || strings.HasPrefix(v, "-u")) {
				return true
			}
		}
	}
	return false
}

// GoBuildsVerbs are the go subcommands that compile packages and so fill
// the build cache (GOCACHE): go build, install, test, vet, run, and go
// generate (whose generators are often go run). go mod download and go get
// (in module mode) fill only the module cache, which later builds read.
var GoBuildsVerbs = []string{"build", "install", "test", "vet", "run", "generate"}

// GoBuilds reports whether c is a go command that fills the build cache
// (see GoBuildsVerbs), and returns its subcommand. xx-go (tonistiigi/xx's
// cross-compiling wrapper) counts as go: it sets GOOS, GOARCH and the C
// toolchain for the target and runs go with its own arguments (xx-go
// --wrap only writes them to go's env file).
func GoBuilds(c *shellparse.Command) (string, bool) {
	if !isGo(c) {
		return "", false
	}
	s, _ := c.Subcommand("-C")
	for _, v := range GoBuildsVerbs {
		if s == v {
			return s, true
		}
	}
	return s, false
}

// isGo reports whether c runs go, itself or through xx-go.
func isGo(c *shellparse.Command) bool {
	return c.Name == "go" || c.Name == "xx-go"
}

// GoCleansCache reports whether c is go clean with -cache (which empties
// the build cache).
func GoCleansCache(c *shellparse.Command) bool {
	if !isGo(c) {
		return false
	}
	s, _ := c.Subcommand("-C")
	return s == "clean" && c.HasArg(shellparse.ArgIs("-cache"))
}
