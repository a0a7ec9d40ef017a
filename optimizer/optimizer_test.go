package optimizer

import (
	"errors"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/stretchr/testify/require"
)

func testPass(name string, run func(*analysis.Context) []analysis.Finding) *Pass {
	return &Pass{Name: name, Docs: analysis.StaticDocs("test pass "+name, "test"), Tier: analysis.Safe, Run: run}
}

// replaceWord fixes every occurrence of old with new, one finding each.
func replaceWord(name, old, new string) *Pass {
	return testPass(name, func(ctx *analysis.Context) []analysis.Finding {
		var out []analysis.Finding
		src := string(ctx.Doc.Src)
		for i := 0; ; {
			j := strings.Index(src[i:], old)
			if j < 0 {
				return out
			}
			pos := i + j
			out = append(out, analysis.Finding{Pos: pos, End: pos + len(old), Message: "found " + old,
				Fix: &analysis.Fix{Message: "replace", Edits: []analysis.Edit{analysis.Replace(pos, pos+len(old), new)}}})
			i = pos + len(old)
		}
	})
}

const small = "FROM alpine\nRUN echo one\n# note\nRUN echo two\n"

func TestOptimizeAppliesAndMapsLines(t *testing.T) {
	res, err := Optimize([]byte(small), Options{Passes: []*Pass{replaceWord("p", "echo", "printf '%s\\n'")}})
	require.NoError(t, err)
	require.Equal(t, "FROM alpine\nRUN printf '%s\\n' one\n# note\nRUN printf '%s\\n' two\n", string(res.Output))
	require.Len(t, res.Findings, 2)
	require.Equal(t, 2, res.Findings[0].Line)
	require.Equal(t, 5, res.Findings[0].Col)
	require.Equal(t, 4, res.Findings[1].Line)
	require.True(t, res.Findings[1].Fixed)
	require.Equal(t, 1, res.Rounds)
}

// Overlapping fixes: the second is dropped whole in the first round, found
// again against the new text and applied in the next.
func TestOverlappingFixIsDeferred(t *testing.T) {
	a := replaceWord("a", "echo one", "echo uno")
	b := replaceWord("b", "one", "1")
	res, err := Optimize([]byte(small), Options{Passes: []*Pass{a, b}})
	require.NoError(t, err)
	require.Equal(t, "FROM alpine\nRUN echo uno\n# note\nRUN echo two\n", string(res.Output))
	// b's fix conflicted with a's and no longer applies after it.
	require.Len(t, res.Findings, 1)
	require.Equal(t, "a", res.Findings[0].Pass)
}

func TestMultiEditFixIsAllOrNothing(t *testing.T) {
	// a touches "one"; b wants to change "one" and "two" together.
	a := replaceWord("a", "one", "1")
	b := testPass("b", func(ctx *analysis.Context) []analysis.Finding {
		src := string(ctx.Doc.Src)
		i, j := strings.Index(src, "one"), strings.Index(src, "two")
		if i < 0 || j < 0 {
			return nil
		}
		return []analysis.Finding{{Pos: i, End: j, Message: "both",
			Fix: &analysis.Fix{Message: "both", Edits: []analysis.Edit{
				analysis.Replace(i, i+3, "ONE"), analysis.Replace(j, j+3, "TWO")}}}}
	})
	res, err := Optimize([]byte(small), Options{Passes: []*Pass{a, b}})
	require.NoError(t, err)
	// Never half-applied: "two" is unchanged because the fix could not apply whole.
	require.Equal(t, "FROM alpine\nRUN echo 1\n# note\nRUN echo two\n", string(res.Output))
}

func TestReportOnlyFindingsComeFromFinalText(t *testing.T) {
	fix := replaceWord("fix", "echo two", "echo 2")
	report := testPass("report", func(ctx *analysis.Context) []analysis.Finding {
		var out []analysis.Finding
		for _, ins := range ctx.Doc.Instructions {
			if ins.Cmd == "run" {
				out = append(out, analysis.Finding{Pos: ins.Span.Start, End: ins.TextEnd, Message: "a run"})
			}
		}
		return out
	})
	res, err := Optimize([]byte(small), Options{Passes: []*Pass{fix, report}})
	require.NoError(t, err)
	var lines []int
	for _, f := range res.Findings {
		if f.Pass == "report" {
			lines = append(lines, f.Line)
			require.False(t, f.Fixed)
		}
	}
	require.Equal(t, []int{2, 4}, lines, "one report per RUN, at input lines, not repeated per round")
}

func TestMapBack(t *testing.T) {
	// "abcdef" -> replace [1,3) "bc" with "XYZ", insert "!" at 5: "aXYZde!f"
	edits := []analysis.Edit{analysis.Replace(1, 3, "XYZ"), analysis.Insert(5, "!")}
	out := string(apply([]byte("abcdef"), edits))
	require.Equal(t, "aXYZde!f", out)
	for newPos, want := range []int{0, 1, 1, 1, 3, 4, 5, 5, 6} {
		require.Equal(t, want, newRound(edits).mapBack(newPos), "offset %d", newPos)
	}
}

func TestInternalErrors(t *testing.T) {
	cases := map[string]*Pass{
		"panic": testPass("boom", func(*analysis.Context) []analysis.Finding { panic("kaboom") }),
		"out of range": testPass("oob", func(ctx *analysis.Context) []analysis.Finding {
			n := len(ctx.Doc.Src)
			return []analysis.Finding{{Message: "x", Fix: &analysis.Fix{Edits: []analysis.Edit{analysis.Insert(n+1, "x")}}}}
		}),
		"self overlap": testPass("overlap", func(*analysis.Context) []analysis.Finding {
			return []analysis.Finding{{Message: "x", Fix: &analysis.Fix{Edits: []analysis.Edit{
				analysis.Replace(0, 4, "a"), analysis.Replace(2, 6, "b")}}}}
		}),
		"never converges": testPass("forever", func(ctx *analysis.Context) []analysis.Finding {
			n := len(ctx.Doc.Src)
			return []analysis.Finding{{Message: "x", Fix: &analysis.Fix{Edits: []analysis.Edit{analysis.Insert(n, "# more\n")}}}}
		}),
		"breaks the file": testPass("breaker", func(*analysis.Context) []analysis.Finding {
			return []analysis.Finding{{Message: "x", Fix: &analysis.Fix{Edits: []analysis.Edit{analysis.Replace(0, 4, "FRM")}}}}
		}),
		"bad declared change": testPass("badchange", func(*analysis.Context) []analysis.Finding {
			return []analysis.Finding{{Message: "x", Fix: &analysis.Fix{Edits: []analysis.Edit{analysis.Replace(0, 4, "from")},
				Changes: []string{"entrypoint"}}}}
		}),
		"no-op fix": testPass("noop", func(*analysis.Context) []analysis.Finding {
			return []analysis.Finding{{Message: "x", Fix: &analysis.Fix{Edits: []analysis.Edit{analysis.Replace(0, 4, "FROM")}}}}
		}),
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			res, err := Optimize([]byte(small), Options{Passes: []*Pass{p}})
			require.Nil(t, res)
			var ie *InternalError
			require.True(t, errors.As(err, &ie), "got %v", err)
			require.Equal(t, p.Name, ie.Pass)
			require.Contains(t, err.Error(), "Dockerfile: internal error in pass "+p.Name)
		})
	}
}

func TestParseErrorsAreTyped(t *testing.T) {
	cases := map[string]struct {
		src  string
		line int
		msg  string
	}{
		"unterminated heredoc": {"FROM alpine\nRUN <<EOF\necho\n", 2, "unterminated heredoc"},
		"no stage":             {"RUN echo\nFROM alpine\n", 1, "RUN before the first FROM"},
		"NUL byte":             {"FROM alpine\n# \x00\nRUN echo\n\x00\n", 4, "not a text file"},
		"binary":               {"\x7fELF\x02\x01\x01\x00\x00", 1, "not a text file"},
		"NUL in a comment":     {"FROM alpine\n# \x00\nFOO bar\n", 3, "unknown instruction"},
		"empty":                {"", 1, "file with no instructions"},
		"only comments":        {"# hello\n\n", 2, "file with no instructions"},
		"unknown instruction":  {"FROM alpine\nFOO bar\n", 2, "unknown instruction"},
		"bad escape":           {"# escape=x\nFROM alpine\n", 1, "invalid escape token"},
		"missing argument":     {"FROM alpine\nCOPY onlyone\n", 2, "requires at least two arguments"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Optimize([]byte(c.src), Options{Filename: "x/Dockerfile"})
			var pe *ParseError
			require.True(t, errors.As(err, &pe), "got %v", err)
			require.Equal(t, c.line, pe.Line, err.Error())
			require.Contains(t, pe.Msg, c.msg)
			require.True(t, strings.HasPrefix(err.Error(), "x/Dockerfile:"), err.Error())
		})
	}
}

func TestSelect(t *testing.T) {
	a := &Pass{Name: "a", Tier: analysis.Format}
	b := &Pass{Name: "b", Tier: analysis.Safe}
	c := &Pass{Name: "c", Tier: analysis.Aggressive}
	all := []*Pass{a, b, c}
	names := func(ps []*Pass) (out []string) {
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return out
	}
	for _, tc := range []struct {
		opts Options
		want []string
		err  string
	}{
		{Options{}, []string{"a", "b"}, ""},
		{Options{Level: analysis.Format}, []string{"a"}, ""},
		{Options{Level: analysis.Aggressive}, []string{"a", "b", "c"}, ""},
		{Options{Enable: []string{"c"}}, []string{"c"}, ""},
		{Options{Enable: []string{"all"}, Disable: []string{"b"}}, []string{"a", "c"}, ""},
		{Options{Enable: []string{"none"}}, nil, ""},
		{Options{Enable: []string{"none", "a"}}, nil, "cannot be combined"},
		{Options{Enable: []string{"zzz"}}, nil, `unknown pass "zzz"`},
		{Options{Disable: []string{"zzz"}}, nil, `unknown pass "zzz"`},
	} {
		tc.opts.Passes = all
		got, err := Select(tc.opts)
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tc.want, names(got))
	}
}

func TestDiff(t *testing.T) {
	res, err := Optimize([]byte(small), Options{Filename: "Dockerfile", Passes: []*Pass{replaceWord("p", "two", "2")}})
	require.NoError(t, err)
	require.Equal(t, `--- Dockerfile.orig
+++ Dockerfile
@@ -1,4 +1,4 @@
 FROM alpine
 RUN echo one
 # note
-RUN echo two
+RUN echo 2
`, string(res.Diff()))
	same, err := Optimize([]byte(small), Options{Enable: []string{"none"}})
	require.NoError(t, err)
	require.Nil(t, same.Diff())
}

// The default set is the registered safe passes and each is valid.
func TestDefaultPassesValid(t *testing.T) {
	ps, err := Select(Options{})
	require.NoError(t, err)
	require.NotEmpty(t, ps)
	require.NoError(t, analysis.Validate(ps))
}

// governed lists the ignore comments directly above instructions, with the
// instruction they are above.
func governed(doc *dockerfile.Document) []string {
	var out []string
	for _, ins := range doc.Instructions {
		for _, c := range doc.CommentsAbove(ins) {
			_, ok := dfoptPragma(c.Text)
			if !ok && c.Line == ins.StartLine-1 {
				_, ok = hadolintPragma(c.Text, false)
			}
			if ok {
				out = append(out, c.Text+" -> "+ins.Cmd)
			}
		}
	}
	return out
}

func FuzzOptimize(f *testing.F) {
	for _, s := range []string{
		small,
		"FROM a\nRUN a && \\\n  # c\n  b\nRUN c;\n",
		"# escape=`\nFROM a\nRUN a `\n b\nRUN c\n",
		"FROM a\r\nRUN x\r\nRUN y || z\r\n",
		"\uFEFFFROM a\nRUN <<EOF\nx\nEOF\nRUN y\n",
		"FROM a\nSHELL [\"/bin/sh\", \"-ec\"]\nRUN cd / ; x\nRUN y\n",
		"FROM a\nRUN --mount=type=cache,target=/x a\nRUN --mount=type=cache,target=/x b # c\n",
		"FROM a\nRUN apt-get update\n# dfopt:ignore=cache-cleanup\nRUN apt-get install -y x\nRUN mkdir -p /a\nWORKDIR /a\n",
		"FROM a\n# hadolint ignore=DL3059\nRUN a\n# hadolint ignore=SC2016\nRUN b\nRUN c\n# dfopt:ignore\nRUN d\n",
		"# check=skip=all\n# dfopt:ignore-file=coalesce-runs\nFROM a as b\nENV A 1\nRUN a\nRUN b\n",
		"#\x00\nFROM a\nRUN a && \\\n#\x00\xff\n  b\nRUN c\n#\x00",
		"FROM a\nRUN apt-get update\nRUN echo \x00\nRUN b\n",
	} {
		f.Add([]byte(s))
	}
	f.Add([]byte("FROM a\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nRUN pip install -r requirements.txt\n"))
	f.Add([]byte("FROM a\nCOPY src /app/src\nADD . /x\nRUN chown -R u:g /app && go mod download\n"))
	// A build context with the files the context-aware passes read.
	ctxFS := fstest.MapFS{
		"package.json":      {Data: []byte(`{"name":"x","scripts":{"build":"x"}}`)},
		"package-lock.json": {Data: []byte("{}")},
		"requirements.txt":  {Data: []byte("-r base.txt\nflask\n")},
		"base.txt":          {Data: []byte("requests\n")},
		"go.mod":            {Data: []byte("module x\n")},
		"src/main.go":       {Data: []byte("package main\n")},
		".git/HEAD":         {Data: []byte("ref: refs/heads/main\n")},
		"node_modules/a/x":  {Data: []byte("x")},
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, opts := range []Options{{}, {Level: TierAggressive}, {Context: ctxFS}} {
			res, err := Optimize(src, opts)
			if err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("unexpected error type %T: %v", err, err)
				}
				return
			}
			outDoc, err := dockerfile.Parse("out", res.Output)
			if err != nil {
				t.Fatalf("output does not parse: %v\n%s", err, res.Output)
			}
			// Ignore comments stay above the instruction they govern.
			inDoc, _ := dockerfile.Parse("in", src)
			if a, b := governed(inDoc), governed(outDoc); !slices.Equal(a, b) {
				t.Fatalf("ignore comments moved: %q -> %q\n%s", a, b, res.Output)
			}
			if len(res.Files) > 0 {
				next := fstest.MapFS{}
				maps.Copy(next, ctxFS)
				for _, fc := range res.Files {
					next[fc.Path] = &fstest.MapFile{Data: fc.Output}
				}
				opts.Context = next
			}
			again, err := Optimize(res.Output, opts)
			if err != nil {
				t.Fatalf("second run: %v", err)
			}
			if string(again.Output) != string(res.Output) {
				t.Fatalf("not idempotent:\n%q\n%q", res.Output, again.Output)
			}
		}
	})
}

// randomEdits returns sorted edits of a text of n bytes, some touching.
func randomEdits(r *rand.Rand, n int) []analysis.Edit {
	var out []analysis.Edit
	for pos := r.IntN(20); pos <= n; pos += r.IntN(30) {
		end := min(n, pos+r.IntN(4)*r.IntN(3))
		out = append(out, analysis.Edit{Pos: pos, End: end, NewText: strings.Repeat("x", r.IntN(5))})
		pos = end
	}
	return out
}

// The binary search of round.mapBack gives what walking every edit gives.
func TestMapBackMatchesLinear(t *testing.T) {
	linear := func(edits []analysis.Edit, pos int) int {
		delta := 0
		for _, e := range edits {
			start := e.Pos + delta
			if pos < start {
				break
			}
			if pos < start+len(e.NewText) {
				return e.Pos
			}
			delta += len(e.NewText) - (e.End - e.Pos)
		}
		return pos - delta
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 500; i++ {
		n := r.IntN(300)
		edits := randomEdits(r, n)
		rd := newRound(edits)
		size := len(apply([]byte(strings.Repeat("a", n)), edits))
		for pos := 0; pos <= size; pos++ {
			if got, want := rd.mapBack(pos), linear(edits, pos); got != want {
				t.Fatalf("edits %v, offset %d: %d, want %d", edits, pos, got, want)
			}
		}
	}
}

// editSet.touches finds what comparing with every edit finds, also for
// edits that span several blocks and edits that meet at a block boundary,
// and lets stacking insertions of one pass at one offset through.
func TestEditSetMatchesAllPairs(t *testing.T) {
	passes := []*Pass{{Name: "a"}, {Name: "b"}}
	type owned struct {
		analysis.Edit
		stack *Pass
	}
	touch := func(a []owned, b []analysis.Edit, stack *Pass) bool {
		for _, x := range a {
			for _, y := range b {
				if x.Pos <= y.End && y.Pos <= x.End {
					same := stack != nil && x.stack == stack && x.Pos == x.End && y.Pos == y.End
					if !same {
						return true
					}
				}
			}
		}
		return false
	}
	r := rand.New(rand.NewPCG(5, 6))
	const block = 1 << blockShift
	for i := 0; i < 2000; i++ {
		var set editSet
		var all []owned
		for j := 0; j < 20; j++ {
			var fix []analysis.Edit
			inserts := r.IntN(3) == 0
			for k := r.IntN(3); k >= 0; k-- {
				pos := r.IntN(4 * block)
				if r.IntN(4) == 0 {
					pos = r.IntN(4) * block // at a block boundary
				}
				if inserts && r.IntN(2) == 0 && len(all) > 0 {
					pos = all[r.IntN(len(all))].Pos // where another edit is
				}
				end := pos + r.IntN(3)
				if r.IntN(8) == 0 {
					end = pos + r.IntN(3*block) // across blocks
				}
				if inserts {
					end = pos
				}
				fix = append(fix, analysis.Edit{Pos: pos, End: end})
			}
			var stack *Pass
			if inserts {
				stack = passes[r.IntN(2)]
			}
			got, want := set.touches(fix, stack), touch(all, fix, stack)
			if got != want {
				t.Fatalf("set %v, fix %v (stack %v): touches %v, want %v", all, fix, stack, got, want)
			}
			if !got {
				set.add(fix, stack)
				for _, e := range fix {
					all = append(all, owned{e, stack})
				}
			}
		}
	}
}
