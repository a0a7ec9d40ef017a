package dockerignore

import (
	"bytes"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
)

const (
	maxEntries   = buildcontext.MaxEntries
	maxFileSize  = 1 << 20
	addedComment = "# added by dfopt: not needed by the build"
)

func humanBytes(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}

// otherDockerfiles returns the other Dockerfiles of the context that have
// no ignore file of their own, or ok false when the pass does not look
// further: there are more than 20 of them (counted before any is read),
// one is too big, or one cannot be read or does not parse. Each is read and
// analysed once for every Dockerfile that reads the same context.
func otherDockerfiles(ctx *analysis.Context, tree *contextTree, self string) ([]*build, bool) {
	var paths []string
	for _, d := range tree.view.Dockerfiles {
		if d.Path == self || d.OwnIgnore {
			continue
		}
		if len(paths) == 20 || d.Size > maxFileSize {
			return nil, false
		}
		paths = append(paths, d.Path)
	}
	out := make([]*build, 0, len(paths))
	for _, p := range paths {
		b := ctx.ContextFact("dockerignore.other:"+p, func(fsys fs.FS) any {
			data, err := fs.ReadFile(fsys, p)
			if err != nil {
				return (*build)(nil)
			}
			d, err := dockerfile.Parse(p, data)
			if err != nil {
				return (*build)(nil)
			}
			return analyze(d)
		}).(*build)
		if b == nil {
			return nil, false
		}
		out = append(out, b)
	}
	return out, true
}

func run(ctx *analysis.Context) []analysis.Finding {
	if ctx.BuildContext == nil || len(ctx.Doc.Stages) == 0 {
		return nil
	}
	self := analyze(ctx.Doc)
	if len(self.sends) == 0 {
		return nil // the build takes nothing from its context
	}
	// The ignore file: NAME.dockerignore next to the Dockerfile, else
	// .dockerignore at the root; one outside the context, one that is not
	// a regular file and one the builder would refuse are left alone.
	ig := buildcontext.IgnoreOf(ctx)
	if ig.Outside || ig.Err != nil || ig.Exists && !ig.Regular {
		return nil
	}
	file, data, exists := ig.Name, ig.Data, ig.Exists
	tree := treeOf(ctx, ig)

	st := &state{r: &contextFiles{ctx: ctx, tree: tree}, tree: tree, docs: []*build{self}, file: file, exists: exists}
	for _, p := range ig.Patterns {
		if ex, ok := strings.CutPrefix(p, "!"); ok {
			st.excepts = append(st.excepts, ex)
		}
	}
	if !ig.Own {
		others, ok := otherDockerfiles(ctx, tree, buildcontext.SelfPath(ctx))
		if !ok {
			return nil
		}
		st.docs = append(st.docs, others...)
	}
	st.included = tree.sent()
	before := st.size()
	entries := st.candidates()
	out := st.trackedFindings(self)
	if len(entries) == 0 {
		return out
	}
	after := st.size()

	// Where the finding goes: the first instruction that sends one of the
	// entries, else the first that sends anything.
	at := self.sends[0].ins
	found := false
	for _, s := range self.sends {
		for _, p := range st.tops {
			if s.relation(strings.Split(p, "/")) != notSent {
				at, found = s.ins, true
				break
			}
		}
		if found {
			break
		}
	}

	nl := "\n"
	if bytes.Count(data, []byte("\r\n"))*2 > bytes.Count(data, []byte("\n")) {
		nl = "\r\n"
	}
	var text strings.Builder
	if len(data) > 0 {
		if !bytes.HasSuffix(data, []byte("\n")) {
			text.WriteString(nl)
		}
		if !bytes.HasSuffix(data, []byte("\n\n")) && !bytes.HasSuffix(data, []byte("\n\r\n")) {
			text.WriteString(nl)
		}
	}
	text.WriteString(addedComment + nl)
	for _, e := range entries {
		text.WriteString(e + nl)
	}

	sizes := fmt.Sprintf("context size %s → %s", humanBytes(before), humanBytes(after))
	if tree.truncated {
		sizes = fmt.Sprintf("context size more than %s → more than %s, counting the first %d entries",
			humanBytes(before), humanBytes(after), maxEntries)
	}
	list := strings.Join(entries, ", ")
	msg := fmt.Sprintf("%s does not leave out %s, which the build does not need (%s)", file, list, sizes)
	fixMsg := "add " + list + " to " + file
	if !exists {
		msg = fmt.Sprintf("no %s to leave out %s, which the build does not need (%s)", file, list, sizes)
		fixMsg = "create " + file + " with " + list
	}
	if len(st.fresh) > 0 {
		msg += "; with it left out, " + strings.Join(st.fresh, " and ") + " (downloading what it installs) instead of on top of the context's"
	}
	f := analysis.InstructionFinding(at, msg)
	f.Fix = &analysis.Fix{
		Message: fixMsg,
		Removes: st.removes,
		Changes: append(slices.Clone(st.changes), st.cacheChanges...),
		Files:   []analysis.FileEdit{{Path: file, Edits: []analysis.Edit{analysis.Insert(len(data), text.String())}}},
	}
	return append([]analysis.Finding{f}, out...)
}

// trackedFindings reports the paths git tracks that the pass would have
// left out: they stay in the context.
func (st *state) trackedFindings(self *build) []analysis.Finding {
	var out []analysis.Finding
	for _, p := range st.tracked {
		at := self.sends[0].ins
		pc := strings.Split(p, "/")
		for _, s := range self.sends {
			if s.relation(pc) != notSent {
				at = s.ins
				break
			}
		}
		out = append(out, analysis.InstructionFinding(at, fmt.Sprintf(
			"git tracks %s, so it is in the build context on purpose and %s leaves it in; add it to %s yourself if the image should make its own",
			p, "dfopt", st.file)))
	}
	return out
}
