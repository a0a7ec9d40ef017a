package analysis_test

import (
	"testing"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/stretchr/testify/require"
)

func TestContextLine(t *testing.T) {
	doc, err := dockerfile.Parse("Dockerfile", []byte("FROM a\nRUN b\n"))
	require.NoError(t, err)
	ctx := &analysis.Context{Doc: doc}
	require.Equal(t, 2, ctx.Line(doc.Instructions[1].Span.Start), "without the optimizer, the document is the input")
	ctx.InputLine = func(off int) int { return 10 + off }
	require.Equal(t, 17, ctx.Line(7))
}
