package dockerfile

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestComments(t *testing.T) {
	src := "\uFEFF# syntax=docker/dockerfile:1\n" + // 1 directive
		"# top\n" + // 2
		"FROM alpine\n" + // 3
		"\n" + // 4
		"# loose\n" + // 5
		"\n" + // 6
		"  # block one\r\n" + // 7
		"#block two\n" + // 8
		"RUN a && \\\n" + // 9
		"  # inside\n" + // 10
		"  b\n" + // 11
		"RUN <<EOF\n" + // 12
		"# body\n" + // 13
		"EOF\n" + // 14
		"# after\n" // 15
	doc, err := Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	var lines []int
	var texts []string
	for _, c := range doc.Comments() {
		lines = append(lines, c.Line)
		texts = append(texts, c.Text)
		require.Equal(t, c.Line, doc.LineOf(c.Span.Start))
		require.Equal(t, c.Span.End, doc.LineEnd(c.Line))
	}
	require.Equal(t, []int{2, 5, 7, 8, 10, 15}, lines)
	require.Equal(t, []string{"top", "loose", "block one", "block two", "inside", "after"}, texts)

	above := func(i int) []int {
		var out []int
		for _, c := range doc.CommentsAbove(doc.Instructions[i]) {
			out = append(out, c.Line)
		}
		return out
	}
	require.Equal(t, []int{2}, above(0)) // the directive is not part of it
	require.Equal(t, []int{7, 8}, above(1))
	require.Nil(t, above(2)) // the comment in the RUN above is not above it
}
