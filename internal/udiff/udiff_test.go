package udiff

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
)

// numbered returns lines "1\n" ... "n\n".
func numbered(n int) string {
	var sb strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&sb, "%d\n", i)
	}
	return sb.String()
}

// edit replaces line i (1-based) of s, which must end in a newline, with
// repl (several lines or none).
func edit(s string, i int, repl string) string {
	lines := strings.SplitAfter(s, "\n")
	return strings.Join(lines[:i-1], "") + repl + strings.Join(lines[i:], "")
}

type unifiedCase struct {
	name    string
	a, b    string
	context int
	want    string // without the "--- old\n+++ new\n" header; "" means nil
}

var unifiedCases = []unifiedCase{
	{name: "identical", a: "a\nb\n", b: "a\nb\n", context: 3},
	{name: "both empty", context: 3},
	{name: "identical without final newline", a: "a\nb", b: "a\nb", context: 3},

	{name: "insert at start", a: "a\nb\nc\nd\ne\n", b: "x\na\nb\nc\nd\ne\n", context: 3,
		want: "@@ -1,3 +1,4 @@\n+x\n a\n b\n c\n"},
	{name: "insert in middle", a: numbered(10), b: edit(numbered(10), 5, "5\nx\n"), context: 3,
		want: "@@ -3,6 +3,7 @@\n 3\n 4\n 5\n+x\n 6\n 7\n 8\n"},
	{name: "insert at end", a: "a\nb\nc\nd\ne\n", b: "a\nb\nc\nd\ne\nx\n", context: 3,
		want: "@@ -3,3 +3,4 @@\n c\n d\n e\n+x\n"},
	{name: "delete at start", a: "a\nb\nc\nd\ne\n", b: "b\nc\nd\ne\n", context: 3,
		want: "@@ -1,4 +1,3 @@\n-a\n b\n c\n d\n"},
	{name: "delete in middle", a: numbered(10), b: edit(numbered(10), 5, ""), context: 3,
		want: "@@ -2,7 +2,6 @@\n 2\n 3\n 4\n-5\n 6\n 7\n 8\n"},
	{name: "delete at end", a: "a\nb\nc\nd\ne\n", b: "a\nb\nc\nd\n", context: 3,
		want: "@@ -2,4 +2,3 @@\n b\n c\n d\n-e\n"},
	{name: "replace at start", a: "a\nb\nc\nd\ne\n", b: "x\ny\nb\nc\nd\ne\n", context: 3,
		want: "@@ -1,4 +1,5 @@\n-a\n+x\n+y\n b\n c\n d\n"},
	{name: "replace in middle", a: numbered(10), b: edit(numbered(10), 5, "five\n"), context: 3,
		want: "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"},
	{name: "replace at end", a: "a\nb\nc\nd\ne\n", b: "a\nb\nc\nd\nx\n", context: 3,
		want: "@@ -2,4 +2,4 @@\n b\n c\n d\n-e\n+x\n"},
	{name: "replace only line", a: "a\n", b: "b\n", context: 3,
		want: "@@ -1 +1 @@\n-a\n+b\n"},
	{name: "replace everything", a: "a\nb\n", b: "c\nd\ne\n", context: 3,
		want: "@@ -1,2 +1,3 @@\n-a\n-b\n+c\n+d\n+e\n"},

	{name: "empty old", a: "", b: "x\ny\n", context: 3,
		want: "@@ -0,0 +1,2 @@\n+x\n+y\n"},
	{name: "empty new", a: "x\ny\n", b: "", context: 3,
		want: "@@ -1,2 +0,0 @@\n-x\n-y\n"},
	{name: "empty old, new without final newline", a: "", b: "x\ny", context: 3,
		want: "@@ -0,0 +1,2 @@\n+x\n+y\n\\ No newline at end of file\n"},
	{name: "single line to empty", a: "x\n", b: "", context: 3,
		want: "@@ -1 +0,0 @@\n-x\n"},

	{name: "only final newline added", a: "a\nb\nc", b: "a\nb\nc\n", context: 3,
		want: "@@ -1,3 +1,3 @@\n a\n b\n-c\n\\ No newline at end of file\n+c\n"},
	{name: "only final newline removed", a: "a\nb\nc\n", b: "a\nb\nc", context: 3,
		want: "@@ -1,3 +1,3 @@\n a\n b\n-c\n+c\n\\ No newline at end of file\n"},
	{name: "no final newline on both, last line changed", a: "a\nb\nc", b: "a\nb\nd", context: 3,
		want: "@@ -1,3 +1,3 @@\n a\n b\n-c\n\\ No newline at end of file\n+d\n\\ No newline at end of file\n"},
	{name: "no final newline on both, in context", a: "a\nb\nc", b: "a\nx\nc", context: 3,
		want: "@@ -1,3 +1,3 @@\n a\n-b\n+x\n c\n\\ No newline at end of file\n"},
	{name: "no final newline, far from change", a: edit(numbered(10), 10, "10"), b: edit(edit(numbered(10), 10, "10"), 2, "two\n"), context: 3,
		want: "@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n"},
	{name: "append to line without newline", a: "a\nb", b: "a\nb\nc\n", context: 3,
		want: "@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n"},

	{name: "crlf", a: "a\r\nb\r\nc\r\n", b: "a\r\nB\r\nc\r\n", context: 3,
		want: "@@ -1,3 +1,3 @@\n a\r\n-b\r\n+B\r\n c\r\n"},
	{name: "crlf to lf", a: "a\r\nb\r\n", b: "a\nb\n", context: 3,
		want: "@@ -1,2 +1,2 @@\n-a\r\n-b\r\n+a\n+b\n"},
	{name: "one line gains cr", a: "a\nb\nc\n", b: "a\nb\r\nc\n", context: 3,
		want: "@@ -1,3 +1,3 @@\n a\n-b\n+b\r\n c\n"},
	{name: "crlf without final newline", a: "a\r\nb\r", b: "a\r\nb\r\n", context: 3,
		want: "@@ -1,2 +1,2 @@\n a\r\n-b\r\n\\ No newline at end of file\n+b\r\n"},
	{name: "invalid utf-8 and nul bytes", a: "\xff\xfe\n\x00x\n\xc3\n", b: "\xff\xfe\n\x00y\n\xc3\n", context: 3,
		want: "@@ -1,3 +1,3 @@\n \xff\xfe\n-\x00x\n+\x00y\n \xc3\n"},
	{name: "lone cr is not a line break", a: "a\rb\n", b: "a\rc\n", context: 3,
		want: "@@ -1 +1 @@\n-a\rb\n+a\rc\n"},

	{name: "gap of 7 gives two hunks", a: numbered(20), b: edit(edit(numbered(20), 12, "x\n"), 4, "y\n"), context: 3,
		want: "@@ -1,7 +1,7 @@\n 1\n 2\n 3\n-4\n+y\n 5\n 6\n 7\n" +
			"@@ -9,7 +9,7 @@\n 9\n 10\n 11\n-12\n+x\n 13\n 14\n 15\n"},
	{name: "gap of 6 merges", a: numbered(20), b: edit(edit(numbered(20), 11, "x\n"), 4, "y\n"), context: 3,
		want: "@@ -1,14 +1,14 @@\n 1\n 2\n 3\n-4\n+y\n 5\n 6\n 7\n 8\n 9\n 10\n-11\n+x\n 12\n 13\n 14\n"},
	{name: "large context merges everything", a: numbered(30), b: edit(edit(numbered(30), 25, ""), 5, "x\n"), context: 10,
		want: "@@ -1,30 +1,29 @@\n 1\n 2\n 3\n 4\n-5\n+x\n 6\n 7\n 8\n 9\n 10\n 11\n 12\n 13\n 14\n 15\n 16\n 17\n 18\n 19\n 20\n 21\n 22\n 23\n 24\n-25\n 26\n 27\n 28\n 29\n 30\n"},
	{name: "huge context", a: "a\nb\nc\n", b: "a\nx\nc\n", context: math.MaxInt,
		want: "@@ -1,3 +1,3 @@\n a\n-b\n+x\n c\n"},
	{name: "context 0 insert", a: "a\nb\nc\n", b: "a\nb\nx\nc\n", context: 0,
		want: "@@ -2,0 +3 @@\n+x\n"},
	{name: "context 0 insert at start", a: "a\nb\n", b: "x\na\nb\n", context: 0,
		want: "@@ -0,0 +1 @@\n+x\n"},
	{name: "context 0 delete", a: "a\nb\nc\n", b: "a\nc\n", context: 0,
		want: "@@ -2 +1,0 @@\n-b\n"},
	{name: "context 0 two hunks", a: "a\nb\nc\n", b: "x\nb\ny\n", context: 0,
		want: "@@ -1 +1 @@\n-a\n+x\n@@ -3 +3 @@\n-c\n+y\n"},
	{name: "context 1 adjacent hunks merge", a: "a\nb\nc\nd\ne\n", b: "x\nb\nc\ny\ne\n", context: 1,
		want: "@@ -1,5 +1,5 @@\n-a\n+x\n b\n c\n-d\n+y\n e\n"},
	{name: "negative context is zero", a: "a\nb\nc\n", b: "a\nx\nc\n", context: -1,
		want: "@@ -2 +2 @@\n-b\n+x\n"},

	{name: "deleted duplicate slides down", a: "a\nb\nb\nb\nc\n", b: "a\nb\nb\nc\n", context: 0,
		want: "@@ -4 +3,0 @@\n-b\n"},
	{name: "inserted block slides down", a: "a\nb\nc\n", b: "a\nb\nc\nb\nc\n", context: 1,
		want: "@@ -3 +3,3 @@\n c\n+b\n+c\n"},
	{name: "deletion stays next to insertion", a: "x\na\nb\na\n", b: "y\na\n", context: 0,
		want: "@@ -1,3 +1 @@\n-x\n-a\n-b\n+y\n"},
}

func TestUnified(t *testing.T) {
	for _, tc := range unifiedCases {
		t.Run(tc.name, func(t *testing.T) {
			got := Unified("old", "new", []byte(tc.a), []byte(tc.b), tc.context)
			if tc.want == "" {
				if got != nil {
					t.Fatalf("Unified returned %q, want nil", got)
				}
				return
			}
			want := "--- old\n+++ new\n" + tc.want
			if string(got) != want {
				t.Fatalf("Unified(%q, %q, %d):\ngot:\n%s\nwant:\n%s", tc.a, tc.b, tc.context, got, want)
			}
			checkApplies(t, tc.a, tc.b, got)
		})
	}
}

func TestUnifiedNilAndEmpty(t *testing.T) {
	if got := Unified("a", "b", nil, []byte{}, 3); got != nil {
		t.Fatalf("nil vs empty: got %q, want nil", got)
	}
	if got := Unified("a", "b", nil, nil, 3); got != nil {
		t.Fatalf("nil vs nil: got %q, want nil", got)
	}
}

func TestUnifiedHeaders(t *testing.T) {
	got := Unified("a/Dockerfile", "b/Dockerfile", []byte("FROM x\n"), []byte("FROM y\n"), 3)
	want := "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1 +1 @@\n-FROM x\n+FROM y\n"
	if string(got) != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestUnifiedDoesNotModifyInput(t *testing.T) {
	a := []byte("a\nb\nc\n")
	b := []byte("a\nc\nd\n")
	a0, b0 := bytes.Clone(a), bytes.Clone(b)
	Unified("old", "new", a, b, 3)
	if !bytes.Equal(a, a0) || !bytes.Equal(b, b0) {
		t.Fatal("Unified modified its input")
	}
}

// checkApplies checks that diff turns a into b under strict application.
func checkApplies(t *testing.T, a, b string, diff []byte) {
	t.Helper()
	got, err := applyStrict([]byte(a), diff, "old", "new")
	if err != nil {
		t.Fatalf("applying diff: %v\ndiff:\n%s", err, diff)
	}
	if string(got) != b {
		t.Fatalf("applying diff gives %q, want %q\ndiff:\n%s", got, b, diff)
	}
}
