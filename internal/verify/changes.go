package verify

import (
	"fmt"
	"sort"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/internal/oci"
)

// Changes made on purpose.
//
// A rewrite may declare that it changes the image on purpose
// (analysis.Fix.Changes, or Options.Changes for a rewrite given with
// Options.Against): configuration fields, one key of one, the base image,
// or paths. Verification lists those differences as changed on purpose
// and fails on every other one. When the base changes, the files are no
// longer compared path by path: what went away and what is new is
// summarized by directory, and the program's own files must still be
// there (ProgramFiles); the configuration values that the original
// inherits from its base, and that its Dockerfile does not set itself
// (StageSets), may change with it.

// FieldAuthor is the image's author (set by MAINTAINER), compared
// besides ConfigFields.
const FieldAuthor = "Author"

// ByCaller names the declarer of Options.Changes in reports.
const ByCaller = "--changes"

// DeclaredChange is a change that the rewrite makes on purpose, and who
// declares it: a pass, or ByCaller.
type DeclaredChange struct {
	Change string `json:"change"`
	By     string `json:"by"`
}

func (d DeclaredChange) String() string { return d.Change + " (declared by " + d.By + ")" }

// CheckChanges checks declared changes (see analysis.CheckChange).
func CheckChanges(changes []string) error {
	for _, c := range changes {
		if err := analysis.CheckChange(c); err != nil {
			return err
		}
	}
	return nil
}

// declared sorts declared changes by kind.
type declared struct {
	base   string // who declares a new base ("" when nobody does)
	config []ConfigChange
	paths  []DeclaredChange
}

func sortDeclared(list []DeclaredChange) declared {
	var d declared
	for _, c := range list {
		switch {
		case c.Change == analysis.ChangeBase:
			if d.base == "" {
				d.base = c.By
			}
		case analysis.IsChangePath(c.Change):
			d.paths = append(d.paths, c)
		default:
			if field, key, ok := analysis.ChangeField(c.Change); ok {
				d.config = append(d.config, ConfigChange{Field: field, Key: key, Pass: c.By})
			}
		}
	}
	return d
}

// pathDeclarer returns who declares a path changed on purpose ("" when
// nobody does).
func (d declared) pathDeclarer() func(p string) string {
	type matcher struct {
		match func(string) bool
		by    string
	}
	var ms []matcher
	for _, c := range d.paths {
		ms = append(ms, matcher{oci.IgnorePaths(ExpandRemoves([]string{c.Change})...), c.By})
	}
	return func(p string) string {
		for _, m := range ms {
			if m.match(p) {
				return m.by
			}
		}
		return ""
	}
}

// CompareAuthor compares the images' author fields (MAINTAINER).
func CompareAuthor(before, after string, allowed []ConfigChange) []ConfigDifference {
	if before == after {
		return nil
	}
	d := ConfigDifference{Field: FieldAuthor, Before: jsonValue(before), After: jsonValue(after)}
	for _, a := range allowed {
		if a.Field == FieldAuthor {
			d.AllowedBy = a.Pass
			if d.AllowedBy == "" {
				d.AllowedBy = "(allowed)"
			}
			break
		}
	}
	return []ConfigDifference{d}
}

// applyDeclared moves what the declared changes cover out of the
// failures: differing paths that a declared path pattern matches go to
// ChangedPaths; with a new base, every differing path is left to the
// summaries (BaseChangedPaths counts them), and configuration values the
// original inherits from its base (sets says what its Dockerfile sets)
// are allowed.
func (d declared) apply(rep *Report, sets func(field, key string) bool) {
	by := d.pathDeclarer()
	var keep []Difference
	for _, diff := range rep.Differences {
		switch {
		case by(diff.Path) != "":
			rep.ChangedPaths = append(rep.ChangedPaths, diff)
		case d.base != "":
			rep.BaseChangedPaths++
		default:
			keep = append(keep, diff)
		}
	}
	rep.Differences = append([]Difference{}, keep...)
	if d.base == "" {
		return
	}
	for i, c := range rep.ConfigDifferences {
		if c.AllowedBy == "" && (sets == nil || !sets(c.Field, c.Key)) {
			rep.ConfigDifferences[i].AllowedBy = d.base
			rep.ConfigDifferences[i].Inherited = true
		}
	}
}

// declaredList lists the changes declared by the applied fixes (by pass)
// and by the caller, without duplicates, sorted by change.
func declaredList(byPass map[string][]string, caller []string) []DeclaredChange {
	seen := map[DeclaredChange]bool{}
	out := []DeclaredChange{}
	add := func(c, by string) {
		d := DeclaredChange{Change: c, By: by}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	passes := make([]string, 0, len(byPass))
	for p := range byPass {
		passes = append(passes, p)
	}
	sort.Strings(passes)
	for _, p := range passes {
		for _, c := range byPass[p] {
			add(c, p)
		}
	}
	for _, c := range caller {
		add(c, ByCaller)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Change < out[j].Change })
	return out
}

// describeBase says how the base changes, for the report.
func describeBase(before, after string) string {
	show := func(s string) string {
		if s == "" {
			return "(unknown)"
		}
		return s
	}
	return fmt.Sprintf("%s => %s", show(before), show(after))
}
