package optimizer

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/internal/llbcheck"
)

// commentFiles are Dockerfiles whose comments hold the byte string c: on
// a line of their own before, between and after instructions, indented,
// inside a RUN's continuation lines, after the parser directives, with CRLF
// line endings and after a byte-order mark. The instructions around the
// comments give the default passes things to fix.
func commentFiles(c string) []string {
	return []string{
		"#" + c + "\nFROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y curl\n",
		"# syntax=docker/dockerfile:1\n#" + c + "\nFROM debian:bookworm\n",
		"FROM debian:bookworm\n  #" + c + "\nRUN apt-get update\n#" + c + "\nRUN apt-get install -y curl\n",
		"FROM debian:bookworm\nRUN apt-get update && \\\n#" + c + "\n    apt-get install -y curl\nRUN echo done\n",
		"FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y curl \\\n  #" + c + "\n  jq\n#" + c,
		"FROM debian:bookworm\r\n#" + c + "\r\nRUN apt-get update\r\nRUN apt-get install -y curl\r\n",
		"\ufeff#" + c + "\nFROM debian:bookworm AS build\nENV A 1\n#" + c + "\n",
		"FROM debian:bookworm\nCOPY <<'EOF' /etc/x\n#" + c + "\nEOF\n#" + c + "\nRUN echo hi\n",
	}
}

// commentBytes are the comment texts the tests put in: every byte value
// that may appear on a line, and some runs of them.
func commentBytes() []string {
	var out []string
	for b := 0; b < 256; b++ {
		if b == '\n' {
			continue
		}
		out = append(out, string([]byte{byte(b)}), " x"+string([]byte{byte(b)})+"y ")
	}
	return append(out, "\x00\x00\x00", " \xff\xfe\x00\r\x01 ", "\x00\\", " \x00 \\", "\xef\xbb\xbf\x00", "\t\x00\x7f\x80")
}

// TestCommentsKeepTheirBytes: whatever bytes a comment holds, BuildKit
// accepts the file, so dfopt must too: --enable=none gives it back byte
// for byte, and the default passes leave every comment line as it was,
// apart from its indentation and the blanks at its end.
func TestCommentsKeepTheirBytes(t *testing.T) {
	for _, c := range commentBytes() {
		for i, src := range commentFiles(c) {
			name := fmt.Sprintf("%q/%d", c, i)
			if err := llbcheck.Convert(context.Background(), []byte(src), ""); err != nil {
				t.Fatalf("%s: BuildKit rejects the test file: %v\n%q", name, err, src)
			}
			res, err := Optimize([]byte(src), Options{Enable: []string{"none"}})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !bytes.Equal(res.Output, []byte(src)) {
				t.Fatalf("%s: --enable=none changed the file:\n%q\n%q", name, src, res.Output)
			}
			res, err = Optimize([]byte(src), Options{})
			if err != nil {
				t.Fatalf("%s: default passes: %v", name, err)
			}
			if n, m := commentLines(src, "#"+c), commentLines(string(res.Output), "#"+c); m != n {
				t.Fatalf("%s: %d comment lines in, %d out:\n%q\n%q", name, n, m, src, res.Output)
			}
		}
	}
}

// commentLines counts the lines of src that hold the comment, blanks
// around it and a carriage return at the end aside.
func commentLines(src, comment string) int {
	norm := func(l string) string { return strings.Trim(strings.TrimSuffix(l, "\r"), " \t") }
	want, n := norm(comment), 0
	for _, l := range strings.Split(src, "\n") {
		if norm(l) == want {
			n++
		}
	}
	return n
}

// TestNulOutsideComments: BuildKit parses NUL bytes in an instruction too
// (it only fails when it runs one), so dfopt accepts the file, but leaves
// such an instruction alone: fixes that would touch it are reported
// without being applied, the others apply.
func TestNulOutsideComments(t *testing.T) {
	src := "FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y curl\nLABEL a=\"x\x00y\"\n" +
		"RUN echo \x00\nRUN echo c\nENV B=1\nRUN echo a\nRUN echo b\n"
	if err := llbcheck.Convert(context.Background(), []byte(src), ""); err != nil {
		t.Fatalf("BuildKit rejects the test file: %v", err)
	}
	none, err := Optimize([]byte(src), Options{Enable: []string{"none"}})
	if err != nil || string(none.Output) != src {
		t.Fatalf("--enable=none: %v\n%q", err, none.Output)
	}
	res, err := Optimize([]byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "FROM debian:bookworm\nRUN apt-get update && \\\n    apt-get install -y curl && \\\n    rm -rf /var/lib/apt/lists/*\n" +
		"LABEL a=\"x\x00y\"\nRUN echo \x00\nRUN echo c\nENV B=1\nRUN echo a && \\\n    echo b\n"
	if string(res.Output) != want {
		t.Fatalf("got:\n%q\nwant:\n%q", res.Output, want)
	}
	reported := false
	for _, f := range res.Findings {
		if f.Line == 5 || f.Line == 6 {
			reported = true
			if f.Fixed {
				t.Errorf("a fix touching the RUN with a NUL byte was applied: %+v", f)
			}
		}
	}
	if !reported {
		t.Errorf("the RUNs that could be merged with the one holding a NUL byte are not reported: %+v", res.Findings)
	}
}

// TestRandomCommentBytes puts comment lines of random bytes at random
// places of the corpus files: each mutated file that BuildKit's frontend
// accepts, dfopt accepts too and --enable=none gives back as it was.
func TestRandomCommentBytes(t *testing.T) {
	paths, err := filepath.Glob("../testdata/corpus/*.Dockerfile")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	n := 300
	if testing.Short() {
		n = 30
	}
	accepted := 0
	for i := 0; i < n; i++ {
		name := paths[r.IntN(len(paths))]
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(string(src), "\n")
		at := r.IntN(len(lines) + 1)
		c := make([]byte, 1+r.IntN(12))
		for j := range c {
			for c[j] = byte(r.UintN(256)); c[j] == '\n'; c[j] = byte(r.UintN(256)) {
			}
		}
		prefix := strings.Join(lines[:at], "")
		if prefix != "" && !strings.HasSuffix(prefix, "\n") {
			prefix += "\n"
		}
		mutated := []byte(prefix + "#" + string(c) + "\n" + strings.Join(lines[at:], ""))
		if llbcheck.Convert(context.Background(), mutated, "") != nil {
			continue
		}
		accepted++
		got, err := Optimize(mutated, Options{Enable: []string{"none"}})
		if err != nil {
			t.Fatalf("%s with the comment %q at line %d: BuildKit accepts it, dfopt: %v", name, c, at+1, err)
		}
		if !bytes.Equal(got.Output, mutated) {
			t.Fatalf("%s: --enable=none changed the file", name)
		}
	}
	if accepted < n/2 {
		t.Errorf("BuildKit accepted only %d of %d mutated files: the test shows little", accepted, n)
	}
}

// FuzzNoneKeepsBytes: a file that BuildKit's Dockerfile frontend accepts,
// dfopt accepts too, and with no pass it gives the file back byte for byte.
func FuzzNoneKeepsBytes(f *testing.F) {
	for _, c := range []string{"\x00", " \xff\xfe\x00\r\x01 ", "\x00\\", "x"} {
		for _, src := range commentFiles(c) {
			f.Add([]byte(src))
		}
	}
	f.Add([]byte("FROM a\nRUN echo \x00\nLABEL a=\"\x00\"\n"))
	f.Add([]byte("# escape=`\nFROM a\nRUN a `\n#\x00`\n b\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		res, err := Optimize(src, Options{Enable: []string{"none"}})
		if err == nil {
			if !bytes.Equal(res.Output, src) {
				t.Fatalf("--enable=none changed the file:\n%q\n%q", src, res.Output)
			}
			return
		}
		if llbcheck.Convert(context.Background(), src, "") == nil {
			t.Fatalf("BuildKit accepts the file, dfopt does not: %v\n%q", err, src)
		}
	})
}
