package buildcontext

import (
	"io/fs"
	"path"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/internal/lazyre"
)

// MaxEntries bounds a walk of the context: a Tree holds at most this many
// entries.
const MaxEntries = 100000

// Entry is a file or directory of the context.
type Entry struct {
	Path    string // slash-separated, relative to the context root
	Dir     bool
	Regular bool
	Size    int64 // a regular file's size
	// Sent reports that the ignore file does not exclude the entry.
	Sent bool
	// Pruned marks a directory that the ignore file excludes with
	// everything below it (it has no exception that could bring something
	// back): the walk did not enter it.
	Pruned bool
}

// Tree is the context as one walk finds it, in lexical order, less what
// is below the directories its ignore file excludes: those are listed,
// not entered. A Tree is computed once per ignore file for every
// Dockerfile that reads the same context (see TreeOf) and must not be
// modified.
type Tree struct {
	Entries []Entry
	// Truncated reports that the walk stopped at MaxEntries entries.
	Truncated bool
	// Dockerfiles are the files of the context named like Dockerfiles,
	// pruned directories included (a Dockerfile there still builds with
	// this context), in walk order. See IsDockerfileName.
	Dockerfiles []Dockerfile

	fsys  fs.FS
	index map[string]int
}

// Dockerfile is a regular file of the context named like a Dockerfile.
type Dockerfile struct {
	Path string
	Size int64
	// OwnIgnore reports that PATH.dockerignore exists: the builder uses it
	// rather than the context's .dockerignore for this Dockerfile.
	OwnIgnore bool
}

var dockerfileNameRE = lazyre.New(`^(Dockerfile|Containerfile)(\..+)?$|^.+\.(Dockerfile|dockerfile)$`)

// IsDockerfileName reports whether a file name is a Dockerfile's:
// Dockerfile, Containerfile, either with a suffix (Dockerfile.dev), or
// NAME.Dockerfile; not an ignore file (Dockerfile.dockerignore).
func IsDockerfileName(name string) bool {
	return dockerfileNameRE.MatchString(name) && !strings.HasSuffix(name, ".dockerignore")
}

// foreignDir reports a directory whose files belong to other projects
// (dependencies, git's own data): Dockerfiles below it are not the
// context's.
func foreignDir(name string) bool {
	return name == ".git" || name == "node_modules" || name == "vendor"
}

// Index returns the entry index of each path of the tree. The map must not
// be modified.
func (t *Tree) Index() map[string]int { return t.index }

// Has reports whether the path exists in the context as a walk that
// entered every directory would find it: an entry of the tree, or a path
// below a pruned directory, looked up directory by directory (not
// following symbolic links).
func (t *Tree) Has(p string) bool {
	if _, ok := t.index[p]; ok {
		return true
	}
	for i := 0; i < len(p); i++ {
		if p[i] != '/' {
			continue
		}
		if j, ok := t.index[p[:i]]; ok {
			if t.Entries[j].Pruned {
				return t.lookup(p[:i], p[i+1:])
			}
		} else {
			return false
		}
	}
	return false
}

// lookup finds rest below the directory dir by reading directories.
func (t *Tree) lookup(dir, rest string) bool {
	for {
		name, more, deeper := strings.Cut(rest, "/")
		entries, err := fs.ReadDir(t.fsys, dir)
		if err != nil {
			return false
		}
		var found fs.DirEntry
		for _, e := range entries {
			if e.Name() == name {
				found = e
				break
			}
		}
		if found == nil {
			return false
		}
		if !deeper {
			return true
		}
		if !found.IsDir() {
			return false
		}
		dir, rest = path.Join(dir, name), more
	}
}

// TreeOf returns the tree of ctx's build context for the ignore file ig
// (which must have parsed): computed once per Optimize call, or once for
// every Dockerfile that reads the same shared context (analysis.SharedFS).
func TreeOf(ctx *analysis.Context, ig *Ignore) *Tree {
	return ctx.ContextFact("buildcontext.tree:"+ig.Key(), func(fsys fs.FS) any { return Walk(fsys, ig) }).(*Tree)
}

// Walk walks the context fsys in lexical order, up to MaxEntries entries.
// A directory that ig excludes, when ig has no exception, is listed and
// not entered, except to find the Dockerfiles below it (not below .git,
// node_modules and vendor directories).
func Walk(fsys fs.FS, ig *Ignore) *Tree {
	t := &Tree{fsys: fsys, index: map[string]int{}}
	prune := !ig.HasExceptions()
	scanned := 0
	var walked []int // the Dockerfiles found by the walk itself
	fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if d != nil && d.IsDir() && p != "." {
				return fs.SkipDir
			}
			return nil
		}
		if p == "." {
			return nil
		}
		if len(t.Entries) >= MaxEntries {
			t.Truncated = true
			return fs.SkipAll
		}
		e := Entry{Path: p, Dir: d.IsDir(), Regular: d.Type().IsRegular(), Sent: !ig.Excluded(p)}
		if e.Regular {
			if info, err := d.Info(); err == nil {
				e.Size = info.Size()
			}
		}
		e.Pruned = e.Dir && !e.Sent && prune
		t.index[p] = len(t.Entries)
		t.Entries = append(t.Entries, e)
		if e.Regular && IsDockerfileName(d.Name()) && !inForeign(path.Dir(p)) {
			walked = append(walked, len(t.Dockerfiles))
			t.Dockerfiles = append(t.Dockerfiles, Dockerfile{Path: p, Size: e.Size})
		}
		if e.Pruned {
			if !inForeign(p) {
				t.scanDockerfiles(p, &scanned)
			}
			return fs.SkipDir
		}
		return nil
	})
	for _, i := range walked {
		// Its directory was walked: a PATH.dockerignore there is an entry.
		_, t.Dockerfiles[i].OwnIgnore = t.index[t.Dockerfiles[i].Path+".dockerignore"]
	}
	return t
}

// inForeign reports whether the directory dir is, or is below, a .git,
// node_modules or vendor directory.
func inForeign(dir string) bool {
	for _, c := range strings.Split(dir, "/") {
		if foreignDir(c) {
			return true
		}
	}
	return false
}

// scanDockerfiles finds the Dockerfiles below the pruned directory dir by
// reading directory listings only, skipping .git, node_modules and vendor
// directories; it reads at most MaxEntries entries in all (*n counts them).
func (t *Tree) scanDockerfiles(dir string, n *int) {
	entries, err := fs.ReadDir(t.fsys, dir)
	if err != nil {
		return
	}
	var names map[string]bool
	for _, e := range entries {
		if *n >= MaxEntries {
			return
		}
		*n++
		p := path.Join(dir, e.Name())
		switch {
		case e.IsDir():
			if !foreignDir(e.Name()) {
				t.scanDockerfiles(p, n)
			}
		case e.Type().IsRegular() && IsDockerfileName(e.Name()):
			if names == nil {
				names = map[string]bool{}
				for _, e := range entries {
					names[e.Name()] = true
				}
			}
			df := Dockerfile{Path: p, OwnIgnore: names[e.Name()+".dockerignore"]}
			if info, err := e.Info(); err == nil {
				df.Size = info.Size()
			}
			t.Dockerfiles = append(t.Dockerfiles, df)
		}
	}
}
