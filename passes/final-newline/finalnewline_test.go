package finalnewline_test

import (
	"testing"

	"github.com/dfopt/dfopt/optimizer"
	"github.com/stretchr/testify/require"
)

func format(t *testing.T, src string) string {
	t.Helper()
	res, err := optimizer.Optimize([]byte(src), optimizer.Options{Enable: []string{"final-newline"}})
	require.NoError(t, err)
	return string(res.Output)
}

func TestFinalNewline(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"FROM a", "FROM a\n"},
		{"FROM a\n", "FROM a\n"},
		{"FROM a\n\n\n", "FROM a\n"},
		{"FROM a\n  \n\t", "FROM a\n"},
		{"FROM a  ", "FROM a  \n"},
		// the file's line ending: CRLF when most lines end so
		{"FROM a\r\nRUN b", "FROM a\r\nRUN b\r\n"},
		{"FROM a\r\nRUN b\r\n\r\n", "FROM a\r\nRUN b\r\n"},
		// a byte-order mark stays
		{"\uFEFFFROM a", "\uFEFFFROM a\n"},
		// a continuation at the end of the file
		{"FROM a\nRUN b \\", "FROM a\nRUN b \\\n"},
		{"FROM a\nRUN b \\\n\n", "FROM a\nRUN b \\\n"},
		// a comment last
		{"FROM a\n# end", "FROM a\n# end\n"},
		// a line with a vertical tab is content
		{"FROM a\n\v\n\n", "FROM a\n\v\n"},
	} {
		require.Equal(t, c.want, format(t, c.in), "%q", c.in)
	}
}
