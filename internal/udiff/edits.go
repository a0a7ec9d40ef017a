package udiff

import "bytes"

// Edit replaces A[Start:End] of the old text with Text.
type Edit struct {
	Start, End int
	Text       string
}

// Edits returns the line-level edits that turn a into b, sorted and not
// overlapping: each replaces whole lines of a (the last one may lack its
// newline) with whole lines of b. It returns nil when a and b are equal.
// Editors apply them instead of replacing the whole text, so that what did
// not change (and the cursor in it) stays put.
func Edits(a, b []byte) []Edit {
	if bytes.Equal(a, b) {
		return nil
	}
	base, wa, wb := window(a, b, 0)
	sa, sb := string(wa), string(wb)
	la, lb := splitLines(sa), splitLines(sb)
	changes := diffLines(sa, sb, la, lb, 0)
	// The byte offset of the window in a.
	off := 0
	for i := 0; i < base; i++ {
		off += bytes.IndexByte(a[off:], '\n') + 1
	}
	var out []Edit
	line, pos := 0, off // the window's line index and its offset in a
	for _, c := range changes {
		a0, a1 := c.a0, c.a1
		for ; line < a0; line++ {
			pos += len(la[line])
		}
		start := pos
		for ; line < a1; line++ {
			pos += len(la[line])
		}
		var text []byte
		for _, l := range lb[c.b0:c.b1] {
			text = append(text, l...)
		}
		out = append(out, Edit{Start: start, End: pos, Text: string(text)})
	}
	return out
}
