package trailingwhitespace_test

import (
	"testing"

	"github.com/dfopt/dfopt/optimizer"
	"github.com/stretchr/testify/require"
)

func format(t *testing.T, src string) string {
	t.Helper()
	res, err := optimizer.Optimize([]byte(src), optimizer.Options{Enable: []string{"trailing-whitespace"}})
	require.NoError(t, err)
	return string(res.Output)
}

func TestTrailingWhitespace(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"FROM a  \nRUN b\t \n", "FROM a\nRUN b\n"},
		// no final line ending
		{"FROM a\nRUN b  ", "FROM a\nRUN b"},
		// CRLF, and a line of carriage returns BuildKit trims as its ending
		{"FROM a \r\nRUN b\t\r\n", "FROM a\r\nRUN b\r\n"},
		{"FROM a \r\r\n", "FROM a\r\r\n"},
		// after the escape character: still a continuation
		{"FROM a\nRUN b \\ \t\n  c\n", "FROM a\nRUN b \\\n  c\n"},
		{"# escape=`\nFROM a\nRUN b ` \n  c\n", "# escape=`\nFROM a\nRUN b `\n  c\n"},
		// blanks after a carriage return in the middle of a line stay:
		// without them the line would become a continuation
		{"FROM a\nRUN b \\\r  \nRUN c\n", "FROM a\nRUN b \\\r  \nRUN c\n"},
		// a form feed is not a blank for BuildKit's continuation rule, but
		// the blanks after it go either way
		{"FROM a\nRUN b\f  \n", "FROM a\nRUN b\f\n"},
		// the last line of an ONBUILD is stored in the image as written;
		// blanks after its escape characters are not
		{"FROM a\nONBUILD RUN b \\  \n  c  \nRUN d  \n", "FROM a\nONBUILD RUN b \\\n  c  \nRUN d\n"},
		// heredoc bodies stay, the line that opens them does not
		{"FROM a\nRUN <<EOF  \nx  \nEOF  \nEOF\n", "FROM a\nRUN <<EOF\nx  \nEOF  \nEOF\n"},
	} {
		require.Equal(t, c.want, format(t, c.in), "%q", c.in)
	}
}
