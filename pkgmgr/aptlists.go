package pkgmgr

import (
	"strings"

	"github.com/dfopt/dfopt/internal/lazy"
	"github.com/dfopt/dfopt/internal/lazyre"

	"github.com/dfopt/dfopt/shellparse"
)

// What else reads apt's package lists, besides apt-get, apt and apt-cache
// (AptReadsLists): programs built on libapt (aptitude, apt-file,
// apt-show-versions, unattended-upgrades, python's apt and apt_pkg
// modules, gdebi, synaptic) and anything that names the directory.
var otherListReaders = lazyre.New(`/var/lib/apt/lists|\b(aptitude|apt-file|apt-show-versions|apt-rdepends|unattended-upgrades?|gdebi|synaptic|apt-listchanges)\b|\b(import|from)\s+apt(_pkg|_inst)?\b`)

// OtherListReader returns what in text may read apt's package lists other
// than apt-get, apt and apt-cache ("" when nothing does): a program built
// on libapt, or a word naming the lists' directory that is not an
// argument of rm, rmdir or find (which remove them) or of mkdir.
func OtherListReader(text string) string {
	// Every match holds one of these (synaptic and the directory hold
	// "apt"): most texts are ruled out without running the regexp.
	if !strings.Contains(text, "apt") && !strings.Contains(text, "unattended-upgrade") && !strings.Contains(text, "gdebi") {
		return ""
	}
	for _, m := range otherListReaders.FindAllStringIndex(text, -1) {
		word := text[m[0]:m[1]]
		if strings.HasPrefix(word, "/") && removesHere(text[:m[0]]) {
			continue
		}
		if strings.HasPrefix(word, "import") || strings.HasPrefix(word, "from") {
			return "python's apt module"
		}
		return word
	}
	return ""
}

// removesHere reports whether the command that before ends in (the text
// since the last command separator) is rm, rmdir, find or mkdir.
func removesHere(before string) bool {
	i := strings.LastIndexAny(before, ";&|\n(`")
	f := strings.Fields(before[i+1:])
	for len(f) > 0 && (f[0] == "sudo" || strings.Contains(f[0], "=")) {
		f = f[1:]
	}
	if len(f) == 0 {
		return false
	}
	switch f[0] {
	case "rm", "rmdir", "find", "mkdir", "/bin/rm", "/usr/bin/rm":
		return true
	}
	return false
}

// OtherListReaderCmd is OtherListReader for a command of a parsed
// program: what in its text (text is the command's source) may read the
// lists.
func OtherListReaderCmd(c *shellparse.Command, text string) string {
	switch c.Name {
	case "apt-get", "apt", "apt-cache", "rm", "rmdir", "mkdir":
		return ""
	case "find":
		if c.HasArg(ArgIsDelete) {
			return ""
		}
	}
	if what := OtherListReader(text); what != "" {
		return what
	}
	if c.Name != "aptitude" && c.Name != "dpkg" && strings.Contains(text, "apt") && wrappedApt.MatchString(text) {
		// apt run by another command (xargs, sh -c, su -c, fakeroot,
		// chroot, find -exec, ...): a reader whose update cannot be put in
		// front of it.
		name := c.Name
		if name == "" {
			name = "a command"
		}
		return "apt run by " + name
	}
	return ""
}

// wrappedApt matches apt-get, apt or apt-cache as a word of a command's
// text (an argument, or inside a quoted script).
var wrappedApt = lazyre.New("(^|[\\s'\"();&|`=])(apt-get|apt|apt-cache)($|[\\s'\";&|)`])")

// ArgIsDelete matches find's -delete.
func ArgIsDelete(v string) bool { return v == "-delete" }

// aptQuietVars are variables that may prefix an apt-get command without
// changing where it fetches from or what it reads.
var aptQuietVars = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"DEBIAN_FRONTEND": true, "DEBCONF_NONINTERACTIVE_SEEN": true, "DEBCONF_NOWARNINGS": true,
		"ACCEPT_EULA": true, "NEEDRESTART_MODE": true, "NEEDRESTART_SUSPEND": true, "TZ": true,
		"LANG": true, "LC_ALL": true, "LANGUAGE": true, "TERM": true,
	}
}}

// PlainAptCommand reports why an apt command that reads the lists could
// not be preceded by a plain `apt-get update` reading the same sources
// ("" when it could): options that change apt's configuration (-o, -c),
// variables that may (a proxy), or wrappers that run it as another user.
func PlainAptCommand(c *shellparse.Command) string {
	for _, w := range c.Wrappers {
		if w != "env" && w != "nice" && w != "eatmydata" && w != "time" && w != "stdbuf" {
			return "it runs through " + w
		}
	}
	for _, a := range c.Assigns {
		if a.Name == nil || !aptQuietVars.Get()[a.Name.Value] {
			return "it runs with variables that may change where apt fetches from"
		}
	}
	if c.HasArg(func(v string) bool {
		return strings.HasPrefix(v, "-o") || strings.HasPrefix(v, "-c") ||
			strings.HasPrefix(v, "--option") || strings.HasPrefix(v, "--config-file")
	}) {
		return "it runs with options that change apt's configuration"
	}
	return ""
}

// AptInArgs returns the words of c, a command other than apt-get, apt,
// apt-cache and aptitude, from its first argument on, when they run one of
// them: as the command a launcher runs (runuser -u root -- apt-get,
// chroot / apt-get, flock FILE apt-get, unshare -n apt-get, setpriv,
// nsenter) or in a command string (su -c "apt-get install -y curl", su
// root -c, runuser -c, flock -c); "" when no word names apt. The text is
// what follows the command's name, joined with spaces, so that a caller
// can ask what the apt command does.
func AptInArgs(c *shellparse.Command) string {
	switch c.Name {
	case "apt-get", "apt", "apt-cache", "aptitude", "":
		return ""
	}
	var words []string
	for j := c.NameIdx + 1; j < len(c.Lits); j++ {
		if c.Static[j] {
			words = append(words, c.Lits[j])
		}
	}
	text := strings.Join(words, " ")
	if !strings.Contains(text, "apt") {
		return ""
	}
	if wrappedApt.MatchString(text) || strings.Contains(text, "aptitude") {
		return text
	}
	return ""
}

// aptTool matches apt-get, apt, apt-cache, apt-mark or aptitude as a word
// of a text (a command, an argument, or inside a quoted script), also by
// path (/usr/bin/apt-get), but not a directory named apt
// (/var/lib/apt/lists).
var aptTool = lazyre.New("(^|[\\s'\"();&|`=])(/[^\\s'\"]*/)?(apt-get|apt|apt-cache|apt-mark|aptitude)($|[\\s'\";&|)`])")

// RunsAptText reports whether text may run an apt tool (apt-get, apt,
// apt-cache, apt-mark, aptitude) with any subcommand: as root each opens
// apt's cache and, unless apt's configuration says otherwise (the official
// images' docker-clean sets Dir::Cache::pkgcache and srcpkgcache to ""),
// saves pkgcache.bin and srcpkgcache.bin in /var/cache/apt.
func RunsAptText(text string) bool {
	return strings.Contains(text, "apt") && aptTool.MatchString(text)
}
