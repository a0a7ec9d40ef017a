package udiff

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func applyEdits(a []byte, edits []Edit) []byte {
	var out []byte
	last := 0
	for _, e := range edits {
		out = append(out, a[last:e.Start]...)
		out = append(out, e.Text...)
		last = e.End
	}
	return append(out, a[last:]...)
}

// Edits turn a into b, touch whole lines, and change no more lines than
// the unified diff does.
func TestEdits(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		la := randomFile(r, 30)
		lb := mutate(r, la)
		crlf, noeol := r.IntN(4) == 0, r.IntN(4) == 0
		a, b := render(la, crlf, noeol), render(lb, crlf, r.IntN(4) == 0)
		edits := Edits(a, b)
		if got := applyEdits(a, edits); !bytes.Equal(got, b) {
			t.Fatalf("case %d: edits do not give b\na: %q\nb: %q\nedits: %+v\ngot: %q", i, a, b, edits, got)
		}
		if bytes.Equal(a, b) != (edits == nil) {
			t.Fatalf("case %d: edits %v for equal=%v", i, edits, bytes.Equal(a, b))
		}
		last := -1
		for _, e := range edits {
			if e.Start <= last || e.End < e.Start {
				t.Fatalf("case %d: edits not sorted or overlapping: %+v", i, edits)
			}
			if e.Start > 0 && a[e.Start-1] != '\n' || e.End > 0 && e.End < len(a) && a[e.End-1] != '\n' {
				t.Fatalf("case %d: edit %+v does not cover whole lines", i, e)
			}
			last = e.End
		}
		del, ins := changedLines(Unified("a", "b", a, b, 3))
		n := 0
		for _, e := range edits {
			n += bytes.Count(a[e.Start:e.End], []byte("\n"))
		}
		if n > del+1 {
			t.Fatalf("case %d: edits replace %d lines, the diff deletes %d (inserts %d)", i, n, del, ins)
		}
	}
}
