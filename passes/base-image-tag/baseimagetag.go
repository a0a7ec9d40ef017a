package baseimagetag

import (
	"fmt"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/baseimage"
	"github.com/dfopt/dfopt/stages"
)

func run(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	globals := stages.GlobalArgs(doc)
	var out []analysis.Finding
	for _, st := range doc.Stages {
		if st.Base == "" || st.Parent != nil {
			continue
		}
		rb := stages.ResolveBase(doc, st, globals)
		if rb.Name == "" || rb.Parent != nil || strings.EqualFold(rb.Name, "scratch") {
			continue
		}
		name, tag, digest := baseimage.SplitRef(rb.Name)
		if digest != "" || name == "" {
			continue
		}
		var msg string
		switch tag {
		case "":
			msg = fmt.Sprintf("base image %q has no tag", rb.Name)
		case "latest":
			msg = fmt.Sprintf("base image %q uses the latest tag", rb.Name)
		default:
			continue
		}
		if len(rb.Args) > 0 {
			msg += fmt.Sprintf(" (default of ARG %s)", strings.Join(rb.Args, ", ARG "))
		}
		msg += ": builds are not reproducible; pin a version (and a digest)"
		out = append(out, analysis.WordFinding(st.From, st.Base, msg))
	}
	return out
}
