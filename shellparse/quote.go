package shellparse

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"mvdan.cc/sh/v3/syntax"
)

// Quote returns s quoted for a POSIX shell so that it is read back as one
// word whose value is s.
//
// s is returned unchanged when it is not empty and only holds bytes from
// [A-Za-z0-9_@%+=:,./-]. Otherwise it is wrapped in single quotes, and every
// embedded single quote is closed, escaped and reopened:
//
//	Quote("it's") == `'it'\''s'`
//
// Note that an unquoted word such as FOO=bar is still an assignment when it
// is the first word of a command; callers placing a value in command position
// must take care of that themselves.
func Quote(s string) string {
	if s != "" && isPlain(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("_@%+=:,./-", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// Lit returns the static value of a word, with quotes removed and escapes
// resolved, and whether the word is fully static.
//
// A word is static when it holds no parameter expansion, command or process
// substitution, or arithmetic expansion. Pathname patterns (*, ?, [...],
// extended globs), a leading tilde and brace expressions are not expanded:
// they are returned as written and still count as static, so `/var/lib/apt/lists/*`
// has the value "/var/lib/apt/lists/*". For a word that is not static Lit
// returns "" and false.
func Lit(w *syntax.Word) (string, bool) {
	if w == nil {
		return "", false
	}
	if len(w.Parts) == 1 {
		// The common word, one literal or one single-quoted string, is
		// its own value when it holds no backslash: no copy.
		switch x := w.Parts[0].(type) {
		case *syntax.Lit:
			if !strings.Contains(x.Value, `\`) {
				return x.Value, true
			}
		case *syntax.SglQuoted:
			if !x.Dollar {
				return x.Value, true
			}
		}
	}
	var sb strings.Builder
	for _, part := range w.Parts {
		if !writeLitPart(&sb, part, false) {
			return "", false
		}
	}
	return sb.String(), true
}

func writeLitPart(sb *strings.Builder, part syntax.WordPart, inDouble bool) bool {
	switch x := part.(type) {
	case *syntax.Lit:
		if inDouble {
			unescapeDouble(sb, x.Value)
		} else {
			unescapeUnquoted(sb, x.Value)
		}
	case *syntax.SglQuoted:
		if !x.Dollar {
			sb.WriteString(x.Value)
			return true
		}
		s, ok := decodeANSIC(x.Value)
		if !ok {
			return false
		}
		sb.WriteString(s)
	case *syntax.DblQuoted:
		for _, p := range x.Parts {
			if !writeLitPart(sb, p, true) {
				return false
			}
		}
	case *syntax.ExtGlob:
		sb.WriteString(x.Op.String())
		sb.WriteString(x.Pattern.Value)
		sb.WriteByte(')')
	default:
		return false
	}
	return true
}

// unescapeUnquoted resolves backslash escapes outside quotes: a backslash
// quotes the next byte, and a backslash-newline pair is removed.
func unescapeUnquoted(sb *strings.Builder, s string) {
	if !strings.Contains(s, `\`) {
		sb.WriteString(s)
		return
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			sb.WriteByte(c)
			continue
		}
		i++
		if s[i] != '\n' {
			sb.WriteByte(s[i])
		}
	}
}

// unescapeDouble resolves backslash escapes inside double quotes, where a
// backslash only quotes $, `, ", \ and newline.
func unescapeDouble(sb *strings.Builder, s string) {
	if !strings.Contains(s, `\`) {
		sb.WriteString(s)
		return
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			sb.WriteByte(c)
			continue
		}
		switch s[i+1] {
		case '$', '`', '"', '\\':
			sb.WriteByte(s[i+1])
			i++
		case '\n':
			i++
		default:
			sb.WriteByte(c)
		}
	}
}

// decodeANSIC decodes the body of a $'...' string as bash does. Like bash,
// the value ends at an escaped NUL byte.
func decodeANSIC(s string) (string, bool) {
	if !strings.Contains(s, `\`) {
		return s, true
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			sb.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'a':
			sb.WriteByte('\a')
		case 'b':
			sb.WriteByte('\b')
		case 'e', 'E':
			sb.WriteByte(0x1b)
		case 'f':
			sb.WriteByte('\f')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		case 'v':
			sb.WriteByte('\v')
		case '\\', '\'', '"', '?':
			sb.WriteByte(e)
		case 'c':
			if i+1 == len(s) {
				sb.WriteString(`\c`)
				continue
			}
			i++
			ctl := s[i]
			if ctl == '?' {
				sb.WriteByte(0x7f)
				continue
			}
			if ctl == '\\' && i+1 < len(s) && s[i+1] == '\\' {
				i++
			}
			b := ctl & 0x1f
			if b == 0 {
				return sb.String(), true
			}
			sb.WriteByte(b)
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j < i+3 && '0' <= s[j] && s[j] <= '7' {
				j++
			}
			n, _ := strconv.ParseUint(s[i:j], 8, 16)
			i = j - 1
			if byte(n) == 0 {
				return sb.String(), true
			}
			sb.WriteByte(byte(n))
		case 'x', 'u', 'U':
			maxDigits := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			j := i + 1
			for j < len(s) && j < i+1+maxDigits && isHexDigit(s[j]) {
				j++
			}
			if j == i+1 {
				sb.WriteByte('\\')
				sb.WriteByte(e)
				continue
			}
			n, _ := strconv.ParseUint(s[i+1:j], 16, 32)
			i = j - 1
			if n == 0 {
				return sb.String(), true
			}
			if e == 'x' {
				sb.WriteByte(byte(n))
			} else {
				r := rune(n)
				if !utf8.ValidRune(r) {
					return "", false
				}
				sb.WriteRune(r)
			}
		default:
			sb.WriteByte('\\')
			sb.WriteByte(e)
		}
	}
	return sb.String(), true
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
