// Package maintainerlabel is the maintainer-label pass of dfopt.
//
// # Pass maintainer-label
//
// maintainer-label: replace deprecated MAINTAINER with an OCI authors LABEL
//
// MAINTAINER is deprecated; the OCI annotation org.opencontainers.image.authors
// says the same as a label.
//
// Before:
//
//	MAINTAINER Jane Doe <jane@example.com>
//
// After:
//
//	LABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"
//
// Tier: aggressive, because the image configuration changes: the Dockerfile
// no longer sets the image's Author field, which then keeps what the base
// image has (BuildKit starts from the base image's configuration, Author
// included; the official images have none), and the label is added, in
// place of an org.opencontainers.image.authors label the base image may
// set. The label's value is the MAINTAINER text, byte for byte.
package maintainerlabel

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the maintainer-label pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "maintainer-label", Tier: analysis.Aggressive, Run: run})
