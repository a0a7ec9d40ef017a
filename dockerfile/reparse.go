package dockerfile

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Replacement says that the bytes [Pos, End) of a document's source were
// replaced by Len bytes: one edit between a document and the source
// Reparse is given.
type Replacement struct{ Pos, End, Len int }

// Reparse returns the document of src, which is prev's source with the
// replacements made (sorted by position, not overlapping). It gives the
// same document as Parse(prev.Name, src) (TestReparse and FuzzReparse
// compare them field by field), but asks BuildKit's parser only about the
// instructions the replacements touch: the other instructions are copied,
// moved to their new offsets and lines, with none of the values cached on
// them but those of TextCached (another value a pass cached may depend on
// other instructions).
//
// An instruction is touched when a replacement overlaps or abuts it or the
// comments and blank lines above it. Each run of touched instructions is
// parsed from the end of the untouched instruction before it together with
// the one after it (or up to the end of the file): the parse must give the
// one after back as it was, which shows that nothing the run became (an
// unterminated here-document, a trailing line continuation) reaches past
// it. The parse starts where the instruction before ended, so in the state
// BuildKit's parser is in after a whole instruction (it reads forward, line
// by line); a line of a fixed instruction put in front of the window gives
// the parser that state, so that a comment at the top of the window is not
// read as a parser directive. When the window's parse does not give the
// instruction after back, when the first instruction or the parser
// directives above it are touched, when most instructions are, or when a
// parse fails, Reparse parses the whole source, so that errors are the
// ones Parse gives.
func Reparse(prev *Document, src []byte, reps []Replacement) (*Document, error) {
	if d, ok := reparse(prev, src, reps); ok {
		return d, nil
	}
	return Parse(prev.Name, src)
}

func reparse(prev *Document, src []byte, reps []Replacement) (*Document, bool) {
	ins := prev.Instructions
	if len(reps) == 0 || len(ins) < 2 {
		return nil, false
	}
	for i, r := range reps {
		if r.Pos < 0 || r.End < r.Pos || r.End > len(prev.Src) || i > 0 && r.Pos < reps[i-1].End {
			return nil, false
		}
	}
	if reps[0].Pos <= ins[0].Span.End {
		return nil, false
	}
	// touched[i]: a replacement meets [end of instruction i-1, end of i]
	// (both ends included); the bytes after the last instruction count as
	// its own.
	touched := make([]bool, len(ins))
	j := 1
	for _, r := range reps {
		for j < len(ins) && ins[j].Span.End < r.Pos {
			j++
		}
		if j == len(ins) {
			touched[len(ins)-1] = true
			continue
		}
		for k := j; k < len(ins) && ins[k-1].Span.End <= r.End; k++ {
			touched[k] = true
		}
	}
	if touched[0] {
		return nil, false
	}
	// When most instructions are touched, the windows and the guards
	// around them cost more than one parse of the whole.
	n := 0
	for _, t := range touched {
		if t {
			n++
		}
	}
	if 2*n > len(ins) {
		return nil, false
	}

	// shift maps an offset of prev.Src that no replacement meets to src,
	// and gives the change in line count before it.
	type mark struct{ pos, delta, lines int }
	marks := make([]mark, 0, len(reps))
	delta, lines := 0, 0
	for _, r := range reps {
		newPos := r.Pos + delta
		delta += r.Len - (r.End - r.Pos)
		lines += bytes.Count(src[newPos:newPos+r.Len], nl) - bytes.Count(prev.Src[r.Pos:r.End], nl)
		marks = append(marks, mark{r.End, delta, lines})
	}
	shift := func(off int) (int, int) {
		// The last replacement that ends at or before off.
		k := sort.Search(len(marks), func(k int) bool { return marks[k].pos > off }) - 1
		if k < 0 {
			return 0, 0
		}
		return marks[k].delta, marks[k].lines
	}

	d := &Document{Name: prev.Name, Src: src, BOM: prev.BOM, Escape: prev.Escape, Directives: prev.Directives}
	d.indexLines()
	d.CRLF = bytes.Count(src, []byte("\r\n"))*2 > bytes.Count(src, nl)
	out := make([]*Instruction, 0, len(ins))
	for i := 0; i < len(ins); {
		if !touched[i] {
			db, dl := shift(ins[i].Span.Start)
			out = append(out, ins[i].moved(db, dl))
			i++
			continue
		}
		// The run ins[i:k] is touched; ins[i-1] is not (touched[0] is
		// false) and is already in out.
		k := i
		for k < len(ins) && touched[k] {
			k++
		}
		// No replacement meets the untouched ins[i-1] or its end (one
		// that abuts it touches it), so its end moves by the shift of
		// its start.
		before := ins[i-1]
		start, _ := shift(before.Span.Start)
		start += before.Span.End
		end := len(src)
		if k < len(ins) {
			db, _ := shift(ins[k].Span.End)
			end = ins[k].Span.End + db
		}
		got, ok := d.windowInstructions(start, end)
		if !ok {
			return nil, false
		}
		if k < len(ins) {
			if len(got) < 1 {
				return nil, false
			}
			db, _ := shift(ins[k].Span.Start)
			if !sameInstruction(got[len(got)-1], ins[k], db, true) {
				return nil, false
			}
			got = got[:len(got)-1]
			out = append(out, got...)
			_, dl := shift(ins[k].Span.Start)
			out = append(out, ins[k].moved(db, dl))
			k++
		} else {
			out = append(out, got...)
		}
		i = k
	}
	for n, x := range out {
		x.Index = n
	}
	d.Instructions = out
	if err := d.buildStages(); err != nil {
		return nil, false
	}
	d.contIndent.s, d.contIndent.ok = d.continuationIndent(d.Instructions)
	return d, true
}

var nl = []byte("\n")

// windowLead is the line put in front of a window: a whole instruction,
// after which BuildKit's parser is in the state it is in after any
// instruction (no parser directive can follow it).
const windowLead = "ARG _\n"

// windowInstructions parses d.Src[start:end], which begins where an
// instruction ended, and returns its instructions at their offsets and
// lines in d.Src.
func (d *Document) windowInstructions(start, end int) ([]*Instruction, bool) {
	nodes, dl, ok := d.parseWindow(start, end)
	if !ok {
		return nil, false
	}
	var out []*Instruction
	for _, n := range nodes {
		x, err := d.instruction(n, dl)
		if err != nil {
			return nil, false
		}
		out = append(out, x)
	}
	return out, true
}

// parseWindow parses d.Src[start:end], which begins where an instruction
// ended, after windowLead (and a line that sets the escape character when
// it is not the default one), and returns buildkit's syntax trees of its
// instructions, whose line n is line n+dl of d.Src. The window is not
// copied.
func (d *Document) parseWindow(start, end int) (nodes []*parser.Node, dl int, ok bool) {
	prefix := windowLead
	if d.Escape != '\\' {
		prefix = fmt.Sprintf("# escape=%c\n", d.Escape) + windowLead
	}
	prefixLines := strings.Count(prefix, "\n")
	res, err := parseSafely(io.MultiReader(strings.NewReader(prefix), bytes.NewReader(d.Src[start:end])))
	if err != nil || byte(res.EscapeToken) != d.Escape {
		return nil, 0, false
	}
	nodes = res.AST.Children
	// The lead comes back as itself, on its own line.
	if len(nodes) == 0 || nodes[0].Value != "ARG" && nodes[0].Value != "arg" || nodes[0].StartLine != prefixLines || nodes[0].EndLine != prefixLines {
		return nil, 0, false
	}
	return nodes[1:], d.LineOf(start) - 1 - prefixLines, true
}

func parseSafely(r io.Reader) (res *parser.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("cannot parse: %v", r)
		}
	}()
	return parser.Parse(r)
}

// sameInstruction reports whether got, parsed again, is want moved by db
// bytes (and has the same comments above it, when comments is set).
func sameInstruction(got, want *Instruction, db int, comments bool) bool {
	if comments && !slices.Equal(got.Comments(), want.Comments()) {
		return false
	}
	if got.Text != want.Text || got.Span.Start != want.Span.Start+db || got.Span.End != want.Span.End+db ||
		got.TextEnd != want.TextEnd+db || len(got.Heredocs()) != len(want.Heredocs()) || got.Cmd != want.Cmd {
		return false
	}
	for i, h := range got.Heredocs() {
		w := want.Heredocs()[i]
		if h.Content != w.Content || h.Body.Start != w.Body.Start+db || h.Body.End != w.Body.End+db {
			return false
		}
	}
	return true
}

// moved returns a copy of ins, db bytes and dl lines further in the
// source, with only the values of TextCached and no stage (buildStages
// sets it).
func (ins *Instruction) moved(db, dl int) *Instruction {
	x := &Instruction{
		Cmd: ins.Cmd, Flags: ins.Flags, Args: ins.Args, JSON: ins.JSON,
		Span:      Span{ins.Span.Start + db, ins.Span.End + db},
		StartLine: ins.StartLine + dl, EndLine: ins.EndLine + dl,
		Text: ins.Text, TextEnd: ins.TextEnd + db, ArgsOffset: ins.ArgsOffset,
		contentEnd: ins.contentEnd + db,
		cache:      ins.textValues(),
	}
	if r := ins.rare; r != nil {
		x.rare = &rareFields{comments: r.comments, onbuild: r.onbuild, segs: r.segs, segShift: r.segShift + db}
		if len(r.heredocs) > 0 {
			x.rare.heredocs = make([]Heredoc, len(r.heredocs))
			for i, h := range r.heredocs {
				h.Body = Span{h.Body.Start + db, h.Body.End + db}
				x.rare.heredocs[i] = h
			}
		}
	}
	return x
}
