package pkgmgr

import (
	"path"
	"strings"
)

// Caches that a RUN --mount=type=cache can keep between builds instead of
// the image: where each package manager keeps what it downloads, and how
// the base images get in the way. Directories below the home directory are
// relative to it.
const (
	// AptArchives holds the packages apt downloads (archives/) and its
	// binary caches (*.bin).
	AptArchives = "/var/cache/apt"
	// AptDockerClean is the apt configuration of the official Debian and
	// Ubuntu images (and of every image built on them) that deletes
	// downloaded packages after each dpkg run and each update, which
	// empties a cache mounted at AptArchives.
	AptDockerClean = "/etc/apt/apt.conf.d/docker-clean"
	// AptKeepCache is the configuration that the usual recipe writes so
	// that apt (the apt program, not apt-get, deletes them by default)
	// keeps downloaded packages.
	AptKeepCache = "/etc/apt/apt.conf.d/keep-cache"
	// ApkCacheDir is the directory whose presence turns apk's package cache
	// on (usually a link to /var/cache/apk): apk then keeps its indexes
	// and packages there.
	ApkCacheDir = "/etc/apk/cache"
	// PipCache is pip's cache below the home directory (or
	// $XDG_CACHE_HOME/pip, or $PIP_CACHE_DIR).
	PipCache = ".cache/pip"
	// NpmDir is npm's directory below the home directory: its content
	// cache (NpmCache) and its logs.
	NpmDir = ".npm"
	// GoBuildCache is Go's build cache below the home directory (or
	// $XDG_CACHE_HOME/go-build, or $GOCACHE).
	GoBuildCache = ".cache/go-build"
	// GoModCache is Go's module cache below GOPATH (or $GOMODCACHE);
	// GOPATH defaults to ~/go.
	GoModCache = "pkg/mod"
	// MavenRepo is Maven's local repository below the home directory.
	MavenRepo = ".m2/repository"
	// GradleHome is Gradle's user home below the home directory (or
	// $GRADLE_USER_HOME): downloaded dependencies in caches/, wrapper
	// distributions in wrapper/.
	GradleHome = ".gradle"
	// CargoHome is Cargo's home below the home directory (or $CARGO_HOME,
	// /usr/local/cargo in the rust images): the index and crates in
	// registry/, git dependencies in git/.
	CargoHome = ".cargo"
)

// AptKeepDownloads is the command that lets apt keep the packages it
// downloads in AptArchives: it removes AptDockerClean and writes
// AptKeepCache. It changes the image's apt configuration for every later
// RUN, and for images built FROM it.
const AptKeepDownloads = `rm -f ` + AptDockerClean + ` && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > ` + AptKeepCache

// KeepsAptDownloads reports whether a RUN's text already undoes
// AptDockerClean or tells apt to keep downloaded packages.
func KeepsAptDownloads(text string) bool {
	return strings.Contains(text, "docker-clean") || strings.Contains(text, "Keep-Downloaded-Packages")
}

// CacheMount is a directory that a RUN --mount=type=cache keeps: its
// target, the id shared by the builds that mount it and whether builds
// that use it at the same time must wait for each other (apt, apk, Yarn,
// Maven and Gradle do not lock their caches against other processes;
// pip, npm, Go and Cargo do, or write atomically).
type CacheMount struct {
	Target string
	ID     string
	Locked bool
	// UID owns the mounted directory when it is first made: the numeric
	// id of the user the RUN runs as ("" or "0": root).
	UID string
}

// Flag is the mount as a RUN flag:
// --mount=type=cache,id=ID,target=TARGET[,sharing=locked][,uid=UID].
func (m CacheMount) Flag() string {
	s := "--mount=type=cache"
	if m.ID != "" {
		s += ",id=" + m.ID
	}
	s += ",target=" + m.Target
	if m.Locked {
		s += ",sharing=locked"
	}
	if m.UID != "" && m.UID != "0" {
		s += ",uid=" + m.UID
	}
	return s
}

// CacheID is the id of a cache mount: name, with the release of the base
// image for the system package managers ("apt-lists-debian-bookworm"), so
// that builds on other releases do not replace each other's indexes, and
// the user's id for caches of users other than root (a directory made for
// one user is not writable by another).
func CacheID(name, release, uid string) string {
	id := name
	if release != "" {
		id += "-" + strings.ReplaceAll(release, " ", "-")
	}
	if uid != "" && uid != "0" {
		id += "-uid" + uid
	}
	return id
}

// UnderHome returns rel below the absolute home directory home.
func UnderHome(home, rel string) string { return path.Join(home, rel) }

// IsPipNoCacheDir reports whether a pip argument is --no-cache-dir: pip
// (optparse) takes any unambiguous prefix of a long option, so --no-cache
// and --no-ca are it too (--no-c is not: --no-color, --no-compile,
// --no-clean), also with =VALUE.
func IsPipNoCacheDir(arg string) bool {
	name, _, _ := strings.Cut(arg, "=")
	return len(name) >= len("--no-ca") && strings.HasPrefix("--no-cache-dir", name)
}
