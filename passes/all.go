// Package passes holds dfopt's rewrite passes and their ordered registry.
package passes

import (
	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/passes/continuationindent"
	"github.com/dfopt/dfopt/passes/finalnewline"
	"github.com/dfopt/dfopt/passes/jsonspacing"
	"github.com/dfopt/dfopt/passes/keywordcase"
	"github.com/dfopt/dfopt/passes/trailingwhitespace"
)

// All returns every implemented pass, in the order they run. Each call returns
// the same pass values; callers must not modify them.
func All() []*analysis.Pass {
	return []*analysis.Pass{
		// format; final-newline before trailing-whitespace, so that blank
		// lines at the end are removed rather than emptied first
		finalnewline.Pass,
		trailingwhitespace.Pass,
		keywordcase.Pass,
		FromAsCasing,
		EnvKeyValue,
		jsonspacing.Pass,
		continuationindent.Pass,
		// safe; workdir-mkdir before coalesce-runs so that a redundant
		// mkdir is dropped rather than merged into its neighbour
		WorkdirMkdir,
		ManifestFirst,
		SplitCopy,
		// copy-chown before coalesce-runs, which would merge the chown
		// with its neighbours
		CopyChown,
		CoalesceRuns,
		CacheCleanup,
		Dockerignore,
		AddToCopy,
		// safe, report only
		BaseImageTag,
		RootUser,
		Sudo,
		SecretInEnv,
		CurlPipeShell,
		AddURL,
		// aggressive
		ExecForm,
		Tini,
		MaintainerLabel,
	}
}

// Planned lists passes that are designed but not implemented yet. They are
// shown by `dfopt --list-passes` as planned and cannot be enabled.
var Planned = []struct{ Name, Summary string }{
	{"cache-mounts", "keep package-manager caches in RUN --mount=type=cache instead of deleting them (aggressive)"},
	{"multi-stage", "build in one stage and copy only the results into a slim runtime stage (aggressive)"},
	{"non-root", "create a user and run the final stage as it (aggressive)"},
}

// Lookup returns the implemented pass with the given name.
func Lookup(name string) *analysis.Pass {
	for _, p := range All() {
		if p.Name == name {
			return p
		}
	}
	return nil
}
