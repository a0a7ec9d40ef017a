package verify

import (
	"path"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/internal/oci"
)

// SummaryDepth is how many directory levels FileSummary groups by:
// /usr/lib/go-1.19/src/net/http/server.go counts for /usr/lib/go-1.19.
const SummaryDepth = 3

// SummaryDirs is how many directories a FileSummary lists.
const SummaryDirs = 8

// FileSummary sums up a set of files by directory: how many and how many
// bytes in all, and the directories that hold the most bytes.
type FileSummary struct {
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
	// Dirs are the directories (at most SummaryDepth levels deep) that
	// hold the most bytes, largest first, at most SummaryDirs of them.
	Dirs []DirSize `json:"dirs"`
	// OtherDirs and OtherBytes are what the list leaves out.
	OtherDirs  int   `json:"otherDirs,omitempty"`
	OtherBytes int64 `json:"otherBytes,omitempty"`
}

// DirSize is one directory of a FileSummary.
type DirSize struct {
	Dir   string `json:"dir"`
	Files int    `json:"files"`
	Bytes int64  `json:"bytes"`
}

// summaryDir is the directory a file counts for.
func summaryDir(p string) string {
	parts := splitPath(path.Dir(p))
	if len(parts) > SummaryDepth {
		parts = parts[:SummaryDepth]
	}
	return "/" + strings.Join(parts, "/")
}

// Summarize sums up the regular files of t at the given paths (other
// paths are left out). It returns nil when there are none.
func Summarize(t *oci.Tree, paths []string) *FileSummary {
	by := map[string]*DirSize{}
	s := &FileSummary{}
	for _, p := range paths {
		e, ok := t.Get(p)
		if !ok || e.Type != oci.Regular {
			continue
		}
		s.Files++
		s.Bytes += e.Size
		d := summaryDir(e.Path)
		ds := by[d]
		if ds == nil {
			ds = &DirSize{Dir: d}
			by[d] = ds
		}
		ds.Files++
		ds.Bytes += e.Size
	}
	if s.Files == 0 {
		return nil
	}
	all := make([]DirSize, 0, len(by))
	for _, ds := range by {
		all = append(all, *ds)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Bytes != all[j].Bytes {
			return all[i].Bytes > all[j].Bytes
		}
		return all[i].Dir < all[j].Dir
	})
	s.Dirs = all
	if len(all) > SummaryDirs {
		s.Dirs = all[:SummaryDirs]
		for _, ds := range all[SummaryDirs:] {
			s.OtherDirs++
			s.OtherBytes += ds.Bytes
		}
	}
	return s
}

// GoneAndNew lists the regular files that are in only one of the two
// trees (a path that is a regular file in one and something else in the
// other counts as gone from the first and new in the second), leaving out
// the paths skip reports.
func GoneAndNew(before, after *oci.Tree, skip func(string) bool) (gone, added []string) {
	regular := func(t *oci.Tree, p string) bool {
		e, ok := t.Get(p)
		return ok && e.Type == oci.Regular
	}
	for _, p := range before.Paths() {
		if regular(before, p) && !regular(after, p) && (skip == nil || !skip(p)) {
			gone = append(gone, p)
		}
	}
	for _, p := range after.Paths() {
		if regular(after, p) && !regular(before, p) && (skip == nil || !skip(p)) {
			added = append(added, p)
		}
	}
	return gone, added
}
