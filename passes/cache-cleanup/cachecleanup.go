package cachecleanup

import (
	"github.com/dfopt/dfopt/analysis"
)

func run(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	facts := newFactsTable(doc)
	lists := &lazySupply{ctx: ctx, facts: facts}
	var out []analysis.Finding
	later := &uses{ctx: ctx, facts: facts, memo: map[string][]usePoint{}}
	for _, ins := range doc.Instructions {
		f := facts.at(ins)
		if f == nil {
			continue
		}
		cl := &cleaner{ctx: ctx, doc: doc, f: f, r: f.r, facts: facts, later: later, lists: lists, appended: map[string]bool{}}
		cl.apt()
		cl.apk()
		cl.pip()
		cl.rpm()
		cl.npm()
		cl.yarn()
		cl.pnpm()
		cl.gem()
		cl.bundler()
		cl.composer()
		cl.golang()
		out = append(out, cl.out...)
	}
	return out
}
