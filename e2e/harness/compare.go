package harness

import (
	"context"
	"fmt"
	"sort"

	"github.com/dfopt/dfopt/internal/oci"
	"github.com/dfopt/dfopt/internal/verify"
)

// Trio is what a comparison of a Dockerfile with its rewrite builds, in
// this order: the original, the rewrite, the original again (as dfopt
// verify does). Whatever changes while the builds run — a package mirror
// that publishes, a log named after the time — then shows up as a
// difference between the two builds of the original, whichever build it
// happens before, and is never blamed on the rewrite.
type Trio struct {
	Before, After, Again *Result

	trees [3]*oci.Tree
}

// BuildTrio builds original, rewrite and original again, in that order.
// Each build fails the whole; what was built is cleaned up then.
func BuildTrio(ctx context.Context, original, rewrite BuildOptions) (*Trio, error) {
	tr := &Trio{}
	steps := []struct {
		what string
		opts BuildOptions
		dst  **Result
	}{
		{"the original", original, &tr.Before},
		{"the rewrite", rewrite, &tr.After},
		{"the original again", original, &tr.Again},
	}
	for _, s := range steps {
		res, err := Build(ctx, s.opts)
		if err != nil {
			tr.Cleanup()
			return nil, fmt.Errorf("building %s: %w", s.what, err)
		}
		*s.dst = res
	}
	return tr, nil
}

// Cleanup removes what the builds left on disk.
func (tr *Trio) Cleanup() {
	for _, r := range []*Result{tr.Before, tr.After, tr.Again} {
		if r != nil {
			r.Cleanup()
		}
	}
}

// Trees returns the final file trees of Before, After and Again, read once.
func (tr *Trio) Trees() (before, after, again *oci.Tree, err error) {
	for i, r := range []*Result{tr.Before, tr.After, tr.Again} {
		if tr.trees[i] != nil {
			continue
		}
		if tr.trees[i], err = r.Image.Tree(); err != nil {
			return nil, nil, nil, err
		}
	}
	return tr.trees[0], tr.trees[1], tr.trees[2], nil
}

// Unstable returns, sorted, the paths that a comparison of Before with
// After leaves out: those where the two builds of the original differ
// (added, removed or changed), and the package indexes that a live mirror
// decides (verify.MirrorDecided) where Before and After differ. Everything
// else is compared.
func (tr *Trio) Unstable() ([]string, error) {
	before, after, again, err := tr.Trees()
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	add := func(d *oci.TreeDiff) {
		for _, p := range d.Added {
			set[p] = true
		}
		for _, p := range d.Removed {
			set[p] = true
		}
		for _, c := range d.Changed {
			set[c.Path] = true
		}
	}
	add(oci.Diff(before, again, oci.DiffOptions{}))
	add(oci.Diff(before, after, oci.DiffOptions{Ignore: func(p string) bool { return !verify.UnstableByNature(p) }}))
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

// Diff compares the files of Before with those of After, leaving out the
// unstable paths (returned too) and those opts.Ignore matches.
func (tr *Trio) Diff(opts oci.DiffOptions) (d *oci.TreeDiff, unstable []string, err error) {
	before, after, _, err := tr.Trees()
	if err != nil {
		return nil, nil, err
	}
	if unstable, err = tr.Unstable(); err != nil {
		return nil, nil, err
	}
	set := make(map[string]bool, len(unstable))
	for _, p := range unstable {
		set[p] = true
	}
	ignore := opts.Ignore
	opts.Ignore = func(p string) bool { return set[p] || (ignore != nil && ignore(p)) }
	return oci.Diff(before, after, opts), unstable, nil
}
