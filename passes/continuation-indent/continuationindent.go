package continuationindent

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/shellparse"
	"mvdan.cc/sh/v3/syntax"
)

func run(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	var chains []*chain
	count := map[string]int{}
	var order []string
	for _, ins := range doc.Instructions {
		c := readChain(doc, ins)
		if c == nil {
			continue
		}
		chains = append(chains, c)
		if count[c.base] == 0 {
			order = append(order, c.base)
		}
		count[c.base]++
	}
	target, most := "", 0
	for _, ind := range order { // file order: the first wins a tie
		if count[ind] > most {
			target, most = ind, count[ind]
		}
	}
	if target == "" {
		return nil
	}
	var out []analysis.Finding
	for _, c := range chains {
		if c.base == target || !c.movable || !c.separated() {
			continue
		}
		if f, ok := c.move(doc, target); ok {
			out = append(out, f)
		}
	}
	return out
}

// chain is a multi-line shell-form RUN whose continuation lines start
// commands of its top-level list.
type chain struct {
	ins  *dockerfile.Instruction
	base string // the chain's indentation
	// lines are the continuation lines that move with the chain: lines of
	// the program and comment lines, with their indentation.
	lines []line
	// text is the program; seps are the ranges of it that the indentation
	// of lines covers, which must lie between tokens for the chain to move
	// (see separated).
	text string
	seps [][2]int
	// movable is false when some line keeps the chain where it is (see
	// the pass documentation).
	movable bool
}

type line struct {
	start   int    // source offset of the line's first byte
	indent  string // its leading spaces and tabs
	comment bool
}

// readChain returns the chain of a RUN, or nil when the RUN is not one.
func readChain(doc *dockerfile.Document, ins *dockerfile.Instruction) *chain {
	if ins.Cmd != "run" || ins.JSON || len(ins.Heredocs()) > 0 || !ins.POSIXShell() || ins.StartLine == ins.EndLine {
		return nil
	}
	text, off := ins.ShellArgs()
	text = strings.TrimRightFunc(text, unicode.IsSpace)
	if strings.TrimSpace(text) == "" {
		return nil
	}
	prog, err := shellparse.ParseCached(ins, text)
	if err != nil || len(prog.File.Stmts) == 0 {
		return nil
	}
	starts := commandStarts(prog)

	c := &chain{ins: ins, text: text, movable: true}
	var cmdIndents []string
	last := doc.LineOf(max(ins.TextEnd-1, ins.Span.Start))
	for n := ins.StartLine + 1; n <= last; n++ {
		ls, le := doc.LineStart(n), doc.LineEnd(n)
		body := bytes.TrimRight(doc.Src[ls:le], "\r\n")
		trimmed := bytes.TrimLeftFunc(body, unicode.IsSpace)
		if len(trimmed) == 0 {
			continue // an empty continuation line
		}
		indent := indentString(body[:len(body)-len(bytes.TrimLeft(body, " \t"))])
		if len(indent) != len(body)-len(trimmed) {
			c.movable = false // white space other than spaces and tabs
			continue
		}
		if trimmed[0] == '#' {
			c.lines = append(c.lines, line{start: ls, indent: indent, comment: true})
			continue
		}
		i := ins.TextIndex(ls)
		if i < 0 {
			c.movable = false
			continue
		}
		j := i + len(indent)
		c.lines = append(c.lines, line{start: ls, indent: indent})
		if j >= len(ins.Text) || ins.SrcOffset(j) != ls+len(indent) {
			// Only blanks and the escape character: the blanks run on
			// into the next line's.
			if j > off {
				c.seps = append(c.seps, [2]int{max(i-off, 0), j - off})
			}
			continue
		}
		switch {
		case j < off:
			c.movable = false // builder flags
		case j == off:
			// The program starts on this line: its indentation is part of
			// the blanks after the keyword (or the flags), which BuildKit
			// trims.
			cmdIndents = append(cmdIndents, indent)
		default:
			c.seps = append(c.seps, [2]int{i - off, j - off})
			if starts[j-off] {
				cmdIndents = append(cmdIndents, indent)
			}
		}
	}
	if len(cmdIndents) == 0 {
		return nil
	}
	c.base = cmdIndents[0]
	for _, ind := range cmdIndents[1:] {
		if len(ind) < len(c.base) {
			c.base = ind
		}
	}
	return c
}

// spaces backs the indentations made of spaces alone, the usual ones,
// so that reading them allocates nothing.
const spaces = "                                                                "

// indentString returns b, an indentation, as a string.
func indentString(b []byte) string {
	if len(b) <= len(spaces) && len(bytes.TrimLeft(b, " ")) == 0 {
		return spaces[:len(b)]
	}
	return string(b)
}

// separated reports whether the indentation of each of the chain's lines
// lies between tokens of the program: worked out only for a chain that is
// to move, the others' indentation stays as it is.
func (c *chain) separated() bool {
	if len(c.seps) == 0 {
		return true
	}
	prog, err := shellparse.ParseCached(c.ins, c.text)
	if err != nil {
		return false
	}
	covered := tokenCover(prog)
	for _, r := range c.seps {
		if !separator(prog.Src, r[0], r[1], covered) {
			return false
		}
	}
	return true
}

// move returns the finding that moves the chain to indentation target.
func (c *chain) move(doc *dockerfile.Document, target string) (analysis.Finding, bool) {
	var edits []analysis.Edit
	for _, l := range c.lines {
		if !strings.HasPrefix(l.indent, c.base) || mixed(target+l.indent[len(c.base):]) {
			if l.comment {
				continue // comment lines indented otherwise stay
			}
			return analysis.Finding{}, false
		}
		edits = append(edits, analysis.Replace(l.start, l.start+len(c.base), target))
	}
	if len(edits) == 0 {
		return analysis.Finding{}, false
	}
	// One edit from the end of the keyword to the end of the RUN, so that
	// no other fix of the same round changes the RUN (merges another RUN
	// into it, appends a command in its old indentation): those wait for
	// the next round and see the RUN as moved. The edit starts after the
	// keyword, where an ignore comment's hold on the RUN ends.
	lead := len(c.ins.Text) - len(strings.TrimLeft(c.ins.Text, " \t"))
	start, end := c.ins.SrcOffset(lead+len(c.ins.Keyword())), c.ins.ContentEnd()
	var text strings.Builder
	last := start
	for _, e := range edits {
		text.Write(doc.Src[last:e.Pos])
		text.WriteString(e.NewText)
		last = e.End
	}
	text.Write(doc.Src[last:end])
	now := "are not indented"
	if c.base != "" {
		now = "are indented by " + describe(c.base)
	}
	return analysis.Finding{Pos: edits[0].Pos, End: end,
		Message: fmt.Sprintf("continuation lines %s, the file's other RUN chains by %s", now, describe(target)),
		Fix: &analysis.Fix{Message: "indent by " + describe(target),
			Edits: []analysis.Edit{analysis.Replace(start, end, text.String())}}}, true
}

// commandStarts returns the offsets in the program where a command of its
// top-level list, an && or || joining two of them, or a ; ending one
// starts.
func commandStarts(prog *shellparse.Program) map[int]bool {
	starts := map[int]bool{}
	// An and-or list nests one level per operator: a stack, not
	// recursion, follows it.
	var todo []*syntax.Stmt
	for _, s := range prog.File.Stmts {
		todo = append(todo[:0], s)
		for len(todo) > 0 {
			s := todo[len(todo)-1]
			todo = todo[:len(todo)-1]
			starts[shellparse.Offset(s.Pos())] = true
			if b, ok := s.Cmd.(*syntax.BinaryCmd); ok && (b.Op == syntax.AndStmt || b.Op == syntax.OrStmt) && !s.Negated && len(s.Redirs) == 0 {
				starts[shellparse.Offset(b.OpPos)] = true
				todo = append(todo, b.Y, b.X)
			}
		}
		if s.Semicolon.IsValid() {
			starts[shellparse.Offset(s.Semicolon)] = true
		}
	}
	return starts
}

// tokenCover returns, for each byte of the program (and one past its
// end), how many of its words, assignments, redirections, arithmetic
// commands, let clauses and comments cover it: the text whose blanks are
// not separators. A comment runs to the end of the program (a joined RUN
// has no line breaks).
func tokenCover(prog *shellparse.Program) []int {
	n := len(prog.Src)
	cover := make([]int, n+1)
	mark := func(s, e int) {
		s, e = min(max(s, 0), n), min(max(e, 0), n)
		if s < e {
			cover[s]++
			cover[e]--
		}
	}
	shellparse.Walk(prog.File, func(node syntax.Node) bool {
		switch node.(type) {
		case *syntax.Word, *syntax.Assign, *syntax.Redirect, *syntax.ArithmCmd, *syntax.LetClause:
			mark(shellparse.Span(node))
			return false
		}
		return true
	})
	for _, c := range prog.Comments() {
		mark(shellparse.Offset(c.Hash), n)
	}
	for k := 1; k <= n; k++ {
		cover[k] += cover[k-1]
	}
	return cover
}

// separator reports whether text[i:j], a line's indentation in the
// program, lies between two tokens: no token covers any of it, and when
// it is empty, a blank that no token covers comes right before it.
func separator(text string, i, j int, cover []int) bool {
	if i == j {
		if i == 0 || text[i-1] != ' ' && text[i-1] != '\t' {
			return false
		}
		i--
	}
	for k := i; k < j && k < len(cover); k++ {
		if cover[k] > 0 {
			return false
		}
	}
	return true
}

func mixed(indent string) bool {
	return strings.Contains(indent, " ") && strings.Contains(indent, "\t")
}

// describe names an indentation: "4 spaces", "1 tab", or the quoted blanks.
func describe(indent string) string {
	switch {
	case indent == "":
		return `""`
	case strings.Trim(indent, " ") == "":
		return plural(len(indent), "space")
	case strings.Trim(indent, "\t") == "":
		return plural(len(indent), "tab")
	}
	return fmt.Sprintf("%q", indent)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
