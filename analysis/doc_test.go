package analysis_test

import (
	"strings"
	"testing"

	"github.com/dfopt/dfopt/analysis"
	"github.com/stretchr/testify/require"
)

const docGo = `// Copyright notice, not the package comment.

// Package example defines the example pass.
//
// It is here for the test.
//
// # Pass example
//
// example: say what the example does
//
// The example does this. Before:
//
//	RUN a
//	RUN b
//
// Rules:
//   - one
//   - two
//
// # Another heading
//
// Not part of the pass's documentation.
package example
`

func TestExtractDoc(t *testing.T) {
	summary, doc, err := analysis.ExtractDoc(docGo, "example")
	require.NoError(t, err)
	require.Equal(t, "say what the example does", summary)
	require.Equal(t, "The example does this. Before:\n\n\tRUN a\n\tRUN b\n\nRules:\n  - one\n  - two", doc)

	// CRLF files read the same.
	crlf := ""
	for _, c := range docGo {
		if c == '\n' {
			crlf += "\r"
		}
		crlf += string(c)
	}
	s2, d2, err := analysis.ExtractDoc(crlf, "example")
	require.NoError(t, err)
	require.Equal(t, summary, s2)
	require.Equal(t, doc, d2)
}

func TestExtractDocErrors(t *testing.T) {
	for name, tc := range map[string]struct{ content, want string }{
		"no comment":      {"package example\n", "no package comment"},
		"detached":        {"// Package example.\n\npackage example\n", "no package comment"},
		"no package":      {"// Package example.\n", "no package comment"},
		"other pass":      {"// # Pass other\n//\n// other: x\n//\n// Doc.\npackage example\n", `no "# Pass example" heading`},
		"empty section":   {"// # Pass example\n//\npackage example\n", "is empty"},
		"no summary":      {"// # Pass example\n//\n// Doc.\npackage example\n", `does not start with "example: SUMMARY"`},
		"long summary":    {"// # Pass example\n//\n// example: one\n// two\n//\n// Doc.\npackage example\n", "not one line"},
		"no doc":          {"// # Pass example\n//\n// example: x\npackage example\n", "no documentation"},
		"heading only":    {"// # Pass example\n//\n// example: x\n//\n// # Next\n//\n// Doc.\npackage example\n", "no documentation"},
		"blank summary":   {"// # Pass example\n//\n// example: \n//\n// Doc.\npackage example\n", "SUMMARY"},
		"summary by name": {"// # Pass example\n//\n// examples: x\n//\n// Doc.\npackage example\n", "SUMMARY"},
	} {
		_, _, err := analysis.ExtractDoc(tc.content, "example")
		require.ErrorContains(t, err, tc.want, name)
	}
	require.Panics(t, func() { analysis.MustExtractDoc("package example\n", "example") })
}

func TestDocumented(t *testing.T) {
	p := analysis.Documented(docGo, &analysis.Pass{Name: "example", Tier: analysis.Safe})
	require.Equal(t, "say what the example does", p.Summary())
	require.True(t, strings.HasPrefix(p.Doc(), "The example does this."), p.Doc())
	// A pass whose doc.go has no section for it is declared without
	// complaint; its documentation panics when asked for, and Validate,
	// which the tests run over every registered pass, says why.
	other := analysis.Documented(docGo, &analysis.Pass{Name: "other", Tier: analysis.Safe, Run: func(*analysis.Context) []analysis.Finding { return nil }})
	require.Panics(t, func() { _ = other.Summary() })
	require.Panics(t, func() { _ = other.Doc() })
	require.ErrorContains(t, analysis.Validate([]*analysis.Pass{other}), `no "# Pass other" heading`)
	require.NoError(t, analysis.ValidateRun([]*analysis.Pass{other}))
}
