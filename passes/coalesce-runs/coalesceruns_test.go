package coalesceruns_test

import (
	"testing"

	"github.com/dfopt/dfopt/optimizer"
	"github.com/stretchr/testify/require"
)

// A line broken by the pass keeps its own line ending in a file that mixes
// CRLF and LF.
func TestCoalesceRunsKeepsEachLinesEnding(t *testing.T) {
	src := "FROM debian:bookworm\nRUN echo a\r\nRUN echo b\nRUN echo c\n"
	res, err := optimizer.Optimize([]byte(src), optimizer.Options{Enable: []string{"coalesce-runs"}})
	require.NoError(t, err)
	require.Equal(t, "FROM debian:bookworm\nRUN echo a && \\\r\n    echo b && \\\n    echo c\n", string(res.Output))
}

// A finding ends where the instruction's text ends, not after its newline.
func TestCoalesceRunsFindingRange(t *testing.T) {
	src := "FROM debian:bookworm\nRUN echo a\nRUN echo b\n"
	res, err := optimizer.Optimize([]byte(src), optimizer.Options{Enable: []string{"coalesce-runs"}})
	require.NoError(t, err)
	require.Len(t, res.Findings, 1)
	f := res.Findings[0]
	require.Equal(t, []int{2, 1, 3, 11}, []int{f.Line, f.Col, f.EndLine, f.EndCol})
}
