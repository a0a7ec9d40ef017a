package dockerfile_test

import (
	"testing"

	"github.com/dfopt/dfopt/dockerfile"
	"github.com/stretchr/testify/require"
)

func TestADDSources(t *testing.T) {
	for _, tc := range []struct {
		src               string
		remote, http, git bool
	}{
		{"app.tar.gz", false, false, false},
		{"https://example.com/a.tgz", true, true, false},
		{"HTTP://example.com/a", true, true, false},
		{"https://github.com/o/r.git#main", true, true, true},
		{"https://github.com/o/r.git/?ref=v1", true, true, true},
		{"git@github.com:o/r.git", true, false, true},
		{"ssh://git@host/r", true, false, true},
		{"ftp://example.com/a", true, false, false},
		{"user@host:path", true, false, false},
	} {
		require.Equal(t, tc.remote, dockerfile.IsRemoteSource(tc.src), "IsRemoteSource(%q)", tc.src)
		require.Equal(t, tc.http, dockerfile.IsHTTPURL(tc.src), "IsHTTPURL(%q)", tc.src)
		require.Equal(t, tc.git, dockerfile.IsGitSource(tc.src, false), "IsGitSource(%q)", tc.src)
	}
	require.True(t, dockerfile.IsGitSource("https://example.com/a.tgz", true), "--keep-git-dir")
}

func TestWords(t *testing.T) {
	require.Equal(t, `["sh", "-c", "echo \"<a>\""]`, dockerfile.JSONArray([]string{"sh", "-c", `echo "<a>"`}))
	require.Equal(t, "a b", dockerfile.Unquote(`"a b"`))
	require.Equal(t, "a", dockerfile.Unquote(`'a'`))
	require.Equal(t, `"a'`, dockerfile.Unquote(`"a'`))
	require.True(t, dockerfile.IsPlainPath("src/app-1.2_x/@scope+a=b,c"))
	for _, p := range []string{"a b", "$X", "*.txt", `"a"`, "a\\b", ""} {
		require.False(t, dockerfile.IsPlainPath(p), p)
	}
	require.True(t, dockerfile.IsPOSIXShell("dash"))
	require.False(t, dockerfile.IsPOSIXShell("pwsh"))
	require.False(t, dockerfile.IsPOSIXShell("Bash"), "names are compared as written")
}

func TestCommentLines(t *testing.T) {
	src := "FROM a\nRUN a \\\n# inside\n  b\nRUN c \\\n  d\n"
	doc, err := dockerfile.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	require.True(t, doc.HasCommentLines(doc.Instructions[1]))
	require.False(t, doc.HasCommentLines(doc.Instructions[2]))
	require.False(t, doc.CommentLineIn(doc.Instructions[1].Span.Start, doc.LineStart(3)), "the comment line starts at the end")
}
