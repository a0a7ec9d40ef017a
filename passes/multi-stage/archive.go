package multistage

import (
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/runs"
	"github.com/dfopt/dfopt/toolchains"
)

// archiveFindings reports the archives a COPY of the stage brings that a
// later RUN unpacks (the articles' JDK tarball): the archive stays in the
// COPY's layer whatever the RUN does. It is not fixed: the directory the
// archive unpacks to, which a build stage's COPY --from would name, is
// not known without reading the archive.
func archiveFindings(ctx *analysis.Context, st *dockerfile.Stage) []analysis.Finding {
	var out []analysis.Finding
	for _, cp := range st.Instructions[1:] {
		if cp.Cmd != "copy" || len(cp.Args) < 2 || len(cp.Heredocs()) > 0 || hasFlag(cp, "--from") {
			continue
		}
		dest := cp.Args[len(cp.Args)-1]
		wd := toolchains.Workdir(cp)
		for _, src := range cp.Args[:len(cp.Args)-1] {
			if !toolchains.IsArchive(src) || strings.ContainsAny(src, "$*?[") || strings.Contains(dest, "$") {
				continue
			}
			// Where the file is in the image: dest itself, or in it.
			at := map[string]bool{}
			if p := toolchains.Resolve(wd, dest); p != "" {
				at[p] = true
				at[path.Join(p, path.Base(src))] = true
			}
			if run := unpackedBy(st, cp, src, at); run != nil {
				out = append(out, analysis.InstructionFinding(cp, fmt.Sprintf(
					"%s stays in the image (in this COPY's layer, even when removed later) although the RUN on line %d unpacks it; "+
						"not unpacking it in a stage of its own: which directory it unpacks to is not known without reading the archive "+
						"(unpack it in a build stage and COPY --from the directory it makes, or ADD a local tar archive, which unpacks it without keeping it)",
					path.Base(src), ctx.Line(run.Span.Start))))
			}
		}
	}
	return out
}

// unpackedBy returns the first RUN after cp in the stage that unpacks the
// archive src (copied to one of the paths at), nil when none does.
func unpackedBy(st *dockerfile.Stage, cp *dockerfile.Instruction, src string, at map[string]bool) *dockerfile.Instruction {
	for _, ins := range st.Instructions {
		if ins.Index <= cp.Index || ins.Cmd != "run" {
			continue
		}
		r, _ := runs.Parse(ins)
		if r == nil {
			continue
		}
		for _, step := range toolchains.Steps(r.Prog, toolchains.Workdir(ins)) {
			for _, a := range toolchains.UnpackedArchives(step.Cmd) {
				if path.Base(a) != path.Base(src) {
					continue
				}
				if p := toolchains.Resolve(step.Dir, a); p == "" || at[p] {
					return ins
				}
			}
		}
	}
	return nil
}
