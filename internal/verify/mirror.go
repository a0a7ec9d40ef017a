package verify

import (
	"path"
	"strings"
)

// MirrorDecided reports whether p is a package index that a live package
// mirror, not the Dockerfile, decides: what `apt-get update` (or `apk
// update`) downloads and what apt derives from it alone. Two builds of the
// same Dockerfile a minute apart get different ones when the mirror
// publishes in between, or when a CDN answers from nodes that are not in
// the same state; so such a file is not compared when it differs, and is
// reported as unstable. The list is short on purpose:
//
//   - /var/lib/apt/lists/*_InRelease, *_Release and *_Release.gpg, the
//     *_Packages, *_Sources and *_Translation-* indexes (compressed or
//     not), and whatever apt left in /var/lib/apt/lists/partial/;
//   - /var/cache/apt/pkgcache.bin and srcpkgcache.bin, made from those
//     lists;
//   - /var/cache/apk/APKINDEX.*.tar.gz.
//
// Anything that an index only leads to (the packages installed, dpkg's
// status) is compared as strictly as any other file: when the mirror
// changes what gets installed, the two builds of the original differ there
// and that is measured, not assumed.
func MirrorDecided(p string) bool {
	dir, name := path.Split(path.Clean("/" + p))
	switch dir {
	case "/var/lib/apt/lists/partial/":
		return true
	case "/var/lib/apt/lists/":
		// deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4:
		// the flattened URL of the index.
		for _, suffix := range []string{"_InRelease", "_Release", "_Release.gpg"} {
			if strings.HasSuffix(name, suffix) {
				return true
			}
		}
		for _, kind := range []string{"_Packages", "_Sources"} {
			if i := strings.LastIndex(name, kind); i > 0 && compressedOrNot(name[i+len(kind):]) {
				return true
			}
		}
		if i := strings.LastIndex(name, "_Translation-"); i > 0 {
			lang, ext := name[i+len("_Translation-"):], ""
			if j := strings.IndexByte(lang, '.'); j >= 0 {
				lang, ext = lang[:j], lang[j:]
			}
			return lang != "" && compressedOrNot(ext)
		}
		return false
	case "/var/cache/apt/":
		return name == "pkgcache.bin" || name == "srcpkgcache.bin"
	case "/var/cache/apk/":
		return strings.HasPrefix(name, "APKINDEX.") && strings.HasSuffix(name, ".tar.gz")
	}
	return false
}

// compressedOrNot matches what follows an index's name: nothing, or the
// extension of a compression apt knows.
func compressedOrNot(ext string) bool {
	switch ext {
	case "", ".gz", ".lz4", ".xz", ".bz2", ".zst", ".lzma":
		return true
	}
	return false
}

// UnstableByNature reports whether p is a file whose content no build
// decides alone, so that it is not compared where the original and the
// rewrite differ even when two builds of the original agree: the package
// indexes a mirror decides (MirrorDecided), and the code caches V8 writes
// for Node.js programs that use v8-compile-cache (the yarn and pnpm
// commands do) in /tmp/v8-compile-cache-UID/, whose bytes depend on what
// the compiler had optimized by the time the process ended.
func UnstableByNature(p string) bool {
	if MirrorDecided(p) {
		return true
	}
	rest, ok := strings.CutPrefix(path.Clean("/"+p), "/tmp/")
	if !ok {
		return false
	}
	dir, _, found := strings.Cut(rest, "/")
	return found && strings.HasPrefix(dir, "v8-compile-cache")
}
