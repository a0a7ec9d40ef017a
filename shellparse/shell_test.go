package shellparse

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"mvdan.cc/sh/v3/syntax"
)

func mustParse(t *testing.T, src string) *Program {
	t.Helper()
	p, err := Parse(src)
	require.NoError(t, err, "parsing %q", src)
	return p
}

func TestParse(t *testing.T) {
	p := mustParse(t, "apt-get update && apt-get install -y curl # note")
	assert.Equal(t, "apt-get update && apt-get install -y curl # note", p.Src)
	require.Len(t, p.File.Stmts, 1)
	assert.True(t, p.HasComments())

	// Bash syntax is accepted.
	mustParse(t, `[[ -f x ]] && arr=(a b) && echo ${arr[@]} <(ls) $'x'`)
	mustParse(t, "")
	mustParse(t, "   ")
}

func TestParseError(t *testing.T) {
	tests := []struct {
		src         string
		offset      int
		line, col   int
		msgContains string
	}{
		{`echo "unterminated`, 5, 1, 6, "without closing quote"},
		{`echo 'unterminated`, 5, 1, 6, "without closing quote"},
		{`if x; then`, 6, 1, 7, "`then` must be followed by a statement list"},
		{"echo ok\n  if x; then", 16, 2, 9, "`then` must be followed"},
		{`a &&`, 2, 1, 3, "`&&` must be followed by a statement"},
		{"a\n  b &&", 6, 2, 5, "`&&` must be followed"},
		{`a; && b`, 3, 1, 4, "`&&` can only immediately follow a statement"},
		{`echo $(`, 5, 1, 6, "without matching `$(` with `)`"},
		{`fi`, 0, 1, 1, "`fi` can only be used to end an `if`"},
		{`(`, 0, 1, 1, "must be followed by a statement list"},
		{`case x in`, 0, 1, 1, "must end with `esac`"},
		{"cat <<EOF\nx", 4, 1, 5, "unclosed here-document"},
		{"a\necho ${(f)x}", 7, 2, 6, "parameter expansion flags are a zsh feature"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p, err := Parse(tt.src)
			require.Error(t, err)
			assert.Nil(t, p)
			var pe *ParseError
			require.True(t, errors.As(err, &pe), "error %T", err)
			assert.Equal(t, tt.offset, pe.Offset)
			assert.Equal(t, tt.line, pe.Line)
			assert.Equal(t, tt.col, pe.Col)
			assert.Contains(t, pe.Msg, tt.msgContains)
			// Messages start in lower case, as Go errors do.
			assert.Equal(t, strings.ToLower(pe.Msg[:1]), pe.Msg[:1])
			assert.Equal(t, fmt.Sprintf("%d:%d: %s", tt.line, tt.col, pe.Msg), pe.Error())
		})
	}
}

func TestParseErrorString(t *testing.T) {
	e := &ParseError{Offset: 5, Line: 1, Col: 6, Msg: "boom"}
	assert.Equal(t, "1:6: boom", e.Error())
}

// chainString renders the items of a chain as "text op" strings.
func chainString(p *Program, items []Item) []string {
	var out []string
	for _, it := range items {
		s := p.Text(it.Stmt.Cmd)
		if it.Negated {
			s = "!" + s
		}
		out = append(out, s+" "+it.Op.String())
	}
	return out
}

func TestChain(t *testing.T) {
	tests := []struct {
		src  string
		want []string
	}{
		{"a", []string{"a end"}},
		{"a;", []string{"a end"}},
		{"a && b || c", []string{"a &&", "b ||", "c end"}},
		{"a && b || c; d &", []string{"a &&", "b ||", "c ;", "d &"}},
		{"a || b && c", []string{"a ||", "b &&", "c end"}},
		{"a\nb\n", []string{"a ;", "b end"}},
		{"a | b && c | d", []string{"a | b &&", "c | d end"}},
		{"! a && b", []string{"!a &&", "b end"}},
		{"a && b & c", []string{"a &&", "b &", "c end"}},
		{"{ a && b; } || c", []string{"{ a && b; } ||", "c end"}},
		{"if a; then b; fi && c", []string{"if a; then b; fi &&", "c end"}},
		{"x=1 a -v && (b; c)", []string{"x=1 a -v &&", "(b; c) end"}},
		{"a &", []string{"a &"}},
		{"", nil},
		{"# only a comment", nil},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p := mustParse(t, tt.src)
			assert.Equal(t, tt.want, chainString(p, Chain(p.File.Stmts)))
		})
	}
}

func TestChainBlock(t *testing.T) {
	p := mustParse(t, "{ a && b; c || d; }")
	block := p.File.Stmts[0].Cmd.(*syntax.Block)
	assert.Equal(t, []string{"a &&", "b ;", "c ||", "d end"}, chainString(p, Chain(block.Stmts)))
}

func TestChainOffsets(t *testing.T) {
	src := "apt-get update && apt-get install -y curl"
	p := mustParse(t, src)
	items := Chain(p.File.Stmts)
	require.Len(t, items, 2)
	start, end := Span(items[1].Stmt)
	assert.Equal(t, "apt-get install -y curl", src[start:end])
	assert.Equal(t, 18, Offset(items[1].Stmt.Pos()))
}

func TestTrailingComment(t *testing.T) {
	tests := []struct {
		src        string
		trailing   int
		hasComment bool
		contentEnd int
	}{
		{"echo hi # note", 8, true, 7},
		{"echo hi", -1, false, 7},
		{"echo hi   ", -1, false, 7},
		{"echo '# not a comment'", -1, false, 22},
		{"echo a#b", -1, false, 8},
		{"a # x\n# y\n", 2, true, 1},
		{"# x\na", -1, true, 5},
		{"# only\n", 0, true, 0},
		{"", -1, false, 0},
		{"a; # c", 3, true, 2},
		{"a \\\n", -1, false, 1},
		{"a \\\n  # c", 6, true, 1},
		{"a \\\\\n", -1, false, 4},
		{"a # c \\\n", 2, true, 1},
		{"if x; then y; fi # c", 17, true, 16},
		{"cat <<EOF\nx\nEOF\n# c", 16, true, 15},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p := mustParse(t, tt.src)
			assert.Equal(t, tt.trailing, p.TrailingComment())
			assert.Equal(t, tt.hasComment, p.HasComments())
			assert.Equal(t, tt.contentEnd, p.ContentEnd())
			if tt.trailing >= 0 {
				assert.Equal(t, byte('#'), tt.src[tt.trailing])
			}
		})
	}
}

func TestComments(t *testing.T) {
	p := mustParse(t, "# a\nb # c\nd # e")
	var offs []int
	for _, c := range p.Comments() {
		offs = append(offs, Offset(c.Hash))
	}
	assert.Equal(t, []int{0, 6, 12}, offs)
}

func TestEndsWithSemicolon(t *testing.T) {
	tests := []struct {
		src  string
		semi int
		bg   bool
	}{
		{"a;", 1, false},
		{"a ; ", 2, false},
		{"a && b;", 6, false},
		{"a; # c", 1, false},
		{"a", -1, false},
		{"a; b", -1, false},
		{"a\n", -1, false},
		{"a &", -1, true},
		{"a && b &", -1, true},
		{"{ a; }", -1, false},
		{"", -1, false},
		{"case x in y) a;; esac", -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p := mustParse(t, tt.src)
			assert.Equal(t, tt.semi, p.FinalSemicolon())
			assert.Equal(t, tt.semi >= 0, p.EndsWithSemicolon())
			assert.Equal(t, tt.bg, p.EndsInBackground())
		})
	}
}

func TestHasHeredoc(t *testing.T) {
	assert.True(t, mustParse(t, "cat <<EOF\nx\nEOF").HasHeredoc())
	assert.True(t, mustParse(t, "cat <<-EOF\n\tx\n\tEOF").HasHeredoc())
	assert.False(t, mustParse(t, "cat <<<x").HasHeredoc())
}

func TestText(t *testing.T) {
	src := "echo  'a b'  c"
	p := mustParse(t, src)
	call := p.File.Stmts[0].Cmd.(*syntax.CallExpr)
	assert.Equal(t, "'a b'", p.Text(call.Args[1]))
	assert.Equal(t, src, p.Text(call))
}

// FuzzProgram checks that every helper accepts any program that parses and
// reports offsets inside it.
func FuzzProgram(f *testing.F) {
	for _, seed := range []string{
		"apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* # done",
		"set -eux; sudo -E env A=1 python3 -m pip install -r r.txt; f() { cd /; }; f &",
		"if [ -f x ]; then export A=$(cd /; pwd); fi; for i in a b; do echo $i | read l; done",
		"cat <<EOF > /etc/x\n$(date)\nEOF\necho ${x:=1} $((i++)) \\\n# c",
		"case $x in a) exec foo;; esac; (( n++ )); coproc cat; echo $'a\\x41' \"b\\$c\"",
		"env -S 'a b' x; sudo -u; command -v x; nice -n; timeout 5; python -m",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Parse(src)
		if err != nil {
			var pe *ParseError
			require.True(t, errors.As(err, &pe))
			require.True(t, pe.Offset >= 0 && pe.Offset <= len(src), "offset %d", pe.Offset)
			return
		}
		inRange := func(off int) {
			require.True(t, off >= 0 && off <= len(src), "offset %d out of range", off)
		}
		end := p.ContentEnd()
		inRange(end)
		if tc := p.TrailingComment(); tc >= 0 {
			require.GreaterOrEqual(t, tc, end)
			require.Equal(t, byte('#'), src[tc])
		}
		if semi := p.FinalSemicolon(); semi >= 0 {
			require.Equal(t, byte(';'), src[semi])
		}
		walked := false // HasHeredoc without its shortcut
		Walk(p.File, func(n syntax.Node) bool {
			if r, ok := n.(*syntax.Redirect); ok && (r.Op == syntax.Hdoc || r.Op == syntax.DashHdoc) {
				walked = true
			}
			return true
		})
		require.Equal(t, walked, p.HasHeredoc())
		for _, it := range Chain(p.File.Stmts) {
			start, end := Span(it.Stmt)
			inRange(start)
			inRange(end)
		}
		for _, c := range Commands(p) {
			require.Len(t, c.Lits, len(c.Args))
			require.Len(t, c.Static, len(c.Args))
			for _, as := range c.Assigns {
				start, end := Span(as)
				inRange(start)
				inRange(end)
			}
		}
		for _, l := range Leaks(p) {
			inRange(l.Offset)
		}
	})
}

type mapCache map[string]any

func (m mapCache) TextCached(key string, f func() any) any {
	if v, ok := m[key]; ok {
		return v
	}
	m[key] = f()
	return m[key]
}

func TestParseCached(t *testing.T) {
	c := mapCache{}
	a, err := ParseCached(c, "echo a && echo b")
	require.NoError(t, err)
	b, err := ParseCached(c, "echo a && echo b")
	require.NoError(t, err)
	require.Same(t, a, b)
	d, err := ParseCached(c, "echo a")
	require.NoError(t, err)
	require.NotSame(t, a, d)
	_, err = ParseCached(c, "echo (")
	require.Error(t, err)
	_, err2 := ParseCached(c, "echo (")
	require.Equal(t, err, err2)
}

func TestHasHeredocSplitOperator(t *testing.T) {
	for src, want := range map[string]bool{
		"cat <<EOF\nx\nEOF\n":  true,
		"cat <<-EOF\nx\nEOF\n": true,
		"cat < /etc/x":         false,
		"echo '<<'":            false,
	} {
		p, err := Parse(src)
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		if got := p.HasHeredoc(); got != want {
			t.Errorf("HasHeredoc(%q) = %v, want %v", src, got, want)
		}
	}
}
