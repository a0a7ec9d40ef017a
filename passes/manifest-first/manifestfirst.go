package manifestfirst

import (
	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/manifests"
)

func run(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	cv := buildcontext.Of(ctx)
	var out []analysis.Finding
	for _, st := range doc.Stages {
		for i, ins := range st.Instructions {
			sc := manifests.SourceCopyOf(ins, cv)
			if sc == nil {
				continue
			}
			if f, ok := manifests.PlanCopy(ctx, cv, sc, st.Instructions[i+1:]); ok {
				out = append(out, f)
			}
		}
	}
	return out
}
