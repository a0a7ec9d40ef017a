// Package udiff produces line-based unified diffs in the format written by
// `diff -u` (GNU diffutils).
package udiff

import (
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
// b, with `--- oldName` / `+++ newName` headers and context lines of context
// around each change (3 is the usual amount; negative values are treated as
// 0). It returns nil when a and b are equal.
//
// Lines are separated by '\n' and compared byte for byte, so a '\r' before the
// newline is part of the line. A final line without a newline is followed by
// a `\ No newline at end of file` marker, as in GNU diff. Hunks whose context
// would overlap or touch are merged into one, and change boundaries are
// positioned the way GNU diff positions them.
func Unified(oldName, newName string, a, b []byte, context int) []byte {
	if string(a) == string(b) {
		return nil
	}
	sa, sb := string(a), string(b)
	la, lb := splitLines(sa), splitLines(sb)
	// More context than lines makes no difference, and keeps 2*context from
	// overflowing.
	context = max(0, min(context, len(la)+len(lb)))
	changes := diffLines(sa, sb, la, lb, context)
	if len(changes) == 0 {
		// Unreachable for unequal inputs, but never print an empty diff.
		return nil
	}
	return format(oldName, newName, la, lb, changes, context)
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
	// panics. Line counts of the unchanged prefix and suffix do not count.
	maxLineSymbols = 0x110000 - 0x800 - 3 - 1

	// exactLimit is the number of lines (old plus new, after removing the
	// common prefix and suffix) up to which the diff is computed without a
	// deadline, giving a minimal edit script. Larger inputs are diffed with
	// largeTimeout, after which the diff algorithm falls back to coarser (but
	// still correct) edits for the remaining region.
	exactLimit   = 20000
	largeTimeout = time.Second
)

// symbolLimit is maxLineSymbols, as a variable so tests can exercise the code
// path for inputs with too many distinct lines.
var symbolLimit = maxLineSymbols

// diffLines computes the line-level edit script that turns la into lb, the
// lines of sa and sb. The changes are positioned for output with the given
// number of context lines (see canonicalize).
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
	var changes []change
	switch {
	case pre == ea && pre == eb:
		// Equal.
	case pre == ea || pre == eb:
		changes = []change{{pre, ea, pre, eb}}
	default:
		ma, mb := la[pre:ea], lb[pre:eb]
		dmp := diffmatchpatch.New()
		dmp.DiffTimeout = 0 // no deadline: minimal diff, no half-match heuristic
		if len(ma)+len(mb) > exactLimit {
			dmp.DiffTimeout = largeTimeout
		}
		var diffs []diffmatchpatch.Diff
		if len(ma)+len(mb) <= symbolLimit {
			// Each line becomes one character; diff those and turn the
			// result back into lines.
			ta, tb := sa[preBytes:len(sa)-sufBytesA], sb[preBytes:len(sb)-sufBytesB]
			ca, cb, lineArray := dmp.DiffLinesToChars(ta, tb)
			diffs = dmp.DiffMain(ca, cb, false)
			diffs = dmp.DiffCharsToLines(diffs, lineArray)
			changes = collect(diffs, countLines, pre)
		} else {
			diffs = diffRunes(dmp, ma, mb)
			changes = collect(diffs, utf8.RuneCountInString, pre)
		}
	}
	if len(changes) == 0 {
		return nil
	}

	// Like GNU diff, only let changes move within the lines that differ plus
	// context lines on either side (its "horizon").
	lo := max(0, pre-context)
	for suf < min(len(la), len(lb))-lo && la[len(la)-1-suf] == lb[len(lb)-1-suf] {
		suf++ // a suffix may overlap the part of the prefix given back
	}
	keep := max(0, suf-context)
	return canonicalize(la[:len(la)-keep], lb[:len(lb)-keep], lo, changes)
}

// diffRunes diffs ma and mb with one code point per line, like
// DiffLinesToChars does, but copes with more distinct lines than there are
// code points: a line that occurs on one side only can never be part of the
// common subsequence, so all such lines of ma share one code point, and all
// such lines of mb another. If there are still too many distinct lines the
// whole region is reported as replaced. The texts of the returned diffs hold
// one code point per line.
func diffRunes(dmp *diffmatchpatch.DiffMatchPatch, ma, mb []string) []diffmatchpatch.Diff {
	const (
		onlyA = 1 << iota
		onlyB
	)
	seen := make(map[string]int8, len(ma))
	for _, l := range ma {
		seen[l] |= onlyA
	}
	for _, l := range mb {
		seen[l] |= onlyB
	}
	ids := make(map[string]rune)
	// Code points 0 and 1 stand for the one-sided lines.
	next := rune(2)
	for l, s := range seen {
		if s != onlyA|onlyB {
			continue
		}
		if next == 0xD800 {
			next = 0xE000 // skip surrogates: they do not survive string conversion
		}
		if next > utf8.MaxRune || len(ids) >= symbolLimit {
			return []diffmatchpatch.Diff{
				{Type: diffmatchpatch.DiffDelete, Text: strings.Repeat("\x00", len(ma))},
				{Type: diffmatchpatch.DiffInsert, Text: strings.Repeat("\x00", len(mb))},
			}
		}
		ids[l] = next
		next++
	}
	encode := func(lines []string, other rune) []rune {
		rs := make([]rune, len(lines))
		for i, l := range lines {
			if r, ok := ids[l]; ok {
				rs[i] = r
			} else {
				rs[i] = other
			}
		}
		return rs
	}
	return dmp.DiffMainRunes(encode(ma, 0), encode(mb, 1), false)
}

// collect turns the diffs of a region starting at line off of both files into
// changes; count returns the number of lines in the text of a diff.
func collect(diffs []diffmatchpatch.Diff, count func(string) int, off int) []change {
	var changes []change
	i, j := off, off // current line in a and b
	ci, cj := i, j   // start of the pending change
	for _, d := range diffs {
		n := count(d.Text)
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			i += n
		case diffmatchpatch.DiffInsert:
			j += n
		case diffmatchpatch.DiffEqual:
			if n == 0 {
				continue
			}
			if i > ci || j > cj {
				changes = append(changes, change{ci, i, cj, j})
			}
			i += n
			j += n
			ci, cj = i, j
		}
	}
	if i > ci || j > cj {
		changes = append(changes, change{ci, i, cj, j})
	}
	return changes
}

// canonicalize moves the changes of a script to the positions GNU diff would
// report them at, without changing which lines are considered unchanged
// beyond sliding runs of changes over identical lines.
//
// A run of deleted (or inserted) lines that is bordered by lines equal to its
// own last (or first) lines can be placed at several offsets, all giving
// equally small diffs. Each run is slid as far as possible, merging with runs
// it meets on the way, and then placed at its lowest position that is
// adjacent to a change in the other file (so that a replacement is shown as
// one), or at its lowest position if there is no such position.
//
// Runs stay within la[lo:] and lb[lo:], which must hold all changes and have
// the same number of unchanged lines.
func canonicalize(la, lb []string, lo int, changes []change) []change {
	ma := make([]bool, len(la)-lo)
	mb := make([]bool, len(lb)-lo)
	for _, c := range changes {
		for i := c.a0; i < c.a1; i++ {
			ma[i-lo] = true
		}
		for j := c.b0; j < c.b1; j++ {
			mb[j-lo] = true
		}
	}
	slideRuns(la[lo:], ma, mb)
	slideRuns(lb[lo:], mb, ma)
	return fromMarks(ma, mb, lo)
}

// slideRuns repositions the runs of marked lines of one file, given the marks
// of the other file (which are not modified). Both files must have the same
// number of unmarked lines, the k-th unmarked line of one being matched to
// the k-th unmarked line of the other.
func slideRuns(lines []string, mark, other []bool) {
	// kept[k] is the position of the k-th unmarked line of the other file.
	kept := make([]int, 0, len(other))
	for j, m := range other {
		if !m {
			kept = append(kept, j)
		}
	}
	// otherChanged reports whether the other file has marked lines in the
	// gap in front of its k-th unmarked line (the gap at its end for
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
	i, k := 0, 0 // k counts the unmarked lines before i
	for {
		for i < n && !mark[i] {
			i++
			k++
		}
		if i == n {
			return
		}
		// The run is lines[s:e].
		s, e := i, i
		for e < n && mark[e] {
			e++
		}
		best := -1 // lowest end of the run next to a change in the other file
		for {
			size := e - s
			// Slide up while the line above equals the last line of the run.
			for s > 0 && lines[s-1] == lines[e-1] {
				s--
				e--
				mark[s], mark[e] = true, false
				k--
				for s > 0 && mark[s-1] {
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
				mark[s], mark[e] = false, true
				s++
				e++
				k++
				for e < n && mark[e] {
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
			mark[s], mark[e] = true, false
			k--
		}
		i = e
	}
}

// fromMarks builds the change list from the marks of changed lines, which
// start at line off of both files.
func fromMarks(ma, mb []bool, off int) []change {
	var changes []change
	i, j := 0, 0
	for i < len(ma) || j < len(mb) {
		if i < len(ma) && j < len(mb) && !ma[i] && !mb[j] {
			i++
			j++
			continue
		}
		c := change{a0: i, b0: j}
		for i < len(ma) && ma[i] {
			i++
		}
		for j < len(mb) && mb[j] {
			j++
		}
		if i == c.a0 && j == c.b0 {
			panic("udiff: inconsistent edit script")
		}
		c.a1, c.b1 = i, j
		c.a0, c.a1, c.b0, c.b1 = c.a0+off, c.a1+off, c.b0+off, c.b1+off
		changes = append(changes, c)
	}
	return changes
}

// format writes the headers and hunks for changes.
func format(oldName, newName string, la, lb []string, changes []change, context int) []byte {
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
		out = appendRange(out, a0, a1)
		out = append(out, " +"...)
		out = appendRange(out, b0, b1)
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
