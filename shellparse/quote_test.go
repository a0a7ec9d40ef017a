package shellparse

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"mvdan.cc/sh/v3/syntax"
)

func TestQuote(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"curl", "curl"},
		{"/usr/bin/apt-get", "/usr/bin/apt-get"},
		{"A_B=c:d,e@f%g+h.i-j", "A_B=c:d,e@f%g+h.i-j"},
		{"", "''"},
		{"a b", "'a b'"},
		{"it's", `'it'\''s'`},
		{"'", `''\'''`},
		{"$HOME", "'$HOME'"},
		{"a*", "'a*'"},
		{"~", "'~'"},
		{"a\nb", "'a\nb'"},
		{`back\slash`, `'back\slash'`},
		{"x;y", "'x;y'"},
		{"é", "'é'"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := Quote(tt.in)
			assert.Equal(t, tt.want, got)
			// The quoted text must read back as one word with the value.
			p, err := Parse("echo " + got)
			require.NoError(t, err)
			call := Commands(p)[0]
			require.Len(t, call.Args, 1)
			v, ok := Lit(call.Args[0])
			assert.True(t, ok)
			assert.Equal(t, tt.in, v)
		})
	}
}

func TestLit(t *testing.T) {
	tests := []struct {
		word   string
		want   string
		static bool
	}{
		{`plain`, "plain", true},
		{`'single quoted $x'`, "single quoted $x", true},
		{`"double quoted"`, "double quoted", true},
		{`"a\$b\q\\c\"d"`, `a$b\q\c"d`, true},
		{`a\ b\$c`, "a b$c", true},
		{`pre"mid"'end'`, "premidend", true},
		{"a\\\nb", "ab", true},
		{"\"a\\\nb\"", "ab", true},
		{`$'a\nb\tc\x41\101\u00e9\'\\'`, "a\nb\tcAAé'\\", true},
		{`$'\cA\e'`, "\x01\x1b", true},
		{`$'ab\0cd'`, "ab", true},
		{`$'\q'`, `\q`, true},
		{`$'\xg\x4a\u263A\U0001F600\c?\cb\x'`, "\\xgJ\u263a\U0001F600\x7f\x02\\x", true},
		{`$'\101\1010\7'`, "AA0\a", true},
		{`$'a\c@b'`, "a", true},
		{`$'a\u0000b'`, "a", true},
		{`$'\uD800'`, "", false},
		{`$"translated"`, "translated", true},
		{`/var/lib/apt/lists/*`, "/var/lib/apt/lists/*", true},
		{`~/.cache`, "~/.cache", true},
		{`{a,b}`, "{a,b}", true},
		{`@(a|b)`, "@(a|b)", true},
		{`$HOME`, "", false},
		{`${HOME}/x`, "", false},
		{`"$HOME"`, "", false},
		{`a$(pwd)`, "", false},
		{"`pwd`", "", false},
		{`$((1+2))`, "", false},
		{`<(ls)`, "", false},
	}
	_, ok := Lit(nil)
	assert.False(t, ok)
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			p, err := Parse("echo " + tt.word)
			require.NoError(t, err)
			call := p.File.Stmts[0].Cmd.(*syntax.CallExpr)
			require.Len(t, call.Args, 2)
			got, static := Lit(call.Args[1])
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.static, static)
		})
	}
}
