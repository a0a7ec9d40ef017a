package dockerfile

import (
	"strings"

	"github.com/dfopt/dfopt/internal/lazyre"
)

// What an ADD source stands for.

var (
	remoteRE = lazyre.New(`^[a-zA-Z0-9]+://`)
	scpRE    = lazyre.New(`^[a-zA-Z0-9-_]+@[a-zA-Z0-9-.]+:`)
)

// IsRemoteSource reports whether BuildKit takes an ADD source for a URL or
// a git repository rather than a path of the build context: SCHEME://...
// or USER@HOST:PATH.
func IsRemoteSource(s string) bool { return remoteRE.MatchString(s) || scpRE.MatchString(s) }

// IsHTTPURL reports whether an ADD source is an http:// or https:// URL
// (in any case).
func IsHTTPURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// IsGitSource reports whether an ADD source is a git repository: git@,
// git://, ssh:// and git+ sources, and http(s) URLs whose path ends in
// .git or that come with --keep-git-dir (keepGitDir).
func IsGitSource(s string, keepGitDir bool) bool {
	l := strings.ToLower(s)
	switch {
	case strings.HasPrefix(l, "git@"), strings.HasPrefix(l, "git://"), strings.HasPrefix(l, "ssh://"),
		strings.HasPrefix(l, "git+"):
		return true
	case !IsHTTPURL(l):
		return false
	case keepGitDir:
		return true
	}
	base, _, _ := strings.Cut(l, "#")
	base, _, _ = strings.Cut(base, "?")
	return strings.HasSuffix(strings.TrimRight(base, "/"), ".git")
}
