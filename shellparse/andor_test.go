package shellparse

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"mvdan.cc/sh/v3/syntax"
)

// appendAndOrReference is appendAndOr as it was: recursive.
func appendAndOrReference(items []Item, s *syntax.Stmt, last Op) []Item {
	if b, ok := s.Cmd.(*syntax.BinaryCmd); ok {
		switch b.Op {
		case syntax.AndStmt:
			items = appendAndOrReference(items, b.X, OpAnd)
			return appendAndOrReference(items, b.Y, last)
		case syntax.OrStmt:
			items = appendAndOrReference(items, b.X, OpOr)
			return appendAndOrReference(items, b.Y, last)
		}
	}
	return append(items, Item{Stmt: s, Op: last, Negated: s.Negated})
}

// appendAndOr, which follows the left side of a list in a loop, gives the
// items the recursive version gives.
func TestAppendAndOrMatchesRecursion(t *testing.T) {
	words := []string{"a", "! b", "c | d", "{ e || f; }", "(g && h)", "i &", "j;", "k\n", "l && ! m"}
	ops := []string{" && ", " || ", " | ", "; ", "\n"}
	r := rand.New(rand.NewPCG(9, 10))
	for i := 0; i < 2000; i++ {
		var b strings.Builder
		b.WriteString(words[r.IntN(len(words))])
		for j := r.IntN(12); j > 0; j-- {
			b.WriteString(ops[r.IntN(len(ops))])
			b.WriteString(words[r.IntN(len(words))])
		}
		p, err := Parse(b.String())
		if err != nil {
			continue
		}
		for _, s := range p.File.Stmts {
			got, want := appendAndOr(nil, s, OpSeq), appendAndOrReference(nil, s, OpSeq)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%q: %v, want %v", b.String(), got, want)
			}
		}
	}
}
