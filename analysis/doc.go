package analysis

import (
	"fmt"
	"strings"
	"sync"
)

// A pass's documentation is the package comment of its package's doc.go,
// which also declares the pass: the file embeds itself and the pass reads
// the comment the first time it is asked for it (Documented), so
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
	// The comment is read line by line, in place, and the documentation
	// is the only text copied.
	block, ok := packageComment(content)
	if !ok {
		return "", "", fmt.Errorf("no package comment")
	}
	heading := "# Pass " + name
	line, rest := nextCommentLine(block)
	for line != heading {
		if rest == "" {
			return "", "", fmt.Errorf("no %q heading in the package comment", heading)
		}
		line, rest = nextCommentLine(rest)
	}
	for {
		if rest == "" {
			return "", "", fmt.Errorf("section %q is empty", heading)
		}
		if line, rest = nextCommentLine(rest); line != "" {
			break
		}
	}
	summary, ok = strings.CutPrefix(line, name+": ")
	if !ok || strings.TrimSpace(summary) == "" {
		return "", "", fmt.Errorf("section %q does not start with %q", heading, name+": SUMMARY")
	}
	if rest != "" {
		if line, rest = nextCommentLine(rest); line != "" {
			return "", "", fmt.Errorf("section %q: the summary is not one line", heading)
		}
		// The blank line after the summary is the documentation's first
		// line (trimmed below).
		var b strings.Builder
		b.Grow(len(rest) + 1)
		b.WriteString(line)
		for rest != "" {
			if line, rest = nextCommentLine(rest); strings.HasPrefix(line, "# ") {
				break
			}
			b.WriteByte('\n')
			b.WriteString(line)
		}
		doc = strings.Trim(b.String(), "\n")
	}
	if doc == "" {
		return "", "", fmt.Errorf("section %q has a summary and no documentation", heading)
	}
	return summary, doc, nil
}

// MustExtractDoc is ExtractDoc that panics on error.
func MustExtractDoc(content, name string) (summary, doc string) {
	summary, doc, err := ExtractDoc(content, name)
	if err != nil {
		panic(fmt.Sprintf("documentation of pass %s: %v", name, err))
	}
	return summary, doc
}

// packageComment returns the // comment right above the package clause:
// its lines, each with its line end.
func packageComment(content string) (string, bool) {
	pkg := -1 // where the package clause's line starts
	if strings.HasPrefix(content, "package ") {
		pkg = 0
	} else if i := strings.Index(content, "\npackage "); i >= 0 {
		pkg = i + 1
	}
	if pkg < 0 {
		return "", false
	}
	start := pkg
	for start > 0 {
		prev := strings.LastIndexByte(content[:start-1], '\n') + 1
		if !strings.HasPrefix(content[prev:start], "//") {
			break
		}
		start = prev
	}
	if start == pkg {
		return "", false
	}
	return content[start:pkg], true
}

// nextCommentLine returns the first line of a block of comment lines,
// each ending in a newline, without the comment markers, the line end and
// trailing blanks, and the lines after it.
func nextCommentLine(block string) (line, rest string) {
	line, rest, _ = strings.Cut(block, "\n")
	line = strings.TrimSuffix(line, "\r")
	line = strings.TrimPrefix(line, "//")
	line = strings.TrimPrefix(line, " ")
	end := len(line)
	for end > 0 && (line[end-1] == ' ' || line[end-1] == '\t') {
		end--
	}
	return line[:end], rest
}

// Documented returns pass with its Docs reading the summary and the
// documentation from the content of its package's doc.go (see ExtractDoc)
// on first use, for the pass's declaration in that file. Reading them
// when the package is initialized cost every process, which mostly never
// shows them, a parse of each pass's package comment.
func Documented(docGo string, pass *Pass) *Pass {
	type docs struct{ summary, doc string }
	read := sync.OnceValues(func() (docs, error) {
		summary, doc, err := ExtractDoc(docGo, pass.Name)
		return docs{summary, doc}, err
	})
	pass.Docs = func() (string, string, error) {
		d, err := read()
		return d.summary, d.doc, err
	}
	return pass
}
