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
	// Segments map Text to the source, one per physical line that gives
	// Text bytes: the bytes of Text from Segments[i].Text up to the next
	// segment come from the source from Segments[i].Src on. SrcOffset reads
	// them.
	Segments []Segment
	// ContentEnd is the offset just after the last byte of content taken
	// from the source (before the line ending of the last line): what
	// SrcOffset(len(Text)) gives.
	ContentEnd int
	// Start is the offset of the first byte of the instruction's first line
	// (before leading whitespace), End the offset just after the line ending of
	// the last line that belongs to the instruction text (heredoc bodies, which
	// follow, are not included).
	Start, End int
	// Unterminated is set when the source ended while a continuation was open.
	Unterminated bool
}

// Segment is a run of Text that comes from consecutive source bytes.
type Segment struct{ Text, Src int }

// SrcOffset maps an offset in Text to an offset in the source: that of the
// byte at i, or ContentEnd for i >= len(Text) (0 for i < 0).
func (l *Logical) SrcOffset(i int) int {
	return SrcOffset(l.Segments, l.ContentEnd, len(l.Text), i)
}

// SrcOffset is Logical.SrcOffset for segments kept apart from their Logical:
// n is the length of the text, end its ContentEnd.
func SrcOffset(segs []Segment, end, n, i int) int {
	if i < 0 {
		i = 0
	}
	if i >= n {
		return end
	}
	// The last segment that starts at or before i.
	lo, hi := 0, len(segs)
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if segs[mid].Text <= i {
			lo = mid
		} else {
			hi = mid
		}
	}
	return segs[lo].Src + i - segs[lo].Text
}

// TextIndex is the inverse of SrcOffset: the offset in the text (of length
// n) of the byte at source offset off, or -1 when that byte is not part of
// the text (a line continuation, a comment line, a line ending).
func TextIndex(segs []Segment, n, off int) int {
	// The last segment whose source starts at or before off; segments are
	// in source order.
	lo, hi := -1, len(segs)
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if segs[mid].Src <= off {
			lo = mid
		} else {
			hi = mid
		}
	}
	if lo < 0 {
		return -1
	}
	segEnd := n
	if lo+1 < len(segs) {
		segEnd = segs[lo+1].Text
	}
	i := segs[lo].Text + off - segs[lo].Src
	if i >= segEnd {
		return -1
	}
	return i
}

// JoinLines reads the instruction that starts at offset start of src (the
// first byte of a line, after any byte-order mark) and joins its continuation
// lines exactly as buildkit's Dockerfile parser does for escape character esc.
// It takes time and memory linear in the instruction's size.
func JoinLines(src []byte, start int, esc byte) Logical {
	l, _ := joinLines(src, start, esc, nil)
	return l
}

// JoinLinesAs is JoinLines for an instruction whose text is known from
// elsewhere (buildkit's parser gives it): it reports whether the joined
// lines are text, and the Logical it returns then holds text itself rather
// than a copy of it, so that a large file's instructions do not hold their
// text twice.
func JoinLinesAs(src []byte, start int, esc byte, text string) (Logical, bool) {
	return joinLines(src, start, esc, &text)
}

// LogicalEnd is JoinLines(src, start, esc).End, without the text: where
// the instruction's command lines end.
func LogicalEnd(src []byte, start int, esc byte) int {
	l, _ := joinLines(src, start, esc, &endOnly)
	return l.End
}

// endOnly, as the text to compare with, has joinLines find the end only.
var endOnly = "\x00end"

// joinLines is JoinLines; with want set, it compares the text with *want
// instead of building it, and reports whether they are the same.
func joinLines(src []byte, start int, esc byte, want *string) (Logical, bool) {
	var text []byte
	n := 0 // the length of the text so far
	same := want != &endOnly
	l := Logical{Start: start}
	add := func(from, to int) {
		if to > from {
			if want != &endOnly {
				l.Segments = append(l.Segments, Segment{Text: n, Src: from})
			}
			if want == nil {
				text = append(text, src[from:to]...)
			} else if same {
				same = n+to-from <= len(*want) && string(src[from:to]) == (*want)[n:n+to-from]
			}
			n += to - from
		}
	}
	// finish sets the text, from text or *want.
	finish := func() bool {
		if want == nil {
			l.Text = string(text)
			return true
		}
		if !same || n != len(*want) {
			return false
		}
		l.Text = *want
		return true
	}

	pos := start
	first := true
	lastContent := -1 // source offset just after the last content byte taken
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
		end, cont := continuation(src[contentStart:contentEnd], esc)
		if first && !cont {
			// One line: the common case, without a copy to grow.
			ok := true
			if want == nil {
				l.Text = string(src[contentStart : contentStart+end])
			} else if ok = string(src[contentStart:contentStart+end]) == *want; ok {
				l.Text = *want
			}
			if end > 0 {
				l.Segments = []Segment{{Text: 0, Src: contentStart}}
			}
			l.End, l.ContentEnd = next, contentStart+end
			return l, ok
		}
		first = false
		add(contentStart, contentStart+end)
		if end > 0 {
			lastContent = contentStart + end
		}
		l.End = next
		if !cont {
			l.ContentEnd = contentStart + end
			return l, finish()
		}
		// The text resumes on the next line; until then the end of this
		// line's content is where an insertion at the end would go.
	}
	l.Unterminated = true
	ok := finish()
	if lastContent >= 0 {
		l.ContentEnd = lastContent
	} else {
		l.ContentEnd = start
	}
	return l, ok
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
