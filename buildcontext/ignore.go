package buildcontext

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"

	"github.com/dfopt/dfopt/analysis"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// Ignore is the ignore file in effect for a build, read as the builder
// reads it and compiled with BuildKit's patternmatcher.
type Ignore struct {
	// Name is the ignore file's path in the context: NAME.dockerignore next
	// to the Dockerfile NAME, else .dockerignore (also when it does not
	// exist yet). It is "" when Outside.
	Name string
	// Outside reports that the Dockerfile is outside the context and has
	// an ignore file of its own next to it, which the builder uses and
	// which is not a file of the context.
	Outside bool
	// Own reports that Name is the Dockerfile's own NAME.dockerignore, not
	// the .dockerignore that the context's other Dockerfiles share.
	Own bool
	// Exists reports whether the file exists, and Regular whether it is a
	// regular file (not a symbolic link, which the builder follows).
	Exists, Regular bool
	// Data is its content, and Patterns its lines as the builder reads them.
	Data     []byte
	Patterns []string
	// Err says why the file cannot be read or does not parse; the builder
	// would refuse it.
	Err error

	pm  *patternmatcher.PatternMatcher
	key string
}

// Key identifies the file and its content, for facts computed once per
// Optimize call that depend on what the ignore file excludes.
func (ig *Ignore) Key() string { return ig.key }

// ParseIgnore compiles the content of an ignore file. One that does not
// parse has Err set and excludes nothing.
func ParseIgnore(data []byte) *Ignore {
	ig := &Ignore{Data: data}
	ig.compile()
	return ig
}

func (ig *Ignore) compile() {
	patterns, err := ignorefile.ReadAll(bytes.NewReader(ig.Data))
	if err != nil {
		ig.Err = err
		return
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		ig.Err = err
		return
	}
	ig.Patterns, ig.pm = patterns, pm
}

// IgnoreOf returns the ignore file in effect for ctx's Dockerfile, or nil
// without a build context. It is read each time (a fix may rewrite it
// between rounds) and compiled once per Optimize call for each content it
// has, so that every pass matches with the same patterns.
func IgnoreOf(ctx *analysis.Context) *Ignore {
	if ctx.BuildContext == nil {
		return nil
	}
	ig := &Ignore{Name: ".dockerignore"}
	if SelfPath(ctx) == "" {
		own := ctx.Doc.Name + ".dockerignore"
		if _, err := os.Stat(own); err == nil {
			ig.Name, ig.Outside, ig.Own, ig.Exists, ig.Regular = "", true, true, true, true
			ig.Data, ig.Err = os.ReadFile(own)
			return compiled(ctx, ig, own)
		}
	}
	names := IgnoreFileNames(ctx)
	for i, n := range names {
		fi, err := fs.Lstat(ctx.BuildContext, n)
		if err != nil {
			continue
		}
		ig.Name, ig.Own, ig.Exists, ig.Regular = n, i == 0 && len(names) == 2, true, fi.Mode().IsRegular()
		ig.Data, ig.Err = fs.ReadFile(ctx.BuildContext, n)
		break
	}
	return compiled(ctx, ig, ig.Name)
}

// compiled returns ig compiled, the same value for the same file and
// content within one Optimize call.
func compiled(ctx *analysis.Context, ig *Ignore, name string) *Ignore {
	key := fmt.Sprintf("buildcontext.ignore:%s:%v:%v:%v:%x", name, ig.Outside, ig.Exists, ig.Regular, sha256.Sum256(ig.Data))
	if ig.Err != nil {
		key += ":" + ig.Err.Error()
	}
	ig.key = key
	return ctx.Memo(key, func() any {
		if ig.Err == nil {
			ig.compile()
		}
		return ig
	}).(*Ignore)
}

// Excluded reports whether the ignore file leaves out the context path p
// (slash-separated): it, or a directory above it, matches, and no later
// exception brings it back. A nil Ignore, or one that does not parse,
// excludes nothing.
func (ig *Ignore) Excluded(p string) bool {
	if ig == nil || ig.pm == nil || p == "" || p == "." {
		return false
	}
	ok, err := ig.pm.MatchesOrParentMatches(p)
	return err == nil && ok
}

// HasExceptions reports whether the ignore file has exceptions ("!"
// lines), which may bring back what is below an excluded directory.
func (ig *Ignore) HasExceptions() bool { return ig != nil && ig.pm != nil && ig.pm.Exclusions() }
