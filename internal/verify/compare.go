package verify

import (
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/internal/oci"
)

// ExpandRemoves turns the path patterns of analysis.Fix.Removes into
// patterns for oci.IgnorePaths: "~/" stands for the home directory of any
// user, so "~/.cache/pip" becomes "/root/.cache/pip" and
// "/home/*/.cache/pip" (and "~" alone "/root" and "/home/*"). Duplicates
// are dropped; the order is kept.
func ExpandRemoves(removes []string) []string {
	var out []string
	add := func(p string) {
		if p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	for _, r := range removes {
		switch {
		case r == "~":
			add("/root")
			add("/home/*")
		case strings.HasPrefix(r, "~/"):
			rest := strings.TrimPrefix(r, "~/")
			add("/root/" + rest)
			add("/home/*/" + rest)
		default:
			add(r)
		}
	}
	return out
}

// Difference is a path whose entry differs between the images.
type Difference struct {
	Path string `json:"path"`
	// Kind is "added" (only in the rewrite's image), "removed" (only in
	// the original's) or "changed".
	Kind string `json:"kind"`
	// Fields says what changed: type, mode, owner, size, content, link,
	// device, xattrs.
	Fields []string `json:"fields,omitempty"`
	// Before and After describe the entries, like ls -l.
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
	// Note says why a path that a pattern of the fixes covers differs
	// anyway (see CreatedNote).
	Note string `json:"note,omitempty"`
}

// CreatedNote is the Note of a path that the rewrite's image has below a
// cache path (a pattern of the fixes' Removes) that the original's image
// does not have at all: the cleanup created it, for instance a log that
// the package manager writes when it is run to clean its cache, or a
// directory the RUN had deleted on purpose.
const CreatedNote = "created below a cache path the original does not have"

func (d Difference) String() string {
	switch d.Kind {
	case "added":
		if d.Note != "" {
			return "+ " + d.Path + "  " + d.After + "  (" + d.Note + ")"
		}
		return "+ " + d.Path + "  " + d.After
	case "removed":
		return "- " + d.Path + "  " + d.Before
	}
	return "~ " + d.Path + " [" + strings.Join(d.Fields, ",") + "]  " + d.Before + " => " + d.After
}

// TreeComparison is the outcome of CompareTrees.
type TreeComparison struct {
	// Differences are what fails verification, sorted by path.
	Differences []Difference
	// Unstable are the paths left out because they differ between two
	// builds of the original, or because they sit in a directory where
	// such builds create files of changing names; sorted.
	Unstable []string
	// Removed are the paths left out because the applied fixes declare
	// that they remove them (with the directories that held nothing but
	// such paths), from both images; sorted.
	Removed []string
	// RemovedBytes is the size of the regular files among Removed in the
	// original's image minus that in the rewrite's.
	RemovedBytes int64
}

// CompareTrees compares the final file tree of the original (before) with
// that of the rewrite (after). again is a second build of the original,
// with the cache off: what differs between before and again is not the
// rewrite's doing and is left out. removes are the patterns of the applied
// fixes (see ExpandRemoves; they are expanded here).
//
// The package indexes that a live mirror decides (see MirrorDecided) are
// left out where before and after differ, as unstable.
//
// The patterns do not excuse a path that only the rewrite has when the
// original has no entry at all where the pattern matched (the cache
// directory itself): a cleanup must not create what was not there. Such
// paths are differences, with CreatedNote.
//
// Besides the paths that differ between before and again, a path that
// exists in only one of before and after is left out when it lies below a
// directory in which the two builds of the original created entries of
// different names (a log file named after the time, a random temporary
// directory). A directory that exists in only one image is left out when
// everything below it is left out and something below it matches removes:
// it exists only because a removed path was created below it (/root/.cache
// when only pip used it).
func CompareTrees(before, again, after *oci.Tree, removes []string) *TreeComparison {
	res := &TreeComparison{}
	isRemoved := oci.IgnorePaths(ExpandRemoves(removes)...)

	noise := oci.Diff(before, again, oci.DiffOptions{})
	unstable := map[string]bool{}
	for _, p := range noise.Added {
		unstable[p] = true
	}
	for _, p := range noise.Removed {
		unstable[p] = true
	}
	for _, c := range noise.Changed {
		unstable[c.Path] = true
	}
	// Directories where the two builds created differently named entries:
	// the parent of the topmost path that is in one build only.
	onlyOne := map[string]bool{}
	for _, p := range append(slices.Clone(noise.Added), noise.Removed...) {
		onlyOne[p] = true
	}
	volatile := map[string]bool{}
	for p := range onlyOne {
		if parent := path.Dir(p); !onlyOne[parent] && parent != "/" {
			volatile[parent] = true
		}
	}
	underVolatile := func(p string) bool {
		for d := path.Dir(p); d != "/" && d != "."; d = path.Dir(d) {
			if volatile[d] {
				return true
			}
		}
		return false
	}

	// Files unstable by nature (UnstableByNature: package indexes a mirror
	// decides, V8's code caches) are unstable where the original and the
	// rewrite differ, even when the two builds of the original agree: the
	// mirror may have answered the rewrite's build from another state.
	mirror := oci.Diff(before, after, oci.DiffOptions{Ignore: func(p string) bool {
		return !UnstableByNature(p) || isRemoved(p)
	}})
	for _, p := range append(slices.Clone(mirror.Added), mirror.Removed...) {
		unstable[p] = true
	}
	for _, c := range mirror.Changed {
		unstable[c.Path] = true
	}
	// Paths the rewrite created below a cache path the original lacks.
	cacheRoot := cacheRoots(ExpandRemoves(removes))
	created := map[string]bool{}
	for _, p := range after.Paths() {
		if !isRemoved(p) || unstable[p] || underVolatile(p) {
			continue
		}
		if _, ok := before.Get(p); ok {
			continue
		}
		if root, ok := cacheRoot(p); ok {
			if _, had := before.Get(root); !had {
				created[p] = true
			}
		}
	}
	isRemovedOnly := func(p string) bool { return isRemoved(p) && !created[p] }

	d := oci.Diff(before, after, oci.DiffOptions{Ignore: func(p string) bool {
		return isRemovedOnly(p) || unstable[p]
	}})

	unstableOut := map[string]bool{}
	for p := range unstable {
		unstableOut[p] = true
	}
	// A path only in one image, below a volatile directory.
	var added, removed []string
	for _, p := range d.Added {
		if underVolatile(p) {
			unstableOut[p] = true
		} else {
			added = append(added, p)
		}
	}
	for _, p := range d.Removed {
		if underVolatile(p) {
			unstableOut[p] = true
		} else {
			removed = append(removed, p)
		}
	}

	removedOut := map[string]bool{}
	for _, t := range []*oci.Tree{before, after} {
		for _, p := range t.Paths() {
			if isRemovedOnly(p) {
				removedOut[p] = true
			}
		}
	}
	// Directories that only held removed (or unstable) paths, except one
	// that a pattern keeps ("/var/lib/apt/lists/" removes what is below
	// the directory, not the directory).
	kept := keptDirs(ExpandRemoves(removes))
	implied := func(t *oci.Tree, p string) bool {
		e, ok := t.Get(p)
		if !ok || e.Type != oci.Dir || kept(p) {
			return false
		}
		below := t.PathsUnder(p)
		some := false
		for _, q := range below {
			switch {
			case created[q]:
				return false
			case isRemoved(q):
				some = true
			case unstableOut[q] || unstable[q] || underVolatile(q):
			default:
				return false
			}
		}
		return some
	}
	keep := func(list []string, t *oci.Tree) []string {
		var out []string
		for _, p := range list {
			if implied(t, p) {
				removedOut[p] = true
				continue
			}
			out = append(out, p)
		}
		return out
	}
	added = keep(added, after)
	removed = keep(removed, before)

	for _, p := range added {
		e, _ := after.Get(p)
		diff := Difference{Path: p, Kind: "added", After: e.String()}
		if created[p] {
			diff.Note = CreatedNote
		}
		res.Differences = append(res.Differences, diff)
	}
	for _, p := range removed {
		e, _ := before.Get(p)
		res.Differences = append(res.Differences, Difference{Path: p, Kind: "removed", Before: e.String()})
	}
	for _, c := range d.Changed {
		res.Differences = append(res.Differences, Difference{Path: c.Path, Kind: "changed", Fields: c.Fields,
			Before: c.Old.String(), After: c.New.String()})
	}
	sort.Slice(res.Differences, func(i, j int) bool { return res.Differences[i].Path < res.Differences[j].Path })

	res.Unstable = sortedKeys(unstableOut)
	res.Removed = sortedKeys(removedOut)
	for _, p := range res.Removed {
		if e, ok := before.Get(p); ok && e.Type == oci.Regular {
			res.RemovedBytes += e.Size
		}
		if e, ok := after.Get(p); ok && e.Type == oci.Regular {
			res.RemovedBytes -= e.Size
		}
	}
	return res
}

// cacheRoots returns, for a path that one of patterns (as IgnorePaths
// reads them) covers, the path the pattern matched: the pattern itself
// for a plain one, or the topmost parent of the path (or the path) that a
// glob matches.
func cacheRoots(patterns []string) func(p string) (string, bool) {
	var pats []string
	for _, raw := range patterns {
		if raw != "" {
			pats = append(pats, oci.CleanPath(raw))
		}
	}
	return func(p string) (string, bool) {
		p = oci.CleanPath(p)
		// The path and its parents, topmost first.
		var chain []string
		for q := p; ; q = path.Dir(q) {
			chain = append([]string{q}, chain...)
			if q == "/" {
				break
			}
		}
		for _, pt := range pats {
			for _, q := range chain {
				if q == pt {
					return q, true
				}
				if strings.ContainsAny(pt, "*?[") {
					if ok, _ := path.Match(pt, q); ok {
						return q, true
					}
				}
			}
		}
		return "", false
	}
}

// keptDirs matches the directories that patterns with a trailing slash
// name: what is below them is removed, they are not.
func keptDirs(patterns []string) func(p string) bool {
	var dirs []string
	for _, p := range patterns {
		if strings.HasSuffix(p, "/") && p != "/" {
			dirs = append(dirs, oci.CleanPath(p))
		}
	}
	return func(p string) bool {
		for _, d := range dirs {
			if ok, _ := path.Match(d, p); ok || d == p {
				return true
			}
		}
		return false
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
