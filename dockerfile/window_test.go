package dockerfile

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// parseWhole parses src with buildkit's parser given the whole file at once.
func parseWhole(t testing.TB, src []byte) (*Document, error) {
	t.Helper()
	defer func(n int) { parseWindowSize = n }(parseWindowSize)
	parseWindowSize = len(src) + 1
	return parse("Dockerfile", src)
}

// checkWindows parses src in windows of size bytes and compares the
// document, or the error, with the whole file's. It reports whether the
// windows gave the document (Parse did not fall back to the whole file).
func checkWindows(t testing.TB, src []byte, size int) bool {
	t.Helper()
	want, wantErr := parseWhole(t, src)
	defer func(n int) { parseWindowSize = n }(parseWindowSize)
	parseWindowSize = size
	got, err := parse("Dockerfile", src)
	if fmt.Sprint(err) != fmt.Sprint(wantErr) {
		t.Fatalf("window %d: error %v, want %v\n%s", size, err, wantErr, src)
	}
	if err != nil {
		return false
	}
	if diff := docDiff(got, want); diff != "" {
		t.Fatalf("window %d: %s\n%s", size, diff, src)
	}
	w := &Document{Name: "Dockerfile", Src: src, Escape: '\\', BOM: bytes.HasPrefix(src, bom)}
	w.indexLines()
	return w.parseInWindows()
}

// TestParseInWindows checks that a file parsed in windows gives the
// document that the whole file gives, and the same error, for the corpus
// and the edge cases at several window sizes, and that most of them are
// read in windows.
func TestParseInWindows(t *testing.T) {
	var files, windowed int
	for _, src := range reparseSeeds(t) {
		for _, size := range []int{1, 50, 300, 2000} {
			if size >= len(src) {
				continue
			}
			files++
			if checkWindows(t, src, size) {
				windowed++
			}
		}
	}
	// Files that do not parse, or that set another escape character in
	// their first window, are parsed whole.
	t.Logf("%d of %d parsed in windows", windowed, files)
	if windowed*10 < files*8 {
		t.Errorf("only %d of %d parsed in windows", windowed, files)
	}
}

// TestParseInWindowsCases checks the structures that reach past a
// window: here-documents, continuation lines, comments inside them, the
// escape directive, CRLF, a byte-order mark, and errors far into a file.
func TestParseInWindowsCases(t *testing.T) {
	var runs strings.Builder
	for i := range 40 {
		fmt.Fprintf(&runs, "RUN echo %d\n", i)
	}
	many := runs.String()
	cases := map[string]string{
		"heredoc":      "FROM a\n" + many + "RUN <<EOF\n" + many + "EOF\n" + many,
		"two heredocs": "FROM a\n" + many + "COPY <<A <<-B /x\nbody\nA\n\t" + many + "B\n" + many,
		"continuation": "FROM a\n" + many + "RUN a \\\n" + strings.Repeat("  b \\\n# c\n\n", 30) + "  end\n" + many,
		"comments":     "FROM a\n" + strings.Repeat("# one\n#\n# two\n\n"+many, 3),
		"escape":       "# escape=`\nFROM a\n" + many + "RUN a `\n  b\\\n" + many + "# escape=\\\n" + many,
		"crlf":         strings.ReplaceAll("FROM a\n"+many+"RUN a \\\n b\n"+many, "\n", "\r\n"),
		"bom":          "\ufeffFROM a\n" + many,
		"directive":    "# syntax=docker/dockerfile:1\nFROM a\n" + many + "# check=skip=all\n" + many,
		"late error":   "FROM a\n" + many + "RUN <<EOF\n" + many,
		"late bad":     "FROM a\n" + many + "EXPOSE\n" + many,
		"late before":  "FROM a\n" + many + "HEALTHCHECK --interval=x CMD y\n" + many + "RUN <<EOF\n",
		"no ending":    "FROM a\n" + many + "RUN a \\",
		"onbuild":      "FROM a\n" + many + "ONBUILD RUN --mount=type=cache,target=/x a \\\n b\n" + many,
	}
	for name, src := range cases {
		for _, size := range []int{1, 20, 100, 400} {
			t.Run(fmt.Sprintf("%s/%d", name, size), func(t *testing.T) {
				checkWindows(t, []byte(src), size)
			})
		}
	}
}

// FuzzParseInWindows compares the windows with the whole file. Its seeds
// are small files (TestParseInWindows reads the corpus): a file of many
// windows is many parses, which the fuzzer's instrumentation makes slow.
func FuzzParseInWindows(f *testing.F) {
	f.Add([]byte("FROM a\nRUN <<EOF\nx\nEOF\nRUN y\n"), uint16(3))
	f.Add([]byte("FROM a\n# c\n\nRUN a \\\n# d\n  b\nCOPY <<A <<-B /x\nA\n\tB\nRUN c\n"), uint16(8))
	f.Add([]byte("# escape=`\nFROM a\nRUN a `\n  b\\\nONBUILD RUN c\r\nRUN d"), uint16(20))
	f.Add([]byte("\ufeff# syntax=x\nFROM a\nRUN <<EOF\nRUN b\n"), uint16(1))
	f.Fuzz(func(t *testing.T, src []byte, size uint16) {
		checkWindows(t, src, int(size)+1)
	})
}
