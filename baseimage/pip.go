package baseimage

import (
	_ "embed"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/dfopt/dfopt/internal/lazy"
)

// Which pip a base image runs: the one the official python image's tag was
// built with (pip.txt, generated from the history of
// docker-library/official-images and docker-library/python), or the one
// its distribution packages as python3-pip.

//go:embed pip.txt
var pipData string

// pipFacts is what the history says about one tag of the python image.
type pipFacts struct{ last, oldest string }

// pipTags memoizes pipFactsOf, by tag.
var pipTags struct {
	mu sync.Mutex
	m  map[string]pipFactsFound
}

type pipFactsFound struct {
	facts pipFacts
	ok    bool
}

// pipFactsOf returns what pip.txt says about python:tag: the last of its
// "pip python LAST OLDEST TAG..." lines that lists tag. It reads the lines
// that hold the tag's text rather than building a table of every tag (a
// few thousand), which a process that looks up one tag would build for
// that tag alone; the answers are kept, for a process that reads many
// files.
func pipFactsOf(tag string) (pipFacts, bool) {
	pipTags.mu.Lock()
	defer pipTags.mu.Unlock()
	if r, ok := pipTags.m[tag]; ok {
		return r.facts, r.ok
	}
	var r pipFactsFound
	for line := range strings.Lines(pipData) {
		if !strings.HasPrefix(line, "pip python ") || !strings.Contains(line, tag) {
			continue
		}
		f := strings.Fields(line)
		if len(f) >= 5 && slices.Contains(f[4:], tag) {
			r = pipFactsFound{pipFacts{last: f[2], oldest: f[3]}, true}
		}
	}
	if pipTags.m == nil {
		pipTags.m = map[string]pipFactsFound{}
	}
	pipTags.m[tag] = r
	return r.facts, r.ok
}

// Packaged pip (python3-pip) of Debian and Ubuntu releases, from the
// releases' Packages indexes (deb.debian.org main, archive.ubuntu.com
// universe, read 2026-12-04): bullseye 20.3.4-4+deb11u1, bookworm
// 23.0.1+dfsg-1, trixie 25.1.1+dfsg-1; focal 20.0.2-5ubuntu1, jammy
// 22.0.2+dfsg-1, noble 24.0+dfsg-1ubuntu1. Later releases package newer
// ones. Older releases package pip 18.1 or older (buster 18.1, stretch and
// bionic 9.0.1, Ubuntu 19.10 18.1): they are not listed.
var packagedPip = lazy.Value[map[string]string]{New: func() map[string]string {
	return map[string]string{
		"debian/bullseye": "20.3.4", "debian/bookworm": "23.0.1", "debian/trixie": "25.1.1",
		"debian/forky": "25.1.1", "debian/sid": "25.1.1",
		"ubuntu/20.04": "20.0.2", "ubuntu/22.04": "22.0.2", "ubuntu/24.04": "24.0",
	}
}}

// Pip is what is known about the pip of a base image.
type Pip struct {
	// Version is the pip version, "" when it is not known. With a final
	// "+" it is a lower bound ("19.2.3+": 19.2.3 or newer).
	Version string
	// Why says where the answer comes from, or why it is not known.
	Why string
}

// ImagePip tells which pip an official python image reference ships,
// with the same rule as Resolve: the last build of a tag, or the oldest
// for a reference pinned by digest. It is not known for other images, or
// when the history does not say.
func ImagePip(ref string) Pip {
	lower := strings.ToLower(strings.TrimSpace(ref))
	if strings.ContainsAny(lower, "${}") {
		return Pip{Why: "the reference depends on a build argument"}
	}
	repo, tag, digest := SplitRef(lower)
	name, official := officialName(repo)
	if !official || name != "python" {
		return Pip{Why: "not an official python image"}
	}
	if tag == "" {
		if digest != "" {
			return Pip{Why: "a digest without a tag"}
		}
		tag = "latest"
	}
	f, ok := pipFactsOf(tag)
	switch {
	case !ok:
		return Pip{Why: "no facts about python:" + tag}
	case digest != "" && f.oldest == "?":
		return Pip{Why: "pinned by digest, and python:" + tag + " was built with pip versions that are not all known"}
	case digest != "":
		return Pip{Version: f.oldest, Why: "the oldest pip python:" + tag + " was built with, since the digest may be any build of it"}
	}
	return Pip{Version: f.last, Why: "the last build of python:" + tag}
}

// PackagedPip tells which pip the release info resolves to packages as
// python3-pip, for the Debian and Ubuntu releases recorded above.
func PackagedPip(info Info) Pip {
	if !info.Known {
		return Pip{Why: info.Why}
	}
	if v, ok := packagedPip.Get()[info.Distro+"/"+info.Release]; ok {
		return Pip{Version: v, Why: "python3-pip of " + info.String()}
	}
	if info.Distro == "ubuntu" && !versionLess("ubuntu", info.Release, "20.04") {
		// The interim releases after 20.04 follow Debian's newer pip.
		return Pip{Version: "20.0.2+", Why: "python3-pip of " + info.String() + ", no older than Ubuntu 20.04's"}
	}
	return Pip{Why: "the pip that " + info.String() + " packages is not recorded"}
}

// AtLeast reports whether the pip is known to be min or newer.
func (p Pip) AtLeast(min string) bool {
	return p.Version != "" && !pipVersionLess(p.Version, min)
}

// pipVersionLess orders pip versions numerically ("9.0.1" < "19.1" <
// "23.0"); a lower bound counts as its version.
func pipVersionLess(a, b string) bool {
	pa, pb := strings.Split(strings.TrimSuffix(a, "+"), "."), strings.Split(strings.TrimSuffix(b, "+"), ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}
