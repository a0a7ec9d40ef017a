package multistage

import (
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/stretchr/testify/require"
)

// TestCopyArgs writes COPYs of awkward names and reads them back the way
// BuildKit does: its parser, its instruction reader, and the expansion of
// each word with its shell lexer (variables set, to show none expands).
func TestCopyArgs(t *testing.T) {
	env := shell.EnvsFromSlice([]string{"HOME=/root", "a=X", "PATH=/usr/bin"})
	for _, escape := range []byte{'\\', '`'} {
		for _, name := range []string{
			"/etc/myapp/a.ini", "/etc/myapp/my file.ini", "/etc/myapp/$HOME.ini", "/etc/${a}/x",
			"/etc/it's", `/etc/say "hi"`, "/etc/back`tick", "/etc/a&<b>", "/etc/ünï cödé",
			"/etc/a\u00a0b", "/etc/<<EOF", "/etc/#x", "/etc/~user", "/etc/{a,b}",
		} {
			args, ok := copyArgs(name, name, escape)
			require.True(t, ok, name)
			src := "COPY --from=build " + args + "\n"
			if escape == '`' {
				src = "# escape=`\n" + src
			}
			res, err := parser.Parse(strings.NewReader(src))
			require.NoError(t, err, src)
			cmd, err := instructions.ParseCommand(res.AST.Children[0])
			require.NoError(t, err, src)
			c := cmd.(*instructions.CopyCommand)
			lex := shell.NewLex(rune(res.EscapeToken))
			require.NoError(t, c.Expand(func(w string) (string, error) {
				out, _, err := lex.ProcessWord(w, env)
				return out, err
			}), src)
			require.Equal(t, []string{name}, c.SourcePaths, src)
			require.Equal(t, name, c.DestPath, src)
			if !strings.ContainsAny(name, " \t\u00a0$'\"`") {
				require.Equal(t, name+" "+name, args, "a plain name is written as it is")
			}
		}
		for _, name := range []string{"/etc/a*.ini", "/etc/a?.ini", "/etc/a[1].ini", `/etc/back\slash`, "/etc/new\nline", "/etc/tab\there", "/etc/\xff"} {
			_, ok := copyArgs(name, name, escape)
			require.False(t, ok, name)
		}
	}
}
