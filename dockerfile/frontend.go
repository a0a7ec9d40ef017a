package dockerfile

import (
	"strconv"
	"strings"

	"github.com/dfopt/dfopt/internal/lazyre"
)

// Frontend is what a file's "# syntax=" line selects: the Dockerfile
// frontend that builds it. Without the line, the builder's own frontend
// builds the file (whatever version the builder carries).
type Frontend struct {
	// Line reports a "# syntax=" line; Value is its value as written.
	Line  bool
	Value string
	// Dockerfile reports docker/dockerfile or docker/dockerfile-upstream
	// (on Docker Hub): the frontend whose versions are known.
	Dockerfile bool
	// Newest: no tag, "latest" or "labs" (the newest release).
	Newest bool
	// Digest: pinned by a digest without a tag, so its version is not
	// known.
	Digest bool
	// Versioned: the tag names a version, Major.Minor (a tag "1" is the
	// newest 1.x: Minor is -1), with a suffix such as "labs" or
	// "experimental" (without the dash).
	Versioned    bool
	Major, Minor int
	Suffix       string
}

// syntaxTagRE matches a docker/dockerfile tag: 1, 1.19, 1.19.0, with a
// suffix such as -labs.
var syntaxTagRE = lazyre.New(`^(\d+)(?:\.(\d+))?(?:\.\d+)?(?:-([0-9A-Za-z.-]+))?$`)

// Frontend returns what the file's "# syntax=" line selects.
func (d *Document) Frontend() Frontend {
	v, ok := d.Directive("syntax")
	if !ok {
		return Frontend{}
	}
	f := Frontend{Line: true, Value: v}
	ref := strings.TrimPrefix(strings.TrimSpace(v), "docker.io/")
	name, digest, _ := strings.Cut(ref, "@")
	tag := ""
	if i := strings.LastIndex(name, ":"); i >= 0 {
		name, tag = name[:i], name[i+1:]
	}
	if name != "docker/dockerfile" && name != "docker/dockerfile-upstream" {
		return f
	}
	f.Dockerfile = true
	switch {
	case tag == "" && digest != "":
		f.Digest = true
	case tag == "" || tag == "latest" || tag == "labs":
		f.Newest = true
	default:
		m := syntaxTagRE.FindStringSubmatch(tag)
		if m == nil {
			return f
		}
		f.Versioned = true
		f.Major, _ = strconv.Atoi(m[1])
		f.Minor = -1
		if m[2] != "" {
			f.Minor, _ = strconv.Atoi(m[2])
		}
		f.Suffix = m[3]
	}
	return f
}

// AtLeast reports whether the frontend is known to be docker/dockerfile
// major.minor or later: the newest, a tag such as "1" that follows the
// newest 1.x release, or a version at least that one. A file without a
// "# syntax=" line, another frontend, or one pinned by digest only are not
// known to be.
func (f Frontend) AtLeast(major, minor int) bool {
	switch {
	case !f.Dockerfile:
		return false
	case f.Newest:
		return true
	case !f.Versioned:
		return false
	case f.Major != major:
		return f.Major > major
	}
	return f.Minor < 0 || f.Minor >= minor
}
