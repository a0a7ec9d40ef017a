package runs

import (
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/shellparse"
	"mvdan.cc/sh/v3/syntax"
)

// RemoveCommandEdit returns an edit that takes the simple command c out of
// the RUN's program (see RemoveCommandsEdits).
func (r *Run) RemoveCommandEdit(doc *dockerfile.Document, c *shellparse.Command) (analysis.Edit, bool) {
	edits, ok := r.RemoveCommandsEdits(doc, []*shellparse.Command{c})
	if !ok {
		return analysis.Edit{}, false
	}
	return edits[0], true
}

// RemoveCommandsEdits returns edits that take the simple commands cmds out
// of the RUN's program, with the && that joins each to its neighbours,
// when that leaves the rest of the program to run as it did: each is an
// item of the program's top-level and-or lists (not in a subshell, a
// block, a pipeline or a condition), not negated, and joined by && to the
// command after it (`a && c && b` gives `a && b`, `c && b` gives `b`) or,
// as the last of its list, to the one before it (`a && c` gives `a`,
// `a && c; b` gives `a; b`). After a top-level `set -e`, where a command
// that fails ends the program, `;` joins as && does (`a; c; b` gives
// `a; b`, `a; c` gives `a`). Commands next to each other go together
// (`a && c1 && c2` gives `a`). Since they no longer run, their exit status
// no longer counts: callers remove only commands that succeed where they
// ran. ok is false when one cannot be removed so, when all of the
// program's commands would go, or when the text removed would hold a
// comment line.
func (r *Run) RemoveCommandsEdits(doc *dockerfile.Document, cmds []*shellparse.Command) ([]analysis.Edit, bool) {
	items := shellparse.Chain(r.Prog.File.Stmts)
	gone := make([]bool, len(items))
	n := 0
	for _, c := range cmds {
		found := false
		for i, it := range items {
			if call, ok := it.Stmt.Cmd.(*syntax.CallExpr); ok && call == c.Call {
				if it.Negated {
					return nil, false
				}
				if !gone[i] {
					gone[i] = true
					n++
				}
				found = true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	if n == 0 || n == len(items) {
		return nil, false
	}
	off := strings.Contains(r.Prog.Src, "+e") || strings.Contains(r.Prog.Src, "+o") // set +e somewhere
	var edits []analysis.Edit
	for i := 0; i < len(items); i++ {
		if !gone[i] {
			continue
		}
		j := i
		for j+1 < len(items) && gone[j+1] {
			j++
		}
		// and: the operator joins as && does.
		ee := !off && errexitBefore(items[:i])
		and := func(op shellparse.Op) bool { return op == shellparse.OpAnd || ee && op == shellparse.OpSeq }
		for k := i; k < j; k++ {
			if !and(items[k].Op) {
				return nil, false
			}
		}
		prevOp := shellparse.OpSeq // none before the first item
		if i > 0 {
			prevOp = items[i-1].Op
		}
		var e analysis.Edit
		switch last := items[j]; {
		case and(last.Op) && j+1 < len(items) && (prevOp == shellparse.OpAnd || prevOp == shellparse.OpSeq):
			// `c && b`: from c up to b.
			start, _ := shellparse.Span(items[i].Stmt)
			next, _ := shellparse.Span(items[j+1].Stmt)
			e = analysis.Delete(r.Src(start), r.Src(next))
		case (last.Op == shellparse.OpEnd || last.Op == shellparse.OpSeq) && i > 0 && and(prevOp):
			// `a && c`: from the end of a to the end of c.
			_, prevEnd := shellparse.Span(items[i-1].Stmt)
			_, end := shellparse.Span(last.Stmt)
			e = analysis.Delete(r.After(prevEnd), r.After(end))
		default:
			return nil, false
		}
		if doc.CommentLineIn(e.Pos, e.End) {
			return nil, false
		}
		edits = append(edits, e)
		i = j
	}
	return edits, true
}

// RemoveArgEdit returns an edit that removes the i-th word of c's
// arguments (c.Args[i]) with the blanks (and line continuations) before
// it; ok is false when that text would hold a comment line.
func (r *Run) RemoveArgEdit(doc *dockerfile.Document, c *shellparse.Command, i int) (analysis.Edit, bool) {
	w := c.Args[i]
	var prev syntax.Node = c.Call.Args[0]
	for j, a := range c.Call.Args {
		if a == w && j > 0 {
			prev = c.Call.Args[j-1]
		}
	}
	_, prevEnd := shellparse.Span(prev)
	e := analysis.Delete(r.After(prevEnd), r.WordEnd(w))
	if doc.CommentLineIn(e.Pos, e.End) {
		return analysis.Edit{}, false
	}
	return e, true
}

// errexitBefore reports whether the items have run `set -e` (or -o
// errexit) for sure: as a plain command at the top level, first in its
// list or after a ';', and the program turns it off nowhere (set +e).
func errexitBefore(items []shellparse.Item) bool {
	on := false
	for j, it := range items {
		call, ok := it.Stmt.Cmd.(*syntax.CallExpr)
		if !ok {
			continue
		}
		c := shellparse.Resolve(call)
		if c.Name != "set" || len(c.Wrappers) > 0 {
			continue
		}
		for i, v := range c.Lits {
			switch {
			case !c.Static[i]:
				return false
			case v == "-o" && i+1 < len(c.Lits) && c.Lits[i+1] == "errexit":
				on = on || !it.Negated && (j == 0 || items[j-1].Op == shellparse.OpSeq)
			case v == "+o" && i+1 < len(c.Lits) && c.Lits[i+1] == "errexit":
				return false
			case len(v) > 1 && v[0] == '+' && strings.Contains(v, "e"):
				return false
			case len(v) > 1 && v[0] == '-' && v[1] != '-' && v[1] != 'o' && strings.Contains(v, "e"):
				on = on || !it.Negated && (j == 0 || items[j-1].Op == shellparse.OpSeq)
			}
		}
	}
	return on
}
