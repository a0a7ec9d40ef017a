package jsonspacing

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
)

func run(ctx *analysis.Context) []analysis.Finding {
	var out []analysis.Finding
	for _, ins := range ctx.Doc.Instructions {
		// An ONBUILD's instruction is stored in the image as written.
		if !ins.JSON || ins.Cmd == "onbuild" {
			continue
		}
		if f, ok := check(ctx.Doc, ins); ok {
			out = append(out, f)
		}
	}
	return out
}

func check(doc *dockerfile.Document, ins *dockerfile.Instruction) (analysis.Finding, bool) {
	text := ins.Text
	end := len(strings.TrimRightFunc(text, unicode.IsSpace))
	want := ins.Args
	if ins.Cmd == "healthcheck" {
		if len(want) == 0 {
			return analysis.Finding{}, false
		}
		want = want[1:] // CMD
	}
	start := arrayStart(text, ins.ArgsOffset, end, want)
	if start < 0 {
		return analysis.Finding{}, false
	}
	toks := tokens(text[start:end])
	if toks == nil {
		return analysis.Finding{}, false
	}
	var edits []analysis.Edit
	for k := 0; k+1 < len(toks); k++ {
		a, b := start+toks[k].end, start+toks[k+1].start
		gap := text[a:b]
		desired := ""
		if toks[k].kind == ',' {
			desired = " "
		}
		if gap == desired || strings.Trim(gap, " \t") != "" {
			continue
		}
		// The gap in the source: from just after the token before it to
		// the token after it. When a line continuation lies in between,
		// the source differs from the joined text: the layout is the
		// author's.
		p, q := ins.SrcOffset(a-1)+1, ins.SrcOffset(b)
		if string(doc.Src[p:q]) != gap {
			continue
		}
		edits = append(edits, analysis.Replace(p, q, desired))
	}
	if len(edits) == 0 {
		return analysis.Finding{}, false
	}
	return analysis.Finding{Pos: ins.SrcOffset(start), End: ins.ContentEnd(),
		Message: `JSON array is not spaced as ["a", "b"]`,
		Fix:     &analysis.Fix{Message: `space it as ["a", "b"]`, Edits: edits}}, true
}

// arrayStart returns the offset in text of the '[' that starts the JSON
// array BuildKit decoded into want: the first '[' at the start of a word
// from off on such that text[i:end] decodes to want. It returns -1 when
// there is none.
func arrayStart(text string, off, end int, want []string) int {
	for i := off; i < end; i++ {
		if text[i] != '[' || i > off && !unicode.IsSpace(rune(text[i-1])) {
			continue
		}
		var got []string
		if json.Unmarshal([]byte(text[i:end]), &got) == nil && slices.Equal(got, want) {
			return i
		}
	}
	return -1
}

type token struct {
	kind       byte // '[', ']', ',' or '"' for a string
	start, end int
}

// tokens splits a JSON array of strings into its tokens, or returns nil
// when it holds anything else.
func tokens(s string) []token {
	var out []token
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\r':
			i++
		case '[', ']', ',':
			out = append(out, token{c, i, i + 1})
			i++
		case '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil
			}
			out = append(out, token{'"', i, j + 1})
			i = j + 1
		default:
			return nil
		}
	}
	return out
}
