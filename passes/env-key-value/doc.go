// Package envkeyvalue is the env-key-value pass of dfopt.
//
// # Pass env-key-value
//
// env-key-value: rewrite legacy ENV key value as ENV key=value
//
// "ENV key value" is the legacy form: it sets one variable to the rest of the
// line and BuildKit warns about it. The key=value form says the same thing.
//
// Before:
//
//	ENV LANG C.UTF-8
//	ENV APP_HOME /srv/my app
//
// After:
//
//	ENV LANG=C.UTF-8
//	ENV APP_HOME="/srv/my app"
//
// Values with quotes or the escape character are left alone (their meaning
// would need re-quoting), as are values split over several lines.
package envkeyvalue

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the env-key-value pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "env-key-value", Tier: analysis.Format, Run: run})
