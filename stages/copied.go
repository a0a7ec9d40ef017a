package stages

import (
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/dfopt/dfopt/dockerfile"
)

// Where a file in the image came from, as far as the Dockerfile tells: the
// COPY or ADD before an instruction that put it there, or a bind mount of
// the RUN that runs it.

// Origin is the instruction that put a file at an image path.
type Origin struct {
	// Ins is the COPY or ADD, or the RUN whose --mount=type=bind brings
	// the file. For a COPY --from another stage of the file that got the
	// file from the build context, it is that stage's COPY or ADD.
	Ins *dockerfile.Instruction
	// Context lists the build-context paths the file may be (more than one
	// when the Dockerfile does not say whether a source is a file or a
	// directory). It is empty when the file does not come from the
	// context as it is: an image (--from), a URL, an archive that ADD
	// extracts, a source the file cannot resolve.
	Context []string
	// Content is the file's content when the Dockerfile shows it (COPY
	// <<EOF), and Shown says so.
	Content string
	Shown   bool
}

// CopiedTo returns where the file at image path p came from when a COPY or
// ADD before ins, in its stage or a stage it derives from, put it there
// (the last one that did), or a bind mount of ins (a RUN) covers it. p is
// absolute, or relative to the working directory of ins; when rel is set
// the working directory is not known (the RUN changed it), and p matches a
// file of that base name wherever it was copied. A file that a COPY
// --from=STAGE brings is followed into STAGE: it counts only when a COPY
// or ADD put it there too (not when a RUN of that stage made it). ok is
// false when no instruction of the file put p there.
func CopiedTo(doc *dockerfile.Document, ins *dockerfile.Instruction, p string, rel bool) (o Origin, ok bool) {
	return copiedTo(doc, ins, p, rel, false)
}

// PathDirs are the directories of the default PATH, where a bare command
// name is looked up.
var PathDirs = []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

// CopiedProgram returns where the program that a command names came from,
// as CopiedTo tells: a path (absolute, or relative to the working
// directory of ins), or a bare name looked up in PathDirs (a file copied as
// itself, see CopiedFile).
func CopiedProgram(doc *dockerfile.Document, ins *dockerfile.Instruction, name string) (Origin, bool) {
	if strings.Contains(name, "/") {
		return CopiedTo(doc, ins, name, false)
	}
	for _, dir := range PathDirs {
		if o, ok := CopiedFile(doc, ins, dir+"/"+name); ok {
			return o, true
		}
	}
	return Origin{}, false
}

// CopiedFile is CopiedTo for a file copied as itself (a source named like
// it, or a destination named so), not as part of a directory: where a bare
// command name may come from in a directory of PATH.
func CopiedFile(doc *dockerfile.Document, ins *dockerfile.Instruction, p string) (o Origin, ok bool) {
	return copiedTo(doc, ins, p, false, true)
}

func copiedTo(doc *dockerfile.Document, ins *dockerfile.Instruction, p string, rel, fileOnly bool) (Origin, bool) {
	if ins.Stage == nil || p == "" {
		return Origin{}, false
	}
	if !rel && !path.IsAbs(p) {
		wd, known := KnownWorkdir(ins)
		if !known {
			rel = true
		} else {
			p = path.Join(wd, p)
		}
	}
	if !rel {
		p = path.Clean(p)
		if o, ok := boundAt(ins, p); ok {
			return o, true
		}
	}
	return copiedIn(doc, ins.Stage, ins.Index, p, rel, fileOnly, 0)
}

// copiedIn looks for the COPY or ADD of stage st (or a stage it derives
// from) before the instruction of index before that put p there.
func copiedIn(doc *dockerfile.Document, st *dockerfile.Stage, before int, p string, rel, fileOnly bool, depth int) (Origin, bool) {
	for s := st; s != nil; s = s.Parent {
		copies := stageCopies(s)
		for i := len(copies) - 1; i >= 0; i-- {
			other := copies[i]
			if s == st && other.Index >= before {
				continue
			}
			if o, ok := copyProvides(doc, other, p, rel, fileOnly, depth); ok {
				return o, true
			}
		}
	}
	return Origin{}, false
}

// copySource is one source of a COPY or ADD, as copyProvides reads it.
type copySource struct {
	s       string
	remote  bool   // ADD of a URL or git repository
	archive bool   // ADD of a local archive, which it extracts
	heredoc string // the here-document's name (COPY <<NAME)
	base    string // the name the source has at a directory destination
	glob    bool
}

// copySummary is what copyProvides needs of a COPY or ADD, worked out once
// per instruction of a document.
type copySummary struct {
	from     string
	other    bool // --parents or --exclude
	srcs     []copySource
	asDir    bool
	destPath string // "" when not known
}

func summarizeCopy(ins *dockerfile.Instruction) *copySummary {
	return ins.Cached("stages.copy", func() any {
		c := &copySummary{}
		for _, f := range ins.Flags {
			name, val, _ := strings.Cut(f, "=")
			switch name {
			case "--from":
				c.from = val
			case "--parents", "--exclude":
				c.other = true
			}
		}
		srcs, dest := ins.Args[:len(ins.Args)-1], ins.Args[len(ins.Args)-1]
		c.asDir = strings.HasSuffix(dest, "/") || len(srcs) > 1 || dest == "." || dest == ".."
		if !strings.Contains(dest, "$") {
			c.destPath = JoinDir(WorkdirAt(ins), dest)
			if strings.HasPrefix(c.destPath, UnknownWorkdir) {
				c.destPath = ""
			}
		}
		for _, s := range srcs {
			src := copySource{s: s, glob: strings.ContainsAny(s, "*?[")}
			if src.glob {
				c.asDir = true
			}
			src.remote = ins.Cmd == "add" && dockerfile.IsRemoteSource(s)
			src.archive = ins.Cmd == "add" && !src.remote && isArchiveName(s)
			if name, ok := strings.CutPrefix(s, "<<"); ok {
				src.heredoc = strings.Trim(strings.TrimPrefix(name, "-"), `"'`)
			}
			src.base = path.Base(strings.TrimRight(s, "/"))
			if src.remote {
				src.base = path.Base(strings.SplitN(strings.SplitN(s, "?", 2)[0], "#", 2)[0])
			}
			if src.heredoc != "" {
				src.base = src.heredoc
			}
			c.srcs = append(c.srcs, src)
		}
		return c
	}).(*copySummary)
}

// stageCopies returns the COPY and ADD instructions of stage st, in order,
// found once per stage.
func stageCopies(st *dockerfile.Stage) []*dockerfile.Instruction {
	return stageMarks(st, "copy or add", func(other *dockerfile.Instruction) bool {
		return other.Cmd == "copy" || other.Cmd == "add"
	}).in
}

// copyProvides reports whether COPY or ADD ins puts a file at p (the base
// name p when rel is set).
func copyProvides(doc *dockerfile.Document, ins *dockerfile.Instruction, p string, rel, fileOnly bool, depth int) (Origin, bool) {
	if len(ins.Args) < 2 {
		return Origin{}, false
	}
	c := summarizeCopy(ins)
	destPath, asDir := c.destPath, c.asDir
	if !rel && (destPath == "" || p != destPath && !Under(p, destPath)) {
		return Origin{}, false // the cases below that take p need it there
	}
	o := Origin{Ins: ins}
	for _, src := range c.srcs {
		s, base := src.s, src.base
		// The candidates: p is the source itself (a file), or inside it
		// (a directory whose content the COPY puts at the destination).
		var cands []string
		switch {
		case rel:
			// Only the base name is known.
			if !asDir && destPath != "" && path.Base(destPath) == path.Base(p) || asDir && base == path.Base(p) {
				cands = append(cands, s)
			}
		case destPath == "":
		case !asDir && p == destPath:
			cands = append(cands, s)
		case Under(p, destPath) && p != destPath:
			r := strings.TrimPrefix(strings.TrimPrefix(p, destPath), "/")
			if asDir && !strings.Contains(r, "/") && (base == r || src.glob) {
				cands = append(cands, path.Join(path.Dir(s), r))
			}
			if src.heredoc == "" && !src.remote && !fileOnly && !fileName(s) {
				cands = append(cands, path.Join(s, r)) // s is a directory
			}
		}
		if len(cands) == 0 {
			continue
		}
		switch {
		case src.heredoc != "":
			for _, h := range ins.Heredocs() {
				if h.Name == src.heredoc {
					o.Content, o.Shown = h.Content, true
				}
			}
		case c.from != "":
			from := fromStage(doc, ins, c.from)
			if from == nil {
				return o, true // an image: not known
			}
			if depth > 8 || rel {
				return o, true
			}
			for _, cand := range cands {
				if strings.ContainsAny(cand, "*?[$") {
					continue
				}
				if so, ok := copiedIn(doc, from, 1<<30, path.Join("/", cand), false, fileOnly, depth+1); ok {
					return so, true
				}
			}
			continue // made by a RUN of that stage
		case !c.other && !src.remote && !src.archive && !strings.Contains(s, "$"):
			for _, cand := range cands {
				if !strings.ContainsAny(cand, "*?[") {
					o.Context = append(o.Context, cand)
				}
			}
		}
		return o, true
	}
	return Origin{}, false
}

// fromStage returns the stage of the file that --from=name names (by name
// or index, before ins), or nil for an image.
func fromStage(doc *dockerfile.Document, ins *dockerfile.Instruction, name string) *dockerfile.Stage {
	if doc == nil {
		return nil
	}
	name = strings.ToLower(name)
	for _, st := range doc.Stages {
		if st.Index >= ins.Stage.Index {
			break
		}
		if st.Name != "" && st.Name == name || strconv.Itoa(st.Index) == name {
			return st
		}
	}
	return nil
}

// boundAt reports whether a --mount=type=bind of RUN ins covers p.
func boundAt(ins *dockerfile.Instruction, p string) (Origin, bool) {
	if ins.Cmd != "run" {
		return Origin{}, false
	}
	for _, f := range ins.Flags {
		v, ok := strings.CutPrefix(f, "--mount=")
		if !ok {
			continue
		}
		opts := map[string]string{}
		for _, kv := range strings.Split(v, ",") {
			k, val, _ := strings.Cut(kv, "=")
			opts[strings.ToLower(k)] = val
		}
		if t, typed := opts["type"]; typed && t != "bind" {
			continue
		}
		target := opts["target"]
		for _, k := range []string{"dst", "destination"} {
			if opts[k] != "" {
				target = opts[k]
			}
		}
		if target == "" || strings.Contains(target, "$") {
			continue
		}
		target = JoinDir(WorkdirAt(ins), target)
		if target == "" || !Under(p, target) {
			continue
		}
		o := Origin{Ins: ins}
		if _, from := opts["from"]; !from {
			r := strings.TrimPrefix(strings.TrimPrefix(p, target), "/")
			o.Context = []string{path.Join(opts["source"], r)}
		}
		return o, true
	}
	return Origin{}, false
}

// fileName reports whether a source is named like a file, not a
// directory: a base name with an extension that files have
// (requirements.txt, package.json, setup.cfg).
func fileName(s string) bool {
	ext := path.Ext(strings.TrimRight(s, "/"))
	switch strings.ToLower(strings.TrimPrefix(ext, ".")) {
	case "txt", "json", "lock", "toml", "yaml", "yml", "cfg", "conf", "ini", "xml", "properties", "gradle", "mod", "sum",
		"md", "rst", "py", "rb", "js", "mjs", "cjs", "ts", "go", "php", "pl", "sh", "bash", "ps1", "key", "pem", "crt", "asc", "gpg",
		"c", "h", "cc", "cpp", "java", "jar", "war", "whl", "deb", "rpm", "apk", "zip", "env", "html", "css", "csv", "sql", "patch", "diff":
		return true
	}
	return false
}

// isArchiveName reports whether an ADD source looks like an archive that
// ADD extracts (by its name; BuildKit looks at the content).
func isArchiveName(s string) bool {
	l := strings.ToLower(s)
	for _, ext := range []string{".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".gz", ".bz2", ".xz"} {
		if strings.HasSuffix(l, ext) {
			return true
		}
	}
	return false
}

// MayHaveCopied returns the last COPY or ADD before ins, in its stage or a
// stage it derives from, that CopiedTo does not count because the file does
// not tell its destination — it holds a variable (COPY x /opt/$V/), or it
// is relative to a working directory that is not known — and that may have
// put a file at the image path p: p lies below the static part of the
// destination (see SourceDir; "/" when there is none). With byName, the
// COPY must also name a source of p's base name (or a pattern): for a bare
// command name looked up in PATH. nil when there is none. What such a COPY
// brought cannot be read: a caller that needs a file's content takes it as
// unknown.
func MayHaveCopied(doc *dockerfile.Document, ins *dockerfile.Instruction, p string, byName bool) *dockerfile.Instruction {
	if ins.Stage == nil || !path.IsAbs(p) {
		return nil
	}
	p = path.Clean(p)
	for s := ins.Stage; s != nil; s = s.Parent {
		copies := stageCopies(s)
		for i := len(copies) - 1; i >= 0; i-- {
			other := copies[i]
			if s == ins.Stage && other.Index >= ins.Index || len(other.Args) < 2 {
				continue
			}
			dest := other.Args[len(other.Args)-1]
			if path.IsAbs(dest) && !strings.ContainsAny(dest, pathDynamic) {
				continue // CopiedTo reads it
			}
			wd, wdKnown := KnownWorkdir(other)
			dynamic := strings.ContainsAny(dest, pathDynamic) ||
				!path.IsAbs(dest) && wdKnown && strings.ContainsAny(wd, pathDynamic)
			dir := "/"
			switch {
			case !dynamic && (path.IsAbs(dest) || wdKnown):
				continue // CopiedTo reads it
			case path.IsAbs(dest):
				dir = SourceDir(doc, other, dest)
			case wdKnown:
				dir = SourceDir(doc, other, path.Join(wd, dest))
			case !dynamic && path.Clean(dest) != "." && !strings.HasPrefix(path.Clean(dest), ".."):
				// Below a working directory that is not known: p holds
				// the destination's path as components (./root: /x/root/y).
				if rel := path.Clean(dest); !strings.Contains(p+"/", "/"+rel+"/") {
					continue
				}
			}
			if !Under(p, dir) {
				continue
			}
			if byName && !slices.ContainsFunc(other.Args[:len(other.Args)-1], func(src string) bool {
				return strings.ContainsAny(src, "*?[") || path.Base(strings.TrimRight(src, "/")) == path.Base(p)
			}) {
				continue
			}
			return other
		}
	}
	return nil
}

// MayHaveCopiedProgram is MayHaveCopied for the program a command names, as
// CopiedProgram reads the name: a path (absolute, or relative to the
// working directory of ins when it is known), or a bare name looked up in
// PathDirs, which the COPY must name as a source.
func MayHaveCopiedProgram(doc *dockerfile.Document, ins *dockerfile.Instruction, name string) *dockerfile.Instruction {
	if name == "" {
		return nil
	}
	if strings.Contains(name, "/") {
		if !path.IsAbs(name) {
			wd, ok := KnownWorkdir(ins)
			if !ok {
				return nil
			}
			name = path.Join(wd, name)
		}
		return MayHaveCopied(doc, ins, name, false)
	}
	for _, dir := range PathDirs {
		if c := MayHaveCopied(doc, ins, dir+"/"+name, true); c != nil {
			return c
		}
	}
	return nil
}
