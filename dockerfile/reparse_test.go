package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// docDiff describes the first difference between two documents of the same
// source, or "".
func docDiff(a, b *Document) string {
	switch {
	case string(a.Src) != string(b.Src):
		return "source"
	case a.Name != b.Name || a.BOM != b.BOM || a.Escape != b.Escape || a.CRLF != b.CRLF:
		return "name, BOM, escape or CRLF"
	case !reflect.DeepEqual(a.Directives, b.Directives):
		return fmt.Sprintf("directives %+v vs %+v", a.Directives, b.Directives)
	case !slices.Equal(a.lineStarts, b.lineStarts):
		return "line index"
	case a.contIndent != b.contIndent:
		return fmt.Sprintf("continuation indent %+v vs %+v", a.contIndent, b.contIndent)
	case len(a.Instructions) != len(b.Instructions):
		return fmt.Sprintf("%d vs %d instructions", len(a.Instructions), len(b.Instructions))
	case len(a.Stages) != len(b.Stages):
		return fmt.Sprintf("%d vs %d stages", len(a.Stages), len(b.Stages))
	}
	for i, x := range a.Instructions {
		y := b.Instructions[i]
		type view struct {
			Index                   int
			Cmd, Keyword            string
			Flags, Args             []string
			JSON                    bool
			Span                    Span
			StartLine, EndLine      int
			Text                    string
			TextEnd, ArgsOffset     int
			Heredocs                []Heredoc
			Comments                []string
			Onbuild                 string
			Stage                   int
			Shell                   []string
			ContentEnd              int
			SrcOffsets, TextIndexes []int
			POSIXShell              bool
		}
		v := func(ins *Instruction) view {
			w := view{Index: ins.Index, Cmd: ins.Cmd, Keyword: ins.Keyword(), Flags: ins.Flags, Args: ins.Args,
				JSON: ins.JSON, Span: ins.Span, StartLine: ins.StartLine, EndLine: ins.EndLine, Text: ins.Text,
				TextEnd: ins.TextEnd, ArgsOffset: ins.ArgsOffset, Heredocs: ins.Heredocs(), Comments: ins.Comments(),
				Onbuild: ins.Onbuild(), Stage: -1, Shell: ins.Shell(), ContentEnd: ins.ContentEnd(), POSIXShell: ins.POSIXShell()}
			if ins.Stage != nil {
				w.Stage = ins.Stage.Index
			}
			for t := 0; t <= len(ins.Text); t++ {
				w.SrcOffsets = append(w.SrcOffsets, ins.SrcOffset(t))
			}
			for o := ins.Span.Start; o < ins.Span.End; o++ {
				w.TextIndexes = append(w.TextIndexes, ins.TextIndex(o))
			}
			return w
		}
		if vx, vy := v(x), v(y); !reflect.DeepEqual(vx, vy) {
			return fmt.Sprintf("instruction %d (line %d):\n%+v\nvs\n%+v", i, x.StartLine, vx, vy)
		}
	}
	for i, s := range a.Stages {
		t := b.Stages[i]
		idx := func(s *Stage) []int {
			var out []int
			for _, ins := range s.Instructions {
				out = append(out, ins.Index)
			}
			return out
		}
		parent := func(s *Stage) int {
			if s.Parent == nil {
				return -1
			}
			return s.Parent.Index
		}
		if s.Index != t.Index || s.Name != t.Name || s.Base != t.Base || s.From.Index != t.From.Index ||
			s.Platform != t.Platform || parent(s) != parent(t) || !slices.Equal(idx(s), idx(t)) {
			return fmt.Sprintf("stage %d", i)
		}
	}
	return ""
}

// checkReparse applies reps (sorted, not overlapping; texts[i] is the new
// text of reps[i]) to prev and compares Reparse with Parse.
// It reports whether Reparse parsed only the touched instructions.
func checkReparse(t *testing.T, prev *Document, reps []Replacement, texts []string) (incremental bool) {
	t.Helper()
	var b strings.Builder
	last := 0
	for i, r := range reps {
		b.Write(prev.Src[last:r.Pos])
		b.WriteString(texts[i])
		last = r.End
	}
	b.Write(prev.Src[last:])
	src := []byte(b.String())
	want, werr := parse(prev.Name, slices.Clone(src))
	_, incremental = reparse(prev, src, reps)
	got, gerr := Reparse(prev, src, reps)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("Parse error %v, Reparse error %v\nsource:\n%s", werr, gerr, src)
	}
	if werr != nil {
		// Reparse's errors are Parse's (it parses the whole source then),
		// text included: a "did you mean" names the same word every time.
		var a, b *ParseError
		if !errors.As(werr, &a) || !errors.As(gerr, &b) || a.Line != b.Line || werr.Error() != gerr.Error() {
			t.Fatalf("Parse error %v, Reparse error %v", werr, gerr)
		}
		return incremental
	}
	if d := docDiff(want, got); d != "" {
		t.Fatalf("Reparse differs from Parse: %s\nedits %+v %q\nsource:\n%s", d, reps, texts, src)
	}
	return incremental
}

var reparseTexts = []string{
	"", "\n", "\n\n", " && rm -rf /var/lib/apt/lists/*", " \\\n    && true", "\\\n", "\\", "# c\n", "#\n",
	"RUN echo hi\n", "RUN <<EOF\nset -e\nEOF\n", "RUN <<EOF\n", "EOF\n", "COPY a b\n", "FROM x AS y\n",
	"SHELL [\"/bin/bash\", \"-c\"]\n", "run", "\r\n", "`", "# escape=`\n", "ARG A=1\n", "ONBUILD RUN x\n",
	"\t", "'", "\"", "$(", "<<-EOF\n\tx\n\tEOF\n", "# syntax=docker/dockerfile:1\n",
}

// replacementsFrom turns seed bytes into sorted, non-overlapping
// replacements of src and their texts.
func replacementsFrom(src []byte, seed []byte) ([]Replacement, []string) {
	type ed struct {
		r Replacement
		t string
	}
	var eds []ed
	for len(seed) >= 4 && len(src) > 0 {
		pos := (int(seed[0])<<8 | int(seed[1])) % (len(src) + 1)
		n := int(seed[2]) % 12
		if pos+n > len(src) {
			n = len(src) - pos
		}
		t := reparseTexts[int(seed[3])%len(reparseTexts)]
		eds = append(eds, ed{Replacement{pos, pos + n, len(t)}, t})
		seed = seed[4:]
	}
	sort.SliceStable(eds, func(i, j int) bool { return eds[i].r.Pos < eds[j].r.Pos })
	var reps []Replacement
	var texts []string
	end := -1
	for _, e := range eds {
		if e.r.Pos < end || e.r.Pos == end && e.r.Pos == e.r.End {
			continue // overlaps (or inserts where) the one before
		}
		reps = append(reps, e.r)
		texts = append(texts, e.t)
		end = e.r.End
	}
	return reps, texts
}

func reparseSeeds(t testing.TB) [][]byte {
	files, _ := filepath.Glob("../testdata/corpus/*.Dockerfile")
	edge, _ := filepath.Glob("../testdata/edge/*")
	files = append(files, edge...)
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		out = append(out, b)
	}
	if len(out) < 100 {
		t.Fatalf("only %d seed files", len(out))
	}
	return out
}

// TestReparse checks Reparse against Parse on a tenth of the corpus
// files and the edge cases, with edits at every instruction's start, end
// and whole span, and that most such edits are parsed incrementally.
func TestReparse(t *testing.T) {
	texts := []string{" && true", "\n", "# c\n", "RUN x\n", "\\\n", "", "RUN <<EOF\n", "\\"}
	var runs, incremental int
	for n, src := range reparseSeeds(t) {
		if n%10 != 0 {
			continue
		}
		prev, err := Parse("Dockerfile", src)
		if err != nil {
			continue
		}
		for i, ins := range prev.Instructions {
			for j, tx := range texts {
				var reps []Replacement
				switch j % 3 {
				case 0: // insert at the end of the instruction's text
					reps = []Replacement{{ins.ContentEnd(), ins.ContentEnd(), len(tx)}}
				case 1: // insert at the start of its line
					reps = []Replacement{{ins.Span.Start, ins.Span.Start, len(tx)}}
				case 2: // replace the whole instruction
					reps = []Replacement{{ins.Span.Start, ins.Span.End, len(tx)}}
				}
				runs++
				if checkReparse(t, prev, reps, []string{tx}) {
					incremental++
				}
				if i+2 < len(prev.Instructions) {
					// and another further on
					o := prev.Instructions[i+2].ContentEnd()
					reps = append(reps, Replacement{o, o, len(tx)})
					runs++
					if checkReparse(t, prev, reps, []string{tx, tx}) {
						incremental++
					}
				}
			}
		}
	}
	t.Logf("%d of %d edits parsed incrementally", incremental, runs)
	if incremental*2 < runs {
		t.Errorf("only %d of %d edits parsed incrementally", incremental, runs)
	}
}

// A window starts where an untouched instruction ends, so comments above
// the first touched instruction are at its top: those that read as parser
// directives (escape, syntax, check) stay comments, as in the whole file,
// and the edit is still parsed incrementally.
func TestReparseDirectiveLikeComments(t *testing.T) {
	for _, src := range []string{
		"FROM a\nRUN one\n# escape=`\nRUN two \\\n  three\nRUN four\n",
		"FROM a\nRUN one\n# syntax=docker/dockerfile:1\n# check=skip=all\nRUN two\nRUN four\n",
		"# escape=`\nFROM a\nRUN one\n# escape=\\\n# check=skip=JSONArgsRecommended\nRUN two `\n  three\nRUN four\n",
	} {
		prev, err := Parse("Dockerfile", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		two := prev.Instructions[2]
		at := two.ContentEnd()
		if !checkReparse(t, prev, []Replacement{{at, at, len(" && true")}}, []string{" && true"}) {
			t.Errorf("%q: the edit of line %d was not parsed incrementally", src, two.StartLine)
		}
	}
}

func FuzzReparse(f *testing.F) {
	for i, src := range reparseSeeds(f) {
		if i%10 == 0 {
			f.Add(src, []byte{0, 40, 3, 1, 1, 10, 0, 4, 2, 0, 5, 9})
		}
	}
	f.Add([]byte("FROM a\nRUN x\nRUN y\n"), []byte{0, 9, 0, 4})
	f.Add([]byte("# escape=`\nFROM a\nRUN x `\n  y\nRUN z\n"), []byte{0, 25, 0, 18})
	f.Fuzz(func(t *testing.T, src []byte, seed []byte) {
		prev, err := Parse("Dockerfile", src)
		if err != nil {
			return
		}
		reps, texts := replacementsFrom(src, seed)
		if len(reps) == 0 {
			return
		}
		checkReparse(t, prev, reps, texts)
	})
}

// An instruction Reparse moves keeps what TextCached stored on it, and
// nothing else; a touched one keeps nothing.
func TestReparseKeepsTextCached(t *testing.T) {
	src := []byte("FROM debian\nRUN echo a\nRUN echo b\nRUN echo c\nRUN echo d\n")
	doc, err := Parse("Dockerfile", src)
	if err != nil {
		t.Fatal(err)
	}
	for _, ins := range doc.Instructions {
		ins.TextCached("k", func() any { return ins.Text })
		ins.Cached("other", func() any { return ins.Index })
	}
	pos := bytes.Index(src, []byte("echo b")) + len("echo b")
	out := append(append(append([]byte{}, src[:pos]...), " x"...), src[pos:]...)
	next, err := Reparse(doc, out, []Replacement{{Pos: pos, End: pos, Len: 2}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ins := range next.Instructions {
		_, other := ins.CachedValue("other")
		v, kept := ins.CachedValue(textKey + "k")
		switch {
		case other:
			t.Errorf("line %d: a value of Cached survived Reparse", ins.StartLine)
		case ins.Text == "RUN echo b x" && kept:
			t.Errorf("the touched instruction kept %v", v)
		case ins.Text == "RUN echo d" && (!kept || v != "RUN echo d"):
			t.Errorf("the untouched last instruction lost its value: %v, %v", v, kept)
		}
	}
}
