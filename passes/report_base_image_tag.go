package passes

import (
	"fmt"
	"strings"

	"github.com/dfopt/dfopt/analysis"
	"github.com/dfopt/dfopt/baseimage"
	"github.com/dfopt/dfopt/stages"
)

// BaseImageTag reports base images given without a tag or with :latest.
var BaseImageTag = &analysis.Pass{
	Name:    "base-image-tag",
	Summary: "report base images without a tag or with :latest",
	Tier:    analysis.Safe,
	Run:     runBaseImageTag,
	Doc: `A base image named without a tag means :latest, and :latest moves: the same
Dockerfile builds on whatever the registry serves that day, so builds are not
reproducible and a new major version can break them without any change here.
Name a version, and for fully repeatable builds a digest as well.

Before:
    FROM node
    FROM python:latest AS build

Instead:
    FROM node:20.11-bookworm-slim
    FROM python:3.12-slim@sha256:<digest> AS build

Report only: there is no fix, because which version to pin is a choice.

Not reported: images given by digest (@sha256:...), scratch, a FROM that
names an earlier stage, and a FROM whose image comes from a variable unless
that variable is a global ARG (declared before the first FROM) with a plain
default value, which is then checked as the image name. A --build-arg can
still override such a default.`,
}

func runBaseImageTag(ctx *analysis.Context) []analysis.Finding {
	doc := ctx.Doc
	globals := stages.GlobalArgs(doc)
	var out []analysis.Finding
	for _, st := range doc.Stages {
		if st.Base == "" || st.Parent != nil {
			continue
		}
		rb := stages.ResolveBase(doc, st, globals)
		if rb.Name == "" || rb.Parent != nil || strings.EqualFold(rb.Name, "scratch") {
			continue
		}
		name, tag, digest := baseimage.SplitRef(rb.Name)
		if digest != "" || name == "" {
			continue
		}
		var msg string
		switch tag {
		case "":
			msg = fmt.Sprintf("base image %q has no tag", rb.Name)
		case "latest":
			msg = fmt.Sprintf("base image %q uses the latest tag", rb.Name)
		default:
			continue
		}
		if len(rb.Args) > 0 {
			msg += fmt.Sprintf(" (default of ARG %s)", strings.Join(rb.Args, ", ARG "))
		}
		msg += ": builds are not reproducible; pin a version (and a digest)"
		out = append(out, analysis.WordFinding(st.From, st.Base, msg))
	}
	return out
}
