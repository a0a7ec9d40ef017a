package dockerignore

import (
	"path"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/buildcontext"
	"github.com/dfopt/dfopt/dockerfile"
	"github.com/dfopt/dfopt/manifests"
	"github.com/dfopt/dfopt/stages"
	"github.com/moby/patternmatcher"
)

// Candidate categories.
const (
	catJunk    = iota // caches and editor files: never needed unless named
	catGit            // .git
	catNode           // node_modules
	catVenv           // virtual environments
	catTests          // test directories
	catOutputs        // build outputs
)

// candidate is a candidate entry.
type candidate struct {
	entry  string
	cat    int
	tokens []string // words whose mention keeps it
	tops   []int    // matched entries with something newly excluded below
	hits   []int    // entries it newly excludes
}

// state is the pass's view of one run.
type state struct {
	r        *contextFiles
	tree     *contextTree
	included []bool
	excepts  []string // the "!" patterns of the ignore file
	docs     []*build // this Dockerfile first, then those sharing the ignore file
	removes  []string
	// changes are the image paths an accepted entry changes on purpose: a
	// node_modules that an install after the copy now builds afresh, as
	// fresh says ("npm install builds /app/node_modules afresh").
	changes []string
	fresh   []string
	// cacheChanges are the download caches of those installs, which a
	// fresh install fills (declared with changes).
	cacheChanges []string
	// tracked are the paths git tracks that would have been left out.
	tracked []string
	tops    []string // the paths the accepted entries match
	file    string   // the ignore file
	exists  bool     // whether it exists yet
}

// selectEntry finds what the pattern would newly exclude.
func (st *state) selectEntry(sp *candidate) bool {
	pm, err := patternmatcher.New([]string{sp.entry})
	if err != nil {
		return false
	}
	t := st.tree
	for i := 0; i < len(t.entries); {
		m, _ := pm.MatchesUsingParentResult(t.entries[i].path, false)
		if !m {
			i++
			continue
		}
		j := t.end(i)
		n := len(sp.hits)
		for k := i; k < j; k++ {
			if st.included[k] {
				sp.hits = append(sp.hits, k)
			}
		}
		if len(sp.hits) > n {
			sp.tops = append(sp.tops, i)
		}
		i = j
	}
	if len(sp.hits) == 0 {
		return false
	}
	// An entry appended last would override the file's exceptions.
	for _, ex := range st.excepts {
		pmx, err := patternmatcher.New([]string{ex})
		if err != nil {
			return false
		}
		for _, k := range sp.hits {
			if m, _ := pmx.MatchesOrParentMatches(t.entries[k].path); m {
				return false
			}
		}
		var lit []string
		for _, c := range strings.Split(ex, "/") {
			if strings.ContainsAny(c, "*?[\\") {
				break
			}
			lit = append(lit, c)
		}
		if len(lit) > 0 {
			if m, _ := pm.MatchesOrParentMatches(strings.Join(lit, "/")); m {
				return false
			}
		}
	}
	return true
}

// needed reports whether any Dockerfile needs a top of the candidate.
func (st *state) needed(sp *candidate) bool {
	for _, a := range st.docs {
		for _, tok := range sp.tokens {
			if mentions(a.text, tok) {
				return true
			}
		}
	}
	covered := false
	for _, ti := range sp.tops {
		p := st.tree.entries[ti].path
		pc := strings.Split(p, "/")
		for _, a := range st.docs {
			for _, s := range a.sends {
				switch s.relation(pc) {
				case sentByName:
					return true
				case notSent:
					continue
				}
				land := s.landing(pc)
				removed := land
				switch sp.cat {
				case catGit:
					if a.gitNeeded(st.r, s) {
						return true
					}
				case catNode:
					if s.bind || land == "" {
						return true
					}
					installs := a.installsAt(s.ins.Stage, path.Dir(land))
					if !slices.ContainsFunc(installs, func(o *dockerfile.Instruction) bool {
						return o.Stage == s.ins.Stage && o.Index > s.ins.Index
					}) {
						// Installed before the copy (or in the stage it is
						// built on) only: the copied node_modules lies over
						// the installed one, and what the context's adds
						// (a package patched or placed by hand) is the
						// image's.
						return true
					}
					covered = true
					var reconciled *manifests.Step
					for _, o := range installs {
						if o.Stage == s.ins.Stage && o.Index > s.ins.Index {
							removed = "" // installed again after the copy
							if r := a.reconciles(o); r != nil && reconciled == nil {
								reconciled = r
							}
						}
					}
					if reconciled != nil && a != st.docs[0] {
						return true // another Dockerfile's image would change, and it says nothing
					}
					if reconciled != nil {
						// It installs on top of what the copy brought:
						// left out, its node_modules is built afresh, and
						// what it downloads for that goes to its cache.
						if !strings.HasPrefix(land, "/") || strings.HasPrefix(land, stages.UnknownWorkdir) {
							return true // where it goes is not known: it cannot be declared
						}
						if change := land; !slices.Contains(st.changes, change) {
							st.changes = append(st.changes, change)
							st.fresh = append(st.fresh, reconciled.Command()+" builds the image's "+land+" afresh")
							for _, c := range reconciled.DownloadCaches() {
								if !slices.Contains(st.cacheChanges, c) {
									st.cacheChanges = append(st.cacheChanges, c)
								}
							}
						}
					}
				case catTests:
					if a.testsNeeded(s, sp.entry == "testdata" || sp.entry == "**/testdata") {
						return true
					}
				case catOutputs:
					if !a.rebuilt(st.r, s, pc) {
						return true
					}
					covered = true
					removed += "/"
				}
				if a == st.docs[0] && !s.bind && strings.HasPrefix(removed, "/") && !strings.HasPrefix(removed, stages.UnknownWorkdir) &&
					len(st.removes) < 100 && !slices.Contains(st.removes, removed) {
					st.removes = append(st.removes, removed)
				}
			}
		}
	}
	switch {
	case covered:
	case sp.cat == catNode:
		// Not copied: ignored when the image installs its own.
		for _, a := range st.docs {
			if a.installsAnywhere() {
				return false
			}
		}
		return true
	case sp.cat == catOutputs:
		name := sp.entry
		for _, a := range st.docs {
			if a.buildsAnywhere(st.r, name) {
				return false
			}
		}
		return true
	}
	return false
}

func (st *state) accept(sp *candidate) {
	for _, k := range sp.hits {
		st.included[k] = false
	}
}

// try evaluates a candidate and accepts it when nothing needs it and git
// does not track it.
func (st *state) try(sp *candidate) bool {
	saved, savedChanges, savedCaches := len(st.removes), len(st.changes), len(st.cacheChanges)
	if !st.selectEntry(sp) || st.needed(sp) || st.isTracked(sp) {
		st.removes = st.removes[:saved]
		st.changes, st.fresh = st.changes[:savedChanges], st.fresh[:savedChanges]
		st.cacheChanges = st.cacheChanges[:savedCaches]
		return false
	}
	st.accept(sp)
	for _, i := range sp.tops {
		st.tops = append(st.tops, st.tree.entries[i].path)
	}
	return true
}

// isTracked reports whether git tracks a node_modules, virtual
// environment or build output the candidate would leave out: the
// repository commits it, so it is in the context on purpose. Such paths
// are recorded for a finding of their own. Where git cannot tell, the
// candidate goes on as it would without git.
func (st *state) isTracked(sp *candidate) bool {
	switch sp.cat {
	case catNode, catVenv, catOutputs:
	default:
		return false
	}
	found := false
	for _, ti := range sp.tops {
		p := st.tree.entries[ti].path
		if tracked, known := buildcontext.Tracked(st.r.ctx, p); known && tracked {
			found = true
			if !slices.Contains(st.tracked, p) {
				st.tracked = append(st.tracked, p)
			}
		}
	}
	return found
}

func (st *state) rootDir(name string) bool {
	i, ok := st.tree.index[name]
	return ok && st.tree.entries[i].dir && st.included[i]
}

// gitignored reports whether the context's .gitignore lists a root
// directory.
func (st *state) gitignored(name string) bool {
	b := st.r.read(".gitignore")
	for _, line := range strings.Split(string(b), "\n") {
		l := strings.TrimSpace(line)
		if l == "" || l[0] == '#' || l[0] == '!' {
			continue
		}
		l = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(l, "**/"), "/"), "/")
		if l == name {
			return true
		}
	}
	return false
}

// candidates proposes the entries, in order.
func (st *state) candidates() []string {
	var out []string
	t := st.tree
	add := func(sp *candidate) {
		if st.try(sp) {
			out = append(out, sp.entry)
		}
	}
	if i, ok := t.index[".git"]; ok && st.included[i] && (t.entries[i].dir || t.entries[i].regular) {
		add(&candidate{entry: ".git", cat: catGit, tokens: []string{".git"}})
	}
	// node_modules directories, not those inside another one.
	for i := 0; i < len(t.entries); i++ {
		e := t.entries[i]
		if !e.dir || path.Base(e.path) != "node_modules" {
			continue
		}
		if st.included[i] && !strings.ContainsAny(e.path, "*?[]\\!# \t") {
			add(&candidate{entry: e.path, cat: catNode})
		}
		i = t.end(i) - 1
	}
	for _, v := range []string{".venv", "venv"} {
		if st.rootDir(v) && (t.has(v+"/pyvenv.cfg") || t.has(v+"/bin/activate")) {
			add(&candidate{entry: v, cat: catVenv, tokens: []string{v}})
		}
	}
	add(&candidate{entry: "**/__pycache__", cat: catJunk, tokens: []string{"__pycache__"}})
	pyc := &candidate{entry: "**/*.pyc", cat: catJunk, tokens: []string{"__pycache__", ".pyc"}}
	sourceless := false
	for i, e := range t.entries {
		if st.included[i] && strings.HasSuffix(e.path, ".pyc") {
			inCache := path.Base(path.Dir(e.path)) == "__pycache__"
			if !inCache && !t.has(strings.TrimSuffix(e.path, "c")) || !e.regular {
				sourceless = true
			}
		}
	}
	if !sourceless {
		add(pyc)
	}
	for _, v := range []string{".idea", ".vscode"} {
		if st.rootDir(v) {
			add(&candidate{entry: v, cat: catJunk, tokens: []string{v}})
		}
	}
	add(&candidate{entry: "**/.DS_Store", cat: catJunk, tokens: []string{".DS_Store"}})
	// Log files: at the root, or anywhere when the nested ones are in log
	// directories.
	var rootLogs, nestedLogs []string
	nestedOK := true
	for i, e := range t.entries {
		if !st.included[i] || !strings.HasSuffix(e.path, ".log") {
			continue
		}
		if !strings.Contains(e.path, "/") {
			rootLogs = append(rootLogs, e.path)
			continue
		}
		nestedLogs = append(nestedLogs, path.Base(e.path))
		inLogs := false
		for _, c := range strings.Split(path.Dir(e.path), "/") {
			switch c {
			case "log", "logs":
				inLogs = true
			case "test", "tests", "testdata", "__tests__", "spec", "fixtures", "__fixtures__":
				nestedOK = false
			}
		}
		nestedOK = nestedOK && inLogs
	}
	if len(nestedLogs) > 0 && nestedOK {
		add(&candidate{entry: "**/*.log", cat: catJunk, tokens: append(rootLogs, nestedLogs...)})
	} else if len(rootLogs) > 0 {
		add(&candidate{entry: "*.log", cat: catJunk, tokens: rootLogs})
	}
	for _, v := range []string{"test", "tests", "__tests__", "spec"} {
		if st.rootDir(v) {
			add(&candidate{entry: v, cat: catTests, tokens: []string{v}})
		}
	}
	nested := false
	for i, e := range t.entries {
		if e.dir && st.included[i] && strings.HasSuffix(e.path, "/testdata") {
			nested = true
		}
	}
	if nested {
		add(&candidate{entry: "**/testdata", cat: catTests, tokens: []string{"testdata"}})
	} else if st.rootDir("testdata") {
		add(&candidate{entry: "testdata", cat: catTests, tokens: []string{"testdata"}})
	}
	for _, v := range []string{"dist", "build", "target"} {
		if st.rootDir(v) && st.gitignored(v) {
			add(&candidate{entry: v, cat: catOutputs})
		}
	}
	// The ignore file itself, which COPY . . would otherwise put in the
	// image (a new one, or a changed one).
	if len(out) > 0 && !strings.ContainsAny(st.file, "*?[]\\!# \t") {
		self := &candidate{entry: st.file, cat: catJunk, tokens: []string{path.Base(st.file)}}
		if st.exists {
			if st.sent(st.file) {
				add(self)
			}
		} else if st.sent(st.file) && !st.named(st.file) && !st.needed(self) && !st.reincluded(st.file) {
			out = append(out, st.file)
		}
	}
	return out
}

// sent reports whether a send of this Dockerfile takes the path as part of
// a directory.
func (st *state) sent(p string) bool {
	pc := strings.Split(p, "/")
	for _, s := range st.docs[0].sends {
		if s.relation(pc) == sentIncidentally {
			return true
		}
	}
	return false
}

// named reports whether a send of any Dockerfile names the path.
func (st *state) named(p string) bool {
	pc := strings.Split(p, "/")
	for _, a := range st.docs {
		for _, s := range a.sends {
			if s.relation(pc) == sentByName {
				return true
			}
		}
	}
	return false
}

// reincluded reports whether an exception of the ignore file matches p.
func (st *state) reincluded(p string) bool {
	for _, ex := range st.excepts {
		pmx, err := patternmatcher.New([]string{ex})
		if err != nil {
			return true
		}
		if m, _ := pmx.MatchesOrParentMatches(p); m {
			return true
		}
	}
	return false
}

// size sums the regular files that are included, apart from the ignore
// file, which the builder reads in any case.
func (st *state) size() int64 {
	var n int64
	for i, e := range st.tree.entries {
		if st.included[i] && e.regular && e.path != st.file {
			n += e.size
		}
	}
	return n
}
