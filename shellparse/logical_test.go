package shellparse

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// referenceLogical and joinLinesReference are JoinLines as it was, with one
// source offset per byte of text: the compact segments must map every byte
// to the same place.
type referenceLogical struct {
	Text         string
	Map          []int
	Start, End   int
	Unterminated bool
}

func joinLinesReference(src []byte, start int, esc byte) referenceLogical {
	var text []byte
	var m []int
	l := referenceLogical{Start: start}

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

func checkJoinLines(t *testing.T, name string, src []byte, esc byte) {
	t.Helper()
	for start := 0; start <= len(src); {
		got, want := JoinLines(src, start, esc), joinLinesReference(src, start, esc)
		if got.Text != want.Text || got.Start != want.Start || got.End != want.End || got.Unterminated != want.Unterminated {
			t.Fatalf("%s at %d: got %q %d-%d %v, want %q %d-%d %v", name, start, got.Text, got.Start, got.End, got.Unterminated,
				want.Text, want.Start, want.End, want.Unterminated)
		}
		for i := -1; i <= len(want.Text)+1; i++ {
			w := want.Map[min(max(i, 0), len(want.Map)-1)]
			if g := got.SrcOffset(i); g != w {
				t.Fatalf("%s at %d: SrcOffset(%d) = %d, want %d (text %q)", name, start, i, g, w, want.Text)
			}
		}
		// TextIndex inverts the map over every byte of the lines read.
		inv := map[int]int{}
		for i := 0; i < len(want.Text); i++ {
			inv[want.Map[i]] = i
		}
		for off := got.Start - 1; off <= got.End; off++ {
			w, ok := inv[off]
			if !ok {
				w = -1
			}
			if g := TextIndex(got.Segments, len(got.Text), off); g != w {
				t.Fatalf("%s at %d: TextIndex(%d) = %d, want %d (text %q)", name, start, off, g, w, want.Text)
			}
		}
		if got.ContentEnd != want.Map[len(want.Map)-1] {
			t.Fatalf("%s at %d: ContentEnd %d, want %d", name, start, got.ContentEnd, want.Map[len(want.Map)-1])
		}
		nl := bytes.IndexByte(src[start:], '\n')
		if nl < 0 {
			break
		}
		start += nl + 1
	}
}

// JoinLines maps every byte of every line of the corpus files, and of
// random lines with continuations, comments, blank lines, CRLF and both
// escape characters, as it did with one offset per byte.
func TestJoinLinesMatchesReference(t *testing.T) {
	paths, _ := filepath.Glob("../testdata/corpus/*.Dockerfile")
	edge, _ := filepath.Glob("../testdata/edge/*")
	for _, p := range append(paths, edge...) {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		checkJoinLines(t, p, src, '\\')
		checkJoinLines(t, p, src, '`')
	}
	pieces := []string{"RUN a", " b", "\\", "`", "\n", "\r\n", "  ", "\t", "# c", "#", "\\\\", " \\ ", "x", "\n\n", "\\\n", "`\r\n"}
	r := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 3000; i++ {
		var b bytes.Buffer
		for j := r.IntN(20); j >= 0; j-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		checkJoinLines(t, "random", b.Bytes(), '\\')
		checkJoinLines(t, "random", b.Bytes(), '`')
	}
}
