package dockerfile

import (
	"bytes"
	"strings"
	"unicode"
)

// Comment is a comment line of the Dockerfile: a line whose first byte
// other than a space or tab is '#', outside heredoc bodies and parser
// directives. Comment lines inside an instruction's continuation are
// comments too: buildkit drops them from the instruction.
type Comment struct {
	Line int
	// Span is the whole line, its line ending included.
	Span Span
	// Text is what follows the '#', without surrounding blanks.
	Text string
}

// CommentsAbove returns the comment block directly above ins: the comment
// lines that come right before its first line, up to a blank line, a
// directive or the end of the previous instruction, in file order.
func (d *Document) CommentsAbove(ins *Instruction) []Comment {
	stop := 0 // the last line that cannot be part of the block
	if ins.Index > 0 && ins.Index <= len(d.Instructions) {
		stop = d.Instructions[ins.Index-1].EndLine
	}
	var out []Comment
	for n := ins.StartLine - 1; n > stop; n-- {
		c, ok := d.commentLine(n)
		if !ok || d.isDirectiveLine(n) {
			break
		}
		out = append(out, c)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// Comments returns every comment line of the document, in file order.
func (d *Document) Comments() []Comment {
	var bodies []Span
	for _, ins := range d.Instructions {
		for _, h := range ins.Heredocs() {
			bodies = append(bodies, h.Body)
		}
	}
	var out []Comment
	for n := 1; n <= d.LineCount(); n++ {
		start := d.LineStart(n)
		inBody := false
		for _, b := range bodies {
			if start >= b.Start && start < b.End {
				inBody = true
				break
			}
		}
		if inBody || d.isDirectiveLine(n) {
			continue
		}
		if c, ok := d.commentLine(n); ok {
			out = append(out, c)
		}
	}
	return out
}

func (d *Document) commentLine(n int) (Comment, bool) {
	line := d.Line(n)
	body := bytes.TrimLeft(line, " \t")
	if len(body) == 0 || body[0] != '#' {
		return Comment{}, false
	}
	text := strings.TrimSpace(string(body[1:]))
	return Comment{Line: n, Span: Span{d.LineStart(n), d.LineEnd(n)}, Text: text}, true
}

func (d *Document) isDirectiveLine(n int) bool {
	for _, dir := range d.Directives {
		if dir.Line == n {
			return true
		}
	}
	return false
}

// CommentLineIn reports whether a line that starts inside (start, end) is a
// comment line: inside an instruction, a comment line that buildkit drops
// and that an edit replacing the range would lose.
func (d *Document) CommentLineIn(start, end int) bool {
	for n := d.LineOf(start) + 1; n <= d.LineOf(end); n++ {
		line := strings.TrimLeftFunc(string(d.Line(n)), unicode.IsSpace)
		if strings.HasPrefix(line, "#") && d.LineStart(n) < end {
			return true
		}
	}
	return false
}

// HasCommentLines reports whether an instruction has comment lines inside
// its continuation (which an edit of the whole instruction would lose).
func (d *Document) HasCommentLines(ins *Instruction) bool {
	return d.CommentLineIn(ins.Span.Start, ins.ContentEnd())
}
