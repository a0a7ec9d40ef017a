package keywordcase

import (
	"fmt"
	"strings"

	"github.com/dfopt/dfopt/analysis"
)

func run(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	lower := doc.LowerKeywords()
	var out []analysis.Finding
	for _, ins := range doc.Instructions {
		var got, want []string
		var edits []analysis.Edit
		wrong := false
		first, last := -1, -1
		word := func(off int, name string) {
			w := wordAt(ins.Text, off)
			if w == "" || !strings.EqualFold(w, name) {
				return
			}
			start := ins.SrcOffset(off)
			end := ins.SrcOffset(off+len(w)-1) + 1
			if first < 0 {
				first = start
			}
			last = end
			got = append(got, w)
			kw := strings.ToUpper(w)
			if lower {
				kw = strings.ToLower(w)
			}
			want = append(want, kw)
			if w == kw {
				return
			}
			wrong = true
			if end-start != len(w) || string(doc.Src[start:end]) != w {
				return // split by a line continuation: reported, not fixed
			}
			edits = append(edits, analysis.Replace(start, end, kw))
		}
		lead := len(ins.Text) - len(strings.TrimLeft(ins.Text, " \t"))
		word(lead, ins.Cmd)
		// The instruction an ONBUILD wraps is stored in the image as written
		// (its OnBuild trigger): it keeps its case.
		if ins.Cmd == "healthcheck" && len(ins.Args) > 0 && healthType(ins.Args[0]) {
			word(ins.ArgsOffset, ins.Args[0])
		}
		if !wrong {
			continue
		}
		f := analysis.Finding{Pos: first, End: last,
			Message: fmt.Sprintf("%q does not match the case of the other keywords", strings.Join(got, " "))}
		if len(edits) > 0 {
			f.Fix = &analysis.Fix{Message: "write " + strings.Join(want, " "), Edits: edits}
		}
		out = append(out, f)
	}
	return out
}

// healthType reports whether a HEALTHCHECK's first argument is its CMD or
// NONE keyword.
func healthType(s string) bool { return strings.EqualFold(s, "cmd") || strings.EqualFold(s, "none") }

// wordAt returns the word of text that starts at off: the bytes up to the
// next blank as BuildKit splits an instruction from its arguments.
func wordAt(text string, off int) string {
	if off < 0 || off >= len(text) {
		return ""
	}
	end := off
	for end < len(text) && !isBlank(text[end]) {
		end++
	}
	return text[off:end]
}

// isBlank matches BuildKit's `[\t\v\f\r ]`.
func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'
}
