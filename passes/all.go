// Package passes is the ordered registry of dfopt's passes: All and
// Lookup. Each pass is a package of its own, passes/NAME (package NAME
// without dashes): doc.go documents and declares it, the other files hold
// its code and unit tests, and its golden cases are in golden/NAME. A pass
// imports the knowledge packages (stages, pkgmgr, baseimage, manifests,
// buildcontext, runs), analysis, dockerfile and shellparse, never another
// pass (layout_test.go checks it).
package passes

import (
	"github.com/dfopt/dfopt/analysis"
	addtocopy "github.com/dfopt/dfopt/passes/add-to-copy"
	addurl "github.com/dfopt/dfopt/passes/add-url"
	baseimagetag "github.com/dfopt/dfopt/passes/base-image-tag"
	cachecleanup "github.com/dfopt/dfopt/passes/cache-cleanup"
	cachemounts "github.com/dfopt/dfopt/passes/cache-mounts"
	coalesceruns "github.com/dfopt/dfopt/passes/coalesce-runs"
	continuationindent "github.com/dfopt/dfopt/passes/continuation-indent"
	copychown "github.com/dfopt/dfopt/passes/copy-chown"
	curlpipeshell "github.com/dfopt/dfopt/passes/curl-pipe-shell"
	"github.com/dfopt/dfopt/passes/dockerignore"
	envkeyvalue "github.com/dfopt/dfopt/passes/env-key-value"
	execform "github.com/dfopt/dfopt/passes/exec-form"
	finalnewline "github.com/dfopt/dfopt/passes/final-newline"
	fromascasing "github.com/dfopt/dfopt/passes/from-as-casing"
	jsonspacing "github.com/dfopt/dfopt/passes/json-spacing"
	keywordcase "github.com/dfopt/dfopt/passes/keyword-case"
	maintainerlabel "github.com/dfopt/dfopt/passes/maintainer-label"
	manifestfirst "github.com/dfopt/dfopt/passes/manifest-first"
	multistage "github.com/dfopt/dfopt/passes/multi-stage"
	noinstallrecommends "github.com/dfopt/dfopt/passes/no-install-recommends"
	nonroot "github.com/dfopt/dfopt/passes/non-root"
	rootuser "github.com/dfopt/dfopt/passes/root-user"
	secretinenv "github.com/dfopt/dfopt/passes/secret-in-env"
	slimbase "github.com/dfopt/dfopt/passes/slim-base"
	splitcopy "github.com/dfopt/dfopt/passes/split-copy"
	"github.com/dfopt/dfopt/passes/sudo"
	"github.com/dfopt/dfopt/passes/tini"
	trailingwhitespace "github.com/dfopt/dfopt/passes/trailing-whitespace"
	workdirmkdir "github.com/dfopt/dfopt/passes/workdir-mkdir"
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
		fromascasing.Pass,
		envkeyvalue.Pass,
		jsonspacing.Pass,
		continuationindent.Pass,
		// safe; workdir-mkdir before coalesce-runs so that a redundant
		// mkdir is dropped rather than merged into its neighbour
		workdirmkdir.Pass,
		manifestfirst.Pass,
		splitcopy.Pass,
		// copy-chown before coalesce-runs, which would merge the chown
		// with its neighbours
		copychown.Pass,
		coalesceruns.Pass,
		// cache-mounts (aggressive) before cache-cleanup: where it mounts a
		// RUN's caches, its fix (one edit over the whole RUN) goes first,
		// cache-cleanup's edits to that RUN are dropped for the round, and
		// in the next round cache-cleanup leaves the mounted caches alone
		cachemounts.Pass,
		cachecleanup.Pass,
		dockerignore.Pass,
		addtocopy.Pass,
		// safe, report only
		baseimagetag.Pass,
		rootuser.Pass,
		sudo.Pass,
		secretinenv.Pass,
		curlpipeshell.Pass,
		addurl.Pass,
		// aggressive; multi-stage first, so that its fix wins over the
		// others' edits to the instructions it moves into the final stage
		multistage.Pass,
		execform.Pass,
		tini.Pass,
		maintainerlabel.Pass,
		slimbase.Pass,
		noinstallrecommends.Pass,
		nonroot.Pass,
	}
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
