package optimizer_test

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/optimizer"
	"github.com/dfopt/dfopt/passes"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/stretchr/testify/require"
	"mvdan.cc/sh/v3/syntax"
)

// The format tier changes only the spelling of a file. Over the corpus and
// the edge files, for the format passes together and for each alone:
// formatting the output again changes nothing, and BuildKit's parser reads
// every instruction of the output as it reads the input's: the same
// instruction (its keyword in any case), the same flags, arguments,
// heredocs, comments and start line, and the same parser directives and
// escape character. The only differences allowed are those a format pass
// exists for, each checked for what it must keep:
//
//   - the AS of FROM ... AS and the CMD or NONE of HEALTHCHECK in another case;
//   - ENV key value as ENV key=value: the same keys, and values that
//     expand to the same text;
//   - the blanks between the words of a shell-form RUN (continuation
//     indentation): the shell program parses to the same syntax tree
//     (mvdan.cc/sh prints both the same) and the texts differ only in
//     blanks.
func TestFormatTierProof(t *testing.T) {
	files := append(corpus(t), loadFiles(t, "../testdata/edge/*.Dockerfile")...)
	var format []string
	for _, p := range passes.All() {
		if p.Tier == analysis.Format {
			format = append(format, p.Name)
		}
	}
	require.NotEmpty(t, format)
	sets := [][]string{format}
	for _, p := range format {
		sets = append(sets, []string{p})
	}
	for _, set := range sets {
		changed := 0
		for _, f := range files {
			opts := optimizer.Options{Filename: f.name, Enable: set}
			res, err := optimizer.Optimize(f.src, opts)
			require.NoError(t, err, f.name)
			again, err := optimizer.Optimize(res.Output, opts)
			require.NoError(t, err, f.name)
			require.Equal(t, string(res.Output), string(again.Output), "%s: formatting twice differs from once (%v)", f.name, set)
			require.Zero(t, again.FixedCount(), "%s: second run applied fixes (%v)", f.name, set)
			if err := sameParse(f.src, res.Output); err != nil {
				t.Fatalf("%s (%v): %v\n%s", f.name, set, err, res.Diff())
			}
			if res.Changed() {
				changed++
			}
		}
		t.Logf("%v: %d of %d files changed", set, changed, len(files))
	}
}

// sameParse reports how BuildKit's parse of b differs from a's, apart from
// what the format passes may change (see TestFormatTierProof).
func sameParse(a, b []byte) error {
	ra, err := parser.Parse(bytes.NewReader(a))
	if err != nil {
		return fmt.Errorf("input: %v", err)
	}
	rb, err := parser.Parse(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("output: %v", err)
	}
	if ra.EscapeToken != rb.EscapeToken {
		return fmt.Errorf("escape %q became %q", ra.EscapeToken, rb.EscapeToken)
	}
	var dp parser.DirectiveParser
	da, _ := dp.ParseAll(bytes.TrimPrefix(a, []byte("\uFEFF")))
	var dp2 parser.DirectiveParser
	db, _ := dp2.ParseAll(bytes.TrimPrefix(b, []byte("\uFEFF")))
	if len(da) != len(db) {
		return fmt.Errorf("%d parser directives became %d", len(da), len(db))
	}
	for i := range da {
		if da[i].Name != db[i].Name || da[i].Value != db[i].Value {
			return fmt.Errorf("directive %s=%s became %s=%s", da[i].Name, da[i].Value, db[i].Name, db[i].Value)
		}
	}
	na, nb := ra.AST.Children, rb.AST.Children
	if len(na) != len(nb) {
		return fmt.Errorf("%d instructions became %d", len(na), len(nb))
	}
	for i := range na {
		if na[i].StartLine != nb[i].StartLine {
			return fmt.Errorf("line %d: instruction moved to line %d", na[i].StartLine, nb[i].StartLine)
		}
		if err := sameNode(na[i], nb[i], ra.EscapeToken); err != nil {
			return fmt.Errorf("line %d: %v", na[i].StartLine, err)
		}
	}
	return nil
}

func sameNode(a, b *parser.Node, escape rune) error {
	cmd := strings.ToLower(a.Value)
	switch {
	case !strings.EqualFold(a.Value, b.Value):
		return fmt.Errorf("instruction %s became %s", a.Value, b.Value)
	case !slices.Equal(a.Flags, b.Flags):
		return fmt.Errorf("flags %q became %q", a.Flags, b.Flags)
	case !slices.Equal(a.PrevComment, b.PrevComment):
		return fmt.Errorf("comments %q became %q", a.PrevComment, b.PrevComment)
	case fmt.Sprint(a.Attributes) != fmt.Sprint(b.Attributes):
		return fmt.Errorf("attributes %v became %v", a.Attributes, b.Attributes)
	case !slices.Equal(a.Heredocs, b.Heredocs):
		return fmt.Errorf("heredocs %+v became %+v", a.Heredocs, b.Heredocs)
	}
	if cmd == "onbuild" {
		if a.Next == nil || b.Next == nil || len(a.Next.Children) != 1 || len(b.Next.Children) != 1 {
			return fmt.Errorf("ONBUILD changed shape")
		}
		// The image stores the wrapped instruction as written: its
		// OnBuild trigger.
		if ta, tb := onbuildPrefix.ReplaceAllString(a.Original, ""), onbuildPrefix.ReplaceAllString(b.Original, ""); ta != tb {
			return fmt.Errorf("ONBUILD trigger %q became %q", ta, tb)
		}
		return sameNode(a.Next.Children[0], b.Next.Children[0], escape)
	}
	if cmd == "env" {
		return sameEnv(a, b, escape)
	}
	args := func(n *parser.Node) []string {
		var out []string
		for x := n.Next; x != nil; x = x.Next {
			out = append(out, x.Value)
		}
		return out
	}
	aa, ba := args(a), args(b)
	if len(aa) != len(ba) {
		return fmt.Errorf("arguments %q became %q", aa, ba)
	}
	for i := range aa {
		switch {
		case aa[i] == ba[i]:
		case cmd == "from" && i == 1 && strings.EqualFold(aa[i], "as") && strings.EqualFold(ba[i], "as"):
		case cmd == "healthcheck" && i == 0 && strings.EqualFold(aa[i], ba[i]):
		case cmd == "run" && !a.Attributes["json"] && len(a.Heredocs) == 0 && len(aa) == 1:
			if err := sameShell(aa[i], ba[i]); err != nil {
				return err
			}
		default:
			return fmt.Errorf("argument %q became %q", aa[i], ba[i])
		}
	}
	return nil
}

// onbuildPrefix is what BuildKit strips from an ONBUILD's text to make its
// trigger.
var onbuildPrefix = regexp.MustCompile(`(?i)^\s*ONBUILD\s*`)

// sameEnv compares two ENV instructions by what BuildKit sets: the keys,
// and the values as its shell lexer expands them.
func sameEnv(a, b *parser.Node, escape rune) error {
	ca, err := instructions.ParseInstruction(a)
	if err != nil {
		return err
	}
	cb, err := instructions.ParseInstruction(b)
	if err != nil {
		return err
	}
	ea, eb := ca.(*instructions.EnvCommand).Env, cb.(*instructions.EnvCommand).Env
	if len(ea) != len(eb) {
		return fmt.Errorf("ENV %v became %v", ea, eb)
	}
	lex := shell.NewLex(escape)
	for i := range ea {
		va, _, erra := lex.ProcessWord(ea[i].Value, noEnv{})
		vb, _, errb := lex.ProcessWord(eb[i].Value, noEnv{})
		if ea[i].Key != eb[i].Key || va != vb || (erra == nil) != (errb == nil) {
			return fmt.Errorf("ENV %s=%q became %s=%q", ea[i].Key, va, eb[i].Key, vb)
		}
	}
	return nil
}

type noEnv struct{}

func (noEnv) Get(string) (string, bool) { return "", false }
func (noEnv) Keys() []string            { return nil }

// sameShell reports whether two shell programs differ in more than the
// blanks between their words.
func sameShell(a, b string) error {
	strip := strings.NewReplacer(" ", "", "\t", "")
	if strip.Replace(a) != strip.Replace(b) {
		return fmt.Errorf("shell %q became %q", a, b)
	}
	pa, erra := printShell(a)
	pb, errb := printShell(b)
	if erra != nil || errb != nil {
		return fmt.Errorf("shell %q became %q (a program that does not parse must not change)", a, b)
	}
	if pa != pb {
		return fmt.Errorf("shell program changed:\n%s\nbecame\n%s", pa, pb)
	}
	return nil
}

func printShell(src string) (string, error) {
	f, err := syntax.NewParser(syntax.KeepComments(true), syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(src), "")
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := syntax.NewPrinter().Print(&buf, f); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// sameParse tells apart what the format passes must keep.
func TestSameParseCatches(t *testing.T) {
	for _, c := range []struct{ a, b string }{
		{"FROM a\nRUN echo \"x  y\"\n", "FROM a\nRUN echo \"x y\"\n"},
		{"FROM a\nRUN echo foo\\\nbar\n", "FROM a\nRUN echo foo \\\nbar\n"},
		{"# escape=`\nFROM a\nRUN echo a\\`\n  b\n", "# escape=`\nFROM a\nRUN echo a\\`\n\tb\n"},
		{"FROM a\nRUN x=\\\n  y\n", "FROM a\nRUN x=\\\ny\n"},
		{"FROM a\nRUN echo # c \\\n  d\n", "FROM a\nRUN echo # c \\\n    d\n"},
		{"FROM a\nRUN [\"a\", \"b\"]\n", "FROM a\nRUN [\"a\", \"b \"]\n"},
		{"FROM a\nRUN <<EOF\nx \nEOF\n", "FROM a\nRUN <<EOF\nx\nEOF\n"},
		{"FROM a\nRUN --mount=type=cache,target=/x echo\n", "FROM a\nRUN --mount=type=cache,target=/y echo\n"},
		{"FROM a AS b\n", "FROM a AS c\n"},
		{"FROM a\nENV A 1 2\n", "FROM a\nENV A=1\n"},
		{"FROM a\nENV A \"1 2\"\n", "FROM a\nENV A=1 2\n"},
		{"FROM a\nCMD x\n", "FROM a\nENTRYPOINT x\n"},
		{"FROM a\n# one\nRUN x\n", "FROM a\n# two\nRUN x\n"},
		{"FROM a\nRUN x\n", "FROM a\n\nRUN x\n"},
		{"# escape=`\nFROM a\n", "FROM a\n"},
		{"FROM a\nONBUILD RUN a\n", "FROM a\nONBUILD RUN b\n"},
		{"FROM a\nONBUILD run a\n", "FROM a\nONBUILD RUN a\n"},
		{"FROM a\nONBUILD RUN a  \n", "FROM a\nONBUILD RUN a\n"},
		{"FROM a\nONBUILD CMD [ \"a\" ]\n", "FROM a\nONBUILD CMD [\"a\"]\n"},
		{"FROM a\nHEALTHCHECK CMD a\n", "FROM a\nHEALTHCHECK CMD b\n"},
	} {
		require.Error(t, sameParse([]byte(c.a), []byte(c.b)), "%q and %q", c.a, c.b)
	}
	for _, c := range []struct{ a, b string }{
		{"from a as b\nrun echo  x \\\n  && y  \n", "FROM a AS b\nRUN echo  x \\\n    && y"},
		{"FROM a\nENV A 1\nENV B /my dir\n", "FROM a\nENV A=1\nENV B=\"/my dir\"\n"},
		{"FROM a\nCMD [ \"a\",\"b\" ]\nhealthcheck cmd [\"c\"]\n", "FROM a\nCMD [\"a\", \"b\"]\nHEALTHCHECK CMD [\"c\"]\n"},
		{"FROM a\nonbuild RUN a \\  \n  b\n", "FROM a\nONBUILD RUN a \\\n  b\n"},
	} {
		require.NoError(t, sameParse([]byte(c.a), []byte(c.b)), "%q and %q", c.a, c.b)
	}
}

// FuzzFormatTier: on any input that parses, the format passes keep
// BuildKit's parse (as TestFormatTierProof checks on the corpus) and a
// second run changes nothing.
//
//	go test ./optimizer -run '^$' -fuzz FuzzFormatTier
func FuzzFormatTier(f *testing.F) {
	for _, s := range []string{
		"from a as b\nrun x \\  \n  && y  \ncmd [ \"a\",\"b\" ]\nENV A 1",
		"FROM a\nRUN a \\\n    && b\nRUN c \\\n  && 'd \\\n  e' \\\n  && f\n\n\n",
		"# escape=`\nFROM a\nRUN a\\`\n  b `\n  && c\nRUN d `\n    && e\n",
		"FROM a\r\nRUN <<EOF  \r\nx  \r\nEOF\r\nONBUILD run [ \"a\" ]  \r\n",
		"\uFEFFFROM a\nHEALTHCHECK cmd [ \"x\" ]\nRUN a && \\\nb\nRUN c && \\\n  d\nRUN e && \\\n  f",
		"FROM a\nRUN a \\\r  \nRUN b \\\n\tc\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		opts := optimizer.Options{Level: optimizer.TierFormat}
		res, err := optimizer.Optimize(src, opts)
		if err != nil {
			var pe *optimizer.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("%T: %v", err, err)
			}
			return
		}
		if err := sameParse(src, res.Output); err != nil {
			t.Fatalf("%v\n%q\n%q", err, src, res.Output)
		}
		again, err := optimizer.Optimize(res.Output, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Output, res.Output) {
			t.Fatalf("not idempotent:\n%q\n%q", res.Output, again.Output)
		}
	})
}
