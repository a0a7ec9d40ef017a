package shellparse

import (
	"bytes"
	"unicode"
)

// Logical is the text of one Dockerfile instruction as buildkit's parser sees it:
// continuation lines joined, the escape character and the trailing blanks before
// each line break removed, comment lines and whitespace-only lines inside the
// continuation dropped, and the first line's leading whitespace trimmed. For a
// shell-form RUN, the arguments part of Text is exactly what is handed to the shell.
type Logical struct {
	Text string
	// Map gives, for each byte of Text, its offset in the source. Map has
	// len(Text)+1 entries: the last one is the offset just after the last byte
	// of content taken from the source (before the line ending of the last line).
	Map []int
	// Start is the offset of the first byte of the instruction's first line
	// (before leading whitespace), End the offset just after the line ending of
	// the last line that belongs to the instruction text (heredoc bodies, which
	// follow, are not included).
	Start, End int
	// Unterminated is set when the source ended while a continuation was open.
	Unterminated bool
}

// JoinLines reads the instruction that starts at offset start of src (the
// first byte of a line, after any byte-order mark) and joins its continuation
// lines exactly as buildkit's Dockerfile parser does for escape character esc.
func JoinLines(src []byte, start int, esc byte) Logical {
	var text []byte
	var m []int
	l := Logical{Start: start}

	pos := start
	first := true
	for pos < len(src) {
		lineStart := pos
		nl := bytes.IndexByte(src[pos:], '\n')
		lineEnd := len(src)
		next := len(src)
		if nl >= 0 {
			lineEnd = pos + nl
			next = lineEnd + 1
		}
		pos = next
		// trimNewline: every trailing \r and \n goes.
		contentEnd := lineEnd
		for contentEnd > lineStart && (src[contentEnd-1] == '\r' || src[contentEnd-1] == '\n') {
			contentEnd--
		}
		contentStart := lineStart
		if first {
			contentStart = lineStart + leadingSpace(src[lineStart:contentEnd])
		} else {
			trimmed := lineStart + leadingSpace(src[lineStart:contentEnd])
			if trimmed < contentEnd && src[trimmed] == '#' {
				continue // comment line inside a continuation
			}
			if trimmed == contentEnd {
				continue // empty continuation line
			}
		}
		first = false
		end, cont := continuation(src[contentStart:contentEnd], esc)
		for i := contentStart; i < contentStart+end; i++ {
			text = append(text, src[i])
			m = append(m, i)
		}
		l.End = next
		if !cont {
			m = append(m, contentStart+end)
			l.Text, l.Map = string(text), m
			return l
		}
		// The text resumes on the next line; until then the end of this
		// line's content is where an insertion at the end would go.
	}
	l.Unterminated = true
	if len(m) > 0 {
		m = append(m, m[len(m)-1]+1)
	} else {
		m = append(m, start)
	}
	l.Text, l.Map = string(text), m
	return l
}

// leadingSpace is the length of the run of Unicode white space at the start of b,
// as bytes.TrimLeftFunc(b, unicode.IsSpace) would remove it.
func leadingSpace(b []byte) int {
	return len(b) - len(bytes.TrimLeftFunc(b, unicode.IsSpace))
}

// continuation reports whether line (without its line ending) ends with the
// escape character used as a line continuation, and the length of the line's
// content without that character and the blanks after it. It mirrors
// buildkit's `([^E])E[ \t]*$|^E[ \t]*$`.
func continuation(line []byte, esc byte) (int, bool) {
	i := len(line)
	for i > 0 && (line[i-1] == ' ' || line[i-1] == '\t') {
		i--
	}
	if i == 0 || line[i-1] != esc {
		return len(line), false
	}
	if i >= 2 && line[i-2] == esc {
		return len(line), false // an escaped escape character
	}
	return i - 1, true
}

// IsContinuation reports whether a physical line (without its line ending)
// continues on the next line for escape character esc.
func IsContinuation(line []byte, esc byte) bool {
	for len(line) > 0 && (line[len(line)-1] == '\r' || line[len(line)-1] == '\n') {
		line = line[:len(line)-1]
	}
	_, c := continuation(line, esc)
	return c
}
