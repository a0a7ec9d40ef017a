package dockerfile

import (
	"strings"
)

// What an ADD source stands for.

// IsRemoteSource reports whether BuildKit takes an ADD source for a URL or
// a git repository rather than a path of the build context: SCHEME://...
// or USER@HOST:PATH, ^[a-zA-Z0-9]+:// or ^[a-zA-Z0-9-_]+@[a-zA-Z0-9-.]+:
// (spelled out: it is asked of every ADD).
func IsRemoteSource(s string) bool {
	scheme := leading(s, "")
	if scheme > 0 && strings.HasPrefix(s[scheme:], "://") {
		return true
	}
	user := leading(s, "-_")
	if user == 0 || user == len(s) || s[user] != '@' {
		return false
	}
	rest := s[user+1:]
	host := leading(rest, "-.")
	return host > 0 && host < len(rest) && rest[host] == ':'
}

// leading returns the length of the longest prefix of s made of ASCII
// letters, digits and the bytes of extra.
func leading(s, extra string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && strings.IndexByte(extra, c) < 0 {
			return i
		}
	}
	return len(s)
}

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
