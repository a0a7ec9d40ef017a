package dockerignore

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
)

const (
	maxEntries   = 100000
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

var dockerfileNameRE = regexp.MustCompile(`^(Dockerfile|Containerfile)(\..+)?$|^.+\.(Dockerfile|dockerfile)$`)

// otherDockerfiles parses the other Dockerfiles of the context that have no
// ignore file of their own; ok is false when one does not parse.
func otherDockerfiles(ctx *analysis.Context, tree *contextTree, self string) ([]*build, bool) {
	type parsed struct {
		docs []*dockerfile.Document
		ok   bool
	}
	p := ctx.Memo("dockerignore.others:"+self, func() any {
		var docs []*dockerfile.Document
		for _, e := range tree.entries {
			if !e.regular || e.path == self || !dockerfileNameRE.MatchString(path.Base(e.path)) ||
				strings.HasSuffix(e.path, ".dockerignore") || tree.has(e.path+".dockerignore") {
				continue
			}
			skip := false
			for _, c := range strings.Split(path.Dir(e.path), "/") {
				skip = skip || c == ".git" || c == "node_modules" || c == "vendor"
			}
			if skip {
				continue
			}
			if len(docs) == 20 || e.size > maxFileSize {
				return parsed{}
			}
			b, err := fs.ReadFile(ctx.BuildContext, e.path)
			if err != nil {
				return parsed{}
			}
			d, err := dockerfile.Parse(e.path, b)
			if err != nil {
				return parsed{}
			}
			docs = append(docs, d)
		}
		return parsed{docs, true}
	}).(parsed)
	if !p.ok {
		return nil, false
	}
	var out []*build
	for _, d := range p.docs {
		out = append(out, analyze(d))
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
	tree := ctx.Memo("dockerignore.tree", func() any { return walkContext(ctx.BuildContext) }).(*contextTree)

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
	st.included = make([]bool, len(tree.entries))
	for i := 0; i < len(tree.entries); {
		e := tree.entries[i]
		if ig.Excluded(e.path) {
			if e.dir && !ig.HasExceptions() {
				i = tree.end(i)
				continue
			}
		} else {
			st.included[i] = true
		}
		i++
	}
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
