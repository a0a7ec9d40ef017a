package baseimage

import (
	"strings"

	"github.com/dfopt/dfopt/internal/lazy"
)

// What a release's repositories hold and whether they are served. Facts are
// per release; anything not listed is not known (HasPackage and Current
// answer false).
type releaseFacts struct {
	// served: the release's packages are still at the address its images
	// are configured with, and will stay there for a while.
	served bool
	// pkgs: packages its default repositories ship (main/universe for
	// Debian and Ubuntu, main/community for Alpine), with their paths.
	pkgs map[string]bool
}

var (
	none     = map[string]bool{}
	dumbOnly = lazy.Value[map[string]bool]{New: func() map[string]bool {
		return map[string]bool{"dumb-init": true}
	}}
	both = lazy.Value[map[string]bool]{New: func() map[string]bool {
		return map[string]bool{"tini": true, "dumb-init": true}
	}}
)

// Debian, by codename.
//
// tini: the first upload to Debian was 0.18.0-1 on 2018-04-25 (the
// changelog in bookworm's tini 0.19.0-1+b3, /usr/share/doc/tini), after
// stretch was released (2017-06) and before buster (2019-07).
// dumb-init: the first upload was 1.0.1-1 on 2016-03-12 (its changelog),
// after jessie (2015-04); stretch has 1.2.0-1 (uploaded 2016-10-13, before
// its freeze in 2017-02).
// bullseye, bookworm, trixie, forky and sid were checked in the Packages
// indexes of deb.debian.org on 2026-12-04 (tini 0.19.0-1, 0.19.0-1+b3,
// 0.19.0-3+b8, 0.19.0-6+b2; dumb-init 1.2.5-1 to 1.2.5-3.1), all with
// /usr/bin/tini.
// served: deb.debian.org answered 404 for jessie, stretch and buster (moved
// to archive.debian.org) and 200 for bullseye and later on 2026-12-04.
// bullseye's LTS ended on 2026-08-31 and such releases are moved to the
// archive a few months later, so it is not counted as served.
var debianFacts = lazy.Value[map[string]releaseFacts]{New: func() map[string]releaseFacts {
	return map[string]releaseFacts{
		"squeeze":  {served: false, pkgs: none},
		"wheezy":   {served: false, pkgs: none},
		"jessie":   {served: false, pkgs: none},
		"stretch":  {served: false, pkgs: dumbOnly.Get()},
		"buster":   {served: false, pkgs: both.Get()},
		"bullseye": {served: false, pkgs: both.Get()},
		"bookworm": {served: true, pkgs: both.Get()},
		"trixie":   {served: true, pkgs: both.Get()},
		"forky":    {served: true, pkgs: both.Get()},
		"sid":      {served: true, pkgs: both.Get()},
	}
}}

// Ubuntu, by version.
//
// tini (universe) arrived with Debian's first upload (2018-04-25), after
// 18.04's Debian import freeze (2018-03-01): 18.04 has none (also reported
// in jupyter/docker-stacks#1511, 2021), 20.04 has 0.18.0-1 and later
// releases 0.19.0. dumb-init's first Debian upload (2016-03-12) came after
// 16.04's import freeze (2016-02-18), so 16.04 is not known to have it;
// 18.04 has 1.2.1-1 (uploaded 2018-01-17).
// served: LTS releases stay on archive.ubuntu.com during their ESM years
// (18.04 until 2028, 20.04 until 2030); interim releases move to
// old-releases.ubuntu.com after their end of life, as do LTS releases past
// ESM (16.04's ended 2026-04). Not checked from here: Ubuntu's archive is
// not reachable.
var ubuntuFacts = lazy.Value[map[string]releaseFacts]{New: func() map[string]releaseFacts {
	return map[string]releaseFacts{
		"14.04": {served: false, pkgs: none},
		"16.04": {served: false, pkgs: none},
		"18.04": {served: true, pkgs: dumbOnly.Get()},
		"20.04": {served: true, pkgs: both.Get()},
		"22.04": {served: true, pkgs: both.Get()},
		"24.04": {served: true, pkgs: both.Get()},
		"26.04": {served: true, pkgs: both.Get()},
		"26.10": {served: true, pkgs: both.Get()}, // the development release (ubuntu:devel)
	}
}}

// ubuntuInterim: interim releases from 18.10 on have tini (they follow
// Debian), and none of them is served after its end of life; the interim
// releases still supported are listed in ubuntuFacts.
func ubuntuInterim(version string) (releaseFacts, bool) {
	if versionLess("ubuntu", version, "18.10") || !versionLess("ubuntu", version, "26.04") {
		return releaseFacts{}, false
	}
	if strings.HasSuffix(version, ".04") {
		if y := version[:2]; y == "20" || y == "22" || y == "24" {
			return releaseFacts{}, false // LTS, listed above
		}
	}
	return releaseFacts{served: false, pkgs: both.Get()}, true
}

// Alpine, by version.
//
// tini: moved from testing to community in 2016-02 while 3.3 was frozen,
// so 3.4 is the first release with it (krallin/tini#34; 3.3 "did not
// include tini", hardware/nsd-dnssec#35; 3.2 has none, krallin/tini#38);
// since 3.4 it is /sbin/tini (3.4 kept a /usr/bin/tini shim, removed in
// 3.5). dumb-init: in community at least since 3.10 (a project switched
// to it in 2019-08, mbta/concentrate#95); earlier releases are not known.
// served: dl-cdn.alpinelinux.org keeps every release branch, v3.0 and
// later, including those past their end of life (not checked from here).
func alpineFacts(version string) (releaseFacts, bool) {
	if version == "edge" {
		return releaseFacts{served: true, pkgs: both.Get()}, true
	}
	v, ok := majorMinor(version + ".0")
	if !ok || versionLess("alpine", v, "3.0") {
		return releaseFacts{}, false
	}
	switch {
	case versionLess("alpine", v, "3.4"):
		return releaseFacts{served: true, pkgs: none}, true
	case versionLess("alpine", v, "3.10"):
		return releaseFacts{served: true, pkgs: map[string]bool{"tini": true}}, true
	}
	return releaseFacts{served: true, pkgs: both.Get()}, true
}

func factsOf(r release) (releaseFacts, bool) {
	switch r.distro {
	case "debian":
		f, ok := debianFacts.Get()[r.name]
		return f, ok
	case "ubuntu":
		if f, ok := ubuntuFacts.Get()[r.name]; ok {
			return f, true
		}
		return ubuntuInterim(r.name)
	case "alpine":
		return alpineFacts(r.name)
	}
	// RHEL-family images: no facts. tini and dumb-init are not in the
	// base repositories of RHEL, CentOS, Rocky, Alma, Oracle Linux or
	// Amazon Linux, and Fedora's packages were not checked.
	return releaseFacts{}, false
}

func isCurrent(r release) bool {
	f, ok := factsOf(r)
	return ok && f.served
}

// everyDebianRelease are packages that the main repositories of every
// Debian release from squeeze (2011) on and every Ubuntu release from
// 14.04 on ship: the ones a no-install-recommends fix installs by name
// (ca-certificates has been in Debian since 2003, openssh-client since the
// ssh package was split in 2004, gnupg since 1998, libc6-dev since the
// libc6 transition of 1997, netbase since 1996, xauth since X was split
// into modular packages in 2007).
var everyDebianRelease = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{"ca-certificates": true, "openssh-client": true, "gnupg": true,
		"libc6-dev": true, "netbase": true, "xauth": true}
}}

// HasPackage reports whether the default repositories of the release info
// resolves to are known to ship pkg (recorded: tini and dumb-init per
// release, and the packages of every Debian and Ubuntu release above). It
// is false for anything not known.
func HasPackage(info Info, pkg string) bool {
	if !info.Known {
		return false
	}
	f, ok := factsOf(release{info.Distro, info.Release})
	return ok && (f.pkgs[pkg] || (info.Family == Debian && everyDebianRelease.Get()[pkg]))
}
