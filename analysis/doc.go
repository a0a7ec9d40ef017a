package analysis

import (
	"fmt"
	"strings"
)

// A pass's documentation is the package comment of its package's doc.go,
// which also declares the pass: the file embeds itself and reads the
// comment when the package is initialized (Documented, MustExtractDoc), so
// the text `go doc` shows and the text `dfopt --explain` prints are the
// same. The comment holds a section for the pass:
//
//	// Package coalesceruns is the coalesce-runs pass of dfopt.
//	//
//	// # Pass coalesce-runs
//	//
//	// coalesce-runs: merge consecutive RUN instructions into one layer
//	//
//	// Every RUN instruction makes a layer. ...
//	package coalesceruns
//
//	//go:embed doc.go
//	var docGo string
//
//	var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "coalesce-runs", Tier: analysis.Safe, Run: run})
//
// The first paragraph of the section is "NAME: SUMMARY" on one line; the
// paragraphs after it, up to the next heading or the end of the comment,
// are the documentation.

// ExtractDoc returns the summary and the documentation of the pass name
// from content, the text of a Go file whose package comment has the
// pass's section (see above). Comment markers are removed as go/ast does:
// "//" and one space after it.
func ExtractDoc(content, name string) (summary, doc string, err error) {
	comment, ok := packageComment(content)
	if !ok {
		return "", "", fmt.Errorf("no package comment")
	}
	heading := "# Pass " + name
	i := 0
	for i < len(comment) && comment[i] != heading {
		i++
	}
	if i == len(comment) {
		return "", "", fmt.Errorf("no %q heading in the package comment", heading)
	}
	i++
	for i < len(comment) && comment[i] == "" {
		i++
	}
	if i == len(comment) {
		return "", "", fmt.Errorf("section %q is empty", heading)
	}
	summary, ok = strings.CutPrefix(comment[i], name+": ")
	if !ok || strings.TrimSpace(summary) == "" {
		return "", "", fmt.Errorf("section %q does not start with %q", heading, name+": SUMMARY")
	}
	i++
	if i < len(comment) && comment[i] != "" {
		return "", "", fmt.Errorf("section %q: the summary is not one line", heading)
	}
	var lines []string
	for ; i < len(comment) && !strings.HasPrefix(comment[i], "# "); i++ {
		lines = append(lines, comment[i])
	}
	doc = strings.Trim(strings.Join(lines, "\n"), "\n")
	if doc == "" {
		return "", "", fmt.Errorf("section %q has a summary and no documentation", heading)
	}
	return summary, doc, nil
}

// MustExtractDoc is ExtractDoc that panics on error, for use when a pass's
// package is initialized.
func MustExtractDoc(content, name string) (summary, doc string) {
	summary, doc, err := ExtractDoc(content, name)
	if err != nil {
		panic(fmt.Sprintf("documentation of pass %s: %v", name, err))
	}
	return summary, doc
}

// packageComment returns the lines of the // comment right above the
// package clause, without the comment markers.
func packageComment(content string) ([]string, bool) {
	lines := strings.Split(strings.ReplaceAll(content, "\r\n", "\n"), "\n")
	pkg := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "package ") {
			pkg = i
			break
		}
	}
	start := pkg
	for start > 0 && strings.HasPrefix(lines[start-1], "//") {
		start--
	}
	if pkg < 0 || start == pkg {
		return nil, false
	}
	var out []string
	for _, l := range lines[start:pkg] {
		l = strings.TrimPrefix(l, "//")
		l = strings.TrimPrefix(l, " ")
		out = append(out, strings.TrimRight(l, " \t"))
	}
	return out, true
}

// Documented returns pass with its Summary and Doc read from the content
// of its package's doc.go (see MustExtractDoc), for the pass's declaration
// in that file.
func Documented(docGo string, pass *Pass) *Pass {
	pass.Summary, pass.Doc = MustExtractDoc(docGo, pass.Name)
	return pass
}
