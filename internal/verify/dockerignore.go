package verify

import "github.com/dfopt/dfopt/buildcontext"

// dockerignore tells which context paths a build leaves out: the ignore
// file read and matched as the passes read it (buildcontext), with
// github.com/moby/patternmatcher, the library BuildKit uses, so the
// answers are the builder's.
type dockerignore = buildcontext.Ignore

// parseDockerignore reads an ignore file; one that does not parse leaves
// nothing out (the builder would refuse it, and the build says so).
func parseDockerignore(data []byte) *dockerignore { return buildcontext.ParseIgnore(data) }
