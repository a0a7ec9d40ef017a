package keywordcase_test

import (
	"testing"

	"github.com/dfopt/dfopt/optimizer"
	"github.com/stretchr/testify/require"
)

func format(t *testing.T, src string) string {
	t.Helper()
	res, err := optimizer.Optimize([]byte(src), optimizer.Options{Enable: []string{"keyword-case"}})
	require.NoError(t, err)
	return string(res.Output)
}

func TestKeywordCase(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"FROM a\nrun b\nRUN c\n", "FROM a\nRUN b\nRUN c\n"},
		{"from a\nrun b\nRUN c\n", "from a\nrun b\nrun c\n"},
		// a tie is upper case; ARGs before FROM count
		{"arg V\nfrom a\nRUN b\nCMD c\n", "ARG V\nFROM a\nRUN b\nCMD c\n"},
		// HEALTHCHECK's CMD and NONE; arguments keep their case, and so
		// does the instruction an ONBUILD wraps, which the image stores as
		// written
		{"FROM a\nRUN b\nRUN c\nRUN d\nonbuild run Make\nhealthcheck cmd Curl\nhealthcheck none\n",
			"FROM a\nRUN b\nRUN c\nRUN d\nONBUILD run Make\nHEALTHCHECK CMD Curl\nHEALTHCHECK NONE\n"},
		// leading blanks, and a keyword followed by a tab
		{"FROM a\nRUN b\n  cmd\tc\n", "FROM a\nRUN b\n  CMD\tc\n"},
		// a keyword split by a continuation is left alone
		{"from a\nrun b\nR\\\nUN c\n", "from a\nrun b\nR\\\nUN c\n"},
	} {
		require.Equal(t, c.want, format(t, c.in), "%q", c.in)
	}
}
