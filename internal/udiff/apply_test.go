package udiff

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// hunkHeader is a parsed "@@ -l,s +l,s @@" line; starts are 0-based line
// indexes of the first line of the range.
type hunkHeader struct {
	aStart, aLen int
	bStart, bLen int
}

// parseRange parses "l,s" or "l" of a hunk header and checks the GNU diff
// conventions: ",1" is never written, and an empty range names the line
// before it.
func parseRange(s string) (start, n int, err error) {
	l, count, hasCount := strings.Cut(s, ",")
	line, err := strconv.Atoi(l)
	if err != nil || line < 0 {
		return 0, 0, fmt.Errorf("bad range %q", s)
	}
	n = 1
	if hasCount {
		if n, err = strconv.Atoi(count); err != nil || n < 0 {
			return 0, 0, fmt.Errorf("bad range %q", s)
		}
		if n == 1 {
			return 0, 0, fmt.Errorf("range %q: length 1 must be written without ,1", s)
		}
	}
	if n == 0 {
		return line, 0, nil
	}
	if line == 0 {
		return 0, 0, fmt.Errorf("range %q: non-empty range starting at line 0", s)
	}
	return line - 1, n, nil
}

func parseHunkHeader(line string) (hunkHeader, error) {
	var h hunkHeader
	rest, ok := strings.CutPrefix(line, "@@ -")
	if !ok {
		return h, fmt.Errorf("bad hunk header %q", line)
	}
	rest, ok = strings.CutSuffix(rest, " @@\n")
	if !ok {
		return h, fmt.Errorf("bad hunk header %q", line)
	}
	old, nw, ok := strings.Cut(rest, " +")
	if !ok {
		return h, fmt.Errorf("bad hunk header %q", line)
	}
	var err error
	if h.aStart, h.aLen, err = parseRange(old); err != nil {
		return h, err
	}
	if h.bStart, h.bLen, err = parseRange(nw); err != nil {
		return h, err
	}
	return h, nil
}

// applyStrict applies a unified diff as produced by Unified to a, requiring
// every hunk to match at exactly the position its header names (no fuzz, no
// offsets), the line counts of each header to agree with its body, hunks to
// be in order and not to overlap, and "\ No newline at end of file" markers
// to appear exactly after lines that lack a newline. It returns the patched
// text.
func applyStrict(a []byte, diff []byte, oldName, newName string) ([]byte, error) {
	lines := splitLines(string(diff))
	if len(lines) < 2 || lines[0] != "--- "+oldName+"\n" || lines[1] != "+++ "+newName+"\n" {
		return nil, fmt.Errorf("bad file headers")
	}
	lines = lines[2:]
	if len(lines) == 0 {
		return nil, fmt.Errorf("no hunks")
	}
	la := splitLines(string(a))
	var out bytes.Buffer
	next := 0     // first line of a not yet copied
	outLines := 0 // lines written to out
	for len(lines) > 0 {
		h, err := parseHunkHeader(lines[0])
		if err != nil {
			return nil, err
		}
		lines = lines[1:]
		if h.aStart < next || h.aStart+h.aLen > len(la) {
			return nil, fmt.Errorf("hunk %+v out of order or beyond the end of the old file", h)
		}
		if h.bStart != outLines+h.aStart-next {
			return nil, fmt.Errorf("hunk %+v: new start does not match the lines produced so far", h)
		}
		for _, l := range la[next:h.aStart] {
			out.WriteString(l)
		}
		outLines += h.aStart - next
		ai, bn, changed := h.aStart, 0, false
		for len(lines) > 0 && !strings.HasPrefix(lines[0], "@@") {
			l := lines[0]
			lines = lines[1:]
			if len(l) < 2 || l[len(l)-1] != '\n' {
				return nil, fmt.Errorf("bad body line %q", l)
			}
			text := l[1:]
			if len(lines) > 0 && lines[0] == noNewline {
				text = text[:len(text)-1]
				lines = lines[1:]
			}
			switch l[0] {
			case ' ', '-':
				if ai >= h.aStart+h.aLen {
					return nil, fmt.Errorf("hunk %+v has more old lines than its header says", h)
				}
				if la[ai] != text {
					return nil, fmt.Errorf("hunk %+v: old line %d is %q, diff says %q", h, ai+1, la[ai], text)
				}
				ai++
				if l[0] == ' ' {
					out.WriteString(text)
					bn++
				} else {
					changed = true
				}
			case '+':
				out.WriteString(text)
				bn++
				changed = true
			default:
				return nil, fmt.Errorf("bad body line %q", l)
			}
		}
		if ai != h.aStart+h.aLen || bn != h.bLen {
			return nil, fmt.Errorf("hunk %+v: body has %d old and %d new lines", h, ai-h.aStart, bn)
		}
		if !changed {
			return nil, fmt.Errorf("hunk %+v has no changes", h)
		}
		next = ai
		outLines += bn
	}
	for _, l := range la[next:] {
		out.WriteString(l)
	}
	return out.Bytes(), nil
}
