package dockerfile

import (
	"strings"
	"unicode"
)

// Newline is the file's line ending: "\r\n" when most lines end that way.
func (d *Document) Newline() string {
	if d.CRLF {
		return "\r\n"
	}
	return "\n"
}

// LineEnding returns the line ending of the line that holds offset off
// ("\r\n" or "\n"), or the file's usual one when that line has none.
func (d *Document) LineEnding(off int) string {
	end := d.LineEnd(d.LineOf(off))
	switch {
	case end >= 2 && d.Src[end-1] == '\n' && d.Src[end-2] == '\r':
		return "\r\n"
	case end >= 1 && d.Src[end-1] == '\n':
		return "\n"
	}
	return d.Newline()
}

// Continuation is the text that ends a line inside a multi-line instruction
// in this file's style: " \" (or " `") and the line ending.
func (d *Document) Continuation() string {
	return " " + string(d.Escape) + d.Newline()
}

// KeywordCase returns an instruction keyword (given in upper case, e.g.
// "RUN") in the case this file uses for its keywords: lower case when more
// of the file's instruction keywords are written in lower case than in
// upper case, upper case otherwise (mixed-case keywords such as "Run" count
// for neither). This is the majority BuildKit's ConsistentInstructionCasing
// check compares with.
func (d *Document) KeywordCase(kw string) string {
	if d.LowerKeywords() {
		return strings.ToLower(kw)
	}
	return strings.ToUpper(kw)
}

// LowerKeywords reports whether more of the file's instruction keywords
// (ONBUILD's wrapped instructions aside) are written in lower case than in
// upper case.
func (d *Document) LowerKeywords() bool {
	lower, upper := 0, 0
	for _, ins := range d.Instructions {
		switch kw := ins.Keyword(); kw {
		case strings.ToLower(kw):
			lower++
		case strings.ToUpper(kw):
			upper++
		}
	}
	return lower > upper
}

// ContinuationIndent returns the indentation of the continuation lines of the
// given instructions (the first continuation line that has content), or
// def when none of them spans several lines.
//
// Asked about every instruction of the document (doc.Instructions), it
// answers from what Parse found, in constant time.
func (d *Document) ContinuationIndent(def string, ins ...*Instruction) string {
	if len(ins) > 0 && len(ins) == len(d.Instructions) && &ins[0] == &d.Instructions[0] {
		if d.contIndent.ok {
			return d.contIndent.s
		}
		return def
	}
	if s, ok := d.continuationIndent(ins); ok {
		return s
	}
	return def
}

func (d *Document) continuationIndent(ins []*Instruction) (string, bool) {
	for _, in := range ins {
		first := d.LineOf(in.Span.Start)
		last := d.LineOf(max(in.TextEnd-1, in.Span.Start))
		for n := first + 1; n <= last; n++ {
			line := strings.TrimRight(string(d.Line(n)), "\r\n")
			trimmed := strings.TrimLeftFunc(line, unicode.IsSpace)
			if trimmed == "" || trimmed[0] == '#' {
				continue
			}
			return line[:len(line)-len(trimmed)], true
		}
	}
	return "", false
}

// Indent returns the leading white space of the line that holds offset off.
func (d *Document) Indent(off int) string {
	n := d.LineOf(off)
	line := string(d.Line(n))
	return line[:len(line)-len(strings.TrimLeft(line, " \t"))]
}
