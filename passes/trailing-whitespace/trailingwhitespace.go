package trailingwhitespace

import (
	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
)

func run(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	src := doc.Src
	bodies := heredocBodies(doc)
	// The last line of an ONBUILD: BuildKit stores the instruction it wraps
	// as written, blanks at its end included, in the image (its OnBuild
	// trigger).
	keep := map[int]bool{}
	for _, ins := range doc.Instructions {
		if ins.Cmd == "onbuild" {
			keep[doc.LineOf(max(ins.ContentEnd()-1, ins.Span.Start))] = true
		}
	}
	var out []analysis.Finding
	for n := 1; n <= doc.LineCount(); n++ {
		start, end := doc.LineStart(n), doc.LineEnd(n)
		if len(bodies) > 0 && start >= bodies[0].Start {
			if start < bodies[0].End {
				continue
			}
			for len(bodies) > 0 && start >= bodies[0].End {
				bodies = bodies[1:]
			}
			if len(bodies) > 0 && start >= bodies[0].Start {
				continue
			}
		}
		if keep[n] {
			continue
		}
		// The content ends before the line ending: every \r and \n at the
		// end of the line, as BuildKit trims them.
		content := end
		for content > start && (src[content-1] == '\n' || src[content-1] == '\r') {
			content--
		}
		blanks := content
		for blanks > start && (src[blanks-1] == ' ' || src[blanks-1] == '\t') {
			blanks--
		}
		if blanks == content || blanks > start && src[blanks-1] == '\r' {
			continue
		}
		out = append(out, analysis.Finding{Pos: blanks, End: content,
			Message: "trailing whitespace",
			Fix:     &analysis.Fix{Message: "remove it", Edits: []analysis.Edit{analysis.Delete(blanks, content)}}})
	}
	return out
}

// heredocBodies returns the spans of the document's heredoc bodies, in
// file order.
func heredocBodies(doc *dockerfile.Document) []dockerfile.Span {
	var out []dockerfile.Span
	for _, ins := range doc.Instructions {
		for _, h := range ins.Heredocs() {
			if h.Body.End > h.Body.Start {
				out = append(out, h.Body)
			}
		}
	}
	return out
}
