// Package udiff produces line-based unified diffs in the format written by
// `diff -u` (GNU diffutils).
package udiff

import (
	"bytes"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// noNewline is printed after a line that has no terminating newline, that is
// the last line of a file that does not end in '\n'.
const noNewline = "\\ No newline at end of file\n"

// Unified returns a unified diff (as produced by `diff -u`) that turns a into
// b, with `--- oldName` / `+++ newName` headers and up to context unchanged
// lines around each change (3 is the usual amount; a negative value counts as
// 0). It returns nil when a and b are equal.
//
// Lines are separated by '\n' and compared byte for byte, so a '\r' before the
// newline is part of the line. A final line without a newline is followed by
// a `\ No newline at end of file` marker, as in GNU diff. Hunks whose context
// would overlap or touch are merged into one, and, like GNU diff, Unified
// reports a minimal diff and positions changes among repeated lines the same
// way (though where several longest common subsequences exist, it may pick
// another one).
func Unified(oldName, newName string, a, b []byte, context int) []byte {
	if bytes.Equal(a, b) {
		return nil
	}
	// More context than lines makes no difference, and keeps 2*context from
	// overflowing.
	context = max(0, min(context, len(a)+len(b)+1))
	base, wa, wb := window(a, b, context)
	sa, sb := string(wa), string(wb)
	la, lb := splitLines(sa), splitLines(sb)
	changes := diffLines(sa, sb, la, lb, context)
	if len(changes) == 0 {
		// Unreachable for unequal inputs, but never print an empty diff.
		return nil
	}
	return format(oldName, newName, la, lb, base, changes, context)
}

// window returns the parts of a and b that can matter for the diff, and the
// number of lines before them (the same in both). These are the lines from the
// first to the last differing line, plus 2*context identical lines on either
// side, which covers the context printed around changes and the room GNU diff
// gives changes to move in (see diffLines). The rest of the files is an
// identical prefix and suffix that is never looked at again.
func window(a, b []byte, context int) (base int, wa, wb []byte) {
	// The identical prefix, cut back to the start of a line.
	p, n := 0, min(len(a), len(b))
	for p+64 <= n && bytes.Equal(a[p:p+64], b[p:p+64]) {
		p += 64
	}
	for p < n && a[p] == b[p] {
		p++
	}
	pre := bytes.LastIndexByte(a[:p], '\n') + 1

	// The identical suffix after that, cut forward to the start of a line in
	// both files.
	s, m := 0, n-pre
	for s+64 <= m && bytes.Equal(a[len(a)-s-64:len(a)-s], b[len(b)-s-64:len(b)-s]) {
		s += 64
	}
	for s < m && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	ea, eb := len(a)-s, len(b)-s
	if ea > pre && a[ea-1] != '\n' || eb > pre && b[eb-1] != '\n' {
		if i := bytes.IndexByte(a[ea:], '\n'); i >= 0 {
			ea, eb = ea+i+1, eb+i+1
		} else {
			ea, eb = len(a), len(b)
		}
	}

	start, end := pre, ea
	for k := 0; k < 2*context && start > 0; k++ {
		start = bytes.LastIndexByte(a[:start-1], '\n') + 1
	}
	for k := 0; k < 2*context && end < len(a); k++ {
		if i := bytes.IndexByte(a[end:], '\n'); i >= 0 {
			end += i + 1
		} else {
			end = len(a)
		}
	}
	base = bytes.Count(a[:start], []byte{'\n'})
	return base, a[start:end], b[start : eb+end-ea]
}

// change is one edit of a line-level edit script: lines a[a0:a1] of the old
// file are replaced by lines b[b0:b1] of the new file. Either range may be
// empty, but not both. The changes of a script are sorted and separated by at
// least one unchanged line.
type change struct {
	a0, a1 int
	b0, b1 int
}

// splitLines splits s after every '\n'. Each line keeps its terminating
// newline; only the last line may lack one.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	n := strings.Count(s, "\n")
	if s[len(s)-1] != '\n' {
		n++
	}
	lines := make([]string, 0, n)
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines
}

// countLines returns the number of lines in s, a concatenation of lines as
// returned by splitLines.
func countLines(s string) int {
	n := strings.Count(s, "\n")
	if s != "" && s[len(s)-1] != '\n' {
		n++
	}
	return n
}

const (
	// maxLineSymbols is the largest number of distinct lines that
	// DiffLinesToChars of github.com/sergi/go-diff v1.4.0 can encode: line
	// number i is encoded as a single code point, the surrogate block (and
	// three more values) is skipped, and line 0 is reserved, which leaves
	// 0x110000 - 0x800 - 3 - 1 = 1,112,060 usable values. Beyond that it
	// panics.
	maxLineSymbols = 0x110000 - 0x800 - 3 - 1

	// exactLimit is the number of lines (old plus new) given to the diff
	// algorithm up to which it runs without a deadline, which gives a
	// minimal edit script. Larger inputs are diffed with largeTimeout, after
	// which the algorithm settles for coarser (but still correct) edits in
	// the parts it has not finished.
	exactLimit   = 20000
	largeTimeout = time.Second
)

// symbolLimit is maxLineSymbols, as a variable so tests can exercise the code
// path for inputs with too many distinct lines.
var symbolLimit = maxLineSymbols

// diffLines computes the line-level edit script that turns la into lb, the
// lines of sa and sb. The changes are positioned for output with the given
// number of context lines (see slideRuns).
func diffLines(sa, sb string, la, lb []string, context int) []change {
	// Strip the common prefix and suffix first: this is the common case for
	// small edits and keeps the work for the diff algorithm small.
	pre, preBytes := 0, 0
	for pre < len(la) && pre < len(lb) && la[pre] == lb[pre] {
		preBytes += len(la[pre])
		pre++
	}
	suf, sufBytesA, sufBytesB := 0, 0, 0
	for suf < len(la)-pre && suf < len(lb)-pre && la[len(la)-1-suf] == lb[len(lb)-1-suf] {
		sufBytesA += len(la[len(la)-1-suf])
		sufBytesB += len(lb[len(lb)-1-suf])
		suf++
	}
	ea, eb := len(la)-suf, len(lb)-suf
	if pre == ea && pre == eb {
		return nil
	}

	// Like GNU diff, let changes move only within the lines that differ
	// plus context lines on either side (its "horizon"); see slideRuns.
	lo := max(0, pre-context)
	sufAll := suf
	for sufAll < min(len(la), len(lb))-lo && la[len(la)-1-sufAll] == lb[len(lb)-1-sufAll] {
		sufAll++ // a suffix may overlap the part of the prefix given back
	}
	keep := max(0, sufAll-context)
	la, lb = la[lo:len(la)-keep], lb[lo:len(lb)-keep]
	pre, ea, eb = pre-lo, ea-lo, eb-lo

	// changedA[i] and changedB[j] mark the lines of la and lb that are not
	// part of the common subsequence.
	changedA := make([]bool, len(la))
	changedB := make([]bool, len(lb))
	diffMiddle(sa[preBytes:len(sa)-sufBytesA], sb[preBytes:len(sb)-sufBytesB],
		la[pre:ea], lb[pre:eb], changedA[pre:ea], changedB[pre:eb])
	slideRuns(la, changedA, changedB)
	slideRuns(lb, changedB, changedA)
	return collect(changedA, changedB, lo)
}

// diffMiddle marks the lines of ma and mb, the lines of ta and tb, that are
// not part of a longest common subsequence (or, for inputs too large to diff
// exactly, a long one) in changedA and changedB.
//
// Lines that occur in only one of the texts are left out of the diff, as GNU
// diff does: they cannot be part of any common subsequence, and leaving them
// out makes diffing unrelated texts cheap.
func diffMiddle(ta, tb string, ma, mb []string, changedA, changedB []bool) {
	if len(ma) == 0 || len(mb) == 0 {
		fill(changedA)
		fill(changedB)
		return
	}
	var ra, rb []rune // one code point per line of ma and mb
	var lineArray []string
	if len(ma)+len(mb) <= symbolLimit {
		var ca, cb string
		ca, cb, lineArray = diffmatchpatch.New().DiffLinesToChars(ta, tb)
		ra, rb = []rune(ca), []rune(cb)
		if len(ra) != len(ma) || len(rb) != len(mb) {
			panic("udiff: line splitting disagrees with DiffLinesToChars")
		}
	} else {
		ra, rb = encodeLines(ma, mb)
		if ra == nil {
			fill(changedA)
			fill(changedB)
			return
		}
	}

	// Keep the lines that occur on both sides; kept[i] is the index of the
	// i-th kept line. Code point 0 never stands for such a line.
	maxRune := rune(0)
	for _, r := range ra {
		maxRune = max(maxRune, r)
	}
	for _, r := range rb {
		maxRune = max(maxRune, r)
	}
	const inA, inB = 1, 2
	where := make([]uint8, maxRune+1)
	for _, r := range ra {
		where[r] |= inA
	}
	for _, r := range rb {
		where[r] |= inB
	}
	filter := func(rs []rune, changed []bool) ([]rune, []int) {
		keptRunes := make([]rune, 0, len(rs))
		kept := make([]int, 0, len(rs))
		for i, r := range rs {
			if r != 0 && where[r] == inA|inB {
				keptRunes = append(keptRunes, r)
				kept = append(kept, i)
			} else {
				changed[i] = true
			}
		}
		return keptRunes, kept
	}
	fa, keptA := filter(ra, changedA)
	fb, keptB := filter(rb, changedB)
	if len(fa) == 0 {
		return // nothing in common: every line is changed
	}

	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0 // no deadline: minimal diff, no half-match heuristic
	if len(fa)+len(fb) > exactLimit {
		dmp.DiffTimeout = largeTimeout
	}
	var diffs []diffmatchpatch.Diff
	count := utf8.RuneCountInString
	if lineArray != nil {
		diffs = dmp.DiffMain(string(fa), string(fb), false)
		diffs = dmp.DiffCharsToLines(diffs, lineArray)
		count = countLines
	} else {
		diffs = dmp.DiffMainRunes(fa, fb, false)
	}
	i, j := 0, 0 // lines of fa and fb consumed
	for _, d := range diffs {
		n := count(d.Text)
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			for _, k := range keptA[i : i+n] {
				changedA[k] = true
			}
			i += n
		case diffmatchpatch.DiffInsert:
			for _, k := range keptB[j : j+n] {
				changedB[k] = true
			}
			j += n
		case diffmatchpatch.DiffEqual:
			i += n
			j += n
		}
	}
	if i != len(fa) || j != len(fb) {
		panic("udiff: diff does not cover the input")
	}
}

func fill(b []bool) {
	for i := range b {
		b[i] = true
	}
}

// encodeLines maps the lines of ma and mb to one code point each, like
// DiffLinesToChars does, for inputs with more distinct lines than that can
// handle. Only the lines that occur in both need their own code point; all
// others get code point 0 (diffMiddle leaves them out of the diff anyway).
// It returns nil if there are more distinct common lines than code points.
func encodeLines(ma, mb []string) (ra, rb []rune) {
	const onlyA, onlyB = -1, 0
	sym := make(map[string]rune, len(ma))
	for _, l := range ma {
		sym[l] = onlyA
	}
	next, common := rune(1), 0
	for _, l := range mb {
		switch r, ok := sym[l]; {
		case !ok:
			sym[l] = onlyB
		case r == onlyA:
			if next == 0xD800 {
				next = 0xE000 // skip surrogates, like any valid text would
			}
			if next > utf8.MaxRune || common >= symbolLimit {
				return nil, nil
			}
			sym[l] = next
			next++
			common++
		}
	}
	encode := func(lines []string) []rune {
		rs := make([]rune, len(lines))
		for i, l := range lines {
			rs[i] = max(sym[l], onlyB)
		}
		return rs
	}
	return encode(ma), encode(mb)
}

// collect builds the change list from the marks of changed lines, which
// start at line off of both files.
func collect(changedA, changedB []bool, off int) []change {
	var changes []change
	i, j := 0, 0
	for i < len(changedA) || j < len(changedB) {
		if i < len(changedA) && j < len(changedB) && !changedA[i] && !changedB[j] {
			i++
			j++
			continue
		}
		c := change{a0: i, b0: j}
		for i < len(changedA) && changedA[i] {
			i++
		}
		for j < len(changedB) && changedB[j] {
			j++
		}
		if i == c.a0 && j == c.b0 {
			panic("udiff: inconsistent edit script")
		}
		changes = append(changes, change{c.a0 + off, i + off, c.b0 + off, j + off})
	}
	return changes
}

// slideRuns moves the changes of one file to the positions GNU diff would
// report them at, without changing which lines are considered unchanged
// beyond sliding runs of changes over identical lines.
//
// A run of changed lines that is bordered by lines equal to its own last (or
// first) lines can be placed at several offsets, all giving equally small
// diffs. Each run is slid as far as possible, merging with runs it meets on
// the way, and then placed at its lowest position that is adjacent to a
// change in the other file (so that a replacement is shown as one), or at its
// lowest position if there is no such position.
//
// lines and changed describe the file, other the changes of the other file
// (which are not modified). Both files must have the same number of unchanged
// lines, the k-th unchanged line of one being matched to the k-th unchanged
// line of the other.
func slideRuns(lines []string, changed, other []bool) {
	// kept[k] is the position of the k-th unchanged line of the other file.
	kept := make([]int, 0, len(other))
	for j, m := range other {
		if !m {
			kept = append(kept, j)
		}
	}
	// otherChanged reports whether the other file has changed lines in the
	// gap in front of its k-th unchanged line (the gap at its end for
	// k == len(kept)).
	otherChanged := func(k int) bool {
		prev, next := -1, len(other)
		if k > 0 {
			prev = kept[k-1]
		}
		if k < len(kept) {
			next = kept[k]
		}
		return next-prev > 1
	}
	n := len(lines)
	i, k := 0, 0 // k counts the unchanged lines before i
	for {
		for i < n && !changed[i] {
			i++
			k++
		}
		if i == n {
			return
		}
		// The run is lines[s:e].
		s, e := i, i
		for e < n && changed[e] {
			e++
		}
		best := -1 // lowest end of the run next to a change in the other file
		for {
			size := e - s
			// Slide up while the line above equals the last line of the run.
			for s > 0 && lines[s-1] == lines[e-1] {
				s--
				e--
				changed[s], changed[e] = true, false
				k--
				for s > 0 && changed[s-1] {
					s-- // merged with the run above
				}
			}
			best = -1
			if otherChanged(k) {
				best = e
			}
			// Slide down while the line below equals the first line of
			// the run.
			for e < n && lines[s] == lines[e] {
				changed[s], changed[e] = false, true
				s++
				e++
				k++
				for e < n && changed[e] {
					e++ // merged with the run below
				}
				if otherChanged(k) {
					best = e
				}
			}
			if e-s == size {
				break // no merge happened: the run is in its final extent
			}
		}
		// The last sweep down did not merge anything, so it can be undone
		// line by line.
		for best >= 0 && e > best {
			s--
			e--
			changed[s], changed[e] = true, false
			k--
		}
		i = e
	}
}

// format writes the headers and hunks for changes; la and lb start at line
// base+1 of the files.
func format(oldName, newName string, la, lb []string, base int, changes []change, context int) []byte {
	size := len(oldName) + len(newName) + 10
	for _, c := range changes {
		size += min(2*context, len(la))*32 + 32
		for _, l := range la[c.a0:c.a1] {
			size += len(l) + 1
		}
		for _, l := range lb[c.b0:c.b1] {
			size += len(l) + 1
		}
	}
	out := make([]byte, 0, size)
	out = append(out, "--- "...)
	out = append(out, oldName...)
	out = append(out, "\n+++ "...)
	out = append(out, newName...)
	out = append(out, '\n')

	for len(changes) > 0 {
		// A hunk holds the changes whose unchanged gaps are at most 2*context
		// lines, so that the context around them overlaps or touches.
		n := 1
		for n < len(changes) && changes[n].a0-changes[n-1].a1 <= 2*context {
			n++
		}
		first, last := changes[0], changes[n-1]
		lead := min(context, first.a0)
		trail := min(context, len(la)-last.a1)
		a0, a1 := first.a0-lead, last.a1+trail
		b0, b1 := first.b0-lead, last.b1+trail

		out = append(out, "@@ -"...)
		out = appendRange(out, base+a0, base+a1)
		out = append(out, " +"...)
		out = appendRange(out, base+b0, base+b1)
		out = append(out, " @@\n"...)

		i := a0
		for _, c := range changes[:n] {
			out = appendLines(out, ' ', la[i:c.a0])
			out = appendLines(out, '-', la[c.a0:c.a1])
			out = appendLines(out, '+', lb[c.b0:c.b1])
			i = c.a1
		}
		out = appendLines(out, ' ', la[i:a1])
		changes = changes[n:]
	}
	return out
}

// appendRange appends a hunk range for lines [start, end) (0-based) the way
// GNU diff writes it: "l,s", with ",s" left out when s is 1 and l being the
// line before the range when s is 0.
func appendRange(out []byte, start, end int) []byte {
	switch end - start {
	case 0:
		out = strconv.AppendInt(out, int64(start), 10)
		return append(out, ",0"...)
	case 1:
		return strconv.AppendInt(out, int64(start+1), 10)
	default:
		out = strconv.AppendInt(out, int64(start+1), 10)
		out = append(out, ',')
		return strconv.AppendInt(out, int64(end-start), 10)
	}
}

func appendLines(out []byte, prefix byte, lines []string) []byte {
	for _, l := range lines {
		out = append(out, prefix)
		out = append(out, l...)
		if l[len(l)-1] != '\n' {
			out = append(out, '\n')
			out = append(out, noNewline...)
		}
	}
	return out
}
