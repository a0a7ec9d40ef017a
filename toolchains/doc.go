// Package toolchains knows what language toolchains build and what the
// programs they build need at run time, one file per ecosystem: Go
// (golang.go), Java (java.go), Node.js (node.go) and Python (python.go).
// It answers the questions that a rewrite moving a build into a stage of
// its own asks: which file a build command makes, whether a Go build
// needs cgo, which runtime image goes with a build image, which
// environment variables only the toolchain reads, which files of a
// project are only build input.
//
// The shell-level facts every ecosystem needs are in shell.go (the
// commands of a RUN with the directory each runs in, the packages an
// install adds) and context.go (the files the COPYs of a stage bring from
// the build context).
//
// Like the other knowledge packages it never guesses: an answer that the
// file and its context do not give is reported as unknown, with the
// reason, and callers decline.
package toolchains
