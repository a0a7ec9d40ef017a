package pkgmgr

import (
	"strconv"
	"strings"

	"github.com/dfopt/dfopt/internal/lazyre"

	"github.com/dfopt/dfopt/baseimage"
)

// Releases old enough that their packaged tools predate an option, by the
// word that names them in image tags.
var (
	// Distributions whose RubyGems is older than 2.0 (no --no-document):
	// Debian 7 and older (RubyGems 1.8), Ubuntu 14.04 and older (1.8 with
	// ruby1.9.1), CentOS 6 and older (1.3).
	oldGemWords = []string{"wheezy", "squeeze", "lenny", "trusty", "precise", "lucid", "centos6", "centos5"}
	// Distributions whose packaged pip is older than 6.0 (no
	// --no-cache-dir): Debian 8 and older (1.5.6), Ubuntu 15.10 and
	// older (1.5.4 to 1.5.6).
	oldPipWords = []string{"jessie", "wheezy", "squeeze", "lenny", "trusty", "precise", "lucid", "utopic", "vivid", "wily"}
)

var (
	debianOldGem = lazyre.New(`^[4-7](\.|$)`)
	debianOldPip = lazyre.New(`^[4-8](\.|$)`)
	ubuntuOldGem = lazyre.New(`^(1[0-4]|[4-9])\.`)
	ubuntuOldPip = lazyre.New(`^(1[0-5]|[4-9])\.`)
	centosOld    = lazyre.New(`^(centos)?[3-6](\.|$)`)
	ruby1        = lazyre.New(`^1(\.|$)`)
)

// tagWords reports whether the tag names one of words as a whole word
// ("8-jessie", "trusty-20190515").
func tagWords(tag string, words []string) bool {
	for _, part := range strings.FieldsFunc(tag, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		for _, w := range words {
			if part == w {
				return true
			}
		}
	}
	return false
}

// OldRubyGems reports whether the base image name:tag is known to carry a
// RubyGems older than 2.0: ruby:1.x, and the distributions above.
func OldRubyGems(name, tag string) bool {
	switch name {
	case "ruby", "jruby":
		return name == "ruby" && ruby1.MatchString(tag)
	case "debian":
		if debianOldGem.MatchString(tag) {
			return true
		}
	case "ubuntu":
		if ubuntuOldGem.MatchString(tag) {
			return true
		}
	case "centos":
		if centosOld.MatchString(tag) {
			return true
		}
	}
	return tagWords(tag, oldGemWords)
}

// GemDocOption returns the option that keeps gem install and gem update
// from building documentation, accepted by every RubyGems the base image
// name:tag may carry: "--no-document" (RubyGems 2.0 and later), or
// "--no-rdoc --no-ri" (before 3.0) on a base known to carry one older
// than 2.0. updated says that RubyGems was updated earlier in the stage,
// to a version of 2.0 or later, so that the base's does not run any more.
func GemDocOption(name, tag string, updated bool) string {
	if OldRubyGems(name, tag) && !updated {
		return "--no-rdoc --no-ri"
	}
	return "--no-document"
}

// OldPip reports whether the base image name:tag is known to ship, as its
// distribution's package, a pip older than 6.0, which has no cache and
// rejects --no-cache-dir. The python and pypy images install their own
// pip.
func OldPip(name, tag string) bool {
	switch name {
	case "python", "pypy":
		return false
	case "debian":
		if debianOldPip.MatchString(tag) {
			return true
		}
	case "ubuntu":
		if ubuntuOldPip.MatchString(tag) {
			return true
		}
	}
	return tagWords(tag, oldPipWords)
}

// PipWheelsWithoutCache is the first pip that builds wheels with
// --no-cache-dir: from 7.0 to 19.0.x, pip builds (and caches) a wheel from
// a source distribution only when its cache is on and the wheel package is
// installed; with --no-cache-dir it runs setup.py install instead, which
// installs NAME.egg-info (and easy_install's script wrappers) where the
// wheel would install NAME.dist-info. 19.1 builds into a temporary cache
// (pypa/pip commands/install.py: "if wheel and options.cache_dir" up to
// 18.1, build_legacy = bool(options.cache_dir) in 19.0.3,
// should_use_ephemeral_cache from 19.1).
const PipWheelsWithoutCache = "19.1"

// PipOldEffect says, after a reason to decline, what --no-cache-dir changes
// for a pip older than PipWheelsWithoutCache.
const PipOldEffect = "; before " + PipWheelsWithoutCache + ", with wheel installed, --no-cache-dir also stops pip from building wheels, " +
	"so source distributions would be installed as .egg-info instead of .dist-info"

// PipNoCacheDir reports whether pip on the base image ref (as written in
// FROM) accepts --no-cache-dir and installs the same files with it: a pip
// known to be 19.1 or newer. That is the pip an official python image's
// tag was built with (baseimage.ImagePip), or the python3-pip a Debian or
// Ubuntu release packages (baseimage.PackagedPip) for other bases whose
// release is known, since their pip comes from that package unless the
// file installs another (see the callers). Otherwise it says why not.
func PipNoCacheDir(ref string) (ok bool, why string) {
	const effect = PipOldEffect
	p := baseimage.ImagePip(ref)
	if p.Version == "" && p.Why == "not an official python image" {
		p = baseimage.PackagedPip(baseimage.Resolve(ref))
	}
	switch {
	case p.AtLeast(PipWheelsWithoutCache):
		return true, ""
	case p.Version != "":
		return false, "the pip of " + ref + " is " + p.Version + " (" + p.Why + ")" + effect
	}
	return false, "the pip of " + ref + " is not known (" + p.Why + ")" + effect
}

var oldAlpine = lazyre.New(`^(2\.|3\.[0-2](\.|$))|alpine3\.[0-2]\b`)

// OldApk reports whether the base image name:tag is known to carry an
// apk-tools older than 2.6 (Alpine 3.2 and older), which rejects --no-cache.
func OldApk(name, tag string) bool {
	if name == "alpine" {
		return oldAlpine.MatchString(tag)
	}
	return alpineInTag.MatchString(tag)
}

var alpineInTag = lazyre.New(`alpine3\.[0-2]([^0-9]|$)`)

// ApkReadsCachedIndex reports whether the base image info resolves to is
// known to carry an apk-tools that reads the package index cached in
// /var/cache/apk as it is, refreshing it only for apk update or -U: Alpine
// 3.3 to 3.8. There, apk add --no-cache reads the live index instead of
// the cached one, which changes what is installed, and apk add without -U
// writes no index at all.
//
// apk-tools refreshes an index older than four hours by itself (and writes
// it) from 2.9.1 on (commit 8a28c6d "enable automatic update of indexes
// controlled by --cache-max-age", 2018-01-04); the stable branches before
// it are 2.6 (Alpine 3.3 to 3.5), 2.7 (3.6) and 2.8 (3.7). The next stable
// branch, 2.10, was tagged two days before Alpine 3.8 came out; 3.8 is
// counted with the older releases because its images were not checked.
// Releases that are not known (a third-party image, a tag whose release
// the tables do not know) are not reported: see cache-cleanup's doc.
func ApkReadsCachedIndex(info baseimage.Info) bool {
	if !info.Known || info.Distro != "alpine" {
		return false
	}
	major, minor, ok := strings.Cut(info.Release, ".")
	if !ok || major != "3" {
		return false
	}
	n, err := strconv.Atoi(minor)
	return err == nil && n >= 3 && n <= 8
}

// GoWithoutBuildCache reports whether the official golang image with tag
// carries a Go older than 1.10, which has no build cache (go build keeps
// nothing outside GOPATH/pkg then).
func GoWithoutBuildCache(name, tag string) bool {
	if name != "golang" {
		return false
	}
	rest, ok := strings.CutPrefix(tag, "1.")
	if !ok {
		return false
	}
	minor := rest
	if i := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
		minor = rest[:i]
	}
	n, err := strconv.Atoi(minor)
	return err == nil && n < 10
}
