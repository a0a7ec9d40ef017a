// Package addurl is the add-url pass of dfopt.
//
// # Pass add-url
//
// add-url: report ADD of URLs without --checksum and of git repositories not pinned to a commit
//
// ADD https://... downloads the file at build time and puts it in the image as
// the server sends it: a changed or compromised file goes in unnoticed, and
// the build is not reproducible. Give the expected digest with --checksum, and
// the builder fails when the download does not match:
//
// Before:
//
//	ADD https://example.com/tool-1.2.tar.gz /tmp/
//
// Instead:
//
//	ADD --checksum=sha256:<sha256 of the file> https://example.com/tool-1.2.tar.gz /tmp/
//
// or download, verify and unpack in one RUN, which also leaves the archive out
// of the image:
//
//	RUN curl -fsSLo /tmp/tool.tgz https://example.com/tool-1.2.tar.gz && \
//	    echo "<sha256>  /tmp/tool.tgz" | sha256sum -c - && \
//	    tar -xzf /tmp/tool.tgz -C /usr/local && rm /tmp/tool.tgz
//
// ADD of a git repository (git@host:org/repo.git, git://..., ssh://...,
// https://.../repo.git, or any URL with --keep-git-dir) checks out a branch or
// tag, and those move. Pin the commit instead:
//
// Before:
//
//	ADD https://github.com/org/repo.git#main /src
//
// Instead:
//
//	ADD https://github.com/org/repo.git#<full commit hash> /src
//
// Not reported: ADD with --checksum, git sources whose ref (#ref, ?ref= or
// ?commit=) is a full commit hash, and sources that are not URLs or come from
// a variable as a whole ($URL). ONBUILD ADD is checked too. Report only.
package addurl

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the add-url pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "add-url", Tier: analysis.Safe, Run: run})
