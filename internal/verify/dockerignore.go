package verify

import (
	"bytes"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// dockerignore tells which context paths a build leaves out. It reads and
// matches .dockerignore files with github.com/moby/patternmatcher, the
// library BuildKit uses, so the answers are the builder's.
type dockerignore struct {
	pm *patternmatcher.PatternMatcher
}

// parseDockerignore reads an ignore file; one that does not parse leaves
// nothing out (the builder would refuse it, and the build says so).
func parseDockerignore(data []byte) *dockerignore {
	patterns, err := ignorefile.ReadAll(bytes.NewReader(data))
	if err != nil {
		return &dockerignore{}
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return &dockerignore{}
	}
	return &dockerignore{pm: pm}
}

// Excluded reports whether the slash-separated context path rel is left
// out of the build context: it, or a directory above it, matches, and no
// later exception brings it back.
func (di *dockerignore) Excluded(rel string) bool {
	if di == nil || di.pm == nil {
		return false
	}
	ok, err := di.pm.MatchesOrParentMatches(rel)
	return err == nil && ok
}

// HasExceptions reports whether some rule is an exception: then an
// excluded directory may still hold included paths.
func (di *dockerignore) HasExceptions() bool {
	return di != nil && di.pm != nil && di.pm.Exclusions()
}
