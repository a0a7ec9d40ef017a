package shellparse

import "mvdan.cc/sh/v3/syntax"

// Walk is syntax.Walk, visiting the same nodes in the same order with the
// same calls of f (f(node), then, when it returns true, the children and
// f(nil)), without recursing along and-or lists and pipelines.
//
// The parser builds `a && b && c` and `a | b | c` nested on their left, one
// level per operator: syntax.Walk goes as deep as the list is long, and a
// RUN of 100,000 commands joined by && takes a stack of hundreds of
// megabytes. Walk follows that nesting in a loop; its depth is the
// program's real nesting (subshells, substitutions, blocks).
func Walk(node syntax.Node, f func(syntax.Node) bool) {
	w := &walker{f: f}
	w.walk(node)
}

type walker struct {
	f func(syntax.Node) bool
}

func (w *walker) walk(n syntax.Node) {
	if s, ok := n.(*syntax.Stmt); ok {
		w.stmt(s)
		return
	}
	syntax.Walk(n, w.visit)
}

// visit is the function that syntax.Walk calls: statements are walked by
// stmt (so syntax.Walk is told not to descend into them), everything else
// goes to f.
func (w *walker) visit(n syntax.Node) bool {
	if s, ok := n.(*syntax.Stmt); ok {
		w.stmt(s)
		return false
	}
	return w.f(n)
}

// stmt walks a statement as syntax.Walk does: f(s), the comments before
// its end, its command, its redirections, f(nil), then the first comment
// after its end. A command that is an and-or list or a pipeline is walked
// as f(cmd), its left side, its right side, f(nil); its left side, nested
// the same way, is followed in a loop.
func (w *walker) stmt(s *syntax.Stmt) {
	type open struct {
		s        *syntax.Stmt
		b        *syntax.BinaryCmd
		trailing *syntax.Comment
	}
	var spine []open // statements whose left side is being walked, outermost first
	for w.f(s) {
		var trailing *syntax.Comment
		for _, c := range s.Comments {
			if !s.End().After(c.Pos()) {
				trailing = &c
				break
			}
			syntax.Walk(&c, w.visit)
		}
		b, isBin := s.Cmd.(*syntax.BinaryCmd)
		if isBin && w.f(b) {
			spine = append(spine, open{s, b, trailing})
			s = b.X
			continue
		}
		if !isBin && s.Cmd != nil {
			w.walk(s.Cmd)
		}
		w.close(s, trailing)
		break
	}
	for i := len(spine) - 1; i >= 0; i-- {
		o := spine[i]
		w.stmt(o.b.Y)
		w.f(nil) // the end of o.b
		w.close(o.s, o.trailing)
	}
}

// close ends a statement whose command was walked.
func (w *walker) close(s *syntax.Stmt, trailing *syntax.Comment) {
	for _, r := range s.Redirs {
		syntax.Walk(r, w.visit)
	}
	w.f(nil)
	if trailing != nil {
		syntax.Walk(trailing, w.visit)
	}
}
