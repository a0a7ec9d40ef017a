package oci

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

// DiffOptions configures Diff.
type DiffOptions struct {
	// Ignore, when set, leaves out every path for which it returns true
	// (see IgnorePaths).
	Ignore func(p string) bool
	// IgnoreOwnership skips comparing uid and gid.
	IgnoreOwnership bool
	// IgnoreMode skips comparing permission bits.
	IgnoreMode bool
	// CompareHardlinks also reports files that are hard links in one tree
	// and independent copies (or links to another path) in the other.
	CompareHardlinks bool
}

// Change is a path present in both trees with different attributes.
type Change struct {
	Path string
	// Fields lists what differs: "type", "mode", "owner", "size",
	// "content", "link", "hardlink", "device", "xattrs".
	Fields []string
	Old    *Entry
	New    *Entry
}

func (c Change) String() string {
	return fmt.Sprintf("%s [%s]: %s => %s", c.Path, strings.Join(c.Fields, ","), c.Old, c.New)
}

// TreeDiff is the difference between two trees. Modification times are
// never compared: they change with every build.
type TreeDiff struct {
	// Added are paths only in the second tree, Removed paths only in the
	// first; both sorted.
	Added   []string
	Removed []string
	// Changed are paths in both trees that differ, sorted by path.
	Changed []Change
}

// Empty reports whether the trees were equal.
func (d *TreeDiff) Empty() bool {
	return len(d.Added) == 0 && len(d.Removed) == 0 && len(d.Changed) == 0
}

// String summarizes the diff, listing at most 20 paths of each kind.
func (d *TreeDiff) String() string { return d.Format(20) }

// Format summarizes the diff, listing at most max paths of each kind (all
// when max <= 0).
func (d *TreeDiff) Format(max int) string {
	if d.Empty() {
		return "no differences"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d added, %d removed, %d changed", len(d.Added), len(d.Removed), len(d.Changed))
	list := func(prefix string, items []string) {
		for i, s := range items {
			if max > 0 && i == max {
				fmt.Fprintf(&b, "\n  ... %d more", len(items)-max)
				break
			}
			fmt.Fprintf(&b, "\n%s %s", prefix, s)
		}
	}
	list("+", d.Added)
	list("-", d.Removed)
	changed := make([]string, len(d.Changed))
	for i, c := range d.Changed {
		changed[i] = c.String()
	}
	list("~", changed)
	return b.String()
}

// Diff compares tree a (before) with tree b (after).
func Diff(a, b *Tree, opts DiffOptions) *TreeDiff {
	d := &TreeDiff{}
	skip := func(p string) bool { return opts.Ignore != nil && opts.Ignore(p) }
	for p, ea := range a.nodes {
		if skip(p) {
			continue
		}
		eb, ok := b.nodes[p]
		if !ok {
			d.Removed = append(d.Removed, p)
			continue
		}
		if fields := compareEntries(ea, eb, opts); len(fields) > 0 {
			d.Changed = append(d.Changed, Change{Path: p, Fields: fields, Old: ea, New: eb})
		}
	}
	for p := range b.nodes {
		if skip(p) {
			continue
		}
		if _, ok := a.nodes[p]; !ok {
			d.Added = append(d.Added, p)
		}
	}
	sort.Strings(d.Added)
	sort.Strings(d.Removed)
	sort.Slice(d.Changed, func(i, j int) bool { return d.Changed[i].Path < d.Changed[j].Path })
	return d
}

func compareEntries(a, b *Entry, opts DiffOptions) []string {
	var f []string
	if a.Type != b.Type {
		return []string{"type"}
	}
	if !opts.IgnoreMode && a.Mode != b.Mode {
		f = append(f, "mode")
	}
	if !opts.IgnoreOwnership && (a.UID != b.UID || a.GID != b.GID) {
		f = append(f, "owner")
	}
	switch a.Type {
	case Regular:
		if a.Size != b.Size {
			f = append(f, "size")
		}
		if a.Digest != b.Digest {
			f = append(f, "content")
		}
		if opts.CompareHardlinks && a.HardlinkTo != b.HardlinkTo {
			f = append(f, "hardlink")
		}
	case Symlink:
		if a.Linkname != b.Linkname {
			f = append(f, "link")
		}
	case CharDevice, BlockDevice:
		if a.DevMajor != b.DevMajor || a.DevMinor != b.DevMinor {
			f = append(f, "device")
		}
	}
	if !equalXattrs(a.Xattrs, b.Xattrs) {
		f = append(f, "xattrs")
	}
	return f
}

func equalXattrs(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// IgnorePaths builds an ignore predicate for DiffOptions.Ignore from
// patterns:
//
//   - "/var/lib/apt/lists/" (trailing slash) ignores everything below the
//     directory but not the directory itself;
//   - "/var/cache/apt" (no trailing slash) ignores the path and everything
//     below it;
//   - a pattern with glob characters (* ? [) is matched with path.Match
//     against the path and each of its parent directories, so
//     "/root/.cache/*" or "/tmp/*.log" also cover what lies below a match;
//     with a trailing slash only what lies strictly below a match is
//     ignored.
//
// Patterns are made absolute (a missing leading slash is added).
func IgnorePaths(patterns ...string) func(p string) bool {
	type pat struct {
		pattern   string
		glob      bool
		belowOnly bool
	}
	var pats []pat
	for _, raw := range patterns {
		if raw == "" {
			continue
		}
		below := strings.HasSuffix(raw, "/") && raw != "/"
		c := CleanPath(raw)
		pats = append(pats, pat{pattern: c, glob: strings.ContainsAny(c, "*?["), belowOnly: below || c == "/"})
	}
	return func(p string) bool {
		p = CleanPath(p)
		for _, pt := range pats {
			if !pt.glob {
				if p == pt.pattern && !pt.belowOnly {
					return true
				}
				if under(p, pt.pattern) && p != pt.pattern {
					return true
				}
				continue
			}
			// Try p itself, then each parent directory.
			for q, self := p, true; ; q, self = path.Dir(q), false {
				if ok, _ := path.Match(pt.pattern, q); ok && (!self || !pt.belowOnly) {
					return true
				}
				if q == "/" {
					break
				}
			}
		}
		return false
	}
}
