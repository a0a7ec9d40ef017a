// Package baseimagetag is the base-image-tag pass of dfopt.
//
// # Pass base-image-tag
//
// base-image-tag: report base images without a tag or with :latest
//
// A base image named without a tag means :latest, and :latest moves: the same
// Dockerfile builds on whatever the registry serves that day, so builds are not
// reproducible and a new major version can break them without any change here.
// Name a version, and for fully repeatable builds a digest as well.
//
// Before:
//
//	FROM node
//	FROM python:latest AS build
//
// Instead:
//
//	FROM node:20.11-bookworm-slim
//	FROM python:3.12-slim@sha256:<digest> AS build
//
// Report only: there is no fix, because which version to pin is a choice.
//
// Not reported: images given by digest (@sha256:...), scratch, a FROM that
// names an earlier stage, and a FROM whose image comes from a variable unless
// that variable is a global ARG (declared before the first FROM) with a plain
// default value, which is then checked as the image name. A --build-arg can
// still override such a default.
package baseimagetag

import (
	_ "embed"

	"github.com/dfopt/dfopt/analysis"
)

//go:embed doc.go
var docGo string

// Pass is the base-image-tag pass, documented above.
var Pass = analysis.Documented(docGo, &analysis.Pass{Name: "base-image-tag", Tier: analysis.Safe, Run: run})
