package dockerfile

import (
	"bytes"
	"encoding/json"
	"strings"
)

// IsPOSIXShell reports whether name (a program's base name, as written) is
// a POSIX shell: sh, bash, dash, ash, ksh, mksh or zsh.
func IsPOSIXShell(name string) bool {
	switch name {
	case "sh", "bash", "dash", "ash", "ksh", "mksh", "zsh":
		return true
	}
	return false
}

// IsPlainPath reports whether a path can be written in an instruction as
// it is: no quotes, escapes, variables, globs or blanks
// (^[A-Za-z0-9._/@+=,-]+$, spelled out: it is asked of most files' paths,
// and a regular expression would be compiled by each process).
func IsPlainPath(s string) bool { return s != "" && Only(s, "._/@+=,-") }

// Only reports whether every byte of s is an ASCII letter, an ASCII digit
// or one of the bytes of extra: what a bracket expression
// [A-Za-z0-9...] repeated over the whole of s accepts.
func Only(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && strings.IndexByte(extra, c) < 0 {
			return false
		}
	}
	return true
}

// isAlnum reports whether c is an ASCII letter or digit.
func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// Unquote removes one pair of matching quotes (double or single) around s,
// as a value in an ARG, ENV or USER may be written.
func Unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// JSONArray writes words as the JSON array of an exec-form instruction, the
// way Dockerfiles usually show them: ["a", "b"].
func JSONArray(words []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, w := range words {
		if i > 0 {
			b.WriteString(", ")
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(w)
		b.WriteString(strings.TrimSuffix(buf.String(), "\n"))
	}
	b.WriteByte(']')
	return b.String()
}
