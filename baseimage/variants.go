package baseimage

import (
	"strings"

	"github.com/dfopt/dfopt/internal/lazy"
)

// Slim variants of the official language images. The default variant of
// python, node and ruby is built on buildpack-deps: Debian with compilers,
// C headers of common libraries, version control and download tools. The
// slim variant is the same language runtime on plain debian:RELEASE-slim,
// a few hundred MB smaller.

// slimOrder tells where an image's tags put "slim" next to a release
// codename: python:3.12-slim-bookworm, ruby:3.3-slim-bookworm, but
// node:20-bookworm-slim.
var slimOrder = lazy.Value[map[string]string]{New: func() map[string]string {
	return map[string]string{"python": "before", "ruby": "before", "node": "after"}
}}

// FullOnly maps programs that the default variant of python, node and ruby
// has and the slim one does not (buildpack-deps: curl, wget, git, gcc,
// make, ...) to the Debian packages that provide them: a file that runs one
// of them must install it itself to run on the slim variant. (The full
// node image also has python3, which node-gyp needs.)
var FullOnly = lazy.Value[map[string][]string]{New: func() map[string][]string {
	return map[string][]string{
		"gcc": {"gcc", "build-essential"}, "cc": {"gcc", "build-essential"}, "c89": {"gcc", "build-essential"},
		"c99": {"gcc", "build-essential"}, "g++": {"g++", "build-essential"}, "c++": {"g++", "build-essential"},
		"cpp": {"cpp", "gcc", "build-essential"}, "make": {"make", "build-essential"},
		"ld": {"binutils", "gcc", "build-essential"}, "as": {"binutils", "gcc", "build-essential"},
		"git": {"git"}, "curl": {"curl"}, "wget": {"wget"},
		"pkg-config": {"pkg-config", "pkgconf"}, "autoconf": {"autoconf"}, "autoreconf": {"autoconf"},
		"automake": {"automake"}, "libtool": {"libtool"}, "libtoolize": {"libtool"}, "patch": {"patch"},
		"bzip2": {"bzip2"}, "unzip": {"unzip"}, "xz": {"xz-utils"}, "unxz": {"xz-utils"},
		"gpg": {"gnupg", "gpg"}, "ssh": {"openssh-client"}, "scp": {"openssh-client"},
		"svn": {"subversion"}, "hg": {"mercurial"}, "file": {"file"}, "convert": {"imagemagick"},
		"identify": {"imagemagick"}, "mysql_config": {"default-libmysqlclient-dev"}, "pg_config": {"libpq-dev"},
	}
}}

// FullOnlyNode lists what the full node image adds besides FullOnly.
var FullOnlyNode = lazy.Value[map[string][]string]{New: func() map[string][]string {
	return map[string][]string{"python3": {"python3"}, "python": {"python3", "python-is-python3"}}
}}

// SlimVariant returns the slim variant of an official python, node or ruby
// image reference, written as ref is (registry prefix and tag style kept):
// "python:3.12" gives "python:3.12-slim", "node:20-bookworm"
// "node:20-bookworm-slim", "python" "python:slim". why says why there is
// none (another image, a variant that is not the default one, a digest, a
// tag whose slim variant the official images never had).
func SlimVariant(ref string) (slim, why string) {
	ref = strings.TrimSpace(ref)
	lower := strings.ToLower(ref)
	repo, tag, digest := SplitRef(lower)
	name, official := officialName(repo)
	order, known := slimOrder.Get()[name]
	switch {
	case !official || !known || strings.ContainsAny(repo, "${}"):
		return "", "dfopt knows slim variants of python, node and ruby only"
	case digest != "":
		return "", "it is pinned by digest, and the slim image's digest is not known"
	}
	if tag == "" {
		tag = "latest"
	}
	words := strings.Split(tag, "-")
	if strings.ContainsAny(tag, "${}") {
		for _, w := range words {
			if w == "slim" || strings.HasPrefix(w, "alpine") || strings.HasPrefix(w, "windowsservercore") {
				return "", "it is not the default Debian variant"
			}
		}
		return "", "the image is named by a build argument"
	}
	for _, w := range words {
		switch w {
		case "slim":
			return "", "it is the slim variant already"
		case "alpine", "windowsservercore", "nanoserver", "onbuild", "wheezy", "jessie", "stretch":
			return "", "it is not the default Debian variant"
		}
		if strings.HasPrefix(w, "alpine") || strings.HasPrefix(w, "windowsservercore") || strings.HasPrefix(w, "ltsc") {
			return "", "it is not the default Debian variant"
		}
	}
	// [VERSION][-CODENAME]
	var version, codename string
	switch len(words) {
	case 1:
		if codenameOf("debian", words[0]) != "" {
			codename = words[0]
		} else {
			version = words[0]
		}
	case 2:
		if codenameOf("debian", words[1]) == "" {
			return "", "dfopt does not know the slim variant of the tag " + tag
		}
		version, codename = words[0], words[1]
	default:
		return "", "dfopt does not know the slim variant of the tag " + tag
	}
	var slimTag string
	switch {
	case version == "latest":
		slimTag = "slim"
	case codename == "":
		slimTag = version + "-slim"
	case order == "after":
		slimTag = strings.TrimPrefix(version+"-", "-") + codename + "-slim"
	default:
		slimTag = strings.TrimPrefix(version+"-", "-") + "slim-" + codename
	}
	if codename == "" {
		// A tag that does not name its release: the official images must
		// have had its slim variant.
		if _, ok := lookupTag(name, slimTag); !ok {
			return "", name + ":" + slimTag + " is not among the official images' tags"
		}
	}
	// Keep what was written before the tag (registry, library/, case).
	i := strings.LastIndex(ref, ":")
	if i < strings.LastIndex(ref, "/") || i < 0 {
		return ref + ":" + slimTag, ""
	}
	return ref[:i+1] + slimTag, ""
}

// HasCompiler reports whether the image ref is known to have gcc, the C
// library's headers and make: the default (buildpack-deps) variant of
// python, node and ruby, which SlimVariant can make slim, and golang's
// Debian images, which install gcc, libc6-dev, make and pkg-config
// themselves, and buildpack-deps (but its curl and scm variants) with the
// images built on it: gcc, rust and perl (but their slim variants).
// Anything else, and a tag dfopt cannot read, is not known to.
func HasCompiler(ref string) bool {
	if slim, _ := SlimVariant(ref); slim != "" {
		return true
	}
	repo, tag, _ := SplitRef(strings.ToLower(strings.TrimSpace(ref)))
	name, official := officialName(repo)
	if !official || strings.ContainsAny(tag, "${}") {
		return false
	}
	switch name {
	case "golang", "buildpack-deps", "gcc", "rust", "perl":
	default:
		return false
	}
	for _, w := range strings.Split(tag, "-") {
		if strings.HasPrefix(w, "alpine") || strings.HasPrefix(w, "windowsservercore") || w == "nanoserver" || strings.HasPrefix(w, "ltsc") {
			return false
		}
		// buildpack-deps' curl and scm variants have no compiler; the
		// slim rust and perl images have no make.
		if w == "curl" || w == "scm" || w == "slim" {
			return false
		}
	}
	return true
}
