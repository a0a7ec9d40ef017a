package lsp

import (
	"path/filepath"
	"strings"
)

// File URIs (RFC 8089) as editors write them: file:///home/me/Dockerfile,
// with the path's bytes percent-encoded where they are not unreserved
// characters (VS Code encodes even the colon of a Windows drive,
// file:///c%3A/src/Dockerfile; Neovim and Helix write file:///C:/src/...),
// and file://server/share/... for a Windows UNC path. The conversion to a
// path is that of VS Code's URI.fsPath, which other clients agree with on
// the URIs they send: the drive letter is lower-cased, and a URI with a host
// is a UNC path (except localhost, which RFC 8089 says is this machine).

// FilePath returns the file system path that a file: URI names, and false
// for a URI of another scheme (untitled:, vscode-notebook-cell:, ...), which
// names no file. The query and fragment, if any, are not part of the path.
// A percent sign that does not begin an escape is taken as it is.
func (u DocumentURI) FilePath() (string, bool) {
	scheme, rest, ok := strings.Cut(string(u), ":")
	if !ok || !strings.EqualFold(scheme, "file") {
		return "", false
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	authority := ""
	if after, ok := strings.CutPrefix(rest, "//"); ok {
		i := strings.IndexByte(after, '/')
		if i < 0 {
			i = len(after)
		}
		authority, rest = unescape(after[:i]), after[i:]
	}
	path := unescape(rest)
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	switch {
	case authority != "" && !strings.EqualFold(authority, "localhost") && len(path) > 1:
		path = "//" + authority + path
	case len(path) >= 3 && isLetter(path[1]) && path[2] == ':':
		path = strings.ToLower(path[1:2]) + path[2:]
	}
	return filepath.FromSlash(path), true
}

// FileURI returns the file: URI of an absolute path, encoded as VS Code
// encodes it: every byte but an unreserved character or a slash is
// percent-encoded, and a Windows drive is written /c%3A.
func FileURI(path string) DocumentURI {
	p := filepath.ToSlash(path)
	authority := ""
	switch {
	case strings.HasPrefix(p, "//"): // a UNC path: //server/share/...
		host, rest, _ := strings.Cut(p[2:], "/")
		authority, p = host, "/"+rest
	case len(p) >= 2 && isLetter(p[0]) && p[1] == ':':
		p = "/" + strings.ToLower(p[:1]) + p[1:]
	case !strings.HasPrefix(p, "/"):
		p = "/" + p
	}
	return DocumentURI("file://" + escape(authority, false) + escape(p, true))
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// unreserved reports whether c stands for itself in any part of a URI
// (RFC 3986, section 2.3).
func unreserved(c byte) bool {
	return isLetter(c) || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// escape percent-encodes s, keeping unreserved characters and, in a path,
// slashes.
func escape(s string, path bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || path && c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// unescape decodes the percent-escapes of s into bytes; a percent sign not
// followed by two hexadecimal digits stays as it is.
func unescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				b.WriteByte(hi<<4 | lo)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
