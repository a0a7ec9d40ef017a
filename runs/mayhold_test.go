package runs_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/shellparse"
)

// MayHold may rule a RUN out only when no word of its program holds one
// of the words: no command has that name, a wrapper of that name, or a
// static argument that holds it.
func FuzzMayHold(f *testing.F) {
	for _, s := range []string{"sudo apt-get update", "s'u'do x", `\sudo x`, "$'\\x73udo' x", "/usr/bin/sudo -E x",
		"env A=1 sudo x", "echo hi && su''do x", "npm ci --offline", "x --off\"\"line", "apt-get install -y curl"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	words := []string{"sudo", "--offline"}
	f.Fuzz(func(t *testing.T, text string, heredoc bool) {
		src := "FROM x\nRUN " + text + "\n"
		if heredoc {
			src = "FROM x\nRUN <<EOF\n" + text + "\nEOF\n"
		}
		doc, err := dockerfile.Parse("Dockerfile", []byte(src))
		if err != nil || len(doc.Instructions) < 2 || runs.MayHold(doc.Instructions[1], words...) {
			return
		}
		p := runs.Read(doc, doc.Instructions[1])
		if p == nil {
			return
		}
		for _, c := range shellparse.Commands(p.Prog) {
			held := func(v string) bool {
				return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(v, w) })
			}
			if held(c.Name) || c.HasArg(held) || slices.ContainsFunc(words, c.HasWrapper) {
				t.Fatalf("MayHold rules out %q, whose command %q holds one of %v", src, c.Name, words)
			}
		}
	})
}

func TestMayHold(t *testing.T) {
	for src, want := range map[string]bool{
		"RUN apt-get install -y curl":        false,
		"RUN sudo apt-get update":            true,
		"RUN s'u'do x":                       true,
		`RUN echo "x"`:                       true,
		"RUN <<EOF\nsudo x\nEOF\n":           true,
		"RUN <<EOF\napt-get update\nEOF\n":   false,
		"RUN cd /x && echo $HOME > /y && ls": false,
	} {
		doc, err := dockerfile.Parse("Dockerfile", []byte("FROM x\n"+src+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		if got := runs.MayHold(doc.Instructions[1], "sudo"); got != want {
			t.Errorf("MayHold(%q) = %v, want %v", src, got, want)
		}
	}
}
