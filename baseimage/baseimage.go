// Package baseimage knows what a base image reference stands for: the
// package-manager family and the distribution release it is built on,
// whether that release's repositories ship a package, and whether they are
// still served where the image looks for them.
//
// The answers come from data, never from the network:
//
//   - tags.txt, generated from the history of docker-library/official-images
//     (see internal/gen): for the official images' tags that do not name
//     their release (python:3.6, node:8, golang:latest, ...), the release of
//     the last entry that listed the tag, and the oldest release it ever had;
//     and the codename of every Debian and Ubuntu version;
//   - tags.go: how tags name their release (python:3.12-slim-bookworm,
//     golang:1.22-alpine3.19, openjdk:21-oraclelinux8, amazoncorretto:21-al2023,
//     ubuntu:22.04, debian:12-slim, ...);
//   - releases.go: per release, which packages its repositories have and
//     whether they are still served, each fact with its source beside it;
//   - pip.txt, generated from the history of docker-library/official-images
//     and docker-library/python (see gen_pip_test.go): the pip each tag of
//     the python image was built with; and pip.go: the python3-pip of
//     Debian and Ubuntu releases.
//
// What the data does not say is not known: Resolve answers Known=false for
// an image it has no facts about (a third-party image, a tag that never
// existed, a reference built from a build argument), and HasPackage answers
// false for a release or a package it has no facts about. Callers decline
// rather than guess.
package baseimage

import (
	"strings"

	"github.com/dfopt/dfopt/internal/lazy"
)

// Family is a base image's package-manager family.
type Family string

const (
	Unknown Family = ""
	Debian  Family = "debian" // apt-get, apt, dpkg: Debian, Ubuntu
	Alpine  Family = "alpine" // apk
	RHEL    Family = "rhel"   // dnf, yum, microdnf: Fedora, CentOS, RHEL/UBI, Rocky, Alma, Oracle Linux, Amazon Linux
	None    Family = "none"   // scratch, distroless, busybox: no package manager
	Windows Family = "windows"
)

// Info is what is known about a base image reference.
type Info struct {
	// Ref is the reference as given.
	Ref string
	// Family is the package-manager family, Unknown when not known.
	Family Family
	// Distro and Release name the distribution release the image is built
	// on: "debian" "bookworm", "ubuntu" "24.04", "alpine" "3.20",
	// "oraclelinux" "8", "amazonlinux" "2023". Release is "" when only the
	// distribution is known. When a tag was rebuilt on several releases and
	// the reference does not say which build it means (a digest), Release
	// is the oldest of them: the answers of HasPackage and Current are the
	// same or worse for older releases, so they hold for all of them.
	Distro, Release string
	// Known reports whether Family, Distro and Release are all known.
	Known bool
	// Current reports whether the release's repositories are still served
	// at the address the image is configured with (releases moved to an
	// archive are not current; neither is a release that is about to be).
	Current bool
	// NoEntrypoint reports whether the image is known to set no ENTRYPOINT.
	NoEntrypoint bool
	// Why says where the answer comes from, or why it is not known.
	Why string
}

// String names the release ("debian bookworm") or what is known of it.
func (i Info) String() string {
	switch {
	case i.Family == None && i.Distro == "":
		return "no distribution"
	case i.Distro != "" && i.Release != "":
		return i.Distro + " " + i.Release
	case i.Distro != "":
		return i.Distro + " (release not known)"
	case i.Family != Unknown:
		return string(i.Family) + " family (release not known)"
	}
	return "unknown"
}

// Resolve tells what a FROM reference ("python:3.12-slim",
// "docker.io/library/debian:bookworm@sha256:...") stands for. It knows
// the official images of Docker Hub (also through their usual mirrors), a
// few vendor images (Red Hat UBI, distroless) and nothing else.
func Resolve(ref string) Info {
	info := Info{Ref: ref}
	lower := strings.ToLower(strings.TrimSpace(ref))
	if lower == "scratch" {
		info.Family, info.Known, info.NoEntrypoint = None, true, true
		info.Why = "scratch is empty"
		return info
	}
	if strings.ContainsAny(lower, "${}") {
		info.Why = "the reference depends on a build argument"
		return info
	}
	repo, tag, digest := SplitRef(lower)
	if tag == "" {
		tag = "latest"
		if digest != "" {
			tag = ""
		}
	}
	name, official := officialName(repo)
	if !official {
		return vendorImage(info, repo, tag)
	}
	info.NoEntrypoint = noEntrypoint.Get()[name]
	return officialImage(info, name, tag, digest != "")
}

// SplitRef splits an image reference into repository, tag and digest
// ("python", "3.12", "" for python:3.12), as written.
func SplitRef(ref string) (repo, tag, digest string) {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref, digest = ref[:i], ref[i+1:]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref, tag = ref[:i], ref[i+1:]
	}
	return ref, tag, digest
}

// Registries that serve Docker Hub's official images under these prefixes.
var officialPrefixes = []string{
	"docker.io/library/", "index.docker.io/library/", "registry-1.docker.io/library/",
	"registry.hub.docker.com/library/", "public.ecr.aws/docker/library/", "mirror.gcr.io/library/",
	"docker.io/", "index.docker.io/", "registry-1.docker.io/", "registry.hub.docker.com/", "mirror.gcr.io/",
	"library/",
}

// officialName returns the name of an official image ("python" for
// "docker.io/library/python"), and false for any other repository.
func officialName(repo string) (string, bool) {
	for _, p := range officialPrefixes {
		if rest, ok := strings.CutPrefix(repo, p); ok {
			repo = rest
			break
		}
	}
	if repo == "" || strings.Contains(repo, "/") {
		return "", false
	}
	return repo, true
}

// Official images known to set no ENTRYPOINT of their own. An image not
// listed may have one, which a new ENTRYPOINT would replace. (From the
// images' Dockerfiles in their docker-library repositories.)
var noEntrypoint = lazy.Value[map[string]bool]{New: func() map[string]bool {
	return map[string]bool{
		"debian": true, "ubuntu": true, "alpine": true, "busybox": true,
		"python": true, "golang": true, "rust": true, "ruby": true, "openjdk": true,
		"fedora": true, "centos": true, "rockylinux": true, "almalinux": true,
		"amazonlinux": true, "archlinux": true, "buildpack-deps": true,
	}
}}

func officialImage(info Info, name, tag string, pinned bool) Info {
	if name == "busybox" {
		info.Family, info.Distro, info.Known = None, "busybox", true
		info.Why = "busybox has no package manager"
		return info
	}
	if d, ok := distroImages.Get()[name]; ok {
		info.Distro, info.Family = d.distro, d.family
	}
	if tag == "" {
		info.Why = "a digest without a tag: the release it was built on is not known"
		return info
	}
	// The tag names its release: the same for every build of it.
	if r, ok := releaseOfTag(name, tag); ok {
		return withRelease(info, r, "the tag "+name+":"+tag+" names it")
	}
	// Otherwise the table made from the official images' history.
	if t, ok := lookupTag(name, tag); ok {
		r, why := t.last, "the last build of "+name+":"+tag+" (official-images "+t.commit+")"
		if pinned {
			if !t.oldest.known() {
				info.Why = "pinned by digest, and " + name + ":" + tag + " was built on releases that are not all known"
				return info
			}
			r, why = t.oldest, "the oldest release "+name+":"+tag+" was built on, since the digest may be any build of it"
		}
		if !r.known() {
			info.Why = "the last build of " + name + ":" + tag + " does not say its release"
			return info
		}
		return withRelease(info, r, why)
	}
	if info.Why == "" {
		info.Why = "no facts about its tag"
	}
	return info
}

// withRelease fills in a resolved release.
func withRelease(info Info, r release, why string) Info {
	info.Distro, info.Release = r.distro, r.name
	info.Family = familyOf(r.distro)
	info.Known = info.Family != Unknown && r.name != ""
	info.Current = isCurrent(r)
	info.Why = why
	return info
}

// vendorImage resolves the few images outside Docker Hub's library that are
// common bases and whose content is fixed by their name.
func vendorImage(info Info, repo, tag string) Info {
	switch {
	case strings.HasPrefix(repo, "gcr.io/distroless/") || strings.HasPrefix(repo, "cgr.dev/chainguard/static"):
		info.Family, info.Known = None, true
		info.Why = "distroless images have no package manager"
		return info
	case strings.HasPrefix(repo, "registry.access.redhat.com/") || strings.HasPrefix(repo, "registry.redhat.io/") ||
		strings.HasPrefix(repo, "redhat/"):
		// registry.access.redhat.com/ubi9/ubi-minimal, redhat/ubi8: Red
		// Hat's Universal Base Images, with dnf or microdnf.
		for _, part := range strings.Split(repo, "/") {
			if v, ok := strings.CutPrefix(part, "ubi"); ok && len(v) > 0 && isDigits(v[:1]) {
				v, _, _ = strings.Cut(v, "-")
				return withRelease(info, release{distro: "rhel", name: v}, "Red Hat Universal Base Image "+v)
			}
		}
	case repo == "public.ecr.aws/amazonlinux/amazonlinux":
		if r, ok := releaseOfTag("amazonlinux", tag); ok {
			return withRelease(info, r, "the tag amazonlinux:"+tag+" names it")
		}
		info.Family, info.Distro = RHEL, "amazonlinux"
	}
	info.Why = "not an official image"
	return info
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// entrypoints says, for official images that set an ENTRYPOINT, whether
// it needs to start as root: "" for an entrypoint that runs as any user
// (it sets up the environment and execs the command), else what it does
// as root.
var entrypoints = lazy.Value[map[string]string]{New: func() map[string]string {
	return map[string]string{
		"node": "", "php": "", "maven": "", "eclipse-temurin": "", "gradle": "",
		"postgres":  "it fixes the ownership of the data directory and drops privileges with gosu",
		"mysql":     "it fixes the ownership of the data directory and drops privileges with gosu",
		"mariadb":   "it fixes the ownership of the data directory and drops privileges with gosu",
		"mongo":     "it fixes the ownership of the data directory and drops privileges with gosu",
		"redis":     "it fixes the ownership of the data directory and drops privileges with gosu or su-exec",
		"rabbitmq":  "it drops privileges with gosu or su-exec",
		"wordpress": "it sets up the web root as root before Apache drops privileges",
		"nginx":     "nginx starts as root to bind port 80 and runs its workers as nginx",
		"httpd":     "Apache starts as root to bind port 80 and runs its workers as www-data",
	}
}}

// EntrypointNeedsRoot tells whether the ENTRYPOINT a base image sets needs
// to start as root, and why; known is false for images dfopt knows nothing
// about. Images that set no ENTRYPOINT need nothing.
func EntrypointNeedsRoot(ref string) (why string, known bool) {
	info := Resolve(ref)
	if info.NoEntrypoint {
		return "", true
	}
	repo, _, _ := SplitRef(strings.ToLower(strings.TrimSpace(ref)))
	name, official := officialName(repo)
	if !official {
		return "", false
	}
	why, known = entrypoints.Get()[name]
	return why, known
}
