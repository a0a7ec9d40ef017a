package udiff

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// distinctLines returns n distinct lines with the given prefix.
func distinctLines(prefix string, n int) []string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf("%s%d\n", prefix, i)
	}
	return lines
}

// checkDiff checks that diff turns a into b and changes exactly del and ins
// lines.
func checkDiff(t *testing.T, a, b, diff []byte, del, ins int) {
	t.Helper()
	got, err := applyStrict(a, diff, "old", "new")
	if err != nil {
		t.Fatalf("applying diff: %v", err)
	}
	if !bytes.Equal(got, b) {
		t.Fatal("applying diff does not give the new text")
	}
	if d, i := changedLines(diff); d != del || i != ins {
		t.Fatalf("diff deletes %d and inserts %d lines, want %d and %d", d, i, del, ins)
	}
}

// TestManyDistinctLines diffs files with more distinct lines than fit in the
// Basic Multilingual Plane (the limit of older go-diff versions), with
// changes at both ends so that the whole file goes through the line encoding.
func TestManyDistinctLines(t *testing.T) {
	const n = 100_000
	la := distinctLines("line ", n)
	lb := append([]string(nil), la...)
	lb[0] = "first\n"
	lb[n/2] = "middle\n"
	lb[n-1] = "last\n"
	a, b := []byte(strings.Join(la, "")), []byte(strings.Join(lb, ""))
	got := Unified("old", "new", a, b, 3)
	want := "--- old\n+++ new\n" +
		"@@ -1,4 +1,4 @@\n-line 0\n+first\n line 1\n line 2\n line 3\n" +
		"@@ -49998,7 +49998,7 @@\n line 49997\n line 49998\n line 49999\n-line 50000\n+middle\n line 50001\n line 50002\n line 50003\n" +
		"@@ -99997,4 +99997,4 @@\n line 99996\n line 99997\n line 99998\n-line 99999\n+last\n"
	if string(got) != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestLineEncodingLimit pins down the number of distinct lines
// DiffLinesToChars can encode, which diffLines relies on.
func TestLineEncodingLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	text := strings.Join(distinctLines("", maxLineSymbols), "")
	dmp := diffmatchpatch.New()
	_, _, lineArray := dmp.DiffLinesToChars(text, "")
	if len(lineArray) != maxLineSymbols+1 {
		t.Fatalf("got %d entries, want %d", len(lineArray), maxLineSymbols+1)
	}
	defer func() {
		if recover() == nil {
			t.Fatalf("DiffLinesToChars accepted %d distinct lines; maxLineSymbols is out of date", maxLineSymbols+1)
		}
	}()
	dmp.DiffLinesToChars(text, "one more\n")
}

// TestBeyondLineEncodingLimit diffs files whose changed region has more lines
// than DiffLinesToChars can encode.
func TestBeyondLineEncodingLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	t.Run("few distinct common lines", func(t *testing.T) {
		// 1.2M lines in the changed region, but only 600k distinct lines
		// occur in both files: still a minimal diff.
		const n = 600_000
		la := distinctLines("x", n)
		lb := append([]string(nil), la...)
		lb[0] = "first\n"
		lb[1000] = "changed\n"
		lb = append(lb[:n/2], append([]string{"inserted\n"}, lb[n/2:]...)...)
		lb[len(lb)-1] = "last\n"
		a, b := []byte(strings.Join(la, "")), []byte(strings.Join(lb, ""))
		got := Unified("old", "new", a, b, 3)
		checkDiff(t, a, b, got, 3, 4)
		if n := bytes.Count(got, []byte("\n@@ ")); n != 4 {
			t.Fatalf("got %d hunks, want 4", n)
		}
	})
	t.Run("too many distinct common lines", func(t *testing.T) {
		// Every line is distinct and common: the changed region is
		// reported as replaced as a whole.
		n := maxLineSymbols + 10
		la := distinctLines("", n)
		lb := append([]string(nil), la...)
		lb[0] = "first\n"
		lb[n-1] = "last\n"
		a, b := []byte(strings.Join(la, "")), []byte(strings.Join(lb, ""))
		got := Unified("old", "new", a, b, 3)
		checkDiff(t, a, b, got, n, n)
	})
}

// TestSymbolFallback runs random inputs through the code path for inputs
// with too many distinct lines by lowering the limit.
func TestSymbolFallback(t *testing.T) {
	defer func(old int) { symbolLimit = old }(symbolLimit)
	for _, limit := range []int{len(alphabet) + 1, 4, 0} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			for seed := range uint64(300) {
				r := rand.New(rand.NewPCG(seed, 0xfa11))
				la := randomFile(r, 30)
				lb := mutate(r, la)
				a, b := render(la, false, r.IntN(4) == 0), render(lb, r.IntN(5) == 0, r.IntN(4) == 0)
				context := r.IntN(4)
				symbolLimit = maxLineSymbols
				want := Unified("old", "new", a, b, context)
				symbolLimit = limit
				got := Unified("old", "new", a, b, context)
				if want == nil {
					if got != nil {
						t.Fatalf("seed %d: got a diff for equal inputs", seed)
					}
					continue
				}
				del, ins := changedLines(want)
				if limit < len(alphabet) {
					// The fallback may give up on a minimal diff.
					del, ins = changedLines(got)
				}
				checkDiff(t, a, b, got, del, ins)
			}
		})
	}
}
