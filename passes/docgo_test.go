package passes_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/passes"
	"github.com/stretchr/testify/require"
)

// A pass in a package of its own, passes/NAME (the name without dashes),
// has its documentation in the package comment of doc.go, under the
// heading "# Pass NAME": a first paragraph "NAME: SUMMARY", then the
// documentation, up to the next heading. The pass's Summary and Doc are
// that text, so `go doc` and `dfopt --explain` say the same.
func TestDocGo(t *testing.T) {
	docs, err := filepath.Glob("*/doc.go")
	require.NoError(t, err)
	require.NotEmpty(t, docs)
	for _, path := range docs {
		pkg := filepath.Dir(path)
		var p *analysis.Pass
		for _, q := range passes.All() {
			if strings.ReplaceAll(q.Name, "-", "") == pkg {
				p = q
			}
		}
		require.NotNil(t, p, "%s documents no registered pass", path)
		src, err := os.ReadFile(path)
		require.NoError(t, err)
		summary, doc := docSection(t, string(src), p.Name)
		require.Equal(t, summary, p.Summary, "%s: summary", path)
		require.Equal(t, doc, p.Doc, "%s: documentation", path)
	}
}

// docSection returns the summary and documentation of the pass's section
// of the package comment in src.
func docSection(t *testing.T, src, name string) (summary, doc string) {
	lines := strings.Split(src, "\n")
	pkg := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "package ") {
			pkg = i
			break
		}
	}
	require.Positive(t, pkg, "no package clause")
	start := pkg
	for start > 0 && strings.HasPrefix(lines[start-1], "//") {
		start--
	}
	var comment []string
	for _, l := range lines[start:pkg] {
		l = strings.TrimPrefix(strings.TrimPrefix(l, "//"), " ")
		comment = append(comment, l)
	}
	i := 0
	for i < len(comment) && comment[i] != "# Pass "+name {
		i++
	}
	require.Less(t, i, len(comment), "no heading %q", "# Pass "+name)
	for i++; i < len(comment) && comment[i] == ""; i++ {
	}
	require.Less(t, i, len(comment))
	summary, ok := strings.CutPrefix(comment[i], name+": ")
	require.True(t, ok, "the section does not start with %q", name+": SUMMARY")
	var body []string
	for i++; i < len(comment) && !strings.HasPrefix(comment[i], "# "); i++ {
		body = append(body, comment[i])
	}
	return summary, strings.Trim(strings.Join(body, "\n"), "\n")
}
